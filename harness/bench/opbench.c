/* opbench.c — times one op of the op list on one shape of the shared case table. Inputs
 * are seeded uniform values in [-1, 1) (variances and STA shapes made valid). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness/bench/opbench.h"
#include "harness/bench/stats.h"
#include "harness/bench/timer.h"
#include "kernels/cases.h"
#include "variants/st_error.h"

#define MAX_BUFS 8

typedef struct {
    float *p[MAX_BUFS];
    int n;
    int failed;
    unsigned long long seed;
} bufs;

/* n floats of seeded values in [lo, lo + 2) (never freed before the case ends). */
static float *buf(bufs *b, size_t n, float lo) {
    float *p = aligned_alloc(64, ((n ? n : 1) * sizeof(float) + 63) / 64 * 64);
    if (!p || b->n == MAX_BUFS) { free(p); b->failed = 1; return NULL; }
    b->p[b->n++] = p;
    for (size_t i = 0; i < n; i++) {
        b->seed = b->seed * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = lo + (float)((b->seed >> 40) * (2.0 / 16777216.0));
    }
    return p;
}

/* Runs CALL once untimed, then r->runs times, into r. */
#define TIME(CALL)                                                   \
    do {                                                             \
        CALL;                                                        \
        for (int k_ = 0; k_ < runs; k_++) {                          \
            double t0_ = hx_now();                                   \
            CALL;                                                    \
            samples[k_] = 1e6 * (hx_now() - t0_);                    \
        }                                                            \
    } while (0)

