/* bench.h — measures one sweep point: builds (or reuses) the model, checks its output
 * against the naive backend, times forward passes, and describes it all as a row.
 *
 * Columns (results/SCHEMA.md): identity (variant ... threads, status, error, runs,
 * warmup, min_time_s, seed), batch_ms_median/min/p90 (per forward pass of the whole
 * batch), img_per_s, macs_per_img, param_count, gflop_per_s, peak_gflop_per_s,
 * peak_fraction, peak_rss_mib, mem_workspace_mib, matches_naive (true/false, missing
 * when not compared), rel_l2_vs_naive, and with profile the prof_* columns.
 *
 * Per point: warm-up runs, then timed runs until both min_runs and min_time are
 * reached. Latency is per forward pass of the whole batch; img/s = batch / median.
 * FLOPs follow the paper (one multiply-add = one flop), so the achieved rate is
 * 2 x FLOPs x img/s. The check runs the point's backend and naive once on the same
 * seeded input of batch min(batch, 2) and compares logits by relative L2. */
#ifndef HX_BENCH_H
#define HX_BENCH_H
#include <stdint.h>
#include <stdio.h>
#include "harness/cli/model_opts.h"
#include "harness/results/results.h"
#include "harness/bench/sweep.h"
#include "kernels/kernels.h"
#include "variants/config.h"

#define HX_MATCH_TOLERANCE 1e-4   /* relative L2 of logits vs naive: the f32 bar */
#define HX_MATCH_TOLERANCE_BF16 2e-2 /* the bar for bf16 backends (issue 13; measured ~6e-3) */
/* The matches-naive tolerance of a backend on a configuration: derived from its declared
 * unit roundoff and the widest reduction, at least HX_MATCH_TOLERANCE. */
double hx_match_tolerance(const kn_backend *be, const st_config *cfg);

typedef struct {
    int warmup;          /* untimed forward passes first */
    int min_runs;        /* timed passes: at least this many ... */
    double min_time;     /* ... and at least this many seconds in all */
    int check;           /* compare with naive (else matches_naive is missing) */
    int profile;         /* time each op slot (extra min_runs passes, after timing) */
    FILE *profile_out;   /* where the profile table goes; NULL: nowhere */
    struct hx_trace *trace;       /* profile: the last pass's nodes as trace events, or NULL */
    hx_writer *node_matrix;       /* profile: op x stage x block rows, or NULL */
    uint64_t seed;       /* weights and input */
    int progress;        /* plain lines on stderr inside long points (naive reference, timing) */
    const hx_model_opts *model;   /* --weights, --n-iter, --stoken, --allow-nonfinite for
                                     every point (its variant/attn are the point's); may be NULL */
} hx_bench_opts;

typedef struct hx_bench hx_bench;   /* models and naive outputs reused across points */

int hx_bench_create(hx_bench **out, const hx_bench_opts *o);
void hx_bench_free(hx_bench *b);

/* Runs point p and appends its columns to row (see hx_bench_point_columns). peak is
 * the GFLOP/s the achieved rate is a fraction of (<= 0: unknown). Returns 0 if the
 * point ran; otherwise the error code, with the row holding status "failed", the
 * error text and missing measurements. *mismatch is set when the output differed
 * from naive. */
int hx_bench_point(hx_bench *b, const hx_point *p, double peak, hx_row *row, int *mismatch);

/* The columns hx_bench_point adds, in its order, all missing: to check a file's
 * header before anything is measured. */
int hx_bench_columns(hx_bench *b, hx_row *row);

/* The one-line description of a point used by progress and summaries:
 * "variant S 224x224 attn sta backend omp batch 8 threads 2". */
void hx_point_describe(const hx_point *p, char *buf, size_t cap);
#endif
