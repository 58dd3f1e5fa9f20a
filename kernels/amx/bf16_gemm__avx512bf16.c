/* bf16_gemm__avx512bf16.c — the 14x32 bf16 micro-kernel on VDPBF16PS (AVX512-BF16,
 * e.g. Zen 4 or an Intel CPU without AMX): 28 zmm f32 accumulators; per k pair two
 * B vectors (32 columns) and one 32-bit broadcast of (W[r][k], W[r][k+1]) per row,
 * from the weight rows in place. One instantiation per row count, so edge tiles do
 * no wasted work along M. */
#include <string.h>
#include <immintrin.h>
#include "kernels/amx/bf16.h"

#define MR 14

static inline __attribute__((always_inline)) void
tile(const int R, int nr, int kpad, const kn_bf16 *restrict a, size_t lda, const kn_bf16 *restrict b,
     float *c, size_t ldc, const kn_gemm_epi *e) {
    __m512 acc[MR][2];
#pragma GCC unroll 14
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    const int kp = kpad / 2;
    for (int k = 0; k < kp; k++, b += 2 * KN_BF16_NR) {
        __m512bh b0 = (__m512bh)_mm512_load_si512(b), b1 = (__m512bh)_mm512_load_si512(b + KN_BF16_NR);
#pragma GCC unroll 14
        for (int r = 0; r < R; r++) {
            uint32_t pair;
            memcpy(&pair, a + r * lda + 2 * k, 4);
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)pair);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
        }
    }
    float t[MR * KN_BF16_NR] __attribute__((aligned(64)));
#pragma GCC unroll 14
    for (int r = 0; r < R; r++) {
        _mm512_store_ps(t + r * KN_BF16_NR, acc[r][0]);
        _mm512_store_ps(t + r * KN_BF16_NR + 16, acc[r][1]);
    }
    kn_bf16_epilogue__avx512(R, nr, t, KN_BF16_NR, c, ldc, e);
}

void kn_bf16_gemm_14x32__avx512bf16(int mr, int nr, int kpad, const kn_bf16 *a, size_t lda,
                                    const kn_bf16 *b, float *c, size_t ldc, const kn_gemm_epi *e) {
#define CASE(R) case R: tile(R, nr, kpad, a, lda, b, c, ldc, e); return;
    switch (mr) {
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7)
        CASE(8) CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14)
    default: return;
    }
#undef CASE
}

const kn_bf16_kernel kn_bf16_kernel_avx512bf16 = {
    .name = "bf16_gemm_14x32__avx512bf16", .aligned = 0, .mr = MR, .gemm = kn_bf16_gemm_14x32__avx512bf16,
};
