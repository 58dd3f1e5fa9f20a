/* stvit bench: a timed sweep over variants, attention kinds, sizes, backends,
 * batches and threads; one result row per point (see bench.h for what is measured). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness/bench/bench.h"
#include "harness/bench/busy.h"
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/bench/env.h"
#include "harness/cli/model_opts.h"
#include "harness/bench/node_profile.h"
#include "harness/cli/outputs.h"
#include "harness/bench/peak.h"
#include "harness/cli/progress.h"
#include "harness/bench/sweep.h"
#include "harness/cli/threads.h"
#include "kernels/kernels.h"
#include "variants/catalog.h"
#include "variants/st_error.h"

static volatile sig_atomic_t interrupted = 0;

/* First Ctrl-C: finish the current point, then stop. A second one kills. */
static void on_sigint(int sig) {
    static const char msg[] = "\nbench: stopping after this point (Ctrl-C again to abort)\n";
    interrupted = 1;
    signal(sig, SIG_DFL);
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);   /* async-signal-safe */
    (void)ignored;
}

typedef struct {
    hx_sweep_spec spec;
    hx_str_list precisions;   /* picks the default backends: f32 unless given */
    hx_shard shard;
    long warmup, min_runs, seed;
    double min_time, peak;
    const char *out;
    int append, json, profile, no_check, quiet, no_out, busy_flag;
    const char *trace, *profile_csv;   /* --profile outputs per node */
    hx_model_opts model;   /* --weights, --n-iter, --stoken for every point */
} bench_args;

static const char about[] =
    "Times the network at every point of the product of the lists (variant x attn x size\n"
    "x backend x batch x threads, in that order) and writes one row per point to\n"
    "DIR/bench.csv and DIR/bench.jsonl (DIR/bench.shardKofN.* for a shard): ms per batch\n"
    "(median/min/p90), img/s, multiply-adds per image (as the paper counts FLOPs), achieved\n"
    "GFLOP/s (2 x MACs x img/s) and its fraction of the sgemm peak, peak RSS, whether the\n"
    "logits match the naive backend, and the environment (results/SCHEMA.md). Without --out\n"
    "the files go to a fresh runs/<date>-bench/ folder, printed at the end.\n"
    "Lists are comma-separated, e.g. --variant S,B --res 224,384 --batch 1,8.\n";

static int wanted_precision(const hx_str_list *p, const kn_backend *b) {
    if (!p->n) return !strcmp(kn_backend_precision(b), "f32");
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->v[i], kn_backend_precision(b))) return 1;
    return 0;
}

/* Fills the lists the user left empty with the defaults. */
static void default_lists(hx_sweep_spec *s, const hx_str_list *precisions) {
    if (!s->variants.n) { s->variants.n = 1; strcpy(s->variants.v[0], "S"); }
    if (!s->attns.n) { s->attns.n = 1; strcpy(s->attns.v[0], "sta"); }
    if (!s->sizes.n) { s->sizes.n = 1; s->sizes.v[0] = (hx_size){224, 224}; }
    if (!s->backends.n)
        for (int i = 0; i < kn_backend_count() && s->backends.n < HX_LIST_MAX; i++) {
            const kn_backend *be = kn_backend_at(i);
            char why[8];
            /* ISA variants only when named; bf16 ones with --precision bf16 */
            if (!be->isa && wanted_precision(precisions, be) && kn_backend_runs(be, why, sizeof why))
                strcpy(s->backends.v[s->backends.n++], be->name);
        }
    if (!s->batches.n) { s->batches.n = 1; s->batches.v[0] = 1; }
    if (!s->threads.n) { s->threads.n = 1; s->threads.v[0] = hx_threads_pick(0); }
}

/* Rejects unknown names before anything runs, rather than as failed points. */
static int validate_names(const bench_args *args) {
    const hx_sweep_spec *s = &args->spec;
    for (int v = 0; v < s->variants.n; v++)
        for (int a = 0; a < s->attns.n; a++) {
            hx_model_opts mo = args->model;
            mo.variant = s->variants.v[v];
            mo.attn = s->attns.v[a];
            st_config cfg;
            int rc = hx_model_config(&mo, &cfg);
            if (rc) return rc;
        }
    for (int b = 0; b < s->backends.n; b++) {
        const kn_backend *be;
        int rc = hx_backend_pick(s->backends.v[b], &be);
        if (rc) return rc;
    }
    return ST_OK;
}

