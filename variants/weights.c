/* weights.c — every tensor of the network declared once, by its reference name:
 * the declarations drive loading, seeding, parameter counting and saving. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "variants/model_internal.h"
#include "variants/formats/safetensors.h"
#include "variants/st_error.h"

/* ---- declaration -------------------------------------------------------- */

static int declare(st_model *m, float **slot, st_tensor_kind kind, int ndim, const int64_t *shape,
                   const char *fmt, ...) {
    if (m->ndecls == m->cap_decls) {
        int cap = m->cap_decls ? 2 * m->cap_decls : 256;
        st_tensor_decl *d = realloc(m->decls, (size_t)cap * sizeof *d);
        if (!d) return st_fail(ST_ERR_NOMEM, "out of memory declaring weights");
        m->decls = d;
        m->cap_decls = cap;
    }
    st_tensor_decl *d = &m->decls[m->ndecls++];
    memset(d, 0, sizeof *d);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->name, sizeof d->name, fmt, ap);
    va_end(ap);
    d->ndim = ndim;
    d->numel = 1;
    for (int i = 0; i < ndim; i++) {
        d->shape[i] = shape[i];
        d->numel *= shape[i];
    }
    d->fan_in = ndim >= 2 ? d->numel / shape[0] : 1;
    d->kind = kind;
    d->slot = slot;
    d->learned = kind != TK_BN_MEAN && kind != TK_BN_VAR && kind != TK_FIXED_IDENTITY;
    if (kind != TK_FIXED_IDENTITY) {
        d->offset = m->arena_floats;
        m->arena_floats += (size_t)(d->numel + 15) / 16 * 16; /* 64-byte aligned tensors */
    }
    if (d->learned) m->params += d->numel;
    return ST_OK;
}

#define SHAPE(...) (const int64_t[]){__VA_ARGS__}
#define NDIM(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define DECL(slot, kind, shape_args, ...)                                                                   \
    do {                                                                                                \
        int rc_ = declare(m, slot, kind, NDIM shape_args, SHAPE shape_args, __VA_ARGS__);               \
        if (rc_) return rc_;                                                                            \
    } while (0)

static int declare_bn(st_model *m, float **w, float **b, float **mean, float **var, int c, const char *prefix) {
    DECL(w, TK_ONES, (c), "%s.weight", prefix);
    DECL(b, TK_ZEROS, (c), "%s.bias", prefix);
    DECL(mean, TK_BN_MEAN, (c), "%s.running_mean", prefix);
    DECL(var, TK_BN_VAR, (c), "%s.running_var", prefix);
    return ST_OK;
}

static int declare_conv_bn(st_model *m, st_conv_bn *cb, int cout, int cin, int k, const char *conv,
                           const char *bn) {
    DECL(&cb->w, TK_WEIGHT, (cout, cin, k, k), "%s.weight", conv);
    DECL(&cb->b, TK_BIAS, (cout), "%s.bias", conv);
    if (bn) return declare_bn(m, &cb->bn_w, &cb->bn_b, &cb->bn_mean, &cb->bn_var, cout, bn);
    return ST_OK;
}

/* Token grid an attention's relative position table spans, at the config's pos size. */
static int rpe_grid(const st_model *m, int stage, int *gh, int *gw) {
    st_geometry g;
    int ph = m->cfg.pos_h ? m->cfg.pos_h : 224, pw = m->cfg.pos_w ? m->cfg.pos_w : 224;
    int rc = st_geometry_make(&m->cfg, ph, pw, &g);
    if (rc) return rc;
    *gh = g.s[stage].hh;
    *gw = g.s[stage].ww;
    return ST_OK;
}

