/* backend.c — the bf16 backends `amx` and `avx512bf16`: the omp backend's table with
 * the GEMM-shaped slots (1x1 conv, dense kxk conv as implicit GEMM) on the bf16
 * kernels of bf16.h, split over OpenMP threads. Weights are packed once into bf16
 * (bf16_cache.c); activations are rounded to bf16 while their panels are packed; sums,
 * epilogues and every other op stay f32. Declared precision: bf16, u = 2^-8.
 * Attention's QK^T/PV stay f32: on the CPUs measured here they are a small share and
 * short reductions (hd 32-64), where packing costs as much as it saves. */
#include "kernels/amx/bf16.h"
#include "kernels/amx/bf16_cache.h"
#include "kernels/omp/parallel.h"

/* Largest K a panel buffer takes (512 KB per thread); larger GEMMs use the f32 slot. */
#define KMAX 8192
static _Thread_local kn_bf16 panel_buf[(size_t)KMAX * KN_BF16_NR] __attribute__((aligned(64)));

static void (*f32_pointwise)(const kn_pointwise_args *);
static void (*f32_conv)(const kn_conv_args *);

static void run(const kn_bf16_problem *p, const kn_bf16_kernel *k) {
    KN_PARALLEL(kn_bf16_gemm_run_part(p, k, part, nparts, panel_buf));
}

static int pointwise_on(const kn_bf16_kernel *k, const kn_pointwise_args *a) {
    const kn_bf16_weights *w = a->cin <= KMAX ? kn_bf16_cache_get(a->w, (size_t)a->cin, a->cout, a->cin) : NULL;
    if (!w) return -1;
    kn_bf16_problem p = {
        .batch = a->batch, .N = a->n, .a = w,
        .b = a->x, .ldb = (size_t)a->n, .b_stride = (size_t)a->cin * a->n,
        .c = a->y, .ldc = (size_t)a->n, .c_stride = (size_t)a->cout * a->n,
        .alpha = 1.0f, .beta = a->accumulate ? 1.0f : 0.0f,
        .bias = a->bias, .gamma = a->gamma, .act = a->act,
    };
    run(&p, k);
    return 0;
}

static int conv_on(const kn_bf16_kernel *k, const kn_conv_args *a) {
    int K = a->cin * a->k * a->k;
    int oh = (a->h + 2 * a->pad - a->k) / a->stride + 1, ow = (a->w + 2 * a->pad - a->k) / a->stride + 1;
    const kn_bf16_weights *w = K <= KMAX ? kn_bf16_cache_get(a->wt, (size_t)K, a->cout, K) : NULL;
    if (!w) return -1;
    kn_bf16_problem p = {
        .batch = a->batch, .N = oh * ow, .a = w, .conv = a,
        .c = a->y, .ldc = (size_t)oh * ow, .c_stride = (size_t)a->cout * oh * ow,
        .alpha = 1.0f, .bias = a->bias, .act = a->act,
    };
    run(&p, k);
    return 0;
}

static void forget(const void *lo, size_t bytes) { kn_bf16_cache_forget(lo, bytes); }

/* ---- avx512bf16 ---- */
static void vdp_pointwise(const kn_pointwise_args *a) {
    if (pointwise_on(&kn_bf16_kernel_avx512bf16, a)) f32_pointwise(a);
}
static void vdp_conv(const kn_conv_args *a) {
    if (conv_on(&kn_bf16_kernel_avx512bf16, a)) f32_conv(a);
}
static const char *vdp_missing(void) {
    const char *why = NULL;
    return kn_bf16_cpu_avx512bf16(&why) ? NULL : why;
}
static int vdp_supported(void) { return kn_bf16_cpu_avx512bf16(NULL); }
static void vdp_init(kn_ops *o) {
    f32_pointwise = o->pointwise, f32_conv = o->conv;
    o->pointwise = vdp_pointwise;
    o->conv = vdp_conv;
}

const kn_backend kn_backend_avx512bf16 = {
    .name = "avx512bf16",
    .uses = "omp with 1x1/kxk convs in bf16 on VDPBF16PS (AVX512-BF16), f32 sums",
    .base = "omp",
    .flags = KN_FOLD_BN,
    .roundoff = 0x1p-8,
    .supported = vdp_supported,
    .missing = vdp_missing,
    .init = vdp_init,
    .forget = forget,
};

/* ---- amx ---- */
static void amx_pointwise(const kn_pointwise_args *a) {
    if (pointwise_on(&kn_bf16_kernel_amx, a)) f32_pointwise(a);
}
static void amx_conv(const kn_conv_args *a) {
    if (conv_on(&kn_bf16_kernel_amx, a)) f32_conv(a);
}
static const char *amx_missing(void) {
    const char *why = NULL;
    return kn_bf16_amx_request(&why) == 0 ? NULL : why;
}
/* Asks Linux for the tile state here: a refusal makes the backend unsupported. */
static int amx_supported(void) { return kn_bf16_amx_request(NULL) == 0; }
static void amx_init(kn_ops *o) {
    f32_pointwise = o->pointwise, f32_conv = o->conv;
    o->pointwise = amx_pointwise;
    o->conv = amx_conv;
}

const kn_backend kn_backend_amx = {
    .name = "amx",
    .uses = "omp with 1x1/kxk convs in bf16 on AMX tiles (TDPBF16PS), f32 sums",
    .base = "omp",
    .flags = KN_FOLD_BN,
    .roundoff = 0x1p-8,
    .supported = amx_supported,
    .missing = amx_missing,
    .init = amx_init,
    .forget = forget,
};
