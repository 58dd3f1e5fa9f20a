/* stvit ablate: the paper's ablation table rerun. Per row (variants/ablation.c): the
 * parameters and FLOPs of its network (counted), one end-to-end run with seeded
 * weights and its speed on one backend (measured, through the bench's point
 * measurement), beside the figures the paper printed (quoted, never measured). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness/bench/bench.h"
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/results/gnuplot.h"
#include "harness/bench/env.h"
#include "harness/cli/model_opts.h"
#include "harness/cli/outputs.h"
#include "harness/cli/progress.h"
#include "harness/results/results.h"
#include "harness/cli/threads.h"
#include "kernels/kernels.h"
#include "variants/ablation.h"
#include "variants/count.h"
#include "variants/st_error.h"

#define PLOT_SCRIPT "viz/plots/ablation.gp"

typedef struct {
    long batch, threads, warmup, runs, seed;
    hx_size_list sizes;   /* --res / --size: the last one given counts */
    int h, w;
    const char *backend, *out;
    hx_int_list rows;
    int json, quiet, no_check, no_out;
} ablate_args;

/* One row's outcome, for the table, the markdown and the summary. */
typedef struct {
    const st_ablation_row *row;
    int64_t params, flops;    /* counted; -1 if the config is invalid */
    double img_per_s;         /* NaN when the run failed */
    unsigned differs;         /* ST_ABL_*_DIFFER */
    int failed, mismatched;   /* run failed | logits differ from naive */
    char error[256];
} outcome;

typedef struct {
    char title[256];   /* what was measured: size, backend, batch, threads, runs */
    int checked;       /* logits compared with the naive backend's */
    double load;       /* 1-minute load average when the run started (-1: unknown) */
} run_info;

static const char about[] =
    "Reruns the paper's ablation table (rows 1-8, with its baselines DeiT-S and Swin-T as\n"
    "rows 15-16, shown first) and its other design ablations (rows 9-14): for each row,\n"
    "the learned parameters and FLOPs (multiply-adds, as the paper counts) of its network,\n"
    "one end-to-end run with seeded random weights (logits must be finite, and match the\n"
    "naive backend), and img/s on one backend; beside them the\n"
    "paper's printed params, FLOPs, top-1, AP^b, AP^m and mIoU. Writes DIR/ablation.csv,\n"
    "DIR/ablation.md and, with gnuplot, DIR/ablation.png (DIR: --out, or a fresh\n"
    "runs/<date>-ablate/).\n";

static void usage_extra(FILE *f) {
    fprintf(f, "\nrows:\n");
    for (int i = 0; i < st_ablation_count(); i++) {
        const st_ablation_row *r = st_ablation_at(i);
        fprintf(f, "  %2d %-16s %s\n", r->number, r->name, r->description);
    }
}

/* The rows --rows names, in the order given; all when empty, the baselines first (the
 * paper's table starts with them). */
static int select_rows(const hx_int_list *want, const st_ablation_row **sel, int *n) {
    *n = 0;
    if (!want->n) {
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < st_ablation_count(); i++)
                if ((st_ablation_at(i)->group == ST_ABL_BASELINE) == !pass) sel[(*n)++] = st_ablation_at(i);
        return ST_OK;
    }
    for (int i = 0; i < want->n; i++) {
        const st_ablation_row *r = st_ablation_find((int)want->v[i]);
        if (!r) return st_fail(ST_ERR_ARG, "--rows: there is no row %ld (rows are 1..%d)", want->v[i],
                               st_ablation_at(st_ablation_count() - 1)->number);
        sel[(*n)++] = r;
    }
    return ST_OK;
}

static const char *differs_text(unsigned d) {
    return d == (ST_ABL_PARAMS_DIFFER | ST_ABL_FLOPS_DIFFER) ? "params,flops"
           : d == ST_ABL_PARAMS_DIFFER                        ? "params"
           : d == ST_ABL_FLOPS_DIFFER                         ? "flops"
                                                              : "";
}

/* "5 w/o CPE + APE": the row for a plot axis, without commas (gnuplot's strcol cuts a
 * quoted CSV field at its first comma). */
