/* figure.h — the paper's pictures drawn over the picture the model saw (the eval
 * crop, RGB8 [h][w][3], the network's input size times an integer `scale`):
 *   Figure 4: a block's super tokens — initial grid, learned assignment, boundaries;
 *   Figure 2: an anchor token's attention over every token as a heat map with its
 *   colour bar. */
#ifndef VZ_FIGURE_H
#define VZ_FIGURE_H
#include "viz/attn_record.h"
#include "viz/blend.h"

#define VZ_REGION_ALPHA 0.3f   /* super token colours over the picture */
#define VZ_HEAT_ALPHA 0.6f     /* default heat map strength over the picture */
#define VZ_PANEL_MARGIN 4      /* pixels between panels (times the scale), white */

/* The panel titles of Figure 4, as the paper letters them. */
extern const char *const vz_supertoken_panel_titles[4];

/* The four w x h panels of Figure 4 for one STA block (recorded with its
 * association) into panels[0..3], each [h][w][3]:
 *   (a) the picture;
 *   (b) the initial super tokens: each pixel coloured by the grid cell its token
 *       starts in, blended over the picture;
 *   (c) the learned super tokens: each pixel coloured by the super token its token
 *       is most associated with (vz_stoken_assign), blended the same way;
 *   (d) the boundaries of (c) as lines `scale` pixels wide on the picture.
 * Tokens of stage i cover vz_token_stride(i) * scale pixels a side (nearest). */
int vz_supertoken_panels(const unsigned char *rgb, int w, int h, int scale, const vz_attn_block *b,
                         unsigned char *const panels[4]);

/* Figure 4 as one picture: `title` on top, the four panels in a row under their
 * titles. *out malloc'ed [*out_h][*out_w][3]. */
int vz_figure_supertokens(const unsigned char *rgb, int w, int h, int scale, const vz_attn_block *b,
                          const char *title, unsigned char **out, int *out_w, int *out_h);

/* How attention maps are drawn. */
typedef struct {
    vz_norm norm;   /* how values map to colours */
    float alpha;    /* heat map strength over the picture, 0..1 */
    int scale;      /* picture pixels per input pixel; also the text size */
} vz_heat_style;

/* Height of an attention tile over a picture h pixels tall: the picture and its bar. */
int vz_attention_tile_height(int h, const vz_heat_style *st);

/* Figure 2 tile: map [th][tw] over tokens of vz_token_stride-times-scale pixels
 * (`stride` is that, in picture pixels), coloured with viridis over the range st->norm
 * gives (into range[2]) and blended over the picture with st->alpha, the anchor token
 * (column tx, row ty) framed in red, and the colour bar with the range underneath.
 * out: [vz_attention_tile_height(h)][w][3]. */
int vz_figure_attention(const unsigned char *rgb, int w, int h, const float *map, int tw, int th, int stride,
                        int tx, int ty, const vz_heat_style *st, float range[2], unsigned char *out);
#endif
