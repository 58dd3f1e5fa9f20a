/* figure.c — Figure 4 strips and Figure 2 tiles from recorded attention. */
#include <stdlib.h>
#include <string.h>

#include "variants/st_error.h"
#include "viz/blend.h"
#include "viz/draw.h"
#include "viz/figure.h"
#include "viz/layout.h"
#include "viz/supertoken_map.h"
#include "viz/token_grid.h"

const char *const vz_supertoken_panel_titles[4] = {"(a) input", "(b) initial super tokens",
                                                   "(c) learned super tokens", "(d) boundaries of (c)"};

/* panel = picture blended with the colours of the per-pixel labels. */
static void label_panel(const unsigned char *rgb, int w, int h, const int *labels, int grid_w,
                        unsigned char *colors, unsigned char *panel) {
    vz_paint_labels(labels, w, h, grid_w, colors);
    memcpy(panel, rgb, (size_t)w * h * 3);
    vz_blend(panel, colors, w, h, VZ_REGION_ALPHA);
}

/* Every pixel whose right or bottom neighbour, or that of one of the scale - 1 pixels
 * left of or above it, has another label: vz_draw_boundaries' lines, scale wide. */
static void thick_boundaries(unsigned char *img, int w, int h, const int *labels, int scale) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int mark = 0;
            for (int d = 0; d < scale && !mark; d++) {
                int sx = x - d, sy = y - d;
                mark = (sx >= 0 && sx + 1 < w && labels[(size_t)y * w + sx] != labels[(size_t)y * w + sx + 1]) ||
                       (sy >= 0 && sy + 1 < h && labels[(size_t)sy * w + x] != labels[(size_t)(sy + 1) * w + x]);
            }
            if (mark) memset(img + ((size_t)y * w + x) * 3, 255, 3);
        }
}

int vz_supertoken_panels(const unsigned char *rgb, int w, int h, int scale, const vz_attn_block *b,
                         unsigned char *const panels[4]) {
    if (b->kind != ST_ATTN_STA || !b->assoc)
        return st_fail(ST_ERR_ARG, "super tokens: stage%d.block%d has no recorded association", b->stage, b->block);
    if (scale < 1) return st_fail(ST_ERR_ARG, "super tokens: scale %d", scale);
    size_t n = (size_t)w * h, nt = (size_t)b->h0 * b->w0;
    int stride = vz_token_stride(b->stage) * scale, rc;
    int *tok = malloc(sizeof(int) * nt);   /* [h0][w0] labels of the tokens */
    int *pix = malloc(sizeof(int) * n);    /* [h][w] labels of the pixels */
    unsigned char *colors = malloc(n * 3); /* [h][w][3] */
    if (!tok || !pix || !colors) {
        rc = st_fail(ST_ERR_NOMEM, "super tokens: out of memory");
        goto done;
    }
    memcpy(panels[0], rgb, n * 3);
    if ((rc = vz_stoken_grid_labels(b->h0, b->w0, b->sh, b->sw, tok)) ||
        (rc = vz_tokens_to_pixels_int(tok, b->w0, b->h0, stride, pix, w, h)))
        goto done;
    label_panel(rgb, w, h, pix, b->ww, colors, panels[1]);
    if ((rc = vz_stoken_assign(b->assoc, b->h, b->w, b->sh, b->sw, b->h0, b->w0, tok)) ||
        (rc = vz_tokens_to_pixels_int(tok, b->w0, b->h0, stride, pix, w, h)))
        goto done;
    label_panel(rgb, w, h, pix, b->ww, colors, panels[2]);
    memcpy(panels[3], rgb, n * 3);
    thick_boundaries(panels[3], w, h, pix, scale);
done:
    free(tok);
    free(pix);
    free(colors);
    return rc;
}

int vz_figure_supertokens(const unsigned char *rgb, int w, int h, int scale, const vz_attn_block *b,
                          const char *title, unsigned char **out, int *out_w, int *out_h) {
    *out = NULL;
    size_t n = (size_t)w * h;
    unsigned char *buf = malloc(4 * n * 3); /* 4 x [h][w][3] */
    if (!buf) return st_fail(ST_ERR_NOMEM, "super tokens: out of memory");
    unsigned char *const panels[4] = {buf, buf + n * 3, buf + 2 * n * 3, buf + 3 * n * 3};
    int rc = vz_supertoken_panels(rgb, w, h, scale, b, panels);
    if (!rc) {
        const unsigned char *tiles[4] = {panels[0], panels[1], panels[2], panels[3]};
        vz_layout l = {.tiles = tiles, .tile_w = w, .tile_h = h, .rows = 1, .cols = 4, .title = title,
                       .col_labels = vz_supertoken_panel_titles, .text_scale = scale,
                       .margin = VZ_PANEL_MARGIN * scale};
        rc = vz_layout_draw(&l, out, out_w, out_h);
    }
    free(buf);
    return rc;
}

int vz_attention_tile_height(int h, const vz_heat_style *st) { return h + vz_colour_bar_height(st->scale); }

int vz_figure_attention(const unsigned char *rgb, int w, int h, const float *map, int tw, int th, int stride,
                        int tx, int ty, const vz_heat_style *st, float range[2], unsigned char *out) {
    float *heat = malloc(sizeof(float) * w * h); /* [h][w] */
    if (!heat) return st_fail(ST_ERR_NOMEM, "attention tile: out of memory");
    int rc = vz_tokens_to_pixels_float(map, tw, th, stride, heat, w, h);
    if (!rc) rc = vz_norm_range(map, tw * th, st->norm, range);
    if (!rc) {
        int s = st->scale > 0 ? st->scale : 1, t = 2 * s;
        memcpy(out, rgb, (size_t)w * h * 3);
        vz_heatmap_blend_range(out, heat, w, h, VZ_CMAP_VIRIDIS, st->alpha, range);
        /* the anchor token's square: a red frame just outside it, white around that */
        vz_draw_rect(out, w, h, tx * stride - 2 * t, ty * stride - 2 * t, stride + 4 * t, stride + 4 * t, s,
                     (const unsigned char[3]){255, 255, 255});
        vz_draw_rect(out, w, h, tx * stride - t, ty * stride - t, stride + 2 * t, stride + 2 * t, t,
                     (const unsigned char[3]){255, 0, 0});
        vz_colour_bar(out + (size_t)w * h * 3, w, s, VZ_CMAP_VIRIDIS, range);
    }
    free(heat);
    return rc;
}