static void plot_label(const st_ablation_row *r, char *buf, size_t cap) {
    size_t n = (size_t)snprintf(buf, cap, "%d ", r->number);
    for (const char *c = r->name; *c && n + 1 < cap; c++) {
        if (*c != ',') buf[n++] = *c;
        else if (c[1] != ' ') buf[n++] = '/';   /* "16,8,2,1" -> "16/8/2/1" */
    }
    buf[n < cap ? n : cap - 1] = 0;
}

static void paper_num(hx_row *row, const char *key, const st_ablation_row *r, double v) {
    if (r->paper.printed && !isnan(v)) hx_row_num(row, key, v);
    else hx_row_missing(row, key);
}

/* Counts, runs and times one row; fills the result row (columns: ablation, then the
 * bench's measurement, then the paper's figures and the environment). */
static void measure_row(hx_bench *bench, const st_ablation_row *r, const ablate_args *a, const char *backend,
                        int threads, const hx_env *env, hx_row *row, outcome *o) {
    memset(o, 0, sizeof *o);
    o->row = r;
    o->params = o->flops = -1;
    st_config cfg;
    st_counts k;
    if (!st_ablation_config(r, &cfg) && !st_count(&cfg, a->h, a->w, &k)) {
        o->params = k.params;
        o->flops = k.flops;
    }
    hx_row_int(row, "row", r->number);
    hx_row_str(row, "name", r->name);
    hx_row_str(row, "group", r->group == ST_ABL_TABLE ? "table" : r->group == ST_ABL_DESIGN ? "design" : "baseline");
    /* placeholders, so these come first; the bench's measurement fills them in place */
    hx_row_missing(row, "param_count");
    hx_row_missing(row, "macs_per_img");
    hx_row_missing(row, "img_per_s");

    hx_point p = {.index = r->number, .h = a->h, .w = a->w, .batch = (int)a->batch,
                  .threads = threads};
    snprintf(p.variant, sizeof p.variant, "ablation-%d", r->number);
    snprintf(p.attn, sizeof p.attn, "sta");
    snprintf(p.backend, sizeof p.backend, "%s", backend);
    o->failed = hx_bench_point(bench, &p, 0, row, &o->mismatched) != 0;
    if (o->failed) snprintf(o->error, sizeof o->error, "%s", hx_row_get(row, "error"));
    else if (hx_row_get_num(row, "img_per_s", &o->img_per_s)) o->img_per_s = NAN;
    if (o->failed) o->img_per_s = NAN;
    /* counts do not depend on the run: keep them for failed rows too */
    if (o->params >= 0) hx_row_int(row, "param_count", o->params);
    if (o->flops >= 0) hx_row_int(row, "macs_per_img", o->flops);

    /* the paper's figures are for 224x224: compare with our count there, whatever --res */
    if (o->params >= 0 && !st_count(&cfg, 224, 224, &k)) o->differs = st_ablation_mismatch(r, k.params, k.flops);
    paper_num(row, "paper_params_m", r, r->paper.params_m);
    paper_num(row, "paper_flops_g", r, r->paper.flops_g);
    paper_num(row, "paper_top1", r, r->paper.top1);
    paper_num(row, "paper_ap_box", r, r->paper.ap_box);
    paper_num(row, "paper_ap_mask", r, r->paper.ap_mask);
    paper_num(row, "paper_miou", r, r->paper.miou);
    hx_row_str(row, "differs_from_paper", differs_text(o->differs));
    hx_row_str(row, "differs_why", o->differs ? (r->mismatch_note ? r->mismatch_note : "unknown") : "");
    hx_row_str(row, "description", r->description);
    char label[96];
    plot_label(r, label, sizeof label);
    hx_row_str(row, "label", label);
    hx_env_to_row(env, row);
}

/* ---- the table, as text and as markdown -------------------------------------- */

typedef struct {
    char params[24], flops[24], speed[24];
    char p_params[24], p_flops[24], top1[16], ap_box[16], ap_mask[16], miou[16];
} cells;

static void fmt_paper(char *buf, size_t cap, const st_ablation_row *r, double v, const char *fmt) {
    if (r->paper.printed && !isnan(v)) snprintf(buf, cap, fmt, v);
    else snprintf(buf, cap, "-");
}

