/* stvit bench: a timed sweep over variants, attention kinds, sizes, backends,
 * batches and threads; one result row per point (see bench.h for what is measured). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness/bench.h"
#include "harness/cli.h"
#include "harness/commands.h"
#include "harness/env.h"
#include "harness/model_opts.h"
#include "harness/node_profile.h"
#include "harness/peak.h"
#include "harness/progress.h"
#include "harness/sweep.h"
#include "harness/threads.h"
#include "kernels/kernels.h"
#include "variants/catalog.h"
#include "variants/st_error.h"

#define DEFAULT_OUT "results/bench.csv"

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
    hx_shard shard;
    long warmup, min_runs, seed;
    double min_time, peak;
    const char *out, *trace, *profile_csv;
    int append, json, profile, no_check, quiet;
} bench_args;

static void usage(FILE *f, const hx_option *opts, int n) {
    fprintf(f, "usage: stvit bench [options]\n"
               "Times the network at every point of the product of the lists (variant x attn x size\n"
               "x backend x batch x threads, in that order) and writes one row per point to OUT and\n"
               "its .jsonl sibling: median/min/p90 ms per batch, img/s, FLOPs per image (multiply-\n"
               "adds, as the paper), achieved GFLOP/s (2 x FLOPs x img/s) and its fraction of the\n"
               "sgemm peak, peak RSS, and whether the logits match the naive backend.\n"
               "Lists are comma-separated, e.g. --variant S,B --res 224,384 --batch 1,8.\n");
    hx_print_options(f, opts, n);
}

/* Fills the lists the user left empty with the defaults. */
static void default_lists(hx_sweep_spec *s) {
    if (!s->variants.n) { s->variants.n = 1; strcpy(s->variants.v[0], "S"); }
    if (!s->attns.n) { s->attns.n = 1; strcpy(s->attns.v[0], "sta"); }
    if (!s->sizes.n) { s->sizes.n = 1; s->sizes.v[0] = (hx_size){224, 224}; }
    if (!s->backends.n)
        for (int i = 0; i < kn_backend_count() && s->backends.n < HX_LIST_MAX; i++)
            if (kn_backend_at(i)->supported()) strcpy(s->backends.v[s->backends.n++], kn_backend_at(i)->name);
    if (!s->batches.n) { s->batches.n = 1; s->batches.v[0] = 1; }
    if (!s->threads.n) { s->threads.n = 1; s->threads.v[0] = hx_threads_pick(0); }
}

