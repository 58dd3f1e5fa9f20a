/* plan_build.c — the one walk over the network: stem, stages of blocks, head, as
 * nodes. Each node carries its op's args (weights bound), the buffers it reads and
 * writes, and its FLOPs in the paper's convention (see count.c for the labels). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "variants/model_internal.h"
#include "variants/plan.h"
#include "variants/plan_builder.h"
#include "variants/st_error.h"

const char *const st_op_names[ST_OP_COUNT] = {
#define ST_OP_NAME(id, name) name,
    ST_NODE_OPS(ST_OP_NAME)
#undef ST_OP_NAME
};

const char *const st_part_names[6] = {"stem", "stage0", "stage1", "stage2", "stage3", "head"};

/* ---- token mixers ------------------------------------------------------------ */

/* The refine step on bt = batch x groups groups of th x tw tokens: x -> out.
 * Per image that is `groups` groups. */
static void refine(builder *b, const st_block *k, const st_stage_geo *s, int groups, int th, int tw, int rpe,
                   int x, int out) {
    const st_config *cfg = &b->m->cfg;
    int bt = b->B * groups, C = s->c, t = th * tw;
    int64_t T = (int64_t)groups * t;
    size_t act = (size_t)bt * C * t;
    switch (cfg->refine) {
    case ST_REFINE_ATTN: {
        int hd = C / s->heads, qkv = buf(b, 3 * act), ao = buf(b, act);
        st_node *n = node(b, ST_OP_CONV1X1, "qkv");
        n->a.pw = (kn_conv1x1_args){.batch = bt, .cin = C, .cout = 3 * C, .n = t, .w = k->qkv_hw, .bias = k->qkv_b};
        USES(n, &k->qkv_w, &k->qkv_b);
        RD(n, x, pw.x);
        WR(n, qkv, pw.y);
        count(n, "conv1x1", 3 * C * C * T);
        const kn_ctx *ctx = b->m->ctx;
        size_t scratch = ctx ? ctx->ops.attention_scratch(ctx, bt, s->heads, hd, t) : 0;
        int sb = scratch ? buf(b, scratch) : -1;
        int probs = b->capture & ST_CAPTURE_ATTN ? buf(b, (size_t)bt * s->heads * t * t) : -1;
        n = node(b, ST_OP_ATTENTION, "attention");
        n->a.attn = (kn_attention_args){.batch = bt, .heads = s->heads, .hd = hd, .m = t,
                                        .scale = 1.0f / sqrtf((float)hd)};
        RD(n, qkv, attn.qkv);
        if (rpe >= 0) RD(n, rpe, attn.bias);
        if (rpe >= 0) USES(n, &k->rpe_table); /* expanded into the rpe buffer at plan time */
        WR(n, ao, attn.out);
        if (probs >= 0) WR(n, probs, attn.probs);
        if (sb >= 0) WR(n, sb, attn.scratch);
        count(n, "attention", groups * s->heads * 2 * (int64_t)t * hd * t); /* q.k and attn.v */
        n = node(b, ST_OP_CONV1X1, "proj");
        n->a.pw = (kn_conv1x1_args){.batch = bt, .cin = C, .cout = C, .n = t, .w = k->proj_hw, .bias = k->proj_b};
        USES(n, &k->proj_w, &k->proj_b);
        RD(n, ao, pw.x);
        WR(n, out, pw.y);
        count(n, "conv1x1", C * C * T);
        break;
    }
    case ST_REFINE_CONV: {
        int ao = buf(b, act), ao2 = buf(b, act);
        st_node *n = node(b, ST_OP_CONV1X1, "refine0");
        n->a.pw = (kn_conv1x1_args){.batch = bt, .cin = C, .cout = C, .n = t, .w = k->ref_hw[0], .bias = k->ref_b[0]};
        USES(n, &k->ref_w[0], &k->ref_b[0]);
        RD(n, x, pw.x);
        WR(n, ao, pw.y);
        count(n, "conv1x1", C * C * T);
        n = node(b, ST_OP_DWCONV, "refine1");
        n->a.dw = (kn_dwconv_args){.batch = bt, .c = C, .h = th, .w = tw, .k = 5, .wt = k->ref_hw[1], .bias = k->ref_b[1]};
        USES(n, &k->ref_w[1], &k->ref_b[1]);
        RD(n, ao, dw.x);
        WR(n, ao2, dw.y);
        count(n, "dwconv", C * 25 * T);
        n = node(b, ST_OP_CONV1X1, "refine2");
        n->a.pw = (kn_conv1x1_args){.batch = bt, .cin = C, .cout = C, .n = t, .w = k->ref_hw[2], .bias = k->ref_b[2]};
        USES(n, &k->ref_w[2], &k->ref_b[2]);
        RD(n, ao2, pw.x);
        WR(n, out, pw.y);
        count(n, "conv1x1", C * C * T);
        break;
    }
    case ST_REFINE_NONE: {
        st_node *n = node(b, ST_OP_COPY, "refine");
        n->a.layout = (st_layout_args){.count = act};
        RD(n, x, layout.x);
        WR(n, out, layout.y);
        break;
    }
    }
}

