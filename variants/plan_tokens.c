/* plan_tokens.c — the paper's baselines as timm builds them, as nodes of the same
 * plan: DeiT (deit_small_patch16_224: patch tokens plus a class token, global
 * attention) and Swin (swin_tiny_patch4_window7_224: shifted windows with masks,
 * relative position bias, patch merging). Tokens live as [batch][c][n] like every other
 * activation, so LayerNorm, the linears (1x1 pointwise) and attention are the ops the
 * STViT network uses. FLOPs follow fvcore on timm's modules with the attention
 * matmuls counted (the papers' convention): linear/conv MACs, LayerNorm 5 per element. */
#include <math.h>
#include "variants/plan_builder.h"

/* norm: LayerNorm of x [B][c][n] into y (may be x). */
static void token_norm(builder *b, const float *w, const float *bias, const float *const *slot_w,
                       const float *const *slot_b, float eps, int c, int n, int x, int y, const char *name) {
    st_node *nd = node(b, ST_OP_LAYERNORM, "%s", name);
    nd->a.norm = (st_norm_args){.batch = b->B, .c = c, .n = n, .gamma = w, .beta = bias, .eps = eps};
    USES(nd, slot_w, slot_b);
    RD(nd, x, norm.x);
    if (x == y) RW(nd, y, norm.y);
    else WR(nd, y, norm.y);
    count(nd, "norm", 5 * (int64_t)c * n);
}

/* A 1x1 linear on bt x n tokens: cin -> cout, optionally GELU, optionally added into y. */
static st_node *token_linear(builder *b, int bt, int cin, int cout, int n, kn_weight w, const float *bias,
                             kn_act act, int accumulate, int x, int y, const char *name) {
    st_node *nd = node(b, ST_OP_CONV1X1, "%s", name);
    nd->a.pw = (kn_conv1x1_args){.batch = bt, .cin = cin, .cout = cout, .n = n, .w = w, .bias = bias,
                                   .act = act, .accumulate = accumulate};
    RD(nd, x, pw.x);
    if (accumulate) RW(nd, y, pw.y);
    else WR(nd, y, pw.y);
    count(nd, "linear", (int64_t)cin * cout * n * (bt / b->B));
    return nd;
}

/* The attention node: qkv (bt groups of n tokens, head-major) -> ao. */
static void attention_node(builder *b, const st_block *k, int bt, int C, int heads, int n, int rpe, int groups,
                           int qkv, int ao) {
    int hd = C / heads;
    const kn_ctx *ctx = b->m->ctx;
    size_t scratch = ctx ? ctx->ops.attention_scratch(ctx, bt, heads, hd, n) : 0;
    int sb = scratch ? buf(b, scratch) : -1;
    int probs = b->capture & ST_CAPTURE_ATTN ? buf(b, (size_t)bt * heads * n * n) : -1;
    st_node *nd = node(b, ST_OP_ATTENTION, "attention");
    nd->a.attn = (kn_attention_args){.batch = bt, .heads = heads, .hd = hd, .m = n, .scale = 1.0f / sqrtf((float)hd),
                                     .bias_groups = groups};
    RD(nd, qkv, attn.qkv);
    if (rpe >= 0) {
        RD(nd, rpe, attn.bias);
        USES(nd, &k->rpe_table); /* gathered (with the window masks) into the rpe buffer at plan time */
    }
    WR(nd, ao, attn.out);
    if (probs >= 0) WR(nd, probs, attn.probs);
    if (sb >= 0) WR(nd, sb, attn.scratch);
    count(nd, "attention", (int64_t)(bt / b->B) * heads * 2 * n * n * hd); /* q k^T and attn v */
}

static st_node *qkv_node(builder *b, const st_block *k, int bt, int C, int n, int x, int qkv) {
    st_node *nd = token_linear(b, bt, C, 3 * C, n, k->qkv_hw, k->qkvh_b, KN_ACT_NONE, 0, x, qkv, "qkv");
    USES(nd, &k->qkv_w, &k->qkv_b);
    return nd;
}

/* proj of ao added into x (the residual); `tokens` per image as timm counts them. */
static void proj_node(builder *b, const st_block *k, int C, int n, int64_t tokens, int ao, int x) {
    st_node *nd = token_linear(b, b->B, C, C, n, k->proj_hw, k->proj_b, KN_ACT_NONE, 1, ao, x, "proj");
    USES(nd, &k->proj_w, &k->proj_b);
    nd->count_flops[0] = (int64_t)C * C * tokens;
}

