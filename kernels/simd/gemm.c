/* gemm.c — the blocked GEMM driver of the simd backend (BLIS-style loops around the
 * ISA's register-tile micro-kernel) and its packing.
 *
 * Loops, outer to inner: MC rows of A -> K blocks of kc -> images -> NC columns ->
 * NR-column B panels (kc x NR, kept in L1) -> MR-row strips of A (MC x kc, kept in
 * L2) -> micro-kernel. The micro-kernel reads A as panels of MR rows (MR floats per
 * k: one stream, no row pointers): weights come packed so once, at model creation
 * (kn_simd_pack_panels, the simd family's prepare hook), a transposed A is packed per
 * block here; any other A is read in place by the rows kernel. A plain row-major B is
 * read in place, except for a ragged last panel, which is packed zero-padded. im2col B
 * is packed by its callback. A ragged panel of at most isa->nc columns (196 tokens =
 * 6 x 32 + 4) goes through the narrow tile, two strips at a time, when A is a panel.
 *
 * K is split into blocks of at most KN_KC; the partial sums live in C: linear
 * epilogues apply per block (bias and beta with the first), an activation waits for
 * the last block (later blocks add C before it). An activation with beta != 0 cannot
 * be split, so such a GEMM runs K in one block and must have K <= kn_gemm_k_cap().
 *
 * Packing buffers are the part's slice of the ctx's scratch (planned with the
 * workspace): KN_PACK_A floats for A panels of a transposed A, then KN_PACK_B for B panels. */
#include <stdint.h>
#include <string.h>
#include "kernels/simd/simd.h"

#ifndef KN_KC
#define KN_KC 384 /* K block: K = 320 (stage 2) in one; a kc x 32 B panel of 48 KB at most */
#endif
#ifndef KN_L2_A
#define KN_L2_A (256 * 1024) /* floats of a prepared A block: 1 MB of the 2 MB L2, B beside it */
#endif
#ifndef KN_PACK_B_ROWS
#define KN_PACK_B_ROWS 256 /* rows of A per part from which a misaligned B is packed */
#endif

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

int kn_gemm_k_cap(const kn_ctx *ctx) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    return imin(KN_PACK_A / isa->mr, KN_PACK_B / isa->nr);
}

/* Height of strip s of `strips` over mc rows, ir rows above it: nearly equal heights
 * (32 rows go as 11+11+10, not 14+14+4: a thin strip wastes the B loads). */
static inline int strip_rows(int mc, int strips, int s, int ir) { return (mc - ir + strips - s - 1) / (strips - s); }

/* Transposed A (A(i, k) = a[k][i]) rows [i0, i0+mc) x k [k0, k0+kc) as the
 * micro-kernel's panels, one per strip: panel s at dst + s*kc*MR, MR floats per k (a
 * row of a is a step of a panel: contiguous copies); rows past the strip's height are
 * left as they are (the kernel never reads them). */
static void pack_a_trans(const kn_gemm_problem *p, int MR, int i0, int mc, int strips, int k0, int kc,
                         float *dst) {
    for (int s = 0, ir = 0; s < strips; s++) {
        int rows = strip_rows(mc, strips, s, ir);
        float *d = dst + (size_t)s * kc * MR;
        for (int k = 0; k < kc; k++)
            memcpy(d + (size_t)k * MR, p->a + (size_t)(k0 + k) * p->lda + i0 + ir, sizeof(float) * rows);
        ir += rows;
    }
}

size_t kn_simd_panels_size(int M, int K, int width) {
    size_t panels = (size_t)(M + width - 1) / width;
    return sizeof(kn_simd_panels) + sizeof(float) * panels * width * (size_t)K;
}

void kn_simd_pack_panels(int M, int K, int width, int cols, const float *w, size_t ldw, kn_simd_panels *dst) {
    dst->M = M, dst->K = K, dst->mr = cols ? 0 : width, dst->nr = cols ? width : 0;
    for (int s = 0; s * width < M; s++) {
        float *d = dst->data + (size_t)s * K * width;
        for (int r = 0; r < width; r++) {
            int row = s * width + r;
            for (int k = 0; k < K; k++) d[(size_t)k * width + r] = row < M ? w[(size_t)row * ldw + k] : 0.0f;
        }
    }
}

