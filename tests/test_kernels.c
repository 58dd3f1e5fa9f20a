/* test_kernels.c — every op of every backend this CPU runs, against naive.
 *
 * One table of shapes per op (XNNPACK style): 1, primes, around the SIMD widths
 * (15/16/17, 31/32/33), the GEMM blocking (MR 14, NR 32, KC 384) and the real STViT
 * S/B/L stage shapes at 224 and 384, and DeiT-S's and Swin-T's (windows shifted, attention
 * with the relative position bias and shift masks Swin passes). Each case runs on every optimized backend of the
 * registry, ISA variants included (simd-avx512, omp-avx2, ...: a variant this CPU
 * cannot run is skipped with a line saying why), so the AVX-512, AVX2 and portable
 * paths are all checked; the micro-kernels are also called directly on every tile size.
 *
 * Tolerances are error bounds, not one constant: a sum of K products computed in
 * blocks of at most 512 in float has error <= (min(K,512) + K/512 + 2) u sum|a||b|
 * (u = 2^-24: kn_tolerance), and the test evaluates sum|a||b| with the naive op on
 * |inputs|. Element ops get a few u of their result's magnitude. The bounds are written
 * for f32 and scaled by each backend's declared unit roundoff over 2^-24 (check()). Big shapes check a subset of
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
#include "kernels/cases.h"
#include "kernels/kernels.h"
#include "kernels/naive/naive.h"
#include "kernels/simd/simd.h"
#include "variants/model_internal.h" /* st_swin_bias: the masks Swin passes */

#define U KN_U_F32 /* unit roundoff of float; a backend declaring another scales the bounds */

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
static double sum_gamma(long k) { return kn_tolerance(U, k); }

/* ------------------------------------------------ implementations under test -- */

typedef struct {
    char label[48];
    kn_ctx *ctx;            /* the instance under test: backend, ISA, threads */
    double u;               /* its declared unit roundoff */
} impl;

static impl impls[32];
static int nimpls;
static double tol_scale = 1; /* u of the backend running / 2^-24: the bounds scale with it */

/* Runs op `name` of implementation im. */
#define RUN(im, name, ...) (im).ctx->ops.name((im).ctx, __VA_ARGS__)

static void add_impl(const kn_backend *b, int threads, const char *suffix) {
    impl *im = &impls[nimpls];
    char err[256];
    assert_int_equal(kn_ctx_create(&im->ctx, b, threads, err, sizeof err), 0);
    for (int s = 0; s < KN_OP_COUNT; s++) assert_non_null(kn_ops_slot(&im->ctx->ops, s));
    im->u = im->ctx->unit_roundoff;
    snprintf(im->label, sizeof im->label, "%s/%s%s", b->name, im->ctx->isa_name, suffix);
    nimpls++;
}

static int setup_impls(void **state) {
    for (int i = 0; i < kn_backend_count(); i++) {
        const kn_backend *b = kn_backend_at(i);
        char why[160];
        if (b == &kn_backend_naive) continue; /* the reference itself */
        if (!kn_backend_runs(b, why, sizeof why)) {
            print_message("skip backend %s: %s\n", b->name, why);
            continue;
        }
        if (!b->isa && kn_backend_find(b->name) && (!strcmp(b->name, "simd") || !strcmp(b->name, "omp")))
            continue; /* the same kernels as one of its ISA variants */
        add_impl(b, 2, "");
    }
    add_impl(&kn_backend_omp, 3, "/3 threads"); /* the best ISA at an odd thread count too */
    print_message("%d implementations under test\n", nimpls);
    return 0;
}

static void use(const impl *im) { tol_scale = im->u / KN_U_F32; }
static int teardown_impls(void **state) {
    for (int i = 0; i < nimpls; i++) kn_ctx_free(impls[i].ctx);
    nimpls = 0;
    return 0;
}

/* Fails naming the case when |got - ref| > tol anywhere (NaN fails too). */
static void check(const char *what, const char *label, const char *shape, const float *got,
                  const float *ref, const float *tol, size_t n, size_t stride_rows, size_t row_len) {
    for (size_t i = 0; i < n; i++) {
        size_t idx = stride_rows ? (i / row_len) * stride_rows + i % row_len : i;
        double d = fabs((double)got[idx] - ref[i]);
        if (!(d <= tol[i] * tol_scale)) {
            fail_msg("%s [%s] %s: element %zu: got %.9g, want %.9g (|diff| %.3g > tol %.3g)", what,
                     label, shape, i, got[idx], ref[i], d, tol[i] * tol_scale);
        }
    }
}

/* ------------------------------------------------------------------- GEMM -- */

typedef kn_gemm_case gemm_case;
#define gemm_cases kn_gemm_cases

