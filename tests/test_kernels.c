/* test_kernels.c — every op of every backend this CPU runs, against naive.
 *
 * One table of shapes per op (XNNPACK style): 1, primes, around the SIMD widths
 * (15/16/17, 31/32/33), the GEMM blocking (MR 14, NR 32, KC 384) and the real STViT
 * S/B/L stage shapes at 224 and 384. Each case runs on every optimized backend, and
 * the simd/omp backends once per instruction set this CPU has (the ISA is forced),
 * so the AVX-512, AVX2 and portable paths are all checked; the micro-kernels are also
 * called directly on every tile size.
 *
 * Tolerances are error bounds, not one constant: a sum of K products computed in
 * blocks of at most 512 in float has error <= (min(K,512) + K/512 + 2) u sum|a||b|
 * (u = 2^-24), and the test evaluates sum|a||b| with the naive op on |inputs|.
 * Element ops get a few u of their result's magnitude. Big shapes check a subset of
 * output channels (the reference costs O(K) per element in double).
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
#include "kernels/kernels.h"
#include "kernels/naive/naive.h"
#include "kernels/simd/simd.h"

#define U 5.9604644775390625e-8 /* unit roundoff of float, 2^-24 */

/* ---------------------------------------------------------------- test data -- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(void) { /* uniform in [-1, 1) */
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng >> 40) * (1.0 / 8388608.0)) - 1.0f;
}
static float *rand_buf(size_t n, float scale) {
    float *p = malloc(sizeof(float) * (n ? n : 1));
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = frand() * scale;
    return p;
}
static float *abs_copy(const float *x, size_t n) {
    if (!x) return NULL;
    float *p = malloc(sizeof(float) * (n ? n : 1));
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = fabsf(x[i]);
    return p;
}
static float *dup(const float *x, size_t n) {
    float *p = malloc(sizeof(float) * (n ? n : 1));
    assert_non_null(p);
    memcpy(p, x, sizeof(float) * n);
    return p;
}
static float *fill(size_t n, float v) {
    float *p = malloc(sizeof(float) * (n ? n : 1));
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = v;
    return p;
}

/* Error bound factor of a float sum of k terms in blocks (see the top comment). */
static double sum_gamma(long k) { return (double)((k < 512 ? k : 512) + k / 512 + 2) * U; }

/* ------------------------------------------------ implementations under test -- */

typedef struct {
    char label[48];
    const kn_backend *backend;
    const kn_simd_isa *isa; /* forced while it runs */
    int threads;
    kn_ops ops;
} impl;

static impl impls[32];
static int nimpls;

static int uses_simd(const kn_backend *b) {
    for (; b; b = b->base ? kn_backend_find(b->base) : NULL)
        if (strcmp(b->name, "simd") == 0) return 1;
    return 0;
}

static int setup_impls(void **state) {
    const char *isas[] = {"avx512", "avx2", "generic"};
    const kn_simd_isa *dflt = kn_simd_isa_active();
    for (int i = 0; i < kn_backend_count(); i++) {
        const kn_backend *b = kn_backend_at(i);
        if (b == &kn_backend_naive) continue; /* the reference itself */
        if (!b->supported()) {
            print_message("skip backend %s: not supported on this CPU/build\n", b->name);
            continue;
        }
        for (int k = 0; k < 3; k++) {
            const kn_simd_isa *isa = kn_simd_isa_by_name(isas[k]);
            if (!isa) {
                if (i == 1) print_message("skip ISA %s: this CPU lacks it\n", isas[k]);
                continue;
            }
            /* every backend on the default ISA; the simd-based ones on every ISA */
            if (isa != dflt && (!uses_simd(b) || strcmp(b->name, "blas") == 0)) continue;
            impl *im = &impls[nimpls++];
            snprintf(im->label, sizeof im->label, "%s/%s", b->name, isas[k]);
            im->backend = b, im->isa = isa, im->threads = 2;
            assert_int_equal(kn_backend_resolve(b, &im->ops), 0);
            for (size_t s = 0; s < KN_OPS_SLOTS; s++) assert_non_null(((void **)&im->ops)[s]);
            if (isa == dflt && strcmp(b->name, "omp") == 0) { /* an odd thread count too */
                impl *im3 = &impls[nimpls++];
                *im3 = *im;
                im3->threads = 3;
                snprintf(im3->label, sizeof im3->label, "%s/%s/3 threads", b->name, isas[k]);
            }
        }
    }
    print_message("%d implementations under test\n", nimpls);
    return 0;
}

static void use(const impl *im) {
    kn_simd_isa_force(im->isa);
    kn_set_threads(im->threads);
}
static int teardown_impls(void **state) {
    kn_simd_isa_force(NULL);
    return 0;
}

/* Fails naming the case when |got - ref| > tol anywhere (NaN fails too). */
static void check(const char *what, const char *label, const char *shape, const float *got,
                  const float *ref, const float *tol, size_t n, size_t stride_rows, size_t row_len) {
    for (size_t i = 0; i < n; i++) {
        size_t idx = stride_rows ? (i / row_len) * stride_rows + i % row_len : i;
        double d = fabs((double)got[idx] - ref[i]);
        if (!(d <= tol[i])) {
            fail_msg("%s [%s] %s: element %zu: got %.9g, want %.9g (|diff| %.3g > tol %.3g)", what,
                     label, shape, i, got[idx], ref[i], d, tol[i]);
        }
    }
}

/* ------------------------------------------------------------------- GEMM -- */

typedef struct { int M, N, K; } gemm_case;
static const gemm_case gemm_cases[] = {
    {1, 1, 1}, {1, 1, 0}, {7, 13, 31}, {13, 97, 7}, {15, 16, 17}, {16, 17, 15}, {17, 15, 16},
    {31, 32, 33}, {33, 31, 32}, {32, 33, 31}, {14, 32, 384}, {28, 64, 385}, {29, 65, 769},
    {97, 31, 1000}, {1, 1000, 64}, {196, 196, 64}, {64, 196, 196}, {49, 49, 32}, {64, 49, 49},
    {64, 3136, 64}, {320, 196, 320}, {512, 49, 2048},
};

