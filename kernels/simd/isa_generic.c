/* isa_generic.c — the simd kernels as portable C (width-1 vectors), for CPUs without
 * AVX2. The GEMM tile is plain C the compiler may vectorise with the baseline ISA. */
#include "kernels/simd/vec_generic.h"
#include "kernels/simd/simd.h"
#define KN_ISA_NAME "generic"
#define UK_MR 4
#define UK_NR 16
#define UK_NAME kn_gemm_f32_4x16__generic
#define UK_NAME_ROWS kn_gemm_f32_4x16_rows__generic
#define UK_NAME_T kn_gemm_f32_4x16_t__generic
#define UK_OWN_KERNEL

void kn_gemm_f32_4x16__generic(int mr, int nr, int kc, const float *a, const float *b, size_t ldb,
                               float *c, size_t ldc, const kn_gemm_epi *e);
void kn_gemm_f32_4x16_rows__generic(int mr, int nr, int kc, const float *a, size_t lda, const float *b,
                                    size_t ldb, float *c, size_t ldc, const kn_gemm_epi *e);
void kn_gemm_f32_4x16_t__generic(int mr, int nr, int kc, const float *a, size_t ska, const float *b, size_t ldb,
                                 float *c, size_t ldc, const kn_gemm_epi *e);

#include "kernels/simd/isa_body.h"

/* A(r, k) at a[r*lda + k] (rows in place) or, with lda 0, a[k*ska + r] (a panel: ska
 * UK_MR); element (r, j) of C at c[r*ldc + j], or at c[j*ldc + r] if trans (then bias
 * and gamma index j). */
static void tile(int mr, int nr, int kc, const float *a, size_t lda, size_t ska, const float *b, size_t ldb,
                 float *c, size_t ldc, int trans, const kn_gemm_epi *e) {
    float acc[UK_MR][UK_NR] = {{0}};
    for (int k = 0; k < kc; k++, b += ldb)
        for (int r = 0; r < mr; r++) {
            float ark = lda ? a[r * lda + k] : a[(size_t)k * ska + r];
            for (int j = 0; j < nr; j++) acc[r][j] += ark * b[j];
        }
    for (int r = 0; r < mr; r++)
        for (int j = 0; j < nr; j++) {
            float *cp = trans ? c + (size_t)j * ldc + r : c + (size_t)r * ldc + j;
            int ch = trans ? j : r; /* the row of the epilogue's vectors */
            float t = e->alpha * acc[r][j];
            if (e->load_c) t += *cp;
            if (e->bias) t += e->bias[ch];
            t = v_act(e->act, t);
            if (e->gamma) t *= e->gamma[ch];
            *cp = e->beta != 0.0f ? e->beta * *cp + t : t;
        }
}

void kn_gemm_f32_4x16__generic(int mr, int nr, int kc, const float *a, const float *b, size_t ldb,
                               float *c, size_t ldc, const kn_gemm_epi *e) {
    tile(mr, nr, kc, a, 0, UK_MR, b, ldb, c, ldc, 0, e);
}

void kn_gemm_f32_4x16_rows__generic(int mr, int nr, int kc, const float *a, size_t lda, const float *b,
                                    size_t ldb, float *c, size_t ldc, const kn_gemm_epi *e) {
    tile(mr, nr, kc, a, lda, 0, b, ldb, c, ldc, 0, e);
}

void kn_gemm_f32_4x16_t__generic(int mr, int nr, int kc, const float *a, size_t ska, const float *b, size_t ldb,
                                 float *c, size_t ldc, const kn_gemm_epi *e) {
    tile(mr, nr, kc, a, 0, ska, b, ldb, c, ldc, 1, e);
}
