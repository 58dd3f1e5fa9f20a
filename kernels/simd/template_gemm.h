/* template_gemm.h — the GEMM micro-kernel on the vector vocabulary (vec_*.h).
 *
 * Needs UK_MR (rows, broadcast from an A panel: UK_MR floats per k) and UK_NV (vectors per row;
 * NR = UK_NV * VW columns, loaded from the B panel). The accumulators
 * acc[UK_MR][UK_NV] stay in registers: 14 x 2 zmm (+2 B vectors, 1 broadcast) on
 * AVX-512, 6 x 2 ymm on AVX2. One instantiation per row count 1..UK_MR and per
 * vector count 1..UK_NV, so edge tiles do no wasted FMAs along M and store with
 * masks along N. */

/* The epilogue beyond bias: act, gamma, beta*C, on a tile spilled to the stack
 * (one shared copy: not worth unrolling per instantiation). The tile's rows are NR
 * floats (whole vectors, the dead columns of a ragged tile are never stored); two
 * rows at a time give the long activation chains independent neighbours. */
static __attribute__((noinline)) void KN_ISA(gemm_epilogue_rows)(int mr, int nr, const float *t, int ldt, float *c,
                                                              size_t ldc, const kn_gemm_epi *e) {
    const vf beta = v_set1(e->beta);
    const int nq = (nr + VW - 1) / VW; /* vectors per row */
    for (int r = 0; r < mr; r += 2) {
        int rows = mr - r < 2 ? mr - r : 2;
        vf v[2][UK_NV];
        for (int i = 0; i < rows; i++)
            for (int q = 0; q < nq; q++) v[i][q] = v_act(e->act, v_ld(t + (size_t)(r + i) * ldt + q * VW));
        for (int i = 0; i < rows; i++) {
            vf g = v_set1(e->gamma ? e->gamma[r + i] : 1.0f);
            float *cr = c + (size_t)(r + i) * ldc;
            for (int q = 0; q < nq; q++) {
                int n = nr - q * VW < VW ? nr - q * VW : VW;
                vf o = v_mul(v[i][q], g);
                if (e->beta != 0.0f) o = v_fma(beta, n == VW ? v_ld(cr + q * VW) : v_ld_n(cr + q * VW, n), o);
                if (n == VW) v_st(cr + q * VW, o);
                else v_st_n(cr + q * VW, o, n);
            }
        }
    }
}

/* acc[MR][NV] = A (MR x kc) times the B panel (kc rows of NV vectors, row stride ldb).
 * A(r, k) is at a[r*lda + k] (rows in place) or, with lda 0, at a[k*ska + r]: ska =
 * UK_MR for a panel, or the token stride of an activation read in place (gemm_t). B row
 * k is at b + k*ldb, or with an offset table (boff, a constant NULL elsewhere) at
 * b + boff[k] (a direct conv: the input rows of each (ci, ky, kx)). */
static inline __attribute__((always_inline)) void KN_ISA(gemm_acc)(const int MR, const int NV, int kc,
                                                                  const float *restrict a, size_t lda, size_t ska,
                                                                  const float *restrict b, size_t ldb,
                                                                  const int *boff, const char *pf, int pfl,
                                                                  vf acc[UK_MR][UK_NV]) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[r][v] = v_zero();
    const float *ar[UK_MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) ar[r] = a + r * lda;
    for (int k = 0; k < kc; k++) {
        vf bv[UK_NV];
        if (k < pfl) __builtin_prefetch(pf + (size_t)k * 64, 0, 2);
        if (k + kc < pfl) __builtin_prefetch(pf + (size_t)(k + kc) * 64, 0, 2);
        const float *bk = boff ? b + boff[k] : b;
        /* an in-place B panel is kc rows far apart: fetch the same rows of the next
         * panel (the hardware cannot track that many streams) */
        if (!boff)
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) __builtin_prefetch(b + (NV + v) * VW);
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) bv[v] = v_ld(bk + v * VW);
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
            vf av = v_set1(lda ? ar[r][k] : a[(size_t)k * ska + r]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[r][v] = v_fma(av, bv[v], acc[r][v]);
        }
        if (!boff) b += ldb;
    }
}

