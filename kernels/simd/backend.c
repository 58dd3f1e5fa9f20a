/* backend.c — the simd backend: single-threaded, cache-blocked, vectorised (AVX-512,
 * AVX2 or portable C; the instance's ISA, see isa.c). Every op is the simd op run as the
 * one part of one; the wrappers are generated from ops.def. Registered as `simd` (the
 * best ISA this CPU runs) and `simd-<isa>` for every ISA of KN_ISA_LIST. */
#include "kernels/simd/simd.h"

#define KN_OP(name, label, params, args) \
    static void simd_##name(kn_ctx *ctx, KN_ARGS params) { kn_simd_##name##_part(ctx, KN_ARGS args, 0, 1); }
#include "kernels/ops.def"
#undef KN_OP

static size_t simd_attention_scratch(const kn_ctx *ctx, int batch, int heads, int hd, int m) {
    return kn_simd_attention_scratch(batch, heads, hd, m, 1);
}

static void simd_init(kn_ops *o) {
#define KN_OP(name, label, params, args) o->name = simd_##name;
#include "kernels/ops.def"
#undef KN_OP
    o->attention_scratch = simd_attention_scratch;
}

/* Weights of the GEMM-shaped ops, packed once: as the micro-kernel's MR-row panels, or,
 * for a 1x1 conv that sees few tokens (wi->n), as NR-column panels of W^T for the
 * token-major path (kn_gemm_tokens). */
static int panel_shape(const kn_ctx *ctx, const kn_weight_info *wi, int *M, int *K, int *width, int *cols) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    *cols = wi->op == KN_OP_conv1x1 && wi->n > 0 && wi->n <= KN_TOKEN_MAJOR_MAX;
    *width = *cols ? isa->nr : isa->mr;
    return kn_weight_gemm_shape(wi, M, K) && *M > 0 && *K > 0;
}

static size_t simd_prepare_size(const kn_ctx *ctx, const kn_weight_info *wi) {
    int M, K, width, cols;
    return panel_shape(ctx, wi, &M, &K, &width, &cols) ? kn_simd_panels_size(M, K, width) : 0;
}

static int simd_prepare(kn_ctx *ctx, const kn_weight_info *wi, const float *ref, void *dst) {
    int M, K, width, cols;
    if (!panel_shape(ctx, wi, &M, &K, &width, &cols)) return kn_ctx_fail(ctx, "%s: not a GEMM weight", wi->name);
    kn_simd_pack_panels(M, K, width, cols, ref, (size_t)K, dst);
    return 0;
}

#define SIMD_FIELDS                                                                                   \
    .uses = "one thread: blocked GEMM with 14x32 AVX-512 / 6x16 AVX2 register tiles, vectorised loops", \
    .base = "naive", .flags = KN_FOLD_BN, .supported = kn_simd_supported, .init = simd_init,           \
    .ctx_init = kn_simd_ctx_init, .scratch = kn_simd_scratch,                                        \
    .prepare_size = simd_prepare_size, .prepare = simd_prepare

const kn_backend kn_backend_simd = {.name = "simd", SIMD_FIELDS};
#define SIMD_VARIANT(isa_) const kn_backend kn_backend_simd_##isa_ = {.name = "simd-" #isa_, .isa = #isa_, SIMD_FIELDS};
KN_ISA_LIST(SIMD_VARIANT)
