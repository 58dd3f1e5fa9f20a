/* backend.c — the omp backend: the simd kernels split over the instance's thread team
 * (pool.h: persistent workers created with the instance, chunks claimed dynamically).
 * Each op runs its simd "part" function once per chunk (see simd.h: the parts split
 * GEMMs along images, rows or columns, whichever balances best, and the other ops along
 * rows, channels or pixels); every chunk does the same arithmetic whichever thread runs
 * it, so outputs are the same run to run. Wrappers generated from ops.def. Registered
 * as `omp` and `omp-<isa>` for every ISA of KN_ISA_LIST. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "kernels/omp/pool.h"
#include "kernels/simd/simd.h"

/* KN_MAP(m, sep, a, b, ...) -> m(a) sep m(b) ... for up to 16 arguments. */
#define KN_MAP_N_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, N, ...) N
#define KN_MAP_COUNT_(...) KN_MAP_N_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define KN_CAT_(a, b) a##b
#define KN_CAT(a, b) KN_CAT_(a, b)
#define KN_M1(m, s, x) m(x)
#define KN_M2(m, s, x, ...) m(x) s() KN_M1(m, s, __VA_ARGS__)
#define KN_M3(m, s, x, ...) m(x) s() KN_M2(m, s, __VA_ARGS__)
#define KN_M4(m, s, x, ...) m(x) s() KN_M3(m, s, __VA_ARGS__)
#define KN_M5(m, s, x, ...) m(x) s() KN_M4(m, s, __VA_ARGS__)
#define KN_M6(m, s, x, ...) m(x) s() KN_M5(m, s, __VA_ARGS__)
#define KN_M7(m, s, x, ...) m(x) s() KN_M6(m, s, __VA_ARGS__)
#define KN_M8(m, s, x, ...) m(x) s() KN_M7(m, s, __VA_ARGS__)
#define KN_M9(m, s, x, ...) m(x) s() KN_M8(m, s, __VA_ARGS__)
#define KN_M10(m, s, x, ...) m(x) s() KN_M9(m, s, __VA_ARGS__)
#define KN_M11(m, s, x, ...) m(x) s() KN_M10(m, s, __VA_ARGS__)
#define KN_M12(m, s, x, ...) m(x) s() KN_M11(m, s, __VA_ARGS__)
#define KN_M13(m, s, x, ...) m(x) s() KN_M12(m, s, __VA_ARGS__)
#define KN_M14(m, s, x, ...) m(x) s() KN_M13(m, s, __VA_ARGS__)
#define KN_M15(m, s, x, ...) m(x) s() KN_M14(m, s, __VA_ARGS__)
#define KN_M16(m, s, x, ...) m(x) s() KN_M15(m, s, __VA_ARGS__)
#define KN_MAP(m, s, ...) KN_CAT(KN_M, KN_MAP_COUNT_(__VA_ARGS__))(m, s, __VA_ARGS__)
#define KN_SEMI_() ;
#define KN_COMMA_() ,
#define KN_FIELD_(decl) decl
#define KN_FROM_JOB_(name) j->name
#define KN_FIELDS(...) KN_MAP(KN_FIELD_, KN_SEMI_, __VA_ARGS__);
#define KN_JOB_ARGS(...) KN_MAP(KN_FROM_JOB_, KN_COMMA_, __VA_ARGS__)

/* Chunks per thread of every op: enough that a thread that is descheduled (or slow)
 * leaves its share to the others, few enough that the parts stay big. */
#ifndef KN_CHUNKS_PER_THREAD
#define KN_CHUNKS_PER_THREAD 2
#endif

static int omp_chunks(const kn_ctx *ctx) {
    return ctx->threads <= 1 ? 1 : ctx->threads * KN_CHUNKS_PER_THREAD;
}

/* Per op: the arguments as a job, a chunk runner, and the slot function. */
#define KN_OP(name, label, params, args)                                            \
    typedef struct { kn_ctx *ctx; KN_FIELDS params } omp_job_##name;                \
    static void omp_chunk_##name(void *arg, int part, int nparts) {                 \
        omp_job_##name *j = arg;                                                    \
        kn_simd_##name##_part(j->ctx, KN_JOB_ARGS args, part, nparts);              \
    }                                                                               \
    static void omp_##name(kn_ctx *ctx, KN_ARGS params) {                           \
        omp_job_##name j = {ctx, KN_ARGS args};                                     \
        kn_pool_run(ctx->pool, omp_chunks(ctx), omp_chunk_##name, &j);              \
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

static int omp_ctx_init(kn_ctx *ctx) {
    if (ctx->threads <= 1) return 0;
    if (kn_pool_create(&ctx->pool, ctx->threads) != 0)
        return kn_ctx_fail(ctx, "cannot start %d threads: %s", ctx->threads, strerror(errno));
    return 0;
}

static void omp_ctx_free(kn_ctx *ctx) {
    kn_pool_free(ctx->pool);
    ctx->pool = NULL;
}

#define OMP_FIELDS                                                                                  \
    .uses = "the simd kernels over a persistent thread team, chunks claimed dynamically",          \
    .base = "simd", .flags = KN_FOLD_BN | KN_THREADED, .init = omp_init, .ctx_init = omp_ctx_init, \
    .ctx_free = omp_ctx_free

const kn_backend kn_backend_omp = {.name = "omp", OMP_FIELDS};
#define OMP_VARIANT(isa_) const kn_backend kn_backend_omp_##isa_ = {.name = "omp-" #isa_, .isa = #isa_, OMP_FIELDS};
KN_ISA_LIST(OMP_VARIANT)
