/* ops_gemm.c — the GEMM-shaped ops of the simd backend on the blocked driver:
 * gemm, 1x1 conv (fused epilogue; token-major when its weight was prepared so), dense
 * conv (implicit GEMM: im2col packed straight into the B panels, no workspace),
 * attention (two GEMMs and a column softmax per head) and Linear (a dot product per
 * output: batch is tiny). */
#include <math.h>
#include <string.h>
#include "kernels/simd/simd.h"
#include "kernels/naive/naive.h"

void kn_simd_gemm_part(kn_ctx *ctx, int trans_a, int trans_b, int M, int N, int K, float alpha,
                       const float *A, int lda, const float *B, int ldb, float beta,
                       float *C, int ldc, int part, int nparts) {
    if (M <= 0 || N <= 0) return;
    kn_gemm_problem p = {
        .batch = 1, .M = M, .N = N, .K = K,
        .a = A, .lda = lda, .trans_a = trans_a,
        .b_ptr = B, .ldb = ldb, .trans_b = trans_b,
        .c = C, .ldc = (size_t)ldc,
        .alpha = alpha, .beta = beta, .act = KN_ACT_NONE,
    };
    kn_gemm_run_part(ctx, &p, part, nparts);
}

void kn_simd_conv1x1_part(kn_ctx *ctx, const kn_conv1x1_args *a, int part, int nparts) {
    const kn_simd_panels *P = a->w.prep;
    if (P && P->nr == KN_SIMD_ISA(ctx)->nr && P->M == a->cout && P->K == a->cin) {
        kn_gemm_tokens(ctx, a, P, part, nparts); /* prepared for few tokens: token-major */
        return;
    }
    if (a->act != KN_ACT_NONE && a->accumulate && a->cin > kn_gemm_k_cap(ctx)) {
        /* cannot split K here and no room to pack it whole: the reference loop */
        if (part == 0) kn_conv1x1__naive(ctx, a);
        return;
    }
    kn_gemm_problem p = {
        .batch = a->batch, .M = a->cout, .N = a->n, .K = a->cin,
        .a = a->w.ref, .lda = a->cin, .a_panels = a->w.prep,
        .b_ptr = a->x, .ldb = a->n, .b_stride = (size_t)a->cin * a->n,
        .c = a->y, .ldc = (size_t)a->n, .c_stride = (size_t)a->cout * a->n,
        .alpha = 1.0f, .beta = a->accumulate ? 1.0f : 0.0f,
        .bias = a->bias, .gamma = a->gamma, .act = a->act,
    };
    kn_gemm_run_part(ctx, &p, part, nparts);
}

void kn_im2col_row(const kn_simd_isa *isa, const kn_conv_args *cv, const float *x, int kg, int j0, int cols,
                   float *d) {
    isa->im2col_row(cv, x, kg, j0, cols, cols, 0, d);
}

/* im2col of output pixels [j0, j0+nc) x rows k in [k0, k0+kc) as NR-column panels
 * (panel q at dst + q*kc*NR, NR floats per k, zero past nc): one isa->im2col_row per k. */
typedef struct {
    const kn_conv_args *cv;
    const kn_simd_isa *isa;
} im2col_job;

static void pack_im2col(const kn_gemm_problem *p, int b, int nr_max, int j0, int nc, int k0,
                        int kc, float *dst) {
    const im2col_job *job = p->pack_ctx;
    const kn_conv_args *cv = job->cv;
    const float *x = cv->x + (size_t)b * cv->cin * cv->h * cv->w;
    size_t panel = (size_t)kc * nr_max;
    for (int k = 0; k < kc; k++) {
        float *drow = dst + (size_t)k * nr_max; /* this k's row in panel 0 */
        job->isa->im2col_row(cv, x, k0 + k, j0, nc, nr_max, panel, drow);
        int tail = nc % nr_max; /* zero the last panel past nc */
        if (tail) memset(drow + (size_t)(nc / nr_max) * panel + tail, 0, sizeof(float) * (nr_max - tail));
    }
}

void kn_simd_conv_part(kn_ctx *ctx, const kn_conv_args *a, int part, int nparts) {
    if (kn_gemm_conv_direct(ctx, a, part, nparts)) return;
    int oh = (a->h + 2 * a->pad - a->k) / a->stride + 1, ow = (a->w + 2 * a->pad - a->k) / a->stride + 1;
    int K = a->cin * a->k * a->k;
    im2col_job job = {a, KN_SIMD_ISA(ctx)};
    kn_gemm_problem p = {
        .batch = a->batch, .M = a->cout, .N = oh * ow, .K = K,
        .a = a->wt.ref, .lda = K, .a_panels = a->wt.prep,
        .pack_b = pack_im2col, .pack_ctx = &job,
        .c = a->y, .ldc = (size_t)oh * ow, .c_stride = (size_t)a->cout * oh * ow,
        .alpha = 1.0f, .beta = 0.0f, .bias = a->bias, .act = a->act,
    };
    kn_gemm_run_part(ctx, &p, part, nparts);
}

