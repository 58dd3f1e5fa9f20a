/* layout.c — the layout copies as row copies (memcpy / memset of whole rows or window
 * rows), the cheap version of kernels/naive/layout.c. */
#include <string.h>
#include "kernels/simd/simd.h"

void kn_simd_pad(const kn_layout_args *a) {
    size_t row = sizeof(float) * a->w, tail = sizeof(float) * (a->wp - a->w);
    for (size_t bc = 0; bc < (size_t)a->batch * a->c; bc++) {
        const float *src = a->x + bc * a->h * a->w;
        float *dst = a->y + bc * a->hp * a->wp;
        for (int r = 0; r < a->h; r++) {
            memcpy(dst + (size_t)r * a->wp, src + (size_t)r * a->w, row);
            memset(dst + (size_t)r * a->wp + a->w, 0, tail);
        }
        memset(dst + (size_t)a->h * a->wp, 0, sizeof(float) * (a->hp - a->h) * a->wp);
    }
}

void kn_simd_crop(const kn_layout_args *a) {
    for (size_t bc = 0; bc < (size_t)a->batch * a->c; bc++)
        for (int r = 0; r < a->h; r++)
            memcpy(a->y + (bc * a->h + r) * a->w, a->x + (bc * a->hp + r) * a->wp, sizeof(float) * a->w);
}

/* One window row at a time: `inside` floats of the image row, the rest padding. */
static void window_rows(const kn_layout_args *a, int gather) {
    int ws = a->ws, nwx = a->wp / ws, nwin = (a->hp / ws) * nwx;
    for (int b = 0; b < a->batch; b++)
        for (int wi = 0; wi < nwin; wi++) {
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
void kn_simd_window_gather(const kn_layout_args *a) { window_rows(a, 1); }
void kn_simd_window_scatter(const kn_layout_args *a) { window_rows(a, 0); }

void kn_simd_copy(const kn_layout_args *a) { memcpy(a->y, a->x, sizeof(float) * a->count); }