/* Plain-matrix B (image b) columns [j0, j0+nc) as NR-column panels. */
static void pack_b_matrix(const kn_gemm_problem *p, int b, int nr_max, int j0, int nc, int k0,
                          int kc, float *dst) {
    const float *B = p->b_ptr + (size_t)b * p->b_stride;
    for (int q = 0; q < nc; q += nr_max, dst += (size_t)kc * nr_max) {
        int cols = imin(nr_max, nc - q);
        if (!p->trans_b) {
            for (int k = 0; k < kc; k++) {
                const float *src = B + (size_t)(k0 + k) * p->ldb + j0 + q;
                float *d = dst + (size_t)k * nr_max;
                memcpy(d, src, sizeof(float) * cols);
                for (int j = cols; j < nr_max; j++) d[j] = 0.0f;
            }
        } else { /* B(k, j) = b[j][k] */
            for (int j = 0; j < cols; j++) {
                const float *src = B + (size_t)(j0 + q + j) * p->ldb + k0;
                for (int k = 0; k < kc; k++) dst[(size_t)k * nr_max + j] = src[k];
            }
            for (int j = cols; j < nr_max; j++)
                for (int k = 0; k < kc; k++) dst[(size_t)k * nr_max + j] = 0.0f;
        }
    }
}

/* The epilogue of K block `blk` of nblk (see the top comment). */
static kn_gemm_epi block_epilogue(const kn_gemm_problem *p, int blk, int nblk) {
    kn_gemm_epi e = {.alpha = p->alpha, .beta = p->beta, .bias = p->bias, .gamma = p->gamma, .act = p->act};
    if (nblk == 1) return e;
    if (p->act == KN_ACT_NONE) { /* C = beta C + g (alpha P0 + bias), then C += g alpha Pi */
        if (blk > 0) e.beta = 1.0f, e.bias = NULL;
        return e;
    }
    /* activation (beta == 0): raw partial sums until the last block */
    e.load_c = blk > 0;
    if (blk < nblk - 1) e.bias = NULL, e.gamma = NULL, e.act = KN_ACT_NONE;
    return e;
}

/* How many blocks K runs in, of at most `cap` each: one when an activation follows a
 * beta != 0 (such a GEMM cannot be split; see the top comment). */
static int k_blocks(const kn_gemm_problem *p, int cap) {
    if (p->act != KN_ACT_NONE && p->beta != 0.0f) return 1;
    return p->K <= cap ? 1 : (p->K + cap - 1) / cap;
}
/* Block blk of nblk nearly equal blocks of K: k in [*k0, *k0 + *kc). */
static void k_block(int K, int blk, int nblk, int *k0, int *kc) {
    *k0 = (int)((long long)K * blk / nblk);
    *kc = (int)((long long)K * (blk + 1) / nblk) - *k0;
}

