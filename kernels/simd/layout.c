/* layout.c — the layout copies as row copies (memcpy / memset of whole rows or window
 * rows), the cheap version of kernels/naive/layout.c. Part `part` of nparts takes a
 * contiguous share of the images' channels (windows for the window copies). */
#include <string.h>
#include "kernels/simd/simd.h"

static void share(size_t n, int part, int nparts, size_t *lo, size_t *hi) {
    *lo = n * part / nparts;
    *hi = n * (part + 1) / nparts;
}

void kn_simd_pad_part(kn_ctx *ctx, const kn_layout_args *a, int part, int nparts) {
    size_t row = sizeof(float) * a->w, tail = sizeof(float) * (a->wp - a->w), lo, hi;
    share((size_t)a->batch * a->c, part, nparts, &lo, &hi);
    for (size_t bc = lo; bc < hi; bc++) {
        const float *src = a->x + bc * a->h * a->w;
        float *dst = a->y + bc * a->hp * a->wp;
        for (int r = 0; r < a->h; r++) {
            memcpy(dst + (size_t)r * a->wp, src + (size_t)r * a->w, row);
            memset(dst + (size_t)r * a->wp + a->w, 0, tail);
        }
        memset(dst + (size_t)a->h * a->wp, 0, sizeof(float) * (a->hp - a->h) * a->wp);
    }
}

void kn_simd_crop_part(kn_ctx *ctx, const kn_layout_args *a, int part, int nparts) {
    size_t lo, hi;
    share((size_t)a->batch * a->c, part, nparts, &lo, &hi);
    for (size_t bc = lo; bc < hi; bc++)
        for (int r = 0; r < a->h; r++)
            memcpy(a->y + (bc * a->h + r) * a->w, a->x + (bc * a->hp + r) * a->wp, sizeof(float) * a->w);
}

/* One window row at a time: the image row's floats inside the window, the rest padding. */
static void window_rows(const kn_layout_args *a, int gather, int part, int nparts) {
    int ws = a->ws, nwx = a->wp / ws, nwin = (a->hp / ws) * nwx;
    size_t lo, hi;
    share((size_t)a->batch * nwin, part, nparts, &lo, &hi);
    for (size_t bw = lo; bw < hi; bw++) {
        int b = (int)(bw / nwin), wi = (int)(bw % nwin);
        int y0 = (wi / nwx) * ws, x0 = (wi % nwx) * ws;
        int inside = a->w - x0 < ws ? a->w - x0 : ws; /* > 0: wp rounds w up to windows */
        if (inside < 0) inside = 0;
        for (int c = 0; c < a->c; c++)
            for (int y = 0; y < ws; y++) {
                size_t win = ((((size_t)b * nwin + wi) * a->c + c) * ws + y) * ws;
                int iy = y0 + y, n = iy < a->h ? inside : 0;
                size_t img = n ? (((size_t)b * a->c + c) * a->h + iy) * a->w + x0 : 0;
                if (gather) {
                    if (n) memcpy(a->y + win, a->x + img, sizeof(float) * n);
                    memset(a->y + win + n, 0, sizeof(float) * (ws - n));
                } else if (n) {
                    memcpy(a->y + img, a->x + win, sizeof(float) * n);
                }
            }
    }
}
void kn_simd_window_gather_part(kn_ctx *ctx, const kn_layout_args *a, int part, int nparts) {
    window_rows(a, 1, part, nparts);
}
void kn_simd_window_scatter_part(kn_ctx *ctx, const kn_layout_args *a, int part, int nparts) {
    window_rows(a, 0, part, nparts);
}

void kn_simd_copy_part(kn_ctx *ctx, const kn_layout_args *a, int part, int nparts) {
    size_t lo, hi;
    share(a->count, part, nparts, &lo, &hi);
    memcpy(a->y + lo, a->x + lo, sizeof(float) * (hi - lo));
}
