/* sweep.c — expansion of a sweep into points, and sharding (see sweep.h). */
#include <stdlib.h>
#include <string.h>
#include "harness/bench/sweep.h"
#include "variants/st_error.h"

int hx_sweep_expand(const hx_sweep_spec *s, hx_point **points, int *count) {
    *points = NULL;
    *count = 0;
    const int dims[6] = {s->variants.n, s->attns.n, s->sizes.n, s->backends.n,
                         s->batches.n, s->threads.n};
    long total = 1;
    for (int d = 0; d < 6; d++) {
        if (dims[d] < 1) return st_fail(ST_ERR_ARG, "sweep: a list of the sweep is empty");
        total *= dims[d];   /* each list has at most HX_LIST_MAX items: no overflow */
    }
    if (total > 1000000) return st_fail(ST_ERR_RANGE, "sweep: %ld points is too many", total);
    hx_point *p = calloc((size_t)total, sizeof *p);
    if (!p) return st_fail(ST_ERR_NOMEM, "sweep: out of memory for %ld points", total);
    int i = 0;
    for (int v = 0; v < s->variants.n; v++)
        for (int a = 0; a < s->attns.n; a++)
            for (int z = 0; z < s->sizes.n; z++)
                for (int be = 0; be < s->backends.n; be++)
                    for (int b = 0; b < s->batches.n; b++)
                        for (int t = 0; t < s->threads.n; t++, i++) {
                            hx_point *q = &p[i];
                            q->index = i;
                            strcpy(q->variant, s->variants.v[v]);
                            strcpy(q->attn, s->attns.v[a]);
                            q->h = s->sizes.v[z].h;
                            q->w = s->sizes.v[z].w;
                            strcpy(q->backend, s->backends.v[be]);
                            q->batch = (int)s->batches.v[b];
                            q->threads = (int)s->threads.v[t];
                        }
    *points = p;
    *count = i;
    return ST_OK;
}

int hx_sweep_shard(hx_point *points, int count, int k, int n) {
    int kept = 0;
    for (int i = 0; i < count; i++)
        if (points[i].index % n == k) points[kept++] = points[i];
    return kept;
}
