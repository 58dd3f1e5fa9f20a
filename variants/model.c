/* model.c — create a model (declare, load or seed, derive), plan its workspace. The
 * forward pass itself is in forward.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "variants/interp.h"
#include "variants/model_internal.h"
#include "variants/safetensors.h"
#include "variants/st_error.h"


static int config_from_file(const char *path, st_config *cfg) {
    sft_file f;
    int rc = sft_open(&f, path);
    if (rc) return rc;
    if (!f.config_json) rc = st_fail(ST_ERR_FORMAT, "%s: no configuration in the metadata (give --variant)", path);
    else rc = st_config_from_json(f.config_json, path, cfg);
    sft_close(&f);
    return rc;
}

/* A config in a file may declare sizes that need terabytes. A file that really holds
 * those weights has at least 2 bytes per weight (F16/BF16), so a smaller one cannot
 * match: refuse it here, before allocating for them. */
static int check_file_holds_weights(const st_model *m, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return st_fail(ST_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    uint64_t weights = 0;
    for (int i = 0; i < m->ndecls; i++)
        if (m->decls[i].slot) weights += (uint64_t)m->decls[i].numel;
    if ((uint64_t)st.st_size / 2 < weights)
        return st_fail(ST_ERR_SHAPE, "%s: its configuration has %llu weights, more than its %lld bytes can hold", path,
                       (unsigned long long)weights, (long long)st.st_size);
    return ST_OK;
}

int st_model_create(st_model **out, const st_config *cfg, const char *weights_path, uint64_t seed,
                    const kn_backend *backend) {
    return st_model_create_with(out, cfg, weights_path, seed, &(st_model_opts){.backend = backend});
}

/* A new instance of backend b at `threads` into m->ctx (the old one is freed). */
static int new_ctx(st_model *m, const kn_backend *b, int threads) {
    char err[320];
    kn_ctx *c;
    if (kn_ctx_create(&c, b, threads, err, sizeof err) != 0) return st_fail(ST_ERR_ARG, "%s", err);
    kn_ctx_free(m->ctx);
    m->ctx = c;
    return ST_OK;
}

int st_model_create_with(st_model **out, const st_config *cfg, const char *weights_path, uint64_t seed,
                         const st_model_opts *o) {
    *out = NULL;
    const kn_backend *backend = o->backend;
    st_model *m = calloc(1, sizeof *m);
    if (!m) return st_fail(ST_ERR_NOMEM, "out of memory");
    int rc = ST_OK;
    if (cfg) m->cfg = *cfg;
    else if (!weights_path) rc = st_fail(ST_ERR_ARG, "no configuration and no weights file");
    else rc = config_from_file(weights_path, &m->cfg);
    if (!rc) rc = st_config_validate(&m->cfg);
    if (rc) goto fail;
    if ((rc = new_ctx(m, backend ? backend : kn_backend_default(), o->threads))) goto fail;
    m->fold_bn = (m->ctx->backend->flags & KN_FOLD_BN) != 0;
    m->allow_nonfinite = o->allow_nonfinite;
    if ((rc = st_weights_declare(m))) goto fail;
    if (weights_path && (rc = check_file_holds_weights(m, weights_path))) goto fail;
    m->arena = aligned_alloc(64, (m->arena_floats ? m->arena_floats : 16) * sizeof(float));
    if (!m->arena) { rc = st_fail(ST_ERR_NOMEM, "out of memory for %zu weights", m->arena_floats); goto fail; }
    rc = weights_path ? st_weights_load(m, weights_path) : st_weights_seed(m, seed);
    if (rc) goto fail;
    if (!m->allow_nonfinite && (rc = st_weights_check_finite(m))) {
        rc = st_fail(rc, "%s: %s (--allow-nonfinite to run anyway)", weights_path ? weights_path : "seeded weights",
                     st_last_error());
        goto fail;
    }
    if (m->fold_bn && (rc = st_weights_derive(m))) goto fail; /* only backends that ask fold */
    if ((rc = st_weights_prepare(m))) goto fail;
    *out = m;
    return ST_OK;
fail:
    st_model_free(m);
    return rc;
}

void st_model_free(st_model *m) {
    if (!m) return;
    for (int i = 0; i < ST_STAGES; i++) free(m->stages[i].blocks);
    free(m->decls);
    free(m->arena);
    free(m->derived);
    free(m->prepared);
    free(m->work);
    kn_ctx_free(m->ctx);
    free(m->rpe_bias);
    free(m);
}

const st_config *st_model_config(const st_model *m) { return &m->cfg; }
const kn_backend *st_model_backend(const st_model *m) { return m->ctx->backend; }
kn_ctx *st_model_ctx(const st_model *m) { return m->ctx; }
int st_model_set_threads(st_model *m, int threads) { return new_ctx(m, m->ctx->backend, threads); }
void st_model_memory(const st_model *m, st_model_mem *mem) {
    mem->weights = m->arena_floats * sizeof(float);
    mem->prepared = m->derived_floats * sizeof(float) + m->prepared_bytes;
    mem->workspace = m->work_floats * sizeof(float);
}
void st_model_set_hooks(st_model *m, const st_hooks *hooks) {
    if (hooks) m->hooks = *hooks;
    else memset(&m->hooks, 0, sizeof m->hooks);
}
size_t st_model_workspace_bytes(const st_model *m) { return m->work_floats * sizeof(float); }

/* ---- planning ------------------------------------------------------------ */

#define MAXZ(a, b) ((a) > (b) ? (a) : (b))
#define WORK_LIMIT ((size_t)1 << 35) /* 128 GiB of floats: refuse, do not overflow */

typedef struct {
    size_t act, hid, pad, assoc, stok, zsum, qkv, ao, scratch, probs, rpe;
} plan_sizes;

static int blocks_total(const st_config *c) { return c->depths[0] + c->depths[1] + c->depths[2] + c->depths[3]; }

static void plan_stage_sizes(const st_model *m, const st_stage_geo *s, int batch, unsigned capture,
                             plan_sizes *z) {
    size_t B = (size_t)batch, C = s->c;
    size_t n = (size_t)s->h * s->w, np = (size_t)s->hp * s->wp;
    size_t toks = (size_t)s->tokens * s->groups; /* tokens over all attention groups of one image */
    z->act = MAXZ(z->act, B * C * n);
    z->hid = MAXZ(z->hid, B * s->hid * n);
    z->pad = MAXZ(z->pad, B * C * np);
    if (s->kind == ST_ATTN_STA) z->assoc = MAXZ(z->assoc, B * 9 * np);
    z->stok = MAXZ(z->stok, B * C * toks);
    z->zsum = MAXZ(z->zsum, B * toks);
    z->qkv = MAXZ(z->qkv, B * 3 * C * toks);
    z->ao = MAXZ(z->ao, B * C * toks);
    z->scratch = MAXZ(z->scratch, m->ctx->ops.attention_scratch(m->ctx, batch * s->groups, s->heads,
                                                                 s->c / s->heads, s->tokens));
    size_t tt = (size_t)s->tokens * s->tokens;
    if (capture & ST_CAPTURE_ATTN) z->probs = MAXZ(z->probs, B * s->groups * s->heads * tt);
    if (m->cfg.pos == ST_POS_RPE) z->rpe += (size_t)s->depth * s->heads * tt;
}

int st_model_plan(st_model *m, int batch, int h, int w, unsigned capture) {
    if (batch < 1 || batch > 4096) return st_fail(ST_ERR_RANGE, "batch %d is outside 1..4096", batch);
    st_geometry g;
    int rc = st_geometry_make(&m->cfg, h, w, &g);
    if (rc) return rc;
    plan_sizes z = {0};
    size_t B = batch;
    for (int i = 0; i < g.nstem; i++) z.act = MAXZ(z.act, B * g.stem_c[i] * g.stem_h[i] * g.stem_w[i]);
    for (int i = 0; i < ST_STAGES; i++) plan_stage_sizes(m, &g.s[i], batch, capture, &z);
    /* the input itself is copied nowhere; the head's 1x1 projection needs feat x n */
    int feat = m->cfg.projection ? m->cfg.projection : m->cfg.embed_dim[3];
    size_t head = B * feat * g.s[3].h * g.s[3].w;
    z.hid = MAXZ(z.hid, head);
    size_t ape = m->cfg.pos == ST_POS_APE ? (size_t)m->cfg.embed_dim[0] * g.stem_h[g.nstem - 1] * g.stem_w[g.nstem - 1] : 0;
    size_t kscratch = kn_ctx_scratch_floats(m->ctx); /* the backend's fixed scratch, at its threads */
    size_t parts[] = {z.act, z.act, z.act, z.act, z.hid, z.hid, z.pad, z.pad, z.assoc, z.stok, z.stok, z.zsum,
                      z.qkv, z.ao, z.ao, z.scratch, z.probs, B * feat, ape, kscratch, z.rpe};
    size_t total = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (parts[i] > WORK_LIMIT) goto too_big;
        total += (parts[i] + 15) / 16 * 16;
    }
    if (total > WORK_LIMIT) goto too_big;
    free(m->work);
    free(m->rpe_bias);
    m->rpe_bias = NULL;
    m->work = aligned_alloc(64, total * sizeof(float));
    if (!m->work) return st_fail(ST_ERR_NOMEM, "out of memory for a %.1f GiB workspace (batch %d, %dx%d)",
                                 total * 4.0 / (1 << 30), batch, h, w);
    m->work_floats = total;
    float *p = m->work, *kscratch_at = NULL;
    float **slots[] = {&m->x0, &m->x1, &m->t0, &m->br, &m->h0, &m->h1, &m->pad, &m->up, &m->assoc,
                       &m->stok, &m->stok2, &m->zsum, &m->qkv, &m->ao, &m->ao2, &m->attn_scratch, &m->probs,
                       &m->pooled, &m->ape_run, &kscratch_at, NULL};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        float *slot_start = p;
        p += (parts[i] + 15) / 16 * 16;
        if (slots[i]) *slots[i] = parts[i] ? slot_start : NULL;
        else if (parts[i]) { /* RPE biases: one [heads][m][m] table per block */
            m->rpe_bias = calloc(blocks_total(&m->cfg), sizeof(float *));
            if (!m->rpe_bias) return st_fail(ST_ERR_NOMEM, "out of memory");
            float *q = slot_start;
            int k = 0;
            for (int i2 = 0; i2 < ST_STAGES; i2++)
                for (int j = 0; j < m->cfg.depths[i2]; j++, k++) {
                    const st_stage_geo *s = &g.s[i2];
                    const st_block *b = &m->stages[i2].blocks[j];
                    m->rpe_bias[k] = q;
                    st_rpe_expand(b->rpe_table, b->rpe_gh, b->rpe_gw, s->heads, s->hh, s->ww, q);
                    q += (size_t)s->heads * s->tokens * s->tokens;
                }
        }
    }
    if (m->ape_run)
        st_resize_bicubic(m->ape, m->cfg.embed_dim[0], m->ape_h, m->ape_w, g.stem_h[g.nstem - 1],
                          g.stem_w[g.nstem - 1], m->ape_run);
    if (kscratch && kn_ctx_bind_scratch(m->ctx, kscratch_at, kscratch) != 0)
        return st_fail(ST_ERR_ARG, "%s", m->ctx->error);
    m->geo = g;
    m->batch = batch;
    m->capture = capture;
    m->plan_threads = m->ctx->threads;
    m->plan_backend = m->ctx->backend;
    return ST_OK;
too_big:
    return st_fail(ST_ERR_RANGE, "batch %d at %dx%d needs more than %zu GiB of workspace", batch, h, w,
                   WORK_LIMIT * 4 >> 30);
}
