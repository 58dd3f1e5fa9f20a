/* isa__avx2.c — the simd kernels for AVX2 + FMA: 6x16 GEMM tile (12 ymm accumulators). */
#include "kernels/simd/vec_avx2.h"
#define KN_ISA_NAME "avx2"
#define UK_MR 6
#define UK_NAME kn_gemm_f32_6x16__avx2
#define UK_NAME_ROWS kn_gemm_f32_6x16_rows__avx2
#define UK_NAME_T kn_gemm_f32_6x16_t__avx2
#define UK_NAME_OFF kn_gemm_f32_6x16_off__avx2
#define UK_NAME_COLS kn_gemm_f32_12x4_cols__avx2
#include "kernels/simd/isa_body.h"
