/* test_bf16.c — the bf16 kernels (kernels/amx/bf16.h) against a double reference.
 *
 * Every micro-kernel this CPU runs (AMX, AVX512-BF16) is checked over a sweep of
 * shapes (1, primes, 15-17, 31-33, the tiles 14/32, and real STViT stage shapes at
 * 224 and 384), every epilogue (bias, GELU, Swish, layer scale, residual, alpha), the
 * 3x3 convolutions as implicit GEMM (stem and stride-2 downsampling), transposed B
 * (the head), and the row/image/panel splits of the driver. A kernel the CPU lacks
 * is skipped by name with the reason; STVIT_NO_BF16=1 skips them all. The AMX
 * kernel's source also runs on emulated tiles (scalar TDPBF16PS), so its layout is
 * checked on CPUs without AMX too.
 *
 * Tolerance (a bound, not a constant). With u = 2^-8 (bf16) and v = 2^-24 (f32), both
 * operands rounded to bf16 give each product a relative error <= 2u + u^2; the f32
 * sum of K products (two roundings per VDPBF16PS pair, one per product in a tile)
 * adds <= K v (1 + Kv) of sum|a||b|. So |sum - ref| <= (2u + u^2 + 1.01 K v) S,
 * S = sum_k |a_k||b_k|, computed here in double; the epilogue scales it by |alpha|,
 * the activation's slope (<= 1.13 for GELU and 1.1 for Swish) and |gamma|, and adds a
 * few v of the result for its own f32 steps. A wrong pairing or a misplaced tile
 * would be off by O(S), 100x that bound.
 *
 * The backends `avx512bf16` and `amx` are checked through an instance (the 1x1 and kxk
 * conv slots, 1 and 2 threads, weights from their prepare hook), and as a
 * whole network against the f32 omp backend: logits within relative L2 2e-2 and the
 * same top-1 on every image, on full-size STViT-S (seeded weights) at a non-square
 * size with batch 2. (The golden configuration is in test_model, every backend.)
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "kernels/amx/bf16.h"
#include "tests/common/testutil.h"
#include "variants/config.h"
#include "variants/model.h"
#include "variants/st_error.h"

#define UB 0.00390625           /* bf16 unit roundoff, 2^-8 */
#define UF 5.9604644775390625e-8 /* float, 2^-24 */

/* n values uniform in [-scale, scale), a new sequence per call. */
static float *rand_buf(size_t n, float scale) {
    static unsigned seed = 1;
    float *p = malloc(sizeof(float) * (n ? n : 1));
    assert_non_null(p);
    tu_fill_random(p, n, seed++);
    for (size_t i = 0; i < n; i++) p[i] *= scale;
    return p;
}
static void *aligned(size_t bytes) {
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    assert_non_null(p);
    return p;
}

/* ------------------------------------------------- AMX kernel, emulated tiles -- */

/* The AMX micro-kernel's source compiled against scalar tiles (Intel's TDPBF16PS
 * pseudo-code), so its layout logic (A rows in place, B pair rows at a 128-byte
 * stride, the 2x2 C tiles) is checked on every AVX-512 CPU, AMX or not. */
