/* figure.c — Figure 4 strips and Figure 2 tiles from recorded attention. */
#include <stdlib.h>
#include <string.h>

#include "variants/st_error.h"
#include "viz/blend.h"
#include "viz/draw.h"
#include "viz/figure.h"
#include "viz/montage.h"
#include "viz/supertoken_map.h"
#include "viz/token_grid.h"

/* panel = picture blended with the colours of the per-pixel labels. */
static void label_panel(const unsigned char *rgb, int w, int h, const int *labels, int grid_w,
                        unsigned char *colors, unsigned char *panel) {
    vz_paint_labels(labels, w, h, grid_w, colors);
    memcpy(panel, rgb, (size_t)w * h * 3);
    vz_blend(panel, colors, w, h, VZ_REGION_ALPHA);
}

int vz_figure_supertokens(const unsigned char *rgb, int w, int h, const vz_attn_block *b, unsigned char **out,
                          int *out_w, int *out_h) {
    *out = NULL;
    if (b->kind != ST_ATTN_STA || !b->assoc)
        return st_fail(ST_ERR_ARG, "super tokens: stage%d.block%d has no recorded association", b->stage, b->block);
    size_t n = (size_t)w * h, nt = (size_t)b->h0 * b->w0;
    int stride = vz_token_stride(b->stage), rc;
    int *tok = malloc(sizeof(int) * nt);          /* [h0][w0] labels of the tokens */
    int *pix = malloc(sizeof(int) * n);           /* [h][w] labels of the pixels */
    unsigned char *colors = malloc(n * 3);        /* [h][w][3] */
    unsigned char *panels = malloc(4 * n * 3);    /* 4 x [h][w][3] */
    if (!tok || !pix || !colors || !panels) {
        rc = st_fail(ST_ERR_NOMEM, "super tokens: out of memory");
        goto done;
    }
    unsigned char *a = panels, *grid = a + n * 3, *learned = grid + n * 3, *edges = learned + n * 3;
    memcpy(a, rgb, n * 3);
    if ((rc = vz_stoken_grid_labels(b->h0, b->w0, b->sh, b->sw, tok)) ||
        (rc = vz_tokens_to_pixels_int(tok, b->w0, b->h0, stride, pix, w, h)))
        goto done;
    label_panel(rgb, w, h, pix, b->ww, colors, grid);
    if ((rc = vz_stoken_assign(b->assoc, b->h, b->w, b->sh, b->sw, b->h0, b->w0, tok)) ||
        (rc = vz_tokens_to_pixels_int(tok, b->w0, b->h0, stride, pix, w, h)))
        goto done;
    label_panel(rgb, w, h, pix, b->ww, colors, learned);
    memcpy(edges, rgb, n * 3);
    vz_draw_boundaries(edges, w, h, pix, (const unsigned char[3]){255, 255, 255});
    const unsigned char *tiles[4] = {a, grid, learned, edges};
    rc = vz_montage(tiles, w, h, 1, 4, VZ_PANEL_MARGIN, 255, out, out_w, out_h);
done:
    free(tok);
    free(pix);
    free(colors);
    free(panels);
    return rc;
}

int vz_figure_attention(const unsigned char *rgb, int w, int h, const float *map, int tw, int th, int stride,
                        int tx, int ty, unsigned char *out) {
    float *heat = malloc(sizeof(float) * w * h); /* [h][w] */
    if (!heat) return st_fail(ST_ERR_NOMEM, "attention tile: out of memory");
    int rc = vz_tokens_to_pixels_float(map, tw, th, stride, heat, w, h);
    if (!rc) {
        memcpy(out, rgb, (size_t)w * h * 3);
        vz_heatmap_blend(out, heat, w, h, VZ_CMAP_VIRIDIS, VZ_HEAT_ALPHA);
        /* the anchor token's square with a 2-pixel frame just outside it */
        vz_draw_rect(out, w, h, tx * stride - 2, ty * stride - 2, stride + 4, stride + 4, 2,
                     (const unsigned char[3]){255, 0, 0});
    }
    free(heat);
    return rc;
}