/* Where the attention hook looks at the block (ST_CAPTURE_ATTN plans only). */
static void capture(builder *b, int stage, int block, const st_stage_geo *s, int assoc, int z, int probs) {
    if (!(b->capture & ST_CAPTURE_ATTN)) return;
    const st_config *cfg = &b->m->cfg;
    st_node *n = node(b, ST_OP_CAPTURE, "capture");
    n->a.cap = (st_attn_capture){
        .stage = stage, .block = block, .kind = s->kind, .batch = b->B, .c = s->c, .heads = s->heads,
        .h0 = s->h, .w0 = s->w, .h = s->hp, .w = s->wp, .sh = s->sh, .sw = s->sw, .hh = s->hh, .ww = s->ww,
        .window = s->kind == ST_ATTN_WINDOW ? cfg->window : 0,
    };
    if (assoc >= 0) RD(n, assoc, cap.assoc);
    if (z >= 0) RD(n, z, cap.z);
    if (probs >= 0) RD(n, probs, cap.attn);
}

/* The probs buffer the last attention node wrote, or -1. */
static int last_probs(const builder *b) {
    for (int i = b->p->n - 1; i >= 0; i--) {
        const st_node *n = &b->p->nodes[i];
        if (n->op != ST_OP_ATTENTION) continue;
        for (int k = 0; k < n->nio; k++)
            if (n->io[k].off == offsetof(st_node_args, attn.probs)) return n->io[k].buf;
        return -1;
    }
    return -1;
}