void kn_simd_linear_part(kn_ctx *ctx, int batch, int in, int out, const float *x, kn_weight w,
                         const float *bias, float *y, int part, int nparts) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    int o0, o1;
    kn_split(out, part, nparts, &o0, &o1);
    for (int o = o0; o < o1; o++)
        for (int b = 0; b < batch; b++)
            y[(size_t)b * out + o] = isa->dot_row(in, w.ref + (size_t)o * in, x + (size_t)b * in) +
                                     (bias ? bias[o] : 0.0f);
}

/* Logits of one part: keys x its queries, at most m x m. */
size_t kn_simd_attention_scratch(int batch, int heads, int hd, int m, int threads) {
    return (size_t)(threads > 0 ? threads : 1) * m * m;
}

/* Head (b, h), queries [i0, i1), computed transposed so that both matmuls read their
 * operands in place: St = scale k^T q (keys x queries), a softmax down each column,
 * out = v St. St holds the probabilities P^T; a capture gets them transposed back. */
static void attention_rows(const kn_ctx *ctx, const kn_attention_args *a, int b, int h, int i0, int i1, float *St) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    int m = a->m, hd = a->hd, C = a->heads * hd, rows = i1 - i0;
    const float *q = a->qkv + ((size_t)b * 3 * C + (size_t)h * 3 * hd) * m;
    const float *k = q + (size_t)hd * m, *v = k + (size_t)hd * m;
    float *out = a->out + ((size_t)b * C + (size_t)h * hd) * m;
    kn_gemm_problem s = {
        .batch = 1, .M = m, .N = rows, .K = hd,
        .a = k, .lda = m, .trans_a = 1,
        .b_ptr = q + i0, .ldb = m,
        .c = St, .ldc = (size_t)rows,
        .alpha = a->scale, .beta = 0.0f, .act = KN_ACT_NONE,
    };
    kn_gemm_run(ctx, &s, 0, 1, 0, m, 0, rows);
    if (a->bias) { /* bias[group][h][query][key] */
        size_t g = a->bias_groups > 1 ? (size_t)(b % a->bias_groups) : 0;
        const float *bh = a->bias + ((g * a->heads + h) * m + i0) * m;
        for (int j = 0; j < m; j++)
            for (int i = 0; i < rows; i++) St[(size_t)j * rows + i] += bh[(size_t)i * m + j];
    }
    isa->softmax_cols(m, rows, St, (size_t)rows);
    if (a->probs) {
        float *P = a->probs + (((size_t)b * a->heads + h) * m + i0) * m;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < m; j++) P[(size_t)i * m + j] = St[(size_t)j * rows + i];
    }
    kn_gemm_problem o = {
        .batch = 1, .M = hd, .N = rows, .K = m,
        .a = v, .lda = m,
        .b_ptr = St, .ldb = rows,
        .c = out + i0, .ldc = (size_t)m,
        .alpha = 1.0f, .beta = 0.0f, .act = KN_ACT_NONE,
    };
    kn_gemm_run(ctx, &o, 0, 1, 0, hd, 0, rows);
}

/* Work items: (image, head) units, each cut into qb blocks of query rows when the units
 * do not share out evenly over the parts (5 heads on 2 threads would leave one waiting
 * a fifth of the time): the smallest qb whose items do, or the best up to blocks of two
 * panels. Blocks hold whole NR-column panels, shared as evenly as they go, the ragged
 * last one in the last block (a thinner block wastes the logits GEMM's B panels and
 * repacks k^T once more). */
void kn_simd_attention_part(kn_ctx *ctx, const kn_attention_args *a, int part, int nparts) {
    int units = a->batch * a->heads, NR = KN_SIMD_ISA(ctx)->nr;
    float *S = a->scratch + (size_t)kn_thread_slot * a->m * a->m; /* this thread's logits */
    int full = a->m / NR, qb = 1, most = full / 2 > 1 ? full / 2 : 1; /* blocks of >= 2 full panels */
    for (int t = 2; t <= most && kn_imbalance(units * qb, nparts) > 1.05; t++)
        if (kn_imbalance(units * t, nparts) < kn_imbalance(units * qb, nparts) - 0.01) qb = t;
    int i0, i1;
    kn_split(units * qb, part, nparts, &i0, &i1);
    for (int it = i0; it < i1; it++) {
        int u = it / qb, blk = it % qb;
        int q0 = NR * (int)((long long)full * blk / qb), q1 = blk == qb - 1 ? a->m : NR * (int)((long long)full * (blk + 1) / qb);
        if (q0 < q1) attention_rows(ctx, a, u / a->heads, u % a->heads, q0, q1, S);
    }
}