#include <immintrin.h>
#undef _tile_loadd
#undef _tile_stored
#undef _tile_zero
#undef _tile_dpbf16ps
static struct { unsigned char b[16][64]; } emu_tile[8];
static void emu_loadd(int t, const void *base, size_t stride) {
    for (int r = 0; r < 16; r++) memcpy(emu_tile[t].b[r], (const char *)base + r * stride, 64);
}
static void emu_stored(int t, void *base, size_t stride) {
    for (int r = 0; r < 16; r++) memcpy((char *)base + r * stride, emu_tile[t].b[r], 64);
}
static float emu_bf(const unsigned char *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return kn_bf16_to_f32(h);
}
static void emu_dpbf16ps(int c, int a, int b) { /* C[m][n] += sum_k A[m][2k..2k+1] . B[k][2n..2n+1] */
    for (int m = 0; m < 16; m++)
        for (int n = 0; n < 16; n++) {
            float acc;
            memcpy(&acc, emu_tile[c].b[m] + 4 * n, 4);
            for (int k = 0; k < 16; k++)
                acc += emu_bf(emu_tile[a].b[m] + 4 * k) * emu_bf(emu_tile[b].b[k] + 4 * n) +
                       emu_bf(emu_tile[a].b[m] + 4 * k + 2) * emu_bf(emu_tile[b].b[k] + 4 * n + 2);
            memcpy(emu_tile[c].b[m] + 4 * n, &acc, 4);
        }
}
static void emu_loadconfig(const void *cfg) { (void)cfg; }
static void emu_release(void) {}
#define _tile_loadd(t, base, stride) emu_loadd(t, base, stride)
#define _tile_stored(t, base, stride) emu_stored(t, base, stride)
#define _tile_zero(t) memset(&emu_tile[t], 0, sizeof emu_tile[t])
#define _tile_dpbf16ps(c, a, b) emu_dpbf16ps(c, a, b)
#define _tile_loadconfig emu_loadconfig
#define _tile_release emu_release
#define kn_bf16_amx_begin emu_amx_begin
#define kn_bf16_amx_end emu_amx_end
#define kn_bf16_gemm_32x32__amx emu_gemm_32x32__amx
#define kn_bf16_kernel_amx emu_kernel_amx
#include "kernels/amx/bf16_gemm__amx.c"
#undef kn_bf16_kernel_amx
#undef kn_bf16_gemm_32x32__amx
#undef kn_bf16_amx_begin
#undef kn_bf16_amx_end

/* ------------------------------------------------------------------ kernels -- */

typedef struct {
    const kn_bf16_kernel *k;
    int (*supported)(const char **why);
} kernel_case;

static int amx_usable(const char **why) { return kn_bf16_amx_request(why) == 0; }
static int avx512_usable(const char **why) { /* the emulated tiles need only the AVX-512 parts */
    if (kn_bf16_cpu_avx512bf16(why) || kn_bf16_cpu_amx(why)) return 1;
    return 0;
}

static const kernel_case kernels[] = {
    {&kn_bf16_kernel_avx512bf16, kn_bf16_cpu_avx512bf16},
    {&kn_bf16_kernel_amx, amx_usable},
    {&emu_kernel_amx, avx512_usable},
};

/* The kernel by index, or a cmocka skip saying why it cannot run here. */
static const kn_bf16_kernel *kernel_or_skip(int i) {
    const char *why = "";
    if (!kernels[i].supported(&why)) {
        print_message("SKIP %s: %s\n", kernels[i].k->name, why);
        skip();
    }
    return kernels[i].k;
}

/* ---------------------------------------------------------------- reference -- */

static double act_d(kn_act act, double x) {
    if (act == KN_ACT_GELU) return 0.5 * x * erfc(-x / sqrt(2.0));
    if (act == KN_ACT_SWISH) return x / (1.0 + exp(-x));
    return x;
}
static double slope(kn_act act) { return act == KN_ACT_GELU ? 1.13 : act == KN_ACT_SWISH ? 1.1 : 1.0; }

/* B(k, j) of image b, as the problem defines it (im2col for a convolution). */
static float b_at(const kn_bf16_problem *p, int b, int k, int j) {
    if (p->conv) {
        const kn_conv_args *cv = p->conv;
        int kk = cv->k * cv->k, ow = (cv->w + 2 * cv->pad - cv->k) / cv->stride + 1;
        int ci = k / kk, ky = (k % kk) / cv->k, kx = k % cv->k;
        int iy = j / ow * cv->stride - cv->pad + ky, ix = j % ow * cv->stride - cv->pad + kx;
        if (iy < 0 || iy >= cv->h || ix < 0 || ix >= cv->w) return 0.0f;
        return cv->x[(((size_t)b * cv->cin + ci) * cv->h + iy) * cv->w + ix];
    }
    const float *B = p->b + (size_t)b * p->b_stride;
    return p->trans_b ? B[(size_t)j * p->ldb + k] : B[(size_t)k * p->ldb + j];
}