/* Super token attention of t into br (spec, "Super token attention"). */
static void super_token_attention(builder *b, int stage, int block, const st_block *k, const st_stage_geo *s,
                                  int rpe, int t, int br) {
    int B = b->B, C = s->c, iters = b->m->cfg.n_iter[stage];
    int64_t m = (int64_t)s->hh * s->ww, P = (int64_t)s->sh * s->sw, np = (int64_t)s->hp * s->wp;
    int padded = s->hp != s->h || s->wp != s->w;
    kn_sta_shape g = {.batch = B, .c = C, .h = s->hp, .w = s->wp, .sh = s->sh, .sw = s->sw};
    int x = t;
    if (padded) {
        x = buf(b, (size_t)B * C * np);
        st_node *n = node(b, ST_OP_PAD, "pad");
        n->a.layout = (st_layout_args){.batch = B, .c = C, .h = s->h, .w = s->w, .hp = s->hp, .wp = s->wp};
        RD(n, t, layout.x);
        WR(n, x, layout.y);
    }
    int stok = buf(b, (size_t)B * C * m), stok2 = buf(b, (size_t)B * C * m);
    int assoc = buf(b, (size_t)B * 9 * np), z = buf(b, (size_t)B * m);
    float scale = 1.0f / sqrtf((float)C);
    st_node *n = node(b, ST_OP_STA_POOL, "sta_pool");
    n->a.sta = (st_sta_args){.g = g};
    RD(n, x, sta.x);
    WR(n, stok, sta.s_out);
    count(n, "sta_pool", C * np);
    for (int it = 0; it <= iters; it++) {
        if (it < iters) {
            n = node(b, ST_OP_STA_ASSOCIATE, "associate%d", it);
            n->a.sta = (st_sta_args){.g = g, .scale = scale};
            RD(n, x, sta.x);
            RD(n, stok, sta.s_in);
            WR(n, assoc, sta.a_out);
            count(n, "sta_unfold_fold", C * 81 * m + 81 * m); /* unfold S, fold Z */
            count(n, "association", m * P * C * 9);
            if (it == iters - 1) continue;
        }
        /* between iterations, and once after the last one */
        n = node(b, ST_OP_STA_AGGREGATE, it < iters ? "aggregate%d" : "aggregate", it);
        n->a.sta = (st_sta_args){.g = g};
        RD(n, x, sta.x);
        RD(n, assoc, sta.a_in);
        WR(n, stok, sta.s_out);
        WR(n, z, sta.z_out);
        count(n, "aggregation", m * C * P * 9);
        count(n, "sta_unfold_fold", C * 81 * m); /* unfold of S (between), fold of S (last) */
    }
    refine(b, k, s, 1, s->hh, s->ww, rpe, stok, stok2);
    capture(b, stage, block, s, assoc, z, last_probs(b));
    int up = padded ? buf(b, (size_t)B * C * np) : br;
    n = node(b, ST_OP_STA_UPSAMPLE, "upsample");
    n->a.sta = (st_sta_args){.g = g};
    RD(n, assoc, sta.a_in);
    RD(n, stok2, sta.s_in);
    WR(n, up, sta.y);
    count(n, "upsampling", m * C * 9 * P);
    count(n, "sta_unfold_fold", C * 81 * m); /* unfold before upsampling */
    if (padded) {
        n = node(b, ST_OP_CROP, "crop");
        n->a.layout = (st_layout_args){.batch = B, .c = C, .h = s->h, .w = s->w, .hp = s->hp, .wp = s->wp};
        RD(n, up, layout.x);
        WR(n, br, layout.y);
    }
}

/* The attention branch of LN(x) = t into br; a new attention kind is a case here. */
static void attention_branch(builder *b, int stage, int block, const st_block *k, const st_stage_geo *s, int rpe,
                             int t, int br) {
    int B = b->B, C = s->c;
    switch (s->kind) {
    case ST_ATTN_STA:
        super_token_attention(b, stage, block, k, s, rpe, t, br);
        break;
    case ST_ATTN_GLOBAL:
        refine(b, k, s, 1, s->h, s->w, rpe, t, br);
        capture(b, stage, block, s, -1, -1, last_probs(b));
        break;
    case ST_ATTN_WINDOW: {
        size_t win = (size_t)B * C * s->hp * s->wp;
        int xw = buf(b, win), yw = buf(b, win);
        st_layout_args lay = {.batch = B, .c = C, .h = s->h, .w = s->w, .hp = s->hp, .wp = s->wp,
                              .ws = b->m->cfg.window};
        st_node *n = node(b, ST_OP_WINDOW_GATHER, "window_gather");
        n->a.layout = lay;
        RD(n, t, layout.x);
        WR(n, xw, layout.y);
        refine(b, k, s, s->groups, s->hh, s->ww, rpe, xw, yw);
        capture(b, stage, block, s, -1, -1, last_probs(b));
        n = node(b, ST_OP_WINDOW_SCATTER, "window_scatter");
        n->a.layout = lay;
        RD(n, yw, layout.x);
        WR(n, br, layout.y);
        break;
    }
    }
}

/* ---- block, stem, head --------------------------------------------------------- */

