/* plan_builder.h — the helpers every node builder uses (the STViT walk in plan_build.c,
 * the DeiT and Swin walks in plan_tokens.c): a node in the current scope, its buffers,
 * the weights it stands for and its FLOPs. */
#ifndef ST_PLAN_BUILDER_H
#define ST_PLAN_BUILDER_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "variants/model_internal.h"
#include "variants/plan.h"

typedef struct {
    st_plan *p;
    const st_model *m;
    const st_geometry *g;
    int B;                      /* batch */
    unsigned capture;
} builder;

static st_node dummy;           /* what node() hands out once memory ran out */

/* Room for element n of *arr (capacity *cap, doubling); sets p->failed when out of memory. */
static inline void grow(st_plan *p, void *arr, int n, int *cap, size_t size) {
    if (p->failed || n < *cap) return;
    int want = *cap ? 2 * *cap : 256;
    void *more = realloc(*(void **)arr, (size_t)want * size);
    if (!more) { p->failed = 1; return; }
    *(void **)arr = more;
    *cap = want;
}

/* A new node named prefix + fmt in the current scope. */
static inline st_node *node(builder *b, st_op op, const char *fmt, ...) {
    st_plan *p = b->p;
    grow(p, &p->nodes, p->n, &p->cap, sizeof *p->nodes);
    st_node *n = p->failed ? &dummy : &p->nodes[p->n++];
    memset(n, 0, sizeof *n);
    n->op = op;
    size_t len = (size_t)snprintf(n->name, sizeof n->name, "%s", p->prefix);
    va_list ap;
    va_start(ap, fmt);
    if (len < sizeof n->name) vsnprintf(n->name + len, sizeof n->name - len, fmt, ap);
    va_end(ap);
    n->info = (st_node_info){.op = st_op_names[op], .part = p->part, .stage = p->stage, .block = p->block};
    return n;
}

/* A node's fixed lists overflowing is a builder bug: st_plan_build refuses the plan. */
static inline void io(st_node *n, int buf, size_t off, int mode) {
    if (n->nio < ST_NODE_IO) n->io[n->nio++] = (st_node_io){.buf = buf, .off = (unsigned short)off, .mode = mode};
    else n->overflow = 1;
}
#define RD(n, b, field) io(n, b, offsetof(st_node_args, field), ST_IO_READ)
#define WR(n, b, field) io(n, b, offsetof(st_node_args, field), ST_IO_WRITE)
#define RW(n, b, field) io(n, b, offsetof(st_node_args, field), ST_IO_READ | ST_IO_WRITE)

/* The weight slots a node uses: USES(n, &k->fc1_w, &k->fc1_b). */
static inline void uses(st_node *n, const void *const *slots) {
    for (; *slots; slots++)
        if (n->nweights < ST_NODE_WEIGHTS) n->weights[n->nweights++] = *slots;
        else n->overflow = 1;
}
#define USES(n, ...) uses(n, (const void *const[]){__VA_ARGS__, NULL})
#define USES_BN(n, cb) USES(n, &(cb)->bn_w, &(cb)->bn_b, &(cb)->bn_mean, &(cb)->bn_var)

static inline void count(st_node *n, const char *op, int64_t flops) {
    for (int i = 0; i < ST_NODE_COUNTS; i++)
        if (!n->count_op[i]) { n->count_op[i] = op; n->count_flops[i] = flops; return; }
    n->overflow = 1;
}

/* A new buffer of `floats` floats. */
static inline int buf(builder *b, size_t floats) {
    st_plan *p = b->p;
    grow(p, &p->bufs, p->nbufs, &p->capb, sizeof *p->bufs);
    if (p->failed) return 0;
    p->bufs[p->nbufs] = (st_buffer){.floats = floats, .first = -1, .last = -1};
    return p->nbufs++;
}

static inline void scope(builder *b, int part, int stage, int block) {
    st_plan *p = b->p;
    p->part = part;
    p->stage = stage;
    p->block = block;
    if (block >= 0) snprintf(p->prefix, sizeof p->prefix, "stage%d.block%d.", stage, block);
    else if (part >= 1 && part <= 4) snprintf(p->prefix, sizeof p->prefix, "stage%d.", stage);
    else snprintf(p->prefix, sizeof p->prefix, "%s.", st_part_names[part]);
}

/* A named intermediate the tensor hook sees (c x h x w per image). */
static inline void tap(builder *b, int x, int c, int h, int w, const char *fmt, ...) {
    st_node *n = node(b, ST_OP_TAP, "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->name, sizeof n->name, fmt, ap);
    va_end(ap);
    n->a.tap = (st_tap_args){.c = c, .h = h, .w = w};
    RD(n, x, tap.x);
}


/* The classifier on pooled features [B][feat], with the `features` and `logits` taps. */
static inline void classifier(builder *b, int pooled, int feat) {
    const st_model *m = b->m;
    tap(b, pooled, feat, 1, 1, "features");
    st_node *nd = node(b, ST_OP_LINEAR, "linear");
    nd->a.linear = (st_linear_args){.batch = b->B, .in = feat, .out = m->cfg.num_classes, .w = m->head_hw,
                                    .bias = m->head_b};
    USES(nd, &m->head_w, &m->head_b);
    RD(nd, pooled, linear.x);
    WR(nd, ST_BUF_LOGITS, linear.y);
    count(nd, "linear", (int64_t)feat * m->cfg.num_classes);
    tap(b, ST_BUF_LOGITS, m->cfg.num_classes, 1, 1, "logits");
}

/* The DeiT and Swin networks (plan_tokens.c): stem to logits, into b's plan. */
void st_plan_tokens(builder *b);
#endif