/* mark: appended to a printed figure our count disagrees with. */
static void make_cells(const outcome *o, const char *mark, cells *c) {
    const st_ablation_row *r = o->row;
    if (o->params >= 0) snprintf(c->params, sizeof c->params, "%.2fM", o->params / 1e6);
    else snprintf(c->params, sizeof c->params, "?");
    if (o->flops >= 0) snprintf(c->flops, sizeof c->flops, "%.3fG", o->flops / 1e9);
    else snprintf(c->flops, sizeof c->flops, "?");
    if (o->failed) snprintf(c->speed, sizeof c->speed, "failed");
    else snprintf(c->speed, sizeof c->speed, o->img_per_s < 10 ? "%.3f%s" : o->img_per_s < 100 ? "%.2f%s" : "%.1f%s",
                  o->img_per_s, o->mismatched ? " (wrong)" : "");
    if (r->paper.printed) {
        snprintf(c->p_params, sizeof c->p_params, "%.*fM%s", st_ablation_params_digits(r), r->paper.params_m,
                 o->differs & ST_ABL_PARAMS_DIFFER ? mark : "");
        snprintf(c->p_flops, sizeof c->p_flops, "%.*fG%s", st_ablation_flops_digits(r), r->paper.flops_g,
                 o->differs & ST_ABL_FLOPS_DIFFER ? mark : "");
    } else {
        snprintf(c->p_params, sizeof c->p_params, "-");
        snprintf(c->p_flops, sizeof c->p_flops, "-");
    }
    fmt_paper(c->top1, sizeof c->top1, r, r->paper.top1, "%.1f");
    fmt_paper(c->ap_box, sizeof c->ap_box, r, r->paper.ap_box, "%.1f");
    fmt_paper(c->ap_mask, sizeof c->ap_mask, r, r->paper.ap_mask, "%.1f");
    fmt_paper(c->miou, sizeof c->miou, r, r->paper.miou, "%.1f");
}

static int any_design_rows(const outcome *o, int n) {
    for (int i = 0; i < n; i++)
        if (o[i].row->group == ST_ABL_DESIGN) return 1;
    return 0;
}

static void print_text(FILE *f, const outcome *o, int n, const run_info *info) {
    fprintf(f, "STViT-S ablations, measured here: %s\n\n", info->title);
    fprintf(f, "%-23s %-27s | %s\n", "", "measured here", "reported by the paper");
    fprintf(f, "%3s %-19s %8s %8s %9s | %7s %7s %6s %5s %5s %5s\n", "#", "row", "params", "FLOPs", "img/s",
            "params", "FLOPs", "top-1", "AP^b", "AP^m", "mIoU");
    for (int i = 0; i < n; i++) {
        cells c;
        make_cells(&o[i], "!", &c);
        fprintf(f, "%3d %-19s %8s %8s %9s | %7s %7s %6s %5s %5s %5s\n", o[i].row->number, o[i].row->name,
                c.params, c.flops, c.speed, c.p_params, c.p_flops, c.top1, c.ap_box, c.ap_mask, c.miou);
    }
    int flagged = 0;
    for (int i = 0; i < n; i++) flagged += o[i].differs != 0;
    if (flagged) {
        fprintf(f, "\n! the paper's printed figure differs from our count at 224x224 beyond its rounding\n"
                   "  (0.1M, 0.01G):\n");
        for (int i = 0; i < n; i++)
            if (o[i].differs)
                fprintf(f, "  row %d (%s): %s\n", o[i].row->number, differs_text(o[i].differs),
                        o[i].row->mismatch_note ? o[i].row->mismatch_note : "no explanation known");
    }
    fprintf(f, "\ntop-1 (ImageNet-1K), AP^b/AP^m (COCO) and mIoU (ADE20K) are the paper's, from trained\n"
               "weights; they are quoted, not measured here (seeded random weights).\n");
    if (any_design_rows(o, n))
        fprintf(f, "Rows 9-14 are the paper's other design ablations; the spec does not carry their printed\n"
                   "figures, so they are left blank rather than quoted from memory.\n");
    for (int i = 0; i < n; i++)
        if (o[i].failed) fprintf(f, "row %d failed: %s\n", o[i].row->number, o[i].error);
}