static void test_gemm(void **state) {
    for (size_t ci = 0; ci < (size_t)kn_gemm_ncases; ci++)
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
            kn_gemm__naive(NULL, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, ref, ldc);
            kn_gemm__naive(NULL, ta, tb, M, N, K, fabsf(alpha), aA, lda, aB, ldb, 0.0f, mag, ldc);
            float *tol = malloc(sizeof(float) * (nc ? nc : 1));
            for (size_t i = 0; i < nc; i++)
                tol[i] = (float)(sum_gamma(K) * mag[i] + 2 * U * ((beta != 0.0f ? fabs(beta * C0[i]) : 0.0) + fabs(ref[i])) + 1e-30);
            char shape[96];
            snprintf(shape, sizeof shape, "M=%d N=%d K=%d trans=%d%d alpha=%g beta=%g", M, N, K, ta, tb, alpha, beta);
            for (int i = 0; i < nimpls; i++) {
                float *C = dup(C0, nc);
                use(&impls[i]);
                RUN(impls[i], gemm, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
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

typedef kn_conv1x1_case pw_case;
#define pw_cases kn_conv1x1_cases

static void test_pointwise(void **state) {
    for (size_t ci = 0; ci < (size_t)kn_conv1x1_ncases; ci++) {
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
            kn_conv1x1__naive(NULL, &(kn_conv1x1_args){.batch = c->batch, .cin = c->cin, .cout = rc, .n = c->n,
                                                     .x = x, .w = kn_w(w), .bias = bias, .act = act, .gamma = gamma,
                                                     .accumulate = accumulate, .y = ref});
            float *ax = abs_copy(x, nx), *aw = abs_copy(w, (size_t)c->cout * c->cin), *ab = abs_copy(bias, c->cout);
            kn_conv1x1__naive(NULL, &(kn_conv1x1_args){.batch = c->batch, .cin = c->cin, .cout = rc, .n = c->n,
                                                     .x = ax, .w = kn_w(aw), .bias = ab, .y = mag});
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
            /* the weight as the model hands it over, with the backend's prepared form for an
             * unknown token count and for few tokens (simd family: row panels, then the
             * token-major column panels), whatever this case's n */
            for (int i = 0; i < nimpls; i++)
                for (int hint = 0; hint < 2; hint++) {
                    float *y = dup(y0, ny);
                    use(&impls[i]);
                    void *prep;
                    kn_weight_info wi = {.op = KN_OP_conv1x1, .rows = c->cout, .cols = c->cin, .k = 1,
                                         .n = hint, .name = "w"};
                    RUN(impls[i], conv1x1, &(kn_conv1x1_args){.batch = c->batch, .cin = c->cin, .cout = c->cout,
                                                                .n = c->n, .x = x, .w = kn_ctx_weight(impls[i].ctx, &wi, w, &prep),
                                                                .bias = bias, .act = act,
                                                                .gamma = gamma, .accumulate = accumulate, .y = y});
                    free(prep);
                    char shape_h[160];
                    snprintf(shape_h, sizeof shape_h, "%s weight-hint n=%d", shape, hint);
                    for (int b = 0; b < c->batch; b++)
                        check("pointwise", impls[i].label, shape_h, y + (size_t)b * c->cout * c->n,
                              ref + (size_t)b * rc * c->n, tol + (size_t)b * rc * c->n, (size_t)rc * c->n, 0, 0);
                    free(y);
                }
            free(x), free(w), free(bias), free(gamma), free(y0), free(ref), free(mag), free(ax), free(aw),
                free(ab), free(tol);
        }
    }
}

/* ------------------------------------------------------ dense convolution -- */

typedef kn_conv_case conv_case;
#define conv_cases kn_conv_cases

static void test_conv(void **state) {
    for (size_t ci = 0; ci < (size_t)kn_conv_ncases; ci++)
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
                               .stride = c->stride, .pad = c->pad, .x = x, .wt = kn_w(w), .bias = bias, .act = (kn_act)act, .y = ref};
            kn_conv__naive(NULL, &ra);
            float *ax = abs_copy(x, nx), *aw = abs_copy(w, nw), *ab = abs_copy(bias, c->cout);
            ra.x = ax, ra.wt = kn_w(aw), ra.bias = ab, ra.act = KN_ACT_NONE, ra.y = mag;
            kn_conv__naive(NULL, &ra);
            float *tol = malloc(sizeof(float) * nref);
            for (size_t i = 0; i < nref; i++) tol[i] = (float)(1.2 * sum_gamma(K + 1) * mag[i] + 12 * U * fabs(ref[i]) + 1e-30);
            char shape[128];
            snprintf(shape, sizeof shape, "batch=%d cin=%d %dx%d cout=%d k=%d s=%d p=%d act=%d", c->batch, c->cin, c->h,
                     c->w, c->cout, c->k, c->stride, c->pad, act);
            for (int i = 0; i < nimpls; i++) {
                float *y = fill(ny, NAN);
                use(&impls[i]);
                void *prep;
                kn_weight_info wi = {.op = KN_OP_conv, .rows = c->cout, .cols = c->cin, .k = c->k, .name = "w"};
                RUN(impls[i], conv, &(kn_conv_args){.batch = c->batch, .cin = c->cin, .h = c->h, .w = c->w,
                                                  .cout = c->cout, .k = c->k, .stride = c->stride, .pad = c->pad,
                                                  .x = x, .wt = kn_ctx_weight(impls[i].ctx, &wi, w, &prep), .bias = bias,
                                                  .act = (kn_act)act, .y = y});
                free(prep);
                for (int b = 0; b < c->batch; b++)
                    check("conv", impls[i].label, shape, y + (size_t)b * c->cout * oh * ow,
                          ref + (size_t)b * rc * oh * ow, tol + (size_t)b * rc * oh * ow, (size_t)rc * oh * ow, 0, 0);
                free(y);
            }
            free(x), free(w), free(bias), free(ref), free(mag), free(ax), free(aw), free(ab), free(tol);
        }
}

/* ------------------------------------------------------------- depthwise -- */

typedef kn_dwconv_case dw_case;
#define dw_cases kn_dwconv_cases