static void test_gemm(void **state) {
    for (size_t ci = 0; ci < sizeof gemm_cases / sizeof *gemm_cases; ci++)
        for (int tr = 0; tr < 4; tr++) {
            const gemm_case *c = &gemm_cases[ci];
            int ta = tr & 1, tb = tr >> 1, M = c->M, N = c->N, K = c->K;
            /* leading dimensions a little past the minimum, as for sub-matrices */
            int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;
            size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)(tb ? N : K) * ldb, nc = (size_t)M * ldc;
            float alpha = (ci % 3 == 0) ? 1.0f : 0.75f, beta = (ci + tr) % 3 == 0 ? 0.0f : (ci % 2 ? 1.0f : -0.5f);
            float *A = rand_buf(na, 1), *B = rand_buf(nb, 1), *C0 = rand_buf(nc, 1);
            if (beta == 0.0f) for (size_t i = 0; i < nc; i++) C0[i] = NAN; /* must not be read */
            float *ref = dup(C0, nc), *mag = fill(nc, 0.0f);
            float *aA = abs_copy(A, na), *aB = abs_copy(B, nb);
            kn_gemm__naive(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, ref, ldc);
            kn_gemm__naive(ta, tb, M, N, K, fabsf(alpha), aA, lda, aB, ldb, 0.0f, mag, ldc);
            float *tol = malloc(sizeof(float) * (nc ? nc : 1));
            for (size_t i = 0; i < nc; i++)
                tol[i] = (float)(sum_gamma(K) * mag[i] + 2 * U * ((beta != 0.0f ? fabs(beta * C0[i]) : 0.0) + fabs(ref[i])) + 1e-30);
            char shape[96];
            snprintf(shape, sizeof shape, "M=%d N=%d K=%d trans=%d%d alpha=%g beta=%g", M, N, K, ta, tb, alpha, beta);
            for (int i = 0; i < nimpls; i++) {
                float *C = dup(C0, nc);
                use(&impls[i]);
                impls[i].ops.gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
                /* compare only the M x N part; the ldc padding must be untouched */
                for (int r = 0; r < M; r++)
                    for (int j = N; j < ldc; j++)
                        if (!(C[(size_t)r * ldc + j] == C0[(size_t)r * ldc + j] ||
                              (isnan(C[(size_t)r * ldc + j]) && isnan(C0[(size_t)r * ldc + j]))))
                            fail_msg("gemm [%s] %s: wrote past N at row %d col %d", impls[i].label, shape, r, j);
                for (int r = 0; r < M; r++)
                    check("gemm", impls[i].label, shape, C + (size_t)r * ldc, ref + (size_t)r * ldc,
                          tol + (size_t)r * ldc, (size_t)N, 0, 0);
                free(C);
            }
            free(A), free(B), free(C0), free(ref), free(mag), free(aA), free(aB), free(tol);
        }
}

/* ---------------------------------------------------------- 1x1 convolution -- */

typedef struct { int batch, cin, cout, n; } pw_case;
static const pw_case pw_cases[] = {
    {1, 1, 1, 1}, {1, 7, 13, 31}, {2, 13, 7, 97}, {1, 15, 16, 17}, {3, 17, 15, 16}, {1, 31, 33, 32},
    {2, 33, 32, 31}, {1, 16, 14, 33}, {1, 385, 29, 65}, {1, 4100, 3, 5},
    /* STViT-S 224: fc1, fc2, qkv, proj per stage; the head projection */
    {1, 64, 256, 3136}, {1, 256, 64, 3136}, {1, 64, 192, 3136}, {1, 128, 512, 784}, {1, 512, 128, 784},
    {1, 320, 1280, 196}, {1, 1280, 320, 196}, {1, 320, 960, 196}, {1, 320, 320, 196},
    {1, 512, 2048, 49}, {1, 2048, 512, 49}, {1, 512, 1536, 49}, {1, 512, 1024, 49},
    /* B / L channels, 384 tokens, batch 8 */
    {1, 96, 384, 9216}, {1, 192, 768, 2304}, {1, 384, 1536, 576}, {1, 448, 1792, 144},
    {1, 2560, 640, 49}, {8, 512, 2048, 49}, {8, 320, 320, 196}, {2, 640, 1920, 144},
};

static void test_pointwise(void **state) {
    for (size_t ci = 0; ci < sizeof pw_cases / sizeof *pw_cases; ci++) {
        const pw_case *c = &pw_cases[ci];
        int small = (double)c->cin * c->cout * c->n * c->batch < 2e6;
        int nvar = small ? 24 : 3;
        for (int v = 0; v < nvar; v++) {
            int var = small ? v : (int)(ci * 5 + v * 7) % 24;
            kn_act act = (kn_act)(var % 3);
            int accumulate = (var / 3) % 2, with_gamma = (var / 6) % 2, with_bias = var / 12 == 0;
            size_t nx = (size_t)c->batch * c->cin * c->n, ny = (size_t)c->batch * c->cout * c->n;
            float *x = rand_buf(nx, 1), *w = rand_buf((size_t)c->cout * c->cin, 1.0f / sqrtf((float)c->cin + 1));
            float *bias = with_bias ? rand_buf(c->cout, 1) : NULL, *gamma = with_gamma ? rand_buf(c->cout, 2) : NULL;
            float *y0 = rand_buf(ny, 1);
            /* reference on the first `rc` output channels only for the big shapes */
            int rc = small || c->cout <= 48 ? c->cout : 48;
            size_t nref = (size_t)c->batch * rc * c->n;
            float *ref = malloc(sizeof(float) * nref), *mag = malloc(sizeof(float) * nref);
            for (int b = 0; b < c->batch; b++)
                memcpy(ref + (size_t)b * rc * c->n, y0 + (size_t)b * c->cout * c->n, sizeof(float) * rc * c->n);
            kn_pointwise__naive(&(kn_pointwise_args){.batch = c->batch, .cin = c->cin, .cout = rc, .n = c->n,
                                                     .x = x, .w = w, .bias = bias, .act = act, .gamma = gamma,
                                                     .accumulate = accumulate, .y = ref});
            float *ax = abs_copy(x, nx), *aw = abs_copy(w, (size_t)c->cout * c->cin), *ab = abs_copy(bias, c->cout);
            kn_pointwise__naive(&(kn_pointwise_args){.batch = c->batch, .cin = c->cin, .cout = rc, .n = c->n,
                                                     .x = ax, .w = aw, .bias = ab, .y = mag});
            float *tol = malloc(sizeof(float) * nref);
            for (int b = 0; b < c->batch; b++)
                for (int o = 0; o < rc; o++)
                    for (int p = 0; p < c->n; p++) {
                        size_t i = ((size_t)b * rc + o) * c->n + p;
                        double g = gamma ? fabs(gamma[o]) : 1.0;
                        double old = accumulate ? fabs(y0[((size_t)b * c->cout + o) * c->n + p]) : 0.0;
                        /* the activations are 1.13-Lipschitz and good to a few ulp */
                        tol[i] = (float)(1.2 * g * sum_gamma(c->cin + 1) * mag[i] + 12 * U * (fabs(ref[i]) + old) + 1e-30);
                    }
            char shape[128];
            snprintf(shape, sizeof shape, "batch=%d cin=%d cout=%d n=%d act=%d acc=%d gamma=%d bias=%d", c->batch,
                     c->cin, c->cout, c->n, act, accumulate, with_gamma, with_bias);
            for (int i = 0; i < nimpls; i++) {
                float *y = dup(y0, ny);
                use(&impls[i]);
                impls[i].ops.pointwise(&(kn_pointwise_args){.batch = c->batch, .cin = c->cin, .cout = c->cout,
                                                            .n = c->n, .x = x, .w = w, .bias = bias, .act = act,
                                                            .gamma = gamma, .accumulate = accumulate, .y = y});
                for (int b = 0; b < c->batch; b++)
                    check("pointwise", impls[i].label, shape, y + (size_t)b * c->cout * c->n,
                          ref + (size_t)b * rc * c->n, tol + (size_t)b * rc * c->n, (size_t)rc * c->n, 0, 0);
                free(y);
            }
            free(x), free(w), free(bias), free(gamma), free(y0), free(ref), free(mag), free(ax), free(aw),
                free(ab), free(tol);
        }
    }
}

