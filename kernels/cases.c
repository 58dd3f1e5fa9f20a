/* cases.c — the op shapes of cases.h. */
#include "kernels/cases.h"
#include "kernels/kernels.h"

const kn_gemm_case kn_gemm_cases[] = {
    {1, 1, 1}, {1, 1, 0}, {7, 13, 31}, {13, 97, 7}, {15, 16, 17}, {16, 17, 15}, {17, 15, 16},
    {31, 32, 33}, {33, 31, 32}, {32, 33, 31}, {14, 32, 384}, {28, 64, 385}, {29, 65, 769},
    {97, 31, 1000}, {1, 1000, 64}, {196, 196, 64}, {64, 196, 196}, {49, 49, 32}, {64, 49, 49},
    {64, 3136, 64}, {320, 196, 320}, {512, 49, 2048},
};
const int kn_gemm_ncases = (int)(sizeof kn_gemm_cases / sizeof *kn_gemm_cases);

const kn_conv1x1_case kn_conv1x1_cases[] = {
    {1, 1, 1, 1}, {1, 7, 13, 31}, {2, 13, 7, 97}, {1, 15, 16, 17}, {3, 17, 15, 16}, {1, 31, 33, 32},
    {2, 33, 32, 31}, {1, 16, 14, 33}, {1, 385, 29, 65}, {1, 4100, 3, 5},
    /* STViT-S 224: fc1, fc2, qkv, proj per stage; the head projection */
    {1, 64, 256, 3136}, {1, 256, 64, 3136}, {1, 64, 192, 3136}, {1, 128, 512, 784}, {1, 512, 128, 784},
    {1, 320, 1280, 196}, {1, 1280, 320, 196}, {1, 320, 960, 196}, {1, 320, 320, 196},
    {1, 512, 2048, 49}, {1, 2048, 512, 49}, {1, 512, 1536, 49}, {1, 512, 1024, 49},
    /* B / L channels, 384 tokens, batch 8 */
    {1, 96, 384, 9216}, {1, 192, 768, 2304}, {1, 384, 1536, 576}, {1, 448, 1792, 144},
    {1, 2560, 640, 49}, {8, 512, 2048, 49}, {8, 320, 320, 196}, {2, 640, 1920, 144},
    /* DeiT-S (197 tokens x 384: qkv, fc2), Swin-T (stage 0 fc1, stage 1 patch merging 4C -> 2C) */
    {1, 384, 1152, 197}, {1, 1536, 384, 197}, {1, 96, 384, 3136}, {1, 384, 192, 784},
};
const int kn_conv1x1_ncases = (int)(sizeof kn_conv1x1_cases / sizeof *kn_conv1x1_cases);

const kn_conv_case kn_conv_cases[] = {
    {1, 1, 1, 1, 1, 3, 1, 1}, {1, 2, 1, 1, 3, 3, 1, 1}, {1, 5, 7, 9, 6, 3, 1, 1}, {2, 3, 13, 17, 31, 3, 2, 1},
    {1, 4, 15, 16, 17, 3, 2, 1}, {1, 7, 17, 33, 16, 3, 1, 1}, {3, 3, 16, 16, 15, 4, 4, 0}, {1, 2, 31, 32, 33, 3, 2, 1},
    /* the stem (S at 224: 3 -> 32 -> 32 -> 64 -> 64), the patchify stem, downsampling */
    {1, 3, 224, 224, 32, 3, 2, 1}, {1, 32, 112, 112, 32, 3, 1, 1}, {1, 32, 112, 112, 64, 3, 2, 1},
    {1, 64, 56, 56, 64, 3, 1, 1}, {1, 3, 224, 224, 64, 4, 4, 0}, {1, 64, 56, 56, 128, 3, 2, 1},
    {1, 128, 28, 28, 320, 3, 2, 1}, {1, 320, 14, 14, 512, 3, 2, 1}, {1, 448, 24, 24, 640, 3, 2, 1},
    {2, 3, 384, 384, 48, 3, 2, 1}, {1, 96, 96, 96, 192, 3, 2, 1},
    /* the patch embeddings of DeiT-S (16x16 stride 16) and Swin-T (4x4 stride 4) */
    {1, 3, 224, 224, 384, 16, 16, 0}, {1, 3, 224, 224, 96, 4, 4, 0},
};
const int kn_conv_ncases = (int)(sizeof kn_conv_cases / sizeof *kn_conv_cases);

