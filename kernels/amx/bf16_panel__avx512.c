/* bf16_panel__avx512.c — the AVX-512F parts shared by both bf16 kernels: packing f32
 * activations into VNNI bf16 B panels (rounded to nearest even while packing), and
 * the fused f32 epilogue on the vectorised GELU/Swish of kernels/simd. */
#include <string.h>
#include "kernels/amx/bf16.h"
#include "kernels/simd/vec_avx512.h"
#include "kernels/simd/template_vmath.h"

/* float bits + rounding to nearest even at bit 16: the bf16 is the upper half.
 * (No NaN handling: activations of a finite network are finite.) */
static inline __m512i rne_upper(__m512 x) {
    __m512i u = _mm512_castps_si512(x);
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    return _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
}

/* 16 columns of rows k and k+1 as (X[k][j], X[k+1][j]) pairs. */
static inline void store_pairs(kn_bf16 *d, __m512 x0, __m512 x1) {
    __m512i lo = _mm512_srli_epi32(rne_upper(x0), 16);
    __m512i hi = _mm512_and_si512(rne_upper(x1), _mm512_set1_epi32((int)0xffff0000u));
    _mm512_storeu_si512(d, _mm512_or_si512(lo, hi));
}

/* Row k of image b's B, columns [j0, j0+nc), into row (32 floats, zero past nc). */
static void b_row(const kn_bf16_problem *p, int b, int k, int j0, int nc, float *row) {
    if (p->conv) {
        const kn_conv_args *cv = p->conv;
        kn_im2col_row(&kn_simd_isa__avx512, cv, cv->x + (size_t)b * cv->cin * cv->h * cv->w, k, j0, nc, row);
    } else {
        const float *B = p->b + (size_t)b * p->b_stride;
        for (int j = 0; j < nc; j++) row[j] = B[(size_t)(j0 + j) * p->ldb + k];
    }
    for (int j = nc; j < KN_BF16_NR; j++) row[j] = 0.0f;
}

void kn_bf16_pack_panel__avx512(const kn_bf16_problem *p, int b, int j0, int nc, kn_bf16 *dst) {
    const int K = p->a->K, kpad = p->a->kpad;
    const __mmask16 m0 = (__mmask16)(nc >= 16 ? 0xffffu : (1u << nc) - 1u);
    const __mmask16 m1 = (__mmask16)(nc >= 32 ? 0xffffu : nc <= 16 ? 0u : (1u << (nc - 16)) - 1u);
    float rows[2][KN_BF16_NR] __attribute__((aligned(64)));
    for (int k = 0; k < kpad; k += 2, dst += 2 * KN_BF16_NR) {
        __m512 x[2][2];
        for (int i = 0; i < 2; i++) {
            int kk = k + i;
            if (kk >= K) {
                x[i][0] = x[i][1] = _mm512_setzero_ps();
            } else if (!p->conv && !p->trans_b) { /* rows in place */
                const float *src = p->b + (size_t)b * p->b_stride + (size_t)kk * p->ldb + j0;
                x[i][0] = _mm512_maskz_loadu_ps(m0, src);
                x[i][1] = _mm512_maskz_loadu_ps(m1, src + 16);
            } else {
                b_row(p, b, kk, j0, nc, rows[i]);
                x[i][0] = _mm512_load_ps(rows[i]);
                x[i][1] = _mm512_load_ps(rows[i] + 16);
            }
        }
        store_pairs(dst, x[0][0], x[1][0]);
        store_pairs(dst + KN_BF16_NR, x[0][1], x[1][1]);
    }
}

void kn_bf16_epilogue__avx512(int mr, int nr, const float *t, int ldt, float *c, size_t ldc,
                              const kn_gemm_epi *e) {
    const vf alpha = v_set1(e->alpha), beta = v_set1(e->beta);
    for (int r = 0; r < mr; r++) {
        const vf bias = v_set1(e->bias ? e->bias[r] : 0.0f), g = v_set1(e->gamma ? e->gamma[r] : 1.0f);
        float *cr = c + (size_t)r * ldc;
        for (int q = 0; q < nr; q += VW) {
            int n = nr - q < VW ? nr - q : VW;
            vf v = v_ld(t + (size_t)r * ldt + q);
            if (e->alpha != 1.0f) v = v_mul(v, alpha);
            v = v_act(e->act, v_add(v, bias));
            if (e->gamma) v = v_mul(v, g);
            if (e->beta != 0.0f) v = v_fma(beta, v_ld_n(cr + q, n), v);
            v_st_n(cr + q, v, n);
        }
    }
}
