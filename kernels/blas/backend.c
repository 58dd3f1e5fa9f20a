/* backend.c — the blas backend: GEMM-shaped work (gemm, 1x1 conv, dense conv via
 * im2col, Linear, the two attention matmuls) through OpenBLAS cblas_sgemm, their
 * epilogues (bias, activation, layer scale, residual) in a vectorised pass after, and
 * every other op from `omp`. OpenBLAS threads itself (its count is set to the
 * instance's threads when the instance is made: OpenBLAS has one process-wide count);
 * the passes run on the instance's thread team (omp/pool.h), like the omp ops.
 *
 * cblas has no per-row epilogue, so a 1x1 conv that adds an activated or scaled
 * result into y, and im2col, go through a fixed-size buffer (KN_BLAS_TMP floats, the
 * instance's shared scratch, planned with the workspace) one column block at a time;
 * shapes too large for one 16-column block use the omp kernels instead. */
#include <cblas.h>
#include "kernels/omp/pool.h"
#include "kernels/simd/simd.h"

#define KN_BLAS_TMP (256 * 1024) /* floats: 1 MB */

/* Columns per block when a block holds `rows` rows: a multiple of 16, or 0 if even
 * 16 columns do not fit. */
static int block_cols(int rows, int n) {
    int nb = rows > 0 ? (KN_BLAS_TMP / rows) / 16 * 16 : n;
    return nb < n ? nb : n;
}

static void blas_gemm(kn_ctx *ctx, int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                      const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha,
                A, lda, B, ldb, beta, C, ldc);
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

/* Chunks of a pass on the team: as many per thread as the omp ops take. */
static int team_chunks(const kn_ctx *ctx) { return ctx->threads <= 1 ? 1 : 4 * ctx->threads; }

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
    kn_pool_run(ctx->pool, team_chunks(ctx), epilogue_chunk, &(team_job){.ctx = ctx, .e = e});
}

static void blas_conv1x1(kn_ctx *ctx, const kn_conv1x1_args *a) {
    float *blas_tmp = kn_ctx_shared_scratch(ctx);
    int n = a->n;
    if (!a->accumulate) { /* y = W x, then the epilogue in place */
        for (int b = 0; b < a->batch; b++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, a->cout, n, a->cin, 1.0f, a->w.ref, a->cin,
                        a->x + (size_t)b * a->cin * n, n, 0.0f, a->y + (size_t)b * a->cout * n, n);
        epilogue(ctx, &(epilogue_pass){.rows = a->batch * a->cout, .c = a->cout, .cols = n, .t = a->y, .ldt = (size_t)n,
                                  .y = a->y, .ldy = (size_t)n, .bias = a->bias, .gamma = a->gamma, .act = a->act});
        return;
    }
    if (a->act == KN_ACT_NONE && !a->gamma) { /* y += bias, then y += W x */
        if (a->bias)
            epilogue(ctx, &(epilogue_pass){.rows = a->batch * a->cout, .c = a->cout, .cols = n, .t = a->y,
                                      .ldt = (size_t)n, .y = a->y, .ldy = (size_t)n, .bias = a->bias});
        for (int b = 0; b < a->batch; b++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, a->cout, n, a->cin, 1.0f, a->w.ref, a->cin,
                        a->x + (size_t)b * a->cin * n, n, 1.0f, a->y + (size_t)b * a->cout * n, n);
        return;
    }
    /* y += gamma act(W x + bias): W x one column block at a time into the buffer */
    int nb = block_cols(a->cout, n);
    if (nb == 0) {
        kn_pool_run(ctx->pool, team_chunks(ctx), conv1x1_chunk, &(team_job){.ctx = ctx, .c1 = a});
        return;
    }
    for (int b = 0; b < a->batch; b++)
        for (int j0 = 0; j0 < n; j0 += nb) {
            int cols = n - j0 < nb ? n - j0 : nb;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, a->cout, cols, a->cin, 1.0f, a->w.ref, a->cin,
                        a->x + (size_t)b * a->cin * n + j0, n, 0.0f, blas_tmp, cols);
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
    for (int k = lo; k < hi; k++) kn_im2col_row(cv, x, k, j0, cols, dst + (size_t)k * cols);
}