/* Checks rows m (every `row_step`-th and the last) of every image of p->c against the
 * reference from the f32 weights w [M][K] and the C before the run (c0). */
static void check(const kn_bf16_problem *p, const float *w, const float *c0, int row_step,
                  const char *what) {
    const int M = p->a->M, K = p->a->K;
    double *col = malloc(sizeof(double) * (K ? K : 1));
    assert_non_null(col);
    for (int b = 0; b < p->batch; b++)
        for (int j = 0; j < p->N; j++) {
            for (int k = 0; k < K; k++) col[k] = b_at(p, b, k, j);
            for (int m = 0; m < M; m = m + row_step < M ? m + row_step : m == M - 1 ? M : M - 1) {
                double s = 0, sa = 0;
                for (int k = 0; k < K; k++) {
                    double a = w[(size_t)m * K + k];
                    s += a * col[k], sa += fabs(a * col[k]);
                }
                size_t at = (size_t)b * p->c_stride + (size_t)m * p->ldc + j;
                double t = p->alpha * s + (p->bias ? p->bias[m] : 0.0);
                double g = p->gamma ? p->gamma[m] : 1.0;
                double ref = g * act_d(p->act, t) + (p->beta != 0.0f ? p->beta * (double)c0[at] : 0.0);
                double tol = (2 * UB + UB * UB + 1.01 * K * UF) * fabs(p->alpha) * sa * slope(p->act) * fabs(g) +
                             8 * UF * (fabs(ref) + fabs(g * t) + fabs(p->beta * (double)c0[at])) + 1e-30;
                double got = p->c[at];
                if (!(fabs(got - ref) <= tol)) {
                    print_message("%s: M=%d K=%d N=%d image %d row %d col %d: got %.9g want %.9g (tol %.3g)\n",
                                  what, M, K, p->N, b, m, j, got, ref, tol);
                    free(col);
                    fail();
                }
            }
        }
    free(col);
}

/* One GEMM of weights w [M][K] on the problem's B source, with epilogue variant `epi`,
 * run whole and as 3 parts; checked against the reference. */
static void run_case(const kn_bf16_kernel *k, kn_bf16_problem *p, const float *w, int epi,
                     int row_step, const char *what) {
    const int M = p->a->M;
    size_t csize = (size_t)p->batch * p->c_stride;
    float *bias = rand_buf(M, 0.5f), *gamma = rand_buf(M, 1.0f), *c0 = rand_buf(csize, 1.0f);
    float *c = malloc(sizeof(float) * csize);
    kn_bf16 *panel = aligned(sizeof(kn_bf16) * kn_bf16_panel_elems(p->a->K));
    assert_non_null(c);
    static const kn_act acts[] = {KN_ACT_NONE, KN_ACT_NONE, KN_ACT_GELU, KN_ACT_GELU, KN_ACT_SWISH};
    p->act = acts[epi % 5];
    p->bias = epi % 5 >= 1 ? bias : NULL;
    p->gamma = epi % 5 == 3 ? gamma : NULL;
    p->beta = epi % 5 >= 3 ? 1.0f : 0.0f;
    p->alpha = epi % 5 == 4 ? 0.5f : 1.0f;
    for (int nparts = 1; nparts <= 3; nparts += 2) {
        memcpy(c, c0, sizeof(float) * csize);
        p->c = c;
        for (int part = 0; part < nparts; part++) kn_bf16_gemm_run_part(p, k, part, nparts, panel);
        check(p, w, c0, row_step, what);
    }
    free(bias), free(gamma), free(c0), free(c), free(panel);
}

