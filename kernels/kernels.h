/* kernels.h — the one op interface of stvit-bench.
 *
 * A backend is a table of function pointers (kn_ops). The network calls ops only
 * through it. Backends are chained, BLIS-style: an optimized backend starts from
 * its base's table (naive at the root) and overrides only the slots it improves.
 * The registry (registry.c) lists every backend built in.
 *
 * Conventions: float32, NCHW, contiguous. `n` is pixels per image (H*W).
 * In-place is allowed only where a comment says so. Ops never allocate; scratch
 * comes from the caller, sized by the *_scratch slots.
 */
#ifndef KN_KERNELS_H
#define KN_KERNELS_H

#include <stddef.h>

typedef enum { KN_ACT_NONE = 0, KN_ACT_GELU, KN_ACT_SWISH } kn_act;

/* 1x1 convolution (a GEMM per image) with a fused epilogue, applied in order:
 *   t = W x + bias;  t = act(t);  t = gamma[c] * t;  y = (accumulate ? y : 0) + t */
typedef struct {
    int batch, cin, cout, n;
    const float *x;     /* [batch][cin][n] */
    const float *w;     /* [cout][cin] */
    const float *bias;  /* [cout] or NULL */
    kn_act act;
    const float *gamma; /* [cout] or NULL (layer scale) */
    int accumulate;     /* 1: add into y (residual) */
    float *y;           /* [batch][cout][n], must not alias x */
} kn_pointwise_args;

/* Dense 2-D convolution, zero padding, then bias and act.
 * oh = (h + 2*pad - k)/stride + 1, likewise ow. */
typedef struct {
    int batch, cin, h, w, cout, k, stride, pad;
    const float *x;     /* [batch][cin][h][w] */
    const float *wt;    /* [cout][cin][k][k] */
    const float *bias;  /* [cout] or NULL */
    kn_act act;
    float *y;           /* [batch][cout][oh][ow] */
} kn_conv_args;

/* Depthwise k x k convolution (k odd), stride 1, pad k/2, bias:
 *   y = (add_input ? x : 0) + dwconv(x) + bias */
typedef struct {
    int batch, c, h, w, k;
    const float *x;     /* [batch][c][h][w] */
    const float *wt;    /* [c][k][k] */
    const float *bias;  /* [c] or NULL */
    int add_input;
    float *y;           /* [batch][c][h][w], must not alias x */
} kn_dwconv_args;

/* Multi-head self-attention over m tokens (the reference's `Attention`).
 * qkv is head-major: channel h*3*hd + part*hd + d (part 0 q, 1 k, 2 v).
 * out[h*hd + d][i] = sum_j softmax_j(scale * q_i . k_j + bias[h][i][j]) v_j[d] */
typedef struct {
    int batch, heads, hd, m;
    const float *qkv;   /* [batch][heads*3*hd][m] */
    const float *bias;  /* [bias_groups][heads][m][m] logit bias (query i, key j), or NULL */
    int bias_groups;    /* batch item b uses bias block b % bias_groups (Swin: one per window); 0 = 1 */
    float scale;
    float *out;         /* [batch][heads*hd][m] */
    float *probs;       /* [batch][heads][m][m] softmax (query, key), or NULL: capture */
    float *scratch;     /* attention_scratch(...) floats */
} kn_attention_args;

/* Super token attention geometry: a padded C x H x W image, cells sh x sw,
 * grid hh x ww = (H/sh) x (W/sw), m = hh*ww super tokens.
 * The association A is stored [batch][9][H*W]: A[k][p] is pixel p's weight for
 * neighbour k = (dy+1)*3 + (dx+1) of its cell (0 where the neighbour is outside). */
typedef struct {
    int batch, c, h, w, sh, sw;
} kn_sta_shape;

/* Layout copies (no arithmetic), so every byte the network moves goes through the table:
 *   pad:    x [batch][c][h][w] -> y [batch][c][hp][wp], zeros at the right and bottom
 *   crop:   x [batch][c][hp][wp] -> y [batch][c][h][w], the top-left corner
 *   window_gather:  x [batch][c][h][w] -> y [batch][nwin][c][ws][ws], windows row-major
 *                   over the image zero padded to hp x wp (multiples of ws)
 *                   (shift_h, shift_w: cyclically shifted first, torch.roll(x, -shift), as Swin)
 *   window_scatter: the inverse, dropping the padding (and undoing the shift)
 *   space_to_depth: x [batch][c][h][w] -> y [batch][4c][hp/2][wp/2], hp, wp = h, w rounded up
 *                   to even with zeros; channel (j*2 + i)*c + ch holds pixel (2y+i, 2x+j) (Swin's
 *                   patch merging order)
 *   copy:   count floats */
typedef struct {
    int batch, c, h, w, hp, wp, ws;
    int shift_h, shift_w;
    size_t count;
    const float *x;
    float *y;           /* must not alias x */
} kn_layout_args;

