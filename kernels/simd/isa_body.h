/* isa_body.h — compiles the templates for one instruction set into its kernel table
 * (kn_simd_isa__<isa>). Included by isa__avx512.c, isa__avx2.c and isa_generic.c after
 * their vec_*.h, UK_MR, UK_NAME, UK_NAME_ROWS, UK_NAME_T, UK_NAME_OFF and UK_NAME_COLS
 * (the exported micro-kernels: A as a panel, A as rows in place, C^T from a k-strided A,
 * B rows by an offset table, the narrow tile of at most UK_NC columns), made from
 * template_gemm.h unless UK_OWN_KERNEL (then the file defines the first three and UK_NR,
 * and has neither of the last two). */
#include <math.h>
#include "kernels/simd/simd.h"
#include "kernels/simd/template_vmath.h"
#include "kernels/simd/template_ops.h"

#ifndef UK_OWN_KERNEL
#define UK_NV 2
#ifndef UK_NC
#define UK_NC 4 /* narrow-tile columns: 2*UK_NC accumulators */
#endif
#define UK_NR (UK_NV * VW)
#include "kernels/simd/template_gemm.h"

/* The instantiations for mr rows and ceil(nr/VW) vectors of a tile function called as
 * TILE(R, NV, nr, kc, ARGS...): A as a panel (lda 0, a constant, so the row pointers
 * vanish) or as rows read in place (row stride lda). */
#define UK_SWITCH(TILE, ...)                                                                  \
    switch (mr * 4 + (nr + VW - 1) / VW) {                                                    \
        UK_CASES(TILE, __VA_ARGS__)                                                           \
    default: return;                                                                          \
    }
#define UK_CASE(TILE, R, ...)                                                                 \
    case R * 4 + 1: KN_ISA(TILE)(R, 1, nr, kc, __VA_ARGS__); return;                            \
    case R * 4 + 2: KN_ISA(TILE)(R, 2, nr, kc, __VA_ARGS__); return;
#if UK_MR >= 14
#define UK_CASES(T, ...)                                                                      \
    UK_CASE(T, 1, __VA_ARGS__) UK_CASE(T, 2, __VA_ARGS__) UK_CASE(T, 3, __VA_ARGS__)            \
    UK_CASE(T, 4, __VA_ARGS__) UK_CASE(T, 5, __VA_ARGS__) UK_CASE(T, 6, __VA_ARGS__)            \
    UK_CASE(T, 7, __VA_ARGS__) UK_CASE(T, 8, __VA_ARGS__) UK_CASE(T, 9, __VA_ARGS__)            \
    UK_CASE(T, 10, __VA_ARGS__) UK_CASE(T, 11, __VA_ARGS__) UK_CASE(T, 12, __VA_ARGS__)         \
    UK_CASE(T, 13, __VA_ARGS__) UK_CASE(T, 14, __VA_ARGS__)
#else
#define UK_CASES(T, ...)                                                                      \
    UK_CASE(T, 1, __VA_ARGS__) UK_CASE(T, 2, __VA_ARGS__) UK_CASE(T, 3, __VA_ARGS__)            \
    UK_CASE(T, 4, __VA_ARGS__) UK_CASE(T, 5, __VA_ARGS__) UK_CASE(T, 6, __VA_ARGS__)
#endif
_Static_assert(UK_MR <= VW, "gemm_t stores a tile column as one vector");