/* W [M][K] x X [batch][K][N] (NCHW 1x1 conv), or X as [batch][N][K] if trans. */
static void gemm_case(const kn_bf16_kernel *k, int batch, int M, int K, int N, int trans, int epi,
                      int row_step) {
    float *w = rand_buf((size_t)M * K, 1.0f), *x = rand_buf((size_t)batch * K * N, 1.0f);
    kn_bf16 *wp = aligned(sizeof(kn_bf16) * kn_bf16_weights_elems(M, K));
    kn_bf16_weights wt;
    kn_bf16_pack_weights_f32(M, K, w, (size_t)K, wp, &wt);
    kn_bf16_problem p = {
        .batch = batch, .N = N, .a = &wt,
        .b = x, .ldb = (size_t)(trans ? K : N), .b_stride = (size_t)K * N, .trans_b = trans,
        .ldc = (size_t)N, .c_stride = (size_t)M * N,
    };
    run_case(k, &p, w, epi, row_step, trans ? "gemm (B transposed)" : "gemm");
    free(w), free(x), free(wp);
}

static void sweep(int ki) {
    const kn_bf16_kernel *k = kernel_or_skip(ki);
    static const int Ms[] = {1, 13, 14, 15, 17, 31, 32, 33, 64};
    static const int Ks[] = {1, 2, 3, 31, 32, 33, 100};
    static const int Ns[] = {1, 15, 16, 17, 31, 32, 33, 65};
    int epi = 0;
    for (size_t a = 0; a < sizeof Ms / sizeof *Ms; a++)
        for (size_t b = 0; b < sizeof Ks / sizeof *Ks; b++)
            for (size_t c = 0; c < sizeof Ns / sizeof *Ns; c++)
                gemm_case(k, 1 + (int)(c % 2), Ms[a], Ks[b], Ns[c], 0, epi++, 1);
    /* the head: batch x in -> out, B transposed (x is [batch][in]) */
    gemm_case(k, 1, 1000, 512, 1, 1, 1, 1);
    gemm_case(k, 1, 37, 129, 8, 1, 2, 1);
}

/* 1x1 convs of STViT-S stages (C -> 4C and back) at 224 and 384, a subset of rows. */
static void stages(int ki) {
    const kn_bf16_kernel *k = kernel_or_skip(ki);
    static const int C[] = {64, 128, 320, 512};
    static const int N224[] = {3136, 784, 196, 49}, N384[] = {9216, 2304, 576, 144};
    for (int s = 0; s < 4; s++) {
        gemm_case(k, 1, 4 * C[s], C[s], N224[s], 0, 2, 37);     /* fc1 + GELU */
        gemm_case(k, 1, C[s], 4 * C[s], N224[s], 0, 3, 11);     /* fc2, layer scale, residual */
        gemm_case(k, s == 3 ? 2 : 1, C[s], C[s], N384[s], 0, 1, 29);
    }
}

/* 3x3 convs as implicit GEMM: the stem (cin 3, stride 2), stride 1, downsampling
 * (stride 2 pad 1), odd sizes, and the 4x4 stride-4 patch stem. */
