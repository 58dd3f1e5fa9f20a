/* stvit eval: top-1 / top-5 accuracy on a labelled image folder (ImageNet-val style). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "harness/cli/commands.h"
#include "harness/bench/env.h"
#include "harness/eval/eval.h"
#include "harness/image/image.h"
#include "harness/cli/model_opts.h"
#include "harness/cli/outputs.h"
#include "harness/results/results.h"
#include "harness/cli/progress.h"
#include "harness/bench/timer.h"
#include "variants/st_error.h"

#define PLAIN_EVERY_S 30.0

static volatile sig_atomic_t interrupted;

/* First Ctrl-C: finish the batch, write what is done, print the accuracy so far.
 * The handler is reset (SA_RESETHAND), so a second Ctrl-C ends the process at once. */
static void on_sigint(int sig) {
    static const char msg[] = "\nstvit eval: stopping after this batch (Ctrl-C again to quit now)\n";
    (void)sig;
    interrupted = 1;
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
}

typedef struct {
    int bar;          /* draw the progress line (stderr is a terminal, not --quiet) */
    int plain;        /* not a terminal, not --quiet: a plain line every PLAIN_EVERY_S */
    int drawn;        /* a progress line is on screen and must be cleared first */
    double last;      /* hx_now() of the last redraw */
} ui_state;

static void clear_bar(ui_state *ui) {
    if (ui->drawn) fputs("\r\033[K", stderr);
    ui->drawn = 0;
}

static void on_failed(void *ud, const char *file, const char *why) {
    (void)file;   /* why names it, with the folder */
    clear_bar(ud);
    fprintf(stderr, "stvit eval: skipped %s\n", why);
}

/* [#########.........]  1200/50000  41.3 images/s  ETA 19m41s  top-1 83.2% */
static void on_batch(void *ud, const hx_eval_result *r) {
    ui_state *ui = ud;
    long done = r->acc.images + r->failed;
    double now = hx_now();
    double every = ui->bar ? 0.25 : PLAIN_EVERY_S;   /* redraw 4 times a second; a log line every 30 s */
    if (!(ui->bar || ui->plain) || (now - ui->last < every && done < r->total)) return;
    ui->last = now;
    double rate = r->seconds > 0 ? done / r->seconds : 0;
    char eta[32], bar[31];
    hx_format_duration(rate > 0 ? (r->total - done) / rate : -1, eta, sizeof eta);
    if (ui->plain) {   /* Slurm logs: no control characters */
        char line[256];
        snprintf(line, sizeof line, "%.1f images/s  top-1 %.1f%%", rate, hx_accuracy_top1(&r->acc));
        hx_progress_line(stderr, "eval", done, r->total, line, rate > 0 ? (r->total - done) / rate : -1);
        return;
    }
    int full = (int)(30 * done / (r->total ? r->total : 1));
    for (int i = 0; i < 30; i++) bar[i] = i < full ? '#' : '.';
    bar[30] = 0;
    fprintf(stderr, "\r\033[K[%s] %ld/%ld  %.1f images/s  ETA %s  top-1 %.1f%%", bar, done, r->total, rate, eta,
            hx_accuracy_top1(&r->acc));
    ui->drawn = 1;
}

static void print_summary(const hx_eval_opts *o, const hx_eval_set *set, const hx_eval_result *r,
                          const st_model *m) {
    const hx_accuracy *a = &r->acc;
    printf("images     %ld evaluated", a->images);
    if (r->failed) printf(", %ld failed", r->failed);
    if (r->interrupted) printf(", %ld not reached (interrupted)", r->total - a->images - r->failed);
    if (o->shard.n > 1) printf("  (shard %d/%d: %ld of the %d in %s)\n", o->shard.k, o->shard.n, r->total,
                               set->images.n, o->images);
    else printf("  (of %d in %s)\n", set->images.n, o->images);
    hx_eval_print_accuracy(stdout, a);
    printf("speed      %.1f images/s  (%.1f s; %dx%d crop %g, batch %d, backend %s, threads %d)\n",
           r->seconds > 0 ? a->images / r->seconds : 0, r->seconds, o->res, o->res, o->crop_pct, o->batch,
           st_model_backend(m)->name, st_model_ctx(m)->threads);
    if (o->out) printf("predictions %s\n", o->out);
}

