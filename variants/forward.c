/* forward.c — the STViT forward pass, top to bottom, through the op table only.
 * Nothing here allocates: every buffer was planned by st_model_plan. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "variants/model_internal.h"
#include "variants/st_error.h"

typedef struct {
    st_model *m;
    int locate;             /* checking every named tensor for NaN/Inf */
    char bad[64];           /* the first one that held one */
} run_ctx;

static void emit(run_ctx *r, const char *name, const float *x, int c, int h, int w) {
    st_model *m = r->m;
    if (r->locate && !r->bad[0]) {
        size_t n = (size_t)m->batch * c * h * w;
        for (size_t i = 0; i < n; i++)
            if (!isfinite(x[i])) { snprintf(r->bad, sizeof r->bad, "%s", name); break; }
    }
    if (m->hooks.tensor) m->hooks.tensor(m->hooks.ud, name, x, m->batch, c, h, w);
}

static void enter(const st_model *m, const char *part) {
    if (m->hooks.scope) m->hooks.scope(m->hooks.ud, part);
}

/* Runs op `name` of the op list on the model's backend instance. */
#define OP(name, ...) m->ctx->ops.name(m->ctx, __VA_ARGS__)

static void swap(float **a, float **b) { float *t = *a; *a = *b; *b = t; }

/* ---- layout helpers (copies, no arithmetic) ------------------------------- */

/* [B][C][h][w] -> [B][C][hp][wp], zeros at the right and bottom. */
static void pad_copy(const float *x, int B, int C, int h, int w, int hp, int wp, float *y) {
    for (size_t bc = 0; bc < (size_t)B * C; bc++) {
        const float *src = x + bc * h * w;
        float *dst = y + bc * hp * wp;
        for (int r = 0; r < hp; r++) {
            if (r < h) {
                memcpy(dst + (size_t)r * wp, src + (size_t)r * w, sizeof(float) * w);
                memset(dst + (size_t)r * wp + w, 0, sizeof(float) * (wp - w));
            } else {
                memset(dst + (size_t)r * wp, 0, sizeof(float) * wp);
            }
        }
    }
}

/* [B][C][hp][wp] -> [B][C][h][w], the top-left crop. */
static void crop_copy(const float *x, int B, int C, int hp, int wp, int h, int w, float *y) {
    for (size_t bc = 0; bc < (size_t)B * C; bc++)
        for (int r = 0; r < h; r++)
            memcpy(y + (bc * h + r) * w, x + (bc * hp + r) * wp, sizeof(float) * w);
}

/* [B][C][h][w] <-> [B][nwin][C][ws][ws] (windows row-major, zero padded to hp x wp). */
static void window_copy(float *img, float *win, int B, int C, int h, int w, int hp, int wp, int ws, int gather) {
    int nwx = wp / ws, nwin = (hp / ws) * nwx;
    for (int b = 0; b < B; b++)
        for (int wi = 0; wi < nwin; wi++)
            for (int c = 0; c < C; c++)
                for (int y = 0; y < ws; y++)
                    for (int x = 0; x < ws; x++) {
                        int iy = (wi / nwx) * ws + y, ix = (wi % nwx) * ws + x;
                        float *t = win + ((((size_t)b * nwin + wi) * C + c) * ws + y) * ws + x;
                        int inside = iy < h && ix < w;
                        float *s = img + (((size_t)b * C + c) * h + (inside ? iy : 0)) * w + (inside ? ix : 0);
                        if (gather) *t = inside ? *s : 0.0f;
                        else if (inside) *s = *t;
                    }
}

/* ---- attention ------------------------------------------------------------- */

