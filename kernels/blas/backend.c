/* backend.c — the blas backend: GEMM-shaped work (gemm, 1x1 conv, dense conv via
 * im2col, Linear, the two attention matmuls) through OpenBLAS cblas_sgemm, their
 * epilogues (bias, activation, layer scale, residual) in a vectorised pass after, and
 * every other op from `omp`. Every sgemm runs on the instance's thread team (omp/pool.h)
 * as row blocks of C, one single-threaded OpenBLAS call per chunk, and attention as
 * heads per chunk: OpenBLAS's own threads split each call in static halves, so a core
 * taken by another process stalled every call (0.3 img/s); the team's chunks go to
 * whichever thread is running. The passes run on the team too, like the omp ops.
 *
 * cblas has no per-row epilogue, so a 1x1 conv that adds an activated or scaled
 * result into y, and im2col, go through a fixed-size buffer (KN_BLAS_TMP floats, the
 * instance's shared scratch, planned with the workspace) one column block at a time;
 * shapes too large for one 16-column block use the omp kernels instead. */
#include <cblas.h>
#include <omp.h>
#include "kernels/omp/pool.h"
#include "kernels/simd/simd.h"

#define KN_BLAS_TMP (256 * 1024) /* floats: 1 MB */

/* Columns per block when a block holds `rows` rows: a multiple of 16, or 0 if even
 * 16 columns do not fit. */
static int block_cols(int rows, int n) {
    int nb = rows > 0 ? (KN_BLAS_TMP / rows) / 16 * 16 : n;
    return nb < n ? nb : n;
}

/* C = alpha op(A) op(B) + beta C as sgemm calls on row blocks of C, one per chunk. */
typedef struct {
    int ta, tb, M, N, K;
    float alpha, beta;
    const float *A, *B;
    int lda, ldb, ldc;
    float *C;
} sgemm_job;

/* An OpenMP build of OpenBLAS takes its thread count from the calling thread's OpenMP
 * setting at every call (and stores it in a process-wide count): a team thread's default
 * would make each call threaded again, racing with the other chunks' calls. So each call
 * runs with this thread's setting at 1, and the setting is put back after. */
static void sgemm_1thread(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                          const float *B, int ldb, float beta, float *C, int ldc) {
    int prev = omp_get_max_threads();
    if (prev != 1) omp_set_num_threads(1);
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A,
                lda, B, ldb, beta, C, ldc);
    if (prev != 1) omp_set_num_threads(prev);
}

static void sgemm_chunk(void *arg, int part, int nparts) {
    const sgemm_job *g = arg;
    int lo, hi;
    kn_split(g->M, part, nparts, &lo, &hi);
    if (lo >= hi) return;
    const float *A = g->ta ? g->A + lo : g->A + (size_t)lo * g->lda; /* rows lo.. of op(A) */
    sgemm_1thread(g->ta, g->tb, hi - lo, g->N, g->K, g->alpha, A, g->lda, g->B, g->ldb, g->beta,
                  g->C + (size_t)lo * g->ldc, g->ldc);
}

static void team_sgemm(kn_ctx *ctx, int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                       const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    sgemm_job g = {ta, tb, M, N, K, alpha, beta, A, B, lda, ldb, ldc, C};
    int chunks = kn_pool_chunks(ctx->threads);
    if (chunks > M) chunks = M;
    kn_pool_run(ctx->pool, chunks, sgemm_chunk, &g);
}

