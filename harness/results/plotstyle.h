/* plotstyle.h — the one table of plot colours: a fixed colour per stvit backend, per
 * peer runtime (and precision), per attention kind and per profiled op, so a name has
 * the same colour in every figure; and point shapes and dash patterns for the batch
 * and thread counts. */
#ifndef HX_PLOTSTYLE_H
#define HX_PLOTSTYLE_H

/* A figure's colours: names get their table colour; a name the table lacks gets the
 * next spare colour that no other name of this figure has, so no two names of one
 * figure share a colour. */
typedef struct {
    int n;
    char names[64][64];
    const char *colours[64];
} hx_palette;

void hx_palette_init(hx_palette *p);
/* "#rrggbb" of name in this figure. "stvit-omp" (a peers row of the C harness) is
 * "omp". */
const char *hx_palette_colour(hx_palette *p, const char *name);
/* The table's colour of name, or NULL. */
const char *hx_plot_colour(const char *name);

/* gnuplot point type (filled shapes) of the i-th batch size, dash type of the i-th
 * thread count of a figure (i from 0). */
int hx_plot_point(int i);
int hx_plot_dash(int i);
#endif