/* The tile to the stack, row r's vectors at t + r*NV*VW (for the out-of-line epilogues). */
static inline __attribute__((always_inline)) void KN_ISA(gemm_spill)(const int MR, const int NV,
                                                                    vf acc[UK_MR][UK_NV], float *t) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) v_st(t + (r * NV + v) * VW, acc[r][v]);
}

/* The row-major tile: A as gemm_acc's (a panel when lda is 0), B rows ldb apart or at
 * the offsets boff (a constant NULL but in the direct-conv kernel). */
static inline __attribute__((always_inline)) void
KN_ISA(gemm_tile)(const int MR, const int NV, int nr, int kc, const float *restrict a, size_t lda,
                  const float *restrict b, size_t ldb, const int *boff, float *restrict c, size_t ldc,
                  const kn_gemm_epi *e) {
    vf acc[UK_MR][UK_NV];
    KN_ISA(gemm_acc)(MR, NV, kc, a, lda, UK_MR, b, ldb, boff, e->pf, e->pf_lines, acc);

    /* t = alpha*acc (+ C) + bias, in registers */
    int tail = nr - (NV - 1) * VW; /* lanes of the last vector, 1..VW */
    vf alpha = v_set1(e->alpha);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
        vf bias = v_set1(e->bias ? e->bias[r] : 0.0f);
        float *cr = c + (size_t)r * ldc;
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) {
            vf t = e->alpha == 1.0f ? acc[r][v] : v_mul(alpha, acc[r][v]);
            if (e->load_c) t = v_add(t, v == NV - 1 ? v_ld_n(cr + v * VW, tail) : v_ld(cr + v * VW));
            acc[r][v] = v_add(t, bias);
        }
    }
    if (e->act != KN_ACT_NONE || (e->beta != 0.0f && e->beta != 1.0f)) {
        float t[UK_MR * UK_NV * VW] __attribute__((aligned(64)));
        KN_ISA(gemm_spill)(MR, NV, acc, t);
        KN_ISA(gemm_epilogue_rows)(MR, nr, t, NV * VW, c, ldc, e);
        return;
    }
    /* plain store, or C += t, the layer scale in registers too (fc2, proj: residual) */
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
        float *cr = c + (size_t)r * ldc;
        vf g = v_set1(e->gamma ? e->gamma[r] : 1.0f);
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) {
            vf t = e->gamma ? v_mul(acc[r][v], g) : acc[r][v];
            if (v < NV - 1 || tail == VW) {
                if (e->beta != 0.0f) t = v_add(t, v_ld(cr + v * VW));
                v_st(cr + v * VW, t);
            } else {
                if (e->beta != 0.0f) t = v_add(t, v_ld_n(cr + v * VW, tail));
                v_st_n(cr + v * VW, t, tail);
            }
        }
    }
}

/* The transposed tile's epilogue (gemm_t): column j of the mr x nr tile t (row stride
 * ldt) is the run c[j*ldc .. j*ldc + mr) of C, one vector (mr <= VW); bias and gamma
 * index columns. The same formula as gemm_tile's. */
static __attribute__((noinline)) void KN_ISA(gemm_epilogue_t)(int mr, int nr, const float *t, int ldt, float *c,
                                                           size_t ldc, const kn_gemm_epi *e) {
    const vf alpha = v_set1(e->alpha), beta = v_set1(e->beta);
    for (int j0 = 0; j0 < nr; j0 += 4) { /* four columns at a time: independent activation chains */
        int cols = nr - j0 < 4 ? nr - j0 : 4;
        vf x[4];
        for (int i = 0; i < cols; i++) {
            int j = j0 + i;
            x[i] = v_mul(alpha, v_ld_stride(t + j, ldt, mr));
            if (e->load_c) x[i] = v_add(x[i], v_ld_n(c + (size_t)j * ldc, mr));
            if (e->bias) x[i] = v_add(x[i], v_set1(e->bias[j]));
        }
        if (e->act != KN_ACT_NONE)
            for (int i = 0; i < cols; i++) x[i] = v_act(e->act, x[i]);
        for (int i = 0; i < cols; i++) {
            int j = j0 + i;
            float *cj = c + (size_t)j * ldc;
            if (e->gamma) x[i] = v_mul(x[i], v_set1(e->gamma[j]));
            if (e->beta != 0.0f) x[i] = v_fma(beta, v_ld_n(cj, mr), x[i]);
            v_st_n(cj, x[i], mr);
        }
    }
}