/* ------------------------------------------------------ dense convolution -- */

typedef struct { int batch, cin, h, w, cout, k, stride, pad; } conv_case;
static const conv_case conv_cases[] = {
    {1, 1, 1, 1, 1, 3, 1, 1}, {1, 2, 1, 1, 3, 3, 1, 1}, {1, 5, 7, 9, 6, 3, 1, 1}, {2, 3, 13, 17, 31, 3, 2, 1},
    {1, 4, 15, 16, 17, 3, 2, 1}, {1, 7, 17, 33, 16, 3, 1, 1}, {3, 3, 16, 16, 15, 4, 4, 0}, {1, 2, 31, 32, 33, 3, 2, 1},
    /* the stem (S at 224: 3 -> 32 -> 32 -> 64 -> 64), the patchify stem, downsampling */
    {1, 3, 224, 224, 32, 3, 2, 1}, {1, 32, 112, 112, 32, 3, 1, 1}, {1, 32, 112, 112, 64, 3, 2, 1},
    {1, 64, 56, 56, 64, 3, 1, 1}, {1, 3, 224, 224, 64, 4, 4, 0}, {1, 64, 56, 56, 128, 3, 2, 1},
    {1, 128, 28, 28, 320, 3, 2, 1}, {1, 320, 14, 14, 512, 3, 2, 1}, {1, 448, 24, 24, 640, 3, 2, 1},
    {2, 3, 384, 384, 48, 3, 2, 1}, {1, 96, 96, 96, 192, 3, 2, 1},
};

static void test_conv(void **state) {
    for (size_t ci = 0; ci < sizeof conv_cases / sizeof *conv_cases; ci++)
        for (int act = 0; act < 3; act++) {
            const conv_case *c = &conv_cases[ci];
            int oh = (c->h + 2 * c->pad - c->k) / c->stride + 1, ow = (c->w + 2 * c->pad - c->k) / c->stride + 1;
            int K = c->cin * c->k * c->k;
            size_t nx = (size_t)c->batch * c->cin * c->h * c->w, nw = (size_t)c->cout * K;
            size_t ny = (size_t)c->batch * c->cout * oh * ow;
            int big = (double)K * c->cout * oh * ow * c->batch > 4e6;
            if (big && act != (int)(ci % 3)) continue; /* one activation for the big shapes */
            int rc = big && c->cout > 8 ? 8 : c->cout;
            float *x = rand_buf(nx, 1), *w = rand_buf(nw, 1.0f / sqrtf((float)K)), *bias = ci % 4 == 3 ? NULL : rand_buf(c->cout, 1);
            size_t nref = (size_t)c->batch * rc * oh * ow;
            float *ref = malloc(sizeof(float) * nref), *mag = malloc(sizeof(float) * nref);
            kn_conv_args ra = {.batch = c->batch, .cin = c->cin, .h = c->h, .w = c->w, .cout = rc, .k = c->k,
                               .stride = c->stride, .pad = c->pad, .x = x, .wt = w, .bias = bias, .act = (kn_act)act, .y = ref};
            kn_conv__naive(&ra);
            float *ax = abs_copy(x, nx), *aw = abs_copy(w, nw), *ab = abs_copy(bias, c->cout);
            ra.x = ax, ra.wt = aw, ra.bias = ab, ra.act = KN_ACT_NONE, ra.y = mag;
            kn_conv__naive(&ra);
            float *tol = malloc(sizeof(float) * nref);
            for (size_t i = 0; i < nref; i++) tol[i] = (float)(1.2 * sum_gamma(K + 1) * mag[i] + 12 * U * fabs(ref[i]) + 1e-30);
            char shape[128];
            snprintf(shape, sizeof shape, "batch=%d cin=%d %dx%d cout=%d k=%d s=%d p=%d act=%d", c->batch, c->cin, c->h,
                     c->w, c->cout, c->k, c->stride, c->pad, act);
            for (int i = 0; i < nimpls; i++) {
                float *y = fill(ny, NAN);
                use(&impls[i]);
                impls[i].ops.conv(&(kn_conv_args){.batch = c->batch, .cin = c->cin, .h = c->h, .w = c->w,
                                                  .cout = c->cout, .k = c->k, .stride = c->stride, .pad = c->pad,
                                                  .x = x, .wt = w, .bias = bias, .act = (kn_act)act, .y = y});
                for (int b = 0; b < c->batch; b++)
                    check("conv", impls[i].label, shape, y + (size_t)b * c->cout * oh * ow,
                          ref + (size_t)b * rc * oh * ow, tol + (size_t)b * rc * oh * ow, (size_t)rc * oh * ow, 0, 0);
                free(y);
            }
            free(x), free(w), free(bias), free(ref), free(mag), free(ax), free(aw), free(ab), free(tol);
        }
}

/* ------------------------------------------------------------- depthwise -- */

typedef struct { int batch, c, h, w, k; } dw_case;
static const dw_case dw_cases[] = {
    {1, 1, 1, 1, 3}, {1, 3, 1, 7, 3}, {2, 5, 7, 13, 3}, {1, 4, 15, 16, 3}, {1, 3, 17, 17, 5}, {1, 2, 31, 33, 5},
    {1, 2, 9, 32, 7}, {1, 2, 3, 700, 3}, {1, 64, 56, 56, 3}, {1, 256, 56, 56, 3}, {2, 320, 14, 14, 3},
    {1, 512, 7, 7, 3}, {1, 2048, 7, 7, 3}, {1, 96, 96, 96, 3}, {1, 192, 48, 48, 5}, {1, 2, 5, 5, 9},
};

