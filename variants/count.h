/* count.h — learned parameters and FLOPs in the paper's convention (fvcore: one
 * multiply-add = one flop; see the spec's "FLOP convention"), per part and op. */
#ifndef ST_COUNT_H
#define ST_COUNT_H
#include <stdint.h>
#include "variants/config.h"

#define ST_COUNT_MAX_ROWS 96
typedef struct {
    char part[16];   /* "stem", "stage0".."stage3", "head" */
    char op[24];     /* "conv3x3", "conv1x1", "dwconv", "norm", "association", "attention", ... */
    int64_t flops;
} st_count_row;

typedef struct {
    int64_t params, flops;
    int64_t part_params[6], part_flops[6]; /* stem, stage0..3, head */
    int nrows;
    st_count_row rows[ST_COUNT_MAX_ROWS];
    /* the planned network at batch 1 (default backend's attention scratch) */
    int nodes, buffers;
    int64_t work_bytes_unshared, work_bytes; /* workspace: every buffer apart, shared by lifetime */
} st_counts;

/* Counts for one image of h x w (FLOPs scale linearly with the batch). */
int st_count(const st_config *c, int h, int w, st_counts *out);
int64_t st_count_flops(const st_config *c, int h, int w);   /* -1 on error */
int64_t st_count_params(const st_config *c, int h, int w);  /* -1 on error */
#endif