const kn_dwconv_case kn_dwconv_cases[] = {
    {1, 1, 1, 1, 3}, {1, 3, 1, 7, 3}, {2, 5, 7, 13, 3}, {1, 4, 15, 16, 3}, {1, 3, 17, 17, 5}, {1, 2, 31, 33, 5},
    {1, 2, 9, 32, 7}, {1, 2, 3, 700, 3}, {2, 3, 5, 32, 3}, {1, 2, 6, 33, 3}, {1, 3, 9, 17, 3},
    {1, 64, 56, 56, 3}, {1, 256, 56, 56, 3}, {2, 320, 14, 14, 3},
    {1, 512, 7, 7, 3}, {1, 2048, 7, 7, 3}, {1, 96, 96, 96, 3}, {1, 192, 48, 48, 5}, {1, 2, 5, 5, 9},
};
const int kn_dwconv_ncases = (int)(sizeof kn_dwconv_cases / sizeof *kn_dwconv_cases);

const kn_bcn_case kn_bcn_cases[] = {
    {1, 1, 1}, {1, 7, 13}, {3, 13, 7}, {2, 15, 16}, {1, 16, 17}, {1, 17, 15}, {2, 31, 33}, {1, 33, 32},
    {1, 64, 3136}, {2, 128, 784}, {1, 320, 196}, {8, 512, 49}, {1, 96, 9216}, {1, 640, 144}, {2, 1024, 49},
    /* DeiT-S's LayerNorms (197 tokens x 384); Swin-T's per stage */
    {1, 384, 197}, {8, 384, 197}, {1, 96, 3136}, {1, 192, 784}, {2, 384, 196}, {1, 768, 49},
};
const int kn_bcn_ncases = (int)(sizeof kn_bcn_cases / sizeof *kn_bcn_cases);

const kn_attention_case kn_attention_cases[] = {
    {1, 1, 1, 1, 0}, {1, 1, 7, 13, 0}, {2, 3, 17, 13, 0}, {1, 2, 16, 15, 0}, {1, 2, 15, 17, 0},
    {1, 1, 33, 32, 0}, {3, 1, 31, 33, 0}, {1, 1, 64, 49, 0}, {1, 2, 64, 49, 0}, {1, 5, 64, 196, 0},
    {1, 8, 64, 49, 0}, {2, 5, 64, 196, 0}, {8, 8, 64, 49, 0}, {1, 6, 64, 144, 0}, {1, 7, 64, 576, 0},
    {1, 10, 64, 144, 0}, {1, 3, 64, 144, 0},
    /* DeiT-S: 197 tokens (196 + the class token), 6 heads of 64 */
    {1, 6, 64, 197, 0}, {2, 6, 64, 197, 0},
    /* shifted-window masks on small grids (ws 2..5, 1 x g and g1 x g2 windows, 2 images) */
    {9, 1, 1, 4, 9}, {6, 1, 17, 9, 3}, {4, 2, 16, 16, 4}, {8, 2, 15, 16, 4}, {2, 3, 31, 25, 2}, {4, 1, 33, 49, 2},
    /* Swin-T's 7x7 windows, hd 32: stage 0 (8x8 windows, 3 heads), 1 (4x4, 6; 2 images),
     * 2 (2x2, 12; 2 images), 3 (one window, 24 heads: no shift, relative position bias only) */
    {64, 3, 32, 49, 64}, {32, 6, 32, 49, 16}, {8, 12, 32, 49, 4}, {1, 24, 32, 49, 1},
};
const int kn_attention_ncases = (int)(sizeof kn_attention_cases / sizeof *kn_attention_cases);

const kn_sta_case kn_sta_cases[] = {
    {1, 1, 8, 8, 8, 8}, {1, 3, 4, 12, 4, 4}, {2, 5, 16, 24, 8, 8}, {1, 7, 12, 8, 4, 4}, {1, 4, 9, 12, 3, 4},
    {1, 13, 32, 32, 8, 8}, {1, 17, 20, 68, 4, 4}, {1, 2, 8, 8, 1, 2},
    /* stage 0 (stoken 8) and 1 (stoken 4) of S/B/L at 224 and 384 */
    {1, 64, 56, 56, 8, 8}, {1, 128, 28, 28, 4, 4}, {2, 96, 56, 56, 8, 8}, {1, 96, 96, 96, 8, 8}, {1, 192, 48, 48, 4, 4},
    {8, 64, 56, 56, 8, 8},
};
const int kn_sta_ncases = (int)(sizeof kn_sta_cases / sizeof *kn_sta_cases);