static void test_dwconv(void **state) {
    for (size_t ci = 0; ci < sizeof dw_cases / sizeof *dw_cases; ci++)
        for (int add = 0; add < 2; add++) {
            const dw_case *c = &dw_cases[ci];
            size_t n = (size_t)c->batch * c->c * c->h * c->w, nw = (size_t)c->c * c->k * c->k;
            float *x = rand_buf(n, 1), *w = rand_buf(nw, 0.3f), *bias = add ? rand_buf(c->c, 1) : NULL;
            float *ref = malloc(sizeof(float) * n), *mag = malloc(sizeof(float) * n);
            kn_dwconv_args ra = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .k = c->k, .x = x, .wt = w,
                                 .bias = bias, .add_input = add, .y = ref};
            kn_dwconv__naive(&ra);
            float *ax = abs_copy(x, n), *aw = abs_copy(w, nw), *ab = abs_copy(bias, c->c);
            ra.x = ax, ra.wt = aw, ra.bias = ab, ra.y = mag;
            kn_dwconv__naive(&ra);
            float *tol = malloc(sizeof(float) * n);
            for (size_t i = 0; i < n; i++) tol[i] = (float)(sum_gamma(c->k * c->k + 2) * mag[i] + 1e-30);
            char shape[96];
            snprintf(shape, sizeof shape, "batch=%d c=%d %dx%d k=%d add_input=%d", c->batch, c->c, c->h, c->w, c->k, add);
            for (int i = 0; i < nimpls; i++) {
                float *y = fill(n, NAN);
                use(&impls[i]);
                impls[i].ops.dwconv(&(kn_dwconv_args){.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .k = c->k,
                                                      .x = x, .wt = w, .bias = bias, .add_input = add, .y = y});
                check("dwconv", impls[i].label, shape, y, ref, tol, n, 0, 0);
                free(y);
            }
            free(x), free(w), free(bias), free(ref), free(mag), free(ax), free(aw), free(ab), free(tol);
        }
}

/* ------------------------------------------------------------ norms, etc. -- */

typedef struct { int batch, c, n; } bcn_case;
static const bcn_case bcn_cases[] = {
    {1, 1, 1}, {1, 7, 13}, {3, 13, 7}, {2, 15, 16}, {1, 16, 17}, {1, 17, 15}, {2, 31, 33}, {1, 33, 32},
    {1, 64, 3136}, {2, 128, 784}, {1, 320, 196}, {8, 512, 49}, {1, 96, 9216}, {1, 640, 144}, {2, 1024, 49},
};

static void test_layernorm(void **state) {
    for (size_t ci = 0; ci < sizeof bcn_cases / sizeof *bcn_cases; ci++) {
        const bcn_case *c = &bcn_cases[ci];
        size_t n = (size_t)c->batch * c->c * c->n;
        float *x = rand_buf(n, 2), *g = rand_buf(c->c, 1.5f), *be = rand_buf(c->c, 1);
        for (size_t i = 0; i < n; i++) x[i] += 0.5f; /* a mean away from 0 */
        float *ref = malloc(sizeof(float) * n), *tol = malloc(sizeof(float) * n);
        kn_layernorm__naive(c->batch, c->c, c->n, x, g, be, 1e-6f, ref);
        for (int b = 0; b < c->batch; b++)
            for (int p = 0; p < c->n; p++) {
                double mean = 0, var = 0, mx = 0;
                for (int ch = 0; ch < c->c; ch++) mean += x[((size_t)b * c->c + ch) * c->n + p];
                mean /= c->c;
                for (int ch = 0; ch < c->c; ch++) {
                    double v = x[((size_t)b * c->c + ch) * c->n + p];
                    var += (v - mean) * (v - mean);
                    mx = fmax(mx, fabs(v));
                }
                double inv = 1 / sqrt(var / c->c + 1e-6);
                for (int ch = 0; ch < c->c; ch++) {
                    size_t i = ((size_t)b * c->c + ch) * c->n + p;
                    /* mean/variance sums over c, then a few roundings of the result */
                    tol[i] = (float)(sum_gamma(c->c) * 4 * (fabs(ref[i] - be[ch]) + mx * inv * fabs(g[ch])) +
                                     8 * U * (fabs(ref[i]) + fabs(be[ch])) + 1e-30);
                }
            }
        char shape[64];
        snprintf(shape, sizeof shape, "batch=%d c=%d n=%d", c->batch, c->c, c->n);
        for (int i = 0; i < nimpls; i++) {
            float *y = dup(x, n);
            use(&impls[i]);
            impls[i].ops.layernorm(c->batch, c->c, c->n, y, g, be, 1e-6f, y); /* in place */
            check("layernorm", impls[i].label, shape, y, ref, tol, n, 0, 0);
            free(y);
        }
        free(x), free(g), free(be), free(ref), free(tol);
    }
}

static void test_batchnorm_affine(void **state) {
    for (size_t ci = 0; ci < sizeof bcn_cases / sizeof *bcn_cases; ci++)
        for (int act = 0; act < 3; act++) {
            const bcn_case *c = &bcn_cases[ci];
            size_t n = (size_t)c->batch * c->c * c->n;
            float *x = rand_buf(n, 3), *mean = rand_buf(c->c, 1), *var = rand_buf(c->c, 1), *g = rand_buf(c->c, 2),
                  *be = rand_buf(c->c, 1), *scale = rand_buf(c->c, 2);
            for (int ch = 0; ch < c->c; ch++) var[ch] = fabsf(var[ch]) + 0.05f;
            float *ref = malloc(sizeof(float) * n), *tol = malloc(sizeof(float) * n);
            float *ref2 = malloc(sizeof(float) * n), *tol2 = malloc(sizeof(float) * n);
            kn_batchnorm__naive(c->batch, c->c, c->n, x, mean, var, g, be, 1e-5f, (kn_act)act, ref);
            kn_affine__naive(c->batch, c->c, c->n, x, scale, be, (kn_act)act, ref2);
            for (size_t i = 0; i < n; i++) {
                int ch = (int)((i / c->n) % c->c);
                double inv = fabs(g[ch]) / sqrt(var[ch] + 1e-5);
                tol[i] = (float)(1.2 * 4 * U * (fabs(x[i]) * inv + fabs(mean[ch]) * inv + fabs(be[ch])) + 12 * U * fabs(ref[i]) + 1e-30);
                tol2[i] = (float)(1.2 * 2 * U * (fabs(x[i] * scale[ch]) + fabs(be[ch])) + 12 * U * fabs(ref2[i]) + 1e-30);
            }
            char shape[64];
            snprintf(shape, sizeof shape, "batch=%d c=%d n=%d act=%d", c->batch, c->c, c->n, act);
            for (int i = 0; i < nimpls; i++) {
                float *y = dup(x, n);
                use(&impls[i]);
                impls[i].ops.batchnorm(c->batch, c->c, c->n, y, mean, var, g, be, 1e-5f, (kn_act)act, y);
                check("batchnorm", impls[i].label, shape, y, ref, tol, n, 0, 0);
                memcpy(y, x, sizeof(float) * n);
                impls[i].ops.affine(c->batch, c->c, c->n, y, scale, be, (kn_act)act, y);
                check("affine", impls[i].label, shape, y, ref2, tol2, n, 0, 0);
                free(y);
            }
            free(x), free(mean), free(var), free(g), free(be), free(scale), free(ref), free(tol), free(ref2), free(tol2);
        }
}

