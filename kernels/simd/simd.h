/* simd.h — internals of the `simd` backend, shared with `omp` and `blas`.
 *
 * Every op here takes (part, nparts): it does part `part` of `nparts` equal shares of
 * the work, so the single-threaded backend calls it with (0, 1) and the OpenMP backend
 * calls it once per thread. Parts never write the same output element.
 *
 * The per-ISA code (vectorised element loops and the GEMM micro-kernel) is written
 * once in templates (vec_*.h, template_*.h) and compiled three times: isa__avx512.c,
 * isa__avx2.c, isa_generic.c. Each instance (kn_ctx) holds its table in ctx->isa, picked
 * by kn_simd_ctx_init: the backend entry's ISA (simd-avx2, ...), else STVIT_ISA, else the
 * best this CPU runs. Scratch: every part owns KN_SIMD_SCRATCH floats of the ctx's
 * scratch (kn_ctx_my_scratch(ctx): by thread, not by part).
 */
#ifndef KN_SIMD_H
#define KN_SIMD_H
#include <stddef.h>
#include "kernels/kernels.h"

/* How a GEMM micro-kernel finishes its mr x nr tile (rows are output rows):
 *   t = alpha * acc  (+ C if load_c: a K-split continuation, before the activation)
 *   t = act(t + bias[r]) * gamma[r]
 *   C = (beta != 0 ? beta * C : 0) + t          (C is not read when beta == 0)
 * bias and gamma point at the tile's first row (or are NULL). Besides: pf_lines cache
 * lines from pf (at most 2 per k step), memory a later tile streams (the next weight
 * panel), fetched into L2 one or two lines per k step while this tile computes: a
 * weight read once per pass comes from DRAM, and the hardware alone keeps too few
 * misses in flight to hide it. */
typedef struct {
    float alpha, beta;
    const float *bias, *gamma;
    kn_act act;
    int load_c;
    const char *pf;
    int pf_lines;
} kn_gemm_epi;

/* C[mr x nr] (row stride ldc) += an A panel (kc steps of MR floats: rows 0..mr-1 of
 * step k are A(r, k); packed once with the weights, or per call) times a B panel of
 * kc rows of NR floats (row stride ldb: NR when packed; a full panel of a plain B is
 * used in place); mr <= MR, nr <= NR. One A stream: the kernel needs no row pointers. */
typedef void (*kn_gemm_ukernel)(int mr, int nr, int kc, const float *a, const float *b, size_t ldb,
                                float *c, size_t ldc, const kn_gemm_epi *e);
/* The same with mr rows of A read in place (row stride lda): a plain A that is not a
 * prepared weight, where packing would cost as much as it saves. */
typedef void (*kn_gemm_ukernel_rows)(int mr, int nr, int kc, const float *a, size_t lda, const float *b,
                                     size_t ldb, float *c, size_t ldc, const kn_gemm_epi *e);
/* The transposed tile (token-major 1x1 convs): A(r, k) at a[k*ska + r] (tokens r of an
 * activation read in place, ska its token stride), and the mr x nr result stored as C^T:
 * element (r, j) at c[j*ldc + r]; bias and gamma index columns j. mr <= VW. */
typedef void (*kn_gemm_ukernel_t)(int mr, int nr, int kc, const float *a, size_t ska, const float *b,
                                  size_t ldb, float *c, size_t ldc, const kn_gemm_epi *e);
/* C[mr x nr] from an A panel (as kn_gemm_ukernel) and B row k at b + boff[k]: a direct
 * stride-1 conv reading its input rows in place (each (ci, ky, kx) one offset). */
typedef void (*kn_gemm_ukernel_off)(int mr, int nr, int kc, const float *a, const float *b, const int *boff,
                                    float *c, size_t ldc, const kn_gemm_epi *e);