static void conv_table(int ki, int small) {
    const kn_bf16_kernel *k = kernel_or_skip(ki);
    static const struct { int batch, cin, h, w, cout, k, stride, pad; } cs[] = {
        {1, 3, 224, 224, 32, 3, 2, 1}, {2, 5, 7, 9, 17, 3, 1, 1},  {1, 32, 112, 112, 32, 3, 1, 1},
        {1, 64, 56, 56, 128, 3, 2, 1}, {1, 7, 13, 11, 33, 3, 2, 1}, {2, 3, 17, 19, 16, 4, 4, 0},
        {1, 320, 14, 14, 512, 3, 2, 1},
    };
    for (size_t i = 0; i < sizeof cs / sizeof *cs; i++) {
        if (small && (size_t)cs[i].cout * cs[i].h * cs[i].w * cs[i].cin > 200000) continue; /* scalar tiles are slow */
        kn_conv_args cv = {.batch = cs[i].batch, .cin = cs[i].cin, .h = cs[i].h, .w = cs[i].w,
                           .cout = cs[i].cout, .k = cs[i].k, .stride = cs[i].stride, .pad = cs[i].pad};
        int oh = (cv.h + 2 * cv.pad - cv.k) / cv.stride + 1, ow = (cv.w + 2 * cv.pad - cv.k) / cv.stride + 1;
        int K = cv.cin * cv.k * cv.k;
        float *x = rand_buf((size_t)cv.batch * cv.cin * cv.h * cv.w, 1.0f), *w = rand_buf((size_t)cv.cout * K, 1.0f);
        cv.x = x;
        kn_bf16 *wp = aligned(sizeof(kn_bf16) * kn_bf16_weights_elems(cv.cout, K));
        kn_bf16_weights wt;
        kn_bf16_pack_weights_f32(cv.cout, K, w, (size_t)K, wp, &wt);
        kn_bf16_problem p = {.batch = cv.batch, .N = oh * ow, .a = &wt, .conv = &cv,
                             .ldc = (size_t)oh * ow, .c_stride = (size_t)cv.cout * oh * ow};
        run_case(k, &p, w, (int)i % 3 + 1, cv.cout > 64 ? 13 : 1, "conv");
        free(x), free(w), free(wp);
    }
}

static void convs(int ki) { conv_table(ki, 0); }
static void convs_small(int ki) { conv_table(ki, 1); }
static void test_gemm_sweep__amx_emulated(void **s) { (void)s; sweep(2); }
static void test_conv__amx_emulated(void **s) { (void)s; convs_small(2); }
static void test_gemm_sweep__avx512bf16(void **s) { (void)s; sweep(0); }
static void test_gemm_sweep__amx(void **s) { (void)s; sweep(1); }
static void test_gemm_stages__avx512bf16(void **s) { (void)s; stages(0); }
static void test_gemm_stages__amx(void **s) { (void)s; stages(1); }
static void test_conv__avx512bf16(void **s) { (void)s; convs(0); }
static void test_conv__amx(void **s) { (void)s; convs(1); }

/* ------------------------------------------------------------------ backends -- */

static const kn_backend *const bf16_backends[] = {&kn_backend_avx512bf16, &kn_backend_amx};

static const kn_backend *backend_or_skip(int i) {
    const kn_backend *b = bf16_backends[i];
    char why[160];
    if (!kn_backend_runs(b, why, sizeof why)) {
        print_message("SKIP backend %s: %s\n", b->name, why);
        skip();
    }
    assert_string_equal(kn_backend_precision(b), "bf16");
    return b;
}

/* The weight as the model hands it over: the reference and this ctx's prepared form. */
static kn_weight prepared(kn_ctx *ctx, int op, int rows, int cols, int k, const float *ref, void **mem) {
    kn_weight_info wi = {.op = op, .rows = rows, .cols = cols, .k = k, .name = "test"};
    size_t bytes = kn_ctx_prepare_size(ctx, &wi);
    assert_true(bytes > 0);
    *mem = aligned((bytes + 63) / 64 * 64);
    assert_int_equal(kn_ctx_prepare(ctx, &wi, ref, *mem), 0);
    return (kn_weight){ref, *mem};
}

/* The conv1x1 and conv slots of an instance (1 and 2 threads) against the reference,
 * with their weights prepared by the backend's hook. */
