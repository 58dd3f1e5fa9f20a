/* The naive backend: every slot filled with the reference loops. */
#include "kernels/naive/naive.h"

static int naive_supported(void) { return 1; }

static void naive_init(kn_ops *o) {
    o->gemm = kn_gemm__naive;
    o->pointwise = kn_pointwise__naive;
    o->conv = kn_conv__naive;
    o->dwconv = kn_dwconv__naive;
    o->layernorm = kn_layernorm__naive;
    o->batchnorm = kn_batchnorm__naive;
    o->affine = kn_affine__naive;
    o->activation = kn_activation__naive;
    o->scale_add = kn_scale_add__naive;
    o->avgpool = kn_avgpool__naive;
    o->linear = kn_linear__naive;
    o->sta_pool = kn_sta_pool__naive;
    o->sta_associate = kn_sta_associate__naive;
    o->sta_aggregate = kn_sta_aggregate__naive;
    o->sta_upsample = kn_sta_upsample__naive;
    o->attention = kn_attention__naive;
    o->attention_scratch = kn_attention_scratch__naive;
    o->pad = kn_pad__naive;
    o->crop = kn_crop__naive;
    o->window_gather = kn_window_gather__naive;
    o->window_scatter = kn_window_scatter__naive;
    o->copy = kn_copy__naive;
    o->space_to_depth = kn_space_to_depth__naive;
    o->tokens_embed = kn_tokens_embed__naive;
}

const kn_backend kn_backend_naive = {
    .name = "naive",
    .uses = "plain C loops, double accumulators: the reference",
    .base = NULL,
    .flags = 0,
    .supported = naive_supported,
    .init = naive_init,
};
