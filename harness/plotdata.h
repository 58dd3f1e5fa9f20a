/* plotdata.h — turns a bench result table into the small tidy CSV files that the
 * gnuplot scripts in viz/plots/ draw. Grouping, joining (speed-up over naive) and
 * filtering happen here, where they are testable; the scripts only draw.
 *
 * Only rows with status "ok" (or without a status column) are used. Each function
 * writes its data to f and a subtitle into note, and returns 0; or returns
 * HX_PLOT_SKIPPED with the reason in note when the table lacks what the plot needs.
 *
 * File shapes (comma-separated, labels made comma- and quote-free):
 *   series blocks: "TITLE,x,y" then "x,y,label" lines; blocks separated by two
 *                  blank lines (gnuplot: `index i`, `title columnheader(1)`)
 *   wide tables:   a header "label,A,B,..." then one line per bar group */
#ifndef HX_PLOTDATA_H
#define HX_PLOTDATA_H
#include <stddef.h>
#include <stdio.h>
#include "harness/results.h"

enum { HX_PLOT_SKIPPED = 1 };

/* Figure-1 style: FLOPs per image (G) vs img/s, one series per backend (and per
 * size / attention kind when the table has several), points labelled with the
 * variant; at the largest batch and thread count. Series blocks. */
int hx_plot_flops_speed(const hx_table *t, FILE *f, char *note, size_t cap);
/* Speed-up (img/s ratio) of each backend over naive at the same variant, attn,
 * size, batch and threads. Wide: one line per configuration, a column per backend. */
int hx_plot_speedup(const hx_table *t, FILE *f, char *note, size_t cap);
/* Per-op share (%) of the time per image from the prof_<op>_ms columns (bench
 * --profile), a bar per row labelled with its total ms. Wide: one line per row, a
 * column per op that took time. */
int hx_plot_profile(const hx_table *t, FILE *f, char *note, size_t cap);
/* ms per image vs input side (sqrt(h*w)), one series per attention kind (and per
 * variant / backend when several); at the smallest batch and largest thread count.
 * Series blocks. */
int hx_plot_resolution(const hx_table *t, FILE *f, char *note, size_t cap);
#endif