static void test_dwconv(void **state) {
    for (size_t ci = 0; ci < (size_t)kn_dwconv_ncases; ci++)
        for (int add = 0; add < 2; add++) {
            const dw_case *c = &dw_cases[ci];
            size_t n = (size_t)c->batch * c->c * c->h * c->w, nw = (size_t)c->c * c->k * c->k;
            float *x = rand_buf(n, 1), *w = rand_buf(nw, 0.3f), *bias = add ? rand_buf(c->c, 1) : NULL;
            float *ref = malloc(sizeof(float) * n), *mag = malloc(sizeof(float) * n);
            kn_dwconv_args ra = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .k = c->k, .x = x, .wt = kn_w(w),
                                 .bias = bias, .add_input = add, .y = ref};
            kn_dwconv__naive(NULL, &ra);
            float *ax = abs_copy(x, n), *aw = abs_copy(w, nw), *ab = abs_copy(bias, c->c);
            ra.x = ax, ra.wt = kn_w(aw), ra.bias = ab, ra.y = mag;
            kn_dwconv__naive(NULL, &ra);
            float *tol = malloc(sizeof(float) * n);
            for (size_t i = 0; i < n; i++) tol[i] = (float)(sum_gamma(c->k * c->k + 2) * mag[i] + 1e-30);
            char shape[96];
            snprintf(shape, sizeof shape, "batch=%d c=%d %dx%d k=%d add_input=%d", c->batch, c->c, c->h, c->w, c->k, add);
            for (int i = 0; i < nimpls; i++) {
                float *y = fill(n, NAN);
                use(&impls[i]);
                RUN(impls[i], dwconv, &(kn_dwconv_args){.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .k = c->k,
                                                      .x = x, .wt = kn_w(w), .bias = bias, .add_input = add, .y = y});
                check("dwconv", impls[i].label, shape, y, ref, tol, n, 0, 0);
                free(y);
            }
            free(x), free(w), free(bias), free(ref), free(mag), free(ax), free(aw), free(ab), free(tol);
        }
}

/* ------------------------------------------------------------ norms, etc. -- */

typedef kn_bcn_case bcn_case;
#define bcn_cases kn_bcn_cases

static void test_layernorm(void **state) {
    for (size_t ci = 0; ci < (size_t)kn_bcn_ncases; ci++) {
        const bcn_case *c = &bcn_cases[ci];
        size_t n = (size_t)c->batch * c->c * c->n;
        float *x = rand_buf(n, 2), *g = rand_buf(c->c, 1.5f), *be = rand_buf(c->c, 1);
        for (size_t i = 0; i < n; i++) x[i] += 0.5f; /* a mean away from 0 */
        float *ref = malloc(sizeof(float) * n), *tol = malloc(sizeof(float) * n);
        kn_layernorm__naive(NULL, c->batch, c->c, c->n, x, g, be, 1e-6f, ref);
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
            RUN(impls[i], layernorm, c->batch, c->c, c->n, y, g, be, 1e-6f, y); /* in place */
            check("layernorm", impls[i].label, shape, y, ref, tol, n, 0, 0);
            free(y);
        }
        free(x), free(g), free(be), free(ref), free(tol);
    }
}

static void test_batchnorm_affine(void **state) {
    for (size_t ci = 0; ci < (size_t)kn_bcn_ncases; ci++)
        for (int act = 0; act < 3; act++) {
            const bcn_case *c = &bcn_cases[ci];
            size_t n = (size_t)c->batch * c->c * c->n;
            float *x = rand_buf(n, 3), *mean = rand_buf(c->c, 1), *var = rand_buf(c->c, 1), *g = rand_buf(c->c, 2),
                  *be = rand_buf(c->c, 1), *scale = rand_buf(c->c, 2);
            for (int ch = 0; ch < c->c; ch++) var[ch] = fabsf(var[ch]) + 0.05f;
            float *ref = malloc(sizeof(float) * n), *tol = malloc(sizeof(float) * n);
            float *ref2 = malloc(sizeof(float) * n), *tol2 = malloc(sizeof(float) * n);
            kn_batchnorm__naive(NULL, c->batch, c->c, c->n, x, mean, var, g, be, 1e-5f, (kn_act)act, ref);
            kn_affine__naive(NULL, c->batch, c->c, c->n, x, scale, be, (kn_act)act, ref2);
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
                RUN(impls[i], batchnorm, c->batch, c->c, c->n, y, mean, var, g, be, 1e-5f, (kn_act)act, y);
                check("batchnorm", impls[i].label, shape, y, ref, tol, n, 0, 0);
                memcpy(y, x, sizeof(float) * n);
                RUN(impls[i], affine, c->batch, c->c, c->n, y, scale, be, (kn_act)act, y);
                check("affine", impls[i].label, shape, y, ref2, tol2, n, 0, 0);
                free(y);
            }
            free(x), free(mean), free(var), free(g), free(be), free(scale), free(ref), free(tol), free(ref2), free(tol2);
        }
}

static void test_scale_add_avgpool(void **state) {
    for (size_t ci = 0; ci < (size_t)kn_bcn_ncases; ci++)
        for (int with_gamma = 0; with_gamma < 2; with_gamma++) {
            const bcn_case *c = &bcn_cases[ci];
            size_t n = (size_t)c->batch * c->c * c->n, nb = (size_t)c->batch * c->c;
            float *x = rand_buf(n, 1), *y0 = rand_buf(n, 1), *g = with_gamma ? rand_buf(c->c, 2) : NULL;
            float *ref = dup(y0, n), *tol = malloc(sizeof(float) * n);
            kn_scale_add__naive(NULL, c->batch, c->c, c->n, x, g, ref);
            for (size_t i = 0; i < n; i++) {
                int ch = (int)((i / c->n) % c->c);
                tol[i] = (float)(2 * U * (fabs(y0[i]) + fabs(x[i] * (g ? g[ch] : 1.0f))) + 1e-30);
            }
            float *pref = malloc(sizeof(float) * nb), *ptol = malloc(sizeof(float) * nb);
            kn_avgpool__naive(NULL, c->batch, c->c, c->n, x, pref);
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
                RUN(impls[i], scale_add, c->batch, c->c, c->n, x, g, y);
                check("scale_add", impls[i].label, shape, y, ref, tol, n, 0, 0);
                RUN(impls[i], avgpool, c->batch, c->c, c->n, x, py);
                check("avgpool", impls[i].label, shape, py, pref, ptol, nb, 0, 0);
                free(y), free(py);
            }
            free(x), free(y0), free(g), free(ref), free(tol), free(pref), free(ptol);
        }
}