static void blas_gemm(kn_ctx *ctx, int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                      const float *B, int ldb, float beta, float *C, int ldc) {
    team_sgemm(ctx, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* Part of: rows r of batch*c rows (channel r % c), y[r][j0 .. j0+cols) (row stride ld) =
 * (accumulate ? y : 0) + gamma[ch] * act(t[r][..] + bias[ch]) with t rows of stride ldt. */
typedef struct {
    int rows, c, cols;
    const float *t; size_t ldt;
    float *y; size_t ldy;
    const float *bias, *gamma;
    kn_act act;
    int accumulate;
} epilogue_pass;

static void epilogue_part(const kn_ctx *ctx, const epilogue_pass *e, int part, int nparts) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    int lo, hi;
    kn_split(e->rows, part, nparts, &lo, &hi);
    for (int r = lo; r < hi; r++) {
        int ch = r % e->c;
        isa->epilogue_row(e->cols, e->t + (size_t)r * e->ldt, e->bias ? e->bias[ch] : 0.0f, e->act,
                          e->gamma ? e->gamma[ch] : 1.0f, e->accumulate, e->y + (size_t)r * e->ldy);
    }
}


typedef struct {
    kn_ctx *ctx;
    const epilogue_pass *e;          /* epilogue */
    const kn_conv1x1_args *c1;       /* conv1x1 fallback */
    const kn_conv_args *cv;          /* conv fallback, im2col */
    int b, K, j0, cols; float *dst;  /* im2col */
} team_job;

static void epilogue_chunk(void *arg, int part, int nparts) {
    const team_job *j = arg;
    epilogue_part(j->ctx, j->e, part, nparts);
}
static void conv1x1_chunk(void *arg, int part, int nparts) {
    const team_job *j = arg;
    kn_simd_conv1x1_part(j->ctx, j->c1, part, nparts);
}
static void conv_chunk(void *arg, int part, int nparts) {
    const team_job *j = arg;
    kn_simd_conv_part(j->ctx, j->cv, part, nparts);
}

static void epilogue(kn_ctx *ctx, const epilogue_pass *e) {
    if (!e->bias && !e->gamma && e->act == KN_ACT_NONE && !e->accumulate && e->t == e->y) return;
    kn_pool_run(ctx->pool, kn_pool_chunks(ctx->threads), epilogue_chunk, &(team_job){.ctx = ctx, .e = e});
}

static void blas_conv1x1(kn_ctx *ctx, const kn_conv1x1_args *a) {
    float *blas_tmp = kn_ctx_shared_scratch(ctx);
    int n = a->n;
    if (!a->accumulate) { /* y = W x, then the epilogue in place */
        for (int b = 0; b < a->batch; b++)
            team_sgemm(ctx, 0, 0, a->cout, n, a->cin, 1.0f, a->w.ref, a->cin, a->x + (size_t)b * a->cin * n, n, 0.0f,
                       a->y + (size_t)b * a->cout * n, n);
        epilogue(ctx, &(epilogue_pass){.rows = a->batch * a->cout, .c = a->cout, .cols = n, .t = a->y, .ldt = (size_t)n,
                                  .y = a->y, .ldy = (size_t)n, .bias = a->bias, .gamma = a->gamma, .act = a->act});
        return;
    }
    if (a->act == KN_ACT_NONE && !a->gamma) { /* y += bias, then y += W x */
        if (a->bias)
            epilogue(ctx, &(epilogue_pass){.rows = a->batch * a->cout, .c = a->cout, .cols = n, .t = a->y,
                                      .ldt = (size_t)n, .y = a->y, .ldy = (size_t)n, .bias = a->bias});
        for (int b = 0; b < a->batch; b++)
            team_sgemm(ctx, 0, 0, a->cout, n, a->cin, 1.0f, a->w.ref, a->cin, a->x + (size_t)b * a->cin * n, n, 1.0f,
                       a->y + (size_t)b * a->cout * n, n);
        return;
    }
    /* y += gamma act(W x + bias): W x one column block at a time into the buffer */
    int nb = block_cols(a->cout, n);
    if (nb == 0) {
        kn_pool_run(ctx->pool, kn_pool_chunks(ctx->threads), conv1x1_chunk, &(team_job){.ctx = ctx, .c1 = a});
        return;
    }
    for (int b = 0; b < a->batch; b++)
        for (int j0 = 0; j0 < n; j0 += nb) {
            int cols = n - j0 < nb ? n - j0 : nb;
            team_sgemm(ctx, 0, 0, a->cout, cols, a->cin, 1.0f, a->w.ref, a->cin, a->x + (size_t)b * a->cin * n + j0, n,
                       0.0f, blas_tmp, cols);
            epilogue(ctx, &(epilogue_pass){.rows = a->cout, .c = a->cout, .cols = cols, .t = blas_tmp,
                                      .ldt = (size_t)cols, .y = a->y + (size_t)b * a->cout * n + j0,
                                      .ldy = (size_t)n, .bias = a->bias, .gamma = a->gamma, .act = a->act,
                                      .accumulate = 1});
        }
}

/* im2col rows [0, K) x output pixels [j0, j0+cols) of image b into dst (row stride cols). */
static void im2col_chunk(void *arg, int part, int nparts) {
    const team_job *j = arg;
    const kn_conv_args *cv = j->cv;
    int b = j->b, K = j->K, j0 = j->j0, cols = j->cols;
    float *dst = j->dst;
    const float *x = cv->x + (size_t)b * cv->cin * cv->h * cv->w;
    int lo, hi;
    kn_split(K, part, nparts, &lo, &hi);
    for (int k = lo; k < hi; k++) kn_im2col_row(KN_SIMD_ISA(j->ctx), cv, x, k, j0, cols, dst + (size_t)k * cols);
}

static void blas_conv(kn_ctx *ctx, const kn_conv_args *a) {
    int oh = (a->h + 2 * a->pad - a->k) / a->stride + 1, ow = (a->w + 2 * a->pad - a->k) / a->stride + 1;
    int N = oh * ow, K = a->cin * a->k * a->k, nb = block_cols(K, N);
    if (nb == 0) {
        kn_pool_run(ctx->pool, kn_pool_chunks(ctx->threads), conv_chunk, &(team_job){.ctx = ctx, .cv = a});
        return;
    }
    float *tmp = kn_ctx_shared_scratch(ctx); /* the thread team fills it */
    for (int b = 0; b < a->batch; b++) {
        float *y = a->y + (size_t)b * a->cout * N;
        for (int j0 = 0; j0 < N; j0 += nb) {
            int cols = N - j0 < nb ? N - j0 : nb;
            kn_pool_run(ctx->pool, kn_pool_chunks(ctx->threads), im2col_chunk,
                        &(team_job){.ctx = ctx, .cv = a, .b = b, .K = K, .j0 = j0, .cols = cols, .dst = tmp});
            team_sgemm(ctx, 0, 0, a->cout, cols, K, 1.0f, a->wt.ref, K, tmp, cols, 0.0f, y + j0, N);
        }
        epilogue(ctx, &(epilogue_pass){.rows = a->cout, .c = a->cout, .cols = N, .t = y, .ldt = (size_t)N, .y = y,
                                  .ldy = (size_t)N, .bias = a->bias, .act = a->act});
    }
}

static void blas_linear(kn_ctx *ctx, int batch, int in, int out, const float *x, kn_weight w,
                        const float *bias, float *y) {
    team_sgemm(ctx, 0, 1, batch, out, in, 1.0f, x, in, w.ref, in, 0.0f, y, out);
    if (bias) {
        const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
        for (int b = 0; b < batch; b++) isa->axpy_row(out, 1.0f, bias, y + (size_t)b * out);
    }
}

/* Per head: S = scale q^T k (into probs when captured), row softmax, out = v S^T; the
 * heads of the batch dealt out to the chunks, each thread with its own S. */
typedef struct {
    kn_ctx *ctx;
    const kn_attention_args *a;
} attention_job;

static void attention_chunk(void *arg, int part, int nparts) {
    const attention_job *j = arg;
    const kn_attention_args *a = j->a;
    const kn_simd_isa *isa = KN_SIMD_ISA(j->ctx);
    int m = a->m, hd = a->hd, C = a->heads * hd, lo, hi;
    kn_split(a->batch * a->heads, part, nparts, &lo, &hi);
    for (int u = lo; u < hi; u++) {
        int b = u / a->heads, h = u % a->heads;
        const float *q = a->qkv + ((size_t)b * 3 * C + (size_t)h * 3 * hd) * m;
        const float *k = q + (size_t)hd * m, *v = k + (size_t)hd * m;
        float *S = a->probs ? a->probs + (size_t)u * m * m : a->scratch + (size_t)kn_thread_slot * m * m;
        sgemm_1thread(1, 0, m, m, hd, a->scale, q, m, k, m, 0.0f, S, m);
        size_t g = a->bias_groups > 1 ? (size_t)(b % a->bias_groups) : 0;
        isa->softmax_rows(m, m, S, (size_t)m, a->bias ? a->bias + (g * a->heads + h) * m * m : NULL, (size_t)m);
        sgemm_1thread(0, 1, hd, m, m, 1.0f, v, m, S, m, 0.0f, a->out + ((size_t)b * C + (size_t)h * hd) * m, m);
    }
}

static void blas_attention(kn_ctx *ctx, const kn_attention_args *a) {
    int units = a->batch * a->heads, chunks = kn_pool_chunks(ctx->threads);
    kn_pool_run(ctx->pool, chunks < units ? chunks : units, attention_chunk, &(attention_job){ctx, a});
}
static size_t blas_attention_scratch(const kn_ctx *ctx, int batch, int heads, int hd, int m) {
    return (size_t)(ctx->threads > 0 ? ctx->threads : 1) * m * m; /* one head's logits per thread */
}

/* The simd parts' scratch per thread (the omp fallbacks) and the column-block buffer. */
static void blas_scratch(const kn_ctx *ctx, size_t *per_thread, size_t *shared) {
    kn_simd_scratch(ctx, per_thread, shared);
    *shared = KN_BLAS_TMP;
}


/* sgemm reads the reference weights: no panels (the simd fallbacks pack per call). */
static size_t blas_prepare_size(const kn_ctx *ctx, const kn_weight_info *wi) { return 0; }

static void blas_init(kn_ops *o) {
    o->gemm = blas_gemm;
    o->conv1x1 = blas_conv1x1;
    o->conv = blas_conv;
    o->linear = blas_linear;
    o->attention = blas_attention;
    o->attention_scratch = blas_attention_scratch;
}

const kn_backend kn_backend_blas = {
    .name = "blas",
    .uses = "OpenBLAS sgemm for GEMM-shaped ops (epilogues in a vectorised pass), the rest from omp",
    .base = "omp",
    .flags = KN_FOLD_BN | KN_THREADED,
    .init = blas_init,
    .scratch = blas_scratch,
    .prepare_size = blas_prepare_size,
};