void kn_gemm_run(const kn_ctx *ctx, const kn_gemm_problem *p, int b0, int b1, int m0, int m1,
                 int n0, int n1) {
    if (b0 >= b1 || m0 >= m1 || n0 >= n1) return;
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    float *pack_a_buf = kn_ctx_my_scratch(ctx), *pack_b_buf = pack_a_buf + KN_PACK_A;
    const int MR = isa->mr, NR = isa->nr, K = p->K;
    int nblk = k_blocks(p, KN_KC); /* one for act + beta: callers keep K <= kn_gemm_k_cap() */
    int kc_max = K == 0 ? 1 : (K + nblk - 1) / nblk;
    int mc_max = (KN_PACK_A / (kc_max * MR)) * MR, nc_max = (KN_PACK_B / (kc_max * NR)) * NR;
    if (mc_max < MR) mc_max = MR;
    if (nc_max < NR) nc_max = NR;
    /* a plain B is read in place, unless its rows are off cache lines (196 tokens: 3 of
     * 4 rows of a panel straddle two lines, each load of them costs two) and enough A
     * rows pass over each panel to repay packing it */
    int direct_b = !p->pack_b && !p->trans_b &&
                   ((p->ldb % 16 == 0 && p->b_stride % 16 == 0 && (uintptr_t)p->b_ptr % 64 == 0) ||
                    m1 - m0 < KN_PACK_B_ROWS);

    /* A: prepared panels (strips fixed at MR rows from row 0; the parts split rows in
     * whole strips), a transposed A packed here, or a plain A read in place (packing it
     * would cost about what it saves); the last two in strips of nearly equal height */
    const kn_simd_panels *P = p->a_panels;
    if (P && (P->mr != MR || P->M != p->M || P->K != K)) P = NULL; /* not this form, ISA or shape */
    if (P) mc_max = imax(mc_max, KN_L2_A / (kc_max * MR) * MR); /* no packing: all of A's L2 share, B packed once */

    for (int ic = m0; ic < m1; ic += mc_max) {
        int mc = imin(mc_max, m1 - ic), strips = (mc + MR - 1) / MR;
        for (int blk = 0; blk < nblk; blk++) {
            int k0, kc;
            k_block(K, blk, nblk, &k0, &kc);
            if (!P && p->trans_a) pack_a_trans(p, MR, ic, mc, strips, k0, kc, pack_a_buf);
            kn_gemm_epi epi = block_epilogue(p, blk, nblk);
            for (int b = b0; b < b1; b++) {
                float *C = p->c + (size_t)b * p->c_stride;
                for (int jc = n0; jc < n1; jc += nc_max) {
                    int nc = imin(nc_max, n1 - jc);
                    const float *bdirect = NULL;
                    if (direct_b) {
                        bdirect = p->b_ptr + (size_t)b * p->b_stride + (size_t)k0 * p->ldb + jc;
                        if (nc % NR) /* only the ragged last panel is packed */
                            pack_b_matrix(p, b, NR, jc + nc - nc % NR, nc % NR, k0, kc, pack_b_buf);
                    } else if (p->pack_b) {
                        p->pack_b(p, b, NR, jc, nc, k0, kc, pack_b_buf);
                    } else {
                        pack_b_matrix(p, b, NR, jc, nc, k0, kc, pack_b_buf);
                    }
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = imin(NR, nc - jr);
                        const float *bp;
                        size_t ldb;
                        if (bdirect && nr == NR) bp = bdirect + jr, ldb = (size_t)p->ldb;
                        else bp = pack_b_buf + (bdirect ? 0 : (size_t)jr * kc), ldb = (size_t)NR;
                        if (nr <= isa->nc && nr < NR && (P || p->trans_a)) { /* a few columns: narrow tiles */
                            for (int s = 0, ir = 0; s < strips; s += 2) {
                                int row = ic + ir, h0 = P ? imin(MR, mc - ir) : strip_rows(mc, strips, s, ir), h1 = 0;
                                if (s + 1 < strips)
                                    h1 = P ? imin(MR, mc - ir - h0) : strip_rows(mc, strips, s + 1, ir + h0);
                                const float *a0 = P ? P->data + ((size_t)row / MR * K + k0) * MR
                                                    : pack_a_buf + (size_t)s * kc * MR;
                                kn_gemm_epi e = epi;
                                if (e.bias) e.bias += row;
                                if (e.gamma) e.gamma += row;
                                isa->gemm_cols(h0, h1, nr, kc, a0, a0 + (size_t)(P ? K : kc) * MR, (size_t)MR, bp, ldb,
                                               C + (size_t)row * p->ldc + jc + jr, p->ldc, &e);
                                ir += h0 + h1;
                            }
                            continue;
                        }
                        for (int s = 0, ir = 0; s < strips; s++) {
                            int row = ic + ir, rows = P ? imin(MR, mc - ir) : strip_rows(mc, strips, s, ir);
                            kn_gemm_epi e = epi;
                            if (e.bias) e.bias += row;
                            if (e.gamma) e.gamma += row;
                            if (P && jr == 0 && b == b0 && row + MR < m1) { /* first pass over the strips: the next one from DRAM */
                                e.pf = (const char *)(P->data + ((size_t)row / MR * K + K + k0) * MR);
                                e.pf_lines = (int)(((size_t)kc * MR * sizeof(float) + 63) / 64);
                            }
                            float *c = C + (size_t)row * p->ldc + jc + jr;
                            if (P)
                                isa->gemm(rows, nr, kc, P->data + ((size_t)row / MR * K + k0) * MR, bp, ldb, c,
                                          p->ldc, &e);
                            else if (p->trans_a)
                                isa->gemm(rows, nr, kc, pack_a_buf + (size_t)s * kc * MR, bp, ldb, c, p->ldc, &e);
                            else
                                isa->gemm_rows(rows, nr, kc, p->a + (size_t)row * p->lda + k0, (size_t)p->lda, bp,
                                               ldb, c, p->ldc, &e);
                            ir += rows;
                        }
                    }
                }
            }
        }
    }
}

