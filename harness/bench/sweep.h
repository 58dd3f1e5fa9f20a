/* sweep.h — the points of a benchmark sweep: the cartesian product of its lists.
 *
 * Order (fixed, so point indices mean the same in every shard and every rerun):
 * variant, then attention kind, then size, then backend, then batch, then threads,
 * the last varying fastest. Points that share variant, attention and size are
 * therefore adjacent, and so are those that also share a backend (one model can
 * serve them all). */
#ifndef HX_SWEEP_H
#define HX_SWEEP_H
#include "harness/cli/cli.h"

typedef struct {
    int index;                    /* position in the whole sweep, 0-based */
    char variant[HX_NAME_MAX];
    char attn[HX_NAME_MAX];       /* attention kind name ("sta", "global", "window") */
    int h, w;
    char backend[HX_NAME_MAX];
    int batch, threads;
} hx_point;

typedef struct {
    hx_str_list variants, attns;
    hx_size_list sizes;
    hx_str_list backends;
    hx_int_list batches, threads;
} hx_sweep_spec;

/* Every point of the product, in the order above. *points is malloc'd (free it).
 * ST_ERR_ARG if a list is empty. */
int hx_sweep_expand(const hx_sweep_spec *spec, hx_point **points, int *count);

/* Shard k of n (0 <= k < n): keeps the points whose index i has i % n == k, i.e.
 * every n-th point of the whole sweep starting at k, in order. Selects in place and
 * returns the new count. The n shards are disjoint and together the whole sweep. */
int hx_sweep_shard(hx_point *points, int count, int k, int n);
#endif
