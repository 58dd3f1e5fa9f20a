/* backend.c — the omp backend: the simd kernels split over kn_get_threads() OpenMP
 * threads. Each op runs its simd "part" function once per thread (see simd.h: the
 * parts split GEMMs along images, rows or columns, whichever balances best, and the
 * other ops along rows, channels or pixels). */
#include "kernels/omp/parallel.h"
#include "kernels/simd/simd.h"

static void omp_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc) {
    KN_PARALLEL(kn_simd_gemm_part(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, part, nparts));
}
static void omp_pointwise(const kn_pointwise_args *a) { KN_PARALLEL(kn_simd_pointwise_part(a, part, nparts)); }
static void omp_conv(const kn_conv_args *a) { KN_PARALLEL(kn_simd_conv_part(a, part, nparts)); }
static void omp_dwconv(const kn_dwconv_args *a) { KN_PARALLEL(kn_simd_dwconv_part(a, part, nparts)); }
static void omp_layernorm(int batch, int c, int n, const float *x, const float *gamma,
                          const float *beta, float eps, float *y) {
    KN_PARALLEL(kn_simd_layernorm_part(batch, c, n, x, gamma, beta, eps, y, part, nparts));
}
static void omp_batchnorm(int batch, int c, int n, const float *x, const float *mean,
                          const float *var, const float *gamma, const float *beta, float eps,
                          kn_act act, float *y) {
    KN_PARALLEL(kn_simd_batchnorm_part(batch, c, n, x, mean, var, gamma, beta, eps, act, y, part, nparts));
}
static void omp_affine(int batch, int c, int n, const float *x, const float *scale,
                       const float *shift, kn_act act, float *y) {
    KN_PARALLEL(kn_simd_affine_part(batch, c, n, x, scale, shift, act, y, part, nparts));
}
static void omp_activation(size_t count, kn_act act, const float *x, float *y) {
    KN_PARALLEL(kn_simd_activation_part(count, act, x, y, part, nparts));
}
static void omp_scale_add(int batch, int c, int n, const float *x, const float *gamma, float *y) {
    KN_PARALLEL(kn_simd_scale_add_part(batch, c, n, x, gamma, y, part, nparts));
}
static void omp_avgpool(int batch, int c, int n, const float *x, float *y) {
    KN_PARALLEL(kn_simd_avgpool_part(batch, c, n, x, y, part, nparts));
}
static void omp_linear(int batch, int in, int out, const float *x, const float *w,
                       const float *bias, float *y) {
    KN_PARALLEL(kn_simd_linear_part(batch, in, out, x, w, bias, y, part, nparts));
}
static void omp_sta_pool(const kn_sta_shape *g, const float *x, float *s) {
    KN_PARALLEL(kn_simd_sta_pool_part(g, x, s, part, nparts));
}
static void omp_sta_associate(const kn_sta_shape *g, const float *x, const float *s, float scale,
                              float *a) {
    KN_PARALLEL(kn_simd_sta_associate_part(g, x, s, scale, a, part, nparts));
}
static void omp_sta_aggregate(const kn_sta_shape *g, const float *x, const float *a, float *s,
                              float *z) {
    KN_PARALLEL(kn_simd_sta_aggregate_part(g, x, a, s, z, part, nparts));
}
static void omp_sta_upsample(const kn_sta_shape *g, const float *a, const float *s, float *y) {
    KN_PARALLEL(kn_simd_sta_upsample_part(g, a, s, y, part, nparts));
}
static void omp_attention(const kn_attention_args *a) { KN_PARALLEL(kn_simd_attention_part(a, part, nparts)); }
/* One m x m logits block per thread. */
static size_t omp_attention_scratch(int batch, int heads, int hd, int m, int threads) {
    return kn_simd_attention_scratch(batch, heads, hd, m, threads);
}

static int omp_supported(void) { return 1; }

static void omp_init(kn_ops *o) {
    o->gemm = omp_gemm;
    o->pointwise = omp_pointwise;
    o->conv = omp_conv;
    o->dwconv = omp_dwconv;
    o->layernorm = omp_layernorm;
    o->batchnorm = omp_batchnorm;
    o->affine = omp_affine;
    o->activation = omp_activation;
    o->scale_add = omp_scale_add;
    o->avgpool = omp_avgpool;
    o->linear = omp_linear;
    o->sta_pool = omp_sta_pool;
    o->sta_associate = omp_sta_associate;
    o->sta_aggregate = omp_sta_aggregate;
    o->sta_upsample = omp_sta_upsample;
    o->attention = omp_attention;
    o->attention_scratch = omp_attention_scratch;
}

const kn_backend kn_backend_omp = {
    .name = "omp",
    .uses = "the simd kernels split over OpenMP threads (GEMMs by images, rows or columns)",
    .base = "simd",
    .flags = KN_FOLD_BN | KN_THREADED,
    .supported = omp_supported,
    .init = omp_init,
};