/* C tile from an A panel. */
void UK_NAME(int mr, int nr, int kc, const float *a, const float *b, size_t ldb, float *c, size_t ldc,
             const kn_gemm_epi *e) {
    UK_SWITCH(gemm_tile, a, 0, b, ldb, NULL, c, ldc, e)
}
/* C tile from mr rows of A in place (row stride lda > 0). */
void UK_NAME_ROWS(int mr, int nr, int kc, const float *a, size_t lda, const float *b, size_t ldb, float *c,
                  size_t ldc, const kn_gemm_epi *e) {
    UK_SWITCH(gemm_tile, a, lda, b, ldb, NULL, c, ldc, e)
}
/* C^T tile: c[j*ldc + r] for the mr x nr tile, A(r, k) at a[k*ska + r] (ska >= mr). */
void UK_NAME_T(int mr, int nr, int kc, const float *a, size_t ska, const float *b, size_t ldb, float *c,
               size_t ldc, const kn_gemm_epi *e) {
    UK_SWITCH(gemm_tile_t, a, ska, b, ldb, c, ldc, e)
}
/* C tile from an A panel and B rows at b + boff[k] (a direct conv). */
void UK_NAME_OFF(int mr, int nr, int kc, const float *a, const float *b, const int *boff, float *c, size_t ldc,
                 const kn_gemm_epi *e) {
    UK_SWITCH(gemm_tile, a, 0, b, 0, boff, c, ldc, e)
}
#undef UK_SWITCH
#undef UK_CASES
#undef UK_CASE

/* Narrow tile: strips 0 and 1 (mr1 may be 0) of a panel form by nr <= UK_NC columns. */
#define UK_COLS_CASE(S, N)                                                                     \
    case S * 16 + N: KN_ISA(gemm_cols_tile)(S, N, mr0, mr1, kc, a0, a1, ska, b, ldb, c, ldc, e); return;
void UK_NAME_COLS(int mr0, int mr1, int nr, int kc, const float *a0, const float *a1, size_t ska, const float *b,
                  size_t ldb, float *c, size_t ldc, const kn_gemm_epi *e) {
    switch ((mr1 > 0 ? 2 : 1) * 16 + nr) {
        UK_COLS_CASE(1, 1) UK_COLS_CASE(1, 2) UK_COLS_CASE(1, 3) UK_COLS_CASE(1, 4)
        UK_COLS_CASE(2, 1) UK_COLS_CASE(2, 2) UK_COLS_CASE(2, 3) UK_COLS_CASE(2, 4)
#if UK_NC > 4
        UK_COLS_CASE(1, 5) UK_COLS_CASE(1, 6) UK_COLS_CASE(1, 7) UK_COLS_CASE(1, 8)
        UK_COLS_CASE(2, 5) UK_COLS_CASE(2, 6) UK_COLS_CASE(2, 7) UK_COLS_CASE(2, 8)
#endif
    default: return;
    }
}
#undef UK_COLS_CASE
#endif

static void KN_ISA(layernorm_cols_)(int c, int n, int p0, int p1, const float *x, const float *gamma,
                                    const float *beta, float eps, float *y) {
    KN_ISA(layernorm_cols)(c, n, p0, p1, x, gamma, beta, eps, y);
}

const kn_simd_isa KN_ISA(kn_simd_isa) = {
    .name = KN_ISA_NAME,
    .mr = UK_MR,
    .nr = UK_NR,
    .gemm = UK_NAME,
    .gemm_rows = UK_NAME_ROWS,
    .gemm_t = UK_NAME_T,
#ifdef UK_NAME_COLS
    .gemm_cols = UK_NAME_COLS,
    .nc = UK_NC,
#endif
#ifdef UK_NAME_OFF
    .gemm_off = UK_NAME_OFF,
#endif
    .im2col_row = KN_ISA(im2col_row),
    .affine_row = KN_ISA(affine_row),
    .axpy_row = KN_ISA(axpy_row),
    .epilogue_row = KN_ISA(epilogue_row),
    .sum_row = KN_ISA(sum_row),
    .dot_row = KN_ISA(dot_row),
    .layernorm_cols = KN_ISA(layernorm_cols_),
    .dwconv_plane = KN_ISA(dwconv_plane),
    .dwconv_planes = KN_ISA(dwconv_planes),
    .softmax_rows = KN_ISA(softmax_rows),
    .softmax_cols = KN_ISA(softmax_cols),
    .sta_pool_chans = KN_ISA(sta_pool_chans),
    .sta_associate_rows = KN_ISA(sta_associate_rows),
    .sta_z = KN_ISA(sta_z),
    .sta_aggregate_chans = KN_ISA(sta_aggregate_chans),
    .sta_upsample_chans = KN_ISA(sta_upsample_chans),
};
