/* supertoken_map.c — initial grid labels and the association argmax. */
#include <stddef.h>

#include "variants/st_error.h"
#include "viz/supertoken_map.h"
#include "viz/token_grid.h"

int vz_stoken_grid_labels(int h0, int w0, int sh, int sw, int *labels) {
    if (h0 < 1 || w0 < 1 || sh < 1 || sw < 1)
        return st_fail(ST_ERR_ARG, "super token grid: %dx%d tokens in %dx%d cells", w0, h0, sw, sh);
    int ww = (w0 + sw - 1) / sw;
    for (int y = 0; y < h0; y++)
        for (int x = 0; x < w0; x++) labels[(size_t)y * w0 + x] = (y / sh) * ww + x / sw;
    return ST_OK;
}

int vz_stoken_assign(const float *assoc, int h, int w, int sh, int sw, int h0, int w0, int *labels) {
    if (sh < 1 || sw < 1 || h < sh || w < sw || h % sh || w % sw || h0 < 1 || w0 < 1 || h0 > h || w0 > w)
        return st_fail(ST_ERR_ARG, "super token assignment: %dx%d tokens of a %dx%d grid in %dx%d cells", w0, h0,
                       w, h, sw, sh);
    int hh = h / sh, ww = w / sw;
    size_t n = (size_t)h * w;
    for (int y = 0; y < h0; y++)
        for (int x = 0; x < w0; x++) {
            size_t p = (size_t)y * w + x;
            int best = -1;
            float best_a = 0;
            for (int k = 0; k < 9; k++) {
                int t = vz_stoken_neighbour(y / sh, x / sw, k, hh, ww);
                float a = assoc[k * n + p];
                if (t >= 0 && (best < 0 || a > best_a)) best = t, best_a = a;
            }
            labels[(size_t)y * w0 + x] = best; /* the own cell is always inside */
        }
    return ST_OK;
}
