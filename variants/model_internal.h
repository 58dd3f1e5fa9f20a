/* model_internal.h — the model's plain structs (llama2.c style): weights as raw
 * pointers with their shapes, and the run state planned once per input size. */
#ifndef ST_MODEL_INTERNAL_H
#define ST_MODEL_INTERNAL_H
#include <stdint.h>
#include "variants/model.h"
#include "variants/geometry.h"
#include "variants/plan.h"

typedef struct {
    float *w, *b;                  /* conv [cout][cin][k][k], [cout] */
    float *bn_w, *bn_b, *bn_mean, *bn_var; /* BatchNorm [cout], or NULL */
    float *fold_scale, *fold_shift; /* derived: the BN as y = x*scale + shift */
    float *fold_w, *fold_b;        /* derived (KN_FOLD_BN, conv then BN): BN folded into w, b */
    kn_weight hw, fold_hw;         /* w / fold_w as the ops get them (with the backend's prepared form) */
} st_conv_bn;

typedef struct {
    float *cpe_w, *cpe_b;          /* [c][3][3], [c]            pos == CPE */
    float *ln_w, *ln_b;            /* [c] norm1 */
    float *qkv_w, *qkv_b;          /* [3c][c], [3c] (head-major) refine == ATTN */
    float *proj_w, *proj_b;        /* [c][c], [c] */
    float *rpe_table;              /* [(2gh-1)*(2gw-1)][heads] pos == RPE */
    float *ref_w[3], *ref_b[3];    /* refine == CONV: [c][c], [c][5][5], [c][c] and [c] biases */
    float *gamma1, *gamma2;        /* [c] layer scale, or NULL */
    float *bn_w, *bn_b, *bn_mean, *bn_var; /* norm2 [c] */
    float *fc1_w, *fc1_b;          /* [hid][c], [hid] */
    float *dw_w, *dw_b;            /* [hid][3][3], [hid]        ffn != PLAIN */
    float *fc2_w, *fc2_b;          /* [c][hid], [c] */
    float *fc1f_w, *fc1f_b;        /* derived (KN_FOLD_BN): norm2 folded into fc1 */
    int rpe_gh, rpe_gw;            /* token grid the RPE table was built for */
    /* DeiT / Swin blocks (timm's Block / SwinTransformerBlock): ln_w, ln_b are norm1,
     * qkv_w is timm's [3c][c] (q | k | v rows), rpe_table Swin's [(2ws-1)^2][heads] */
    float *ln2_w, *ln2_b;          /* [c] norm2 */
    float *qkvh_w, *qkvh_b;        /* derived: qkv rows reordered head-major, as attention reads them */
    /* the weights as the ops get them (reference + the backend's prepared form) */
    kn_weight cpe_hw, qkv_hw, proj_hw, ref_hw[3], fc1_hw, fc1f_hw, dw_hw, fc2_hw;
} st_block;

typedef struct {
    st_block *blocks;              /* [depth] */
    st_conv_bn down;               /* downsampling conv 3x3/2 + BN (not after the last stage) */
    float *merge_ln_w, *merge_ln_b, *merge_w; /* Swin patch merging into this stage: [4c'], [4c'], [c][4c'] */
    kn_weight merge_hw;
} st_stage;

/* One declared tensor: the reference name, its shape, where its pointer goes. */
typedef enum {
    TK_WEIGHT, TK_BIAS, TK_ONES, TK_ZEROS, TK_BN_MEAN, TK_BN_VAR, TK_GAMMA, TK_TABLE, TK_FIXED_IDENTITY
} st_tensor_kind;

typedef struct {
    char name[96];
    int ndim;
    int64_t shape[4];
    int64_t numel;
    int64_t fan_in;
    st_tensor_kind kind;
    int learned;                   /* counts as a parameter */
    float **slot;                  /* NULL for fixed tensors we only accept */
    size_t offset;                 /* floats into the weight arena */
} st_tensor_decl;

struct st_model {
    st_config cfg;
    kn_ctx *ctx;                   /* the backend instance every op runs on */
    st_hooks hooks;
    int fold_bn;                   /* the backend asked for BatchNorm folding (KN_FOLD_BN) */
    int allow_nonfinite;

    /* weights */
    float *arena;                  /* every learned tensor, float32 */
    size_t arena_floats;
    st_tensor_decl *decls;
    int ndecls, cap_decls;
    int64_t params;

    st_conv_bn stem[4];            /* conv stem (4 x conv,GELU,BN) or stem[0] = patchify conv */
    float *ape;                    /* [c0][ph][pw] absolute position embedding, pos == APE */
    int ape_h, ape_w;
    st_stage stages[ST_STAGES];
    st_conv_bn head_proj;          /* proj 1x1 + norm (projection > 0) */
    float *head_bn_w, *head_bn_b, *head_bn_mean, *head_bn_var; /* norm (projection == 0): BatchNorm [c3] */
    float *norm_w, *norm_b;        /* DeiT / Swin: the final LayerNorm `norm` [c] */
    float *head_bn_scale, *head_bn_shift; /* derived, only if fold_bn: [c3] */
    float *head_w, *head_b;        /* [classes][feat], [classes] */
    float *cls_token, *pos_embed;  /* DeiT: [1][1][c], [1][1+n][c] (timm's token-major table) */
    float *pos_tokens;             /* derived: pos_embed as [c][1+n], token 0 the class token's */
    float *patch_ln_w, *patch_ln_b; /* Swin: patch_embed.norm [c0] */
    kn_weight head_hw;
    float *derived;                /* arena of derived (folded) weights, only if fold_bn */
    size_t derived_floats;
    void *prepared;                /* arena of the backend's prepared weights (kn_backend.prepare) */
    size_t prepared_bytes;
    st_geometry prep_geo;          /* the sizes whose token counts chose the prepared layouts */
    int prep_have_geo;             /* 0: none could be made (no layout hints) */

    /* run state, sized by st_model_plan */
    st_geometry geo;
    int batch;
    unsigned capture;
    int plan_threads;              /* the ctx's threads the scratch was sized for */
    const kn_backend *plan_backend;
    st_plan plan;                  /* the nodes of this batch and input size */
    float *work;                   /* the one workspace the plan's buffers share */
    size_t work_floats;
    int poison;                    /* st_model_set_poison */
};

/* plan_tokens.c: Swin's per-block attention bias (relative position table and, when
 * shifted, each window's mask) into bias [shifted ? windows : 1][heads][ws*ws][ws*ws]. */
void st_swin_bias(const float *table, int ws, int heads, int hp, int wp, int shift_h, int shift_w, int shifted,
                  float *bias);

/* weights.c */
int st_weights_declare(st_model *m);                  /* fills decls, params, arena size */
int st_weights_seed(st_model *m, uint64_t seed);
int st_weights_load(st_model *m, const char *path);   /* file already validated */
int st_weights_derive(st_model *m);                   /* BN folding etc. */
int st_weights_check_finite(const st_model *m);
/* prepare.c: fills every kn_weight handle (ref) and runs the backend's prepare on each
 * weight the forward pass uses, into one arena (m->prepared), with the token counts of g
 * as layout hints (NULL: the configuration's own input size). */
int st_weights_prepare(st_model *m, const st_geometry *g);
/* Before planning for g: prepares again if g's token counts differ from those the
 * prepared layouts were chosen for (and the backend prepares anything), dropping the
 * current plan, whose weight handles would point into the old arena. */
int st_weights_prepare_for(st_model *m, const st_geometry *g);
#endif