/* The block's token mixer on `batch` groups of C x (th x tw) tokens: x -> out. */
static void refine(run_ctx *r, const st_block *b, const st_stage_geo *s, int batch, int th, int tw,
                   const float *rpe, const float *x, float *out) {
    st_model *m = r->m;
    int C = s->c, n = th * tw;
    switch (m->cfg.refine) {
    case ST_REFINE_ATTN: {
        OP(conv1x1, &(kn_conv1x1_args){.batch = batch, .cin = C, .cout = 3 * C, .n = n, .x = x,
                                          .w = b->qkv_hw, .bias = b->qkv_b, .y = m->qkv});
        int hd = C / s->heads;
        OP(attention, &(kn_attention_args){.batch = batch, .heads = s->heads, .hd = hd, .m = n, .qkv = m->qkv,
                                          .bias = rpe, .scale = 1.0f / sqrtf((float)hd), .out = m->ao,
                                          .probs = (m->capture & ST_CAPTURE_ATTN) ? m->probs : NULL,
                                          .scratch = m->attn_scratch});
        OP(conv1x1, &(kn_conv1x1_args){.batch = batch, .cin = C, .cout = C, .n = n, .x = m->ao,
                                          .w = b->proj_hw, .bias = b->proj_b, .y = out});
        break;
    }
    case ST_REFINE_CONV:
        OP(conv1x1, &(kn_conv1x1_args){.batch = batch, .cin = C, .cout = C, .n = n, .x = x,
                                          .w = b->ref_hw[0], .bias = b->ref_b[0], .y = m->ao});
        OP(dwconv, &(kn_dwconv_args){.batch = batch, .c = C, .h = th, .w = tw, .k = 5, .x = m->ao,
                                    .wt = b->ref_hw[1], .bias = b->ref_b[1], .y = m->ao2});
        OP(conv1x1, &(kn_conv1x1_args){.batch = batch, .cin = C, .cout = C, .n = n, .x = m->ao2,
                                          .w = b->ref_hw[2], .bias = b->ref_b[2], .y = out});
        break;
    case ST_REFINE_NONE:
        memcpy(out, x, sizeof(float) * batch * C * n);
        break;
    }
}

static void capture(run_ctx *r, int stage, int block, const st_stage_geo *s) {
    st_model *m = r->m;
    if (!(m->capture & ST_CAPTURE_ATTN) || !m->hooks.attention) return;
    st_attn_capture cap = {
        .stage = stage, .block = block, .kind = s->kind, .batch = m->batch, .c = s->c, .heads = s->heads,
        .h0 = s->h, .w0 = s->w, .h = s->hp, .w = s->wp, .sh = s->sh, .sw = s->sw, .hh = s->hh, .ww = s->ww,
        .window = s->kind == ST_ATTN_WINDOW ? m->cfg.window : 0,
        .assoc = s->kind == ST_ATTN_STA ? m->assoc : NULL, .z = s->kind == ST_ATTN_STA ? m->zsum : NULL,
        .attn = m->cfg.refine == ST_REFINE_ATTN ? m->probs : NULL,
    };
    m->hooks.attention(m->hooks.ud, &cap);
}

/* Super token attention of LN(x) = t0 into br (spec, "Super token attention"). */
static void super_token_attention(run_ctx *r, int stage, int block, const st_block *b, const st_stage_geo *s,
                                  const float *rpe) {
    st_model *m = r->m;
    int B = m->batch, C = s->c;
    int padded = s->hp != s->h || s->wp != s->w;
    const float *x = m->t0;
    if (padded) {
        pad_copy(m->t0, B, C, s->h, s->w, s->hp, s->wp, m->pad);
        x = m->pad;
    }
    kn_sta_shape g = {.batch = B, .c = C, .h = s->hp, .w = s->wp, .sh = s->sh, .sw = s->sw};
    float scale = 1.0f / sqrtf((float)C);
    OP(sta_pool, &g, x, m->stok);
    for (int it = 0; it < m->cfg.n_iter[stage]; it++) {
        OP(sta_associate, &g, x, m->stok, scale, m->assoc);
        if (it < m->cfg.n_iter[stage] - 1) OP(sta_aggregate, &g, x, m->assoc, m->stok, m->zsum);
    }
    OP(sta_aggregate, &g, x, m->assoc, m->stok, m->zsum);
    refine(r, b, s, B, s->hh, s->ww, rpe, m->stok, m->stok2);
    capture(r, stage, block, s);
    OP(sta_upsample, &g, m->assoc, m->stok2, padded ? m->up : m->br);
    if (padded) crop_copy(m->up, B, C, s->hp, s->wp, s->h, s->w, m->br);
}