/* C^T tile: acc as gemm_tile's with A(r, k) at a[k*ska + r], stored through the stack
 * as columns (see gemm_epilogue_t). */
static inline __attribute__((always_inline)) void
KN_ISA(gemm_tile_t)(const int MR, const int NV, int nr, int kc, const float *restrict a, size_t ska,
                    const float *restrict b, size_t ldb, float *restrict c, size_t ldc,
                    const kn_gemm_epi *e) {
    vf acc[UK_MR][UK_NV];
    KN_ISA(gemm_acc)(MR, NV, kc, a, 0, ska, b, ldb, NULL, e->pf, e->pf_lines, acc);
    float t[UK_MR * UK_NV * VW] __attribute__((aligned(64)));
    KN_ISA(gemm_spill)(MR, NV, acc, t);
    KN_ISA(gemm_epilogue_t)(MR, nr, t, NV * VW, c, ldc, e);
}

/* The narrow tile (gemm_cols): S strips (1 or 2) of up to MR rows by NC <= UK_NC
 * columns, the rows along the vector lanes: per k one vector of each strip's A panel
 * step (its mr floats) times NC broadcasts of B. A ragged last B panel of a few
 * columns costs a whole row-major tile of VW columns per strip otherwise; here it costs
 * its own columns (two strips: 2*NC chains, enough to fill the FMA pipes). Strip 1's
 * rows follow strip 0's in C, bias and gamma. */
static inline __attribute__((always_inline)) void
KN_ISA(gemm_cols_tile)(const int S, const int NC, int mr0, int mr1, int kc, const float *restrict a0,
                       const float *restrict a1, size_t ska, const float *restrict b, size_t ldb,
                       float *restrict c, size_t ldc, const kn_gemm_epi *e) {
    vf acc[2][UK_NC];
#pragma GCC unroll 2
    for (int s = 0; s < S; s++)
#pragma GCC unroll 8
        for (int j = 0; j < NC; j++) acc[s][j] = v_zero();
    for (int k = 0; k < kc; k++) {
        vf av[2];
        av[0] = v_ld_lanes(a0 + (size_t)k * ska, 0, mr0);
        if (S > 1) av[1] = v_ld_lanes(a1 + (size_t)k * ska, 0, mr1);
#pragma GCC unroll 8
        for (int j = 0; j < NC; j++) {
            vf bj = v_set1(b[j]);
#pragma GCC unroll 2
            for (int s = 0; s < S; s++) acc[s][j] = v_fma(av[s], bj, acc[s][j]);
        }
        b += ldb;
    }
    /* the epilogue on columns (lanes are rows), from the stack (indexing acc at run time
     * would keep it in memory throughout the k loop); C's columns are strided: gathered,
     * and stored through the stack */
    float tile[2 * UK_NC * VW] __attribute__((aligned(64)));
#pragma GCC unroll 2
    for (int s = 0; s < S; s++)
#pragma GCC unroll 8
        for (int j = 0; j < NC; j++) v_st(tile + (s * UK_NC + j) * VW, acc[s][j]);
    const vf alpha = v_set1(e->alpha), beta = v_set1(e->beta);
    for (int s = 0; s < S; s++) {
        int r0 = s ? mr0 : 0, h = s ? mr1 : mr0;
        float *cs = c + (size_t)r0 * ldc;
        vf bias = e->bias ? v_ld_lanes(e->bias + r0, 0, h) : v_zero();
        vf gamma = e->gamma ? v_ld_lanes(e->gamma + r0, 0, h) : v_set1(1.0f);
        for (int j = 0; j < NC; j++) {
            vf x = v_mul(alpha, v_ld(tile + (s * UK_NC + j) * VW));
            if (e->load_c) x = v_add(x, v_ld_stride(cs + j, (int)ldc, h));
            x = v_act(e->act, v_add(x, bias));
            if (e->gamma) x = v_mul(x, gamma);
            if (e->beta != 0.0f) x = v_fma(beta, v_ld_stride(cs + j, (int)ldc, h), x);
            float t[VW] __attribute__((aligned(64)));
            v_st(t, x);
            for (int r = 0; r < h; r++) cs[(size_t)r * ldc + j] = t[r];
        }
    }
}