/* One StokenAttentionLayer on buffer x; returns the buffer holding its output. */
static int block(builder *b, int stage, int j, int rpe, int x) {
    const st_model *m = b->m;
    const st_stage_geo *s = &b->g->s[stage];
    const st_block *k = &m->stages[stage].blocks[j];
    int B = b->B, C = s->c;
    int64_t n = (int64_t)s->h * s->w, hid = s->hid;
    size_t act = (size_t)B * C * n, hact = (size_t)B * hid * n;
    scope(b, 1 + stage, stage, j);
    st_node *nd;
    if (m->cfg.pos == ST_POS_CPE) { /* x = x + dwconv(x) */
        int y = buf(b, act);
        nd = node(b, ST_OP_DWCONV, "cpe");
        nd->a.dw = (kn_dwconv_args){.batch = B, .c = C, .h = s->h, .w = s->w, .k = 3, .wt = k->cpe_hw,
                                    .bias = k->cpe_b, .add_input = 1};
        USES(nd, &k->cpe_w, &k->cpe_b);
        RD(nd, x, dw.x);
        WR(nd, y, dw.y);
        count(nd, "dwconv", C * 9 * n);
        x = y;
    }
    int t = buf(b, act), br = buf(b, act);
    nd = node(b, ST_OP_LAYERNORM, "norm1");
    nd->a.norm = (st_norm_args){.batch = B, .c = C, .n = (int)n, .gamma = k->ln_w, .beta = k->ln_b, .eps = 1e-6f};
    USES(nd, &k->ln_w, &k->ln_b);
    RD(nd, x, norm.x);
    WR(nd, t, norm.y);
    count(nd, "norm", 5 * C * n);
    attention_branch(b, stage, j, k, s, rpe, t, br);
    tap(b, br, C, s->h, s->w, "stage%d.block%d.attn", stage, j);
    nd = node(b, ST_OP_SCALE_ADD, "residual1");
    nd->a.vec = (st_vec_args){.batch = B, .c = C, .n = (int)n, .gamma = k->gamma1};
    USES(nd, &k->gamma1);
    RD(nd, br, vec.x);
    RW(nd, x, vec.y);

    /* FFN: BN -> fc1 -> GELU -> (h + dwconv(h)) -> fc2, residual with gamma_2 */
    int h0 = buf(b, hact);
    if (m->fold_bn) {
        nd = node(b, ST_OP_CONV1X1, "fc1");
        nd->a.pw = (kn_conv1x1_args){.batch = B, .cin = C, .cout = (int)hid, .n = (int)n, .w = k->fc1f_hw,
                                       .bias = k->fc1f_b, .act = KN_ACT_GELU};
        USES(nd, &k->fc1_w, &k->fc1_b, &k->bn_w, &k->bn_b, &k->bn_mean, &k->bn_var);
        RD(nd, x, pw.x);
        count(nd, "norm", 2 * C * n); /* norm2, folded in */
    } else {
        int t2 = buf(b, act);
        nd = node(b, ST_OP_BATCHNORM, "norm2");
        nd->a.norm = (st_norm_args){.batch = B, .c = C, .n = (int)n, .mean = k->bn_mean, .var = k->bn_var,
                                    .gamma = k->bn_w, .beta = k->bn_b, .eps = 1e-5f};
        RD(nd, x, norm.x);
        USES_BN(nd, k);
        WR(nd, t2, norm.y);
        count(nd, "norm", 2 * C * n);
        nd = node(b, ST_OP_CONV1X1, "fc1");
        nd->a.pw = (kn_conv1x1_args){.batch = B, .cin = C, .cout = (int)hid, .n = (int)n, .w = k->fc1_hw,
                                       .bias = k->fc1_b, .act = KN_ACT_GELU};
        USES(nd, &k->fc1_w, &k->fc1_b);
        RD(nd, t2, pw.x);
    }
    WR(nd, h0, pw.y);
    count(nd, "conv1x1", hid * C * n);
    int hidden = h0;
    if (m->cfg.ffn != ST_FFN_PLAIN) {
        hidden = buf(b, hact);
        nd = node(b, ST_OP_DWCONV, "dwconv");
        nd->a.dw = (kn_dwconv_args){.batch = B, .c = (int)hid, .h = s->h, .w = s->w, .k = 3, .wt = k->dw_hw,
                                    .bias = k->dw_b, .add_input = m->cfg.ffn == ST_FFN_DW_RESIDUAL};
        USES(nd, &k->dw_w, &k->dw_b);
        RD(nd, h0, dw.x);
        WR(nd, hidden, dw.y);
        count(nd, "dwconv", hid * 9 * n);
    }
    nd = node(b, ST_OP_CONV1X1, "fc2");
    nd->a.pw = (kn_conv1x1_args){.batch = B, .cin = (int)hid, .cout = C, .n = (int)n, .w = k->fc2_hw,
                                   .bias = k->fc2_b, .gamma = k->gamma2, .accumulate = 1};
    USES(nd, &k->fc2_w, &k->fc2_b, &k->gamma2);
    RD(nd, hidden, pw.x);
    RW(nd, x, pw.y);
    count(nd, "conv1x1", C * hid * n);
    tap(b, x, C, s->h, s->w, "stage%d.block%d", stage, j);
    return x;
}

