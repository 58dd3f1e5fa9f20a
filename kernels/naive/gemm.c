/* GEMM, 1x1 convolution and Linear of the reference backend. */
#include "kernels/naive/naive.h"

void kn_gemm__naive(kn_ctx *ctx, int trans_a, int trans_b, int M, int N, int K, float alpha,
                    const float *A, int lda, const float *B, int ldb, float beta,
                    float *C, int ldc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++) {
                float a = trans_a ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                float b = trans_b ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                s += (double)a * b;
            }
            float old = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
            C[(size_t)i * ldc + j] = (float)(alpha * s) + old;
        }
}

void kn_conv1x1__naive(kn_ctx *ctx, const kn_conv1x1_args *a) {
    for (int b = 0; b < a->batch; b++) {
        const float *x = a->x + (size_t)b * a->cin * a->n;
        float *y = a->y + (size_t)b * a->cout * a->n;
        for (int o = 0; o < a->cout; o++)
            for (int p = 0; p < a->n; p++) {
                double s = a->bias ? a->bias[o] : 0.0;
                for (int i = 0; i < a->cin; i++)
                    s += (double)a->w.ref[(size_t)o * a->cin + i] * x[(size_t)i * a->n + p];
                float t = kn_act_ref(a->act, (float)s);
                if (a->gamma) t *= a->gamma[o];
                size_t idx = (size_t)o * a->n + p;
                y[idx] = a->accumulate ? y[idx] + t : t;
            }
    }
}

void kn_linear__naive(kn_ctx *ctx, int batch, int in, int out, const float *x, kn_weight w,
                      const float *bias, float *y) {
    for (int b = 0; b < batch; b++)
        for (int o = 0; o < out; o++) {
            double s = bias ? bias[o] : 0.0;
            for (int i = 0; i < in; i++) s += (double)w.ref[(size_t)o * in + i] * x[(size_t)b * in + i];
            y[(size_t)b * out + o] = (float)s;
        }
}
