/* simd.h — internals of the `simd` backend, shared with `omp` and `blas`.
 *
 * Every op here takes (part, nparts): it does part `part` of `nparts` equal shares of
 * the work, so the single-threaded backend calls it with (0, 1) and the OpenMP backend
 * calls it once per thread. Parts never write the same output element.
 *
 * The per-ISA code (vectorised element loops and the GEMM micro-kernel) is written
 * once in templates (vec_*.h, template_*.h) and compiled three times: isa__avx512.c,
 * isa__avx2.c, isa_generic.c. The active table is picked at first use from the CPU's
 * features; STVIT_ISA=avx512|avx2|generic overrides it.
 */
#ifndef KN_SIMD_H
#define KN_SIMD_H
#include <stddef.h>
#include "kernels/kernels.h"

/* How a GEMM micro-kernel finishes its mr x nr tile (rows are output rows):
 *   t = alpha * acc  (+ C if load_c: a K-split continuation, before the activation)
 *   t = act(t + bias[r]) * gamma[r]
 *   C = (beta != 0 ? beta * C : 0) + t          (C is not read when beta == 0)
 * bias and gamma point at the tile's first row (or are NULL). */
typedef struct {
    float alpha, beta;
    const float *bias, *gamma;
    kn_act act;
    int load_c;
} kn_gemm_epi;

/* C[mr x nr] (row stride ldc) from a packed A panel (kc x MR, k-major, MR values per k)
 * and a packed B panel (kc x NR, NR values per k); mr <= MR, nr <= NR. */
typedef void (*kn_gemm_ukernel)(int mr, int nr, int kc, const float *a, const float *b,
                                float *c, size_t ldc, const kn_gemm_epi *e);

/* One instruction set's kernels. Element ops work on rows of contiguous floats. */
typedef struct kn_simd_isa {
    const char *name;
    int mr, nr;                 /* GEMM micro-tile */
    kn_gemm_ukernel gemm;
    /* y[i] = act(x[i] * scale + shift) for i < n (in-place allowed) */
    void (*affine_row)(int n, const float *x, float scale, float shift, kn_act act, float *y);
    /* y[i] += g * x[i] */
    void (*axpy_row)(int n, float g, const float *x, float *y);
    float (*sum_row)(int n, const float *x);
    /* LayerNorm over c channels (stride n) of pixels [p0, p1) of one image */
    void (*layernorm_cols)(int c, int n, int p0, int p1, const float *x, const float *gamma,
                           const float *beta, float eps, float *y);
    /* Depthwise k x k (stride 1, pad k/2) on one h x w plane: y = [x] + dw(x) + bias */
    void (*dwconv_plane)(int h, int w, int k, const float *x, const float *wt, float bias,
                         int add_input, float *y);
    /* Softmax of `rows` rows of n floats (row stride ld), in place, after scaling by s */
    void (*softmax_rows)(int rows, int n, float s, float *x, size_t ld);
    /* STA association of pixel rows [y0, y1) of one image (see kernels.h) */
    void (*sta_associate_rows)(const kn_sta_shape *g, int y0, int y1, const float *x,
                               const float *s, float scale, float *a);
    /* STA upsampling of channels [c0, c1) of one image */
    void (*sta_upsample_chans)(const kn_sta_shape *g, int c0, int c1, const float *a,
                               const float *s, float *y);
} kn_simd_isa;

extern const kn_simd_isa kn_simd_isa_avx512, kn_simd_isa_avx2, kn_simd_isa_generic;

/* The table in use (picked once; see isa.c). */
const kn_simd_isa *kn_simd_isa_active(void);
/* The table for "avx512" | "avx2" | "generic" if this CPU runs it, else NULL. */
const kn_simd_isa *kn_simd_isa_by_name(const char *name);
/* Forces the table (tests); NULL restores the automatic choice. */
void kn_simd_isa_force(const kn_simd_isa *isa);

/* [lo, hi) of part `part` of n items split in nparts nearly equal shares. */
static inline void kn_split(int n, int part, int nparts, int *lo, int *hi) {
    *lo = (int)((long long)n * part / nparts);
    *hi = (int)((long long)n * (part + 1) / nparts);
}