static void test_activation(void **state) {
    const size_t *counts = kn_activation_counts;
    for (size_t ci = 0; ci < (size_t)kn_activation_ncounts; ci++)
        for (int act = 0; act < 3; act++) {
            size_t n = counts[ci];
            float *x = rand_buf(n, 8), *ref = malloc(sizeof(float) * n), *tol = malloc(sizeof(float) * n);
            kn_activation__naive(NULL, n, (kn_act)act, x, ref);
            /* + the naive GELU's own error: it forms 1 + erf in double (2^-53 |x| absolute) */
            for (size_t i = 0; i < n; i++) tol[i] = (float)(12 * U * fabs(ref[i]) + 2.3e-16 * fabs(x[i]) + 1e-37);
            char shape[48];
            snprintf(shape, sizeof shape, "count=%zu act=%d", n, act);
            for (int i = 0; i < nimpls; i++) {
                float *y = dup(x, n);
                use(&impls[i]);
                RUN(impls[i], activation, n, (kn_act)act, y, y); /* in place */
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
        const kn_simd_isa *isa = kn_simd_isa_by_name(isas[k], NULL, 0);
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
            /* the ends: huge and infinite inputs give x or ~0 (never NaN), NaN stays NaN */
            const float ends[] = {INFINITY, -INFINITY, 1e30f, -1e30f, 3.4e38f, -3.4e38f, NAN};
            enum { NE = sizeof ends / sizeof *ends };
            float ye[NE];
            isa->affine_row(NE, ends, 1.0f, 0.0f, (kn_act)act, ye);
            for (int i = 0; i < NE; i++) {
                int ok = isnan(ends[i]) ? isnan(ye[i]) : ends[i] > 0 ? ye[i] == ends[i] : fabsf(ye[i]) <= 1e-35f;
                if (!ok) fail_msg("%s act %d: f(%g) = %g", isas[k], act, ends[i], ye[i]);
            }
        }
    }
    free(x), free(y);
}

/* ---------------------------------------------------------------- linear -- */

static void test_linear(void **state) {
    for (size_t ci = 0; ci < (size_t)kn_linear_ncases; ci++) {
        int batch = kn_linear_cases[ci].batch, in = kn_linear_cases[ci].in, out = kn_linear_cases[ci].out;
        float *x = rand_buf((size_t)batch * in, 1), *w = rand_buf((size_t)out * in, 1), *b = ci % 2 ? rand_buf(out, 1) : NULL;
        size_t ny = (size_t)batch * out;
        float *ref = malloc(sizeof(float) * ny), *mag = malloc(sizeof(float) * ny), *tol = malloc(sizeof(float) * ny);
        kn_linear__naive(NULL, batch, in, out, x, kn_w(w), b, ref);
        float *ax = abs_copy(x, (size_t)batch * in), *aw = abs_copy(w, (size_t)out * in), *ab = abs_copy(b, out);
        kn_linear__naive(NULL, batch, in, out, ax, kn_w(aw), ab, mag);
        for (size_t i = 0; i < ny; i++) tol[i] = (float)(sum_gamma(in + 1) * mag[i] + 1e-30);
        char shape[64];
        snprintf(shape, sizeof shape, "batch=%d in=%d out=%d bias=%d", batch, in, out, b != NULL);
        for (int i = 0; i < nimpls; i++) {
            float *y = fill(ny, NAN);
            use(&impls[i]);
            RUN(impls[i], linear, batch, in, out, x, kn_w(w), b, y);
            check("linear", impls[i].label, shape, y, ref, tol, ny, 0, 0);
            free(y);
        }
        free(x), free(w), free(b), free(ref), free(mag), free(tol), free(ax), free(aw), free(ab);
    }
}

/* -------------------------------------------------------------- attention -- */

typedef kn_attention_case attn_case;
#define attn_cases kn_attention_cases

/* The bias a Swin block passes for a case with g = c->groups windows per image
 * (st_swin_bias: a random relative position table gathered per window, plus for g > 1
 * the shift mask, -100 between tokens from different regions): windows ws = sqrt(m)
 * wide on a grid of g1 x g2 windows (g1 the largest divisor of g <= sqrt(g)), shifted
 * by ws/2 as Swin shifts by floor(7/2). [g][heads][m][m]. */
static float *swin_bias(const attn_case *c) {
    int ws = (int)lround(sqrt((double)c->m)), g1 = 1, t = 2 * ws - 1;
    assert_int_equal(ws * ws, c->m);
    for (int d = 1; d * d <= c->groups; d++)
        if (c->groups % d == 0) g1 = d;
    float *table = rand_buf((size_t)t * t * c->heads, 2);
    float *bias = malloc(sizeof(float) * c->groups * c->heads * c->m * c->m);
    assert_non_null(bias);
    st_swin_bias(table, ws, c->heads, g1 * ws, c->groups / g1 * ws, ws / 2, ws / 2, c->groups > 1, bias);
    free(table);
    size_t masked = 0;
    for (size_t i = 0; i < (size_t)c->groups * c->heads * c->m * c->m; i++) masked += bias[i] < -50;
    if (c->groups > 1 && !masked) fail_msg("attention case %d windows of %d: the shift mask masks nothing", c->groups, c->m);
    return bias;
}

