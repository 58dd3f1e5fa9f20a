/* naive.h — the reference backend's kernels: plain loops, double accumulators.
 * Other backends reuse these for the slots they do not override. */
#ifndef KN_NAIVE_H
#define KN_NAIVE_H
#include "kernels/kernels.h"

/* Scalar activations, exact (double erf), shared by every backend's tails. */
float kn_gelu_ref(float x);
float kn_swish_ref(float x);
float kn_act_ref(kn_act act, float x);

void kn_gemm__naive(int trans_a, int trans_b, int M, int N, int K, float alpha,
                    const float *A, int lda, const float *B, int ldb, float beta,
                    float *C, int ldc);
void kn_pointwise__naive(const kn_pointwise_args *a);
void kn_conv__naive(const kn_conv_args *a);
void kn_dwconv__naive(const kn_dwconv_args *a);
void kn_layernorm__naive(int batch, int c, int n, const float *x, const float *gamma,
                         const float *beta, float eps, float *y);
void kn_batchnorm__naive(int batch, int c, int n, const float *x, const float *mean,
                         const float *var, const float *gamma, const float *beta,
                         float eps, kn_act act, float *y);
void kn_affine__naive(int batch, int c, int n, const float *x, const float *scale,
                      const float *shift, kn_act act, float *y);
void kn_activation__naive(size_t count, kn_act act, const float *x, float *y);
void kn_scale_add__naive(int batch, int c, int n, const float *x, const float *gamma, float *y);
void kn_avgpool__naive(int batch, int c, int n, const float *x, float *y);
void kn_linear__naive(int batch, int in, int out, const float *x, const float *w,
                      const float *bias, float *y);
void kn_sta_pool__naive(const kn_sta_shape *g, const float *x, float *s);
void kn_sta_associate__naive(const kn_sta_shape *g, const float *x, const float *s,
                             float scale, float *a);
void kn_sta_aggregate__naive(const kn_sta_shape *g, const float *x, const float *a,
                             float *s, float *z);
void kn_sta_upsample__naive(const kn_sta_shape *g, const float *a, const float *s, float *y);
void kn_attention__naive(const kn_attention_args *a);
size_t kn_attention_scratch__naive(int batch, int heads, int hd, int m, int threads);
void kn_pad__naive(const kn_layout_args *a);
void kn_crop__naive(const kn_layout_args *a);
void kn_window_gather__naive(const kn_layout_args *a);
void kn_window_scatter__naive(const kn_layout_args *a);
void kn_copy__naive(const kn_layout_args *a);
void kn_space_to_depth__naive(const kn_layout_args *a);
void kn_tokens_embed__naive(int batch, int c, int n, const float *x, const float *cls, const float *pos,
                            float *y);

/* Neighbour k (0..8, row-major 3x3) of cell (cy, cx) on an hh x ww grid:
 * its index, or -1 when it lies outside the grid. */
static inline int kn_sta_neighbour(int cy, int cx, int k, int hh, int ww) {
    int ny = cy + k / 3 - 1, nx = cx + k % 3 - 1;
    return (ny < 0 || ny >= hh || nx < 0 || nx >= ww) ? -1 : ny * ww + nx;
}
#endif
