/* bf16.h — bf16 GEMM kernels with f32 accumulation: AMX (TDPBF16PS) and AVX512-BF16
 * (VDPBF16PS), with the f32 backends' fused epilogue (kernels/simd/simd.h kn_gemm_epi).
 *
 * C[M x N] = W[M x K] X[K x N] per image (NCHW: X is [channels][pixels]).
 * Layouts, shared by both micro-kernels:
 *   weights  A: bf16 row-major [mpad][kpad], kpad = roundup(K, 32), mpad = roundup(M, 32),
 *               zero padded; packed once (from f32 or from bf16 without a detour).
 *               An AMX A tile is 16 rows x 32 bf16 read in place; VDPBF16PS broadcasts
 *               one row's (k, k+1) pair as a 32-bit word.
 *   B panel:    32 columns of X as VNNI pairs, [kpad/2][32][2] bf16: row kp holds
 *               (X[2kp][j], X[2kp+1][j]) for j < 32, zero past N and K. Packed per call
 *               from f32 (rows, transposed rows or im2col) into caller scratch. An AMX
 *               B tile is 16 of those rows x 16 columns (stride 128 bytes).
 * bf16 is float's top 16 bits, rounded to nearest even (unit roundoff u = 2^-8).
 * Nothing here allocates.
 */
#ifndef KN_BF16_H
#define KN_BF16_H
#include <stddef.h>
#include <stdint.h>
#include "kernels/kernels.h"
#include "kernels/simd/simd.h"

typedef uint16_t kn_bf16;

#define KN_BF16_NR 32  /* columns per B panel */
#define KN_BF16_KQ 32  /* K padding quantum (an AMX tile row) */
#define KN_BF16_MQ 32  /* M padding quantum (the AMX kernel's 32 rows) */

/* --- conversion and weight packing (bf16_pack.c) ------------------------------- */
kn_bf16 kn_bf16_from_f32(float x); /* round to nearest even; NaN stays NaN */
float kn_bf16_to_f32(kn_bf16 h);

static inline int kn_bf16_kpad(int K) { return (K + KN_BF16_KQ - 1) / KN_BF16_KQ * KN_BF16_KQ; }
static inline int kn_bf16_mpad(int M) { return (M + KN_BF16_MQ - 1) / KN_BF16_MQ * KN_BF16_MQ; }

typedef struct {
    int M, K, mpad, kpad;
    const kn_bf16 *w; /* [mpad][kpad] */
} kn_bf16_weights;

/* bf16 elements of packed weights for M x K. */
size_t kn_bf16_weights_elems(int M, int K);
/* Packs w (M rows of K, row stride ldw) into dst (kn_bf16_weights_elems) and fills *out. */
void kn_bf16_pack_weights_f32(int M, int K, const float *w, size_t ldw, kn_bf16 *dst,
                              kn_bf16_weights *out);
/* The same from bf16 weights (a BF16 weight file): copied, not rounded twice. */
void kn_bf16_pack_weights_bf16(int M, int K, const kn_bf16 *w, size_t ldw, kn_bf16 *dst,
                               kn_bf16_weights *out);

/* --- the GEMM problem and its B source ------------------------------------------ */
typedef struct {
    int batch, N;
    const kn_bf16_weights *a;
    /* B of image b: conv != NULL: im2col of conv->x (N = oh*ow, K = cin*k*k);
     * else trans_b ? B(k, j) = b[j*ldb + k] : B(k, j) = b[k*ldb + j], at b + b*b_stride */
    const float *b;
    size_t ldb, b_stride;
    int trans_b;
    const kn_conv_args *conv;
    float *c;           /* [batch][M][ldc] */
    size_t ldc, c_stride;
    float alpha, beta;
    const float *bias, *gamma; /* [M] or NULL */
    kn_act act;
} kn_bf16_problem;

/* bf16 elements of one B panel (per thread) for this K. */
static inline size_t kn_bf16_panel_elems(int K) { return (size_t)kn_bf16_kpad(K) * KN_BF16_NR; }

/* --- AVX-512 helpers (bf16_panel__avx512.c) ------------------------------------- */
/* Panel of columns [j0, j0 + nc) (nc <= 32) of image b's B, k in [0, kpad). */
void kn_bf16_pack_panel__avx512(const kn_bf16_problem *p, int b, int j0, int nc, kn_bf16 *dst);
/* C rows (mr x nr, stride ldc) from the f32 sums t (row stride ldt) through the
 * epilogue e (alpha, bias, act, gamma, beta; load_c unused: K is never split). */
void kn_bf16_epilogue__avx512(int mr, int nr, const float *t, int ldt, float *c, size_t ldc,
                              const kn_gemm_epi *e);

/* --- micro-kernels --------------------------------------------------------------- */
/* C[mr x nr] = epilogue(A rows (lda bf16 apart, kpad each) x B panel), whole K. */
typedef void (*kn_bf16_ukernel)(int mr, int nr, int kpad, const kn_bf16 *a, size_t lda,
                                const kn_bf16 *b, float *c, size_t ldc, const kn_gemm_epi *e);
void kn_bf16_gemm_14x32__avx512bf16(int mr, int nr, int kpad, const kn_bf16 *a, size_t lda,
                                    const kn_bf16 *b, float *c, size_t ldc, const kn_gemm_epi *e);
void kn_bf16_gemm_32x32__amx(int mr, int nr, int kpad, const kn_bf16 *a, size_t lda,
                             const kn_bf16 *b, float *c, size_t ldc, const kn_gemm_epi *e);
/* Loads the AMX tile configuration of the 32x32 kernel on this thread; releases it. */
void kn_bf16_amx_begin(void);
void kn_bf16_amx_end(void);

typedef struct {
    const char *name;
    int mr;              /* rows per micro-tile */
    int aligned;         /* 1: strips start at multiples of mr (reads padding rows) */
    kn_bf16_ukernel gemm;
    void (*begin)(void), (*end)(void); /* per-thread setup around a run, or NULL */
} kn_bf16_kernel;

extern const kn_bf16_kernel kn_bf16_kernel_avx512bf16, kn_bf16_kernel_amx;

/* --- driver (bf16_gemm.c) --------------------------------------------------------- */
/* Images [b0, b1), rows [m0, m1) (m0 a multiple of k->mr if k->aligned), columns
 * [n0, n1), with panel scratch of kn_bf16_panel_elems(K), 64-byte aligned. */
void kn_bf16_gemm_run(const kn_bf16_problem *p, const kn_bf16_kernel *k, int b0, int b1,
                      int m0, int m1, int n0, int n1, kn_bf16 *panel);
/* Part `part` of nparts, split along rows, images or panels, whichever balances best. */
void kn_bf16_gemm_run_part(const kn_bf16_problem *p, const kn_bf16_kernel *k, int part,
                           int nparts, kn_bf16 *panel);

/* --- CPU and OS support (bf16_cpu.c) --------------------------------------------- */
/* 1 if usable; else 0 and *why names what is missing (CPUID bit, OS state or the
 * STVIT_NO_BF16 switch). */
int kn_bf16_cpu_avx512bf16(const char **why);
int kn_bf16_cpu_amx(const char **why);
/* Asks Linux for the AMX tile data state (arch_prctl ARCH_REQ_XCOMP_PERM) once per
 * process: 0, or -1 with *why saying it was refused. */
int kn_bf16_amx_request(const char **why);

#endif
