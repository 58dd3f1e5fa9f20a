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

/* Image columns x0 .. x0+n-1 of the (shifted) grid row as at most two runs of the image
 * row: [start, start+run) then, if it wrapped, [0, n-run). */
static void row_runs(const kn_layout_args *a, int x0, int n, int *start, int *run) {
    *start = (x0 + a->shift_w) % a->w;
    *run = a->w - *start < n ? a->w - *start : n;
}

/* A shifted window row: the two runs of row_runs. */
static void window_rows_shifted(const kn_layout_args *a, int gather) {
    int ws = a->ws, nwx = a->wp / ws, nwin = (a->hp / ws) * nwx;
    for (int b = 0; b < a->batch; b++)
        for (int wi = 0; wi < nwin; wi++) {
            int y0 = (wi / nwx) * ws, x0 = (wi % nwx) * ws;
            int inside = a->w - x0 < ws ? a->w - x0 : ws;
            if (inside < 0) inside = 0;
            int start, run;
            row_runs(a, x0, inside, &start, &run);
            for (int c = 0; c < a->c; c++)
                for (int y = 0; y < ws; y++) {
                    float *win = a->y + ((((size_t)b * nwin + wi) * a->c + c) * ws + y) * ws;
                    const float *wsrc = a->x + ((((size_t)b * nwin + wi) * a->c + c) * ws + y) * ws;
                    int iy = y0 + y, n = iy < a->h ? inside : 0;
                    if (!n) {
                        if (gather) memset(win, 0, sizeof(float) * ws);
                        continue;
                    }
                    size_t row = (((size_t)b * a->c + c) * a->h + (iy + a->shift_h) % a->h) * a->w;
                    if (gather) {
                        memcpy(win, a->x + row + start, sizeof(float) * run);
                        memcpy(win + run, a->x + row, sizeof(float) * (n - run));
                        memset(win + n, 0, sizeof(float) * (ws - n));
                    } else {
                        memcpy(a->y + row + start, wsrc, sizeof(float) * run);
                        memcpy(a->y + row, wsrc + run, sizeof(float) * (n - run));
                    }
                }
        }
}

/* One window row at a time: `inside` floats of the image row, the rest padding. */
static void window_rows(const kn_layout_args *a, int gather) {
    if (a->shift_h || a->shift_w) {
        window_rows_shifted(a, gather);
        return;
    }
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

/* Per output plane (q, c): every other pixel of two input rows. */
void kn_simd_space_to_depth(const kn_layout_args *a) {
    int oh = a->hp / 2, ow = a->wp / 2;
    for (int b = 0; b < a->batch; b++)
        for (int q = 0; q < 4; q++) {
            int i = q % 2, j = q / 2, full = (a->w - j) / 2 + ((a->w - j) % 2 > 0); /* columns inside */
            if (full > ow) full = ow;
            for (int c = 0; c < a->c; c++) {
                const float *src = a->x + ((size_t)b * a->c + c) * a->h * a->w;
                float *dst = a->y + (((size_t)b * 4 + q) * a->c + c) * oh * ow;
                for (int y = 0; y < oh; y++, dst += ow) {
                    int iy = 2 * y + i;
                    if (iy >= a->h) {
                        memset(dst, 0, sizeof(float) * ow);
                        continue;
                    }
                    const float *s = src + (size_t)iy * a->w + j;
                    for (int x = 0; x < full; x++) dst[x] = s[2 * x];
                    for (int x = full; x < ow; x++) dst[x] = 0.0f;
                }
            }
        }
}

/* One channel row at a time: the class token, then a vectorisable add of the patches. */
void kn_simd_tokens_embed(int batch, int c, int n, const float *x, const float *cls, const float *pos, float *y) {
    for (int b = 0; b < batch; b++)
        for (int ch = 0; ch < c; ch++) {
            const float *restrict xr = x + ((size_t)b * c + ch) * n, *restrict pr = pos + (size_t)ch * (n + 1);
            float *restrict yr = y + ((size_t)b * c + ch) * (n + 1);
            yr[0] = cls[ch] + pr[0];
            for (int t = 0; t < n; t++) yr[1 + t] = xr[t] + pr[1 + t];
        }
}