/* --results-file: the summary as one JSON object, with the environment and commit. */
static int save_results(const char *path, const hx_eval_opts *o, const hx_model_opts *mo, const hx_eval_set *set,
                        const hx_eval_result *r, const st_model *m) {
    hx_env env;
    hx_env_collect(&env);
    hx_row row;
    hx_row_init(&row);
    hx_row_str(&row, "weights", mo->weights ? mo->weights : "");
    hx_row_str(&row, "variant", st_model_config(m)->name);
    hx_row_str(&row, "images_dir", o->images);
    hx_row_str(&row, "ground_truth", o->labels ? o->labels : "");
    hx_row_int(&row, "images", r->acc.images);
    hx_row_int(&row, "failed", r->failed);
    hx_row_int(&row, "total", r->total);
    hx_row_int(&row, "images_in_set", set->images.n);
    char shard[32] = "";
    if (o->shard.n > 1) snprintf(shard, sizeof shard, "%d/%d", o->shard.k, o->shard.n);
    hx_row_str(&row, "shard", shard);
    hx_row_bool(&row, "interrupted", r->interrupted);
    hx_row_num(&row, "top1", hx_accuracy_top1(&r->acc));
    hx_row_num(&row, "top5", hx_accuracy_top5(&r->acc));
    hx_row_int(&row, "res", o->res);
    hx_row_num(&row, "crop_pct", o->crop_pct);
    hx_row_int(&row, "batch", o->batch);
    hx_row_str(&row, "backend", st_model_backend(m)->name);
    hx_row_int(&row, "threads", st_model_ctx(m)->threads);
    hx_row_int(&row, "seed", mo->seed);
    hx_row_num(&row, "seconds", r->seconds);
    hx_row_num(&row, "img_per_s", r->seconds > 0 ? r->acc.images / r->seconds : NAN);
    hx_row_str(&row, "predictions", o->out ? o->out : "");
    hx_env_to_row(&env, &row);
    hx_atomic a;
    int rc = row.failed ? st_fail(ST_ERR_NOMEM, "out of memory") : hx_atomic_open(&a, path, "w");
    if (!rc) {
        hx_row_write_json(a.f, &row);
        fputc('\n', a.f);
        rc = hx_atomic_commit(&a);
    }
    hx_row_free(&row);
    return rc;
}

