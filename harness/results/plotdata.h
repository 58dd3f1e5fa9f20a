/* plotdata.h — turns bench (and peers) result tables into the small tidy CSV files
 * that the gnuplot scripts in viz/plots/ draw, with everything a script needs to know
 * (title, axis labels and ranges, a colour / point / dash per series) in a spec that
 * `stvit plot` passes to gnuplot as variables. Grouping, joining, filtering, styling
 * and axis ranges happen here, where they are testable; the scripts only draw.
 *
 * Columns are read by the names of notes/SCHEMA (batch_ms_median, macs_per_img,
 * prof_<op>_ms_per_img, ...); hx_plot_normalise renames the older names of committed
 * files (ms_median, flops, prof_<op>_ms, ...) first. Rows with a status other than
 * "ok" are drawn as failed points (resolution, speed) or left out (bars).
 *
 * File shapes (comma-separated, labels made comma- and quote-free):
 *   series blocks: "TITLE,x,y,label" then "x,y,label" lines; blocks separated by two
 *                  blank lines (gnuplot: `index i`, `title columnheader(1)`); failed
 *                  points, if any, in one last block
 *   wide tables:   a header "label,A,B,..." then one line per bar group
 *   heat map:      a header "op,COL1,COL2,..." then one line per op */
#ifndef HX_PLOTDATA_H
#define HX_PLOTDATA_H
#include <stddef.h>
#include <stdio.h>
#include "harness/cli/cli.h"
#include "harness/results/results.h"

enum { HX_PLOT_SKIPPED = 1 };

/* What to draw: empty lists mean "every value" (threads: the largest; resolution's
 * batch: the smallest). x and y name the speed plot's axes (hx_plot_axes). */
typedef struct {
    hx_int_list batch, threads;
    hx_str_list variant;
    const char *x, *y;
    int tight_x;   /* the speed plot's x axis around the points, not from 0 (networks of similar cost) */
} hx_plot_filter;

/* The axes the speed plot can use, for --help. */
extern const char *const hx_plot_axes_x, *const hx_plot_axes_y;
/* ST_ERR_ARG naming the choices when f->x or f->y is not one. */
int hx_plot_filter_check(const hx_plot_filter *f);

typedef struct {
    char vars[8192];   /* gnuplot assignments "name='value'; ..." for the script */
    char note[512];    /* what is drawn, or why the figure was skipped */
} hx_plot_spec;

/* Renames old column names of t to the schema's, in place; ST_ERR_NOMEM. */
int hx_plot_normalise(hx_table *t);

/* Each figure: data to f, the spec to s; 0, HX_PLOT_SKIPPED (reason in s->note) or an
 * error. peers may be NULL (no peers file). */
typedef int (*hx_plot_fn)(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f,
                          hx_plot_spec *s);
/* Speed: o->y (img/s) vs o->x (GMACs per image), a series per backend and peer
 * runtime (and batch, thread count, size, attention kind when several are drawn),
 * colour per backend, point shape per batch, dashes per thread count. */
int hx_plot_flops_speed(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f, hx_plot_spec *s);
/* Speed-up (img/s ratio) of each backend and peer over naive at the same variant,
 * attn, size, batch and threads. Wide: a line per configuration, a column per backend. */
int hx_plot_speedup(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f, hx_plot_spec *s);
/* img/s per runtime from the peers file: a bar group per batch (and busy core), a
 * bar per runtime. Wide. */
int hx_plot_runtimes(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f, hx_plot_spec *s);
/* Per-op share (%) of the time per image (bench --profile), a bar per row labelled
 * with its total ms; ops under 2% in every bar are summed as "other". Wide. */
int hx_plot_profile(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f, hx_plot_spec *s);
/* ms per image of each op in each network part (prof_<op>_at_<scope>_ms_per_img) of
 * the first profiled row that passes the filter. Heat map. */
int hx_plot_profile_stages(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f,
                           hx_plot_spec *s);
/* ms per image vs input side (sqrt(h*w)), a series per attention kind (and variant,
 * backend when several); failed sizes marked at the top. Series blocks. */
int hx_plot_resolution(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f, hx_plot_spec *s);
#endif
