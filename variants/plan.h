/* plan.h — the network written once: a list of nodes built from the config and the
 * geometry. The forward pass executes it (forward.c), the FLOP counter sums it
 * (count.c), the workspace planner sizes and shares its buffers by lifetime
 * (plan_memory.c), the profiler and the viz capture find nodes by name.
 *
 * A node is one op with its arguments (the op's args struct, weights already bound)
 * and the buffers it reads and writes, named by id. Buffer pointers are patched into
 * the args at fixed offsets once the workspace is placed, so executing a node is one
 * switch and one call. */
#ifndef ST_PLAN_H
#define ST_PLAN_H
#include <stddef.h>
#include <stdint.h>
#include "kernels/kernels.h"
#include "variants/geometry.h"
#include "variants/model.h"

/* Node ops: the kernels, the layout copies, and two points where the caller looks. */
#define ST_NODE_OPS(X)                                                                              \
    X(CONV, "conv") X(CONV1X1, "conv1x1") X(DWCONV, "dwconv") X(LAYERNORM, "layernorm")        \
    X(BATCHNORM, "batchnorm") X(AFFINE, "affine") X(ACTIVATION, "activation")                      \
    X(SCALE_ADD, "scale_add") X(AVGPOOL, "avgpool") X(LINEAR, "linear") X(STA_POOL, "sta_pool")     \
    X(STA_ASSOCIATE, "sta_associate") X(STA_AGGREGATE, "sta_aggregate")                             \
    X(STA_UPSAMPLE, "sta_upsample") X(ATTENTION, "attention") X(PAD, "pad") X(CROP, "crop")        \
    X(WINDOW_GATHER, "window_gather") X(WINDOW_SCATTER, "window_scatter") X(COPY, "copy")          \
    X(SPACE_TO_DEPTH, "space_to_depth") X(TOKENS_EMBED, "tokens_embed") X(TAP, "tap") X(CAPTURE, "capture")

typedef enum {
#define ST_OP_ENUM(id, name) ST_OP_##id,
    ST_NODE_OPS(ST_OP_ENUM)
#undef ST_OP_ENUM
    ST_OP_COUNT
} st_op;

extern const char *const st_op_names[ST_OP_COUNT];

/* Args of the ops kernels.h passes as plain parameters. */
typedef struct {
    int batch, c, n;          /* x, y: [batch][c][n] */
    const float *x;
    const float *gamma, *beta; /* LayerNorm affine; BatchNorm affine; affine: scale, shift */
    const float *mean, *var;  /* BatchNorm statistics */
    float eps;
    kn_act act;
    float *y;                 /* in-place allowed */
} st_norm_args;

typedef struct {
    int batch, c, n;          /* x, y: [batch][c][n]; activation: count elements */
    size_t count;
    kn_act act;
    int broadcast;            /* scale_add: x is one image added to each of y's batch */
    const float *x, *gamma;   /* scale_add: y += gamma[c] x (gamma NULL: 1) */
    float *y;                 /* avgpool: [batch][c] */
} st_vec_args;

typedef struct {
    int batch, in, out;
    const float *x;            /* [batch][in] */
    kn_weight w;               /* ref [out][in] */
    const float *bias;         /* [out] */
    float *y;                  /* [batch][out] */
} st_linear_args;

typedef struct {
    kn_sta_shape g;
    float scale;
    const float *x;            /* [batch][c][h][w] padded tokens */
    const float *s_in;         /* [batch][c][m] super tokens (associate, upsample) */
    const float *a_in;         /* [batch][9][h*w] association (aggregate, upsample) */
    float *s_out, *z_out;      /* pool, aggregate */
    float *a_out;              /* associate */
    float *y;                  /* upsample: [batch][c][h][w] */
} st_sta_args;

/* pad / crop / window copies / copy: kernels.h's kn_layout_args. */
typedef kn_layout_args st_layout_args;

typedef struct {
    int c, h, w;               /* per image */
    const float *x;            /* [batch][c][h][w] */
} st_tap_args;

typedef struct {
    int batch, c, n;           /* x [batch][c][n] patch tokens -> y [batch][c][1+n] */
    const float *x, *cls, *pos; /* cls [c], pos [c][1+n] */
    float *y;
} st_embed_args;

typedef union {
    kn_conv_args conv;
    kn_conv1x1_args pw;
    kn_dwconv_args dw;
    kn_attention_args attn;
    st_norm_args norm;
    st_vec_args vec;
    st_linear_args linear;
    st_sta_args sta;
    st_layout_args layout;
    st_tap_args tap;
    st_embed_args embed;
    st_attn_capture cap;
} st_node_args;

enum { ST_IO_READ = 1, ST_IO_WRITE = 2 };
#define ST_NODE_IO 6
#define ST_NODE_COUNTS 3
#define ST_NODE_WEIGHTS 6

typedef struct {
    int buf;                   /* buffer id */
    unsigned short off;        /* byte offset of the pointer field in st_node_args */
    unsigned char mode;        /* ST_IO_READ | ST_IO_WRITE */
} st_node_io;

typedef struct {
    st_node_info info;         /* name (points at name[]), op name, part, stage, block */
    char name[48];
    st_op op;
    st_node_args a;
    int nio;
    st_node_io io[ST_NODE_IO];
    int overflow;              /* builder: a fixed list below was too short */
    /* the learned tensors it stands for, as the addresses of the model's pointers to
     * them (st_tensor_decl.slot): parameters are counted per node from these */
    int nweights;
    const void *weights[ST_NODE_WEIGHTS];
    /* FLOPs of one image in the paper's convention, by the counter's op label */
    const char *count_op[ST_NODE_COUNTS];
    int64_t count_flops[ST_NODE_COUNTS];
} st_node;

/* Buffers 0 and 1 are the caller's input and logits. */
enum { ST_BUF_INPUT = 0, ST_BUF_LOGITS = 1 };

typedef struct {
    size_t floats;
    int first, last;           /* first and last node touching it (-1: never) */
    int persistent;            /* filled at plan time, alive for the whole pass */
    int external;              /* the caller's */
    size_t offset;             /* floats into the workspace */
} st_buffer;

typedef struct {
    st_node *nodes;
    int n, cap;
    st_buffer *bufs;
    int nbufs, capb;
    int ape_buf;               /* persistent APE at the run size, or -1 */
    int kscratch_buf;          /* persistent: the backend instance's fixed scratch, or -1 */
    int *rpe_buf;              /* per block (flattened): persistent RPE bias, or -1 (Swin: with its
                                  shifted-window masks, [groups][heads][m][m]) */
    int nblocks;
    size_t floats_unshared;    /* every buffer apart */
    size_t floats;             /* after sharing by lifetime */
    char prefix[40];           /* builder: name prefix of the scope being built */
    int part, stage, block;    /* builder: current scope */
    int failed;                /* builder: out of memory */
} st_plan;

/* Builds the node list for m's config, weights (pointers may be NULL for counting)
 * and fold setting, at geometry g and this batch. */
int st_plan_build(const st_model *m, const st_geometry *g, int batch, unsigned capture, st_plan *p);
/* Lifetimes, then offsets: buffers whose lifetimes do not overlap share memory. */
int st_plan_place(st_plan *p);
/* ST_OK, or ST_ERR_ARG naming the node where a buffer is read before it is written
 * or where two live buffers overlap. */
int st_plan_check(const st_plan *p);
/* Points every node's buffer fields into work (external buffers: input, logits). */
void st_plan_bind(st_plan *p, float *work, const float *input, float *logits);
void st_plan_free(st_plan *p);
#endif