/* One sgemm peak per thread count in the run, unless --peak gave it. */
static int measure_peaks(const bench_args *a, const hx_point *pts, int n, double *peak_of_threads) {
    for (int i = 0; i < n; i++) {
        int t = pts[i].threads;
        if (peak_of_threads[t] != 0) continue;
        if (a->peak > 0) { peak_of_threads[t] = a->peak; continue; }
        if (!a->quiet) fprintf(stderr, "bench: measuring the sgemm peak at %d thread%s...\n", t, t == 1 ? "" : "s");
        double g = hx_measure_peak(t);
        if (g < 0) return (int)g;
        peak_of_threads[t] = g;
    }
    return ST_OK;
}

/* DIR/bench.csv (DIR/bench.shardKofN.csv for a shard) and the .jsonl beside it. */
static int result_paths(const bench_args *a, const char *dir, char *csv, char *jsonl, size_t cap) {
    int n = a->shard.n ? snprintf(csv, cap, "%s/bench.shard%dof%d.csv", dir, a->shard.k, a->shard.n)
                       : snprintf(csv, cap, "%s/bench.csv", dir);
    if (n >= (int)cap) return st_fail(ST_ERR_ARG, "--out: path too long");
    return hx_sibling_path(csv, ".jsonl", jsonl, cap);
}

/* --append: the file's columns must be the ones this run writes (checked before any
 * point is measured), and the new points are numbered after the file's last. */
static int check_append(const char *csv_path, const hx_row *tmpl, int *offset) {
    *offset = 0;
    if (access(csv_path, F_OK)) return ST_OK;   /* a new file */
    hx_table t;
    int rc = hx_table_read(csv_path, &t);
    if (rc) return rc;
    for (int i = 0; i < tmpl->n && !rc; i++)
        if (hx_table_col(&t, tmpl->f[i].key) < 0)
            rc = st_fail(ST_ERR_FORMAT, "%s: --append: the file has no column '%s' (written by another version? "
                         "use a new --out folder)", csv_path, tmpl->f[i].key);
    for (int c = 0; c < t.ncols && !rc; c++)
        if (!hx_row_get(tmpl, t.cols[c]))
            rc = st_fail(ST_ERR_FORMAT, "%s: --append: the file has column '%s', which this run does not write "
                         "(use a new --out folder)", csv_path, t.cols[c]);
    for (int r = 0; r < t.n && !rc; r++) {
        double v;
        if (!hx_row_get_num(&t.rows[r], "point", &v) && v + 1 > *offset) *offset = (int)v + 1;
    }
    hx_table_free(&t);
    return rc;
}

static void print_point(const hx_point *p, const hx_row *row) {
    char desc[256];
    hx_point_describe(p, desc, sizeof desc);
    const char *busy = !strcmp(hx_row_get(row, "busy_core"), "true") ? " busy core" : "";
    const char *status = hx_row_get(row, "status");
    if (strcmp(status, "ok")) {
        printf("%s%s: FAILED: %s\n", desc, busy, hx_row_get(row, "error"));
        return;
    }
    double med, mn, p90, ips, gf, frac = 0;
    hx_row_get_num(row, "batch_ms_median", &med);
    hx_row_get_num(row, "batch_ms_min", &mn);
    hx_row_get_num(row, "batch_ms_p90", &p90);
    hx_row_get_num(row, "img_per_s", &ips);
    int have_gf = !hx_row_get_num(row, "gflop_per_s", &gf);
    int have_frac = !hx_row_get_num(row, "peak_fraction", &frac);
    printf("%s%s: %.3f ms (min %.3f, p90 %.3f), %.2f img/s", desc, busy, med, mn, p90, ips);
    if (have_gf) printf(", %.2f GFLOP/s", gf);
    if (have_frac) printf(" (%.1f%% of peak)", 100 * frac);
    const char *m = hx_row_get(row, "matches_naive");
    printf(", matches naive: %s\n", m && *m ? m : "not checked");
}

