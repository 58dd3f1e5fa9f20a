/* test_baselines.c — DeiT-S and Swin-T as networks of the engine, against timm.
 *
 * tests/data/baselines/ is written by tests/gen_baselines.py from timm and fvcore:
 * counts.json holds fvcore's count of timm's deit_small_patch16_224 and
 * swin_tiny_patch4_window7_224 at 224 (attention matmuls counted) and their parameter
 * counts, which ours must equal to the unit; the *.weights.safetensors files are
 * reduced models with timm's own tensor names (so loading them is loading a timm
 * checkpoint), and each *.io.safetensors case holds an input and timm's logits for it,
 * which every backend must reproduce within relative L2 1e-4 (batch 1 and 3; the Swin
 * batch-3 case pads windows and merges odd grids). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "harness/bench/bench.h"
#include "tests/common/testutil.h"
#include "variants/catalog.h"
#include "variants/count.h"
#include "variants/formats/json.h"
#include "variants/model.h"
#include "variants/st_error.h"

#define TOL 1e-4
#define DIR_DATA "tests/data/baselines"

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

static int64_t json_i64(const js_value *obj, const char *key) {
    const js_value *v = js_get(obj, key);
    int64_t x = -1;
    assert_non_null(v);
    assert_int_equal(js_to_int64(v, &x), 1);
    return x;
}

static void test_counts_equal_fvcore(void **state) {
    char *text = read_text(DIR_DATA "/counts.json");
    assert_non_null(text);
    js_value root;
    assert_int_equal(js_parse(text, strlen(text), &root), 0);
    const char *nets[] = {"deit-s", "swin-t"};
    for (int i = 0; i < 2; i++) {
        const js_value *ref = js_get(&root, nets[i]);
        assert_non_null(ref);
        st_config c;
        assert_int_equal(st_config_named(nets[i], &c), ST_OK);
        st_counts k;
        assert_int_equal(st_count(&c, 224, 224, &k), ST_OK);
        print_message("  %s: params %lld (fvcore %lld), FLOPs %lld (fvcore %lld)\n", nets[i], (long long)k.params,
                      (long long)json_i64(ref, "params"), (long long)k.flops, (long long)json_i64(ref, "flops"));
        assert_int_equal(k.params, json_i64(ref, "params"));
        assert_int_equal(k.flops, json_i64(ref, "flops"));
        /* and by fvcore's operator: LayerNorm apart from the matmuls */
        const js_value *ops = js_get(ref, "by_operator");
        assert_non_null(ops);
        int64_t norm = 0;
        for (int r = 0; r < k.nrows; r++)
            if (!strcmp(k.rows[r].op, "norm")) norm += k.rows[r].flops;
        assert_int_equal(norm, json_i64(ops, "layer_norm"));
    }
    js_free(&root);
    free(text);
}

static void run_case(const char *weights, const char *io, const kn_backend *be) {
    size_t n_in, n_logits;
    float *in = tu_load_tensor(io, "input", &n_in), *ref = tu_load_tensor(io, "logits", &n_logits);
    assert_non_null(in);
    assert_non_null(ref);
    st_model *m;
    if (st_model_create(&m, NULL, weights, 0, be) != ST_OK) fail_msg("%s: %s", weights, st_last_error());
    int classes = st_model_config(m)->num_classes, batch = (int)(n_logits / classes);
    long long shape[8];
    assert_int_equal(tu_tensor_shape(io, "input", shape), 4);
    int h = (int)shape[2], w = (int)shape[3];
    float *logits = malloc(sizeof(float) * n_logits);
    if (st_model_plan(m, batch, h, w, 0) != ST_OK) fail_msg("%s: %s", io, st_last_error());
    st_model_set_poison(m, 1); /* a buffer read before written, or shared while alive, shows */
    assert_int_equal(st_model_forward(m, in, logits), ST_OK);
    double e = tu_rel_l2(logits, ref, n_logits);
    /* 1e-4 for float32 backends; one that declares a coarser precision gets its own bound */
    double tol = strcmp(kn_backend_precision(be), "f32") ? hx_match_tolerance(be, st_model_config(m)) : TOL;
    print_message("  %-28s %-12s %dx%d batch %d: rel L2 %.2e\n", io + sizeof DIR_DATA, be->name, h, w, batch, e);
    assert_true(e <= tol);
    st_model_free(m);
    free(in), free(ref), free(logits);
}

static void test_logits_match_timm(void **state) {
    DIR *d = opendir(DIR_DATA);
    assert_non_null(d);
    struct dirent *e;
    int cases = 0;
    while ((e = readdir(d))) {
        const char *k = ".io.safetensors", *cut = strstr(e->d_name, "_b");
        size_t n = strlen(e->d_name);
        if (n < strlen(k) || strcmp(e->d_name + n - strlen(k), k) || !cut) continue;
        char w[300], io[300];
        snprintf(w, sizeof w, DIR_DATA "/%.*s.weights.safetensors", (int)(cut - e->d_name), e->d_name);
        snprintf(io, sizeof io, DIR_DATA "/%s", e->d_name);
        for (int b = 0; b < kn_backend_count(); b++) { /* every backend, its ISA variants too */
            char why[160];
            if (kn_backend_runs(kn_backend_at(b), why, sizeof why)) run_case(w, io, kn_backend_at(b));
        }
        cases++;
    }
    closedir(d);
    assert_true(cases >= 4); /* DeiT and Swin, batch 1 and 3 */
}

/* Sizes timm's models refuse are refused with the reason, not run wrongly. */
static void test_refused_sizes(void **state) {
    st_config c;
    st_counts k;
    assert_int_equal(st_config_named("deit-s", &c), ST_OK);
    assert_int_equal(st_count(&c, 256, 256, &k), ST_ERR_RANGE);
    assert_non_null(strstr(st_last_error(), "position table"));
    assert_int_equal(st_count(&c, 230, 224, &k), ST_ERR_RANGE);
    assert_int_equal(st_config_named("swin-t", &c), ST_OK);
    assert_int_equal(st_count(&c, 160, 160, &k), ST_ERR_RANGE); /* stage 3 smaller than a window */
    assert_non_null(strstr(st_last_error(), "window"));
    assert_int_equal(st_count(&c, 226, 226, &k), ST_ERR_RANGE); /* not a multiple of the patch */
    assert_int_equal(st_count(&c, 256, 320, &k), ST_OK);       /* padded windows, as timm pads */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_equal_fvcore),
        cmocka_unit_test(test_logits_match_timm),
        cmocka_unit_test(test_refused_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
