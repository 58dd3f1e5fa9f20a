/* figure.h — the paper's pictures drawn over the picture the model saw (the eval
 * crop, RGB8 [h][w][3] at the network's input size):
 *   Figure 4: a block's super tokens — initial grid, learned assignment, boundaries;
 *   Figure 2: an anchor token's attention over every token as a heat map. */
#ifndef VZ_FIGURE_H
#define VZ_FIGURE_H
#include "viz/attn_record.h"

#define VZ_REGION_ALPHA 0.3f   /* super token colours over the picture */
#define VZ_HEAT_ALPHA 0.6f     /* heat map over the picture */
#define VZ_PANEL_MARGIN 4      /* pixels between panels, white */

/* Figure 4 for one STA block (recorded with its association): four w x h panels in a
 * row, *out malloc'ed [*out_h][*out_w][3]:
 *   (a) the picture;
 *   (b) the initial super tokens: each pixel coloured by the grid cell its token
 *       starts in, blended over the picture;
 *   (c) the learned super tokens: each pixel coloured by the super token its token
 *       is most associated with (vz_stoken_assign), blended the same way;
 *   (d) the boundaries of (c) as one-pixel lines on the picture.
 * Tokens of stage i cover vz_token_stride(i) pixels a side (nearest neighbour). */
int vz_figure_supertokens(const unsigned char *rgb, int w, int h, const vz_attn_block *b, unsigned char **out,
                          int *out_w, int *out_h);

/* Figure 2 tile: map [th][tw] over tokens of `stride` pixels, coloured with viridis
 * normalised to its maximum and blended over the picture, with a red box around the
 * anchor token (column tx, row ty). Sizes and positions x first, like the picture
 * primitives. out: [h][w][3]. */
int vz_figure_attention(const unsigned char *rgb, int w, int h, const float *map, int tw, int th, int stride,
                        int tx, int ty, unsigned char *out);
#endif