static void test_scale_add_avgpool(void **state) {
    for (size_t ci = 0; ci < sizeof bcn_cases / sizeof *bcn_cases; ci++)
        for (int with_gamma = 0; with_gamma < 2; with_gamma++) {
            const bcn_case *c = &bcn_cases[ci];
            size_t n = (size_t)c->batch * c->c * c->n, nb = (size_t)c->batch * c->c;
            float *x = rand_buf(n, 1), *y0 = rand_buf(n, 1), *g = with_gamma ? rand_buf(c->c, 2) : NULL;
            float *ref = dup(y0, n), *tol = malloc(sizeof(float) * n);
            kn_scale_add__naive(c->batch, c->c, c->n, x, g, ref);
            for (size_t i = 0; i < n; i++) {
                int ch = (int)((i / c->n) % c->c);
                tol[i] = (float)(2 * U * (fabs(y0[i]) + fabs(x[i] * (g ? g[ch] : 1.0f))) + 1e-30);
            }
            float *pref = malloc(sizeof(float) * nb), *ptol = malloc(sizeof(float) * nb);
            kn_avgpool__naive(c->batch, c->c, c->n, x, pref);
            for (size_t r = 0; r < nb; r++) {
                double s = 0;
                for (int p = 0; p < c->n; p++) s += fabs(x[r * c->n + p]);
                ptol[r] = (float)(sum_gamma(c->n) * s / c->n + 2 * U * fabs(pref[r]) + 1e-30);
            }
            char shape[64];
            snprintf(shape, sizeof shape, "batch=%d c=%d n=%d gamma=%d", c->batch, c->c, c->n, with_gamma);
            for (int i = 0; i < nimpls; i++) {
                float *y = dup(y0, n), *py = fill(nb, NAN);
                use(&impls[i]);
                impls[i].ops.scale_add(c->batch, c->c, c->n, x, g, y);
                check("scale_add", impls[i].label, shape, y, ref, tol, n, 0, 0);
                impls[i].ops.avgpool(c->batch, c->c, c->n, x, py);
                check("avgpool", impls[i].label, shape, py, pref, ptol, nb, 0, 0);
                free(y), free(py);
            }
            free(x), free(y0), free(g), free(ref), free(tol), free(pref), free(ptol);
        }
}

static void test_activation(void **state) {
    static const size_t counts[] = {1, 7, 15, 16, 17, 31, 32, 33, 4095, 4097, 100003};
    for (size_t ci = 0; ci < sizeof counts / sizeof *counts; ci++)
        for (int act = 0; act < 3; act++) {
            size_t n = counts[ci];
            float *x = rand_buf(n, 8), *ref = malloc(sizeof(float) * n), *tol = malloc(sizeof(float) * n);
            kn_activation__naive(n, (kn_act)act, x, ref);
            /* + the naive GELU's own error: it forms 1 + erf in double (2^-53 |x| absolute) */
            for (size_t i = 0; i < n; i++) tol[i] = (float)(12 * U * fabs(ref[i]) + 2.3e-16 * fabs(x[i]) + 1e-37);
            char shape[48];
            snprintf(shape, sizeof shape, "count=%zu act=%d", n, act);
            for (int i = 0; i < nimpls; i++) {
                float *y = dup(x, n);
                use(&impls[i]);
                impls[i].ops.activation(n, (kn_act)act, y, y); /* in place */
                check("activation", impls[i].label, shape, y, ref, tol, n, 0, 0);
                free(y);
            }
            free(x), free(ref), free(tol);
        }
}

/* GELU and Swish of each ISA over a dense sweep of all float magnitudes, both signs:
 * within a few ulp of a double-precision reference (GELU from erfc, which unlike
 * 1 + erf keeps the negative tail's relative accuracy). Results below 1e-35 may
 * flush to 0 (exp underflows below -87.3). */
static void test_act_accuracy(void **state) {
    const char *isas[] = {"avx512", "avx2", "generic"};
    enum { N = 4096 };
    float *x = malloc(sizeof(float) * N), *y = malloc(sizeof(float) * N);
    for (int k = 0; k < 3; k++) {
        const kn_simd_isa *isa = kn_simd_isa_by_name(isas[k]);
        if (!isa) continue;
        for (int act = KN_ACT_GELU; act <= KN_ACT_SWISH; act++) {
            double worst = 0;
            float worst_x = 0;
            for (uint32_t base = 0x30000000u; base < 0x42c00000u; base += 997u * N) /* 5e-10 .. 96 */
                for (int sign = 0; sign < 2; sign++) {
                    for (int i = 0; i < N; i++) {
                        uint32_t bits = (base + 997u * i) | (sign ? 0x80000000u : 0u);
                        memcpy(&x[i], &bits, 4);
                    }
                    isa->affine_row(N, x, 1.0f, 0.0f, (kn_act)act, y);
                    for (int i = 0; i < N; i++) {
                        double ref = act == KN_ACT_GELU ? 0.5 * x[i] * erfc(-(double)x[i] / sqrt(2.0))
                                                        : x[i] / (1.0 + exp(-(double)x[i]));
                        if (fabs(ref) < 1e-35) {
                            if (!(fabs(y[i]) <= 1e-35)) worst = 1e9, worst_x = x[i];
                            continue;
                        }
                        float rf = (float)ref;
                        double ulp = nextafterf(fabsf(rf), INFINITY) - fabsf(rf);
                        double e = fabs(y[i] - ref) / ulp;
                        if (!(e <= worst)) worst = e, worst_x = x[i];
                    }
                }
            print_message("%s %s: max error %.2f ulp (at x = %.9g)\n", isas[k], act == KN_ACT_GELU ? "gelu" : "swish",
                          worst, worst_x);
            if (!(worst <= 6.0)) fail_msg("%s act %d: %.2f ulp at x = %.9g", isas[k], act, worst, worst_x);
        }
    }
    free(x), free(y);
}

/* ---------------------------------------------------------------- linear -- */

