/* prepare.c — the weights as the ops get them: one kn_weight handle per weight the
 * forward pass uses, holding the reference pointer and the backend's prepared form
 * (kn_backend.prepare: packed panels, bf16 tiles, ...), all prepared forms in one
 * arena sized by a first measuring pass. A backend without prepare costs nothing. */
#include <stdlib.h>
#include "variants/model_internal.h"
#include "variants/st_error.h"

typedef struct {
    st_model *m;
    unsigned char *base;  /* NULL: measuring */
    size_t used;          /* bytes */
    int rc;
} prep_pass;

/* The declared shape behind a weight slot: rows, cols, k (see kn_weight_info). */
static const st_tensor_decl *decl_of(const st_model *m, float *const *slot) {
    for (int i = 0; i < m->ndecls; i++)
        if (m->decls[i].slot == slot) return &m->decls[i];
    return NULL;
}

/* Handle h for weight ref (shaped like the declared *shape_slot) used by `op` on n tokens
 * per image (0: not a token op; a layout hint for the backend); with `used` 0 the forward
 * pass does not read it, so nothing is prepared. */
static void visit_n(prep_pass *pp, kn_weight *h, const float *ref, float *const *shape_slot, int op, int used,
                    int n) {
    *h = kn_w(ref);
    if (!ref || !used || pp->rc) return;
    const st_tensor_decl *d = decl_of(pp->m, shape_slot);
    if (!d) return;
    kn_weight_info wi = {.op = op, .rows = (int)d->shape[0], .cols = d->ndim > 1 ? (int)d->shape[1] : 1,
                         .k = d->ndim == 4 ? (int)d->shape[2] : 1, .n = n, .name = d->name};
    size_t bytes = kn_ctx_prepare_size(pp->m->ctx, &wi);
    if (!bytes) return;
    if (pp->base) {
        void *dst = pp->base + pp->used;
        if (kn_ctx_prepare(pp->m->ctx, &wi, ref, dst) != 0)
            pp->rc = st_fail(ST_ERR_ARG, "backend '%s' could not prepare '%s': %s", pp->m->ctx->backend->name,
                             d->name, pp->m->ctx->error);
        h->prep = dst;
    }
    pp->used += (bytes + 63) / 64 * 64;
}

static void visit(prep_pass *pp, kn_weight *h, const float *ref, float *const *shape_slot, int op, int used) {
    visit_n(pp, h, ref, shape_slot, op, used, 0);
}

static void conv_bn(prep_pass *pp, st_conv_bn *cb, int op, int foldable, int n) {
    int fold = foldable && pp->m->fold_bn && cb->fold_w;
    visit_n(pp, &cb->hw, cb->w, &cb->w, op, !fold, n);
    visit_n(pp, &cb->fold_hw, cb->fold_w, &cb->w, op, fold, n);
}

/* Tokens per image of stage i's grid (mlp) or of one of its attentions (attn); 0 unknown. */
static int stage_n(const prep_pass *pp, int i, int attn) {
    if (!pp->m->prep_have_geo || i < 0 || i >= ST_STAGES) return 0;
    const st_stage_geo *s = &pp->m->prep_geo.s[i];
    return attn ? s->tokens : s->h * s->w;
}

/* DeiT / Swin: the patch conv, qkv (head-major, derived), proj, the MLP, Swin's merging
 * reductions and the head. */
static void pass_tokens(prep_pass *pp) {
    st_model *m = pp->m;
    const st_config *c = &m->cfg;
    conv_bn(pp, &m->stem[0], KN_OP_conv, 0, 0);
    for (int i = 0; i < ST_STAGES; i++) {
        st_stage *st = &m->stages[i];
        int na = stage_n(pp, i, 1), nm = stage_n(pp, i, 0);
        visit_n(pp, &st->merge_hw, st->merge_w, &st->merge_w, KN_OP_conv1x1, 1, nm);
        for (int j = 0; j < c->depths[i]; j++) {
            st_block *b = &st->blocks[j];
            visit_n(pp, &b->qkv_hw, b->qkvh_w, &b->qkv_w, KN_OP_conv1x1, 1, na);
            visit_n(pp, &b->proj_hw, b->proj_w, &b->proj_w, KN_OP_conv1x1, 1, na);
            visit_n(pp, &b->fc1_hw, b->fc1_w, &b->fc1_w, KN_OP_conv1x1, 1, nm);
            visit_n(pp, &b->fc2_hw, b->fc2_w, &b->fc2_w, KN_OP_conv1x1, 1, nm);
        }
    }
    visit(pp, &m->head_hw, m->head_w, &m->head_w, KN_OP_linear, 1);
}

