/* backend.c — the bf16 backends `amx` and `avx512bf16`: the omp backend's table with
 * the GEMM-shaped slots (1x1 conv, dense kxk conv as implicit GEMM) on the bf16
 * kernels of bf16.h, split in chunks over the instance's thread team (omp/pool.h). The prepare hook packs
 * those weights once into bf16 (the model's prepared-weights arena); activations are
 * rounded to bf16 while their panels are packed into the thread's scratch; sums,
 * epilogues and every other op stay f32. Declared precision: bf16, u = 2^-8.
 * Attention's QK^T/PV and the head's linear stay f32: short reductions (hd 32-64) or
 * one GEMV, a few percent of the time, where packing costs what it saves. */
#include <stdio.h>
#include <string.h>
#include "kernels/amx/bf16.h"
#include "kernels/omp/pool.h"

/* The B panel lives in the thread's scratch; K up to KMAX fits, larger K (none in
 * STViT: at most 9 x 320) stays on the f32 slot. */
#define KMAX 8192
#define PANEL_FLOATS ((size_t)KMAX * KN_BF16_NR / 2)
/* A prepared weight: this header, then the packed bf16 matrix. */
#define HEADER 64

static void (*f32_conv1x1)(kn_ctx *, const kn_conv1x1_args *);
static void (*f32_conv)(kn_ctx *, const kn_conv_args *);

static const kn_bf16_kernel *kernel_of(const kn_ctx *ctx) {
    return ctx->backend == &kn_backend_amx ? &kn_bf16_kernel_amx : &kn_bf16_kernel_avx512bf16;
}

typedef struct {
    kn_ctx *ctx;
    const kn_bf16_problem *p;
    const kn_bf16_kernel *k;
} gemm_job;

/* A chunk of the GEMM, its B panel in the running thread's scratch. */
static void gemm_chunk(void *arg, int part, int nparts) {
    const gemm_job *j = arg;
    kn_bf16_gemm_run_part(j->p, j->k, part, nparts, (kn_bf16 *)kn_ctx_my_scratch(j->ctx));
}

static void run(kn_ctx *ctx, const kn_bf16_problem *p) {
    gemm_job j = {ctx, p, kernel_of(ctx)};
    kn_pool_run(ctx->pool, kn_pool_chunks(ctx->threads), gemm_chunk, &j); /* as omp's ops */
}

static void bf16_conv1x1(kn_ctx *ctx, const kn_conv1x1_args *a) {
    const kn_bf16_weights *w = a->w.prep;
    if (!w) { f32_conv1x1(ctx, a); return; }
    kn_bf16_problem p = {
        .batch = a->batch, .N = a->n, .a = w,
        .b = a->x, .ldb = (size_t)a->n, .b_stride = (size_t)a->cin * a->n,
        .c = a->y, .ldc = (size_t)a->n, .c_stride = (size_t)a->cout * a->n,
        .alpha = 1.0f, .beta = a->accumulate ? 1.0f : 0.0f,
        .bias = a->bias, .gamma = a->gamma, .act = a->act,
    };
    run(ctx, &p);
}

static void bf16_conv(kn_ctx *ctx, const kn_conv_args *a) {
    const kn_bf16_weights *w = a->wt.prep;
    if (!w) { f32_conv(ctx, a); return; }
    int oh = (a->h + 2 * a->pad - a->k) / a->stride + 1, ow = (a->w + 2 * a->pad - a->k) / a->stride + 1;
    kn_bf16_problem p = {
        .batch = a->batch, .N = oh * ow, .a = w, .conv = a,
        .c = a->y, .ldc = (size_t)oh * ow, .c_stride = (size_t)a->cout * oh * ow,
        .alpha = 1.0f, .bias = a->bias, .act = a->act,
    };
    run(ctx, &p);
}

static void bf16_init(kn_ops *o) {
    f32_conv1x1 = o->conv1x1, f32_conv = o->conv; /* omp's: for weights left unprepared */
    o->conv1x1 = bf16_conv1x1;
    o->conv = bf16_conv;
}

/* The GEMM shape (M x K) of a weight this backend runs in bf16, else 0. */
static int gemm_shape(const kn_weight_info *wi, int *M, int *K) {
    return kn_weight_gemm_shape(wi, M, K) && *K <= KMAX;
}

static size_t bf16_prepare_size(const kn_ctx *ctx, const kn_weight_info *wi) {
    int M, K;
    return gemm_shape(wi, &M, &K) ? HEADER + sizeof(kn_bf16) * kn_bf16_weights_elems(M, K) : 0;
}

static int bf16_prepare(kn_ctx *ctx, const kn_weight_info *wi, const float *ref, void *dst) {
    int M, K;
    if (!gemm_shape(wi, &M, &K)) return kn_ctx_fail(ctx, "%s: not a GEMM weight", wi->name);
    kn_bf16_pack_weights_f32(M, K, ref, (size_t)K, (kn_bf16 *)((char *)dst + HEADER), (kn_bf16_weights *)dst);
    return 0;
}

/* The simd kernels' scratch per thread, or the largest B panel if that is more (the
 * bf16 GEMM and the simd parts never run at the same time on a thread). */
static void bf16_scratch(const kn_ctx *ctx, size_t *per_thread, size_t *shared) {
    kn_simd_scratch(ctx, per_thread, shared);
    if (*per_thread < PANEL_FLOATS) *per_thread = PANEL_FLOATS;
}

static int vdp_supported(const kn_backend *self, char *why, size_t cap) {
    const char *w;
    if (kn_bf16_cpu_avx512bf16(&w)) return 1;
    snprintf(why, cap, "%s", w);
    return 0;
}
static int amx_supported(const kn_backend *self, char *why, size_t cap) {
    const char *w;
    if (kn_bf16_cpu_amx(&w)) return 1;
    snprintf(why, cap, "%s", w);
    return 0;
}
/* Linux grants the tile data state only on request: asked here, once per process
 * (the chain's simd ctx_init has picked the ISA table already). */
static int amx_ctx_init(kn_ctx *ctx) {
    const char *w;
    return kn_bf16_amx_request(&w) == 0 ? 0 : kn_ctx_fail(ctx, "%s", w);
}

#define BF16_FIELDS                                                                             \
    .base = "omp", .flags = KN_FOLD_BN | KN_THREADED, .precision = "bf16",                      \
    .unit_roundoff = KN_U_BF16, .init = bf16_init, .scratch = bf16_scratch,                     \
    .prepare_size = bf16_prepare_size, .prepare = bf16_prepare

const kn_backend kn_backend_avx512bf16 = {
    .name = "avx512bf16",
    .uses = "omp with 1x1/kxk convs in bf16 on VDPBF16PS (AVX512-BF16), f32 sums",
    .supported = vdp_supported,
    BF16_FIELDS,
};

const kn_backend kn_backend_amx = {
    .name = "amx",
    .uses = "omp with 1x1/kxk convs in bf16 on AMX tiles (TDPBF16PS), f32 sums",
    .supported = amx_supported,
    .ctx_init = amx_ctx_init,
    BF16_FIELDS,
};
