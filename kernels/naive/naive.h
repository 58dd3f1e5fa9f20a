/* naive.h — the reference backend's kernels: plain loops, double accumulators.
 * Other backends reuse these for the slots they do not override. */
#ifndef KN_NAIVE_H
#define KN_NAIVE_H
#include "kernels/kernels.h"

/* Scalar activations, exact (double erf), shared by every backend's tails. */
float kn_gelu_ref(float x);
float kn_swish_ref(float x);
float kn_act_ref(kn_act act, float x);

/* The reference kernels, one per op of ops.def: kn_<op>__naive(ctx, params). */
#define KN_OP(name, label, params, args) void kn_##name##__naive(kn_ctx *ctx, KN_ARGS params);
#include "kernels/ops.def"
#undef KN_OP
size_t kn_attention_scratch__naive(const kn_ctx *ctx, int batch, int heads, int hd, int m);

/* Neighbour k (0..8, row-major 3x3) of cell (cy, cx) on an hh x ww grid:
 * its index, or -1 when it lies outside the grid. */
static inline int kn_sta_neighbour(int cy, int cx, int k, int hh, int ww) {
    int ny = cy + k / 3 - 1, nx = cx + k % 3 - 1;
    return (ny < 0 || ny >= hh || nx < 0 || nx >= ww) ? -1 : ny * ww + nx;
}
#endif
