/* Activations and elementwise ops of the reference backend. */
#include <math.h>
#include "kernels/naive/naive.h"

/* erfc form: 1 + erf(x) loses relative accuracy in the negative tail (x < -7). */
float kn_gelu_ref(float x) { return (float)(0.5 * x * erfc(-x / sqrt(2.0))); }
float kn_swish_ref(float x) { return (float)(x / (1.0 + exp(-(double)x))); }

float kn_act_ref(kn_act act, float x) {
    switch (act) {
    case KN_ACT_GELU: return kn_gelu_ref(x);
    case KN_ACT_SWISH: return kn_swish_ref(x);
    default: return x;
    }
}

void kn_activation__naive(kn_ctx *ctx, size_t count, kn_act act, const float *x, float *y) {
    for (size_t i = 0; i < count; i++) y[i] = kn_act_ref(act, x[i]);
}

void kn_scale_add__naive(kn_ctx *ctx, int batch, int c, int n, const float *x, const float *gamma, float *y) {
    for (int b = 0; b < batch; b++)
        for (int ch = 0; ch < c; ch++) {
            float g = gamma ? gamma[ch] : 1.0f;
            size_t off = ((size_t)b * c + ch) * n;
            for (int i = 0; i < n; i++) y[off + i] += g * x[off + i];
        }
}

void kn_avgpool__naive(kn_ctx *ctx, int batch, int c, int n, const float *x, float *y) {
    for (int b = 0; b < batch; b++)
        for (int ch = 0; ch < c; ch++) {
            const float *p = x + ((size_t)b * c + ch) * n;
            double s = 0;
            for (int i = 0; i < n; i++) s += p[i];
            y[(size_t)b * c + ch] = (float)(s / n);
        }
}