void kn_gemm_run_part(const kn_ctx *ctx, const kn_gemm_problem *p, int part, int nparts) {
    if (nparts <= 1) {
        kn_gemm_run(ctx, p, 0, p->batch, 0, p->M, 0, p->N);
        return;
    }
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    int mu = (p->M + isa->mr - 1) / isa->mr, nu = (p->N + isa->nr - 1) / isa->nr;
    /* rows first (each part packs only its rows of A), then images, then columns
     * (every part packs all of A); small margins favour the cheaper packing */
    double by_m = kn_imbalance(mu, nparts), by_b = kn_imbalance(p->batch, nparts) + 0.02,
           by_n = kn_imbalance(nu, nparts) + 0.04;
    int lo, hi;
    if (by_m <= by_b && by_m <= by_n) {
        kn_split(mu, part, nparts, &lo, &hi);
        kn_gemm_run(ctx, p, 0, p->batch, imin(lo * isa->mr, p->M), imin(hi * isa->mr, p->M), 0, p->N);
    } else if (by_b <= by_n) {
        kn_split(p->batch, part, nparts, &lo, &hi);
        kn_gemm_run(ctx, p, lo, hi, 0, p->M, 0, p->N);
    } else {
        kn_split(nu, part, nparts, &lo, &hi);
        kn_gemm_run(ctx, p, 0, p->batch, 0, p->M, imin(lo * isa->nr, p->N), imin(hi * isa->nr, p->N));
    }
}

/* Token-major 1x1 conv (see simd.h). Tiles: strips of nearly equal height <= MR within
 * each image's n tokens (strip t of image b: t = b*spi + i) by NR-channel panels q.
 * Loops: K blocks of at most KN_KC_T (partial sums in Y, as kn_gemm_run's:
 * block_epilogue) -> blocks of sb strips whose activations (sb*MR x kc) stay in L2 ->
 * panels q (kc x NR of the weight: in L1 while its strips stream past) -> strips. The
 * tiles are numbered in that order and a part takes a contiguous range of them. */
#ifndef KN_KC_T
#define KN_KC_T 384 /* a kc x 32 weight panel of 48 KB at most */
#endif
#define KN_TOKEN_BLOCK (48 * 1024) /* floats of activations per strip block: 192 KB, in L2 */
void kn_gemm_tokens(const kn_ctx *ctx, const kn_conv1x1_args *a, const kn_simd_panels *P, int part, int nparts) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    const int MR = isa->mr, NR = isa->nr, K = a->cin, n = a->n;
    if (n <= 0 || a->batch <= 0 || a->cout <= 0) return;
    int spi = (n + MR - 1) / MR, strips = a->batch * spi, panels = (a->cout + NR - 1) / NR;
    long long tiles = (long long)panels * strips, u0 = tiles * part / nparts, u1 = tiles * (part + 1) / nparts;
    if (u0 >= u1) return;
    kn_gemm_problem p = {.K = K, .alpha = 1.0f, .beta = a->accumulate ? 1.0f : 0.0f, .bias = a->bias,
                         .gamma = a->gamma, .act = a->act};
    int nblk = k_blocks(&p, KN_KC_T); /* act + beta: one block, any K */
    int kc_max = K == 0 ? 1 : (K + nblk - 1) / nblk;
    int sb = KN_TOKEN_BLOCK / (kc_max * MR); /* strips per block, balanced over the blocks */
    if (sb < 1) sb = 1;
    int nsb = (strips + sb - 1) / sb;
    sb = (strips + nsb - 1) / nsb;
    for (int blk = 0; blk < nblk; blk++) {
        int k0, kc;
        k_block(K, blk, nblk, &k0, &kc);
        kn_gemm_epi epi = block_epilogue(&p, blk, nblk);
        for (long long u = u0; u < u1; u++) {
            int tb = (int)(u / ((long long)sb * panels)), s0 = tb * sb, sbk = strips - s0 < sb ? strips - s0 : sb;
            int rem = (int)(u - (long long)s0 * panels), q = rem / sbk, t = s0 + rem % sbk;
            int b = t / spi, i = t % spi;
            int r0 = (int)((long long)n * i / spi), rows = (int)((long long)n * (i + 1) / spi) - r0;
            int j0 = q * NR, cols = a->cout - j0 < NR ? a->cout - j0 : NR;
            kn_gemm_epi e = epi;
            if (e.bias) e.bias += j0;
            if (e.gamma) e.gamma += j0;
            int ti = rem % sbk, spread = sbk < 2 ? sbk : 2; /* the panel's first tiles fetch the next one */
            if (ti < spread && q + 1 < panels) {
                int lines = (int)(((size_t)kc * NR * sizeof(float) + 63) / 64), l0 = lines * ti / spread;
                e.pf = (const char *)(P->data + ((size_t)(q + 1) * K + k0) * NR) + (size_t)l0 * 64;
                e.pf_lines = lines * (ti + 1) / spread - l0;
            }
            const float *x = a->x + (size_t)b * K * n + (size_t)k0 * n + r0;
            float *y = a->y + ((size_t)b * a->cout + j0) * n + r0;
            isa->gemm_t(rows, cols, kc, x, (size_t)n, P->data + ((size_t)q * K + k0) * NR, (size_t)NR, y, (size_t)n, &e);
        }
    }
}

