/* test_naive_ops.c — the reference ops on small cases worked out by hand: the 3x3
 * super-token neighbourhood at grid borders, the softmax over zero (outside) neighbours,
 * padded pixels, the association/aggregation/upsampling algebra, n_iter, and the
 * head-major qkv layout of the refine attention. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "kernels/naive/naive.h"

#define NEAR(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-6)

/* Cell (0,0) of a 2x3 grid: only right (k=5), below (k=7) and diagonal (k=8) exist. */
static void test_neighbourhood_at_borders(void **state) {
    static const int corner[9] = {-1, -1, -1, -1, 0, 1, -1, 3, 4};
    for (int k = 0; k < 9; k++) assert_int_equal(kn_sta_neighbour(0, 0, k, 2, 3), corner[k]);
    static const int last[9] = {1, 2, -1, 4, 5, -1, -1, -1, -1}; /* cell (1,2) */
    for (int k = 0; k < 9; k++) assert_int_equal(kn_sta_neighbour(1, 2, k, 2, 3), last[k]);
    for (int k = 0; k < 9; k++) assert_int_equal(kn_sta_neighbour(0, 0, k, 1, 1), k == 4 ? 0 : -1);
}

/* One channel, one 2x2 cell (a 1x1 grid): S is the mean; the eight outside neighbours are
 * zero vectors with logit 0 that still share the softmax. */
static void test_association_single_cell(void **state) {
    kn_sta_shape g = {.batch = 1, .c = 1, .h = 2, .w = 2, .sh = 2, .sw = 2};
    float x[4] = {1, 2, 3, 6}, s[1], a[9 * 4], z[1], s2[1], y[4];
    kn_sta_pool__naive(NULL, &g, x, s);
    NEAR(s[0], 3.0f);
    float scale = 0.5f;
    kn_sta_associate__naive(NULL, &g, x, s, scale, a);
    double zsum = 0, num = 0;
    for (int p = 0; p < 4; p++) {
        double e = exp(x[p] * 3.0 * scale), want = e / (e + 8);
        NEAR(a[4 * 4 + p], want);
        for (int k = 0; k < 9; k++)
            if (k != 4) NEAR(a[k * 4 + p], 1.0 / (e + 8));
        zsum += want;
        num += want * x[p];
    }
    kn_sta_aggregate__naive(NULL, &g, x, a, s2, z);
    NEAR(z[0], zsum); /* outside neighbours contribute nothing */
    NEAR(s2[0], num / (zsum + 1e-12));
    float refined[1] = {10.0f};
    kn_sta_upsample__naive(NULL, &g, a, refined, y);
    for (int p = 0; p < 4; p++) NEAR(y[p], a[4 * 4 + p] * 10.0f);
}

/* A zero (padded) pixel has all logits 0: uniform 1/9 over its nine neighbours. */
static void test_padded_pixels_are_uniform(void **state) {
    kn_sta_shape g = {.batch = 1, .c = 2, .h = 4, .w = 4, .sh = 2, .sw = 2};
    float x[2 * 16] = {0}, s[2 * 4], a[9 * 16];
    for (int i = 0; i < 16; i++) {
        int py = i / 4, px = i % 4;
        if (py < 3 && px < 3) { x[i] = (float)(i + 1) / 10; x[16 + i] = -(float)i / 7; } /* 3x3 image, padded */
    }
    kn_sta_pool__naive(NULL, &g, x, s);
    NEAR(s[3], x[10] / 4); /* bottom-right cell: one real pixel, three padded zeros in the mean */
    kn_sta_associate__naive(NULL, &g, x, s, 1.0f, a);
    for (int p = 0; p < 16; p++) {
        double sum = 0;
        for (int k = 0; k < 9; k++) sum += a[k * 16 + p];
        NEAR(sum, 1.0);
        if (p / 4 == 3 || p % 4 == 3)
            for (int k = 0; k < 9; k++) NEAR(a[k * 16 + p], 1.0 / 9);
    }
}

