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
#include "variants/formats/safetensors.h"
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
    /* derived: folded BN (only backends that ask fold), or the baselines' head-major qkv and tables */
    if ((m->fold_bn || m->cfg.net != ST_NET_STVIT) && (rc = st_weights_derive(m))) goto fail;
    if ((rc = st_weights_prepare(m, NULL))) goto fail;
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
    st_plan_free(&m->plan);
    kn_ctx_free(m->ctx);
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
    mem->workspace_unshared = m->plan.floats_unshared * sizeof(float);
}
void st_model_set_hooks(st_model *m, const st_hooks *hooks) {
    if (hooks) m->hooks = *hooks;
    else memset(&m->hooks, 0, sizeof m->hooks);
}
size_t st_model_workspace_bytes(const st_model *m) { return m->work_floats * sizeof(float); }

/* ---- planning ------------------------------------------------------------ */

#define WORK_LIMIT ((size_t)1 << 35) /* 128 GiB of floats: refuse, do not overflow */

/* Sizes fit in size_t without overflow: every buffer is at most one of these products. */
static int too_big(const st_geometry *g, int batch, const st_config *c) {
    double worst = 0;
    for (int i = 0; i < ST_STAGES; i++) {
        const st_stage_geo *s = &g->s[i];
        double np = (double)s->hp * s->wp, t = (double)s->tokens;
        double v[] = {(double)batch * s->hid * s->h * s->w, (double)batch * 9 * np, (double)batch * 3 * s->c * np,
                      (double)batch * s->groups * s->heads * t * t};
        for (int k = 0; k < 4; k++) worst = v[k] > worst ? v[k] : worst;
    }
    for (int i = 0; i < g->nstem; i++) {
        double v = (double)batch * g->stem_c[i] * g->stem_h[i] * g->stem_w[i];
        worst = v > worst ? v : worst;
    }
    (void)c;
    return worst > (double)WORK_LIMIT;
}

int st_model_plan(st_model *m, int batch, int h, int w, unsigned capture) {
    if (batch < 1 || batch > 4096) return st_fail(ST_ERR_RANGE, "batch %d is outside 1..4096", batch);
    st_geometry g;
    int rc = st_geometry_make(&m->cfg, h, w, &g);
    if (rc) return rc;
    if (too_big(&g, batch, &m->cfg)) goto too_big;
    if ((rc = st_weights_prepare_for(m, &g))) return rc; /* layouts for this size's token counts */
    st_plan p;
    if ((rc = st_plan_build(m, &g, batch, capture, &p))) return rc;
    if ((rc = st_plan_place(&p)) || (rc = st_plan_check(&p))) { st_plan_free(&p); return rc; }
    if (p.floats > WORK_LIMIT) { st_plan_free(&p); goto too_big; }
    float *work = aligned_alloc(64, (p.floats ? p.floats : 16) * sizeof(float));
    if (!work) {
        st_plan_free(&p);
        return st_fail(ST_ERR_NOMEM, "out of memory for a %.1f GiB workspace (batch %d, %dx%d)",
                       p.floats * 4.0 / (1 << 30), batch, h, w);
    }
    free(m->work);
    st_plan_free(&m->plan);
    m->plan = p;
    m->work = work;
    m->work_floats = p.floats;
    /* the persistent buffers: position tables at the run size */
    if (p.ape_buf >= 0)
        st_resize_bicubic(m->ape, m->cfg.embed_dim[0], m->ape_h, m->ape_w, g.stem_h[g.nstem - 1],
                          g.stem_w[g.nstem - 1], work + p.bufs[p.ape_buf].offset);
    for (int i = 0, flat = 0; i < ST_STAGES; i++)
        for (int j = 0; j < m->cfg.depths[i]; j++, flat++) {
            const st_block *b = &m->stages[i].blocks[j];
            const st_stage_geo *s = &g.s[i];
            if (p.rpe_buf[flat] >= 0 && m->cfg.net == ST_NET_SWIN)
                st_swin_bias(b->rpe_table, s->hh, s->heads, s->hp, s->wp, s->shift_h, s->shift_w,
                             j % 2 && (s->shift_h || s->shift_w), work + p.bufs[p.rpe_buf[flat]].offset);
            else if (p.rpe_buf[flat] >= 0)
                st_rpe_expand(b->rpe_table, b->rpe_gh, b->rpe_gw, g.s[i].heads, g.s[i].hh, g.s[i].ww,
                              work + p.bufs[p.rpe_buf[flat]].offset);
        }
    st_plan_bind(&m->plan, m->work, NULL, NULL);
    if (p.kscratch_buf >= 0 &&
        kn_ctx_bind_scratch(m->ctx, work + p.bufs[p.kscratch_buf].offset, p.bufs[p.kscratch_buf].floats) != 0)
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

int st_model_node_count(const st_model *m) { return m->work ? m->plan.n : 0; }
const st_node_info *st_model_node(const st_model *m, int index) {
    return m->work && index >= 0 && index < m->plan.n ? &m->plan.nodes[index].info : NULL;
}
void st_model_plan_summary(const st_model *m, st_plan_summary *out) {
    *out = (st_plan_summary){.nodes = m->plan.n, .buffers = m->plan.nbufs,
                             .bytes_unshared = m->plan.floats_unshared * sizeof(float),
                             .bytes = m->plan.floats * sizeof(float)};
}
void st_model_set_poison(st_model *m, int on) { m->poison = on; }

void st_model_node_describe(const st_model *m, int index, char *buf, size_t cap) {
    buf[0] = 0;
    if (!m->work || index < 0 || index >= m->plan.n) return;
    const st_node *n = &m->plan.nodes[index];
    size_t len = (size_t)snprintf(buf, cap, "%-5d %-30s %-15s", index, n->name, n->info.op);
    static const char *const modes[4] = {"", "r", "w", "rw"};
    for (int k = 0; k < n->nio && len < cap; k++) {
        int id = n->io[k].buf;
        const st_buffer *b = &m->plan.bufs[id];
        if (b->external) len += (size_t)snprintf(buf + len, cap - len, " %s:%s", id == ST_BUF_INPUT ? "input" : "logits",
                                                 modes[n->io[k].mode & 3]);
        else len += (size_t)snprintf(buf + len, cap - len, " %d@%zu:%s[%d..%d]", id, b->offset, modes[n->io[k].mode & 3],
                                     b->first, b->last);
    }
    int64_t flops = 0;
    for (int k = 0; k < ST_NODE_COUNTS && n->count_op[k]; k++) flops += n->count_flops[k];
    if (flops && len < cap) snprintf(buf + len, cap - len, " %lld", (long long)flops);
}