const size_t kn_activation_counts[] = {1, 7, 15, 16, 17, 31, 32, 33, 4095, 4097, 100003};
const int kn_activation_ncounts = (int)(sizeof kn_activation_counts / sizeof *kn_activation_counts);

const kn_linear_case kn_linear_cases[] = {{1, 1, 1}, {3, 7, 5}, {2, 15, 17}, {1, 33, 31}, {1, 1024, 1000}, {8, 1024, 1000}, {5, 512, 10}};
const int kn_linear_ncases = (int)(sizeof kn_linear_cases / sizeof *kn_linear_cases);

/* 1, primes, window tails, the real stage shapes (56 -> 8x8 cells, 14 -> 7x7 windows),
 * Swin-T's and DeiT-S's. */
const kn_layout_case kn_layout_cases[] = {
    {1, 1, 1, 1, 1, 1, 1, 0, 0},     {1, 1, 1, 1, 7, 7, 7, 0, 0},     {2, 3, 5, 7, 8, 8, 4, 0, 0},
    {1, 5, 13, 11, 14, 14, 7, 0, 0}, {3, 2, 7, 7, 7, 7, 7, 0, 0},     {1, 4, 17, 31, 21, 35, 7, 0, 0},
    {1, 2, 56, 56, 56, 56, 8, 0, 0}, {2, 3, 14, 14, 14, 14, 7, 0, 0}, {1, 1, 9, 2, 14, 7, 7, 0, 0},
    {1, 64, 57, 57, 63, 63, 7, 0, 0},
    /* Swin's shifted windows: rolled by -shift, also with padding and a shift in one direction */
    {1, 3, 56, 56, 56, 56, 7, 3, 3}, {2, 2, 14, 14, 14, 14, 7, 3, 3}, {1, 2, 13, 11, 14, 14, 7, 3, 3},
    {2, 3, 10, 7, 12, 8, 4, 2, 0},   {1, 1, 5, 9, 8, 12, 4, 0, 2},   {1, 1, 3, 3, 4, 4, 2, 1, 1},
    /* SIMD-width tails in c and the sides, shifted */
    {1, 17, 15, 16, 21, 21, 7, 3, 3}, {2, 16, 31, 33, 35, 35, 7, 3, 3}, {1, 33, 32, 32, 32, 32, 8, 4, 4},
    {1, 31, 17, 15, 18, 18, 6, 3, 0},
    /* Swin-T at 224: stages 0-2 shifted by 3 in 7x7 windows, stage 3 one unshifted window */
    {1, 96, 56, 56, 56, 56, 7, 3, 3}, {2, 96, 56, 56, 56, 56, 7, 0, 0}, {1, 192, 28, 28, 28, 28, 7, 3, 3},
    {1, 384, 14, 14, 14, 14, 7, 3, 3}, {1, 768, 7, 7, 7, 7, 7, 0, 0},
    /* DeiT-S: the 14x14 x 384 patch grid (tokens_embed: 196 + the class token) */
    {1, 384, 14, 14, 14, 14, 14, 0, 0}, {8, 384, 14, 14, 14, 14, 14, 0, 0},
};
const int kn_layout_ncases = (int)(sizeof kn_layout_cases / sizeof *kn_layout_cases);

int kn_cases_count(int op) {
    switch (op) {
    case KN_OP_conv1x1: return kn_conv1x1_ncases;
    case KN_OP_conv: return kn_conv_ncases;
    case KN_OP_dwconv: return kn_dwconv_ncases;
    case KN_OP_layernorm: case KN_OP_batchnorm: case KN_OP_affine: case KN_OP_scale_add: case KN_OP_avgpool:
        return kn_bcn_ncases;
    case KN_OP_activation: return kn_activation_ncounts;
    case KN_OP_linear: return kn_linear_ncases;
    case KN_OP_sta_pool: case KN_OP_sta_associate: case KN_OP_sta_aggregate: case KN_OP_sta_upsample:
        return kn_sta_ncases;
    case KN_OP_attention: return kn_attention_ncases;
    case KN_OP_gemm: return kn_gemm_ncases;
    case KN_OP_pad: case KN_OP_crop: case KN_OP_window_gather: case KN_OP_window_scatter: case KN_OP_copy:
    case KN_OP_space_to_depth: case KN_OP_tokens_embed:
        return kn_layout_ncases;
    }
    return 0;
}
