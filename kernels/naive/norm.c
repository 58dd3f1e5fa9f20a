/* LayerNorm (over channels), BatchNorm (inference) and folded affine: reference loops. */
#include <math.h>
#include "kernels/naive/naive.h"

void kn_layernorm__naive(kn_ctx *ctx, int batch, int c, int n, const float *x, const float *gamma,
                         const float *beta, float eps, float *y) {
    for (int b = 0; b < batch; b++) {
        const float *xb = x + (size_t)b * c * n;
        float *yb = y + (size_t)b * c * n;
        for (int p = 0; p < n; p++) {
            double mean = 0, var = 0;
            for (int ch = 0; ch < c; ch++) mean += xb[(size_t)ch * n + p];
            mean /= c;
            for (int ch = 0; ch < c; ch++) {
                double d = xb[(size_t)ch * n + p] - mean;
                var += d * d;
            }
            var /= c; /* biased, as torch's LayerNorm */
            double inv = 1.0 / sqrt(var + eps);
            for (int ch = 0; ch < c; ch++) {
                size_t i = (size_t)ch * n + p;
                yb[i] = (float)((xb[i] - mean) * inv * gamma[ch] + beta[ch]);
            }
        }
    }
}

void kn_batchnorm__naive(kn_ctx *ctx, int batch, int c, int n, const float *x, const float *mean,
                         const float *var, const float *gamma, const float *beta,
                         float eps, kn_act act, float *y) {
    for (int b = 0; b < batch; b++)
        for (int ch = 0; ch < c; ch++) {
            double inv = 1.0 / sqrt((double)var[ch] + eps);
            size_t off = ((size_t)b * c + ch) * n;
            for (int i = 0; i < n; i++) {
                double v = (x[off + i] - (double)mean[ch]) * inv * gamma[ch] + beta[ch];
                y[off + i] = kn_act_ref(act, (float)v);
            }
        }
}

void kn_affine__naive(kn_ctx *ctx, int batch, int c, int n, const float *x, const float *scale,
                      const float *shift, kn_act act, float *y) {
    for (int b = 0; b < batch; b++)
        for (int ch = 0; ch < c; ch++) {
            size_t off = ((size_t)b * c + ch) * n;
            for (int i = 0; i < n; i++)
                y[off + i] = kn_act_ref(act, x[off + i] * scale[ch] + shift[ch]);
        }
}
