/* opbench.h — one op on one backend instance on one shape of the shared case table
 * (kernels/cases.h), timed (ggml's test-backend-ops -m perf). */
#ifndef HX_OPBENCH_H
#define HX_OPBENCH_H
#include <stddef.h>
#include "kernels/kernels.h"

typedef struct {
    char shape[96];    /* the case, as "batch=1 cin=64 cout=256 n=3136" */
    double flops;      /* arithmetic per call (2 per multiply-add); 0 for data-movement ops */
    double us_min, us_median;
    int runs;
} hx_opbench_result;

/* Times case `ci` of op `op` (KN_OP_*) on ctx: one warm-up call, then `runs` timed
 * calls. ST_OK, or an error (out of memory, no such case). */
int hx_opbench_case(kn_ctx *ctx, int op, int ci, int runs, hx_opbench_result *r);
#endif
