/* Super token attention pieces of the reference backend, written as the spec states
 * them: pooled initial tokens, 3x3 association softmax, aggregation and upsampling. */
#include <math.h>
#include <string.h>
#include "kernels/naive/naive.h"

void kn_sta_pool__naive(kn_ctx *ctx, const kn_sta_shape *g, const float *x, float *s) {
    int hh = g->h / g->sh, ww = g->w / g->sw, m = hh * ww;
    for (int b = 0; b < g->batch; b++)
        for (int c = 0; c < g->c; c++) {
            const float *xc = x + ((size_t)b * g->c + c) * g->h * g->w;
            for (int cy = 0; cy < hh; cy++)
                for (int cx = 0; cx < ww; cx++) {
                    double sum = 0;
                    for (int y = 0; y < g->sh; y++)
                        for (int xx = 0; xx < g->sw; xx++)
                            sum += xc[(size_t)(cy * g->sh + y) * g->w + cx * g->sw + xx];
                    s[((size_t)b * g->c + c) * m + cy * ww + cx] = (float)(sum / (g->sh * g->sw));
                }
        }
}

void kn_sta_associate__naive(kn_ctx *ctx, const kn_sta_shape *g, const float *x, const float *s,
                             float scale, float *a) {
    int hh = g->h / g->sh, ww = g->w / g->sw, m = hh * ww, n = g->h * g->w;
    for (int b = 0; b < g->batch; b++) {
        const float *xb = x + (size_t)b * g->c * n;
        const float *sb = s + (size_t)b * g->c * m;
        float *ab = a + (size_t)b * 9 * n;
        for (int py = 0; py < g->h; py++)
            for (int px = 0; px < g->w; px++) {
                int p = py * g->w + px, cy = py / g->sh, cx = px / g->sw;
                double logit[9], mx = -INFINITY, sum = 0;
                for (int k = 0; k < 9; k++) {
                    int t = kn_sta_neighbour(cy, cx, k, hh, ww);
                    double d = 0; /* an outside neighbour is a zero vector */
                    if (t >= 0)
                        for (int c = 0; c < g->c; c++)
                            d += (double)xb[(size_t)c * n + p] * sb[(size_t)c * m + t];
                    logit[k] = d * scale;
                    if (logit[k] > mx) mx = logit[k];
                }
                for (int k = 0; k < 9; k++) sum += (logit[k] = exp(logit[k] - mx));
                for (int k = 0; k < 9; k++) ab[(size_t)k * n + p] = (float)(logit[k] / sum);
            }
    }
}

/* sum over the pixels p that see super token t (those in the 3x3 cells around t, with
 * k the position of t in their neighbourhood) of A[k][p] * (xc ? xc[p] : 1). */
static double sum_into_token(const kn_sta_shape *g, const float *ab, const float *xc, int t) {
    int hh = g->h / g->sh, ww = g->w / g->sw, n = g->h * g->w, ty = t / ww, tx = t % ww;
    double acc = 0;
    for (int cy = ty - 1; cy <= ty + 1; cy++)
        for (int cx = tx - 1; cx <= tx + 1; cx++) {
            if (cy < 0 || cy >= hh || cx < 0 || cx >= ww) continue;
            int k = (ty - cy + 1) * 3 + (tx - cx + 1);
            for (int y = 0; y < g->sh; y++)
                for (int x = 0; x < g->sw; x++) {
                    int p = (cy * g->sh + y) * g->w + cx * g->sw + x;
                    acc += (double)ab[(size_t)k * n + p] * (xc ? xc[p] : 1.0f);
                }
        }
    return acc;
}

void kn_sta_aggregate__naive(kn_ctx *ctx, const kn_sta_shape *g, const float *x, const float *a,
                             float *s, float *z) {
    int m = (g->h / g->sh) * (g->w / g->sw), n = g->h * g->w;
    for (int b = 0; b < g->batch; b++) {
        const float *xb = x + (size_t)b * g->c * n, *ab = a + (size_t)b * 9 * n;
        for (int t = 0; t < m; t++) {
            double zt = sum_into_token(g, ab, NULL, t);
            z[(size_t)b * m + t] = (float)zt;
            for (int c = 0; c < g->c; c++)
                s[((size_t)b * g->c + c) * m + t] = (float)(sum_into_token(g, ab, xb + (size_t)c * n, t) / (zt + 1e-12));
        }
    }
}

void kn_sta_upsample__naive(kn_ctx *ctx, const kn_sta_shape *g, const float *a, const float *s, float *y) {
    int hh = g->h / g->sh, ww = g->w / g->sw, m = hh * ww, n = g->h * g->w;
    for (int b = 0; b < g->batch; b++) {
        const float *ab = a + (size_t)b * 9 * n;
        const float *sb = s + (size_t)b * g->c * m;
        float *yb = y + (size_t)b * g->c * n;
        for (int p = 0; p < n; p++) {
            int cy = (p / g->w) / g->sh, cx = (p % g->w) / g->sw;
            for (int c = 0; c < g->c; c++) {
                double acc = 0;
                for (int k = 0; k < 9; k++) {
                    int t = kn_sta_neighbour(cy, cx, k, hh, ww);
                    if (t >= 0) acc += (double)ab[(size_t)k * n + p] * sb[(size_t)c * m + t];
                }
                yb[(size_t)c * n + p] = (float)acc;
            }
        }
    }
}
