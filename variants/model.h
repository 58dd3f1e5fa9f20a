/* model.h — the STViT network: build from a config, load or seed weights, plan one
 * workspace for a batch and input size, run forward passes through kernels.h. */
#ifndef ST_MODEL_H
#define ST_MODEL_H
#include <stdint.h>
#include "kernels/kernels.h"
#include "variants/config.h"

typedef struct st_model st_model;

/* What the super-token / attention capture hook sees for one block (viz reads this;
 * pointers are valid only during the call). */
typedef struct {
    int stage, block;
    st_attn_kind kind;          /* STA (with super tokens), GLOBAL (stoken 1 or attn=global), WINDOW */
    int batch, c, heads;
    int h0, w0;                 /* the block's token grid */
    int h, w;                   /* padded to the stoken grid (STA) or to windows */
    int sh, sw, hh, ww;         /* STA cells and grid; for GLOBAL sh=sw=1, hh=h0, ww=w0 */
    int window;                 /* WINDOW: window side; windows are row-major, (h/window)*(w/window) */
    int shift_h, shift_w;       /* Swin's shifted blocks: windows of the grid rolled by -shift */
    int cls;                    /* DeiT: token 0 of the m tokens is the class token (hh = 1, ww = m) */
    const float *assoc;         /* STA: [batch][9][h*w] the final association A, else NULL */
    const float *z;             /* STA: [batch][hh*ww] association sums Z, else NULL */
    const float *attn;          /* refine attention softmax (query, key):
                                   STA/GLOBAL [batch][heads][m][m] over m = hh*ww tokens;
                                   WINDOW [batch][nwin][heads][ws*ws][ws*ws]; NULL if refine != attention */
} st_attn_capture;

/* The network's parts, by st_node_info.part: "stem", "stage0".."stage3", "head". */
extern const char *const st_part_names[6];

/* One node of the planned network (see variants/plan.h), as the profiler sees it. */
typedef struct {
    const char *name;           /* "stem.conv0", "stage1.block0.qkv", "stage1.block0.attn" (a tap) */
    const char *op;             /* "pointwise", "attention", "pad", "tap", ... */
    int part;                   /* 0 stem, 1..4 stage0..stage3, 5 head */
    int stage, block;           /* -1 outside a stage / a block */
} st_node_info;

typedef struct {
    /* Every named intermediate: "stem", "stageK.blockJ.attn" (attention branch before
     * its residual), "stageK.blockJ", "stageK" (after downsampling), "features"
     * (pooled), "logits". c x h x w per image (features/logits: h = w = 1). */
    void (*tensor)(void *ud, const char *name, const float *x, int batch, int c, int h, int w);
    /* Called after each attention when the plan asked for ST_CAPTURE_ATTN. */
    void (*attention)(void *ud, const st_attn_capture *cap);
    /* Called when the forward pass enters a part: "stem", "stage0".."stage3", "head". */
    void (*scope)(void *ud, const char *part);
    /* Called before (end 0) and after (end 1) node `index` runs (st_model_node). */
    void (*node)(void *ud, int index, int end);
    void *ud;
} st_hooks;

enum { ST_CAPTURE_ATTN = 1 << 0 };

/* Creates a model. cfg may be NULL when weights_path holds a config. weights_path NULL:
 * deterministic seeded weights. backend NULL: the default backend. Returns ST_OK or an
 * ST_ERR_* code with st_last_error() naming the file/tensor and the problem. */
int st_model_create(st_model **out, const st_config *cfg, const char *weights_path,
                    uint64_t seed, const kn_backend *backend);
/* The same with every setting: the backend instance (kn_ctx) is made here, its threads
 * fixed; the weights the backend uses are prepared here (kn_backend.prepare). */
typedef struct {
    const kn_backend *backend;  /* NULL: kn_backend_default() */
    int threads;                /* <= 0: every core (1 for single-threaded backends) */
    int allow_nonfinite;        /* run weights holding NaN/Inf (refused by default) */
} st_model_opts;
int st_model_create_with(st_model **out, const st_config *cfg, const char *weights_path,
                         uint64_t seed, const st_model_opts *o);
void st_model_free(st_model *m);
const st_config *st_model_config(const st_model *m);
const kn_backend *st_model_backend(const st_model *m);
/* The backend instance the ops run on (a wrapper such as the profiler may replace
 * ctx->ops between forward passes). */
kn_ctx *st_model_ctx(const st_model *m);
/* A new instance of the same backend at `threads`. The plan is then stale: forward
 * refuses to run until st_model_plan sizes the scratch for the new thread count. */
int st_model_set_threads(st_model *m, int threads);
void st_model_set_hooks(st_model *m, const st_hooks *hooks);
/* Memory in bytes: reference weights, the backend's prepared weights (folded BatchNorm,
 * packed panels, ...), the planned workspace (every scratch included). */
typedef struct { size_t weights, prepared, workspace, workspace_unshared; } st_model_mem; /* bytes; unshared: every planned buffer apart */
void st_model_memory(const st_model *m, st_model_mem *mem);

/* Sizes and allocates the one workspace for this batch and input size. No
 * allocation happens in forward afterwards. capture: ST_CAPTURE_* flags. */
int st_model_plan(st_model *m, int batch, int h, int w, unsigned capture);
/* input [batch][3][h][w] -> logits [batch][num_classes]. Returns ST_ERR_NUMERIC
 * naming the layer if a non-finite value appears (checked per stage). */
int st_model_forward(st_model *m, const float *input, float *logits);
size_t st_model_workspace_bytes(const st_model *m);
/* The planned nodes (valid until the next st_model_plan). */
int st_model_node_count(const st_model *m);
const st_node_info *st_model_node(const st_model *m, int index);
/* The workspace of the last plan: every buffer apart, and shared by lifetime. */
typedef struct {
    int nodes, buffers;
    size_t bytes_unshared, bytes;
} st_plan_summary;
void st_model_plan_summary(const st_model *m, st_plan_summary *out);
/* One line about node `index`: number, name, op, its buffers with offsets, modes and
 * lifetimes, its FLOPs per image. */
void st_model_node_describe(const st_model *m, int index, char *buf, size_t cap);
/* Debugging: before a buffer's first writer runs, fill it with NaN, so a read before
 * write or two live buffers sharing memory shows in the logits. */
void st_model_set_poison(st_model *m, int on);
/* Saves the model's weights (with its config in the metadata) as safetensors. */
int st_model_save(const st_model *m, const char *path);
#endif