/* conv -> BN, folded into one conv when the backend allows (downsampling, head
 * projection): x -> a new buffer, returned. */
static int conv_bn(builder *b, const st_conv_bn *cb, int cin, int h, int w, int cout, int k, int stride, int pad,
                   kn_act act, int x, const char *name) {
    const st_model *m = b->m;
    int oh = st_conv_out(h, k, stride, pad), ow = st_conv_out(w, k, stride, pad), B = b->B;
    int64_t on = (int64_t)oh * ow;
    kn_weight wt = m->fold_bn ? cb->fold_hw : cb->hw;
    const float *bias = m->fold_bn ? cb->fold_b : cb->b;
    kn_act conv_act = m->fold_bn ? act : KN_ACT_NONE;
    int y = buf(b, (size_t)B * cout * on);
    st_node *n;
    if (k == 1) {
        n = node(b, ST_OP_CONV1X1, "%s", name);
        n->a.pw = (kn_conv1x1_args){.batch = B, .cin = cin, .cout = cout, .n = h * w, .w = wt, .bias = bias,
                                      .act = conv_act};
        RD(n, x, pw.x);
        WR(n, y, pw.y);
        count(n, "conv1x1", (int64_t)cout * cin * on);
    } else {
        n = node(b, ST_OP_CONV, "%s", name);
        n->a.conv = (kn_conv_args){.batch = B, .cin = cin, .h = h, .w = w, .cout = cout, .k = k, .stride = stride,
                                   .pad = pad, .wt = wt, .bias = bias, .act = conv_act};
        RD(n, x, conv.x);
        WR(n, y, conv.y);
        count(n, k == 3 ? "conv3x3" : "conv", (int64_t)cout * cin * k * k * on);
    }
    USES(n, &cb->w, &cb->b);
    if (m->fold_bn) {
        USES_BN(n, cb);
        count(n, "norm", 2 * cout * on);
        return y;
    }
    n = node(b, ST_OP_BATCHNORM, "norm");
    n->a.norm = (st_norm_args){.batch = B, .c = cout, .n = (int)on, .mean = cb->bn_mean, .var = cb->bn_var,
                               .gamma = cb->bn_w, .beta = cb->bn_b, .eps = 1e-5f, .act = act};
    USES_BN(n, cb);
    RD(n, y, norm.x);
    RW(n, y, norm.y);
    count(n, "norm", 2 * cout * on);
    return y;
}

