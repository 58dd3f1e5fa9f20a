/* plan_memory.c — the workspace from the node list: each buffer lives from the
 * first node that touches it to the last; buffers whose lifetimes do not overlap
 * share memory (greedy by size, largest first, lowest offset that fits: the
 * ggml-alloc / TFLite arena idea). Persistent buffers live for the whole pass. */
#include <stdlib.h>
#include <string.h>
#include "variants/plan.h"
#include "variants/st_error.h"

static size_t rounded(size_t floats) { return (floats + 15) / 16 * 16; } /* 64-byte aligned */

static int overlaps_in_time(const st_buffer *a, const st_buffer *b) { return a->first <= b->last && b->first <= a->last; }

static const st_buffer *sort_base;
static int by_size_desc(const void *x, const void *y) {
    const st_buffer *a = &sort_base[*(const int *)x], *b = &sort_base[*(const int *)y];
    if (a->floats != b->floats) return a->floats < b->floats ? 1 : -1;
    if (a->first != b->first) return a->first < b->first ? -1 : 1;
    return *(const int *)x - *(const int *)y;
}

static int placed(const st_buffer *b) { return !b->external && b->first >= 0 && b->floats > 0; }

int st_plan_place(st_plan *p) {
    for (int i = 0; i < p->nbufs; i++) p->bufs[i].first = p->bufs[i].last = -1;
    for (int i = 0; i < p->n; i++)
        for (int k = 0; k < p->nodes[i].nio; k++) {
            st_buffer *b = &p->bufs[p->nodes[i].io[k].buf];
            if (b->first < 0) b->first = i;
            b->last = i;
        }
    int *order = malloc((size_t)(p->nbufs ? p->nbufs : 1) * sizeof *order);
    int *live = malloc((size_t)(p->nbufs ? p->nbufs : 1) * sizeof *live);
    if (!order || !live) {
        free(order);
        free(live);
        return st_fail(ST_ERR_NOMEM, "out of memory planning the workspace");
    }
    int n = 0;
    p->floats_unshared = 0;
    for (int i = 0; i < p->nbufs; i++) {
        st_buffer *b = &p->bufs[i];
        b->offset = 0;
        if (b->persistent) { b->first = 0; b->last = p->n - 1; }
        if (!placed(b)) continue;
        order[n++] = i;
        p->floats_unshared += rounded(b->floats);
    }
    sort_base = p->bufs;
    qsort(order, (size_t)n, sizeof *order, by_size_desc);
    p->floats = 0;
    for (int i = 0; i < n; i++) {
        st_buffer *b = &p->bufs[order[i]];
        /* the already placed buffers alive at the same time, by offset */
        int nl = 0;
        for (int j = 0; j < i; j++)
            if (overlaps_in_time(b, &p->bufs[order[j]])) {
                int k = nl++;
                while (k > 0 && p->bufs[live[k - 1]].offset > p->bufs[order[j]].offset) {
                    live[k] = live[k - 1];
                    k--;
                }
                live[k] = order[j];
            }
        size_t at = 0, need = rounded(b->floats);
        for (int j = 0; j < nl; j++) {
            const st_buffer *o = &p->bufs[live[j]];
            if (o->offset >= at + need) break;              /* fits in the gap before o */
            if (o->offset + rounded(o->floats) > at) at = o->offset + rounded(o->floats);
        }
        b->offset = at;
        if (at + need > p->floats) p->floats = at + need;
    }
    free(order);
    free(live);
    return ST_OK;
}

int st_plan_check(const st_plan *p) {
    unsigned char *written = calloc((size_t)(p->nbufs ? p->nbufs : 1), 1);
    if (!written) return st_fail(ST_ERR_NOMEM, "out of memory checking the plan");
    int rc = ST_OK;
    for (int i = 0; i < p->nbufs; i++) written[i] = p->bufs[i].persistent || i == ST_BUF_INPUT;
    for (int i = 0; i < p->n && !rc; i++) {
        const st_node *nd = &p->nodes[i];
        for (int k = 0; k < nd->nio && !rc; k++)
            if ((nd->io[k].mode & ST_IO_READ) && !written[nd->io[k].buf])
                rc = st_fail(ST_ERR_ARG, "plan: node %d '%s' reads buffer %d before any node writes it", i, nd->name,
                             nd->io[k].buf);
        for (int k = 0; k < nd->nio; k++)
            if (nd->io[k].mode & ST_IO_WRITE) written[nd->io[k].buf] = 1;
    }
    free(written);
    for (int i = 0; i < p->nbufs && !rc; i++) {
        const st_buffer *a = &p->bufs[i];
        if (!placed(a)) continue;
        for (int j = i + 1; j < p->nbufs && !rc; j++) {
            const st_buffer *b = &p->bufs[j];
            if (!placed(b) || !overlaps_in_time(a, b)) continue;
            if (a->offset < b->offset + rounded(b->floats) && b->offset < a->offset + rounded(a->floats))
                rc = st_fail(ST_ERR_ARG, "plan: buffers %d and %d are alive at once (nodes %d..%d, %d..%d) and overlap",
                             i, j, a->first, a->last, b->first, b->last);
        }
    }
    return rc;
}

void st_plan_bind(st_plan *p, float *work, const float *input, float *logits) {
    for (int i = 0; i < p->n; i++) {
        st_node *nd = &p->nodes[i];
        for (int k = 0; k < nd->nio; k++) {
            int b = nd->io[k].buf;
            float *ptr = b == ST_BUF_INPUT ? (float *)input : b == ST_BUF_LOGITS ? logits : work + p->bufs[b].offset;
            memcpy((char *)&nd->a + nd->io[k].off, &ptr, sizeof ptr);
        }
    }
}