static int declare_block(st_model *m, st_block *b, int i, int j) {
    const st_config *c = &m->cfg;
    int C = c->embed_dim[i], hid = C * c->mlp_ratio;
    char p[64];
    snprintf(p, sizeof p, "layers.%d.blocks.%d", i, j);
    if (c->layerscale[i]) {
        DECL(&b->gamma1, TK_GAMMA, (1, C, 1, 1), "%s.gamma_1", p);
        DECL(&b->gamma2, TK_GAMMA, (1, C, 1, 1), "%s.gamma_2", p);
    }
    if (c->pos == ST_POS_CPE) {
        DECL(&b->cpe_w, TK_WEIGHT, (C, 1, 3, 3), "%s.pos_embed.conv.weight", p);
        DECL(&b->cpe_b, TK_BIAS, (C), "%s.pos_embed.conv.bias", p);
    }
    DECL(&b->ln_w, TK_ONES, (C), "%s.norm1.norm.weight", p);
    DECL(&b->ln_b, TK_ZEROS, (C), "%s.norm1.norm.bias", p);
    DECL(NULL, TK_FIXED_IDENTITY, (9, 1, 3, 3), "%s.attn.unfold.weights", p);
    DECL(NULL, TK_FIXED_IDENTITY, (9, 1, 3, 3), "%s.attn.fold.weights", p);
    if (c->refine == ST_REFINE_ATTN) {
        DECL(&b->qkv_w, TK_WEIGHT, (3 * C, C, 1, 1), "%s.attn.stoken_refine.qkv.weight", p);
        if (c->qkv_bias) DECL(&b->qkv_b, TK_BIAS, (3 * C), "%s.attn.stoken_refine.qkv.bias", p);
        DECL(&b->proj_w, TK_WEIGHT, (C, C, 1, 1), "%s.attn.stoken_refine.proj.weight", p);
        DECL(&b->proj_b, TK_BIAS, (C), "%s.attn.stoken_refine.proj.bias", p);
        if (c->pos == ST_POS_RPE) {
            int rc = rpe_grid(m, i, &b->rpe_gh, &b->rpe_gw);
            if (rc) return rc;
            DECL(&b->rpe_table, TK_TABLE, ((2 * b->rpe_gh - 1) * (2 * b->rpe_gw - 1), c->heads[i]),
                 "%s.attn.stoken_refine.relative_position_bias_table", p);
        }
    } else if (c->refine == ST_REFINE_CONV) {
        static const int ks[3] = {1, 5, 1};
        for (int l = 0; l < 3; l++) {
            DECL(&b->ref_w[l], TK_WEIGHT, (C, l == 1 ? 1 : C, ks[l], ks[l]), "%s.attn.stoken_refine.%d.weight",
                 p, l);
            DECL(&b->ref_b[l], TK_BIAS, (C), "%s.attn.stoken_refine.%d.bias", p, l);
        }
    }
    char norm2[80];
    snprintf(norm2, sizeof norm2, "%s.norm2", p);
    int rc = declare_bn(m, &b->bn_w, &b->bn_b, &b->bn_mean, &b->bn_var, C, norm2);
    if (rc) return rc;
    DECL(&b->fc1_w, TK_WEIGHT, (hid, C, 1, 1), "%s.mlp2.fc1.weight", p);
    DECL(&b->fc1_b, TK_BIAS, (hid), "%s.mlp2.fc1.bias", p);
    DECL(&b->fc2_w, TK_WEIGHT, (C, hid, 1, 1), "%s.mlp2.fc2.weight", p);
    DECL(&b->fc2_b, TK_BIAS, (C), "%s.mlp2.fc2.bias", p);
    if (c->ffn != ST_FFN_PLAIN) {
        DECL(&b->dw_w, TK_WEIGHT, (hid, 1, 3, 3), "%s.mlp2.conv.conv.weight", p);
        DECL(&b->dw_b, TK_BIAS, (hid), "%s.mlp2.conv.conv.bias", p);
    }
    return ST_OK;
}

/* ---- DeiT and Swin, by timm's names and shapes --------------------------- */

