#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "variants/interp.h"

static double cubic_weight(double x) {
    const double a = -0.75;
    x = fabs(x);
    if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    return 0;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

void st_resize_bicubic(const float *src, int c, int sh, int sw, int dh, int dw, float *dst) {
    if (sh == dh && sw == dw) {
        memcpy(dst, src, (size_t)c * sh * sw * sizeof(float));
        return;
    }
    double fy = (double)sh / dh, fx = (double)sw / dw;
    for (int ch = 0; ch < c; ch++) {
        const float *s = src + (size_t)ch * sh * sw;
        for (int y = 0; y < dh; y++) {
            double sy = (y + 0.5) * fy - 0.5;
            int y0 = (int)floor(sy);
            double ty = sy - y0;
            for (int x = 0; x < dw; x++) {
                double sx = (x + 0.5) * fx - 0.5;
                int x0 = (int)floor(sx);
                double tx = sx - x0, acc = 0;
                for (int i = -1; i <= 2; i++) {
                    double wy = cubic_weight(i - ty), row = 0;
                    const float *sr = s + (size_t)clampi(y0 + i, 0, sh - 1) * sw;
                    for (int j = -1; j <= 2; j++) row += cubic_weight(j - tx) * sr[clampi(x0 + j, 0, sw - 1)];
                    acc += wy * row;
                }
                dst[((size_t)ch * dh + y) * dw + x] = (float)acc;
            }
        }
    }
}

void st_rpe_expand(const float *table, int gh, int gw, int heads, int hh, int ww, float *bias) {
    int th = 2 * gh - 1, tw = 2 * gw - 1, rh = 2 * hh - 1, rw = 2 * ww - 1, m = hh * ww;
    /* planes [heads][th][tw] from the [th*tw][heads] table, resized to [heads][rh][rw] */
    float *planes = calloc((size_t)heads * th * tw + (size_t)heads * rh * rw, sizeof(float));
    if (!planes) { memset(bias, 0, sizeof(float) * heads * m * m); return; }
    float *resized = planes + (size_t)heads * th * tw;
    for (int r = 0; r < th * tw; r++)
        for (int h = 0; h < heads; h++) planes[(size_t)h * th * tw + r] = table[(size_t)r * heads + h];
    st_resize_bicubic(planes, heads, th, tw, rh, rw, resized);
    for (int h = 0; h < heads; h++)
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) {
                int dy = i / ww - j / ww + hh - 1, dx = i % ww - j % ww + ww - 1;
                bias[((size_t)h * m + i) * m + j] = resized[((size_t)h * rh + dy) * rw + dx];
            }
    free(planes);
}