static void test_linear(void **state) {
    static const int cases[][3] = {{1, 1, 1}, {3, 7, 5}, {2, 15, 17}, {1, 33, 31}, {1, 1024, 1000}, {8, 1024, 1000}, {5, 512, 10}};
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
        int batch = cases[ci][0], in = cases[ci][1], out = cases[ci][2];
        float *x = rand_buf((size_t)batch * in, 1), *w = rand_buf((size_t)out * in, 1), *b = ci % 2 ? rand_buf(out, 1) : NULL;
        size_t ny = (size_t)batch * out;
        float *ref = malloc(sizeof(float) * ny), *mag = malloc(sizeof(float) * ny), *tol = malloc(sizeof(float) * ny);
        kn_linear__naive(batch, in, out, x, w, b, ref);
        float *ax = abs_copy(x, (size_t)batch * in), *aw = abs_copy(w, (size_t)out * in), *ab = abs_copy(b, out);
        kn_linear__naive(batch, in, out, ax, aw, ab, mag);
        for (size_t i = 0; i < ny; i++) tol[i] = (float)(sum_gamma(in + 1) * mag[i] + 1e-30);
        char shape[64];
        snprintf(shape, sizeof shape, "batch=%d in=%d out=%d bias=%d", batch, in, out, b != NULL);
        for (int i = 0; i < nimpls; i++) {
            float *y = fill(ny, NAN);
            use(&impls[i]);
            impls[i].ops.linear(batch, in, out, x, w, b, y);
            check("linear", impls[i].label, shape, y, ref, tol, ny, 0, 0);
            free(y);
        }
        free(x), free(w), free(b), free(ref), free(mag), free(tol), free(ax), free(aw), free(ab);
    }
}

/* -------------------------------------------------------------- attention -- */

typedef struct { int batch, heads, hd, m; } attn_case;
static const attn_case attn_cases[] = {
    {1, 1, 1, 1}, {1, 1, 7, 13}, {2, 3, 17, 13}, {1, 2, 16, 15}, {1, 2, 15, 17}, {1, 1, 33, 32}, {3, 1, 31, 33},
    {1, 1, 64, 49}, {1, 2, 64, 49}, {1, 5, 64, 196}, {1, 8, 64, 49}, {2, 5, 64, 196}, {8, 8, 64, 49},
    {1, 6, 64, 144}, {1, 7, 64, 576}, {1, 10, 64, 144}, {1, 3, 64, 144},
};

static void test_attention(void **state) {
    for (size_t ci = 0; ci < sizeof attn_cases / sizeof *attn_cases; ci++)
        for (int var = 0; var < 6; var++) { /* no bias, one bias, one per batch item (Swin's windows); probs */
            const attn_case *c = &attn_cases[ci];
            int with_bias = var % 3, with_probs = var / 3, C = c->heads * c->hd, m = c->m;
            int groups = with_bias == 2 ? c->batch : 0;
            if (with_bias == 2 && c->batch == 1) continue;
            size_t nqkv = (size_t)c->batch * 3 * C * m, nout = (size_t)c->batch * C * m;
            size_t np = (size_t)c->batch * c->heads * m * m;
            float *qkv = rand_buf(nqkv, 2);
            float *bias = with_bias ? rand_buf((size_t)(groups ? groups : 1) * c->heads * m * m, 2) : NULL;
            float scale = 1.0f / sqrtf((float)c->hd);
            float *ref = malloc(sizeof(float) * nout), *pref = malloc(sizeof(float) * np);
            float *scr = malloc(sizeof(float) * kn_attention_scratch__naive(c->batch, c->heads, c->hd, m, 1));
            kn_attention__naive(&(kn_attention_args){.batch = c->batch, .heads = c->heads, .hd = c->hd, .m = m,
                                                     .qkv = qkv, .bias = bias, .bias_groups = groups,
                                                     .scale = scale, .out = ref, .probs = pref, .scratch = scr});
            /* logit error d <= sum_gamma(hd) scale sum|q||k| (<= hd max|q| max|k|); softmax
             * turns it into a relative error 2d of each probability, and out sums m of them */
            double d = sum_gamma(c->hd) * scale * c->hd * 2.0 * 2.0;
            float *tol = malloc(sizeof(float) * nout), *ptol = malloc(sizeof(float) * np);
            for (size_t i = 0; i < nout; i++) tol[i] = (float)((2 * d + sum_gamma(m) + 4 * U) * 2.0 + 1e-30);
            for (size_t i = 0; i < np; i++) ptol[i] = (float)(pref[i] * (2 * d + 8 * U) + 1e-30);
            char shape[96];
            snprintf(shape, sizeof shape, "batch=%d heads=%d hd=%d m=%d bias=%d groups=%d probs=%d", c->batch, c->heads,
                     c->hd, m, with_bias, groups, with_probs);
            for (int i = 0; i < nimpls; i++) {
                use(&impls[i]);
                size_t ns = impls[i].ops.attention_scratch(c->batch, c->heads, c->hd, m, kn_get_threads());
                float *s = fill(ns, NAN), *out = fill(nout, NAN), *probs = with_probs ? fill(np, NAN) : NULL;
                impls[i].ops.attention(&(kn_attention_args){.batch = c->batch, .heads = c->heads, .hd = c->hd, .m = m,
                                                            .qkv = qkv, .bias = bias, .bias_groups = groups,
                                                            .scale = scale, .out = out, .probs = probs,
                                                            .scratch = s});
                check("attention", impls[i].label, shape, out, ref, tol, nout, 0, 0);
                if (probs) check("attention probs", impls[i].label, shape, probs, pref, ptol, np, 0, 0);
                free(s), free(out), free(probs);
            }
            free(qkv), free(bias), free(ref), free(pref), free(scr), free(tol), free(ptol);
        }
}

/* ---------------------------------------------------- super token attention -- */

typedef struct { int batch, c, h, w, sh, sw; } sta_case;
static const sta_case sta_cases[] = {
    {1, 1, 8, 8, 8, 8}, {1, 3, 4, 12, 4, 4}, {2, 5, 16, 24, 8, 8}, {1, 7, 12, 8, 4, 4}, {1, 4, 9, 12, 3, 4},
    {1, 13, 32, 32, 8, 8}, {1, 17, 20, 68, 4, 4}, {1, 2, 8, 8, 1, 2},
    /* stage 0 (stoken 8) and 1 (stoken 4) of S/B/L at 224 and 384 */
    {1, 64, 56, 56, 8, 8}, {1, 128, 28, 28, 4, 4}, {2, 96, 56, 56, 8, 8}, {1, 96, 96, 96, 8, 8}, {1, 192, 48, 48, 4, 4},
    {8, 64, 56, 56, 8, 8},
};