/* timm's Block / SwinTransformerBlock under prefix p; rpe_ws > 0: Swin's bias table. */
static int declare_token_block(st_model *m, st_block *b, int C, int rpe_ws, int heads, const char *p) {
    const st_config *c = &m->cfg;
    int hid = C * c->mlp_ratio;
    DECL(&b->ln_w, TK_ONES, (C), "%s.norm1.weight", p);
    DECL(&b->ln_b, TK_ZEROS, (C), "%s.norm1.bias", p);
    if (rpe_ws) {
        b->rpe_gh = b->rpe_gw = rpe_ws;
        DECL(&b->rpe_table, TK_TABLE, ((2 * rpe_ws - 1) * (2 * rpe_ws - 1), heads),
             "%s.attn.relative_position_bias_table", p);
    }
    DECL(&b->qkv_w, TK_WEIGHT, (3 * C, C), "%s.attn.qkv.weight", p);
    if (c->qkv_bias) DECL(&b->qkv_b, TK_BIAS, (3 * C), "%s.attn.qkv.bias", p);
    DECL(&b->proj_w, TK_WEIGHT, (C, C), "%s.attn.proj.weight", p);
    DECL(&b->proj_b, TK_BIAS, (C), "%s.attn.proj.bias", p);
    DECL(&b->ln2_w, TK_ONES, (C), "%s.norm2.weight", p);
    DECL(&b->ln2_b, TK_ZEROS, (C), "%s.norm2.bias", p);
    DECL(&b->fc1_w, TK_WEIGHT, (hid, C), "%s.mlp.fc1.weight", p);
    DECL(&b->fc1_b, TK_BIAS, (hid), "%s.mlp.fc1.bias", p);
    DECL(&b->fc2_w, TK_WEIGHT, (C, hid), "%s.mlp.fc2.weight", p);
    DECL(&b->fc2_b, TK_BIAS, (C), "%s.mlp.fc2.bias", p);
    return ST_OK;
}

static int declare_tokens(st_model *m) {
    const st_config *c = &m->cfg;
    int C0 = c->embed_dim[0], swin = c->net == ST_NET_SWIN, rc;
    if ((rc = declare_conv_bn(m, &m->stem[0], C0, 3, c->patch, "patch_embed.proj", NULL))) return rc;
    if (swin) {
        DECL(&m->patch_ln_w, TK_ONES, (C0), "patch_embed.norm.weight");
        DECL(&m->patch_ln_b, TK_ZEROS, (C0), "patch_embed.norm.bias");
    } else {
        int n = (c->pos_h / c->patch) * (c->pos_w / c->patch) + 1;
        DECL(&m->cls_token, TK_TABLE, (1, 1, C0), "cls_token");
        DECL(&m->pos_embed, TK_TABLE, (1, n, C0), "pos_embed");
    }
    char p[64];
    for (int i = 0; i < ST_STAGES; i++) {
        int C = c->embed_dim[i];
        m->stages[i].blocks = calloc(c->depths[i] ? c->depths[i] : 1, sizeof(st_block));
        if (!m->stages[i].blocks) return st_fail(ST_ERR_NOMEM, "out of memory");
        if (swin && i > 0) {
            DECL(&m->stages[i].merge_ln_w, TK_ONES, (2 * C), "layers.%d.downsample.norm.weight", i);
            DECL(&m->stages[i].merge_ln_b, TK_ZEROS, (2 * C), "layers.%d.downsample.norm.bias", i);
            DECL(&m->stages[i].merge_w, TK_WEIGHT, (C, 2 * C), "layers.%d.downsample.reduction.weight", i);
        }
        for (int j = 0; j < c->depths[i]; j++) {
            if (swin) snprintf(p, sizeof p, "layers.%d.blocks.%d", i, j);
            else snprintf(p, sizeof p, "blocks.%d", j);
            if ((rc = declare_token_block(m, &m->stages[i].blocks[j], C, swin ? c->window : 0, c->heads[i], p)))
                return rc;
        }
    }
    int last = swin ? c->embed_dim[3] : C0;
    DECL(&m->norm_w, TK_ONES, (last), "norm.weight");
    DECL(&m->norm_b, TK_ZEROS, (last), "norm.bias");
    DECL(&m->head_w, TK_WEIGHT, (c->num_classes, last), swin ? "head.fc.weight" : "head.weight");
    DECL(&m->head_b, TK_BIAS, (c->num_classes), swin ? "head.fc.bias" : "head.bias");
    return ST_OK;
}

