/* forward.c — runs the planned nodes in order, each one switch case and one call
 * through the op table. Nothing here allocates: every buffer was placed by
 * st_model_plan. */
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

/* ---- one node ------------------------------------------------------------------ */

static void tap(run_ctx *r, const st_node *n) {
    st_model *m = r->m;
    const st_tap_args *t = &n->a.tap;
    if (r->locate && !r->bad[0]) {
        size_t count = (size_t)m->batch * t->c * t->h * t->w;
        for (size_t i = 0; i < count; i++)
            if (!isfinite(t->x[i])) { snprintf(r->bad, sizeof r->bad, "%s", n->name); break; }
    }
    if (m->hooks.tensor) m->hooks.tensor(m->hooks.ud, n->name, t->x, m->batch, t->c, t->h, t->w);
}

static void run_node(run_ctx *r, const st_node *n) {
    st_model *m = r->m;
    kn_ctx *c = m->ctx;
    const kn_ops *k = &c->ops;
    const st_node_args *a = &n->a;
    switch (n->op) {
    case ST_OP_CONV: k->conv(c, &a->conv); break;
    case ST_OP_CONV1X1: k->conv1x1(c, &a->pw); break;
    case ST_OP_DWCONV: k->dwconv(c, &a->dw); break;
    case ST_OP_LAYERNORM:
        k->layernorm(c, a->norm.batch, a->norm.c, a->norm.n, a->norm.x, a->norm.gamma, a->norm.beta, a->norm.eps,
                     a->norm.y);
        break;
    case ST_OP_BATCHNORM:
        k->batchnorm(c, a->norm.batch, a->norm.c, a->norm.n, a->norm.x, a->norm.mean, a->norm.var, a->norm.gamma,
                     a->norm.beta, a->norm.eps, a->norm.act, a->norm.y);
        break;
    case ST_OP_AFFINE:
        k->affine(c, a->norm.batch, a->norm.c, a->norm.n, a->norm.x, a->norm.gamma, a->norm.beta, a->norm.act,
                  a->norm.y);
        break;
    case ST_OP_ACTIVATION: k->activation(c, a->vec.count, a->vec.act, a->vec.x, a->vec.y); break;
    case ST_OP_SCALE_ADD:
        if (a->vec.broadcast) /* one image (a position table) added to each */
            for (int b = 0; b < a->vec.batch; b++)
                k->scale_add(c, 1, a->vec.c, a->vec.n, a->vec.x, a->vec.gamma, a->vec.y + (size_t)b * a->vec.c * a->vec.n);
        else
            k->scale_add(c, a->vec.batch, a->vec.c, a->vec.n, a->vec.x, a->vec.gamma, a->vec.y);
        break;
    case ST_OP_AVGPOOL: k->avgpool(c, a->vec.batch, a->vec.c, a->vec.n, a->vec.x, a->vec.y); break;
    case ST_OP_LINEAR:
        k->linear(c, a->linear.batch, a->linear.in, a->linear.out, a->linear.x, a->linear.w, a->linear.bias, a->linear.y);
        break;
    case ST_OP_STA_POOL: k->sta_pool(c, &a->sta.g, a->sta.x, a->sta.s_out); break;
    case ST_OP_STA_ASSOCIATE: k->sta_associate(c, &a->sta.g, a->sta.x, a->sta.s_in, a->sta.scale, a->sta.a_out); break;
    case ST_OP_STA_AGGREGATE: k->sta_aggregate(c, &a->sta.g, a->sta.x, a->sta.a_in, a->sta.s_out, a->sta.z_out); break;
    case ST_OP_STA_UPSAMPLE: k->sta_upsample(c, &a->sta.g, a->sta.a_in, a->sta.s_in, a->sta.y); break;
    case ST_OP_ATTENTION: k->attention(c, &a->attn); break;
    case ST_OP_PAD: k->pad(c, &a->layout); break;
    case ST_OP_CROP: k->crop(c, &a->layout); break;
    case ST_OP_WINDOW_GATHER: k->window_gather(c, &a->layout); break;
    case ST_OP_WINDOW_SCATTER: k->window_scatter(c, &a->layout); break;
    case ST_OP_COPY: k->copy(c, &a->layout); break;
    case ST_OP_SPACE_TO_DEPTH: k->space_to_depth(c, &a->layout); break;
    case ST_OP_TOKENS_EMBED:
        k->tokens_embed(c, a->embed.batch, a->embed.c, a->embed.n, a->embed.x, a->embed.cls, a->embed.pos,
                        a->embed.y);
        break;
    case ST_OP_TAP: tap(r, n); break;
    case ST_OP_CAPTURE:
        if (m->hooks.attention) m->hooks.attention(m->hooks.ud, &a->cap);
        break;
    case ST_OP_COUNT: break;
    }
}

/* Debugging (st_model_set_poison): NaN into the buffers node i is the first to touch. */
static void poison(st_model *m, int i) {
    const st_node *n = &m->plan.nodes[i];
    for (int k = 0; k < n->nio; k++) {
        const st_buffer *b = &m->plan.bufs[n->io[k].buf];
        if (b->first != i || b->persistent || b->external) continue;
        float *p = m->work + b->offset;
        for (size_t j = 0; j < b->floats; j++) p[j] = NAN;
    }
}

static void forward_pass(run_ctx *r) {
    st_model *m = r->m;
    int part = -1;
    const st_hooks *h = &m->hooks;
    for (int i = 0; i < m->plan.n; i++) {
        const st_node *n = &m->plan.nodes[i];
        if (n->info.part != part) {
            part = n->info.part;
            if (h->scope) h->scope(h->ud, st_part_names[part]);
        }
        if (m->poison) poison(m, i);
        if (h->node) h->node(h->ud, i, 0);
        run_node(r, n);
        if (h->node) h->node(h->ud, i, 1);
    }
}

int st_model_forward(st_model *m, const float *input, float *logits) {
    if (!m->work) return st_fail(ST_ERR_ARG, "st_model_forward before st_model_plan");
    if (m->plan_threads != m->ctx->threads || m->plan_backend != m->ctx->backend)
        return st_fail(ST_ERR_ARG, "the plan was sized for %d thread%s of backend '%s', the instance now has %d "
                       "of '%s': plan again", m->plan_threads, m->plan_threads == 1 ? "" : "s", m->plan_backend->name,
                       m->ctx->threads, m->ctx->backend->name);
    st_plan_bind(&m->plan, m->work, input, logits);
    run_ctx r = {.m = m};
    forward_pass(&r);
    size_t n = (size_t)m->batch * m->cfg.num_classes;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(logits[i])) {
            /* rare path: run again, checking every named tensor, to say where it started */
            for (size_t j = 0; j < (size_t)m->batch * 3 * m->geo.in_h * m->geo.in_w; j++)
                if (!isfinite(input[j])) return st_fail(ST_ERR_NUMERIC, "the input holds a non-finite value");
            r.locate = 1;
            st_hooks saved = m->hooks;
            memset(&m->hooks, 0, sizeof m->hooks);
            forward_pass(&r);
            m->hooks = saved;
            return st_fail(ST_ERR_NUMERIC, "non-finite values in the forward pass, first in '%s'",
                           r.bad[0] ? r.bad : "logits");
        }
    return ST_OK;
}