static void attention_branch(run_ctx *r, int stage, int block, const st_block *b, const st_stage_geo *s,
                             const float *rpe) {
    st_model *m = r->m;
    int B = m->batch, C = s->c;
    switch (s->kind) {
    case ST_ATTN_STA:
        super_token_attention(r, stage, block, b, s, rpe);
        break;
    case ST_ATTN_GLOBAL:
        refine(r, b, s, B, s->h, s->w, rpe, m->t0, m->br);
        capture(r, stage, block, s);
        break;
    case ST_ATTN_WINDOW:
        window_copy(m->t0, m->pad, B, C, s->h, s->w, s->hp, s->wp, m->cfg.window, 1);
        refine(r, b, s, B * s->groups, s->hh, s->ww, rpe, m->pad, m->up);
        capture(r, stage, block, s);
        window_copy(m->br, m->up, B, C, s->h, s->w, s->hp, s->wp, m->cfg.window, 0);
        break;
    }
}

/* ---- block, stem, head ------------------------------------------------------- */

/* One StokenAttentionLayer on *x (spare: a free buffer of the same size). */
static void block_forward(run_ctx *r, int stage, int j, const float *rpe, float **x, float **spare) {
    st_model *m = r->m;
    const st_stage_geo *s = &m->geo.s[stage];
    const st_block *b = &m->stages[stage].blocks[j];
    int B = m->batch, C = s->c, n = s->h * s->w;
    if (m->cfg.pos == ST_POS_CPE) { /* x = x + dwconv(x) */
        OP(dwconv, &(kn_dwconv_args){.batch = B, .c = C, .h = s->h, .w = s->w, .k = 3, .x = *x, .wt = b->cpe_hw,
                                    .bias = b->cpe_b, .add_input = 1, .y = *spare});
        swap(x, spare);
    }
    OP(layernorm, B, C, n, *x, b->ln_w, b->ln_b, 1e-6f, m->t0);
    attention_branch(r, stage, j, b, s, rpe);
    char name[48];
    snprintf(name, sizeof name, "stage%d.block%d.attn", stage, j);
    emit(r, name, m->br, C, s->h, s->w);
    OP(scale_add, B, C, n, m->br, b->gamma1, *x);

    /* FFN: BN -> fc1 -> GELU -> (h + dwconv(h)) -> fc2, residual with gamma_2 */
    if (m->fold_bn) {
        OP(conv1x1, &(kn_conv1x1_args){.batch = B, .cin = C, .cout = s->hid, .n = n, .x = *x, .w = b->fc1f_hw,
                                          .bias = b->fc1f_b, .act = KN_ACT_GELU, .y = m->h0});
    } else {
        OP(batchnorm, B, C, n, *x, b->bn_mean, b->bn_var, b->bn_w, b->bn_b, 1e-5f, KN_ACT_NONE, m->t0);
        OP(conv1x1, &(kn_conv1x1_args){.batch = B, .cin = C, .cout = s->hid, .n = n, .x = m->t0, .w = b->fc1_hw,
                                          .bias = b->fc1_b, .act = KN_ACT_GELU, .y = m->h0});
    }
    const float *hidden = m->h0;
    if (m->cfg.ffn != ST_FFN_PLAIN) {
        OP(dwconv, &(kn_dwconv_args){.batch = B, .c = s->hid, .h = s->h, .w = s->w, .k = 3, .x = m->h0,
                                    .wt = b->dw_hw, .bias = b->dw_b,
                                    .add_input = m->cfg.ffn == ST_FFN_DW_RESIDUAL, .y = m->h1});
        hidden = m->h1;
    }
    OP(conv1x1, &(kn_conv1x1_args){.batch = B, .cin = s->hid, .cout = C, .n = n, .x = hidden, .w = b->fc2_hw,
                                      .bias = b->fc2_b, .gamma = b->gamma2, .accumulate = 1, .y = *x});
    snprintf(name, sizeof name, "stage%d.block%d", stage, j);
    emit(r, name, *x, C, s->h, s->w);
}

