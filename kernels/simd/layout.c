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

/* One window row at a time: the image row's floats inside the window, the rest padding.
 * With a cyclic shift (Swin) the row's floats come from the shifted image row in at most
 * two runs: from column (x0 + shift_w) mod w to the row's end, then from its start. */
static void window_rows(const kn_layout_args *a, int gather, int part, int nparts) {
    int ws = a->ws, nwx = a->wp / ws, nwin = (a->hp / ws) * nwx;
    size_t lo, hi;
    share((size_t)a->batch * nwin, part, nparts, &lo, &hi);
    for (size_t bw = lo; bw < hi; bw++) {
        int b = (int)(bw / nwin), wi = (int)(bw % nwin);
        int y0 = (wi / nwx) * ws, x0 = (wi % nwx) * ws;
        int inside = a->w - x0 < ws ? a->w - x0 : ws; /* > 0: wp rounds w up to windows */
        if (inside < 0) inside = 0;
        int start = inside ? (x0 + a->shift_w) % a->w : 0, run = a->w - start < inside ? a->w - start : inside;
        for (int c = 0; c < a->c; c++)
            for (int y = 0; y < ws; y++) {
                size_t win = ((((size_t)b * nwin + wi) * a->c + c) * ws + y) * ws;
                int iy = y0 + y, n = iy < a->h ? inside : 0;
                size_t row = n ? (((size_t)b * a->c + c) * a->h + (iy + a->shift_h) % a->h) * a->w : 0;
                if (gather) {
                    if (n) {
                        memcpy(a->y + win, a->x + row + start, sizeof(float) * run);
                        memcpy(a->y + win + run, a->x + row, sizeof(float) * (n - run));
                    }
                    memset(a->y + win + n, 0, sizeof(float) * (ws - n));
                } else if (n) {
                    memcpy(a->y + row + start, a->x + win, sizeof(float) * run);
                    memcpy(a->y + row, a->x + win + run, sizeof(float) * (n - run));
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

/* Swin's patch merging gather: per output plane (q, c), every other pixel of the input
 * rows; part `part` takes a share of the batch x 4 x c planes. */
void kn_simd_space_to_depth_part(kn_ctx *ctx, const kn_layout_args *a, int part, int nparts) {
    int oh = a->hp / 2, ow = a->wp / 2;
    size_t lo, hi;
    share((size_t)a->batch * 4 * a->c, part, nparts, &lo, &hi);
    for (size_t pl = lo; pl < hi; pl++) {
        int b = (int)(pl / (4 * (size_t)a->c)), q = (int)(pl / a->c % 4), c = (int)(pl % a->c);
        int i = q % 2, j = q / 2, full = (a->w - j + 1) / 2; /* output columns inside the image */
        if (full > ow) full = ow;
        const float *src = a->x + ((size_t)b * a->c + c) * a->h * a->w;
        float *dst = a->y + pl * oh * ow;
        for (int y = 0; y < oh; y++, dst += ow) {
            int iy = 2 * y + i;
            if (iy >= a->h) {
                memset(dst, 0, sizeof(float) * ow);
                continue;
            }
            const float *sr = src + (size_t)iy * a->w + j;
            for (int x = 0; x < full; x++) dst[x] = sr[2 * x];
            for (int x = full; x < ow; x++) dst[x] = 0.0f;
        }
    }
}

/* DeiT's class token and position table: one channel row at a time, the class token
 * then a vectorisable add of the patches; part `part` takes a share of the rows. */
void kn_simd_tokens_embed_part(kn_ctx *ctx, int batch, int c, int n, const float *x, const float *cls,
                               const float *pos, float *y, int part, int nparts) {
    size_t lo, hi;
    share((size_t)batch * c, part, nparts, &lo, &hi);
    for (size_t bc = lo; bc < hi; bc++) {
        int ch = (int)(bc % c);
        const float *restrict xr = x + bc * n, *restrict pr = pos + (size_t)ch * (n + 1);
        float *restrict yr = y + bc * (n + 1);
        yr[0] = cls[ch] + pr[0];
        for (int t = 0; t < n; t++) yr[1 + t] = xr[t] + pr[1 + t];
    }
}