int st_weights_declare(st_model *m) {
    const st_config *c = &m->cfg;
    int rc;
    if (c->net != ST_NET_STVIT) return declare_tokens(m);
    if (c->stem == ST_STEM_PATCH4) {
        if ((rc = declare_conv_bn(m, &m->stem[0], c->embed_dim[0], 3, 4, "patch_embed.proj", NULL))) return rc;
    } else {
        int cin = 3;
        for (int i = 0; i < 4; i++) {
            int cout = i < 2 ? c->embed_dim[0] / 2 : c->embed_dim[0];
            char conv[32], bn[32];
            snprintf(conv, sizeof conv, "patch_embed.proj.%d", 3 * i);
            snprintf(bn, sizeof bn, "patch_embed.proj.%d", 3 * i + 2);
            if ((rc = declare_conv_bn(m, &m->stem[i], cout, cin, 3, conv, bn))) return rc;
            cin = cout;
        }
    }
    if (c->pos == ST_POS_APE) {
        st_geometry g;
        if ((rc = st_geometry_make(c, c->pos_h ? c->pos_h : 224, c->pos_w ? c->pos_w : 224, &g))) return rc;
        m->ape_h = g.stem_h[g.nstem - 1];
        m->ape_w = g.stem_w[g.nstem - 1];
        DECL(&m->ape, TK_TABLE, (1, c->embed_dim[0], m->ape_h, m->ape_w), "absolute_pos_embed");
    }
    for (int i = 0; i < ST_STAGES; i++) {
        m->stages[i].blocks = calloc(c->depths[i] ? c->depths[i] : 1, sizeof(st_block));
        if (!m->stages[i].blocks) return st_fail(ST_ERR_NOMEM, "out of memory");
        for (int j = 0; j < c->depths[i]; j++)
            if ((rc = declare_block(m, &m->stages[i].blocks[j], i, j))) return rc;
        if (i < ST_STAGES - 1) {
            char conv[40], bn[40];
            snprintf(conv, sizeof conv, "layers.%d.downsample.proj.0", i);
            snprintf(bn, sizeof bn, "layers.%d.downsample.proj.1", i);
            if ((rc = declare_conv_bn(m, &m->stages[i].down, c->embed_dim[i + 1], c->embed_dim[i], 3, conv, bn)))
                return rc;
        }
    }
    int c3 = c->embed_dim[3], feat = c->projection ? c->projection : c3;
    if (c->projection) {
        if ((rc = declare_conv_bn(m, &m->head_proj, c->projection, c3, 1, "proj", "norm"))) return rc;
    } else {
        /* The spec's ablation rows 1-2: head = BN(C3) -> Swish (their FLOP figure counts this norm
         * at 5 per element, see variants/count.c, but the network is a BatchNorm). */
        if ((rc = declare_bn(m, &m->head_bn_w, &m->head_bn_b, &m->head_bn_mean, &m->head_bn_var, c3, "norm")))
            return rc;
    }
    DECL(&m->head_w, TK_WEIGHT, (c->num_classes, feat), "head.weight");
    DECL(&m->head_b, TK_BIAS, (c->num_classes), "head.bias");
    return ST_OK;
}

/* Points every declared slot into the arena. */
static void bind_slots(st_model *m) {
    for (int i = 0; i < m->ndecls; i++)
        if (m->decls[i].slot) *m->decls[i].slot = m->arena + m->decls[i].offset;
}

/* ---- seeded initialisation ---------------------------------------------- */

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static float uniform(uint64_t *s, float lo, float hi) {
    return lo + (hi - lo) * (float)((splitmix64(s) >> 40) * (1.0 / 16777216.0));
}
static uint64_t name_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Each tensor from its own stream (seed, name), so values do not depend on order. BN
 * statistics and affine are non-trivial on purpose: BN folding is then really tested. */