/* norm2, fc1 + GELU, fc2 added into x: timm's Mlp branch. */
static void token_mlp(builder *b, const st_block *k, int C, int hid, int n, float eps, int x) {
    size_t act = (size_t)b->B * C * n;
    int t2 = buf(b, act), h = buf(b, (size_t)b->B * hid * n);
    token_norm(b, k->ln2_w, k->ln2_b, (const float *const *)&k->ln2_w, (const float *const *)&k->ln2_b, eps, C, n,
               x, t2, "norm2");
    st_node *nd = token_linear(b, b->B, C, hid, n, k->fc1_hw, k->fc1_b, KN_ACT_GELU, 0, t2, h, "fc1");
    USES(nd, &k->fc1_w, &k->fc1_b);
    nd = token_linear(b, b->B, hid, C, n, k->fc2_hw, k->fc2_b, KN_ACT_NONE, 1, h, x, "fc2");
    USES(nd, &k->fc2_w, &k->fc2_b);
}

/* Where the attention hook looks at a block (ST_CAPTURE_ATTN plans only). */
static void token_capture(builder *b, int stage, int block, const st_stage_geo *s, int shifted) {
    if (!(b->capture & ST_CAPTURE_ATTN)) return;
    int probs = -1;
    for (int i = b->p->n - 1; i >= 0 && probs < 0; i--) {
        const st_node *n = &b->p->nodes[i];
        if (n->op != ST_OP_ATTENTION) continue;
        for (int k = 0; k < n->nio; k++)
            if (n->io[k].off == offsetof(st_node_args, attn.probs)) probs = n->io[k].buf;
        break;
    }
    st_node *n = node(b, ST_OP_CAPTURE, "capture");
    n->a.cap = (st_attn_capture){.stage = stage, .block = block, .kind = s->kind, .batch = b->B, .c = s->c,
                                 .heads = s->heads, .h0 = s->h, .w0 = s->w, .h = s->hp, .w = s->wp, .sh = 1, .sw = 1,
                                 .hh = s->hh, .ww = s->ww, .window = s->kind == ST_ATTN_WINDOW ? s->hh : 0,
                                 .shift_h = shifted ? s->shift_h : 0, .shift_w = shifted ? s->shift_w : 0,
                                 .cls = b->m->cfg.net == ST_NET_DEIT};
    if (probs >= 0) RD(n, probs, cap.attn);
}

/* Patch embedding: conv patch x patch / patch of the input into a new buffer. */
static int patch_embed(builder *b) {
    const st_model *m = b->m;
    const st_geometry *g = b->g;
    int C = g->stem_c[0], p = m->cfg.patch;
    int64_t n = (int64_t)g->stem_h[0] * g->stem_w[0];
    int x = buf(b, (size_t)b->B * C * n);
    st_node *nd = node(b, ST_OP_CONV, "patch_embed");
    nd->a.conv = (kn_conv_args){.batch = b->B, .cin = 3, .h = g->in_h, .w = g->in_w, .cout = C, .k = p, .stride = p,
                                .wt = m->stem[0].hw, .bias = m->stem[0].b};
    USES(nd, &m->stem[0].w, &m->stem[0].b);
    RD(nd, ST_BUF_INPUT, conv.x);
    WR(nd, x, conv.y);
    count(nd, "conv", (int64_t)C * 3 * p * p * n);
    return x;
}

/* DeiT: patches + class token + position table, depths[0] blocks, norm, class token. */
static void deit(builder *b) {
    const st_model *m = b->m;
    const st_stage_geo *s = &b->g->s[0];
    int B = b->B, C = s->c, np = s->h * s->w, n = s->tokens;
    scope(b, 0, -1, -1);
    int pe = patch_embed(b), x = buf(b, (size_t)B * C * n);
    st_node *nd = node(b, ST_OP_TOKENS_EMBED, "tokens");
    nd->a.embed = (st_embed_args){.batch = B, .c = C, .n = np, .cls = m->cls_token, .pos = m->pos_tokens};
    USES(nd, &m->cls_token, &m->pos_embed);
    RD(nd, pe, embed.x);
    WR(nd, x, embed.y);
    tap(b, x, C, 1, n, "stem");
    for (int j = 0; j < s->depth; j++) {
        const st_block *k = &m->stages[0].blocks[j];
        scope(b, 1, 0, j);
        int t = buf(b, (size_t)B * C * n);
        token_norm(b, k->ln_w, k->ln_b, (const float *const *)&k->ln_w, (const float *const *)&k->ln_b, 1e-6f, C, n,
                   x, t, "norm1");
        size_t act = (size_t)B * C * n;
        int qkv = buf(b, 3 * act), ao = buf(b, act);
        qkv_node(b, k, B, C, n, t, qkv);
        attention_node(b, k, B, C, s->heads, n, -1, 1, qkv, ao);
        token_capture(b, 0, j, s, 0);
        proj_node(b, k, C, n, n, ao, x);
        token_mlp(b, k, C, s->hid, n, 1e-6f, x);
        tap(b, x, C, 1, n, "stage0.block%d", j);
    }
    scope(b, 5, -1, -1);
    int hn = buf(b, (size_t)B * C * n), cls = buf(b, (size_t)B * C);
    token_norm(b, m->norm_w, m->norm_b, (const float *const *)&m->norm_w,
               (const float *const *)&m->norm_b, 1e-6f, C, n, x, hn, "norm");
    nd = node(b, ST_OP_CROP, "cls");
    nd->a.layout = (st_layout_args){.batch = B, .c = C, .h = 1, .w = 1, .hp = 1, .wp = n};
    RD(nd, hn, layout.x);
    WR(nd, cls, layout.y);
    classifier(b, cls, C);
}