static void print_markdown(FILE *f, const outcome *o, int n, const run_info *info, const hx_env *env) {
    fprintf(f, "# STViT ablations, rerun\n\n"
               "The paper's table \"Ablations of STViT\" (rows 1-8) and its other design ablations\n"
               "(rows 9-14) as configurations of STViT-S, with the table's baselines DeiT-S and Swin-T\n"
               "(rows 15-16: timm's networks, run by the same engine) first (`variants/ablation.c`),\n"
               "made by `stvit ablate`.\n\n"
               "Measured here: %s.  \n"
               "Machine: %s (%d cores), %s, git %s, %s, load average %.1f at the start.\n\n",
            info->title, env->cpu, env->cores, env->compiler, env->git, env->date, info->load);
    fprintf(f, "| # | row | params | FLOPs | img/s | paper: params | paper: FLOPs | paper: top-1 | "
               "paper: AP<sup>b</sup> | paper: AP<sup>m</sup> | paper: mIoU |\n"
               "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < n; i++) {
        cells c;
        make_cells(&o[i], " ⚠", &c);
        fprintf(f, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", o[i].row->number, o[i].row->name,
                c.params, c.flops, c.speed, c.p_params, c.p_flops, c.top1, c.ap_box, c.ap_mask, c.miou);
    }
    fprintf(f, "\n**Where the numbers come from.** params and FLOPs are counted for each row's network\n"
               "(`st_count`: learned parameters; FLOPs as the paper counts them with fvcore, one\n"
               "multiply-add = one flop; exact integers in `ablation.csv`). img/s is measured here:\n"
               "each row ran end to end with seeded random weights (finite logits%s), then the median\n"
               "of timed forward passes after warm-up. The `paper:` columns are quoted from the paper:\n"
               "top-1 (ImageNet-1K), AP<sup>b</sup>/AP<sup>m</sup> (COCO) and mIoU (ADE20K) need trained\n"
               "weights and the datasets and are not measured here.\n",
            info->checked ? ", equal to the naive backend's within 1e-4" : "");
    int flagged = 0;
    for (int i = 0; i < n; i++) flagged += o[i].differs != 0;
    if (flagged) {
        fprintf(f, "\n**⚠ Printed figures that disagree with the definition.** The paper prints params to\n"
                   "0.1M and FLOPs to 0.01G, for 224x224 inputs; these differ from our count at 224x224 by\n"
                   "more than that rounding:\n\n");
        for (int i = 0; i < n; i++)
            if (o[i].differs)
                fprintf(f, "- row %d (%s): %s.\n", o[i].row->number, differs_text(o[i].differs),
                        o[i].row->mismatch_note ? o[i].row->mismatch_note : "no explanation known");
    }
    if (any_design_rows(o, n))
        fprintf(f, "\nRows 9-14 are the paper's other design ablations (association iterations, super token\n"
                   "size, what mixes the super tokens); the spec does not carry the paper's figures for them,\n"
                   "so those columns are left blank rather than quoted from memory.\n");
    fprintf(f, "\n| # | change from STViT-S (baselines: the network) |\n|---:|---|\n");
    for (int i = 0; i < n; i++) fprintf(f, "| %d | %s |\n", o[i].row->number, o[i].row->description);
    for (int i = 0; i < n; i++)
        if (o[i].failed) fprintf(f, "\nRow %d failed: %s\n", o[i].row->number, o[i].error);
}

/* ---- files ----------------------------------------------------------------------- */

/* Writes the markdown to a temporary file and renames it, so readers never see half. */
static int save_markdown(const char *path, const outcome *o, int n, const run_info *info, const hx_env *env) {
    hx_atomic a;
    int rc = hx_atomic_open(&a, path, "w");
    if (rc) return rc;
    print_markdown(a.f, o, n, info, env);
    return hx_atomic_commit(&a);
}

/* The plot script: beside the working directory (the project root), else relative to
 * the executable (build/stvit -> ../viz/plots). */
static int find_plot_script(char *out, size_t cap) {
    if (!access(PLOT_SCRIPT, R_OK)) { snprintf(out, cap, "%s", PLOT_SCRIPT); return 1; }
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) return 0;
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return 0;
    *slash = 0;
    snprintf(out, cap, "%s/../%s", exe, PLOT_SCRIPT);
    return !access(out, R_OK);
}