/* The narrow tile (a ragged last B panel of nr <= nc columns): strip 0 (mr0 rows, A(r, k)
 * at a0[k*ska + r]) and strip 1 (mr1 rows, may be 0; at a1), both <= VW, its rows after
 * strip 0's in C (row-major, row stride ldc), bias and gamma. */
typedef void (*kn_gemm_ukernel_cols)(int mr0, int mr1, int nr, int kc, const float *a0, const float *a1,
                                     size_t ska, const float *b, size_t ldb, float *c, size_t ldc,
                                     const kn_gemm_epi *e);

/* Widest padded image row the super-token kernels take (their row buffers are on
 * the stack); wider images use the naive loops. */
#define KN_STA_WMAX 1024

/* Scratch floats of dwconv_planes: k 0/1 column masks, the plane and its halos. */
#define KN_DW_BUF_FLOATS(h, w, k) ((size_t)((k) + 1) * (h) * (w) + 2 * (size_t)((k) / 2 * ((w) + 1)) + 64)

/* One instruction set's kernels. Element ops work on rows of contiguous floats;
 * image ops on one image (pointers at that image), over the given range. */
typedef struct kn_simd_isa {
    const char *name;
    int mr, nr;                 /* GEMM micro-tile */
    kn_gemm_ukernel gemm;
    kn_gemm_ukernel_rows gemm_rows;
    kn_gemm_ukernel_t gemm_t;
    kn_gemm_ukernel_cols gemm_cols; /* NULL: ragged panels go through gemm */
    int nc;                         /* widest narrow tile */
    kn_gemm_ukernel_off gemm_off;   /* NULL: kxk convs only through im2col */
    /* row kg of the im2col matrix of image x, output pixels [j0, j0+cols), pixel j0+t at
     * dst[(t / pw) * ps + t % pw] (panels of pw columns, ps floats apart; a plain row
     * when pw >= cols); 0 in the padding */
    void (*im2col_row)(const kn_conv_args *cv, const float *x, int kg, int j0, int cols, int pw, size_t ps,
                       float *dst);
    /* y[i] = act(x[i] * scale + shift) for i < n (in-place allowed) */
    void (*affine_row)(int n, const float *x, float scale, float shift, kn_act act, float *y);
    /* y[i] = (accumulate ? y[i] : 0) + gamma * act(t[i] + bias); t may be y if !accumulate */
    void (*epilogue_row)(int n, const float *t, float bias, kn_act act, float gamma,
                         int accumulate, float *y);
    /* y[i] += g * x[i] */
    void (*axpy_row)(int n, float g, const float *x, float *y);
    float (*sum_row)(int n, const float *x);
    float (*dot_row)(int n, const float *x, const float *y);
    /* LayerNorm over c channels (stride n) of pixels [p0, p1) */
    void (*layernorm_cols)(int c, int n, int p0, int p1, const float *x, const float *gamma,
                           const float *beta, float eps, float *y);
    /* Depthwise k x k (k <= 7, stride 1, pad k/2): y = [x] + dw(x) + bias, on one h x w
     * plane through padded row copies (any size), or on `planes` consecutive planes
     * (weights wt + i*k*k, bias[i]) flattened, with buf of KN_DW_BUF_FLOATS floats */
    void (*dwconv_plane)(int h, int w, int k, const float *x, const float *wt, float bias,
                         int add_input, float *y);
    void (*dwconv_planes)(int h, int w, int k, int planes, const float *x, const float *wt,
                          const float *bias, int add_input, float *y, float *buf);
    /* x = softmax(x + bias) over each of `rows` rows of n floats (row strides ld, ldb;
     * bias may be NULL), in place */
    void (*softmax_rows)(int rows, int n, float *x, size_t ld, const float *bias, size_t ldb);
    /* each of `cols` columns of an n x cols block (row stride ld) = its softmax, in place */
    void (*softmax_cols)(int n, int cols, float *x, size_t ld);
    /* STA (kernels.h), w <= KN_STA_WMAX: pooling of channels [c0, c1); association of
     * cell rows [cy0, cy1); z; aggregation and upsampling of channels [c0, c1). */
    void (*sta_pool_chans)(const kn_sta_shape *g, int c0, int c1, const float *x, float *s);
    void (*sta_associate_rows)(const kn_sta_shape *g, int cy0, int cy1, const float *x,
                               const float *s, float scale, float *a);
    void (*sta_z)(const kn_sta_shape *g, const float *a, float *z);
    void (*sta_aggregate_chans)(const kn_sta_shape *g, int c0, int c1, const float *x,
                                const float *a, const float *z, float *s);
    void (*sta_upsample_chans)(const kn_sta_shape *g, int c0, int c1, const float *a,
                               const float *s, float *y);
} kn_simd_isa;

