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

/* Window wi, channel c, (y, x) inside it <-> pixel (iy, ix) of the padded grid, which
 * holds image pixel ((iy + shift_h) mod h, (ix + shift_w) mod w). */
static void window_copy(const kn_layout_args *a, int gather) {
    int ws = a->ws, nwx = a->wp / ws, nwin = (a->hp / ws) * nwx;
    for (int b = 0; b < a->batch; b++)
        for (int wi = 0; wi < nwin; wi++)
            for (int c = 0; c < a->c; c++)
                for (int y = 0; y < ws; y++)
                    for (int x = 0; x < ws; x++) {
                        int iy = (wi / nwx) * ws + y, ix = (wi % nwx) * ws + x, inside = iy < a->h && ix < a->w;
                        size_t win = ((((size_t)b * nwin + wi) * a->c + c) * ws + y) * ws + x;
                        size_t img = (((size_t)b * a->c + c) * a->h + (iy + a->shift_h) % a->h) * a->w +
                                     (ix + a->shift_w) % a->w;
                        if (gather) a->y[win] = inside ? a->x[img] : 0.0f;
                        else if (inside) a->y[img] = a->x[win];
                    }
}
void kn_window_gather__naive(kn_ctx *ctx, const kn_layout_args *a) { window_copy(a, 1); }
void kn_window_scatter__naive(kn_ctx *ctx, const kn_layout_args *a) { window_copy(a, 0); }

void kn_copy__naive(kn_ctx *ctx, const kn_layout_args *a) {
    for (size_t i = 0; i < a->count; i++) a->y[i] = a->x[i];
}

void kn_space_to_depth__naive(kn_ctx *ctx, const kn_layout_args *a) {
    int oh = a->hp / 2, ow = a->wp / 2;
    for (int b = 0; b < a->batch; b++)
        for (int q = 0; q < 4; q++) /* q = j*2 + i */
            for (int c = 0; c < a->c; c++)
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++) {
                        int iy = 2 * y + q % 2, ix = 2 * x + q / 2;
                        a->y[((((size_t)b * 4 + q) * a->c + c) * oh + y) * ow + x] =
                            iy < a->h && ix < a->w ? a->x[(((size_t)b * a->c + c) * a->h + iy) * a->w + ix] : 0.0f;
                    }
}

void kn_tokens_embed__naive(kn_ctx *ctx, int batch, int c, int n, const float *x, const float *cls, const float *pos,
                            float *y) {
    for (int b = 0; b < batch; b++)
        for (int ch = 0; ch < c; ch++)
            for (int t = 0; t <= n; t++)
                y[((size_t)b * c + ch) * (n + 1) + t] =
                    (t ? x[((size_t)b * c + ch) * n + t - 1] : cls[ch]) + pos[(size_t)ch * (n + 1) + t];
}