static void test_sta(void **state) {
    for (size_t ci = 0; ci < sizeof sta_cases / sizeof *sta_cases; ci++) {
        const sta_case *c = &sta_cases[ci];
        kn_sta_shape g = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .sh = c->sh, .sw = c->sw};
        int m = (c->h / c->sh) * (c->w / c->sw), n = c->h * c->w, P = c->sh * c->sw;
        size_t nx = (size_t)c->batch * c->c * n, ns = (size_t)c->batch * c->c * m, na = (size_t)c->batch * 9 * n;
        float *x = rand_buf(nx, 2), scale = 1.0f / sqrtf((float)c->c);
        float *s_ref = malloc(sizeof(float) * ns), *a_ref = malloc(sizeof(float) * na);
        float *s2_ref = malloc(sizeof(float) * ns), *z_ref = malloc(sizeof(float) * c->batch * m);
        float *y_ref = malloc(sizeof(float) * nx);
        /* each op gets the reference's inputs, so errors do not compound */
        kn_sta_pool__naive(&g, x, s_ref);
        kn_sta_associate__naive(&g, x, s_ref, scale, a_ref);
        kn_sta_aggregate__naive(&g, x, a_ref, s2_ref, z_ref);
        kn_sta_upsample__naive(&g, a_ref, s2_ref, y_ref);
        double xmax = 2.0, smax = 2.0;
        /* tolerances: a mean of P; 9 logits of c products then a softmax; weighted means
         * of x over <= 9P pixels; 9-term sums */
        double d = sum_gamma(c->c) * scale * c->c * xmax * smax;
        float *t_s = fill(ns, (float)(sum_gamma(P) * xmax + 1e-30));
        float *t_a = malloc(sizeof(float) * na);
        for (size_t i = 0; i < na; i++) t_a[i] = (float)(a_ref[i] * (2 * d + 8 * U) + 1e-30);
        float *t_s2 = fill(ns, (float)(4 * sum_gamma(9L * P) * xmax + 1e-30));
        float *t_z = malloc(sizeof(float) * c->batch * m);
        for (int i = 0; i < c->batch * m; i++) t_z[i] = (float)(sum_gamma(9L * P) * z_ref[i] + 1e-30);
        float *t_y = fill(nx, (float)(sum_gamma(9) * 2 * xmax + 1e-30));
        char shape[96];
        snprintf(shape, sizeof shape, "batch=%d c=%d %dx%d stoken %dx%d", c->batch, c->c, c->h, c->w, c->sh, c->sw);
        for (int i = 0; i < nimpls; i++) {
            use(&impls[i]);
            float *s = fill(ns, NAN), *a = fill(na, NAN), *z = fill((size_t)c->batch * m, NAN), *y = fill(nx, NAN);
            impls[i].ops.sta_pool(&g, x, s);
            check("sta_pool", impls[i].label, shape, s, s_ref, t_s, ns, 0, 0);
            impls[i].ops.sta_associate(&g, x, s_ref, scale, a);
            check("sta_associate", impls[i].label, shape, a, a_ref, t_a, na, 0, 0);
            impls[i].ops.sta_aggregate(&g, x, a_ref, s, z);
            check("sta_aggregate s", impls[i].label, shape, s, s2_ref, t_s2, ns, 0, 0);
            check("sta_aggregate z", impls[i].label, shape, z, z_ref, t_z, (size_t)c->batch * m, 0, 0);
            impls[i].ops.sta_upsample(&g, a_ref, s2_ref, y);
            check("sta_upsample", impls[i].label, shape, y, y_ref, t_y, nx, 0, 0);
            free(s), free(a), free(z), free(y);
        }
        free(x), free(s_ref), free(a_ref), free(s2_ref), free(z_ref), free(y_ref), free(t_s), free(t_a), free(t_s2),
            free(t_z), free(t_y);
    }
}

/* ------------------------------------------------------- layout copies -- */

/* Copies move values: every backend's must equal naive's exactly, padding included
 * (the outputs start as NaN, so an element left unwritten fails). Shapes: 1, primes,
 * tails of a window, the real stage shapes (56 -> 8x8 cells, 14 -> 7x7 windows). */
typedef struct { int batch, c, h, w, hp, wp, ws, shift_h, shift_w; } layout_case;
static const layout_case layout_cases[] = {
    {1, 1, 1, 1, 1, 1, 1, 0, 0},     {1, 1, 1, 1, 7, 7, 7, 0, 0},     {2, 3, 5, 7, 8, 8, 4, 0, 0},
    {1, 5, 13, 11, 14, 14, 7, 0, 0}, {3, 2, 7, 7, 7, 7, 7, 0, 0},     {1, 4, 17, 31, 21, 35, 7, 0, 0},
    {1, 2, 56, 56, 56, 56, 8, 0, 0}, {2, 3, 14, 14, 14, 14, 7, 0, 0}, {1, 1, 9, 2, 14, 7, 7, 0, 0},
    /* Swin's shifted windows: rolled by -shift, also with padding and a shift in one direction */
    {1, 3, 56, 56, 56, 56, 7, 3, 3}, {2, 2, 14, 14, 14, 14, 7, 3, 3}, {1, 2, 13, 11, 14, 14, 7, 3, 3},
    {2, 3, 10, 7, 12, 8, 4, 2, 0},   {1, 1, 5, 9, 8, 12, 4, 0, 2},   {1, 1, 3, 3, 4, 4, 2, 1, 1},
};

/* Swin's patch merging gather (odd sides padded) and DeiT's class token + position
 * table on the same shapes: a copy and one float add per element, so exact. */
static void test_space_to_depth_tokens(const layout_case *c, const float *img, const char *shape) {
    int hp = (c->h + 1) / 2 * 2, wp = (c->w + 1) / 2 * 2, n = c->h * c->w;
    size_t ns = (size_t)c->batch * c->c * hp * wp;
    size_t nt = (size_t)c->batch * c->c * (n + 1);
    kn_layout_args a = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .hp = hp, .wp = wp, .x = img};
    float *s_ref = fill(ns, NAN), *t_ref = fill(nt, NAN), *cls = rand_buf(c->c, 1), *pos = rand_buf((size_t)c->c * (n + 1), 1);
    float *zero = fill(ns > nt ? ns : nt, 0.0f);
    a.y = s_ref;
    kn_space_to_depth__naive(&a);
    kn_tokens_embed__naive(c->batch, c->c, n, img, cls, pos, t_ref);
    assert_float_equal(s_ref[0], img[0], 0); /* (0, 0) of channel 0 leads */
    for (int i = 0; i < nimpls; i++) {
        use(&impls[i]);
        float *y = fill(ns, NAN), *t = fill(nt, NAN);
        kn_layout_args q = a;
        q.y = y;
        impls[i].ops.space_to_depth(&q);
        check("space_to_depth", impls[i].label, shape, y, s_ref, zero, ns, 0, 0);
        impls[i].ops.tokens_embed(c->batch, c->c, n, img, cls, pos, t);
        check("tokens_embed", impls[i].label, shape, t, t_ref, zero, nt, 0, 0);
        free(y), free(t);
    }
    free(s_ref), free(t_ref), free(cls), free(pos), free(zero);
}

