/* montage.c — tiles laid out in a grid with margins, for side-by-side figures. */
#include <stdlib.h>
#include <string.h>

#include "variants/st_error.h"
#include "viz/montage.h"
#include "viz/png.h"

int vz_montage(const unsigned char *const *tiles, int tile_w, int tile_h, int rows, int cols, int margin,
               unsigned char bg, unsigned char **out, int *out_w, int *out_h) {
    *out = NULL;
    *out_w = *out_h = 0;
    if (tile_w < 1 || tile_h < 1 || rows < 1 || cols < 1 || margin < 0)
        return st_fail(ST_ERR_ARG, "montage: %d x %d tiles of %dx%d with margin %d is not a grid",
                       rows, cols, tile_w, tile_h, margin);
    long long w = (long long)cols * tile_w + (long long)(cols + 1) * margin;
    long long h = (long long)rows * tile_h + (long long)(rows + 1) * margin;
    int rc = vz_check_image_size("montage", w, h);
    if (rc) return rc;
    unsigned char *img = malloc((size_t)w * h * 3);
    if (!img) return st_fail(ST_ERR_NOMEM, "montage: out of memory for %lldx%lld pixels", w, h);
    memset(img, bg, (size_t)w * h * 3);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            const unsigned char *tile = tiles[r * cols + c];
            if (!tile) continue;
            size_t x0 = (size_t)margin + (size_t)c * (tile_w + margin);
            size_t y0 = (size_t)margin + (size_t)r * (tile_h + margin);
            for (int y = 0; y < tile_h; y++)
                memcpy(img + ((y0 + y) * w + x0) * 3, tile + (size_t)y * tile_w * 3, (size_t)tile_w * 3);
        }
    *out = img;
    *out_w = (int)w;
    *out_h = (int)h;
    return ST_OK;
}