static void pass(prep_pass *pp) {
    st_model *m = pp->m;
    const st_config *c = &m->cfg;
    if (c->net != ST_NET_STVIT) {
        pass_tokens(pp);
        return;
    }
    for (int i = 0; i < 4; i++) conv_bn(pp, &m->stem[i], KN_OP_conv, 0, 0); /* the stem's BN follows a GELU */
    for (int i = 0; i < ST_STAGES; i++) {
        int na = stage_n(pp, i, 1), nm = stage_n(pp, i, 0);
        for (int j = 0; j < c->depths[i]; j++) {
            st_block *b = &m->stages[i].blocks[j];
            visit(pp, &b->cpe_hw, b->cpe_w, &b->cpe_w, KN_OP_dwconv, 1);
            visit_n(pp, &b->qkv_hw, b->qkv_w, &b->qkv_w, KN_OP_conv1x1, 1, na);
            visit_n(pp, &b->proj_hw, b->proj_w, &b->proj_w, KN_OP_conv1x1, 1, na);
            for (int l = 0; l < 3; l++)
                visit_n(pp, &b->ref_hw[l], b->ref_w[l], &b->ref_w[l], l == 1 ? KN_OP_dwconv : KN_OP_conv1x1, 1, na);
            visit_n(pp, &b->fc1_hw, b->fc1_w, &b->fc1_w, KN_OP_conv1x1, !m->fold_bn, nm);
            visit_n(pp, &b->fc1f_hw, b->fc1f_w, &b->fc1_w, KN_OP_conv1x1, m->fold_bn, nm);
            visit(pp, &b->dw_hw, b->dw_w, &b->dw_w, KN_OP_dwconv, 1);
            visit_n(pp, &b->fc2_hw, b->fc2_w, &b->fc2_w, KN_OP_conv1x1, 1, nm);
        }
        if (i < ST_STAGES - 1) conv_bn(pp, &m->stages[i].down, KN_OP_conv, 1, 0);
    }
    if (c->projection) conv_bn(pp, &m->head_proj, KN_OP_conv1x1, 1, stage_n(pp, ST_STAGES - 1, 0));
    visit(pp, &m->head_hw, m->head_w, &m->head_w, KN_OP_linear, 1);
}

int st_weights_prepare(st_model *m, const st_geometry *g) {
    const st_config *c = &m->cfg; /* default hints: the configuration's own size (its position table's) or 224 */
    if (g) m->prep_geo = *g, m->prep_have_geo = 1;
    else m->prep_have_geo = st_geometry_make(c, c->pos_h ? c->pos_h : 224, c->pos_w ? c->pos_w : 224, &m->prep_geo) == ST_OK;
    prep_pass measure = {.m = m};
    pass(&measure);
    free(m->prepared);
    m->prepared = NULL;
    m->prepared_bytes = 0;
    if (!measure.used) { /* nothing to prepare: the handles hold the references */
        return ST_OK;
    }
    m->prepared = aligned_alloc(64, measure.used);
    if (!m->prepared)
        return st_fail(ST_ERR_NOMEM, "out of memory for %.1f MiB of prepared weights", measure.used / 1048576.0);
    m->prepared_bytes = measure.used;
    prep_pass fill = {.m = m, .base = m->prepared};
    pass(&fill);
    return fill.rc;
}

/* The token counts the hints read (stage_n): the same for both, no new layout. */
static int same_hints(const st_geometry *a, const st_geometry *b) {
    for (int i = 0; i < ST_STAGES; i++)
        if (a->s[i].tokens != b->s[i].tokens || a->s[i].h * a->s[i].w != b->s[i].h * b->s[i].w) return 0;
    return 1;
}

int st_weights_prepare_for(st_model *m, const st_geometry *g) {
    if (!m->prepared_bytes || (m->prep_have_geo && same_hints(&m->prep_geo, g))) return ST_OK;
    free(m->work); /* the plan's handles point into the arena about to go */
    m->work = NULL;
    m->work_floats = 0;
    st_plan_free(&m->plan);
    return st_weights_prepare(m, g);
}