static void backend_ops(int bi) {
    const kn_backend *be = backend_or_skip(bi);
    for (int threads = 1; threads <= 2; threads++) {
        kn_ctx *ctx;
        char err[256];
        assert_int_equal(kn_ctx_create(&ctx, be, threads, err, sizeof err), 0);
        assert_true(ctx->unit_roundoff == UB);
        static const int pw[][4] = {{2, 64, 256, 196}, {1, 512, 128, 49}, {3, 33, 17, 65}};
        for (int i = 0; i < 3; i++) {
            int B = pw[i][0], K = pw[i][1], M = pw[i][2], N = pw[i][3];
            float *w = rand_buf((size_t)M * K, 1.0f), *x = rand_buf((size_t)B * K * N, 1.0f);
            float *bias = rand_buf(M, 1.0f), *gamma = rand_buf(M, 1.0f), *y0 = rand_buf((size_t)B * M * N, 1.0f);
            float *y = malloc(sizeof(float) * B * M * N);
            void *mem;
            kn_weight hw = prepared(ctx, KN_OP_conv1x1, M, K, 1, w, &mem);
            memcpy(y, y0, sizeof(float) * B * M * N);
            ctx->ops.conv1x1(ctx, &(kn_conv1x1_args){.batch = B, .cin = K, .cout = M, .n = N, .x = x, .w = hw,
                                                     .bias = bias, .act = KN_ACT_GELU, .gamma = gamma,
                                                     .accumulate = 1, .y = y});
            kn_bf16_weights shape = {.M = M, .K = K};
            kn_bf16_problem p = {.batch = B, .N = N, .a = &shape, .b = x, .ldb = (size_t)N, .b_stride = (size_t)K * N,
                                 .c = y, .ldc = (size_t)N, .c_stride = (size_t)M * N, .alpha = 1.0f, .beta = 1.0f,
                                 .bias = bias, .gamma = gamma, .act = KN_ACT_GELU};
            check(&p, w, y0, 1, "backend conv1x1");
            free(w), free(x), free(bias), free(gamma), free(y0), free(y), free(mem);
        }
        kn_conv_args cv = {.batch = 2, .cin = 16, .h = 15, .w = 13, .cout = 24, .k = 3, .stride = 2, .pad = 1};
        int oh = 8, ow = 7, K = 16 * 9;
        float *x = rand_buf((size_t)2 * 16 * 15 * 13, 1.0f), *w = rand_buf((size_t)24 * K, 1.0f), *bias = rand_buf(24, 1.0f);
        float *y = malloc(sizeof(float) * 2 * 24 * oh * ow);
        void *mem;
        cv.x = x, cv.wt = prepared(ctx, KN_OP_conv, 24, 16, 3, w, &mem), cv.bias = bias, cv.y = y;
        ctx->ops.conv(ctx, &cv);
        kn_bf16_weights shape = {.M = 24, .K = K};
        kn_bf16_problem p = {.batch = 2, .N = oh * ow, .a = &shape, .conv = &cv, .c = y, .ldc = (size_t)oh * ow,
                             .c_stride = (size_t)24 * oh * ow, .alpha = 1.0f, .bias = bias};
        check(&p, w, y, 1, "backend conv");
        free(x), free(w), free(bias), free(y), free(mem);
        kn_ctx_free(ctx);
    }
}

static void argmax_rows(const float *x, int rows, int n, int *out) {
    for (int r = 0; r < rows; r++) {
        out[r] = 0;
        for (int i = 1; i < n; i++)
            if (x[(size_t)r * n + i] > x[(size_t)r * n + out[r]]) out[r] = i;
    }
}