/* Rejects unknown names before anything runs, rather than as failed points. */
static int validate_names(const hx_sweep_spec *s) {
    for (int v = 0; v < s->variants.n; v++)
        for (int a = 0; a < s->attns.n; a++) {
            hx_model_opts mo = {.variant = s->variants.v[v], .attn = s->attns.v[a]};
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

/* mkdir of the output's folder when it is missing (one level, like results/). */
static void make_parent_dir(const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return;
    *slash = 0;
    if (mkdir(dir, 0777) && errno != EEXIST) { /* open() will report the real problem */ }
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

/* --out, or results/bench.csv (results/bench.shardKofN.csv for a shard), and the
 * .jsonl beside it (or the .csv beside a --out x.jsonl). */
static void result_paths(const bench_args *a, char *csv, char *jsonl, size_t cap) {
    if (a->out) snprintf(csv, cap, "%s", a->out);
    else if (a->shard.n) snprintf(csv, cap, "results/bench.shard%dof%d.csv", a->shard.k, a->shard.n);
    else snprintf(csv, cap, "%s", DEFAULT_OUT);
    if (hx_format_of(csv) == HX_JSONL) {
        snprintf(jsonl, cap, "%s", csv);
        hx_sibling_path(jsonl, ".csv", csv, cap);
    } else {
        hx_sibling_path(csv, ".jsonl", jsonl, cap);
    }
}

static void print_point(const hx_point *p, const hx_row *row) {
    char desc[256];
    hx_point_describe(p, desc, sizeof desc);
    const char *status = hx_row_get(row, "status");
    if (strcmp(status, "ok")) {
        printf("%s: FAILED: %s\n", desc, hx_row_get(row, "error"));
        return;
    }
    double med, mn, p90, ips, gf, frac = 0;
    hx_row_get_num(row, "ms_median", &med);
    hx_row_get_num(row, "ms_min", &mn);
    hx_row_get_num(row, "ms_p90", &p90);
    hx_row_get_num(row, "img_per_s", &ips);
    int have_gf = !hx_row_get_num(row, "gflops", &gf);
    int have_frac = !hx_row_get_num(row, "peak_fraction", &frac);
    printf("%s: %.3f ms (min %.3f, p90 %.3f), %.2f img/s", desc, med, mn, p90, ips);
    if (have_gf) printf(", %.2f GFLOP/s", gf);
    if (have_frac) printf(" (%.1f%% of peak)", 100 * frac);
    printf(", matches naive: %s\n", hx_row_get(row, "matches_naive"));
}

int hx_cmd_bench(int argc, char **argv) {
    bench_args a = {.warmup = 2, .min_runs = 5, .min_time = 1.0, .seed = 1};
    char variant_help[256];
    snprintf(variant_help, sizeof variant_help, "variants (default S; known: %s)", st_config_names());
    const hx_option opts[] = {
        {"--variant", HX_OPT_STRINGS, &a.spec.variants, 0, 0, "LIST", variant_help},
        {"--attn", HX_OPT_STRINGS, &a.spec.attns, 0, 0, "LIST", "attention kinds: sta, global, window (default sta)"},
        {"--res", HX_OPT_SIZES, &a.spec.sizes, ST_MIN_INPUT, ST_MAX_INPUT, "LIST", "input sizes N (NxN) or HxW (default 224)"},
        {"--size", HX_OPT_SIZES, &a.spec.sizes, ST_MIN_INPUT, ST_MAX_INPUT, "LIST", "same as --res (both add to one list)"},
        {"--backend", HX_OPT_STRINGS, &a.spec.backends, 0, 0, "LIST", "backends (default: every one this CPU supports)"},
        {"--batch", HX_OPT_INTS, &a.spec.batches, 1, 4096, "LIST", "batch sizes (default 1)"},
        {"--threads", HX_OPT_INTS, &a.spec.threads, 1, 1024, "LIST", "thread counts (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK or the CPUs allowed)"},
        {"--warmup", HX_OPT_INT, &a.warmup, 0, 1000, "N", "untimed runs first (default 2)"},
        {"--min-runs", HX_OPT_INT, &a.min_runs, 1, 100000, "N", "timed runs at least (default 5)"},
        {"--min-time", HX_OPT_DOUBLE, &a.min_time, 0, 86400, "S", "timed seconds at least (default 1)"},
        {"--seed", HX_OPT_INT, &a.seed, 0, 2147483647, "N", "seed of weights and input (default 1)"},
        {"--peak", HX_OPT_DOUBLE, &a.peak, 1e-3, 1e9, "GFLOPS", "peak to compare with (default: measure sgemm)"},
        {"--out", HX_OPT_STRING, &a.out, 0, 0, "FILE", "result CSV, .jsonl beside it (default " DEFAULT_OUT ")"},
        {"--append", HX_OPT_FLAG, &a.append, 0, 0, NULL, "add to the result files instead of replacing them"},
        {"--shard", HX_OPT_SHARD, &a.shard, 0, 0, "K/N", "run every N-th point starting at K"},
        {"--profile", HX_OPT_FLAG, &a.profile, 0, 0, NULL, "time per op and per stage (table + prof_* columns)"},
        {"--trace", HX_OPT_STRING, &a.trace, 0, 0, "FILE", "with --profile: Chrome trace (JSON) of each point's last pass"},
        {"--profile-csv", HX_OPT_STRING, &a.profile_csv, 0, 0, "FILE",
         "with --profile: ms per image per op x stage x block, one row each"},
        {"--no-check", HX_OPT_FLAG, &a.no_check, 0, 0, NULL, "skip the comparison with the naive backend"},
        {"--json", HX_OPT_FLAG, &a.json, 0, 0, NULL, "print rows as JSON lines on stdout"},
        {"--quiet", HX_OPT_FLAG, &a.quiet, 0, 0, NULL, "no progress on stderr"},
    };
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    if (!rc) { default_lists(&a.spec); rc = validate_names(&a.spec); }
    if (!rc && (a.trace || a.profile_csv) && !a.profile)
        rc = st_fail(ST_ERR_ARG, "--trace and --profile-csv need --profile");
    if (rc) {
        if (rc != HX_HELP) fprintf(stderr, "stvit bench: %s\n", st_last_error());
        usage(rc == HX_HELP ? stdout : stderr, opts, HX_COUNT(opts));
        return rc == HX_HELP ? 0 : 2;
    }

    hx_point *pts;
    int total, n;
    if ((rc = hx_sweep_expand(&a.spec, &pts, &total))) {
        fprintf(stderr, "stvit bench: %s\n", st_last_error());
        return 2;
    }
    n = a.shard.n ? hx_sweep_shard(pts, total, a.shard.k, a.shard.n) : total;
    for (int i = 0; i < n; i++)   /* a single-threaded backend runs, and records, 1 */
        pts[i].threads = hx_threads_for(kn_backend_find(pts[i].backend), pts[i].threads);

    char csv_path[4096], jsonl_path[4096], shard_text[32] = "";
    if (a.shard.n) snprintf(shard_text, sizeof shard_text, "%d/%d", a.shard.k, a.shard.n);
    result_paths(&a, csv_path, jsonl_path, sizeof csv_path);

    hx_env env;
    hx_env_collect(&env);
    double *peaks = calloc(1025, sizeof *peaks);   /* by thread count, 1..1024 */
    hx_bench_opts bo = {.warmup = (int)a.warmup, .min_runs = (int)a.min_runs, .min_time = a.min_time,
                        .check = !a.no_check, .profile = a.profile,
                        .profile_out = a.json ? stderr : stdout, .seed = (uint64_t)a.seed};
    hx_bench *bench = NULL;
    hx_writer *csv = NULL, *jsonl = NULL, *matrix = NULL;
    hx_trace *trace = NULL;
    make_parent_dir(csv_path);
    if (!peaks) rc = st_fail(ST_ERR_NOMEM, "out of memory");
    if (!rc) rc = measure_peaks(&a, pts, n, peaks);
    if (!rc) rc = hx_writer_open(&csv, csv_path, a.append);
    if (!rc) rc = hx_writer_open(&jsonl, jsonl_path, a.append);
    if (!rc && a.profile_csv) rc = hx_writer_open(&matrix, a.profile_csv, a.append);
    if (!rc && a.trace) rc = hx_trace_open(&trace, a.trace);
    bo.trace = trace;
    bo.node_matrix = matrix;
    if (!rc) rc = hx_bench_create(&bench, &bo);
    if (rc) {
        fprintf(stderr, "stvit bench: %s\n", st_last_error());
        hx_writer_close(csv);
        hx_writer_close(jsonl);
        hx_writer_close(matrix);
        hx_trace_close(trace);
        free(peaks);
        free(pts);
        return 1;
    }

    signal(SIGINT, on_sigint);
    hx_progress progress;
    hx_progress_init(&progress, n, a.quiet);
    int ran = 0, failed = 0, mismatched = 0, write_error = 0;
    char (*why)[320] = calloc((size_t)n, sizeof *why);   /* failure summary per point */
    for (int i = 0; i < n && !interrupted && !write_error; i++) {
        const hx_point *p = &pts[i];
        char desc[256];
        hx_point_describe(p, desc, sizeof desc);
        hx_progress_start(&progress, i + 1, desc);
        hx_row row;
        hx_row_init(&row);
        hx_row_int(&row, "point", p->index);
        hx_row_int(&row, "points", total);
        hx_row_str(&row, "shard", shard_text);
        int mismatch = 0;
        int prc = hx_bench_point(bench, p, peaks[p->threads], &row, &mismatch);
        hx_env_to_row(&env, &row);
        ran++;
        if (prc || mismatch) {
            failed += prc != 0;
            mismatched += mismatch;
            if (why && prc) snprintf(why[i], sizeof why[i], "%s", hx_row_get(&row, "error"));
            else if (why)
                snprintf(why[i], sizeof why[i], "logits differ from the naive backend (relative L2 %s > %g)",
                         hx_row_get(&row, "rel_l2_vs_naive"), HX_MATCH_TOLERANCE);
        }
        if ((rc = hx_writer_write(csv, &row)) || (rc = hx_writer_write(jsonl, &row))) {
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
    signal(SIGINT, SIG_DFL);

    int close_rc = hx_writer_close(csv);
    if (hx_writer_close(matrix)) close_rc = 1;
    if (hx_trace_close(trace)) close_rc = 1;
    if (hx_writer_close(jsonl) || close_rc) {
        fprintf(stderr, "stvit bench: %s\n", st_last_error());
        write_error = 1;
    }
    fprintf(stderr, "bench: %d of %d points run%s, %d failed, %d mismatched; rows in %s and %s\n", ran, n,
            interrupted ? " (interrupted)" : "", failed, mismatched, csv_path, jsonl_path);
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
    if (interrupted) return 130;
    return failed || mismatched || write_error ? 1 : 0;
}
