/* The naive backend: every slot filled with the reference loops. */
#include "kernels/naive/naive.h"

static void naive_init(kn_ops *o) {
#define KN_OP(name, label, params, args) o->name = kn_##name##__naive;
#include "kernels/ops.def"
#undef KN_OP
    o->attention_scratch = kn_attention_scratch__naive;
}

const kn_backend kn_backend_naive = {
    .name = "naive",
    .uses = "plain C loops, double accumulators: the reference",
    .base = NULL,
    .flags = 0,
    .init = naive_init,
};