static void blas_conv(kn_ctx *ctx, const kn_conv_args *a) {
    int oh = (a->h + 2 * a->pad - a->k) / a->stride + 1, ow = (a->w + 2 * a->pad - a->k) / a->stride + 1;
    int N = oh * ow, K = a->cin * a->k * a->k, nb = block_cols(K, N);
    if (nb == 0) {
        kn_pool_run(ctx->pool, team_chunks(ctx), conv_chunk, &(team_job){.ctx = ctx, .cv = a});
        return;
    }
    float *tmp = kn_ctx_shared_scratch(ctx); /* the thread team fills it */
    for (int b = 0; b < a->batch; b++) {
        float *y = a->y + (size_t)b * a->cout * N;
        for (int j0 = 0; j0 < N; j0 += nb) {
            int cols = N - j0 < nb ? N - j0 : nb;
            kn_pool_run(ctx->pool, team_chunks(ctx), im2col_chunk,
                        &(team_job){.ctx = ctx, .cv = a, .b = b, .K = K, .j0 = j0, .cols = cols, .dst = tmp});
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, a->cout, cols, K, 1.0f, a->wt.ref, K, tmp, cols,
                        0.0f, y + j0, N);
        }
        epilogue(ctx, &(epilogue_pass){.rows = a->cout, .c = a->cout, .cols = N, .t = y, .ldt = (size_t)N, .y = y,
                                  .ldy = (size_t)N, .bias = a->bias, .act = a->act});
    }
}

static void blas_linear(kn_ctx *ctx, int batch, int in, int out, const float *x, kn_weight w,
                        const float *bias, float *y) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, out, in, 1.0f, x, in, w.ref, in, 0.0f, y, out);
    if (bias) {
        const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
        for (int b = 0; b < batch; b++) isa->axpy_row(out, 1.0f, bias, y + (size_t)b * out);
    }
}

/* Per head: S = scale q^T k (into probs when captured), row softmax, out = v S^T. */
static void blas_attention(kn_ctx *ctx, const kn_attention_args *a) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    int m = a->m, hd = a->hd, C = a->heads * hd;
    for (int b = 0; b < a->batch; b++)
        for (int h = 0; h < a->heads; h++) {
            const float *q = a->qkv + ((size_t)b * 3 * C + (size_t)h * 3 * hd) * m;
            const float *k = q + (size_t)hd * m, *v = k + (size_t)hd * m;
            float *S = a->probs ? a->probs + ((size_t)b * a->heads + h) * m * m : a->scratch;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, m, hd, a->scale, q, m, k, m, 0.0f, S, m);
            size_t g = a->bias_groups > 1 ? (size_t)(b % a->bias_groups) : 0;
            isa->softmax_rows(m, m, S, (size_t)m, a->bias ? a->bias + (g * a->heads + h) * m * m : NULL, (size_t)m);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, hd, m, m, 1.0f, v, m, S, m, 0.0f,
                        a->out + ((size_t)b * C + (size_t)h * hd) * m, m);
        }
}
static size_t blas_attention_scratch(const kn_ctx *ctx, int batch, int heads, int hd, int m) {
    return (size_t)m * m; /* one head's logits; OpenBLAS threads inside each matmul */
}

/* The simd parts' scratch per thread (the omp fallbacks) and the column-block buffer. */
static void blas_scratch(const kn_ctx *ctx, size_t *per_thread, size_t *shared) {
    kn_simd_scratch(ctx, per_thread, shared);
    *shared = KN_BLAS_TMP;
}

static int blas_ctx_init(kn_ctx *ctx) {
    openblas_set_num_threads(ctx->threads); /* the blas backend's sgemm threads */
    return 0;
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
    .ctx_init = blas_ctx_init,
    .scratch = blas_scratch,
    .prepare_size = blas_prepare_size,
};
