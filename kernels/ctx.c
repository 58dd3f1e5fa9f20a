/* ctx.c — backend instances: create (threads, hooks of the whole chain), scratch,
 * errors; the op names of ops.def; the tolerance every check derives from. */
#include <omp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/kernels.h"

const char *const kn_op_names[KN_OP_COUNT] = {
#define KN_OP(name, label, params, args) #name,
#include "kernels/ops.def"
#undef KN_OP
};
const char *const kn_op_labels[KN_OP_COUNT] = {
#define KN_OP(name, label, params, args) label,
#include "kernels/ops.def"
#undef KN_OP
};

void (*kn_ops_slot(const kn_ops *ops, int op))(void) {
    switch (op) {
#define KN_OP(name, label, params, args) case KN_OP_##name: return (void (*)(void))ops->name;
#include "kernels/ops.def"
#undef KN_OP
    }
    return NULL;
}

double kn_tolerance(double u, long k) {
    if (k < 0) k = 0;
    return (double)((k < 512 ? k : 512) + k / 512 + 2) * u;
}

int kn_ctx_fail(kn_ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
    return -1;
}

/* The chain root first: naive, ..., b. Returns its length. */
static int chain(const kn_backend *b, const kn_backend **out, int cap) {
    int n = 0;
    for (; b && n < cap; b = b->base ? kn_backend_find(b->base) : NULL) out[n++] = b;
    for (int i = 0; i < n / 2; i++) {
        const kn_backend *t = out[i];
        out[i] = out[n - 1 - i], out[n - 1 - i] = t;
    }
    return n;
}

/* The nearest backend of b's chain whose hook at byte offset `off` is set. */
static const kn_backend *nearest(const kn_backend *b, size_t off) {
    for (; b; b = b->base ? kn_backend_find(b->base) : NULL) {
        void (*hook)(void);
        memcpy(&hook, (const char *)b + off, sizeof hook);
        if (hook) return b;
    }
    return NULL;
}
#define NEAREST(b, member) nearest((b), offsetof(kn_backend, member))

void kn_ctx_free(kn_ctx *c) {
    if (!c) return;
    const kn_backend *ch[16];
    int n = chain(c->backend, ch, 16);
    for (int i = n - 1; i >= 0; i--)
        if (ch[i]->ctx_free) ch[i]->ctx_free(c);
    if (c->owns_scratch) free(c->scratch);
    free(c);
}

size_t kn_ctx_scratch_floats(const kn_ctx *c) {
    return (size_t)c->threads * c->scratch_per_thread + c->scratch_shared;
}

int kn_ctx_bind_scratch(kn_ctx *c, float *mem, size_t floats) {
    if (floats < kn_ctx_scratch_floats(c))
        return kn_ctx_fail(c, "%s: scratch of %zu floats is smaller than the %zu it needs", c->backend->name,
                           floats, kn_ctx_scratch_floats(c));
    if (c->owns_scratch) free(c->scratch);
    c->scratch = mem;
    c->scratch_floats = floats;
    c->owns_scratch = 0;
    return 0;
}

int kn_ctx_create(kn_ctx **out, const kn_backend *b, int threads, char *err, size_t cap) {
    *out = NULL;
    char why[160] = "";
    if (!b) { snprintf(err, cap, "no backend"); return -1; }
    if (!kn_backend_runs(b, why, sizeof why)) {
        snprintf(err, cap, "backend '%s' does not run here: %s", b->name, why);
        return -1;
    }
    kn_ctx *c = calloc(1, sizeof *c);
    if (!c) { snprintf(err, cap, "out of memory"); return -1; }
    c->backend = b;
    c->threads = !(b->flags & KN_THREADED) ? 1 : threads > 0 ? threads : omp_get_num_procs();
    c->isa_name = "-";
    c->precision = kn_backend_precision(b);
    c->unit_roundoff = kn_backend_unit_roundoff(b);
    if (kn_backend_resolve(b, &c->ops) != 0) {
        snprintf(err, cap, "backend '%s': its base chain does not resolve", b->name);
        free(c);
        return -1;
    }
    const kn_backend *ch[16];
    int n = chain(b, ch, 16);
    for (int i = 0; i < n; i++)
        if (ch[i]->ctx_init && ch[i]->ctx_init(c) != 0) {
            snprintf(err, cap, "%s: %s", b->name, c->error[0] ? c->error : "its context failed to start");
            for (int j = i - 1; j >= 0; j--)
                if (ch[j]->ctx_free) ch[j]->ctx_free(c);
            free(c);
            return -1;
        }
    const kn_backend *s = NEAREST(b, scratch);
    if (s) s->scratch(c, &c->scratch_per_thread, &c->scratch_shared);
    c->scratch_per_thread = (c->scratch_per_thread + 15) / 16 * 16; /* keep every part 64-byte aligned */
    c->scratch_shared = (c->scratch_shared + 15) / 16 * 16;
    size_t nf = kn_ctx_scratch_floats(c);
    if (nf) {
        c->scratch = aligned_alloc(64, nf * sizeof(float));
        if (!c->scratch) {
            snprintf(err, cap, "out of memory for %zu floats of scratch", nf);
            kn_ctx_free(c);
            return -1;
        }
        c->scratch_floats = nf;
        c->owns_scratch = 1;
    }
    *out = c;
    return 0;
}

/* Prepared weights: the nearest hook of the chain (prepare.h-free: the model calls these). */
size_t kn_ctx_prepare_size(const kn_ctx *c, const kn_weight_info *wi) {
    const kn_backend *p = NEAREST(c->backend, prepare_size);
    return p && NEAREST(c->backend, prepare) ? p->prepare_size(c, wi) : 0;
}
int kn_ctx_prepare(kn_ctx *c, const kn_weight_info *wi, const float *ref, void *dst) {
    const kn_backend *p = NEAREST(c->backend, prepare);
    return p ? p->prepare(c, wi, ref, dst) : 0;
}

kn_weight kn_ctx_weight(kn_ctx *c, const kn_weight_info *wi, const float *ref, void **mem) {
    size_t bytes = kn_ctx_prepare_size(c, wi);
    *mem = bytes ? aligned_alloc(64, (bytes + 63) / 64 * 64) : NULL;
    if (*mem && kn_ctx_prepare(c, wi, ref, *mem) != 0) {
        free(*mem);
        *mem = NULL;
    }
    return (kn_weight){ref, *mem};
}
