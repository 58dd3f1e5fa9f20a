/* isa__avx512.c — the simd kernels for AVX-512F: 14x32 GEMM tile (28 zmm accumulators),
 * 28x8 narrow tile. */
#include "kernels/simd/vec_avx512.h"
#define KN_ISA_NAME "avx512"
#define UK_MR 14
#define UK_NAME kn_gemm_f32_14x32__avx512
#define UK_NAME_ROWS kn_gemm_f32_14x32_rows__avx512
#define UK_NAME_T kn_gemm_f32_14x32_t__avx512
#define UK_NAME_OFF kn_gemm_f32_14x32_off__avx512
#define UK_NAME_COLS kn_gemm_f32_28x8_cols__avx512
#define UK_NC 8
#include "kernels/simd/isa_body.h"