int st_weights_seed(st_model *m, uint64_t seed) {
    bind_slots(m);
    for (int i = 0; i < m->ndecls; i++) {
        st_tensor_decl *d = &m->decls[i];
        if (!d->slot) continue;
        float *p = *d->slot;
        uint64_t s = seed ^ name_hash(d->name);
        float bound = 1.0f / sqrtf((float)d->fan_in);
        for (int64_t k = 0; k < d->numel; k++) {
            switch (d->kind) {
            case TK_WEIGHT: p[k] = uniform(&s, -bound, bound); break;
            case TK_BIAS: p[k] = uniform(&s, -0.02f, 0.02f); break;
            case TK_ONES: p[k] = uniform(&s, 0.8f, 1.2f); break;
            case TK_ZEROS: p[k] = uniform(&s, -0.1f, 0.1f); break;
            case TK_BN_MEAN: p[k] = uniform(&s, -0.1f, 0.1f); break;
            case TK_BN_VAR: p[k] = uniform(&s, 0.5f, 1.5f); break;
            case TK_GAMMA: p[k] = m->cfg.init_values; break;
            case TK_TABLE: p[k] = uniform(&s, -0.02f, 0.02f); break;
            case TK_FIXED_IDENTITY: break;
            }
        }
    }
    return ST_OK;
}

/* ---- loading ------------------------------------------------------------ */

static int shape_matches(const st_tensor_decl *d, const sft_tensor *t) {
    if (t->numel != d->numel) return 0;
    /* The reference's own shapes; [1,C,1,1] vs [C] style differences are refused too. */
    if (t->ndim != d->ndim) return 0;
    for (int i = 0; i < d->ndim; i++)
        if (t->shape[i] != d->shape[i]) return 0;
    return 1;
}

static void shape_text(char *buf, size_t cap, int ndim, const int64_t *shape) {
    size_t n = 0;
    buf[0] = 0;
    if (ndim == 0) snprintf(buf, cap, "scalar");
    for (int i = 0; i < ndim && n < cap; i++)
        n += snprintf(buf + n, cap - n, i ? "x%lld" : "%lld", (long long)shape[i]);
}

/* Buffers some checkpoints carry that are derived, not learned (older timm Swin files
 * hold their index and mask buffers). */
static int is_ignored_extra(const char *name) {
    static const char *const suffixes[] = {".num_batches_tracked", ".relative_position_index", ".attn_mask"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcmp(name + n - k, suffixes[i]) == 0) return 1;
    }
    return 0;
}

int st_weights_load(st_model *m, const char *path) {
    sft_file f;
    int rc = sft_open(&f, path);
    if (rc) return rc;
    bind_slots(m);
    char problems[768] = "";
    int nproblems = 0;
#define PROBLEM(...)                                                                                      \
    do {                                                                                              \
        if (nproblems++ < 4) {                                                                        \
            size_t len_ = strlen(problems);                                                           \
            snprintf(problems + len_, sizeof problems - len_, "%s", nproblems > 1 ? "; " : "");       \
            len_ = strlen(problems);                                                                  \
            snprintf(problems + len_, sizeof problems - len_, __VA_ARGS__);                           \
        }                                                                                             \
    } while (0)
    for (int i = 0; i < m->ndecls; i++) {
        st_tensor_decl *d = &m->decls[i];
        const sft_tensor *t = sft_find(&f, d->name);
        if (!t) {
            if (d->kind != TK_FIXED_IDENTITY) PROBLEM("missing tensor '%s'", d->name);
            continue;
        }
        if (!shape_matches(d, t)) {
            char want[64], got[64];
            shape_text(want, sizeof want, d->ndim, d->shape);
            shape_text(got, sizeof got, t->ndim, t->shape);
            PROBLEM("tensor '%s' has shape %s, expected %s", d->name, got, want);
            continue;
        }
        if (!d->slot) continue; /* fixed identity kernels: accepted, not needed */
        if ((rc = sft_read_f32(&f, t, *d->slot))) {
            PROBLEM("%s", st_last_error());
            continue;
        }
    }
    for (int i = 0; i < f.count; i++) {
        const char *name = f.tensors[i].name;
        if (is_ignored_extra(name)) continue;
        int known = 0;
        for (int j = 0; j < m->ndecls && !known; j++) known = !strcmp(m->decls[j].name, name);
        if (!known) PROBLEM("unexpected tensor '%s'", name);
    }
    sft_close(&f);
    if (nproblems)
        return st_fail(ST_ERR_SHAPE, "%s: %d problem%s with the weights for this configuration: %s%s", path,
                       nproblems, nproblems > 1 ? "s" : "", problems, nproblems > 4 ? "; ..." : "");
    return ST_OK;
#undef PROBLEM
}