/* Runs gnuplot on the script with file/out/subtitle set (no shell: paths are passed
 * as they are). Returns 0 when the PNG was drawn; 1 with *why set when skipped. */
static int draw_plot(const char *csv, const char *png, const char *subtitle, char *why, size_t cap) {
    char script[4200];
    if (!find_plot_script(script, sizeof script)) {
        snprintf(why, cap, "%s not found", PLOT_SCRIPT);
        return 1;
    }
    if (hx_gnuplot(script, csv, png, subtitle)) {
        snprintf(why, cap, "%s", st_last_error());
        return 1;
    }
    return 0;
}

/* ---- the command --------------------------------------------------------------------- */

int hx_cmd_ablate(int argc, char **argv) {
    ablate_args a = {.batch = 1, .warmup = 1, .runs = 5, .seed = HX_DEFAULT_SEED};
    const hx_option opts[] = {
        {"--res", HX_OPT_SIZES, &a.sizes, ST_MIN_INPUT, ST_MAX_INPUT, "N|HxW", "input size (default 224)"},
        {"--size", HX_OPT_SIZES, &a.sizes, ST_MIN_INPUT, ST_MAX_INPUT, "HxW", "the same as --res, e.g. 72x88"},
        {"--backend", HX_OPT_STRING, &a.backend, 0, 0, "NAME", "kernel backend (default: the fastest)"},
        {"--batch", HX_OPT_INT, &a.batch, 1, 4096, "N", "images per forward pass (default 1)"},
        {"--threads", HX_OPT_INT, &a.threads, 0, 1024, "N", "threads (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK or the CPUs allowed)"},
        {"--rows", HX_OPT_INTS, &a.rows, 1, 1000, "LIST", "rows to run, e.g. 1,2,7 (default: all)"},
        {"--warmup", HX_OPT_INT, &a.warmup, 0, 1000, "N", "untimed forward passes per row (default 1)"},
        {"--min-runs", HX_OPT_INT, &a.runs, 1, 100000, "N", "timed forward passes per row, median (default 5)"},
        {"--seed", HX_OPT_INT, &a.seed, 0, 2147483647, "N", "seed of weights and input (default 0)"},
        {"--no-check", HX_OPT_FLAG, &a.no_check, 0, 0, NULL, "skip the comparison with the naive backend"},
        {"--out", HX_OPT_STRING, &a.out, 0, 0, "DIR", "folder for ablation.csv/.md/.png (default: a fresh runs/<date>-ablate/; - for none)"},
        {"--no-out", HX_OPT_FLAG, &a.no_out, 0, 0, NULL, "write no file (the same as --out -)"},
        {"--json", HX_OPT_FLAG, &a.json, 0, 0, NULL, "print one JSON object per row instead of the table"},
        {"--quiet", HX_OPT_FLAG, &a.quiet, 0, 0, NULL, "no progress on stderr"},
    };
    const st_ablation_row *sel[HX_LIST_MAX > 64 ? HX_LIST_MAX : 64];
    int nsel = 0;
    const kn_backend *be = NULL;
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    if (!rc && st_ablation_count() > (int)(sizeof sel / sizeof sel[0]))
        rc = st_fail(ST_ERR_RANGE, "more ablation rows than the command can hold");
    if (!rc) rc = select_rows(&a.rows, sel, &nsel);
    if (!rc) rc = hx_backend_pick(a.backend, &be);
    if (rc) {
        const hx_usage u = {"ablate", "[options]", about, opts, HX_COUNT(opts), usage_extra};
        return hx_usage_exit(&u, rc);
    }
    a.h = a.sizes.n ? a.sizes.v[a.sizes.n - 1].h : 224;
    a.w = a.sizes.n ? a.sizes.v[a.sizes.n - 1].w : 224;
    int threads = hx_threads_for(be, hx_threads_pick(a.threads));

    char dir[4096], csv_path[4200], md_path[4200], png_path[4200];
    int none;
    if ((rc = hx_output_dir("ablate", a.out, a.no_out, dir, sizeof dir, &none))) {
        fprintf(stderr, "stvit ablate: %s\n", st_last_error());
        return HX_EXIT_FAIL;
    }
    snprintf(csv_path, sizeof csv_path, "%s/ablation.csv", dir);
    snprintf(md_path, sizeof md_path, "%s/ablation.md", dir);
    snprintf(png_path, sizeof png_path, "%s/ablation.png", dir);

    run_info info;
    snprintf(info.title, sizeof info.title, "%dx%d, backend %s, batch %ld, %d thread%s, img/s = median of %ld run%s",
             a.h, a.w, be->name, a.batch, threads, threads == 1 ? "" : "s", a.runs, a.runs == 1 ? "" : "s");
    info.checked = !a.no_check && be != &kn_backend_naive;
    info.load = hx_env_loadavg();   /* other work skews every timing: say how quiet it was */
    if (info.load > threads)
        fprintf(stderr, "ablate: warning: load average %.1f with %d threads: other work will skew the timings\n",
                info.load, threads);
    hx_env env;
    hx_env_collect(&env);
    hx_bench_opts bo = {.warmup = (int)a.warmup, .min_runs = (int)a.runs, .min_time = 0,
                        .check = !a.no_check, .seed = (uint64_t)a.seed};
    hx_bench *bench = NULL;
    outcome *out = calloc((size_t)nsel, sizeof *out);
    hx_table table;
    hx_table_init(&table);
    if (!out) rc = st_fail(ST_ERR_NOMEM, "out of memory");
    if (!rc) rc = hx_bench_create(&bench, &bo);
    if (rc) {
        fprintf(stderr, "stvit ablate: %s\n", st_last_error());
        free(out);
        return 1;
    }

    hx_progress progress;
    hx_progress_init(&progress, nsel, a.quiet);
    progress.who = "ablate";
    int failed = 0, mismatched = 0;
    for (int i = 0; i < nsel; i++) {
        char desc[400];
        snprintf(desc, sizeof desc, "row %d (%s) %s", sel[i]->number, sel[i]->name, info.title);
        hx_progress_start(&progress, i + 1, desc);
        hx_row row;
        hx_row_init(&row);
        measure_row(bench, sel[i], &a, be->name, threads, &env, &row, &out[i]);
        failed += out[i].failed;
        mismatched += out[i].mismatched;
        if (!a.quiet || out[i].failed)
            fprintf(stderr, "ablate: row %d (%s): %.2fM params, %.3f GFLOPs, %s%s\n", sel[i]->number,
                    sel[i]->name, out[i].params / 1e6, out[i].flops / 1e9,
                    out[i].failed ? "FAILED: " : "", out[i].failed ? out[i].error : "ran, logits finite");
        if (a.json) {
            hx_row_write_json(stdout, &row);
            putchar('\n');
            fflush(stdout);
        }
        if (hx_table_add(&table, &row)) {   /* takes the row's contents on success */
            fprintf(stderr, "stvit ablate: %s\n", st_last_error());
            failed++;
        }
        hx_row_free(&row);
        hx_progress_done(&progress);
    }
    hx_bench_free(bench);

    if (!a.json) print_text(stdout, out, nsel, &info);
    int write_error = 0;
    if (!none && ((rc = hx_table_save(csv_path, &table)) || (rc = save_markdown(md_path, out, nsel, &info, &env)))) {
        fprintf(stderr, "stvit ablate: %s\n", st_last_error());
        write_error = 1;
    }
    char why[256];
    int skipped = write_error || none ? 1 : draw_plot(csv_path, png_path, info.title, why, sizeof why);
    if (none)
        fprintf(stderr, "ablate: %d rows, %d failed, %d mismatched the naive backend; no file written (--out -)\n",
                nsel, failed, mismatched);
    else if (!write_error)
        fprintf(stderr, "ablate: %d rows, %d failed, %d mismatched the naive backend; wrote %s, %s%s%s%s\n", nsel,
                failed, mismatched, csv_path, md_path, skipped ? " (no plot: " : ", ", skipped ? why : png_path,
                skipped ? ")" : "");
    hx_table_free(&table);
    free(out);
    return failed || mismatched || write_error ? HX_EXIT_FAIL : 0;
}
