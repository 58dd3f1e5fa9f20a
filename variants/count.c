/* count.c — parameters and FLOPs summed over the nodes the forward pass runs: each
 * node names the learned tensors it uses (declared in weights.c, the list the loader
 * uses) and carries its FLOPs in the paper's convention (variants/plan_build.c). */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "variants/count.h"
#include "variants/geometry.h"
#include "variants/model_internal.h"
#include "variants/plan.h"
#include "variants/st_error.h"

static void add(st_counts *c, int part, const char *op, int64_t flops) {
    c->flops += flops;
    c->part_flops[part] += flops;
    for (int i = 0; i < c->nrows; i++)
        if (!strcmp(c->rows[i].part, st_part_names[part]) && !strcmp(c->rows[i].op, op)) {
            c->rows[i].flops += flops;
            return;
        }
    if (c->nrows == ST_COUNT_MAX_ROWS) return;
    st_count_row *r = &c->rows[c->nrows++];
    snprintf(r->part, sizeof r->part, "%s", st_part_names[part]);
    snprintf(r->op, sizeof r->op, "%s", op);
    r->flops = flops;
}

/* Parameters per part from the tensors each node uses; every learned tensor the
 * declarations hold must be used by exactly one node (weights.c and the node builder
 * describe the same network). */
static int node_params(const st_model *m, const st_plan *p, st_counts *out) {
    int *uses = calloc((size_t)(m->ndecls ? m->ndecls : 1), sizeof *uses);
    if (!uses) return st_fail(ST_ERR_NOMEM, "out of memory counting parameters");
    for (int i = 0; i < p->n; i++)
        for (int k = 0; k < p->nodes[i].nweights; k++)
            for (int d = 0; d < m->ndecls; d++)
                if ((const void *)m->decls[d].slot == p->nodes[i].weights[k]) {
                    uses[d]++;
                    if (m->decls[d].learned) out->part_params[p->nodes[i].info.part] += m->decls[d].numel;
                }
    int rc = ST_OK;
    for (int d = 0; d < m->ndecls && !rc; d++)
        if (m->decls[d].learned && uses[d] != 1)
            rc = st_fail(ST_ERR_ARG, "tensor '%s' is used by %d nodes of the plan, not 1", m->decls[d].name, uses[d]);
    free(uses);
    return rc;
}

int st_count(const st_config *cfg, int h, int w, st_counts *out) {
    memset(out, 0, sizeof *out);
    int rc = st_config_validate(cfg);
    if (rc) return rc;
    st_geometry g;
    if ((rc = st_geometry_make(cfg, h, w, &g))) return rc;

    st_model m;
    memset(&m, 0, sizeof m);
    m.cfg = *cfg;
    rc = st_weights_declare(&m);
    out->params = m.params;
    /* FLOPs: the nodes' own counts, unfolded (the convention counts every BatchNorm);
     * the workspace at batch 1 on one thread of the default backend */
    char err[256];
    if (!rc && kn_ctx_create(&m.ctx, kn_backend_default(), 1, err, sizeof err)) rc = st_fail(ST_ERR_ARG, "%s", err);
    st_plan p = {0};
    if (!rc) rc = st_plan_build(&m, &g, 1, 0, &p);
    if (!rc && !(rc = st_plan_place(&p))) {
        for (int i = 0; i < p.n; i++)
            for (int k = 0; k < ST_NODE_COUNTS && p.nodes[i].count_op[k]; k++)
                add(out, p.nodes[i].info.part, p.nodes[i].count_op[k], p.nodes[i].count_flops[k]);
        rc = node_params(&m, &p, out);
        out->nodes = p.n;
        out->buffers = p.nbufs;
        out->work_bytes_unshared = (int64_t)(p.floats_unshared * sizeof(float));
        out->work_bytes = (int64_t)(p.floats * sizeof(float));
    }
    st_plan_free(&p);
    for (int i = 0; i < ST_STAGES; i++) free(m.stages[i].blocks);
    free(m.decls);
    kn_ctx_free(m.ctx);
    return rc;
}

int64_t st_count_flops(const st_config *c, int h, int w) {
    st_counts k;
    return st_count(c, h, w, &k) ? -1 : k.flops;
}

int64_t st_count_params(const st_config *c, int h, int w) {
    st_counts k;
    return st_count(c, h, w, &k) ? -1 : k.params;
}