int hx_cmd_eval(int argc, char **argv) {
    hx_model_opts mo = {.seed = HX_DEFAULT_SEED};
    hx_eval_opts eo = {.shard = {0, 1}};
    long res = 224, batch = 16, readers = 1;
    double crop_pct = 0;
    int quiet = 0, no_out = 0;
    const char *out = NULL, *results_file = NULL;
    const hx_option opts[] = {
        {"--images", HX_OPT_STRING, &eo.images, 0, 0, "DIR", "folder of PNG/JPEG pictures (searched recursively)"},
        {"--ground-truth", HX_OPT_STRING, &eo.labels, 0, 0, "FILE", "'filename class_index' lines (default: a sub-folder per class)"},
        {"--res", HX_OPT_INT, &res, ST_MIN_INPUT, 2048, "N", "input side: the centre NxN crop the network sees (default 224)"},
        {"--crop-pct", HX_OPT_DOUBLE, &crop_pct, 0.05, 1, "F", "resize to N/F before the crop (default 0.875 to 224, 1 above: as STViT's eval)"},
        {"--batch", HX_OPT_INT, &batch, 1, 1024, "N", "pictures per forward pass (default 16)"},
        {"--readers", HX_OPT_INT, &readers, 1, 64, "N", "threads decoding pictures ahead of the network (default 1)"},
        {"--shard", HX_OPT_SHARD, &eo.shard, 0, 0, "K/N", "evaluate every N-th picture from the K-th (join with stvit merge)"},
        {"--out", HX_OPT_STRING, &out, 0, 0, "DIR", "folder of eval.csv, the predictions (default: a fresh runs/<date>-eval/; - for none)"},
        {"--no-out", HX_OPT_FLAG, &no_out, 0, 0, NULL, "write no predictions file (the same as --out -)"},
        {"--results-file", HX_OPT_STRING, &results_file, 0, 0, "FILE", "the summary as JSON: accuracy, settings, environment, commit"},
        {"--quiet", HX_OPT_FLAG, &quiet, 0, 0, NULL, "no progress line"},
        HX_MODEL_OPTIONS(mo),
    };
    const hx_usage usage = {"eval", "--images DIR [--ground-truth FILE] [--weights W.safetensors] [options]",
                            "Top-1/top-5 accuracy with the reference validation preprocessing (harness/EVAL.md).\n"
                            "Predictions go to DIR/eval.csv (DIR/eval.shardKofN.csv for a shard).\n",
                            opts, HX_COUNT(opts), NULL};
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    if (!rc && !eo.images) rc = st_fail(ST_ERR_ARG, "--images is required");
    if (!rc && hx_out_names_file(out))
        rc = st_fail(ST_ERR_ARG, "--out %s: --out names a folder (eval writes DIR/eval.csv)", out);
    if (rc) return hx_usage_exit(&usage, rc);
    eo.res = (int)res;
    eo.crop_pct = crop_pct ? crop_pct : hx_reference_crop_pct(eo.res);
    eo.batch = (int)batch;
    eo.readers = (int)readers;

    st_model *m = NULL;
    hx_eval_set set = {0};
    hx_note_seeded(&mo, "eval");
    if ((rc = hx_model_open(&mo, &m)) ||
        (rc = hx_eval_prepare(&eo, st_model_config(m)->num_classes, &set))) {
        fprintf(stderr, "stvit eval: %s\n", st_last_error());
        st_model_free(m);
        return hx_exit_code(rc);
    }
    if (!quiet) {
        if (set.unused_labels)
            fprintf(stderr, "stvit eval: note: %d names in %s have no picture in %s\n", set.unused_labels,
                    eo.labels, eo.images);
        fprintf(stderr, "stvit eval: %d picture%s%s, %dx%d (crop %g), batch %ld, backend %s\n", set.nwork,
                set.nwork == 1 ? "" : "s", eo.shard.n > 1 ? " in this shard" : "", eo.res, eo.res, eo.crop_pct, batch,
                st_model_backend(m)->name);
    }

    char dir[4096], pred[4160];
    int none;
    if ((rc = hx_output_dir("eval", out, no_out, dir, sizeof dir, &none))) {
        fprintf(stderr, "stvit eval: %s\n", st_last_error());
        hx_eval_set_free(&set);
        st_model_free(m);
        return HX_EXIT_FAIL;
    }
    if (eo.shard.n > 1) snprintf(pred, sizeof pred, "%s/eval.shard%dof%d.csv", dir, eo.shard.k, eo.shard.n);
    else snprintf(pred, sizeof pred, "%s/eval.csv", dir);
    eo.out = none ? NULL : pred;
    ui_state ui = {.bar = !quiet && isatty(STDERR_FILENO), .plain = !quiet && !isatty(STDERR_FILENO)};
    eo.stop = &interrupted;
    eo.on_failed = on_failed;
    eo.on_batch = on_batch;
    eo.ud = &ui;
    struct sigaction sa = {.sa_handler = on_sigint, .sa_flags = SA_RESETHAND}, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    hx_eval_result r;
    rc = hx_eval_run(m, &set, &eo, &r);
    sigaction(SIGINT, &old, NULL);
    clear_bar(&ui);
    if (rc) fprintf(stderr, "stvit eval: %s\n", st_last_error());
    if (!rc || r.acc.images || r.failed) print_summary(&eo, &set, &r, m);   /* what was done before an error */
    if ((!rc || r.acc.images) && results_file && save_results(results_file, &eo, &mo, &set, &r, m)) {
        fprintf(stderr, "stvit eval: %s\n", st_last_error());
        rc = ST_ERR_IO;
    }
    if (r.failed)
        fprintf(stderr, "stvit eval: %ld picture%s could not be read (listed above)\n", r.failed,
                r.failed == 1 ? "" : "s");
    hx_eval_set_free(&set);
    st_model_free(m);
    return rc || r.failed ? HX_EXIT_FAIL : r.interrupted ? HX_EXIT_INTERRUPTED : 0;
}
