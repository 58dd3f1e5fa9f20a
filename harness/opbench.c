/* opbench.c — op-level micro-benchmark of the kernel backends at the STViT-S 224
 * shapes (not a test: timings only). Not part of build/stvit; build and run with
 *
 *   make BUILD=build build/libstvit.a
 *   cc -O2 -fopenmp -I. -DHX_OPBENCH_MAIN harness/opbench.c build/libstvit.a \
 *      $(pkg-config --libs openblas libpng) -ljpeg -lm -o build/opbench
 *   build/opbench [backend,...] [threads]      (default: every supported backend but naive, 2)
 *
 * Per op and shape: best wall time of repeated calls (warm caches, as inside a
 * forward pass where the activations stay in L2) and GFLOP/s counting a multiply-add
 * as 2 flops. Without HX_OPBENCH_MAIN this file compiles to nothing (it sits in
 * harness/, whose files go into the library). */
#ifdef HX_OPBENCH_MAIN
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kernels/kernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *buf(size_t n) {
    float *p = malloc(sizeof(float) * n);
    if (!p) {
        fprintf(stderr, "opbench: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) p[i] = (float)((i * 7919u) % 1000) * 0.002f - 1.0f;
    return p;
}

/* Best of repeated runs for at least 0.2 s. */
#define TIME(ms, stmt)                                                \
    do {                                                              \
        stmt;                                                         \
        double best_ = 1e30, t0_ = now();                             \
        while (now() - t0_ < 0.2) {                                   \
            double t_ = now();                                        \
            stmt;                                                     \
            t_ = now() - t_;                                          \
            if (t_ < best_) best_ = t_;                               \
        }                                                             \
        (ms) = best_ * 1e3;                                           \
    } while (0)

static void report(const char *backend, const char *op, const char *shape, double ms, double flops) {
    printf("%-6s %-14s %-28s %9.3f ms %8.1f GFLOP/s\n", backend, op, shape, ms, flops > 0 ? flops / ms * 1e-6 : 0.0);
}

static void bench_backend(const kn_backend *b) {
    kn_ops o;
    if (kn_backend_resolve(b, &o) != 0) return;
    const char *bn = b->name;
    size_t big = 4u << 20; /* enough for every operand below */
    float *x = buf(big), *y = buf(big), *w = buf(big), *v = buf(8192), *g = buf(8192);
    for (int i = 0; i < 8192; i++) g[i] = 1.0f + 0.001f * i;
    char shape[64];
    double ms;

    /* fc1 / fc2 / qkv / proj of the four stages */
    static const int pw[][3] = {{64, 256, 3136}, {256, 64, 3136}, {64, 192, 3136}, {128, 512, 784}, {512, 128, 784},
                                {320, 1280, 196}, {1280, 320, 196}, {320, 960, 196}, {512, 2048, 49}, {2048, 512, 49}};
    for (size_t i = 0; i < sizeof pw / sizeof *pw; i++) {
        int cin = pw[i][0], cout = pw[i][1], n = pw[i][2];
        kn_act act = cout > cin ? KN_ACT_GELU : KN_ACT_NONE; /* fc1 has GELU, fc2 adds in */
        kn_pointwise_args a = {.batch = 1, .cin = cin, .cout = cout, .n = n, .x = x, .w = w, .bias = v,
                               .act = act, .accumulate = cout < cin, .y = y};
        snprintf(shape, sizeof shape, "%d->%d n=%d%s", cin, cout, n, act ? " gelu" : " +=");
        TIME(ms, o.pointwise(&a));
        report(bn, "conv 1x1", shape, ms, 2.0 * cin * cout * n);
    }
    static const int cv[][5] = {{3, 224, 32, 3, 2}, {32, 112, 32, 3, 1}, {32, 112, 64, 3, 2}, {64, 56, 64, 3, 1},
                                {64, 56, 128, 3, 2}, {128, 28, 320, 3, 2}, {320, 14, 512, 3, 2}, {3, 224, 64, 4, 4}};
    for (size_t i = 0; i < sizeof cv / sizeof *cv; i++) {
        int cin = cv[i][0], hw = cv[i][1], cout = cv[i][2], k = cv[i][3], s = cv[i][4], pad = k == 3 ? 1 : 0;
        int oh = (hw + 2 * pad - k) / s + 1;
        kn_conv_args a = {.batch = 1, .cin = cin, .h = hw, .w = hw, .cout = cout, .k = k, .stride = s, .pad = pad,
                          .x = x, .wt = w, .bias = v, .act = KN_ACT_GELU, .y = y};
        snprintf(shape, sizeof shape, "%d->%d %dx%d k%d s%d", cin, cout, hw, hw, k, s);
        TIME(ms, o.conv(&a));
        report(bn, "conv kxk", shape, ms, 2.0 * cin * cout * k * k * oh * oh);
    }
    static const int dw[][2] = {{64, 56}, {256, 56}, {512, 28}, {1280, 14}, {2048, 7}};
    for (size_t i = 0; i < sizeof dw / sizeof *dw; i++) {
        int c = dw[i][0], hw = dw[i][1];
        kn_dwconv_args a = {.batch = 1, .c = c, .h = hw, .w = hw, .k = 3, .x = x, .wt = w, .bias = v, .add_input = 1, .y = y};
        snprintf(shape, sizeof shape, "%d x %dx%d", c, hw, hw);
        TIME(ms, o.dwconv(&a));
        report(bn, "depthwise 3x3", shape, ms, 2.0 * 9 * c * hw * hw);
    }
    static const int ln[][2] = {{64, 3136}, {128, 784}, {320, 196}, {512, 49}};
    for (size_t i = 0; i < sizeof ln / sizeof *ln; i++) {
        snprintf(shape, sizeof shape, "%d x %d", ln[i][0], ln[i][1]);
        TIME(ms, o.layernorm(1, ln[i][0], ln[i][1], x, g, v, 1e-6f, y));
        report(bn, "layernorm", shape, ms, 0);
    }
    static const int at[][3] = {{5, 64, 196}, {8, 64, 49}, {1, 64, 49}, {2, 64, 49}};
    for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
        int heads = at[i][0], hd = at[i][1], m = at[i][2];
        float *scr = buf(o.attention_scratch(1, heads, hd, m, kn_get_threads()));
        kn_attention_args a = {.batch = 1, .heads = heads, .hd = hd, .m = m, .qkv = x, .scale = 1.0f / sqrtf((float)hd),
                               .out = y, .scratch = scr};
        snprintf(shape, sizeof shape, "%d heads x %d, %d tokens", heads, hd, m);
        TIME(ms, o.attention(&a));
        report(bn, "attention", shape, ms, 2.0 * 2 * heads * hd * m * m);
        free(scr);
    }
    static const int st[][3] = {{64, 56, 8}, {128, 28, 4}};
    for (size_t i = 0; i < sizeof st / sizeof *st; i++) {
        kn_sta_shape sg = {.batch = 1, .c = st[i][0], .h = st[i][1], .w = st[i][1], .sh = st[i][2], .sw = st[i][2]};
        int n = st[i][1] * st[i][1];
        double f = 2.0 * 9 * st[i][0] * n;
        snprintf(shape, sizeof shape, "%d x %dx%d, stoken %d", st[i][0], st[i][1], st[i][1], st[i][2]);
        TIME(ms, o.sta_pool(&sg, x, w));
        report(bn, "STA pool", shape, ms, 0);
        TIME(ms, o.sta_associate(&sg, x, w, 0.125f, y));
        report(bn, "STA associate", shape, ms, f);
        TIME(ms, o.sta_aggregate(&sg, x, y, w, v));
        report(bn, "STA aggregate", shape, ms, f);
        TIME(ms, o.sta_upsample(&sg, y, w, x));
        report(bn, "STA upsample", shape, ms, f);
    }
    TIME(ms, o.activation(256 * 3136, KN_ACT_GELU, x, y));
    report(bn, "GELU", "256 x 3136", ms, 0);
    TIME(ms, o.linear(1, 1024, 1000, x, w, v, y));
    report(bn, "linear", "1024->1000", ms, 2.0 * 1024 * 1000);
    free(x), free(y), free(w), free(v), free(g);
}

int main(int argc, char **argv) {
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    kn_set_threads(threads);
    printf("opbench: %d thread%s; best of repeated calls, warm caches\n", threads, threads == 1 ? "" : "s");
    for (int i = 0; i < kn_backend_count(); i++) {
        const kn_backend *b = kn_backend_at(i);
        if (argc > 1) {
            char list[256];
            snprintf(list, sizeof list, ",%s,", argv[1]);
            char key[64];
            snprintf(key, sizeof key, ",%s,", b->name);
            if (!strstr(list, key)) continue;
        } else if (i == 0) {
            continue; /* naive takes minutes at these shapes */
        }
        if (!b->supported()) {
            printf("%s: not supported on this CPU\n", b->name);
            continue;
        }
        bench_backend(b);
    }
    return 0;
}
#endif