static int stem(builder *b) {
    const st_model *m = b->m;
    const st_geometry *g = b->g;
    int B = b->B, x;
    scope(b, 0, -1, -1);
    if (m->cfg.stem == ST_STEM_PATCH4) {
        int64_t on = (int64_t)g->stem_h[0] * g->stem_w[0];
        x = buf(b, (size_t)B * g->stem_c[0] * on);
        st_node *n = node(b, ST_OP_CONV, "conv");
        n->a.conv = (kn_conv_args){.batch = B, .cin = 3, .h = g->in_h, .w = g->in_w, .cout = g->stem_c[0], .k = 4,
                                   .stride = 4, .wt = m->stem[0].hw, .bias = m->stem[0].b};
        USES(n, &m->stem[0].w, &m->stem[0].b);
        RD(n, ST_BUF_INPUT, conv.x);
        WR(n, x, conv.y);
        count(n, "conv4x4", (int64_t)g->stem_c[0] * 3 * 16 * on);
    } else {
        static const int stride[4] = {2, 1, 2, 1};
        int in = ST_BUF_INPUT, cin = 3, h = g->in_h, w = g->in_w;
        for (int i = 0; i < 4; i++) { /* conv -> GELU -> BN: the BN follows the GELU, so it cannot fold */
            const st_conv_bn *s = &m->stem[i];
            int c = g->stem_c[i];
            int64_t on = (int64_t)g->stem_h[i] * g->stem_w[i];
            x = buf(b, (size_t)B * c * on);
            st_node *n = node(b, ST_OP_CONV, "conv%d", i);
            n->a.conv = (kn_conv_args){.batch = B, .cin = cin, .h = h, .w = w, .cout = c, .k = 3,
                                       .stride = stride[i], .pad = 1, .wt = s->hw, .bias = s->b, .act = KN_ACT_GELU};
            USES(n, &s->w, &s->b);
            RD(n, in, conv.x);
            WR(n, x, conv.y);
            count(n, "conv3x3", (int64_t)c * cin * 9 * on);
            if (m->fold_bn) {
                n = node(b, ST_OP_AFFINE, "norm%d", i);
                n->a.norm = (st_norm_args){.batch = B, .c = c, .n = (int)on, .gamma = s->fold_scale,
                                           .beta = s->fold_shift};
            } else {
                n = node(b, ST_OP_BATCHNORM, "norm%d", i);
                n->a.norm = (st_norm_args){.batch = B, .c = c, .n = (int)on, .mean = s->bn_mean, .var = s->bn_var,
                                           .gamma = s->bn_w, .beta = s->bn_b, .eps = 1e-5f};
            }
            USES_BN(n, s); /* folded into scale and shift, or as they are */
            RD(n, x, norm.x);
            RW(n, x, norm.y);
            count(n, "norm", 2 * c * on);
            in = x;
            cin = c;
            h = g->stem_h[i];
            w = g->stem_w[i];
        }
    }
    int c0 = m->cfg.embed_dim[0], sh = g->stem_h[g->nstem - 1], sw = g->stem_w[g->nstem - 1];
    if (m->cfg.pos == ST_POS_APE) {
        b->p->ape_buf = buf(b, (size_t)c0 * sh * sw);
        if (!b->p->failed) b->p->bufs[b->p->ape_buf].persistent = 1;
        st_node *n = node(b, ST_OP_SCALE_ADD, "ape");
        n->a.vec = (st_vec_args){.batch = B, .c = c0, .n = sh * sw, .broadcast = 1};
        USES(n, &m->ape); /* resized into the ape buffer at plan time */
        RD(n, b->p->ape_buf, vec.x);
        RW(n, x, vec.y);
    }
    tap(b, x, c0, sh, sw, "stem");
    return x;
}

static void head(builder *b, int x) {
    const st_model *m = b->m;
    const st_stage_geo *s = &b->g->s[3];
    int B = b->B, n = s->h * s->w, feat = m->cfg.projection ? m->cfg.projection : s->c;
    scope(b, 5, -1, -1);
    int hb;
    if (m->cfg.projection) {
        hb = conv_bn(b, &m->head_proj, s->c, s->h, s->w, feat, 1, 1, 0, KN_ACT_SWISH, x, "proj");
    } else {
        /* Ablation rows 1-2: head = BN(C3) -> Swish, as the spec defines it; its FLOP figures count
         * this norm at 5 per element (see variants/count.c), so it is counted so here. */
        hb = buf(b, (size_t)B * feat * n);
        st_node *nd;
        if (m->fold_bn) {
            nd = node(b, ST_OP_AFFINE, "norm");
            nd->a.norm = (st_norm_args){.batch = B, .c = s->c, .n = n, .gamma = m->head_bn_scale,
                                        .beta = m->head_bn_shift, .act = KN_ACT_SWISH};
        } else {
            nd = node(b, ST_OP_BATCHNORM, "norm");
            nd->a.norm = (st_norm_args){.batch = B, .c = s->c, .n = n, .mean = m->head_bn_mean,
                                        .var = m->head_bn_var, .gamma = m->head_bn_w, .beta = m->head_bn_b,
                                        .eps = 1e-5f, .act = KN_ACT_SWISH};
        }
        USES(nd, &m->head_bn_w, &m->head_bn_b, &m->head_bn_mean, &m->head_bn_var);
        RD(nd, x, norm.x);
        WR(nd, hb, norm.y);
        count(nd, "norm", 5 * (int64_t)feat * n);
    }
    int pooled = buf(b, (size_t)B * feat);
    st_node *nd = node(b, ST_OP_AVGPOOL, "pool");
    nd->a.vec = (st_vec_args){.batch = B, .c = feat, .n = n};
    RD(nd, hb, vec.x);
    WR(nd, pooled, vec.y);
    count(nd, "pool", (int64_t)feat * n);
    classifier(b, pooled, feat);
}