/* Full-size STViT-S, seeded, 2 images of 160x224: bf16 logits vs the f32 omp backend. */
static void backend_model(int bi) {
    const kn_backend *be = backend_or_skip(bi);
    st_config cfg;
    assert_int_equal(st_config_named("S", &cfg), ST_OK);
    const int B = 2, H = 160, W = 224, classes = cfg.num_classes;
    float *in = malloc(sizeof(float) * B * 3 * H * W), *ref = malloc(sizeof(float) * B * classes),
          *got = malloc(sizeof(float) * B * classes);
    assert_true(in && ref && got);
    tu_fill_random(in, (size_t)B * 3 * H * W, 7);
    const kn_backend *pair[2] = {&kn_backend_omp, be};
    float *out[2] = {ref, got};
    for (int i = 0; i < 2; i++) {
        st_model *m;
        assert_int_equal(st_model_create_with(&m, &cfg, NULL, 3, &(st_model_opts){.backend = pair[i], .threads = 2}),
                         ST_OK);
        assert_int_equal(st_model_plan(m, B, H, W, 0), ST_OK);
        assert_int_equal(st_model_forward(m, in, out[i]), ST_OK);
        st_model_free(m);
    }
    int top_ref[2], top_got[2];
    argmax_rows(ref, B, classes, top_ref);
    argmax_rows(got, B, classes, top_got);
    for (int b = 0; b < B; b++) {
        double e = tu_rel_l2(got + (size_t)b * classes, ref + (size_t)b * classes, classes);
        print_message("  %s STViT-S %dx%d image %d: logits rel L2 %.2e vs omp, top-1 %d (omp %d)\n", be->name, H, W,
                      b, e, top_got[b], top_ref[b]);
        assert_true(e <= 2e-2);
        assert_int_equal(top_got[b], top_ref[b]);
    }
    free(in), free(ref), free(got);
}

static void test_backend_ops__avx512bf16(void **s) { (void)s; backend_ops(0); }
static void test_backend_ops__amx(void **s) { (void)s; backend_ops(1); }
static void test_model_S__avx512bf16(void **s) { (void)s; backend_model(0); }
static void test_model_S__amx(void **s) { (void)s; backend_model(1); }

/* -------------------------------------------------------- conversion/packing -- */

static float from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Round to nearest, ties to even; NaN stays NaN; bf16 -> f32 is exact. */
static void test_convert(void **s) {
    (void)s;
    assert_int_equal(kn_bf16_from_f32(1.0f), 0x3f80);
    assert_int_equal(kn_bf16_from_f32(from_bits(0x3f808000u)), 0x3f80); /* tie, even below */
    assert_int_equal(kn_bf16_from_f32(from_bits(0x3f818000u)), 0x3f82); /* tie, even above */
    assert_int_equal(kn_bf16_from_f32(from_bits(0x3f808001u)), 0x3f81);
    assert_int_equal(kn_bf16_from_f32(-2.0f), 0xc000);
    assert_int_equal(kn_bf16_from_f32(from_bits(0x7f7fffffu)), 0x7f80); /* FLT_MAX rounds to inf */
    kn_bf16 nan = kn_bf16_from_f32(from_bits(0x7f800001u));
    assert_true((nan & 0x7f80) == 0x7f80 && (nan & 0x7f) != 0);
    float *xs = rand_buf(1000, 100.0f);
    for (int i = 0; i < 1000; i++) {
        float x = xs[i];
        float r = kn_bf16_to_f32(kn_bf16_from_f32(x));
        assert_true(fabs(r - x) <= UB * fabs(x));
        assert_int_equal(kn_bf16_from_f32(r), kn_bf16_from_f32(x));
    }
    free(xs);
}

/* Weights from a bf16 source equal the f32 path on bf16-representable values; the
 * padding is zero. */
static void test_pack_weights(void **s) {
    (void)s;
    const int M = 37, K = 45;
    float *w = rand_buf((size_t)M * K, 3.0f);
    kn_bf16 *src = malloc(sizeof(kn_bf16) * M * K);
    kn_bf16 *a = malloc(sizeof(kn_bf16) * kn_bf16_weights_elems(M, K)), *b = malloc(sizeof(kn_bf16) * kn_bf16_weights_elems(M, K));
    assert_true(src && a && b);
    for (int i = 0; i < M * K; i++) src[i] = kn_bf16_from_f32(w[i]);
    kn_bf16_weights wa, wb;
    kn_bf16_pack_weights_f32(M, K, w, (size_t)K, a, &wa);
    kn_bf16_pack_weights_bf16(M, K, src, (size_t)K, b, &wb);
    assert_int_equal(wa.mpad, 64);
    assert_int_equal(wa.kpad, 64);
    assert_memory_equal(a, b, sizeof(kn_bf16) * kn_bf16_weights_elems(M, K));
    for (int m = 0; m < wa.mpad; m++)
        for (int k = 0; k < wa.kpad; k++)
            if (m >= M || k >= K) assert_int_equal(a[(size_t)m * wa.kpad + k], 0);
            else assert_int_equal(a[(size_t)m * wa.kpad + k], src[(size_t)m * K + k]);
    free(w), free(src), free(a), free(b);
}

