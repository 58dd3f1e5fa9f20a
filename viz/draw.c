/* draw.c — region colours, region boundaries and rectangles on RGB8 images. */
#include <string.h>

#include "viz/colormap.h"
#include "viz/draw.h"

void vz_paint_labels(const int *labels, int w, int h, int grid_w, unsigned char *rgb) {
    if (grid_w < 1) grid_w = 1;
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0)
            memset(rgb + 3 * i, 0, 3);
        else
            vz_palette_cell(labels[i] / grid_w, labels[i] % grid_w, rgb + 3 * i);
    }
}

static void put(unsigned char *rgb, int w, int x, int y, const unsigned char color[3]) {
    memcpy(rgb + ((size_t)y * w + x) * 3, color, 3);
}

void vz_draw_boundaries(unsigned char *rgb, int w, int h, const int *labels, const unsigned char color[3]) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int l = labels[(size_t)y * w + x];
            int right_differs = x + 1 < w && labels[(size_t)y * w + x + 1] != l;
            int below_differs = y + 1 < h && labels[(size_t)(y + 1) * w + x] != l;
            if (right_differs || below_differs) put(rgb, w, x, y, color);
        }
}

/* Fills the part of [x0, x1) x [y0, y1) that lies inside the image. */
static void fill(unsigned char *rgb, int w, int h, int x0, int y0, int x1, int y1, const unsigned char color[3]) {
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > w) x1 = w;
    if (y1 > h) y1 = h;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) put(rgb, w, x, y, color);
}

void vz_draw_rect(unsigned char *rgb, int w, int h, int x, int y, int box_w, int box_h, int thickness,
                  const unsigned char color[3]) {
    if (box_w < 1 || box_h < 1 || thickness < 1) return;
    int t = thickness;
    fill(rgb, w, h, x, y, x + box_w, y + t, color);                 /* top */
    fill(rgb, w, h, x, y + box_h - t, x + box_w, y + box_h, color); /* bottom */
    fill(rgb, w, h, x, y, x + t, y + box_h, color);                 /* left */
    fill(rgb, w, h, x + box_w - t, y, x + box_w, y + box_h, color); /* right */
}
