/* bf16_gemm__amx.c — the 32x32 bf16 micro-kernel on AMX (TDPBF16PS): C is 2x2 tiles of
 * 16x16 f32 (tmm0-3), per 32 k two A tiles of 16 rows x 32 bf16 read from the weight
 * rows in place (tmm4-5) and two B tiles of 16 VNNI pair rows x 16 columns from the
 * panel (tmm6-7, row stride 128 bytes). The sums go through a stack tile into the
 * shared AVX-512 epilogue. Needs the tile state granted (kn_bf16_amx_request) and
 * the configuration loaded on the thread (kn_bf16_amx_begin). Rows past M are read
 * from the zero padding (mpad is a multiple of 32) and never stored. */
#include <string.h>
#include <immintrin.h>
#include "kernels/amx/bf16.h"

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

void kn_bf16_amx_begin(void) {
    tile_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 8; t++) cfg.rows[t] = 16, cfg.colsb[t] = 64; /* 16 x 64 bytes each */
    /* GCC 12's _tile_loadconfig names only 8 bytes of cfg as its operand, so the stores
     * of rows and colsb were dropped and LDTILECFG faulted on stack garbage; this empty
     * asm reads all 64 bytes. The intrinsic stays (tests/test_bf16.c emulates it). */
    __asm__ volatile("" ::"m"(cfg));
    _tile_loadconfig(&cfg);
}

void kn_bf16_amx_end(void) { _tile_release(); }

void kn_bf16_gemm_32x32__amx(int mr, int nr, int kpad, const kn_bf16 *a, size_t lda,
                             const kn_bf16 *b, float *c, size_t ldc, const kn_gemm_epi *e) {
    const size_t sa = lda * sizeof(kn_bf16), sb = 2 * KN_BF16_NR * sizeof(kn_bf16);
    const kn_bf16 *a1 = a + 16 * lda;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (int k = 0; k < kpad; k += 32) {
        const kn_bf16 *bk = b + (size_t)k * KN_BF16_NR; /* 16 pair rows of 64 bf16 */
        _tile_loadd(4, a + k, sa);
        _tile_loadd(5, a1 + k, sa);
        _tile_loadd(6, bk, sb);
        _tile_loadd(7, bk + 32, sb);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    float t[32 * 32] __attribute__((aligned(64)));
    _tile_stored(0, t, 128);
    _tile_stored(1, t + 16, 128);
    _tile_stored(2, t + 16 * 32, 128);
    _tile_stored(3, t + 16 * 32 + 16, 128);
    kn_bf16_epilogue__avx512(mr, nr, t, 32, c, ldc, e);
}

const kn_bf16_kernel kn_bf16_kernel_amx = {
    .name = "bf16_gemm_32x32__amx", .aligned = 1, .mr = 32, .gemm = kn_bf16_gemm_32x32__amx,
    .begin = kn_bf16_amx_begin, .end = kn_bf16_amx_end,
};