/* The vector panel packer rounds exactly like kn_bf16_from_f32 and pairs rows k, k+1. */
static void test_pack_panel(void **s) {
    (void)s;
    const char *why;
    if (!kn_bf16_cpu_avx512bf16(&why) && !kn_bf16_cpu_amx(&why)) {
        print_message("SKIP pack_panel__avx512: %s\n", why);
        skip();
    }
    const int K = 37, N = 45;
    float *x = rand_buf((size_t)K * N, 10.0f);
    x[0] = from_bits(0x3f808000u), x[1] = from_bits(0x3f818000u); /* ties */
    kn_bf16_weights wt = {.M = 1, .K = K, .mpad = 32, .kpad = kn_bf16_kpad(K)};
    kn_bf16_problem p = {.batch = 1, .N = N, .a = &wt, .b = x, .ldb = N};
    kn_bf16 *panel = aligned(sizeof(kn_bf16) * kn_bf16_panel_elems(K));
    for (int j0 = 0; j0 < N; j0 += 32) {
        int nc = N - j0 < 32 ? N - j0 : 32;
        kn_bf16_pack_panel__avx512(&p, 0, j0, nc, panel);
        for (int k = 0; k < wt.kpad; k++)
            for (int j = 0; j < 32; j++) {
                kn_bf16 want = k < K && j < nc ? kn_bf16_from_f32(x[(size_t)k * N + j0 + j]) : 0;
                assert_int_equal(panel[(size_t)(k / 2) * 64 + j * 2 + k % 2], want);
            }
    }
    free(x), free(panel);
}

/* STVIT_NO_BF16=1 turns both kernels off, naming the switch; unset, the answer is the CPU's. */
static void test_switch_off(void **s) {
    (void)s;
    const char *old = getenv("STVIT_NO_BF16"), *why = NULL;
    char *saved = old ? strdup(old) : NULL;
    setenv("STVIT_NO_BF16", "1", 1);
    assert_int_equal(kn_bf16_cpu_avx512bf16(&why), 0);
    assert_non_null(strstr(why, "STVIT_NO_BF16"));
    assert_int_equal(kn_bf16_cpu_amx(&why), 0);
    assert_non_null(strstr(why, "STVIT_NO_BF16"));
    unsetenv("STVIT_NO_BF16");
    for (size_t i = 0; i < sizeof kernels / sizeof *kernels; i++) {
        why = "";
        int ok = kernels[i].supported(&why);
        print_message("%s: %s%s\n", kernels[i].k->name, ok ? "runs here" : "not here: ", ok ? "" : why);
    }
    if (saved) setenv("STVIT_NO_BF16", saved, 1);
    free(saved);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert),
        cmocka_unit_test(test_pack_weights),
        cmocka_unit_test(test_pack_panel),
        cmocka_unit_test(test_switch_off),
        cmocka_unit_test(test_gemm_sweep__amx_emulated),
        cmocka_unit_test(test_conv__amx_emulated),
        cmocka_unit_test(test_gemm_sweep__avx512bf16),
        cmocka_unit_test(test_gemm_sweep__amx),
        cmocka_unit_test(test_gemm_stages__avx512bf16),
        cmocka_unit_test(test_gemm_stages__amx),
        cmocka_unit_test(test_conv__avx512bf16),
        cmocka_unit_test(test_conv__amx),
        cmocka_unit_test(test_backend_ops__avx512bf16),
        cmocka_unit_test(test_backend_ops__amx),
        cmocka_unit_test(test_model_S__avx512bf16),
        cmocka_unit_test(test_model_S__amx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