/* One SwinTransformerBlock on x (c x h x w per image): shifted when `shifted`. The
 * linears are per token, so they run on the whole grid: proj after the windows are
 * scattered back (added into x, the residual), qkv before they are gathered unless the
 * grid is padded (timm's padding tokens are zeros before qkv, so their qkv is its bias). */
static void swin_block(builder *b, int stage, int j, int rpe, int x) {
    const st_model *m = b->m;
    const st_stage_geo *s = &b->g->s[stage];
    const st_block *k = &m->stages[stage].blocks[j];
    int B = b->B, C = s->c, n = s->h * s->w, ws = s->hh, m2 = ws * ws, bt = B * s->groups;
    int shifted = j % 2 && (s->shift_h || s->shift_w), padded = s->hp != s->h || s->wp != s->w;
    size_t act = (size_t)B * C * n, win = (size_t)B * C * s->hp * s->wp;
    scope(b, 1 + stage, stage, j);
    int t = buf(b, act), qkvw = buf(b, 3 * win), aw = buf(b, win), ao = buf(b, act);
    token_norm(b, k->ln_w, k->ln_b, (const float *const *)&k->ln_w, (const float *const *)&k->ln_b, 1e-5f, C, n, x,
               t, "norm1");
    st_layout_args lay = {.batch = B, .c = C, .h = s->h, .w = s->w, .hp = s->hp, .wp = s->wp, .ws = ws,
                          .shift_h = shifted ? s->shift_h : 0, .shift_w = shifted ? s->shift_w : 0};
    st_node *nd;
    if (padded) { /* windows of t, then qkv per window */
        int xw = buf(b, win);
        nd = node(b, ST_OP_WINDOW_GATHER, "window_gather");
        nd->a.layout = lay;
        RD(nd, t, layout.x);
        WR(nd, xw, layout.y);
        qkv_node(b, k, bt, C, m2, xw, qkvw);
    } else { /* qkv of the grid, then its windows */
        int qkv = buf(b, 3 * act);
        qkv_node(b, k, B, C, n, t, qkv);
        nd = node(b, ST_OP_WINDOW_GATHER, "window_gather");
        nd->a.layout = lay;
        nd->a.layout.c = 3 * C;
        RD(nd, qkv, layout.x);
        WR(nd, qkvw, layout.y);
    }
    attention_node(b, k, bt, C, s->heads, m2, rpe, shifted ? s->groups : 1, qkvw, aw);
    token_capture(b, stage, j, s, shifted);
    nd = node(b, ST_OP_WINDOW_SCATTER, "window_scatter");
    nd->a.layout = lay;
    RD(nd, aw, layout.x);
    WR(nd, ao, layout.y);
    proj_node(b, k, C, n, (int64_t)s->groups * m2, ao, x);
    token_mlp(b, k, C, s->hid, n, 1e-5f, x);
    tap(b, x, C, s->h, s->w, "stage%d.block%d", stage, j);
}

