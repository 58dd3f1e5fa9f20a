/* baselines.h — the paper's comparison of STViT-S with its baselines DeiT-S and Swin-T,
 * from the rows of a bench result table (`stvit bench --variant deit-s,swin-t,S`): per
 * network the engine's counts (learned parameters, multiply-adds as fvcore counts
 * them), img/s per backend x batch x threads measured here, and the figures the paper
 * printed (params, FLOPs, ImageNet top-1: variants/ablation.c, rows 15, 16 and 7).
 * `stvit baselines` writes them as baselines.csv, baselines.md and a plot. */
#ifndef HX_BASELINES_H
#define HX_BASELINES_H
#include <stdint.h>
#include <stdio.h>
#include "harness/results/results.h"
#include "variants/ablation.h"

#define HX_BASELINE_NETS 3   /* DeiT-S, Swin-T, STViT-S: the table's rows, in this order */
#define HX_BASELINE_COLS 48  /* img/s columns at most */

/* One img/s column: a backend (and its precision) at one batch size and thread count,
 * with the bench row each network has there (index into the table, -1: none). */
typedef struct {
    char backend[48], precision[16];
    int batch, threads;
    int order;                 /* the backend's first appearance in the file: columns keep the bench's order */
    int src[HX_BASELINE_NETS];
} hx_baseline_col;

typedef struct {
    int measured;              /* a row exists */
    int failed;                /* its status is not ok */
    int wrong;                 /* its logits differ from the naive backend's (matches_naive false) */
    double img_per_s;
} hx_baseline_cell;

typedef struct {
    const char *name;                 /* "DeiT-S" */
    const st_ablation_row *paper;     /* its row in variants/ablation.c: the printed figures */
    int64_t params, macs;             /* the engine's counts in its rows; -1 when none has them */
    unsigned differs;                 /* ST_ABL_*_DIFFER: the printed figure disagrees (at 224x224 only) */
    int nrows;
    hx_baseline_cell cell[HX_BASELINE_COLS];
} hx_baseline_net;

typedef struct {
    int h, w;                         /* the input size of every row used */
    int ncols;
    hx_baseline_col col[HX_BASELINE_COLS];
    hx_baseline_net net[HX_BASELINE_NETS];
    /* the rows used, in table order, each with `network` first and the paper's figures
     * last: what baselines.csv holds */
    hx_table rows;
    double load_max;                  /* the highest env_loadavg of those rows (NaN: unknown) */
    char cpu[128], compiler[128], git[64], date[40];
    int cores;
} hx_baselines;

/* Picks from bench table t (read from `source`, named in messages) the rows of DeiT-S
 * (variant deit-s), Swin-T (swin-t) and STViT-S (S with sta attention; ablation-15/16/7
 * too) at h x w, or with h = 0 at the one size the file has them at; rows measured with a
 * busy core are left out, and of two rows of one point the later wins. ST_ERR_FORMAT
 * when t has none of the networks, ST_ERR_ARG when h x w is not among its sizes or h = 0
 * and there are several (the message lists them), ST_ERR_RANGE past HX_BASELINE_COLS. */
int hx_baselines_collect(const hx_table *t, const char *source, int h, int w, hx_baselines *b);
void hx_baselines_free(hx_baselines *b);

/* The comparison as a markdown table: a line per network, a column per img/s column. */
void hx_baselines_table_md(FILE *f, const hx_baselines *b);
/* The whole baselines.md: what was measured where, the table, where each number comes
 * from, and the picture `plot` (a file name beside it; NULL: none). */
void hx_baselines_markdown(FILE *f, const hx_baselines *b, const char *source, const char *plot);
/* The rows used, with `variant` set to the network's name (the plot's labels), into an
 * empty table out. */
int hx_baselines_plot_rows(const hx_baselines *b, hx_table *out);
#endif