extern const kn_simd_isa kn_simd_isa__avx512, kn_simd_isa__avx2, kn_simd_isa__generic;

/* The table of an instance of a simd-family backend. */
#define KN_SIMD_ISA(ctx) ((const kn_simd_isa *)(ctx)->isa)
/* The table for "avx512" | "avx2" | "generic" if this CPU runs it, else NULL and `why`
 * (may be NULL) names the CPU features it lacks. */
const kn_simd_isa *kn_simd_isa_by_name(const char *name, char *why, size_t cap);
/* The best table this CPU runs. */
const kn_simd_isa *kn_simd_isa_best(void);
/* Hooks shared by the simd family: supported (the entry's ISA runs here) and ctx_init
 * (ctx->isa), scratch (KN_SIMD_SCRATCH per thread). */
int kn_simd_supported(const kn_backend *self, char *why, size_t cap);
int kn_simd_ctx_init(kn_ctx *ctx);
void kn_simd_scratch(const kn_ctx *ctx, size_t *per_thread, size_t *shared);

/* Per-part scratch of the simd kernels, in floats: the GEMM's packing buffers (a
 * transposed A block, in L2 with B; packed B panels); dwconv reuses it. */
#define KN_PACK_A (96 * 1024)
#define KN_PACK_B (64 * 1024)
#define KN_SIMD_SCRATCH (KN_PACK_A + KN_PACK_B)

/* [lo, hi) of part `part` of n items split in nparts nearly equal shares. */
static inline void kn_split(int n, int part, int nparts, int *lo, int *hi) {
    *lo = (int)((long long)n * part / nparts);
    *hi = (int)((long long)n * (part + 1) / nparts);
}
/* Cost share of the largest of nparts parts when `units` equal units are dealt out
 * whole (1 = even; huge for no units). */
static inline double kn_imbalance(int units, int nparts) {
    int per = (units + nparts - 1) / nparts;
    return units <= 0 ? 1e9 : (double)per * nparts / units;
}

/* --- GEMM driver (gemm.c) ------------------------------------------------------- */

/* A batch of GEMMs C_b[M x N] = alpha A[M x K] B_b[K x N] with an epilogue (bias and
 * gamma index rows; see kn_gemm_epi), A shared by every image b. B is either a plain
 * matrix (b_ptr, ldb, trans_b; image b at b_ptr + b*b_stride) or packed by a callback
 * (pack_b; e.g. im2col for convolutions). */
typedef struct kn_gemm_problem kn_gemm_problem;
/* A weight matrix W (M x K) prepared once by the simd family's prepare hook, in one of
 * two forms (mr, nr say which, and for which ISA's tile):
 *   row panels (mr > 0, nr 0): the A operand. Panel s holds rows [s*MR, s*MR+MR) as K
 *     steps of MR floats (rows past M zero), at data + s*K*MR.
 *   column panels (nr > 0, mr 0): W^T as the B operand of a token-major 1x1 conv
 *     (kn_gemm_tokens). Panel q holds rows [q*NR, q*NR+NR) of W as K steps of NR floats
 *     (rows past M zero), at data + q*K*NR. */