/* Aggregation is the transpose of upsampling: sum_p y_p x_p = sum_t S_t (sum A x)_t. */
static void test_aggregate_is_transpose_of_upsample(void **state) {
    kn_sta_shape g = {.batch = 1, .c = 1, .h = 6, .w = 9, .sh = 2, .sw = 3};
    int n = 54, m = 9;
    float x[54], a[9 * 54], s[9], z[9], ones[9], y[54], zagg[9];
    for (int i = 0; i < n; i++) x[i] = sinf(i * 0.7f);
    kn_sta_pool__naive(NULL, &g, x, s);
    kn_sta_associate__naive(NULL, &g, x, s, 1.0f, a);
    kn_sta_aggregate__naive(NULL, &g, x, a, s, z);
    for (int t = 0; t < m; t++) ones[t] = 1.0f;
    kn_sta_upsample__naive(NULL, &g, a, ones, y); /* y_p = sum of p's in-grid associations */
    double total_y = 0, total_z = 0;
    for (int p = 0; p < n; p++) total_y += y[p];
    for (int t = 0; t < m; t++) total_z += z[t];
    NEAR(total_y, total_z);
    /* and (sum A x)_t = s_t * z_t */
    for (int t = 0; t < m; t++) zagg[t] = s[t] * (z[t] + 1e-12f);
    double lhs = 0, rhs = 0;
    float unit[9];
    for (int t = 0; t < m; t++) {
        for (int u = 0; u < m; u++) unit[u] = u == t;
        kn_sta_upsample__naive(NULL, &g, a, unit, y);
        lhs = 0;
        for (int p = 0; p < n; p++) lhs += y[p] * x[p];
        rhs = zagg[t];
        assert_true(fabs(lhs - rhs) < 1e-5);
    }
}

/* Head-major qkv: channel h*3*hd + part*hd + d. Head 0 has q = 0 (uniform attention, the
 * mean of its v); head 1 has k = 0 (also uniform). In the (3, heads, hd) layout the
 * same numbers would mean something else and give different outputs. */
static void test_attention_head_major_layout(void **state) {
    int m = 2, heads = 2, hd = 1;
    float qkv[6 * 2] = {
        0, 0,   /* head 0 q */
        5, -3,  /* head 0 k */
        1, 3,   /* head 0 v */
        2, 7,   /* head 1 q */
        0, 0,   /* head 1 k */
        10, 20, /* head 1 v */
    };
    float out[2 * 2], scratch[16], probs[2 * 2 * 2];
    kn_attention__naive(NULL, &(kn_attention_args){.batch = 1, .heads = heads, .hd = hd, .m = m, .qkv = qkv,
                                             .scale = 1.0f, .out = out, .probs = probs, .scratch = scratch});
    NEAR(out[0], 2.0f);
    NEAR(out[1], 2.0f);
    NEAR(out[2], 15.0f);
    NEAR(out[3], 15.0f);
    for (int i = 0; i < 8; i++) NEAR(probs[i], 0.5f);
}

/* A logit bias (RPE) shifts the softmax; scale multiplies q.k before it. */
static void test_attention_bias_and_scale(void **state) {
    float qkv[3 * 2] = {1, 1, 1, 2, 0, 1}; /* q = [1,1], k = [1,2], v = [0,1] */
    float bias[4] = {0, -1, 0, 0}, out[2], scratch[8];
    kn_attention__naive(NULL, &(kn_attention_args){.batch = 1, .heads = 1, .hd = 1, .m = 2, .qkv = qkv, .bias = bias,
                                             .scale = 0.5f, .out = out, .scratch = scratch});
    /* query 0: logits 0.5, 1.0 - 1 = 0.0 ; query 1: logits 0.5, 1.0 */
    NEAR(out[0], exp(0.0) / (exp(0.5) + exp(0.0)));
    NEAR(out[1], exp(1.0) / (exp(0.5) + exp(1.0)));
}

static void test_layernorm_and_batchnorm(void **state) {
    /* 2 channels x 1 pixel: mean 2, var 1 */
    float x[2] = {1, 3}, g[2] = {1, 2}, b[2] = {0, 1}, y[2];
    kn_layernorm__naive(NULL, 1, 2, 1, x, g, b, 0.0f, y);
    NEAR(y[0], -1.0f);
    NEAR(y[1], 3.0f);
    float mean[2] = {1, 1}, var[2] = {4, 1};
    kn_batchnorm__naive(NULL, 1, 2, 1, x, mean, var, g, b, 0.0f, KN_ACT_NONE, y);
    NEAR(y[0], 0.0f);
    NEAR(y[1], 5.0f);
    NEAR(kn_gelu_ref(1.0f), 0.8413447460685429);
    NEAR(kn_swish_ref(1.0f), 0.7310585786300049);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_neighbourhood_at_borders),
        cmocka_unit_test(test_association_single_cell),
        cmocka_unit_test(test_padded_pixels_are_uniform),
        cmocka_unit_test(test_aggregate_is_transpose_of_upsample),
        cmocka_unit_test(test_attention_head_major_layout),
        cmocka_unit_test(test_attention_bias_and_scale),
        cmocka_unit_test(test_layernorm_and_batchnorm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