/* conv -> BN, folded into one conv when the backend allows (downsampling, head proj). */
static void conv_bn(run_ctx *r, const st_conv_bn *cb, int cin, int h, int w, int cout, int k, int stride,
                    int pad, kn_act act, const float *x, float *y) {
    st_model *m = r->m;
    int oh = st_conv_out(h, k, stride, pad), ow = st_conv_out(w, k, stride, pad);
    kn_weight wt = m->fold_bn ? cb->fold_hw : cb->hw;
    const float *bias = m->fold_bn ? cb->fold_b : cb->b;
    kn_act conv_act = m->fold_bn ? act : KN_ACT_NONE;
    if (k == 1)
        OP(conv1x1, &(kn_conv1x1_args){.batch = m->batch, .cin = cin, .cout = cout, .n = h * w, .x = x,
                                              .w = wt, .bias = bias, .act = conv_act, .y = y});
    else
        OP(conv, &(kn_conv_args){.batch = m->batch, .cin = cin, .h = h, .w = w, .cout = cout, .k = k,
                                    .stride = stride, .pad = pad, .x = x, .wt = wt, .bias = bias,
                                    .act = conv_act, .y = y});
    if (!m->fold_bn)
        OP(batchnorm, m->batch, cout, oh * ow, y, cb->bn_mean, cb->bn_var, cb->bn_w, cb->bn_b, 1e-5f, act, y);
}

/* Stem into *x; returns nothing, leaves the result in *x. */
static void stem_forward(run_ctx *r, const float *input, float **x, float **spare) {
    st_model *m = r->m;
    const st_geometry *g = &m->geo;
    if (m->cfg.stem == ST_STEM_PATCH4) {
        OP(conv, &(kn_conv_args){.batch = m->batch, .cin = 3, .h = g->in_h, .w = g->in_w, .cout = g->stem_c[0],
                                    .k = 4, .stride = 4, .pad = 0, .x = input, .wt = m->stem[0].hw,
                                    .bias = m->stem[0].b, .y = *x});
    } else {
        static const int stride[4] = {2, 1, 2, 1};
        const float *in = input;
        int cin = 3, h = g->in_h, w = g->in_w;
        for (int i = 0; i < 4; i++) { /* conv -> GELU -> BN: the BN follows the GELU, so it cannot fold */
            const st_conv_bn *s = &m->stem[i];
            float *out = i % 2 == 0 ? *x : *spare;
            OP(conv, &(kn_conv_args){.batch = m->batch, .cin = cin, .h = h, .w = w, .cout = g->stem_c[i], .k = 3,
                                        .stride = stride[i], .pad = 1, .x = in, .wt = s->hw, .bias = s->b,
                                        .act = KN_ACT_GELU, .y = out});
            int n = g->stem_h[i] * g->stem_w[i];
            if (m->fold_bn)
                OP(affine, m->batch, g->stem_c[i], n, out, s->fold_scale, s->fold_shift, KN_ACT_NONE, out);
            else
                OP(batchnorm, m->batch, g->stem_c[i], n, out, s->bn_mean, s->bn_var, s->bn_w, s->bn_b, 1e-5f,
                                 KN_ACT_NONE, out);
            in = out;
            cin = g->stem_c[i];
            h = g->stem_h[i];
            w = g->stem_w[i];
        }
        swap(x, spare); /* the last of the four wrote to *spare */
    }
    int c0 = m->cfg.embed_dim[0], n0 = g->stem_h[g->nstem - 1] * g->stem_w[g->nstem - 1];
    if (m->ape_run)
        for (int b = 0; b < m->batch; b++) OP(scale_add, 1, c0, n0, m->ape_run, NULL, *x + (size_t)b * c0 * n0);
    emit(r, "stem", *x, c0, g->stem_h[g->nstem - 1], g->stem_w[g->nstem - 1]);
}

