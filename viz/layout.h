/* layout.h — figures that explain themselves: a title, column headings and row labels
 * around a grid of tiles (text in the built-in font, viz/font.h), and the colour bar
 * that goes under every heat map. */
#ifndef VZ_LAYOUT_H
#define VZ_LAYOUT_H
#include "viz/colormap.h"

typedef struct {
    const unsigned char *const *tiles; /* [rows * cols] tiles [tile_h][tile_w][3]; NULL leaves a cell empty */
    int tile_w, tile_h, rows, cols;
    const char *title;                 /* NULL for none; lines split at '\n' */
    const char *const *col_labels;     /* [cols] headings centred above the columns, or NULL */
    const char *const *row_labels;     /* [rows] labels left of the rows ('\n' allowed), or NULL */
    int text_scale;                    /* font pixel size (>= 1) */
    int margin;                        /* pixels of white around and between tiles */
} vz_layout;

/* Draws the figure on white into *out (malloc'ed [*out_h][*out_w][3]): the title at
 * the top left, then the headings, then the rows with their labels at the left.
 * ST_ERR_ARG for an empty grid, ST_ERR_RANGE / ST_ERR_NOMEM for a too large one. */
int vz_layout_draw(const vz_layout *l, unsigned char **out, int *out_w, int *out_h);

/* Height in pixels of a colour bar drawn at text scale `scale`. */
int vz_colour_bar_height(int scale);
/* A colour bar over the full width w of rgb ([vz_colour_bar_height(scale)][w][3],
 * white background): the colour map from range[0] (left) to range[1] (right), the
 * two values printed under its ends ("%.3g"), or "no positive values" for [0, 0]. */
void vz_colour_bar(unsigned char *rgb, int w, int scale, vz_cmap cmap, const float range[2]);
#endif