int st_weights_check_finite(const st_model *m) {
    for (int i = 0; i < m->ndecls; i++) {
        const st_tensor_decl *d = &m->decls[i];
        if (!d->slot) continue;
        const float *p = *d->slot;
        for (int64_t k = 0; k < d->numel; k++)
            if (!isfinite(p[k]))
                return st_fail(ST_ERR_NUMERIC, "tensor '%s' holds a non-finite value (%g at index %lld)", d->name,
                               p[k], (long long)k);
    }
    return ST_OK;
}

/* ---- derived weights: BatchNorm as scale/shift, folded where exact -------- */

static void bn_scale_shift(const float *w, const float *b, const float *mean, const float *var, int c,
                           float *scale, float *shift) {
    for (int i = 0; i < c; i++) {
        double s = w[i] / sqrt((double)var[i] + 1e-5);
        scale[i] = (float)s;
        shift[i] = (float)(b[i] - mean[i] * s);
    }
}

/* conv (any k) followed by BN: w'[o] = w[o] s[o], b' = b s + t. */
static void fold_conv_then_bn(st_conv_bn *cb, int cout, int per_out, float *w_out, float *b_out) {
    for (int o = 0; o < cout; o++) {
        for (int k = 0; k < per_out; k++) w_out[(size_t)o * per_out + k] = cb->w[(size_t)o * per_out + k] * cb->fold_scale[o];
        b_out[o] = (cb->b ? cb->b[o] : 0.0f) * cb->fold_scale[o] + cb->fold_shift[o];
    }
    cb->fold_w = w_out;
    cb->fold_b = b_out;
}

/* Carves 64-byte aligned pieces from one block; with base NULL it only measures. */
typedef struct { float *base; size_t used; } carver;
static float *carve(carver *cv, size_t n) {
    float *p = cv->base ? cv->base + cv->used : NULL;
    cv->used += (n + 15) / 16 * 16;
    return p;
}

/* DeiT / Swin: qkv rows from timm's q|k|v order (part*c + h*hd + d) to the head-major
 * order of kn_attention (h*3*hd + part*hd + d); DeiT's position table channel-major. */
static void derive_tokens(st_model *m, carver *cv) {
    const st_config *c = &m->cfg;
    int fill = cv->base != NULL;
    for (int i = 0; i < ST_STAGES; i++) {
        int C = c->embed_dim[i], hd = C / c->heads[i];
        for (int j = 0; j < c->depths[i]; j++) {
            st_block *b = &m->stages[i].blocks[j];
            b->qkvh_w = carve(cv, (size_t)3 * C * C);
            b->qkvh_b = b->qkv_b ? carve(cv, (size_t)3 * C) : NULL;
            if (!fill) continue;
            for (int part = 0; part < 3; part++)
                for (int h = 0; h < c->heads[i]; h++)
                    for (int d = 0; d < hd; d++) {
                        size_t from = (size_t)part * C + (size_t)h * hd + d, to = ((size_t)h * 3 + part) * hd + d;
                        memcpy(b->qkvh_w + to * C, b->qkv_w + from * C, sizeof(float) * C);
                        if (b->qkv_b) b->qkvh_b[to] = b->qkv_b[from];
                    }
        }
    }
    if (c->net != ST_NET_DEIT) return;
    int C = c->embed_dim[0], n = (c->pos_h / c->patch) * (c->pos_w / c->patch) + 1;
    m->pos_tokens = carve(cv, (size_t)C * n);
    if (!fill) return;
    for (int t = 0; t < n; t++)
        for (int ch = 0; ch < C; ch++) m->pos_tokens[(size_t)ch * n + t] = m->pos_embed[(size_t)t * C + ch];
}

