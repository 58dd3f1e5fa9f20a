/* layout.c — the layout copies, naive: one element at a time from the index formula
 * (the reference the cheap copies of other backends are tested against). */
#include <string.h>
#include "kernels/naive/naive.h"

void kn_pad__naive(kn_ctx *ctx, const kn_layout_args *a) {
    for (size_t bc = 0; bc < (size_t)a->batch * a->c; bc++)
        for (int r = 0; r < a->hp; r++)
            for (int q = 0; q < a->wp; q++)
                a->y[(bc * a->hp + r) * a->wp + q] = r < a->h && q < a->w ? a->x[(bc * a->h + r) * a->w + q] : 0.0f;
}

void kn_crop__naive(kn_ctx *ctx, const kn_layout_args *a) {
    for (size_t bc = 0; bc < (size_t)a->batch * a->c; bc++)
        for (int r = 0; r < a->h; r++)
            for (int q = 0; q < a->w; q++) a->y[(bc * a->h + r) * a->w + q] = a->x[(bc * a->hp + r) * a->wp + q];
}

/* Window wi, channel c, (y, x) inside it <-> pixel (iy, ix) of the image. */
static void window_copy(const kn_layout_args *a, int gather) {
    int ws = a->ws, nwx = a->wp / ws, nwin = (a->hp / ws) * nwx;
    for (int b = 0; b < a->batch; b++)
        for (int wi = 0; wi < nwin; wi++)
            for (int c = 0; c < a->c; c++)
                for (int y = 0; y < ws; y++)
                    for (int x = 0; x < ws; x++) {
                        int iy = (wi / nwx) * ws + y, ix = (wi % nwx) * ws + x, inside = iy < a->h && ix < a->w;
                        size_t win = ((((size_t)b * nwin + wi) * a->c + c) * ws + y) * ws + x;
                        size_t img = (((size_t)b * a->c + c) * a->h + iy) * a->w + ix;
                        if (gather) a->y[win] = inside ? a->x[img] : 0.0f;
                        else if (inside) a->y[img] = a->x[win];
                    }
}
void kn_window_gather__naive(kn_ctx *ctx, const kn_layout_args *a) { window_copy(a, 1); }
void kn_window_scatter__naive(kn_ctx *ctx, const kn_layout_args *a) { window_copy(a, 0); }

void kn_copy__naive(kn_ctx *ctx, const kn_layout_args *a) {
    for (size_t i = 0; i < a->count; i++) a->y[i] = a->x[i];
}