/* Direct stride-1 kxk conv (same size out, pad k/2) on prepared panels, no im2col:
 * the part's output rows in bands of R; each band's input rows, zero-padded, go to the
 * B scratch (channel ci's R + 2p rows of pw = w + 2p floats at ci*cs), and B row
 * (ci, ky, kx) of output pixel (oy, ox) is then band[ci*cs + (oy - oy0 + ky)*pw + ox + kx]:
 * one offset per k (isa->gemm_off). Tiles: per output row, NR-wide pieces of it by MR-row
 * strips; K in blocks as kn_gemm_run's. 0 when not applicable (the caller uses im2col). */
int kn_gemm_conv_direct(const kn_ctx *ctx, const kn_conv_args *a, int part, int nparts) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    const kn_simd_panels *P = a->wt.prep;
    const int MR = isa->mr, NR = isa->nr, k = a->k, p = k / 2, K = a->cin * k * k;
    if (!isa->gemm_off || a->stride != 1 || k % 2 == 0 || a->pad != p || !P || P->mr != MR || P->M != a->cout ||
        P->K != K || K > KN_PACK_A)
        return 0;
    const int w = a->w, h = a->h, pw = w + 2 * p;
    const size_t slack = 4 * (size_t)NR;
    int R = (int)((KN_PACK_B - slack) / ((size_t)pw * a->cin)) - 2 * p; /* band rows */
    if (R < 1) return 0;
    if (R > h) R = h;
    const size_t cs = (size_t)(R + 2 * p) * pw; /* one channel of the band */
    float *band = kn_ctx_my_scratch(ctx) + KN_PACK_A;
    int *boff = (int *)kn_ctx_my_scratch(ctx);
    for (int ci = 0, q = 0; ci < a->cin; ci++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) boff[q++] = (int)(ci * cs + (size_t)ky * pw + kx);
    memset(band + (size_t)a->cin * cs, 0, sizeof(float) * slack);
    kn_gemm_problem ep = {.K = K, .alpha = 1.0f, .bias = a->bias, .act = a->act};
    int nblk = k_blocks(&ep, KN_KC);
    int r0, r1;
    kn_split(a->batch * h, part, nparts, &r0, &r1);
    for (int r = r0; r < r1;) {
        int b = r / h, oy0 = r % h, rows = imin(imin(R, h - oy0), r1 - r);
        const float *x = a->x + (size_t)b * a->cin * h * w;
        for (int ci = 0; ci < a->cin; ci++)
            for (int i = 0; i < R + 2 * p; i++) {
                float *d = band + ci * cs + (size_t)i * pw;
                int iy = oy0 - p + i;
                if (i >= rows + 2 * p || iy < 0 || iy >= h) {
                    memset(d, 0, sizeof(float) * pw);
                    continue;
                }
                memset(d, 0, sizeof(float) * p);
                memcpy(d + p, x + ((size_t)ci * h + iy) * w, sizeof(float) * w);
                memset(d + p + w, 0, sizeof(float) * p);
            }
        float *C = a->y + (size_t)b * a->cout * h * w;
        for (int blk = 0; blk < nblk; blk++) {
            int k0, kc;
            k_block(K, blk, nblk, &k0, &kc);
            kn_gemm_epi epi = block_epilogue(&ep, blk, nblk);
            for (int oy = oy0; oy < oy0 + rows; oy++)
                for (int jr = 0; jr < w; jr += NR) {
                    int nr = imin(NR, w - jr);
                    const float *bp = band + (size_t)(oy - oy0) * pw + jr;
                    for (int row = 0; row < a->cout; row += MR) {
                        kn_gemm_epi e = epi;
                        if (e.bias) e.bias += row;
                        isa->gemm_off(imin(MR, a->cout - row), nr, kc, P->data + ((size_t)row / MR * K + k0) * MR, bp,
                                      boff + k0, C + (size_t)row * h * w + (size_t)oy * w + jr, (size_t)h * w, &e);
                    }
                }
        }
        r += rows;
    }
    return 1;
}