/* One pass over every derived tensor; computes them when cv->base is set. */
static void derive_pass(st_model *m, carver *cv) {
    const st_config *c = &m->cfg;
    int fill = cv->base != NULL;
    if (c->net != ST_NET_STVIT) {
        derive_tokens(m, cv);
        return;
    }
    for (int i = 0; i < 4; i++) {
        st_conv_bn *s = &m->stem[i];
        if (!s->bn_w) continue;
        int cout = i < 2 ? c->embed_dim[0] / 2 : c->embed_dim[0];
        s->fold_scale = carve(cv, cout);
        s->fold_shift = carve(cv, cout);
        if (fill) bn_scale_shift(s->bn_w, s->bn_b, s->bn_mean, s->bn_var, cout, s->fold_scale, s->fold_shift);
    }
    for (int i = 0; i < ST_STAGES; i++) {
        int C = c->embed_dim[i], hid = C * c->mlp_ratio;
        for (int j = 0; j < c->depths[i]; j++) {
            st_block *b = &m->stages[i].blocks[j];
            /* fc1(BN(x)) = fc1 (s x + t) = (fc1 diag s) x + (fc1 t + b): exact, a 1x1 conv has no padding */
            b->fc1f_w = carve(cv, (size_t)hid * C);
            b->fc1f_b = carve(cv, hid);
            if (!fill) continue;
            float sc[C], sh[C];
            bn_scale_shift(b->bn_w, b->bn_b, b->bn_mean, b->bn_var, C, sc, sh);
            for (int o = 0; o < hid; o++) {
                double acc = b->fc1_b[o];
                for (int k = 0; k < C; k++) {
                    b->fc1f_w[(size_t)o * C + k] = b->fc1_w[(size_t)o * C + k] * sc[k];
                    acc += (double)b->fc1_w[(size_t)o * C + k] * sh[k];
                }
                b->fc1f_b[o] = (float)acc;
            }
        }
        if (i < 3) {
            st_conv_bn *d = &m->stages[i].down;
            int co = c->embed_dim[i + 1];
            d->fold_scale = carve(cv, co);
            d->fold_shift = carve(cv, co);
            float *w = carve(cv, (size_t)co * C * 9), *bb = carve(cv, co);
            if (!fill) continue;
            bn_scale_shift(d->bn_w, d->bn_b, d->bn_mean, d->bn_var, co, d->fold_scale, d->fold_shift);
            fold_conv_then_bn(d, co, C * 9, w, bb);
        }
    }
    int c3 = c->embed_dim[3];
    if (c->projection) {
        st_conv_bn *h = &m->head_proj;
        h->fold_scale = carve(cv, c->projection);
        h->fold_shift = carve(cv, c->projection);
        float *w = carve(cv, (size_t)c->projection * c3), *bb = carve(cv, c->projection);
        if (!fill) return;
        bn_scale_shift(h->bn_w, h->bn_b, h->bn_mean, h->bn_var, c->projection, h->fold_scale, h->fold_shift);
        fold_conv_then_bn(h, c->projection, c3, w, bb);
    } else {
        m->head_bn_scale = carve(cv, c3);
        m->head_bn_shift = carve(cv, c3);
        if (fill)
            bn_scale_shift(m->head_bn_w, m->head_bn_b, m->head_bn_mean, m->head_bn_var, c3, m->head_bn_scale,
                           m->head_bn_shift);
    }
}

int st_weights_derive(st_model *m) {
    carver measure = {0};
    derive_pass(m, &measure);
    free(m->derived);
    m->derived = aligned_alloc(64, (measure.used ? measure.used : 16) * sizeof(float));
    if (!m->derived) return st_fail(ST_ERR_NOMEM, "out of memory for derived weights");
    m->derived_floats = measure.used;
    carver fill = {.base = m->derived};
    derive_pass(m, &fill);
    return ST_OK;
}