int hx_opbench_case(kn_ctx *ctx, int op, int ci, int runs, hx_opbench_result *r) {
    memset(r, 0, sizeof *r);
    if (runs < 1) runs = 1;
    if (ci < 0 || ci >= kn_cases_count(op)) return st_fail(ST_ERR_ARG, "op %s has no case %d", kn_op_names[op], ci);
    double *samples = malloc(sizeof(double) * runs);
    bufs b = {.seed = 0x9E3779B97F4A7C15ull + (unsigned)ci};
    if (!samples) return st_fail(ST_ERR_NOMEM, "out of memory");
    const kn_ops *o = &ctx->ops;
    int rc = ST_OK;
    switch (op) {
    case KN_OP_conv1x1: {
        const kn_conv1x1_case *c = &kn_conv1x1_cases[ci];
        void *prep;
        kn_weight_info wi = {.op = op, .rows = c->cout, .cols = c->cin, .k = 1, .n = c->n, .name = "opbench"};
        kn_conv1x1_args a = {.batch = c->batch, .cin = c->cin, .cout = c->cout, .n = c->n,
                             .x = buf(&b, (size_t)c->batch * c->cin * c->n, -1),
                             .w = kn_ctx_weight(ctx, &wi, buf(&b, (size_t)c->cout * c->cin, -1), &prep),
                             .bias = buf(&b, c->cout, -1),
                             .act = KN_ACT_GELU, .y = buf(&b, (size_t)c->batch * c->cout * c->n, -1)};
        snprintf(r->shape, sizeof r->shape, "batch=%d cin=%d cout=%d n=%d", c->batch, c->cin, c->cout, c->n);
        r->flops = 2.0 * c->batch * c->cout * c->cin * (double)c->n;
        if (!b.failed) TIME(o->conv1x1(ctx, &a));
        free(prep);
        break;
    }
    case KN_OP_conv: {
        const kn_conv_case *c = &kn_conv_cases[ci];
        int oh = (c->h + 2 * c->pad - c->k) / c->stride + 1, ow = (c->w + 2 * c->pad - c->k) / c->stride + 1;
        void *prep;
        kn_weight_info wi = {.op = op, .rows = c->cout, .cols = c->cin, .k = c->k, .name = "opbench"};
        kn_conv_args a = {.batch = c->batch, .cin = c->cin, .h = c->h, .w = c->w, .cout = c->cout, .k = c->k,
                          .stride = c->stride, .pad = c->pad,
                          .x = buf(&b, (size_t)c->batch * c->cin * c->h * c->w, -1),
                          .wt = kn_ctx_weight(ctx, &wi, buf(&b, (size_t)c->cout * c->cin * c->k * c->k, -1), &prep),
                          .bias = buf(&b, c->cout, -1), .y = buf(&b, (size_t)c->batch * c->cout * oh * ow, -1)};
        snprintf(r->shape, sizeof r->shape, "batch=%d cin=%d %dx%d cout=%d k=%d stride=%d pad=%d", c->batch, c->cin,
                 c->h, c->w, c->cout, c->k, c->stride, c->pad);
        r->flops = 2.0 * c->batch * c->cout * c->cin * c->k * c->k * (double)oh * ow;
        if (!b.failed) TIME(o->conv(ctx, &a));
        free(prep);
        break;
    }
    case KN_OP_dwconv: {
        const kn_dwconv_case *c = &kn_dwconv_cases[ci];
        size_t n = (size_t)c->batch * c->c * c->h * c->w;
        kn_dwconv_args a = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .k = c->k, .x = buf(&b, n, -1),
                            .wt = kn_w(buf(&b, (size_t)c->c * c->k * c->k, -1)), .bias = buf(&b, c->c, -1),
                            .add_input = 1, .y = buf(&b, n, -1)};
        snprintf(r->shape, sizeof r->shape, "batch=%d c=%d %dx%d k=%d", c->batch, c->c, c->h, c->w, c->k);
        r->flops = 2.0 * n * c->k * c->k;
        if (!b.failed) TIME(o->dwconv(ctx, &a));
        break;
    }
    case KN_OP_layernorm: case KN_OP_batchnorm: case KN_OP_affine: case KN_OP_scale_add: case KN_OP_avgpool: {
        const kn_bcn_case *c = &kn_bcn_cases[ci];
        size_t n = (size_t)c->batch * c->c * c->n;
        float *x = buf(&b, n, -1), *y = buf(&b, n, -1), *g = buf(&b, c->c, -1), *be = buf(&b, c->c, -1);
        float *var = buf(&b, c->c, 0.5f); /* positive */
        snprintf(r->shape, sizeof r->shape, "batch=%d c=%d n=%d", c->batch, c->c, c->n);
        if (b.failed) break;
        if (op == KN_OP_layernorm) TIME(o->layernorm(ctx, c->batch, c->c, c->n, x, g, be, 1e-6f, y));
        else if (op == KN_OP_batchnorm) TIME(o->batchnorm(ctx, c->batch, c->c, c->n, x, be, var, g, be, 1e-5f, KN_ACT_NONE, y));
        else if (op == KN_OP_affine) TIME(o->affine(ctx, c->batch, c->c, c->n, x, g, be, KN_ACT_NONE, y));
        else if (op == KN_OP_scale_add) TIME(o->scale_add(ctx, c->batch, c->c, c->n, x, g, y));
        else TIME(o->avgpool(ctx, c->batch, c->c, c->n, x, y));
        break;
    }
    case KN_OP_activation: {
        size_t n = kn_activation_counts[ci];
        float *x = buf(&b, n, -1), *y = buf(&b, n, -1);
        snprintf(r->shape, sizeof r->shape, "count=%zu act=gelu", n);
        if (!b.failed) TIME(o->activation(ctx, n, KN_ACT_GELU, x, y));
        break;
    }
    case KN_OP_linear: {
        const kn_linear_case *c = &kn_linear_cases[ci];
        float *x = buf(&b, (size_t)c->batch * c->in, -1), *w = buf(&b, (size_t)c->out * c->in, -1);
        float *bias = buf(&b, c->out, -1), *y = buf(&b, (size_t)c->batch * c->out, -1);
        snprintf(r->shape, sizeof r->shape, "batch=%d in=%d out=%d", c->batch, c->in, c->out);
        r->flops = 2.0 * c->batch * c->in * (double)c->out;
        if (!b.failed) TIME(o->linear(ctx, c->batch, c->in, c->out, x, kn_w(w), bias, y));
        break;
    }
    case KN_OP_sta_pool: case KN_OP_sta_associate: case KN_OP_sta_aggregate: case KN_OP_sta_upsample: {
        const kn_sta_case *c = &kn_sta_cases[ci];
        kn_sta_shape g = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .sh = c->sh, .sw = c->sw};
        size_t n = (size_t)c->h * c->w, m = (size_t)(c->h / c->sh) * (c->w / c->sw);
        float *x = buf(&b, c->batch * c->c * n, -1), *s = buf(&b, c->batch * c->c * m, -1);
        float *a = buf(&b, c->batch * 9 * n, 0.0f), *z = buf(&b, c->batch * m, 0.0f), *y = buf(&b, c->batch * c->c * n, -1);
        snprintf(r->shape, sizeof r->shape, "batch=%d c=%d %dx%d cell=%dx%d", c->batch, c->c, c->h, c->w, c->sh, c->sw);
        if (op != KN_OP_sta_pool) r->flops = 2.0 * 9 * c->batch * c->c * (double)n;
        if (b.failed) break;
        if (op == KN_OP_sta_pool) TIME(o->sta_pool(ctx, &g, x, s));
        else if (op == KN_OP_sta_associate) TIME(o->sta_associate(ctx, &g, x, s, 0.125f, a));
        else if (op == KN_OP_sta_aggregate) TIME(o->sta_aggregate(ctx, &g, x, a, s, z));
        else TIME(o->sta_upsample(ctx, &g, a, s, y));
        break;
    }
    case KN_OP_attention: {
        const kn_attention_case *c = &kn_attention_cases[ci];
        size_t C = (size_t)c->heads * c->hd;
        /* with the bias the network passes (Swin: relative positions + shift masks per window) */
        kn_attention_args a = {.batch = c->batch, .heads = c->heads, .hd = c->hd, .m = c->m,
                               .qkv = buf(&b, c->batch * 3 * C * c->m, -1), .scale = 0.125f,
                               .bias = c->groups ? buf(&b, (size_t)c->groups * c->heads * c->m * c->m, -1) : NULL,
                               .bias_groups = c->groups, .out = buf(&b, c->batch * C * c->m, -1),
                               .scratch = buf(&b, o->attention_scratch(ctx, c->batch, c->heads, c->hd, c->m), 0)};
        snprintf(r->shape, sizeof r->shape, "batch=%d heads=%d hd=%d m=%d bias_groups=%d", c->batch, c->heads, c->hd,
                 c->m, c->groups);
        r->flops = 4.0 * c->batch * c->heads * c->hd * (double)c->m * c->m;
        if (!b.failed) TIME(o->attention(ctx, &a));
        break;
    }
    case KN_OP_gemm: {
        const kn_gemm_case *c = &kn_gemm_cases[ci];
        float *A = buf(&b, (size_t)c->M * c->K, -1), *B = buf(&b, (size_t)c->K * c->N, -1);
        float *Cm = buf(&b, (size_t)c->M * c->N, -1);
        snprintf(r->shape, sizeof r->shape, "M=%d N=%d K=%d", c->M, c->N, c->K);
        r->flops = 2.0 * c->M * c->N * (double)c->K;
        if (!b.failed) TIME(o->gemm(ctx, 0, 0, c->M, c->N, c->K, 1.0f, A, c->K, B, c->N, 0.0f, Cm, c->N));
        break;
    }
    case KN_OP_pad: case KN_OP_crop: case KN_OP_window_gather: case KN_OP_window_scatter: case KN_OP_copy: {
        const kn_layout_case *c = &kn_layout_cases[ci];
        size_t img = (size_t)c->batch * c->c * c->h * c->w, pad = (size_t)c->batch * c->c * c->hp * c->wp;
        int to_image = op == KN_OP_crop || op == KN_OP_window_scatter; /* from the padded layout */
        kn_layout_args a = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .hp = c->hp, .wp = c->wp,
                            .ws = c->ws, .shift_h = c->shift_h, .shift_w = c->shift_w, .count = pad,
                            .x = buf(&b, to_image || op == KN_OP_copy ? pad : img, -1),
                            .y = buf(&b, to_image ? img : pad, 0)};
        snprintf(r->shape, sizeof r->shape, "batch=%d c=%d %dx%d <-> %dx%d ws=%d shift=%d,%d", c->batch, c->c, c->h,
                 c->w, c->hp, c->wp, c->ws, c->shift_h, c->shift_w);
        r->flops = 0; /* copies: bytes, not arithmetic */
        if (!b.failed) {
            if (op == KN_OP_pad) TIME(o->pad(ctx, &a));
            else if (op == KN_OP_crop) TIME(o->crop(ctx, &a));
            else if (op == KN_OP_window_gather) TIME(o->window_gather(ctx, &a));
            else if (op == KN_OP_window_scatter) TIME(o->window_scatter(ctx, &a));
            else TIME(o->copy(ctx, &a));
        }
        break;
    }
    case KN_OP_space_to_depth: case KN_OP_tokens_embed: {
        const kn_layout_case *c = &kn_layout_cases[ci];
        int hp = (c->h + 1) / 2 * 2, wp = (c->w + 1) / 2 * 2, n = c->h * c->w;
        kn_layout_args a = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .hp = hp, .wp = wp,
                            .x = buf(&b, (size_t)c->batch * c->c * n, -1),
                            .y = buf(&b, (size_t)c->batch * c->c * (hp * wp > n + 1 ? hp * wp : n + 1), 0)};
        const float *cls = buf(&b, (size_t)c->c, -1), *pos = buf(&b, (size_t)c->c * (n + 1), -1);
        snprintf(r->shape, sizeof r->shape, "batch=%d c=%d %dx%d", c->batch, c->c, c->h, c->w);
        r->flops = 0; /* a copy; tokens_embed one add per element */
        if (!b.failed) {
            if (op == KN_OP_space_to_depth) TIME(o->space_to_depth(ctx, &a));
            else TIME(o->tokens_embed(ctx, c->batch, c->c, n, a.x, cls, pos, a.y));
        }
        break;
    }
    default:
        rc = st_fail(ST_ERR_ARG, "op %d is not in the op list", op);
    }
    if (!rc && b.failed) rc = st_fail(ST_ERR_NOMEM, "out of memory for op %s case %d", kn_op_names[op], ci);
    if (!rc) {
        hx_summary s;
        if (!(rc = hx_summarize(samples, runs, &s))) r->us_min = s.min, r->us_median = s.median, r->runs = runs;
    }
    for (int i = 0; i < b.n; i++) free(b.p[i]);
    free(samples);
    return rc;
}
