/* backend.c — the simd backend: single-threaded, cache-blocked, vectorised (AVX-512,
 * AVX2 or portable C, picked at run time; see isa.c). Every slot is the simd op run
 * as the one part of one. */
#include "kernels/simd/simd.h"

static void simd_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                      const float *B, int ldb, float beta, float *C, int ldc) {
    kn_simd_gemm_part(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 0, 1);
}
static void simd_pointwise(const kn_pointwise_args *a) { kn_simd_pointwise_part(a, 0, 1); }
static void simd_conv(const kn_conv_args *a) { kn_simd_conv_part(a, 0, 1); }
static void simd_dwconv(const kn_dwconv_args *a) { kn_simd_dwconv_part(a, 0, 1); }
static void simd_layernorm(int batch, int c, int n, const float *x, const float *gamma,
                           const float *beta, float eps, float *y) {
    kn_simd_layernorm_part(batch, c, n, x, gamma, beta, eps, y, 0, 1);
}
static void simd_batchnorm(int batch, int c, int n, const float *x, const float *mean,
                           const float *var, const float *gamma, const float *beta, float eps,
                           kn_act act, float *y) {
    kn_simd_batchnorm_part(batch, c, n, x, mean, var, gamma, beta, eps, act, y, 0, 1);
}
static void simd_affine(int batch, int c, int n, const float *x, const float *scale,
                        const float *shift, kn_act act, float *y) {
    kn_simd_affine_part(batch, c, n, x, scale, shift, act, y, 0, 1);
}
static void simd_activation(size_t count, kn_act act, const float *x, float *y) {
    kn_simd_activation_part(count, act, x, y, 0, 1);
}
static void simd_scale_add(int batch, int c, int n, const float *x, const float *gamma, float *y) {
    kn_simd_scale_add_part(batch, c, n, x, gamma, y, 0, 1);
}
static void simd_avgpool(int batch, int c, int n, const float *x, float *y) {
    kn_simd_avgpool_part(batch, c, n, x, y, 0, 1);
}
static void simd_linear(int batch, int in, int out, const float *x, const float *w,
                        const float *bias, float *y) {
    kn_simd_linear_part(batch, in, out, x, w, bias, y, 0, 1);
}
static void simd_sta_pool(const kn_sta_shape *g, const float *x, float *s) {
    kn_simd_sta_pool_part(g, x, s, 0, 1);
}
static void simd_sta_associate(const kn_sta_shape *g, const float *x, const float *s, float scale,
                               float *a) {
    kn_simd_sta_associate_part(g, x, s, scale, a, 0, 1);
}
static void simd_sta_aggregate(const kn_sta_shape *g, const float *x, const float *a, float *s,
                               float *z) {
    kn_simd_sta_aggregate_part(g, x, a, s, z, 0, 1);
}
static void simd_sta_upsample(const kn_sta_shape *g, const float *a, const float *s, float *y) {
    kn_simd_sta_upsample_part(g, a, s, y, 0, 1);
}
static void simd_attention(const kn_attention_args *a) { kn_simd_attention_part(a, 0, 1); }
static size_t simd_attention_scratch(int batch, int heads, int hd, int m, int threads) {
    return kn_simd_attention_scratch(batch, heads, hd, m, 1);
}

static int simd_supported(void) { return 1; } /* the generic path runs anywhere */

static void simd_init(kn_ops *o) {
    o->gemm = simd_gemm;
    o->pointwise = simd_pointwise;
    o->conv = simd_conv;
    o->dwconv = simd_dwconv;
    o->layernorm = simd_layernorm;
    o->batchnorm = simd_batchnorm;
    o->affine = simd_affine;
    o->activation = simd_activation;
    o->scale_add = simd_scale_add;
    o->avgpool = simd_avgpool;
    o->linear = simd_linear;
    o->sta_pool = simd_sta_pool;
    o->sta_associate = simd_sta_associate;
    o->sta_aggregate = simd_sta_aggregate;
    o->sta_upsample = simd_sta_upsample;
    o->attention = simd_attention;
    o->attention_scratch = simd_attention_scratch;
    o->pad = kn_simd_pad;
    o->crop = kn_simd_crop;
    o->window_gather = kn_simd_window_gather;
    o->window_scatter = kn_simd_window_scatter;
    o->copy = kn_simd_copy;
    o->space_to_depth = kn_simd_space_to_depth;
    o->tokens_embed = kn_simd_tokens_embed;
}

const kn_backend kn_backend_simd = {
    .name = "simd",
    .uses = "one thread: blocked GEMM with 14x32 AVX-512 / 6x16 AVX2 register tiles, vectorised loops",
    .base = "naive",
    .flags = KN_FOLD_BN,
    .supported = simd_supported,
    .init = simd_init,
};
