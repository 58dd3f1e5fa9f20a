/* node_profile.h — time per planned node (variants/plan.h): each node of the
 * forward pass between two clock reads, through st_hooks.node. From the times: the
 * op x stage x block matrix (a long-form CSV, one row per op, part, stage and block)
 * and a Chrome trace (JSON trace events, one "X" event per node of the last pass;
 * chrome://tracing and Perfetto open it). */
#ifndef HX_NODE_PROFILE_H
#define HX_NODE_PROFILE_H
#include <stdio.h>
#include "harness/results/results.h"
#include "variants/model.h"

typedef struct {
    const st_model *m;
    int n;                      /* nodes of the plan profiled */
    double *total;              /* [n] seconds over every pass */
    double *start, *dur;        /* [n] the last pass: seconds since its first node, duration */
    double pass_t0, node_t0;
    int passes;
    st_hooks inner;             /* hooks called as well (scope, tensor, attention) */
} hx_node_profile;

/* Sizes np for m's current plan; *out gets hooks that time every node and pass the
 * rest on to inner (may be NULL). Install *out with st_model_set_hooks. */
int hx_node_profile_start(hx_node_profile *np, const st_model *m, const st_hooks *inner, st_hooks *out);
void hx_node_profile_free(hx_node_profile *np);

/* One row per (op, part, stage, block) that ran: the point's columns from `point`
 * (may be NULL), then op, part, stage, block (-1 outside), nodes, calls and
 * ms_per_image (passes x batch images). */
int hx_node_profile_write_matrix(const hx_node_profile *np, const hx_row *point, int batch, hx_writer *w);

/* A trace file: one process per profiled point, one thread, one event per node. */
typedef struct hx_trace hx_trace;
int hx_trace_open(hx_trace **out, const char *path);
/* The last pass of np as process pid named `process`. */
int hx_trace_add(hx_trace *t, const hx_node_profile *np, int pid, const char *process);
int hx_trace_close(hx_trace *t);   /* writes the end; reports a failed write */
#endif
