/* cases.h — the table of op shapes shared by the kernel tests (tests/test_kernels.c) and
 * the op benchmark (stvit opbench), XNNPACK style: 1, primes, around the SIMD widths
 * (15/16/17, 31/32/33), the GEMM blocking (MR 14, NR 32, KC 384), the real STViT
 * S/B/L stage shapes at 224 and 384 and those of the baselines DeiT-S and Swin-T at 224. bcn cases serve layernorm, batchnorm, affine,
 * scale_add and avgpool; sta cases the four super token ops. */
#ifndef KN_CASES_H
#define KN_CASES_H
#include <stddef.h>

typedef struct { int M, N, K; } kn_gemm_case;
extern const kn_gemm_case kn_gemm_cases[];
extern const int kn_gemm_ncases;

typedef struct { int batch, cin, cout, n; } kn_conv1x1_case;
extern const kn_conv1x1_case kn_conv1x1_cases[];
extern const int kn_conv1x1_ncases;

typedef struct { int batch, cin, h, w, cout, k, stride, pad; } kn_conv_case;
extern const kn_conv_case kn_conv_cases[];
extern const int kn_conv_ncases;

typedef struct { int batch, c, h, w, k; } kn_dwconv_case;
extern const kn_dwconv_case kn_dwconv_cases[];
extern const int kn_dwconv_ncases;

typedef struct { int batch, c, n; } kn_bcn_case;
extern const kn_bcn_case kn_bcn_cases[];
extern const int kn_bcn_ncases;

/* groups: the bias the network passes (0: none, as STViT and DeiT; g >= 1: bias_groups g,
 * Swin's relative position bias, with a window's shift mask when g > 1: batch = images x
 * g windows, and then m = ws x ws). */
typedef struct { int batch, heads, hd, m, groups; } kn_attention_case;
extern const kn_attention_case kn_attention_cases[];
extern const int kn_attention_ncases;

typedef struct { int batch, c, h, w, sh, sw; } kn_sta_case;
extern const kn_sta_case kn_sta_cases[];
extern const int kn_sta_ncases;

extern const size_t kn_activation_counts[]; /* element counts */
extern const int kn_activation_ncounts;

typedef struct { int batch, in, out; } kn_linear_case;
extern const kn_linear_case kn_linear_cases[];
extern const int kn_linear_ncases;

/* pad, crop, window gather / scatter (hp, wp multiples of ws; Swin's cyclic shift) and copy
 * (batch*c*hp*wp floats); space_to_depth and tokens_embed on the same images (c x h x w). */
typedef struct { int batch, c, h, w, hp, wp, ws, shift_h, shift_w; } kn_layout_case;
extern const kn_layout_case kn_layout_cases[];
extern const int kn_layout_ncases;

/* Cases of op `op` (KN_OP_*): its table's length (0: the op has no cases yet). */
int kn_cases_count(int op);
#endif