typedef struct {
    int M, K, mr, nr;
    float data[];
} kn_simd_panels;
/* Bytes of M x K as panels of `width` rows, and packing row-major w (row stride ldw) into
 * them: row panels for width = mr (cols 0), column panels for width = nr (cols 1). */
size_t kn_simd_panels_size(int M, int K, int width);
void kn_simd_pack_panels(int M, int K, int width, int cols, const float *w, size_t ldw, kn_simd_panels *dst);
/* Tokens per image up to which a 1x1 conv's weight is prepared as column panels: fewer
 * than a few NR-wide column panels per image waste lanes along N the other way round. */
#define KN_TOKEN_MAJOR_MAX 64
/* Fills columns [j0, j0+nc) x k in [k0, k0+kc) of image b as NR-column panels
 * (panel p at dst + p*kc*NR, NR floats per k), zero-padded past nc. */
typedef void (*kn_pack_b_fn)(const kn_gemm_problem *p, int b, int nr, int j0, int nc, int k0,
                             int kc, float *dst);
struct kn_gemm_problem {
    int batch, M, N, K;
    const float *a; int lda, trans_a;
    const kn_simd_panels *a_panels; /* A prepared as MR-row panels (kn_simd_pack_panels), or NULL */
    const float *b_ptr; int ldb, trans_b; size_t b_stride;
    kn_pack_b_fn pack_b;        /* NULL: B is the plain matrix above */
    const void *pack_ctx;       /* for pack_b */
    float *c; size_t ldc, c_stride;
    float alpha, beta;
    const float *bias, *gamma;
    kn_act act;
};

/* Largest K a GEMM with an activation and beta != 0 takes (it cannot split K). */
int kn_gemm_k_cap(const kn_ctx *ctx);
/* Images [b0, b1), rows [m0, m1), columns [n0, n1) of the problem, on this thread, with
 * its scratch (kn_ctx_my_scratch). */
void kn_gemm_run(const kn_ctx *ctx, const kn_gemm_problem *p, int b0, int b1, int m0, int m1,
                 int n0, int n1);
/* Part `part` of nparts: splits along images, rows or columns, whichever balances best. */
void kn_gemm_run_part(const kn_ctx *ctx, const kn_gemm_problem *p, int part, int nparts);
/* A 1x1 conv token-major, for a weight prepared as column panels P: per image
 * Y^T (n x cout) = X^T (n x cin) W^T, tiles of up to MR tokens (X read in place, k-major)
 * by NR channels (P), written back transposed (isa->gemm_t); the epilogue of a (bias,
 * gamma, act, accumulate) per channel. Part `part` of nparts of the tiles. */
void kn_gemm_tokens(const kn_ctx *ctx, const kn_conv1x1_args *a, const kn_simd_panels *P, int part, int nparts);

/* A stride-1 kxk conv with pad k/2 on prepared panels, part `part` of nparts, without
 * im2col (isa->gemm_off on zero-padded input rows); 0 if it does not apply. */
int kn_gemm_conv_direct(const kn_ctx *ctx, const kn_conv_args *a, int part, int nparts);

/* Row kg = (ci, ky, kx) of the im2col matrix of image x (cin x h x w), output pixels
 * [j0, j0+cols), contiguous: dst[j] = x[ci][oy*s - pad + ky][ox*s - pad + kx], 0 in the
 * padding (isa->im2col_row). */
void kn_im2col_row(const kn_simd_isa *isa, const kn_conv_args *cv, const float *x, int kg, int j0, int cols,
                   float *dst);

/* --- ops, each doing part `part` of nparts: kn_simd_<op>_part(ctx, params, part, nparts) */
#define KN_OP(name, label, params, args) \
    void kn_simd_##name##_part(kn_ctx *ctx, KN_ARGS params, int part, int nparts);
#include "kernels/ops.def"
#undef KN_OP
/* Floats of attention scratch at `threads` parts: one m x m logits block each. */
size_t kn_simd_attention_scratch(int batch, int heads, int hd, int m, int threads);

extern const kn_backend kn_backend_simd;
#endif