typedef struct kn_ops {
    /* C[M x N] = alpha op(A) op(B) + beta C, row-major (cblas_sgemm's contract). */
    void (*gemm)(int trans_a, int trans_b, int M, int N, int K, float alpha,
                 const float *A, int lda, const float *B, int ldb, float beta,
                 float *C, int ldc);
    void (*pointwise)(const kn_pointwise_args *a);
    void (*conv)(const kn_conv_args *a);
    void (*dwconv)(const kn_dwconv_args *a);
    /* LayerNorm over the channels of each pixel. In-place allowed. */
    void (*layernorm)(int batch, int c, int n, const float *x, const float *gamma,
                      const float *beta, float eps, float *y);
    /* y = act((x - mean) / sqrt(var + eps) * gamma + beta), per channel. In-place allowed. */
    void (*batchnorm)(int batch, int c, int n, const float *x, const float *mean,
                      const float *var, const float *gamma, const float *beta,
                      float eps, kn_act act, float *y);
    /* y = x * scale[c] + shift[c] then act: a BatchNorm folded ahead of time. In-place allowed. */
    void (*affine)(int batch, int c, int n, const float *x, const float *scale,
                   const float *shift, kn_act act, float *y);
    /* y[i] = act(x[i]). In-place allowed. */
    void (*activation)(size_t count, kn_act act, const float *x, float *y);
    /* y += (gamma ? gamma[c] : 1) * x. */
    void (*scale_add)(int batch, int c, int n, const float *x, const float *gamma, float *y);
    /* y[b][c] = mean over n of x[b][c][:] */
    void (*avgpool)(int batch, int c, int n, const float *x, float *y);
    /* y[b][o] = sum_i w[o][i] x[b][i] + bias[o] */
    void (*linear)(int batch, int in, int out, const float *x, const float *w,
                   const float *bias, float *y);

    /* Super token attention. s: [batch][c][m]; z: [batch][m]; a: [batch][9][h*w]. */
    void (*sta_pool)(const kn_sta_shape *g, const float *x, float *s);
    void (*sta_associate)(const kn_sta_shape *g, const float *x, const float *s,
                          float scale, float *a);
    /* z[t] = sum of associations into t; s[t] = (sum A x) / (z[t] + 1e-12). */
    void (*sta_aggregate)(const kn_sta_shape *g, const float *x, const float *a,
                          float *s, float *z);
    /* y[p] = sum_k a[k][p] * s[nbr(p,k)] */
    void (*sta_upsample)(const kn_sta_shape *g, const float *a, const float *s, float *y);

    void (*attention)(const kn_attention_args *a);

    void (*pad)(const kn_layout_args *a);
    void (*crop)(const kn_layout_args *a);
    void (*window_gather)(const kn_layout_args *a);
    void (*window_scatter)(const kn_layout_args *a);
    void (*copy)(const kn_layout_args *a);
    void (*space_to_depth)(const kn_layout_args *a);
    /* Class token and position table (DeiT): x [batch][c][n] patch tokens ->
     * y [batch][c][1+n], y[.][ch][0] = cls[ch] + pos[ch][0], y[.][ch][1+t] = x[.][ch][t] + pos[ch][1+t].
     * pos [c][1+n]. y must not alias x. */
    void (*tokens_embed)(int batch, int c, int n, const float *x, const float *cls, const float *pos, float *y);
    /* Floats of scratch attention() needs for these sizes at `threads` threads. */
    size_t (*attention_scratch)(int batch, int heads, int hd, int m, int threads);
} kn_ops;

/* Number of slots, for code that walks the table (tests, profiling). */
#define KN_OPS_SLOTS (sizeof(kn_ops) / sizeof(void (*)(void)))

/* Backend flags. */
enum {
    KN_FOLD_BN = 1 << 0, /* the network may fold BatchNorm into neighbouring convs */
    KN_THREADED = 1 << 1, /* runs on the kn_set_threads count (else one thread) */
};

typedef struct kn_backend {
    const char *name;    /* --backend NAME */
    const char *uses;    /* one line: what it is built from */
    const char *base;    /* the backend whose slots it starts from, NULL for naive */
    unsigned flags;
    int (*supported)(void);          /* 1 if this CPU and build can run it */
    void (*init)(kn_ops *ops);       /* overrides the slots it improves */
} kn_backend;

/* Registry (registry.c). */
int kn_backend_count(void);
const kn_backend *kn_backend_at(int i);
const kn_backend *kn_backend_find(const char *name); /* NULL if unknown */
/* Fills ops for backend b: naive first, then every base in turn, then b. 0 or -1. */
int kn_backend_resolve(const kn_backend *b, kn_ops *ops);
/* The fastest backend this CPU supports (the last supported one in the table). */
const kn_backend *kn_backend_default(void);

/* Threads used by multithreaded backends (OpenMP and OpenBLAS). */
void kn_set_threads(int n);
int kn_get_threads(void);

/* Backends built in, referenced by the registry. */
extern const kn_backend kn_backend_naive, kn_backend_simd, kn_backend_omp, kn_backend_blas;

#endif