int hx_cmd_bench(int argc, char **argv) {
    bench_args a = {.warmup = 2, .min_runs = 5, .min_time = 1.0, .seed = HX_DEFAULT_SEED};
    char variant_help[256];
    snprintf(variant_help, sizeof variant_help, "variants (default S; known: %s)", st_config_names());
    const hx_option opts[] = {
        {"--variant", HX_OPT_STRINGS, &a.spec.variants, 0, 0, "LIST", variant_help},
        {"--attn", HX_OPT_STRINGS, &a.spec.attns, 0, 0, "LIST", "attention kinds: sta, global, window (default sta)"},
        {"--res", HX_OPT_SIZES, &a.spec.sizes, ST_MIN_INPUT, ST_MAX_INPUT, "LIST", "input sizes N (NxN) or HxW (default 224)"},
        {"--size", HX_OPT_SIZES, &a.spec.sizes, ST_MIN_INPUT, ST_MAX_INPUT, "LIST", "same as --res (both add to one list)"},
        {"--backend", HX_OPT_STRINGS, &a.spec.backends, 0, 0, "LIST", "backends (default: every one this CPU supports of --precision)"},
        {"--precision", HX_OPT_STRINGS, &a.precisions, 0, 0, "LIST", "f32, bf16: precisions of the default backends (default f32)"},
        {"--batch", HX_OPT_INTS, &a.spec.batches, 1, 4096, "LIST", "batch sizes (default 1)"},
        {"--threads", HX_OPT_INTS, &a.spec.threads, 1, 1024, "LIST", "thread counts (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK or the CPUs allowed)"},
        {"--warmup", HX_OPT_INT, &a.warmup, 0, 1000, "N", "untimed runs first (default 2)"},
        {"--min-runs", HX_OPT_INT, &a.min_runs, 1, 100000, "N", "timed runs at least (default 5)"},
        {"--min-time", HX_OPT_DOUBLE, &a.min_time, 0, 86400, "S", "timed seconds at least (default 1)"},
        {"--seed", HX_OPT_INT, &a.seed, 0, 2147483647, "N", "seed of weights and input (default 0)"},
        {"--weights", HX_OPT_STRING, &a.model.weights, 0, 0, "FILE", "safetensors weights (config from its metadata) instead of seeded ones"},
        {"--n-iter", HX_OPT_INTS, &a.model.n_iter, 1, 64, "LIST", "association iterations per stage, e.g. 2,2,1,1"},
        {"--stoken", HX_OPT_INTS, &a.model.stoken, 1, 256, "LIST", "super token size per stage, e.g. 4,2,1,1"},
        {"--peak", HX_OPT_DOUBLE, &a.peak, 1e-3, 1e9, "GFLOPS", "peak to compare with (default: measure sgemm)"},
        {"--out", HX_OPT_STRING, &a.out, 0, 0, "DIR", "folder of bench.csv/.jsonl (default: a fresh runs/<date>-bench/; - for none)"},
        {"--no-out", HX_OPT_FLAG, &a.no_out, 0, 0, NULL, "write no file (the same as --out -)"},
        {"--append", HX_OPT_FLAG, &a.append, 0, 0, NULL, "add to the files in --out DIR (same columns; points numbered after the last)"},
        {"--shard", HX_OPT_SHARD, &a.shard, 0, 0, "K/N", "run every N-th point starting at K"},
        {"--profile", HX_OPT_FLAG, &a.profile, 0, 0, NULL, "time per op and per stage (table + prof_* columns)"},
        {"--trace", HX_OPT_STRING, &a.trace, 0, 0, "FILE", "with --profile: Chrome trace (JSON) of each point's last pass"},
        {"--profile-csv", HX_OPT_STRING, &a.profile_csv, 0, 0, "FILE",
         "with --profile: ms per image per op x stage x block, one row each"},
        {"--no-check", HX_OPT_FLAG, &a.no_check, 0, 0, NULL, "skip the comparison with the naive backend"},
        {"--json", HX_OPT_FLAG, &a.json, 0, 0, NULL, "print rows as JSON lines on stdout"},
        {"--quiet", HX_OPT_FLAG, &a.quiet, 0, 0, NULL, "no progress on stderr"},
        {"--busy-core", HX_OPT_FLAG, &a.busy_flag, 0, 0, "[on|both]",
         "spin one CPU meanwhile (both: each point quiet, then busy, + busy_ratio)"},
    };
    const hx_usage usage = {"bench", "[options]", about, opts, HX_COUNT(opts), NULL};
    hx_busy_mode busy_mode = HX_BUSY_OFF;   /* taken out first: a bare --busy-core means on */
    int rc = hx_busy_take_option(&argc, argv, &busy_mode);
    if (!rc) rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    if (!rc && hx_out_names_file(a.out))
        rc = st_fail(ST_ERR_ARG, "--out %s: --out names a folder (bench writes DIR/bench.csv and DIR/bench.jsonl)",
                     a.out);
    if (!rc && a.append && (!a.out || hx_out_is_none(a.out) || a.no_out))
        rc = st_fail(ST_ERR_ARG, "--append needs --out DIR: the folder whose bench.csv to add to");
    if (!rc && a.model.weights && a.spec.variants.n > 1)
        rc = st_fail(ST_ERR_ARG, "--weights: one variant only (the one the file holds)");
    if (!rc && a.model.weights) {   /* the variant column names the file's configuration */
        st_config cfg;
        a.model.variant = a.spec.variants.n ? a.spec.variants.v[0] : NULL;   /* for a file without metadata */
        if (!(rc = hx_model_config(&a.model, &cfg)) && !a.spec.variants.n) {
            a.spec.variants.n = 1;
            snprintf(a.spec.variants.v[0], HX_NAME_MAX, "%s", cfg.name);
        }
        if (rc) return fprintf(stderr, "stvit bench: %s\n", st_last_error()), HX_EXIT_FAIL;
    }
    if (!rc) { default_lists(&a.spec, &a.precisions); rc = validate_names(&a); }
    if (!rc && (a.trace || a.profile_csv) && !a.profile)
        rc = st_fail(ST_ERR_ARG, "--trace and --profile-csv need --profile");
    if (rc) return hx_usage_exit(&usage, rc);

    hx_point *pts;
    int total, n;
    if ((rc = hx_sweep_expand(&a.spec, &pts, &total))) {
        fprintf(stderr, "stvit bench: %s\n", st_last_error());
        return HX_EXIT_USAGE;
    }
    n = a.shard.n ? hx_sweep_shard(pts, total, a.shard.k, a.shard.n) : total;
    for (int i = 0; i < n; i++)   /* a single-threaded backend runs, and records, 1 */
        pts[i].threads = hx_threads_for(kn_backend_find(pts[i].backend), pts[i].threads);
    if ((n = hx_busy_expand_points(busy_mode, &pts, n, &total)) < 0) {
        fprintf(stderr, "stvit bench: %s\n", st_last_error());
        free(pts);
        return HX_EXIT_FAIL;
    }

    char csv_path[4096] = "", jsonl_path[4096] = "", shard_text[32] = "", dir[4096] = "";
    if (a.shard.n) snprintf(shard_text, sizeof shard_text, "%d/%d", a.shard.k, a.shard.n);

    hx_env env;
    hx_env_collect(&env);
    double *peaks = calloc(1025, sizeof *peaks);   /* by thread count, 1..1024 */
    hx_bench_opts bo = {.warmup = (int)a.warmup, .min_runs = (int)a.min_runs, .min_time = a.min_time,
                        .check = !a.no_check, .profile = a.profile,
                        .profile_out = a.json ? stderr : stdout, .seed = (uint64_t)a.seed,
                        .model = &a.model, .progress = !a.quiet};
    hx_bench *bench = NULL;
    hx_writer *files[2] = {NULL, NULL}, *csv = NULL, *jsonl = NULL;
    int none = 0, offset = 0;
    if (!peaks) rc = st_fail(ST_ERR_NOMEM, "out of memory");
    hx_writer *matrix = NULL;
    hx_trace *trace = NULL;
    if (!rc && a.profile_csv) rc = hx_writer_open(&matrix, a.profile_csv, a.append);
    if (!rc && a.trace) rc = hx_trace_open(&trace, a.trace);
    bo.trace = trace;
    bo.node_matrix = matrix;
    if (!rc) rc = hx_bench_create(&bench, &bo);
    if (!rc && a.append) {   /* the columns, checked before anything is measured */
        hx_row tmpl;
        hx_row_init(&tmpl);
        hx_row_int(&tmpl, "point", 0);
        hx_row_int(&tmpl, "points", 0);
        hx_row_str(&tmpl, "shard", "");
        rc = hx_bench_columns(bench, &tmpl);
        double no_quiet = NAN;
        hx_busy_to_row(busy_mode, 0, &no_quiet, &tmpl);
        if (!rc) rc = hx_env_to_row(&env, &tmpl);
        if (!rc) rc = result_paths(&a, a.out, csv_path, jsonl_path, sizeof csv_path);
        if (!rc) rc = check_append(csv_path, &tmpl, &offset);
        hx_row_free(&tmpl);
    }
    if (!rc) rc = measure_peaks(&a, pts, n, peaks);
    if (!rc) rc = hx_output_dir("bench", a.out, a.no_out, dir, sizeof dir, &none);
    if (!rc && !none) rc = result_paths(&a, dir, csv_path, jsonl_path, sizeof csv_path);
    if (!rc && !none) {
        const char *paths[2] = {csv_path, jsonl_path};
        rc = hx_writers_open(files, paths, 2, a.append);
        csv = files[0];
        jsonl = files[1];
    }
    if (rc) {
        fprintf(stderr, "stvit bench: %s\n", st_last_error());
        hx_writer_close(csv);
        hx_writer_close(jsonl);
        hx_writer_close(matrix);
        hx_trace_close(trace);
        hx_bench_free(bench);
        free(peaks);
        free(pts);
        return HX_EXIT_FAIL;
    }

    signal(SIGINT, on_sigint);
    hx_progress progress;
    hx_progress_init(&progress, n, a.quiet);
    progress.who = "bench";
    int ran = 0, failed = 0, mismatched = 0, write_error = 0;
    hx_busy busy = {0, -1};
    double quiet_img_s = NAN;
    char (*why)[320] = calloc((size_t)n, sizeof *why);   /* failure summary per point */
    for (int i = 0; i < n && !interrupted && !write_error; i++) {
        const hx_point *p = &pts[i];
        int was_spinning = busy.pid > 0;
        if (hx_busy_prepare(&busy, busy_mode, i)) {   /* no load, no busy figure: stop here */
            fprintf(stderr, "stvit bench: %s\n", st_last_error());
            write_error = 1;
            break;
        }
        if (busy.pid > 0 && !was_spinning && !a.quiet)
            fprintf(stderr, "bench: busy core: spinner pid %d on CPU %d\n", (int)busy.pid, busy.cpu);
        char desc[256];
        hx_point_describe(p, desc, sizeof desc);
        hx_progress_start(&progress, i + 1, desc);
        hx_row row;
        hx_row_init(&row);
        hx_row_int(&row, "point", offset + p->index);
        hx_row_int(&row, "points", offset + total);
        hx_row_str(&row, "shard", shard_text);
        int mismatch = 0;
        int prc = hx_bench_point(bench, p, peaks[p->threads], &row, &mismatch);
        hx_busy_to_row(busy_mode, i, &quiet_img_s, &row);
        hx_env_to_row(&env, &row);
        ran++;
        if (prc || mismatch) {
            failed += prc != 0;
            mismatched += mismatch;
            if (why && prc) snprintf(why[i], sizeof why[i], "%s", hx_row_get(&row, "error"));
            else if (why)
                snprintf(why[i], sizeof why[i], "logits differ from the naive backend (relative L2 %s > %s)",
                         hx_row_get(&row, "rel_l2_vs_naive"), hx_row_get(&row, "tol_vs_naive"));
        }
        if (!none && ((rc = hx_writer_write(csv, &row)) || (rc = hx_writer_write(jsonl, &row)))) {
            fprintf(stderr, "stvit bench: %s\n", st_last_error());
            write_error = 1;
        }
        if (a.json) {
            hx_row_write_json(stdout, &row);
            putchar('\n');
            fflush(stdout);
        } else {
            print_point(p, &row);
            fflush(stdout);
        }
        hx_row_free(&row);
        hx_progress_done(&progress);
    }
    if (busy.pid > 0 && !a.quiet) fprintf(stderr, "bench: busy core: stopped the spinner (%d)\n", (int)busy.pid);
    hx_busy_stop(&busy);
    signal(SIGINT, SIG_DFL);

    int close_rc = hx_writer_close(csv);
    if (hx_writer_close(matrix)) close_rc = 1;
    if (hx_trace_close(trace)) close_rc = 1;
    if (hx_writer_close(jsonl) || close_rc) {
        fprintf(stderr, "stvit bench: %s\n", st_last_error());
        write_error = 1;
    }
    fprintf(stderr, "bench: %d of %d points run%s, %d failed, %d mismatched; ", ran, n,
            interrupted ? " (interrupted)" : "", failed, mismatched);
    if (none) fprintf(stderr, "no file written (--out -)\n");
    else fprintf(stderr, "rows in %s and %s\n", csv_path, jsonl_path);
    for (int i = 0; why && i < n; i++)
        if (why[i][0]) {
            char desc[256];
            hx_point_describe(&pts[i], desc, sizeof desc);
            fprintf(stderr, "  point %d (%s): %s\n", pts[i].index, desc, why[i]);
        }
    hx_bench_free(bench);
    free(why);
    free(peaks);
    free(pts);
    if (interrupted) return HX_EXIT_INTERRUPTED;
    return failed || mismatched || write_error ? HX_EXIT_FAIL : 0;
}