/* --- GEMM driver (gemm.c) ------------------------------------------------------- */

/* Fills a packed A block (rows [i0, i0+mc) in MR-row panels, k in [k0, k0+kc)) or
 * a packed B block (columns [j0, j0+nc) in NR-column panels); panels are zero-padded. */
typedef void (*kn_pack_fn)(const void *src, int mr_or_nr, int i0, int n, int k0, int kc,
                           float *dst);

/* A GEMM C[M x N] = A[M x K] B[K x N] with an epilogue whose bias/gamma index rows. */
typedef struct {
    int M, N, K;
    kn_pack_fn pack_a, pack_b;
    const void *a_src, *b_src;
    float *c;
    size_t ldc;
    float alpha, beta;
    const float *bias, *gamma;
    kn_act act;
} kn_gemm_problem;

/* Sources for plain matrices (pack_a/pack_b given by kn_pack_a_matrix / _b_matrix). */
typedef struct {
    const float *p;
    int ld, trans;
} kn_matrix_src;
void kn_pack_a_matrix(const void *src, int mr, int i0, int mc, int k0, int kc, float *dst);
void kn_pack_b_matrix(const void *src, int nr, int j0, int nc, int k0, int kc, float *dst);

/* Runs rows [m0, m1) x columns [n0, n1) of the problem on this thread. */
void kn_gemm_run(const kn_gemm_problem *p, int m0, int m1, int n0, int n1);
/* Runs part `part` of nparts: splits C along the dimension that balances best. */
void kn_gemm_run_part(const kn_gemm_problem *p, int part, int nparts);

/* --- ops, each doing part `part` of nparts -------------------------------------- */
void kn_simd_gemm_part(int trans_a, int trans_b, int M, int N, int K, float alpha,
                       const float *A, int lda, const float *B, int ldb, float beta,
                       float *C, int ldc, int part, int nparts);
void kn_simd_pointwise_part(const kn_pointwise_args *a, int part, int nparts);
void kn_simd_conv_part(const kn_conv_args *a, int part, int nparts);
void kn_simd_linear_part(int batch, int in, int out, const float *x, const float *w,
                         const float *bias, float *y, int part, int nparts);
void kn_simd_attention_part(const kn_attention_args *a, int part, int nparts);
size_t kn_simd_attention_scratch(int batch, int heads, int hd, int m, int threads);

void kn_simd_dwconv_part(const kn_dwconv_args *a, int part, int nparts);
void kn_simd_layernorm_part(int batch, int c, int n, const float *x, const float *gamma,
                            const float *beta, float eps, float *y, int part, int nparts);
void kn_simd_batchnorm_part(int batch, int c, int n, const float *x, const float *mean,
                            const float *var, const float *gamma, const float *beta,
                            float eps, kn_act act, float *y, int part, int nparts);
void kn_simd_affine_part(int batch, int c, int n, const float *x, const float *scale,
                         const float *shift, kn_act act, float *y, int part, int nparts);
void kn_simd_activation_part(size_t count, kn_act act, const float *x, float *y,
                             int part, int nparts);
void kn_simd_scale_add_part(int batch, int c, int n, const float *x, const float *gamma,
                            float *y, int part, int nparts);
void kn_simd_avgpool_part(int batch, int c, int n, const float *x, float *y,
                          int part, int nparts);
void kn_simd_sta_pool_part(const kn_sta_shape *g, const float *x, float *s, int part, int nparts);
void kn_simd_sta_associate_part(const kn_sta_shape *g, const float *x, const float *s,
                                float scale, float *a, int part, int nparts);
void kn_simd_sta_aggregate_part(const kn_sta_shape *g, const float *x, const float *a,
                                float *s, float *z, int part, int nparts);
void kn_simd_sta_upsample_part(const kn_sta_shape *g, const float *a, const float *s,
                               float *y, int part, int nparts);

extern const kn_backend kn_backend_simd;
#endif