/* The largest |value|, 0 for NULL. */
static double max_abs(const float *x, size_t n) {
    double m = 0;
    for (size_t i = 0; x && i < n; i++) m = fmax(m, fabs(x[i]));
    return m;
}

static void test_attention(void **state) {
    for (size_t ci = 0; ci < (size_t)kn_attention_ncases; ci++)
        for (int var = 0; var < 8; var++) { /* no bias, one bias, one per batch item, the network's; probs */
            const attn_case *c = &attn_cases[ci];
            int with_bias = var % 4, with_probs = var / 4, C = c->heads * c->hd, m = c->m;
            int groups = with_bias == 2 ? c->batch : with_bias == 3 ? c->groups : 0;
            if ((with_bias == 2 && c->batch == 1) || (with_bias == 3 && !c->groups)) continue;
            size_t nqkv = (size_t)c->batch * 3 * C * m, nout = (size_t)c->batch * C * m;
            size_t np = (size_t)c->batch * c->heads * m * m, nbias = (size_t)(groups ? groups : 1) * c->heads * m * m;
            float *qkv = rand_buf(nqkv, 2);
            float *bias = with_bias == 3 ? swin_bias(c) : with_bias ? rand_buf(nbias, 2) : NULL;
            float scale = 1.0f / sqrtf((float)c->hd);
            float *ref = malloc(sizeof(float) * nout), *pref = malloc(sizeof(float) * np);
            float *scr = malloc(sizeof(float) * kn_attention_scratch__naive(NULL, c->batch, c->heads, c->hd, m));
            kn_attention__naive(NULL, &(kn_attention_args){.batch = c->batch, .heads = c->heads, .hd = c->hd, .m = m,
                                                           .qkv = qkv, .bias = bias, .bias_groups = groups,
                                                           .scale = scale, .out = ref, .probs = pref, .scratch = scr});
            /* logit error d <= sum_gamma(hd) scale sum|q||k| (<= hd max|q| max|k|); softmax
             * turns it into a relative error 2d of each probability, and out sums m of them */
            double d = sum_gamma(c->hd) * scale * c->hd * 2.0 * 2.0;
            /* + adding the bias and subtracting the row's max, each rounded to u of a logit
             * that the -100 of a mask makes large (a relative error of its tiny probability) */
            d += 2 * U * (scale * c->hd * 2.0 * 2.0 + max_abs(bias, with_bias ? nbias : 0));
            float *tol = malloc(sizeof(float) * nout), *ptol = malloc(sizeof(float) * np);
            for (size_t i = 0; i < nout; i++) tol[i] = (float)((2 * d + sum_gamma(m) + 4 * U) * 2.0 + 1e-30);
            for (size_t i = 0; i < np; i++) ptol[i] = (float)(pref[i] * (2 * d + 8 * U) + 1e-30);
            char shape[96];
            snprintf(shape, sizeof shape, "batch=%d heads=%d hd=%d m=%d bias=%d groups=%d probs=%d", c->batch, c->heads,
                     c->hd, m, with_bias, groups, with_probs);
            for (int i = 0; i < nimpls; i++) {
                use(&impls[i]);
                size_t ns = impls[i].ctx->ops.attention_scratch(impls[i].ctx, c->batch, c->heads, c->hd, m);
                float *s = fill(ns, NAN), *out = fill(nout, NAN), *probs = with_probs ? fill(np, NAN) : NULL;
                RUN(impls[i], attention, &(kn_attention_args){.batch = c->batch, .heads = c->heads, .hd = c->hd, .m = m,
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

typedef kn_sta_case sta_case;
#define sta_cases kn_sta_cases

static void test_sta(void **state) {
    for (size_t ci = 0; ci < (size_t)kn_sta_ncases; ci++) {
        const sta_case *c = &sta_cases[ci];
        kn_sta_shape g = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .sh = c->sh, .sw = c->sw};
        int m = (c->h / c->sh) * (c->w / c->sw), n = c->h * c->w, P = c->sh * c->sw;
        size_t nx = (size_t)c->batch * c->c * n, ns = (size_t)c->batch * c->c * m, na = (size_t)c->batch * 9 * n;
        float *x = rand_buf(nx, 2), scale = 1.0f / sqrtf((float)c->c);
        float *s_ref = malloc(sizeof(float) * ns), *a_ref = malloc(sizeof(float) * na);
        float *s2_ref = malloc(sizeof(float) * ns), *z_ref = malloc(sizeof(float) * c->batch * m);
        float *y_ref = malloc(sizeof(float) * nx);
        /* each op gets the reference's inputs, so errors do not compound */
        kn_sta_pool__naive(NULL, &g, x, s_ref);
        kn_sta_associate__naive(NULL, &g, x, s_ref, scale, a_ref);
        kn_sta_aggregate__naive(NULL, &g, x, a_ref, s2_ref, z_ref);
        kn_sta_upsample__naive(NULL, &g, a_ref, s2_ref, y_ref);
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
            RUN(impls[i], sta_pool, &g, x, s);
            check("sta_pool", impls[i].label, shape, s, s_ref, t_s, ns, 0, 0);
            RUN(impls[i], sta_associate, &g, x, s_ref, scale, a);
            check("sta_associate", impls[i].label, shape, a, a_ref, t_a, na, 0, 0);
            RUN(impls[i], sta_aggregate, &g, x, a_ref, s, z);
            check("sta_aggregate s", impls[i].label, shape, s, s2_ref, t_s2, ns, 0, 0);
            check("sta_aggregate z", impls[i].label, shape, z, z_ref, t_z, (size_t)c->batch * m, 0, 0);
            RUN(impls[i], sta_upsample, &g, a_ref, s2_ref, y);
            check("sta_upsample", impls[i].label, shape, y, y_ref, t_y, nx, 0, 0);
            free(s), free(a), free(z), free(y);
        }
        free(x), free(s_ref), free(a_ref), free(s2_ref), free(z_ref), free(y_ref), free(t_s), free(t_a), free(t_s2),
            free(t_z), free(t_y);
    }
}

/* ------------------------------------------------------- layout copies -- */

/* Copies move values: every backend's must equal naive's exactly, padding included
 * (the outputs start as NaN, so an element left unwritten fails), on the shared
 * layout cases (kernels/cases.c). */

/* Swin's patch merging gather (odd sides padded) and DeiT's class token + position
 * table on the same shapes: a copy and one float add per element, so exact. */
static void test_space_to_depth_tokens(const kn_layout_case *c, const float *img, const char *shape) {
    int hp = (c->h + 1) / 2 * 2, wp = (c->w + 1) / 2 * 2, n = c->h * c->w;
    size_t ns = (size_t)c->batch * c->c * hp * wp;
    size_t nt = (size_t)c->batch * c->c * (n + 1);
    kn_layout_args a = {.batch = c->batch, .c = c->c, .h = c->h, .w = c->w, .hp = hp, .wp = wp, .x = img};
    float *s_ref = fill(ns, NAN), *t_ref = fill(nt, NAN), *cls = rand_buf(c->c, 1), *pos = rand_buf((size_t)c->c * (n + 1), 1);
    float *zero = fill(ns > nt ? ns : nt, 0.0f);
    a.y = s_ref;
    kn_space_to_depth__naive(NULL, &a);
    kn_tokens_embed__naive(NULL, c->batch, c->c, n, img, cls, pos, t_ref);
    assert_float_equal(s_ref[0], img[0], 0); /* (0, 0) of channel 0 leads */
    for (int i = 0; i < nimpls; i++) {
        float *y = fill(ns, NAN), *t = fill(nt, NAN);
        kn_layout_args q = a;
        q.y = y;
        RUN(impls[i], space_to_depth, &q);
        check("space_to_depth", impls[i].label, shape, y, s_ref, zero, ns, 0, 0);
        RUN(impls[i], tokens_embed, c->batch, c->c, n, img, cls, pos, t);
        check("tokens_embed", impls[i].label, shape, t, t_ref, zero, nt, 0, 0);
        free(y), free(t);
    }
    free(s_ref), free(t_ref), free(cls), free(pos), free(zero);
}

static void test_layout(void **state) {
    for (int ci = 0; ci < kn_layout_ncases; ci++) {
        const kn_layout_case *c = &kn_layout_cases[ci];
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
        kn_pad__naive(NULL, &p);
        kn_crop__naive(NULL, &k);
        kn_window_gather__naive(NULL, &g);
        kn_window_scatter__naive(NULL, &t);
        assert_memory_equal(back_ref, img, ni * sizeof(float)); /* scatter undoes gather */
        float *zero = fill(np > ni ? np : ni, 0.0f);
        char shape[96];
        snprintf(shape, sizeof shape, "batch=%d c=%d %dx%d -> %dx%d ws %d shift %d,%d", c->batch, c->c, c->h, c->w,
                 c->hp, c->wp, c->ws, c->shift_h, c->shift_w);
        for (int i = 0; i < nimpls; i++) {
            float *yp = fill(np, NAN), *yi = fill(ni, NAN);
            kn_layout_args q = p;
            q.y = yp;
            RUN(impls[i], pad, &q);
            check("pad", impls[i].label, shape, yp, pad_ref, zero, np, 0, 0);
            q = g, q.y = yp;
            RUN(impls[i], window_gather, &q);
            check("window_gather", impls[i].label, shape, yp, win_ref, zero, np, 0, 0);
            q = t, q.y = yi;
            RUN(impls[i], window_scatter, &q);
            check("window_scatter", impls[i].label, shape, yi, img, zero, ni, 0, 0);
            q = k, q.y = yi;
            RUN(impls[i], crop, &q);
            check("crop", impls[i].label, shape, yi, crop_ref, zero, ni, 0, 0);
            q = (kn_layout_args){.count = np, .x = padded, .y = yp};
            RUN(impls[i], copy, &q);
            check("copy", impls[i].label, shape, yp, padded, zero, np, 0, 0);
            free(yp), free(yi);
        }
        test_space_to_depth_tokens(c, img, shape);
        free(img), free(padded), free(pad_ref), free(crop_ref), free(win_ref), free(back_ref), free(zero);
    }
}

/* ------------------------------------------------- micro-kernels directly -- */

/* The epilogue of kn_gemm_epi on one element in double: sum and mag are the dot product
 * and its magnitude over kc terms, c0 the old C, ch the row (or column) bias and gamma
 * index; the tolerance from the reduction length (activations are 1.13-Lipschitz). */
static void epi_ref(const kn_gemm_epi *e, double sum, double mag, float c0, int ch, int kc, double *t, double *tol) {
    double v = e->alpha * sum + (e->load_c ? c0 : 0) + (e->bias ? e->bias[ch] : 0);
    double va = fabs(e->alpha) * mag + (e->load_c ? fabs(c0) : 0) + (e->bias ? fabs(e->bias[ch]) : 0);
    double g = e->gamma ? e->gamma[ch] : 1.0;
    v = kn_act_ref(e->act, (float)v) * g;
    if (e->beta != 0) v += e->beta * c0;
    *t = v;
    *tol = 1.2 * fabs(g) * sum_gamma(kc + 2) * va + 12 * U * (fabs(v) + fabs(e->beta * c0)) + 1e-30;
}

/* Whether a tile's element `got` is epi_ref's value (into *want) within its tolerance. */
static int epi_ok(const kn_gemm_epi *e, double sum, double mag, float c0, int ch, int kc, float got, double *want) {
    double tol;
    epi_ref(e, sum, mag, c0, ch, kc, want, &tol);
    return fabs(got - *want) <= tol;
}

/* Every tile size (mr 1..MR, nr 1..NR) of each ISA's two micro-kernels (A as a panel,
 * A as strided rows in place), with packed and strided B panels, and each epilogue form. */
/* ISA `name`'s kernel table, or NULL after saying the test of `what` skips it. */
static const kn_simd_isa *isa_or_skip(const char *name, const char *what) {
    const kn_simd_isa *isa = kn_simd_isa_by_name(name, NULL, 0);
    if (!isa) print_message("skip %s %s: this CPU lacks it\n", name, what);
    return isa;
}

static void test_ukernels(void **state) {
    const char *isas[] = {"avx512", "avx2", "generic"};
    for (int k = 0; k < 3; k++) {
        const kn_simd_isa *isa = isa_or_skip(isas[k], "micro-kernel");
        if (!isa) continue;
        int MR = isa->mr, NR = isa->nr;
        static const int kcs[] = {0, 1, 7, 64};
        for (int ki = 0; ki < 12; ki++) /* kc x A form: rows in place, panel, panel with B rows by offsets */
            for (int form = 0; form < 5; form++)
                for (int mr = 1; mr <= MR; mr++)
                    for (int nr = 1; nr <= NR; nr++) {
                        int kc = kcs[ki / 3], panel = ki % 3;
                        if (panel == 2 && !isa->gemm_off) continue;
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
                        int *boff = malloc(sizeof(int) * (kc + 1)); /* B row q at b + boff[q]: rows reversed */
                        for (int q = 0; q < kc; q++) boff[q] = (int)((size_t)(kc - 1 - q) * ldb);
                        if (panel) { /* the same A as a panel: MR floats per k */
                            float *ap = rand_buf((size_t)kc * MR + 1, 1);
                            for (int q = 0; q < kc; q++)
                                for (int r = 0; r < mr; r++) ap[(size_t)q * MR + r] = a[r * lda + q];
                            if (panel == 2) isa->gemm_off(mr, nr, kc, ap, b, boff, c, ldc, &e);
                            else isa->gemm(mr, nr, kc, ap, b, ldb, c, ldc, &e);
                            free(ap);
                        } else {
                            isa->gemm_rows(mr, nr, kc, a, lda, b, ldb, c, ldc, &e);
                        }
                        for (int r = 0; r < MR; r++)
                            for (int j = 0; j < (int)ldc; j++) {
                                size_t idx = (size_t)r * ldc + j;
                                if (r >= mr || j >= nr) {
                                    if (c[idx] != c0[idx])
                                        fail_msg("%s ukernel panel=%d mr=%d nr=%d kc=%d form=%d: wrote outside at %d,%d",
                                                 isas[k], panel, mr, nr, kc, form, r, j);
                                    continue;
                                }
                                double s = 0, mag = 0;
                                for (int q = 0; q < kc; q++) {
                                    float bq = panel == 2 ? b[boff[q] + j] : b[q * ldb + j];
                                    s += (double)a[r * lda + q] * bq;
                                    mag += fabs((double)a[r * lda + q] * bq);
                                }
                                double t;
                                if (!epi_ok(&e, s, mag, c0[idx], r, kc, c[idx], &t))
                                    fail_msg("%s ukernel panel=%d mr=%d nr=%d kc=%d form=%d at %d,%d: got %.9g want %.9g",
                                             isas[k], panel, mr, nr, kc, form, r, j, c[idx], t);
                            }
                        free(a), free(b), free(c0), free(c), free(bias), free(gamma), free(boff);
                    }
    }
}

/* The transposed micro-kernel (token-major 1x1 convs) of each ISA: every tile size, A
 * read k-strided in place (stride larger than the tile), C written as C^T with bias and
 * gamma per column, each epilogue form; nothing outside the tile written. */
/* The epilogue forms of the column-indexed tests (gemm_t, gemm_cols): plain, the
 * residual (beta 1, bias, gamma), fc1 (GELU, bias), and Swish with gamma, a K-split
 * continuation (load_c), alpha and beta. */
static kn_gemm_epi ukernel_form(int form, const float *bias, const float *gamma) {
    kn_gemm_epi e = {.alpha = 1.0f};
    switch (form) {
    case 1: e.beta = 1.0f, e.bias = bias, e.gamma = gamma; break;
    case 2: e.act = KN_ACT_GELU, e.bias = bias; break;
    case 3: e.act = KN_ACT_SWISH, e.gamma = gamma, e.load_c = 1, e.alpha = 0.5f, e.beta = -2.0f; break;
    }
    return e;
}

/* The narrow tile of each ISA that has one: every strip height pair (strip 1 empty
 * or not), column count and epilogue; rows along the lanes, so bias and gamma index
 * rows across both strips. */
static void test_ukernels_cols(void **state) {
    const char *isas[] = {"avx512", "avx2", "generic"};
    for (int k = 0; k < 3; k++) {
        const kn_simd_isa *isa = isa_or_skip(isas[k], "narrow tile");
        if (!isa || !isa->gemm_cols) continue; /* generic has none */
        int MR = isa->mr, NC = isa->nc;
        static const int kcs[] = {0, 1, 7, 64};
        for (int ki = 0; ki < 4; ki++)
            for (int form = 0; form < 4; form++)
                for (int h0 = 1; h0 <= MR; h0++)
                    for (int h1 = 0; h1 <= MR; h1++)
                        for (int nr = 1; nr <= NC; nr++) {
                            int kc = kcs[ki], rows = h0 + h1;
                            size_t ldb = (size_t)isa->nr + 3 * (form & 1), ldc = (size_t)NC + 3;
                            float *a0 = rand_buf((size_t)MR * (kc + 1), 1), *a1 = rand_buf((size_t)MR * (kc + 1), 1);
                            float *b = rand_buf((size_t)(kc + 1) * ldb, 1), *c0 = rand_buf((size_t)rows * ldc, 1);
                            float *bias = rand_buf(rows, 1), *gamma = rand_buf(rows, 2);
                            kn_gemm_epi e = ukernel_form(form, bias, gamma);
                            float *c = dup(c0, (size_t)rows * ldc);
                            isa->gemm_cols(h0, h1, nr, kc, a0, a1, (size_t)MR, b, ldb, c, ldc, &e);
                            for (int r = 0; r < rows; r++)
                                for (int j = 0; j < (int)ldc; j++) {
                                    size_t idx = (size_t)r * ldc + j;
                                    if (j >= nr) {
                                        if (c[idx] != c0[idx])
                                            fail_msg("%s cols h0=%d h1=%d nr=%d kc=%d form=%d: wrote outside at %d,%d",
                                                     isas[k], h0, h1, nr, kc, form, r, j);
                                        continue;
                                    }
                                    const float *ar = r < h0 ? a0 + r : a1 + (r - h0);
                                    double sum = 0, mag = 0;
                                    for (int q = 0; q < kc; q++) {
                                        sum += (double)ar[(size_t)q * MR] * b[q * ldb + j];
                                        mag += fabs((double)ar[(size_t)q * MR] * b[q * ldb + j]);
                                    }
                                    double t;
                                    if (!epi_ok(&e, sum, mag, c0[idx], r, kc, c[idx], &t))
                                        fail_msg("%s cols h0=%d h1=%d nr=%d kc=%d form=%d at %d,%d: got %.9g want %.9g",
                                                 isas[k], h0, h1, nr, kc, form, r, j, c[idx], t);
                                }
                            free(a0), free(a1), free(b), free(c0), free(c), free(bias), free(gamma);
                        }
    }
}

static void test_ukernels_t(void **state) {
    const char *isas[] = {"avx512", "avx2", "generic"};
    for (int k = 0; k < 3; k++) {
        const kn_simd_isa *isa = isa_or_skip(isas[k], "transposed micro-kernel");
        if (!isa) continue;
        int MR = isa->mr, NR = isa->nr;
        static const int kcs[] = {0, 1, 7, 64};
        for (int ki = 0; ki < 4; ki++)
            for (int form = 0; form < 4; form++)
                for (int mr = 1; mr <= MR; mr++)
                    for (int nr = 1; nr <= NR; nr++) {
                        int kc = kcs[ki];
                        size_t ska = (size_t)mr + 3 + form, ldb = (size_t)NR, ldc = (size_t)MR + 5;
                        float *a = rand_buf(ska * (kc + 1), 1), *b = rand_buf((size_t)(kc + 1) * ldb, 1);
                        float *c0 = rand_buf((size_t)NR * ldc, 1), *bias = rand_buf(NR, 1), *gamma = rand_buf(NR, 2);
                        kn_gemm_epi e = ukernel_form(form, bias, gamma);
                        float *c = dup(c0, (size_t)NR * ldc);
                        isa->gemm_t(mr, nr, kc, a, ska, b, ldb, c, ldc, &e);
                        for (int j = 0; j < NR; j++)
                            for (int r = 0; r < (int)ldc; r++) {
                                size_t idx = (size_t)j * ldc + r;
                                if (r >= mr || j >= nr) {
                                    if (c[idx] != c0[idx])
                                        fail_msg("%s ukernel_t mr=%d nr=%d kc=%d form=%d: wrote outside at col %d row %d",
                                                 isas[k], mr, nr, kc, form, j, r);
                                    continue;
                                }
                                double sum = 0, mag = 0;
                                for (int q = 0; q < kc; q++) {
                                    sum += (double)a[q * ska + r] * b[q * ldb + j];
                                    mag += fabs((double)a[q * ska + r] * b[q * ldb + j]);
                                }
                                double t;
                                if (!epi_ok(&e, sum, mag, c0[idx], j, kc, c[idx], &t))
                                    fail_msg("%s ukernel_t mr=%d nr=%d kc=%d form=%d at row %d col %d: got %.9g want %.9g",
                                             isas[k], mr, nr, kc, form, r, j, c[idx], t);
                            }
                        free(a), free(b), free(c0), free(c), free(bias), free(gamma);
                    }
    }
}

/* Every op of the op list has shapes in the shared table (the tests and stvit opbench run
 * them), and every instance under test fills every slot. */
static void test_every_op_has_cases(void **state) {
    for (int op = 0; op < KN_OP_COUNT; op++) {
        if (kn_cases_count(op) <= 0) fail_msg("op %s has no cases in kernels/cases.c", kn_op_names[op]);
        for (int i = 0; i < nimpls; i++) assert_non_null(kn_ops_slot(&impls[i].ctx->ops, op));
    }
    assert_null(kn_ops_slot(&impls[0].ctx->ops, KN_OP_COUNT));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ukernels),
        cmocka_unit_test(test_ukernels_cols),
        cmocka_unit_test(test_ukernels_t),
        cmocka_unit_test(test_act_accuracy),
        cmocka_unit_test(test_gemm),
        cmocka_unit_test(test_every_op_has_cases),
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