/* PatchMerging into stage i: 2x2 neighbours as channels, LayerNorm, reduction. */
static int patch_merge(builder *b, int i, int x) {
    const st_stage *st = &b->m->stages[i];
    const st_stage_geo *prev = &b->g->s[i - 1], *s = &b->g->s[i];
    int B = b->B, c4 = 4 * prev->c, n = s->h * s->w;
    scope(b, 1 + i, i, -1);
    int sd = buf(b, (size_t)B * c4 * n), y = buf(b, (size_t)B * s->c * n);
    st_node *nd = node(b, ST_OP_SPACE_TO_DEPTH, "merge");
    nd->a.layout = (st_layout_args){.batch = B, .c = prev->c, .h = prev->h, .w = prev->w, .hp = 2 * s->h,
                                    .wp = 2 * s->w};
    RD(nd, x, layout.x);
    WR(nd, sd, layout.y);
    token_norm(b, st->merge_ln_w, st->merge_ln_b, (const float *const *)&st->merge_ln_w,
               (const float *const *)&st->merge_ln_b, 1e-5f, c4, n, sd, sd, "merge_norm");
    nd = token_linear(b, B, c4, s->c, n, st->merge_hw, NULL, KN_ACT_NONE, 0, sd, y, "reduction");
    USES(nd, &st->merge_w);
    return y;
}

static void swin(builder *b) {
    const st_model *m = b->m;
    const st_geometry *g = b->g;
    int B = b->B;
    scope(b, 0, -1, -1);
    int x = patch_embed(b);
    token_norm(b, m->patch_ln_w, m->patch_ln_b, (const float *const *)&m->patch_ln_w,
               (const float *const *)&m->patch_ln_b, 1e-5f, g->stem_c[0], g->stem_h[0] * g->stem_w[0], x, x, "norm");
    tap(b, x, g->stem_c[0], g->stem_h[0], g->stem_w[0], "stem");
    for (int i = 0, flat = 0; i < ST_STAGES; i++) {
        const st_stage_geo *s = &g->s[i];
        if (i > 0) x = patch_merge(b, i, x);
        for (int j = 0; j < s->depth; j++, flat++) {
            int shifted = j % 2 && (s->shift_h || s->shift_w);
            int rpe = buf(b, (size_t)(shifted ? s->groups : 1) * s->heads * s->tokens * s->tokens);
            if (!b->p->failed) b->p->bufs[rpe].persistent = 1;
            b->p->rpe_buf[flat] = rpe;
            swin_block(b, i, j, rpe, x);
        }
        scope(b, 1 + i, i, -1);
        tap(b, x, s->c, s->h, s->w, "stage%d", i);
    }
    const st_stage_geo *s = &g->s[3];
    int n = s->h * s->w;
    scope(b, 5, -1, -1);
    int hn = buf(b, (size_t)B * s->c * n), pooled = buf(b, (size_t)B * s->c);
    token_norm(b, m->norm_w, m->norm_b, (const float *const *)&m->norm_w,
               (const float *const *)&m->norm_b, 1e-5f, s->c, n, x, hn, "norm");
    st_node *nd = node(b, ST_OP_AVGPOOL, "pool");
    nd->a.vec = (st_vec_args){.batch = B, .c = s->c, .n = n};
    RD(nd, hn, vec.x);
    WR(nd, pooled, vec.y);
    classifier(b, pooled, s->c);
}

void st_plan_tokens(builder *b) {
    if (b->m->cfg.net == ST_NET_DEIT) deit(b);
    else swin(b);
}

/* Swin's attention bias of one block: the relative position table gathered for a
 * ws x ws window (timm's relative_position_index), plus, for a shifted block, the mask
 * of each window (-100 between tokens from different regions of the rolled grid), as
 * timm's get_attn_mask on the padded grid hp x wp. bias [groups][heads][m][m]. */
void st_swin_bias(const float *table, int ws, int heads, int hp, int wp, int shift_h, int shift_w, int shifted,
                  float *bias) {
    int m = ws * ws, t = 2 * ws - 1, nwx = wp / ws, groups = shifted ? (hp / ws) * nwx : 1;
    for (int g = 0; g < groups; g++)
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++) {
                    int dy = i / ws - j / ws + ws - 1, dx = i % ws - j % ws + ws - 1;
                    float v = table[(size_t)(dy * t + dx) * heads + h];
                    if (shifted) {
                        int y0 = (g / nwx) * ws, x0 = (g % nwx) * ws;
                        int yi = y0 + i / ws, xi = x0 + i % ws, yj = y0 + j / ws, xj = x0 + j % ws;
                        /* region of a grid coordinate: [0, n-ws), [n-ws, n-shift), [n-shift, n); one without a shift */
#define REGION(v, nn, s) (!(s) || (v) < (nn) - ws ? 0 : (v) < (nn) - (s) ? 1 : 2)
                        int ri = REGION(yi, hp, shift_h) * 3 + REGION(xi, wp, shift_w);
                        int rj = REGION(yj, hp, shift_h) * 3 + REGION(xj, wp, shift_w);
#undef REGION
                        if (ri != rj) v += -100.0f;
                    }
                    bias[(((size_t)g * heads + h) * m + i) * m + j] = v;
                }
}
