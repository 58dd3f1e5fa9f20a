/* kernels.h — the one op interface of stvit-bench.
 *
 * A backend (kn_backend) is a descriptor: a table of ops (kn_ops, generated from the
 * one op list kernels/ops.def) plus hooks. The network runs ops on a backend INSTANCE
 * (kn_ctx, ggml's backend + context, BLIS's cntx_t): the backend, its thread count and
 * ISA kernel table (fixed at creation), its scratch (a slice of the caller's planned
 * workspace), its private state and an error message. Every op gets the ctx first.
 * Backends are chained, BLIS-style: an optimized backend starts from its base's table
 * (naive at the root) and overrides only the slots it improves. The registry
 * (registry.c) lists every backend built in, ISA variants included.
 *
 * Weights an op takes (conv1x1, conv, dwconv, linear) come as a kn_weight handle: the
 * reference layout plus the backend's prepared form (kn_backend.prepare, run once at
 * model creation into one arena the model sizes with prepare_size).
 *
 * Conventions: float32 activations, NCHW, contiguous. `n` is pixels per image (H*W).
 * In-place is allowed only where a comment says so. Ops never allocate; scratch
 * comes from the ctx (sized by kn_ctx_scratch_floats and the *_scratch queries).
 */
#ifndef KN_KERNELS_H
#define KN_KERNELS_H

#include <stddef.h>

typedef enum { KN_ACT_NONE = 0, KN_ACT_GELU, KN_ACT_SWISH } kn_act;

/* A weight as an op sees it. ref: the reference layout (float32, as in the weight
 * file; the op's comment gives it). prep: what THIS ctx's backend made of it with
 * kn_backend.prepare, or NULL (the backend reads ref). A backend reads prep only in
 * the format its own prepare wrote. */
typedef struct {
    const float *ref;
    const void *prep;
} kn_weight;
static inline kn_weight kn_w(const float *ref) { return (kn_weight){ref, NULL}; }

typedef struct kn_ctx kn_ctx;
typedef struct kn_backend kn_backend;

/* 1x1 convolution (a GEMM per image) with a fused epilogue, applied in order:
 *   t = W x + bias;  t = act(t);  t = gamma[c] * t;  y = (accumulate ? y : 0) + t */
typedef struct {
    int batch, cin, cout, n;
    const float *x;     /* [batch][cin][n] */
    kn_weight w;        /* ref [cout][cin] */
    const float *bias;  /* [cout] or NULL */
    kn_act act;
    const float *gamma; /* [cout] or NULL (layer scale) */
    int accumulate;     /* 1: add into y (residual) */
    float *y;           /* [batch][cout][n], must not alias x */
} kn_conv1x1_args;

/* Dense 2-D convolution, zero padding, then bias and act.
 * oh = (h + 2*pad - k)/stride + 1, likewise ow. */
typedef struct {
    int batch, cin, h, w, cout, k, stride, pad;
    const float *x;     /* [batch][cin][h][w] */
    kn_weight wt;       /* ref [cout][cin][k][k] */
    const float *bias;  /* [cout] or NULL */
    kn_act act;
    float *y;           /* [batch][cout][oh][ow] */
} kn_conv_args;

/* Depthwise k x k convolution (k odd), stride 1, pad k/2, bias:
 *   y = (add_input ? x : 0) + dwconv(x) + bias */
