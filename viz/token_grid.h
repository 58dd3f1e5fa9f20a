/* token_grid.h — how a stage's token grid lies over the input picture, and the
 * 3x3 super token neighbourhood of STA (spec, "Super token attention"). */
#ifndef VZ_TOKEN_GRID_H
#define VZ_TOKEN_GRID_H

/* Super token k (0..8, k = (dy+1)*3 + (dx+1)) around cell (cy, cx) of an hh x ww grid:
 * its index ny*ww + nx, or -1 if it lies outside the grid. */
static inline int vz_stoken_neighbour(int cy, int cx, int k, int hh, int ww) {
    int ny = cy + k / 3 - 1, nx = cx + k % 3 - 1;
    return (ny < 0 || ny >= hh || nx < 0 || nx >= ww) ? -1 : ny * ww + nx;
}

/* Input pixels per token side in stage `stage`: the stem divides by 4, every
 * downsampling by 2 more. */
static inline int vz_token_stride(int stage) { return 4 << stage; }

/* Sizes and positions below go x (width) first, like the picture primitives. */

/* The token (of a tw x th grid with the given stride) that covers input pixel
 * (px, py): (px / stride, py / stride), clamped to the grid (an input side that is
 * not a multiple of the stride leaves a partial last token); returns ty * tw + tx. */
static inline int vz_token_of_pixel(int px, int py, int tw, int th, int stride) {
    int ty = py / stride, tx = px / stride;
    if (ty >= th) ty = th - 1;
    if (tx >= tw) tx = tw - 1;
    return ty * tw + tx;
}

/* Nearest-neighbour enlargement of a token map [th][tw] to the input picture
 * [h][w]: pixel (px, py) takes token vz_token_of_pixel(px, py, ...). ST_ERR_ARG on
 * an empty size. */
int vz_tokens_to_pixels_int(const int *tokens, int tw, int th, int stride, int *pixels, int w, int h);
int vz_tokens_to_pixels_float(const float *tokens, int tw, int th, int stride, float *pixels, int w, int h);
#endif