static void head_forward(run_ctx *r, const float *x, float *logits) {
    st_model *m = r->m;
    const st_stage_geo *s = &m->geo.s[3];
    int n = s->h * s->w, feat = m->cfg.projection ? m->cfg.projection : s->c;
    if (m->cfg.projection) {
        conv_bn(r, &m->head_proj, s->c, s->h, s->w, feat, 1, 1, 0, KN_ACT_SWISH, x, m->h0);
    } else if (m->fold_bn) {
        OP(affine, m->batch, s->c, n, x, m->head_bn_scale, m->head_bn_shift, KN_ACT_SWISH, m->h0);
    } else {
        OP(batchnorm, m->batch, s->c, n, x, m->head_bn_mean, m->head_bn_var, m->head_bn_w, m->head_bn_b, 1e-5f,
           KN_ACT_SWISH, m->h0);
    }
    OP(avgpool, m->batch, feat, n, m->h0, m->pooled);
    emit(r, "features", m->pooled, feat, 1, 1);
    OP(linear, m->batch, feat, m->cfg.num_classes, m->pooled, m->head_hw, m->head_b, logits);
    emit(r, "logits", logits, m->cfg.num_classes, 1, 1);
}

static void forward_pass(run_ctx *r, const float *input, float *logits) {
    st_model *m = r->m;
    float *x = m->x0, *spare = m->x1;
    enter(m, "stem");
    stem_forward(r, input, &x, &spare);
    int flat = 0;
    for (int i = 0; i < ST_STAGES; i++) {
        char part[16];
        snprintf(part, sizeof part, "stage%d", i);
        enter(m, part);
        const st_stage_geo *s = &m->geo.s[i];
        for (int j = 0; j < m->cfg.depths[i]; j++, flat++)
            block_forward(r, i, j, m->rpe_bias ? m->rpe_bias[flat] : NULL, &x, &spare);
        if (i < ST_STAGES - 1) {
            const st_stage_geo *nx = &m->geo.s[i + 1];
            conv_bn(r, &m->stages[i].down, s->c, s->h, s->w, nx->c, 3, 2, 1, KN_ACT_NONE, x, spare);
            swap(&x, &spare);
            emit(r, part, x, nx->c, nx->h, nx->w);
        } else {
            emit(r, part, x, s->c, s->h, s->w);
        }
    }
    enter(m, "head");
    head_forward(r, x, logits);
}

int st_model_forward(st_model *m, const float *input, float *logits) {
    if (!m->work) return st_fail(ST_ERR_ARG, "st_model_forward before st_model_plan");
    if (m->plan_threads != m->ctx->threads || m->plan_backend != m->ctx->backend)
        return st_fail(ST_ERR_ARG, "the plan was sized for %d thread%s of backend '%s', the instance now has %d "
                       "of '%s': plan again", m->plan_threads, m->plan_threads == 1 ? "" : "s", m->plan_backend->name,
                       m->ctx->threads, m->ctx->backend->name);
    run_ctx r = {.m = m};
    forward_pass(&r, input, logits);
    size_t n = (size_t)m->batch * m->cfg.num_classes;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(logits[i])) {
            /* rare path: run again, checking every named tensor, to say where it started */
            for (size_t j = 0; j < (size_t)m->batch * 3 * m->geo.in_h * m->geo.in_w; j++)
                if (!isfinite(input[j])) return st_fail(ST_ERR_NUMERIC, "the input holds a non-finite value");
            r.locate = 1;
            st_hooks saved = m->hooks;
            memset(&m->hooks, 0, sizeof m->hooks);
            forward_pass(&r, input, logits);
            m->hooks = saved;
            return st_fail(ST_ERR_NUMERIC, "non-finite values in the forward pass, first in '%s'",
                           r.bad[0] ? r.bad : "logits");
        }
    return ST_OK;
}