int st_plan_build(const st_model *m, const st_geometry *g, int batch, unsigned capture, st_plan *p) {
    memset(p, 0, sizeof *p);
    p->ape_buf = p->kscratch_buf = -1;
    builder b = {.p = p, .m = m, .g = g, .B = batch, .capture = capture};
    const st_config *cfg = &m->cfg;
    p->nblocks = cfg->depths[0] + cfg->depths[1] + cfg->depths[2] + cfg->depths[3];
    p->rpe_buf = malloc((size_t)(p->nblocks ? p->nblocks : 1) * sizeof *p->rpe_buf);
    if (!p->rpe_buf) return st_fail(ST_ERR_NOMEM, "out of memory planning the network");
    for (int i = 0; i < p->nblocks; i++) p->rpe_buf[i] = -1;
    size_t in = (size_t)batch * 3 * g->in_h * g->in_w, logits = (size_t)batch * cfg->num_classes;
    buf(&b, in);                 /* ST_BUF_INPUT */
    buf(&b, logits);             /* ST_BUF_LOGITS */
    if (!p->failed) p->bufs[ST_BUF_INPUT].external = p->bufs[ST_BUF_LOGITS].external = 1;
    size_t kscratch = m->ctx ? kn_ctx_scratch_floats(m->ctx) : 0; /* the backend's own, at its threads */
    if (kscratch) {
        p->kscratch_buf = buf(&b, kscratch);
        if (!p->failed) p->bufs[p->kscratch_buf].persistent = 1;
    }
    if (cfg->net != ST_NET_STVIT) {
        st_plan_tokens(&b);
        goto built;
    }
    int x = stem(&b);
    for (int i = 0, flat = 0; i < ST_STAGES; i++) {
        const st_stage_geo *s = &g->s[i];
        for (int j = 0; j < s->depth; j++, flat++) {
            int rpe = -1;
            if (cfg->pos == ST_POS_RPE && cfg->refine == ST_REFINE_ATTN) {
                rpe = buf(&b, (size_t)s->heads * s->tokens * s->tokens);
                if (!p->failed) p->bufs[rpe].persistent = 1;
            }
            p->rpe_buf[flat] = rpe;
            x = block(&b, i, j, rpe, x);
        }
        scope(&b, 1 + i, i, -1);
        if (i < ST_STAGES - 1) {
            const st_stage_geo *nx = &g->s[i + 1];
            x = conv_bn(&b, &m->stages[i].down, s->c, s->h, s->w, nx->c, 3, 2, 1, KN_ACT_NONE, x, "down");
            tap(&b, x, nx->c, nx->h, nx->w, "stage%d", i);
        } else {
            tap(&b, x, s->c, s->h, s->w, "stage%d", i);
        }
    }
    head(&b, x);
built:
    if (p->failed) {
        st_plan_free(p);
        return st_fail(ST_ERR_NOMEM, "out of memory planning the network");
    }
    for (int i = 0; i < p->n; i++) {
        p->nodes[i].info.name = p->nodes[i].name; /* the array moved while growing */
        if (p->nodes[i].overflow) {
            int rc = st_fail(ST_ERR_ARG, "plan: node '%s' has more buffers, weights or counts than a node holds",
                             p->nodes[i].name);
            st_plan_free(p);
            return rc;
        }
    }
    return ST_OK;
}

void st_plan_free(st_plan *p) {
    free(p->nodes);
    free(p->bufs);
    free(p->rpe_buf);
    memset(p, 0, sizeof *p);
    p->ape_buf = p->kscratch_buf = -1;
}