static void test_layout(void **state) {
    for (size_t ci = 0; ci < sizeof layout_cases / sizeof *layout_cases; ci++) {
        const layout_case *c = &layout_cases[ci];
        size_t ni = (size_t)c->batch * c->c * c->h * c->w, np = (size_t)c->batch * c->c * c->hp * c->wp;
        float *img = rand_buf(ni, 5), *padded = rand_buf(np, 6);
        float *pad_ref = fill(np, NAN), *crop_ref = fill(ni, NAN), *win_ref = fill(np, NAN), *back_ref = fill(ni, NAN);
        kn_layout_args a = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .hp = c->hp, .wp = c->wp, .ws = c->ws,
                            .shift_h = c->shift_h, .shift_w = c->shift_w};
        kn_layout_args p = a, k = a, g = a, t = a;
        p.x = img, p.y = pad_ref;
        k.x = padded, k.y = crop_ref;
        g.x = img, g.y = win_ref;
        t.x = win_ref, t.y = back_ref;
        kn_pad__naive(&p);
        kn_crop__naive(&k);
        kn_window_gather__naive(&g);
        kn_window_scatter__naive(&t);
        assert_memory_equal(back_ref, img, ni * sizeof(float)); /* scatter undoes gather */
        float *zero = fill(np > ni ? np : ni, 0.0f);
        char shape[96];
        snprintf(shape, sizeof shape, "batch=%d c=%d %dx%d -> %dx%d ws %d shift %d,%d", c->batch, c->c, c->h, c->w,
                 c->hp, c->wp, c->ws, c->shift_h, c->shift_w);
        for (int i = 0; i < nimpls; i++) {
            use(&impls[i]);
            const kn_ops *o = &impls[i].ops;
            float *yp = fill(np, NAN), *yi = fill(ni, NAN);
            kn_layout_args q = p;
            q.y = yp;
            o->pad(&q);
            check("pad", impls[i].label, shape, yp, pad_ref, zero, np, 0, 0);
            q = g, q.y = yp;
            o->window_gather(&q);
            check("window_gather", impls[i].label, shape, yp, win_ref, zero, np, 0, 0);
            q = t, q.y = yi;
            o->window_scatter(&q);
            check("window_scatter", impls[i].label, shape, yi, img, zero, ni, 0, 0);
            q = k, q.y = yi;
            o->crop(&q);
            check("crop", impls[i].label, shape, yi, crop_ref, zero, ni, 0, 0);
            q = (kn_layout_args){.count = np, .x = padded, .y = yp};
            o->copy(&q);
            check("copy", impls[i].label, shape, yp, padded, zero, np, 0, 0);
            free(yp), free(yi);
        }
        test_space_to_depth_tokens(c, img, shape);
        free(img), free(padded), free(pad_ref), free(crop_ref), free(win_ref), free(back_ref), free(zero);
    }
}

/* ------------------------------------------------- micro-kernels directly -- */

/* Every tile size (mr 1..MR, nr 1..NR) of each ISA's micro-kernel, with strided A
 * rows, packed and strided B panels, and each epilogue form. */
static void test_ukernels(void **state) {
    const char *isas[] = {"avx512", "avx2", "generic"};
    for (int k = 0; k < 3; k++) {
        const kn_simd_isa *isa = kn_simd_isa_by_name(isas[k]);
        if (!isa) {
            print_message("skip %s micro-kernel: this CPU lacks it\n", isas[k]);
            continue;
        }
        int MR = isa->mr, NR = isa->nr;
        static const int kcs[] = {0, 1, 7, 64};
        for (int ki = 0; ki < 4; ki++)
            for (int form = 0; form < 5; form++)
                for (int mr = 1; mr <= MR; mr++)
                    for (int nr = 1; nr <= NR; nr++) {
                        int kc = kcs[ki];
                        size_t ldb = form == 4 ? (size_t)NR + 5 : (size_t)NR, ldc = (size_t)NR + 3;
                        size_t lda = (size_t)kc + 3;
                        float *a = rand_buf(lda * MR, 1), *b = rand_buf((size_t)(kc + 1) * ldb, 1);
                        float *c0 = rand_buf((size_t)MR * ldc, 1), *bias = rand_buf(MR, 1), *gamma = rand_buf(MR, 2);
                        kn_gemm_epi e = {.alpha = 1.0f};
                        switch (form) {
                        case 0: break;                                         /* C = AB */
                        case 1: e.beta = 1.0f, e.bias = bias; break;           /* C += AB + bias */
                        case 2: e.alpha = 0.5f, e.beta = -2.0f; break;         /* C = -2C + AB/2 */
                        case 3: e.act = KN_ACT_GELU, e.gamma = gamma, e.bias = bias, e.load_c = 1; break;
                        case 4: e.act = KN_ACT_SWISH, e.beta = 1.0f; break;    /* strided B */
                        }
                        float *c = dup(c0, (size_t)MR * ldc);
                        isa->gemm(mr, nr, kc, a, lda, b, ldb, c, ldc, &e);
                        for (int r = 0; r < MR; r++)
                            for (int j = 0; j < (int)ldc; j++) {
                                size_t idx = (size_t)r * ldc + j;
                                if (r >= mr || j >= nr) {
                                    if (c[idx] != c0[idx])
                                        fail_msg("%s ukernel mr=%d nr=%d kc=%d form=%d: wrote outside at %d,%d",
                                                 isas[k], mr, nr, kc, form, r, j);
                                    continue;
                                }
                                double s = 0, mag = 0;
                                for (int q = 0; q < kc; q++) {
                                    s += (double)a[r * lda + q] * b[q * ldb + j];
                                    mag += fabs((double)a[r * lda + q] * b[q * ldb + j]);
                                }
                                double t = e.alpha * s + (e.load_c ? c0[idx] : 0) + (e.bias ? e.bias[r] : 0);
                                double ta = fabs(e.alpha) * mag + (e.load_c ? fabs(c0[idx]) : 0) + (e.bias ? fabs(e.bias[r]) : 0);
                                double g = e.gamma ? e.gamma[r] : 1.0;
                                t = kn_act_ref(e.act, (float)t) * g;
                                if (e.beta != 0) t += e.beta * c0[idx];
                                double tol = 1.2 * fabs(g) * sum_gamma(kc + 2) * ta + 12 * U * (fabs(t) + fabs(e.beta * c0[idx])) + 1e-30;
                                if (!(fabs(c[idx] - t) <= tol))
                                    fail_msg("%s ukernel mr=%d nr=%d kc=%d form=%d at %d,%d: got %.9g want %.9g", isas[k],
                                             mr, nr, kc, form, r, j, c[idx], t);
                            }
                        free(a), free(b), free(c0), free(c), free(bias), free(gamma);
                    }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ukernels),
        cmocka_unit_test(test_act_accuracy),
        cmocka_unit_test(test_gemm),
        cmocka_unit_test(test_pointwise),
        cmocka_unit_test(test_conv),
        cmocka_unit_test(test_dwconv),
        cmocka_unit_test(test_layernorm),
        cmocka_unit_test(test_batchnorm_affine),
        cmocka_unit_test(test_scale_add_avgpool),
        cmocka_unit_test(test_activation),
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_attention),
        cmocka_unit_test(test_sta),
        cmocka_unit_test(test_layout),
    };
    return cmocka_run_group_tests(tests, setup_impls, teardown_impls);
}
