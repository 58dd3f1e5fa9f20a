/* layout.c — titled, labelled figure grids and colour bars. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "variants/st_error.h"
#include "viz/font.h"
#include "viz/layout.h"
#include "viz/png.h"

static const unsigned char black[3] = {0, 0, 0};

int vz_layout_draw(const vz_layout *l, unsigned char **out, int *out_w, int *out_h) {
    *out = NULL;
    *out_w = *out_h = 0;
    int s = l->text_scale > 0 ? l->text_scale : 1, m = l->margin > 0 ? l->margin : 0;
    if (l->tile_w < 1 || l->tile_h < 1 || l->rows < 1 || l->cols < 1)
        return st_fail(ST_ERR_ARG, "figure: %d x %d tiles of %dx%d is not a grid", l->rows, l->cols, l->tile_w,
                       l->tile_h);
    int gap = 3 * s; /* between text and what it labels */
    int title_h = l->title ? vz_text_height(l->title, s) + 2 * gap : 0;
    int head_h = 0, label_w = 0;
    for (int c = 0; l->col_labels && c < l->cols; c++) {
        int th = vz_text_height(l->col_labels[c], s) + gap;
        if (th > head_h) head_h = th;
    }
    for (int r = 0; l->row_labels && r < l->rows; r++) {
        int tw = vz_text_width(l->row_labels[r], s) + 2 * gap;
        if (tw > label_w) label_w = tw;
    }
    long long w = label_w + (long long)l->cols * l->tile_w + (long long)(l->cols + 1) * m;
    if (l->title && vz_text_width(l->title, s) + 2 * gap + m > w) w = vz_text_width(l->title, s) + 2 * gap + m;
    long long h = title_h + head_h + (long long)l->rows * l->tile_h + (long long)(l->rows + 1) * m;
    int rc = vz_check_image_size("figure", w, h);
    if (rc) return rc;
    unsigned char *img = malloc((size_t)w * h * 3);
    if (!img) return st_fail(ST_ERR_NOMEM, "figure: out of memory for %lldx%lld pixels", w, h);
    memset(img, 255, (size_t)w * h * 3);
    if (l->title) vz_draw_text(img, (int)w, (int)h, m + gap, gap, l->title, s, black);
    for (int c = 0; l->col_labels && c < l->cols; c++) {
        int x0 = label_w + m + c * (l->tile_w + m);
        int tw = vz_text_width(l->col_labels[c], s);
        int x = x0 + (tw < l->tile_w ? (l->tile_w - tw) / 2 : 0);
        vz_draw_text(img, (int)w, (int)h, x, title_h + m, l->col_labels[c], s, black);
    }
    for (int r = 0; r < l->rows; r++) {
        int y0 = title_h + head_h + m + r * (l->tile_h + m);
        if (l->row_labels) {
            int th = vz_text_height(l->row_labels[r], s);
            vz_draw_text(img, (int)w, (int)h, m + gap, y0 + (l->tile_h - th) / 2, l->row_labels[r], s, black);
        }
        for (int c = 0; c < l->cols; c++) {
            const unsigned char *tile = l->tiles[r * l->cols + c];
            if (!tile) continue;
            size_t x0 = (size_t)label_w + m + (size_t)c * (l->tile_w + m);
            for (int y = 0; y < l->tile_h; y++)
                memcpy(img + (((size_t)y0 + y) * w + x0) * 3, tile + (size_t)y * l->tile_w * 3,
                       (size_t)l->tile_w * 3);
        }
    }
    *out = img;
    *out_w = (int)w;
    *out_h = (int)h;
    return ST_OK;
}

/* strip 6 units tall below 3 units of space, then the numbers (8 units) and 2 more */
int vz_colour_bar_height(int scale) { return (scale > 0 ? scale : 1) * 21; }

void vz_colour_bar(unsigned char *rgb, int w, int scale, vz_cmap cmap, const float range[2]) {
    int s = scale > 0 ? scale : 1, h = vz_colour_bar_height(s);
    memset(rgb, 255, (size_t)w * h * 3);
    for (int y = 3 * s; y < 9 * s; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = rgb + ((size_t)y * w + x) * 3;
            if (y == 3 * s || y == 9 * s - 1 || x == 0 || x == w - 1) memcpy(p, black, 3); /* frame */
            else vz_colormap(cmap, w > 1 ? (float)x / (w - 1) : 0, p);
        }
    char lo[32], hi[32];
    if (!(range[1] > range[0])) {
        vz_draw_text(rgb, w, h, 0, 11 * s, "no positive values", s, black);
        return;
    }
    snprintf(lo, sizeof lo, "%.3g", range[0]);
    snprintf(hi, sizeof hi, "%.3g", range[1]);
    vz_draw_text(rgb, w, h, 0, 11 * s, lo, s, black);
    vz_draw_text(rgb, w, h, w - vz_text_width(hi, s), 11 * s, hi, s, black);
}