typedef struct {
    int batch, c, h, w, k;
    const float *x;     /* [batch][c][h][w] */
    kn_weight wt;       /* ref [c][k][k] */
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
    float *scratch;     /* attention_scratch(ctx, ...) floats, from the planned workspace */
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

/* Op semantics (parameters: ops.def; args structs above):
 *  conv1x1, conv, dwconv, attention: see their args structs.
 *  layernorm: LayerNorm over the channels of each pixel. In-place allowed.
 *  batchnorm: y = act((x - mean) / sqrt(var + eps) * gamma + beta), per channel. In-place allowed.
 *  affine: y = act(x * scale[c] + shift[c]): a BatchNorm folded ahead of time. In-place allowed.
 *  activation: y[i] = act(x[i]). In-place allowed.
 *  scale_add: y += (gamma ? gamma[c] : 1) * x.
 *  avgpool: y[b][c] = mean over n of x[b][c][:].
 *  linear: y[b][o] = sum_i w[o][i] x[b][i] + bias[o]   (w: ref [out][in]).
 *  sta_pool/sta_associate/sta_aggregate/sta_upsample: super token attention;
 *    s: [batch][c][m]; z: [batch][m]; a: [batch][9][h*w];
 *    aggregate: z[t] = sum of associations into t; s[t] = (sum A x) / (z[t] + 1e-12);
 *    upsample: y[p] = sum_k a[k][p] * s[nbr(p,k)].
 *  tokens_embed: DeiT's class token and position table: x [batch][c][n] patch tokens ->
 *    y [batch][c][1+n], y[.][ch][0] = cls[ch] + pos[ch][0], y[.][ch][1+t] = x[.][ch][t] + pos[ch][1+t];
 *    pos [c][1+n]; y must not alias x.
 *  gemm: C[M x N] = alpha op(A) op(B) + beta C, row-major (cblas_sgemm's contract). */
#define KN_ARGS(...) __VA_ARGS__

typedef struct kn_ops {
#define KN_OP(name, label, params, args) void (*name)(kn_ctx *ctx, KN_ARGS params);
#include "kernels/ops.def"
#undef KN_OP
    /* Floats of scratch attention() needs for these sizes on this ctx (its threads). */
    size_t (*attention_scratch)(const kn_ctx *ctx, int batch, int heads, int hd, int m);
} kn_ops;

/* The ops by number, their short names ("conv1x1", ...) and labels ("conv 1x1", ...). */
enum {
#define KN_OP(name, label, params, args) KN_OP_##name,
#include "kernels/ops.def"
#undef KN_OP
    KN_OP_COUNT
};
extern const char *const kn_op_names[KN_OP_COUNT];
extern const char *const kn_op_labels[KN_OP_COUNT];
/* The op's slot in a table, as a generic pointer (NULL if empty), for code that walks it. */
void (*kn_ops_slot(const kn_ops *ops, int op))(void);

/* A weight handed to kn_backend.prepare: its op and reference layout.
 *   conv1x1, linear: [rows][cols];  conv: [rows][cols][k][k];  dwconv: [rows][k][k] (cols 1).
 * The source is always the float32 reference (a BF16 file is converted on load). */
typedef struct {
    int op;             /* KN_OP_conv1x1 | KN_OP_conv | KN_OP_dwconv | KN_OP_linear */
    int rows, cols, k;  /* rows = output channels, cols = input channels */
    int n;              /* tokens per image the op sees at the model's size (0: unknown): a layout hint */
    const char *name;   /* the tensor's name, for messages */
} kn_weight_info;

/* The GEMM shape of a conv1x1 or kxk conv weight (M = rows, K = cols x k x k): 1, or 0
 * for another op's weight. What the backends that pack GEMM weights prepare. */
static inline int kn_weight_gemm_shape(const kn_weight_info *wi, int *M, int *K) {
    if (wi->op != KN_OP_conv1x1 && wi->op != KN_OP_conv) return 0;
    *M = wi->rows, *K = wi->cols * (wi->op == KN_OP_conv ? wi->k * wi->k : 1);
    return 1;
}

/* Backend flags. */
enum {
    KN_FOLD_BN = 1 << 0,  /* asks the network to fold BatchNorm into neighbouring convs (prepared weights) */
    KN_THREADED = 1 << 1, /* uses ctx->threads; without it an instance always has 1 thread */
};

struct kn_backend {
    const char *name;    /* --backend NAME */
    const char *uses;    /* one line: what it is built from */
    const char *base;    /* the backend whose slots and hooks it starts from, NULL for naive */
    unsigned flags;
    const char *isa;     /* the ISA variant this entry pins ("avx512", "avx2", "generic"), or
                            NULL: the best this CPU runs (STVIT_ISA may name one) */
    const char *precision; /* "f32" | "bf16": the arithmetic it declares (NULL: "f32") */
    double unit_roundoff;  /* of that arithmetic: 2^-24 f32, 2^-8 bf16 (0: 2^-24) */
    /* 1 if this CPU and build run it; else 0 and `why` says what is missing. NULL: always. */
    int (*supported)(const kn_backend *self, char *why, size_t cap);
    void (*init)(kn_ops *ops);       /* overrides the slots it improves */
    /* Optional hooks; a backend without one inherits its base's (ctx_init/ctx_free are
     * called for every backend of the chain, root first / leaf first). */
    int (*ctx_init)(kn_ctx *ctx);    /* sets ctx->isa, ctx->priv...; 0, or kn_ctx_fail(...) */
    void (*ctx_free)(kn_ctx *ctx);   /* frees what ctx_init made */
    /* Scratch floats the ops take from the ctx: per thread (kn_ctx_thread_scratch) and
     * once (kn_ctx_shared_scratch). Shape-dependent scratch has its own query (kn_ops). */
    void (*scratch)(const kn_ctx *ctx, size_t *per_thread, size_t *shared);
    /* Bytes of the prepared form of a weight (0: none, the op reads ref), then writes it
     * at dst (64-byte aligned). 0, or kn_ctx_fail(...). */
    size_t (*prepare_size)(const kn_ctx *ctx, const kn_weight_info *wi);
    int (*prepare)(kn_ctx *ctx, const kn_weight_info *wi, const float *ref, void *dst);
};

/* A backend instance. Plain struct: backends read its fields; only kn_ctx_* write them. */
struct kn_ctx {
    const kn_backend *backend;  /* the registry entry it was made from */
    kn_ops ops;                 /* the resolved table (a wrapper may replace it; see wrap) */
    int threads;                /* fixed at creation (1 unless KN_THREADED) */
    const void *isa;            /* the ISA kernel table (simd family: const kn_simd_isa *), or NULL */
    const char *isa_name;       /* its name ("avx512", "avx2", "generic") or "-" */
    const char *precision;      /* from the backend, defaults filled */
    double unit_roundoff;
    size_t scratch_per_thread, scratch_shared; /* floats, from the scratch hook */
    float *scratch;             /* [threads][per_thread] then [shared] */
    size_t scratch_floats;
    int owns_scratch;           /* scratch came from kn_ctx_create, not the caller's workspace */
    void *priv;                 /* backend-private state (ctx_init / ctx_free) */
    struct kn_pool *pool;       /* the thread team of a threaded backend (omp/pool.h), or NULL */
    void *wrap;                 /* state of an op wrapper installed in ops (the profiler) */
    char error[256];            /* the last failure */
};

/* Registry (registry.c). */
int kn_backend_count(void);
const kn_backend *kn_backend_at(int i);
const kn_backend *kn_backend_find(const char *name); /* NULL if unknown */
/* 1 if this CPU and build run b (and its bases); else 0 with the reason in why. */
int kn_backend_runs(const kn_backend *b, char *why, size_t cap);
/* Fills ops for backend b: naive first, then every base in turn, then b. 0 or -1. */
int kn_backend_resolve(const kn_backend *b, kn_ops *ops);
/* The fastest plain (not ISA-pinned) backend this CPU runs (the last in the table). */
const kn_backend *kn_backend_default(void);
/* The fastest plain backend of precision "f32" or "bf16" this CPU runs, or NULL. */
const kn_backend *kn_backend_for_precision(const char *precision);
/* Declared precision, defaults filled ("f32", 2^-24). */
const char *kn_backend_precision(const kn_backend *b);
double kn_backend_unit_roundoff(const kn_backend *b);

/* Instances (ctx.c). threads <= 0: every core. Fails (returns -1, *out NULL, the reason
 * in err) when the CPU cannot run b or a ctx_init hook fails. The new ctx owns a scratch
 * allocation until kn_ctx_bind_scratch hands it a slice of a workspace. */
int kn_ctx_create(kn_ctx **out, const kn_backend *b, int threads, char *err, size_t cap);
void kn_ctx_free(kn_ctx *c);
/* Floats of fixed scratch this ctx needs (per-thread x threads + shared). */
size_t kn_ctx_scratch_floats(const kn_ctx *c);
/* Uses mem (floats >= kn_ctx_scratch_floats, 64-byte aligned, owned by the caller) as
 * the scratch and frees the ctx's own. 0, or -1 if too small. */
int kn_ctx_bind_scratch(kn_ctx *c, float *mem, size_t floats);
/* The calling thread's place in the team running an op (0..threads-1; 0 outside one):
 * the index of its scratch. Set by the thread teams (omp/pool.c, KN_PARALLEL). Work
 * shares are not threads (a thread may run several), so scratch goes by this. */
extern _Thread_local int kn_thread_slot;
/* Scratch of thread slot `slot` (< threads) of a parallel op, and the shared piece. */
static inline float *kn_ctx_thread_scratch(const kn_ctx *c, int slot) {
    return c->scratch + (size_t)slot * c->scratch_per_thread;
}
/* The calling thread's scratch. */
static inline float *kn_ctx_my_scratch(const kn_ctx *c) { return kn_ctx_thread_scratch(c, kn_thread_slot); }
static inline float *kn_ctx_shared_scratch(const kn_ctx *c) {
    return c->scratch + (size_t)c->threads * c->scratch_per_thread;
}
/* The backend's prepare hooks (the nearest in its chain): bytes of the prepared form of
 * a weight (0: none), and writing it at dst. The model calls these once per weight. */
size_t kn_ctx_prepare_size(const kn_ctx *c, const kn_weight_info *wi);
int kn_ctx_prepare(kn_ctx *c, const kn_weight_info *wi, const float *ref, void *dst);
/* For code outside a model (tests, benchmarks): a handle to ref with this ctx's prepared
 * form in *mem (allocated; the caller frees it), or ref alone (*mem NULL) when the
 * backend prepares nothing for it or fails. */
kn_weight kn_ctx_weight(kn_ctx *c, const kn_weight_info *wi, const float *ref, void **mem);
/* Records a failure message in c->error; returns -1. */
int kn_ctx_fail(kn_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Error bound factor of a float sum of k products at unit roundoff u, summed in blocks
 * of at most 512 (the simd GEMM's K blocking): (min(k,512) + k/512 + 2) u. A dot
 * product's error is at most this times sum |a||b|; the kernel tests, the model tests
 * and bench's matches-naive check all derive their tolerances from it. */
double kn_tolerance(double u, long k);
#define KN_U_F32 5.9604644775390625e-8 /* 2^-24 */
#define KN_U_BF16 3.90625e-3           /* 2^-8 */

/* Backends built in, referenced by the registry. ISA variants: kn_backend_<b>_<isa>. */
extern const kn_backend kn_backend_naive, kn_backend_simd, kn_backend_omp, kn_backend_blas;
extern const kn_backend kn_backend_avx512bf16, kn_backend_amx; /* bf16 (kernels/amx) */
#define KN_ISA_LIST(X) X(avx512) X(avx2) X(generic)
#define KN_DECLARE_VARIANTS_(isa) extern const kn_backend kn_backend_simd_##isa, kn_backend_omp_##isa;
KN_ISA_LIST(KN_DECLARE_VARIANTS_)
#undef KN_DECLARE_VARIANTS_

#endif
