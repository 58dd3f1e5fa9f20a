/* backend.c — the omp backend: the simd kernels split over the instance's OpenMP
 * threads. Each op runs its simd "part" function once per thread (see simd.h: the parts
 * split GEMMs along images, rows or columns, whichever balances best, and the other ops
 * along rows, channels or pixels). Wrappers generated from ops.def. Registered as `omp`
 * and `omp-<isa>` for every ISA of KN_ISA_LIST. */
#include "kernels/omp/parallel.h"
#include "kernels/simd/simd.h"

#define KN_OP(name, label, params, args)                       \
    static void omp_##name(kn_ctx *ctx, KN_ARGS params) {      \
        KN_PARALLEL(ctx, kn_simd_##name##_part(ctx, KN_ARGS args, part, nparts)); \
    }
#include "kernels/ops.def"
#undef KN_OP

/* One m x m logits block per thread. */
static size_t omp_attention_scratch(const kn_ctx *ctx, int batch, int heads, int hd, int m) {
    return kn_simd_attention_scratch(batch, heads, hd, m, ctx->threads);
}

static void omp_init(kn_ops *o) {
#define KN_OP(name, label, params, args) o->name = omp_##name;
#include "kernels/ops.def"
#undef KN_OP
    o->attention_scratch = omp_attention_scratch;
}

#define OMP_FIELDS                                                                              \
    .uses = "the simd kernels split over OpenMP threads (GEMMs by images, rows or columns)",    \
    .base = "simd", .flags = KN_FOLD_BN | KN_THREADED, .init = omp_init

const kn_backend kn_backend_omp = {.name = "omp", OMP_FIELDS};
#define OMP_VARIANT(isa_) const kn_backend kn_backend_omp_##isa_ = {.name = "omp-" #isa_, .isa = #isa_, OMP_FIELDS};
KN_ISA_LIST(OMP_VARIANT)
