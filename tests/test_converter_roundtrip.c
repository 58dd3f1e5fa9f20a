/* test_converter_roundtrip.c — the converter's writers (harness/pth2safetensors.py:
 * config inference, config JSON, safetensors header and data) against the C loader:
 * tests/converter_roundtrip.py writes random state dicts through the converter, with
 * what each file must hold (config, names, dtypes, shapes, float32 values computed
 * without the converter's code); every file must open, its config must parse to exactly
 * that config, and every tensor must be found by name and read back to those values.
 * A property test in the spirit of tests/fuzz/: random inputs, exact invariants. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "tests/common/testutil.h"
#include "variants/config.h"
#include "variants/formats/json.h"
#include "variants/formats/safetensors.h"
#include "variants/st_error.h"

#define CASES 40
#define SEED 20261202

static int group_setup(void **state) { return tu_tmpdir_create("convrt"); }
static int group_teardown(void **state) { return tu_tmpdir_remove(); }

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("%s: cannot open (did converter_roundtrip.py run?)", path);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    char *b = malloc(*n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *n, f), *n);
    b[*n] = 0;
    fclose(f);
    return b;
}

static int num(const js_value *v, const char *key, int i) {
    const js_value *x = js_get(v, key);
    if (!x) fail_msg("expected config has no '%s'", key);
    if (x->type == JS_ARRAY) x = &x->items[i];
    return (int)x->number;
}

/* The C config must be exactly what the converter meant to write. */
static void check_config(const char *file, const st_config *c, const js_value *want) {
    for (int i = 0; i < 4; i++) {
        if (c->embed_dim[i] != num(want, "embed_dim", i) || c->depths[i] != num(want, "depths", i) ||
            c->heads[i] != num(want, "num_heads", i) || c->n_iter[i] != num(want, "n_iter", i) ||
            c->stoken[i][0] != num(want, "stoken_size", i) || c->stoken[i][1] != num(want, "stoken_size", i) ||
            c->layerscale[i] != num(want, "layerscale", i))
            fail_msg("%s: stage %d of the config differs from the converter's", file, i);
    }
    if (c->projection != num(want, "projection", 0) || c->mlp_ratio != num(want, "mlp_ratio", 0) ||
        c->qkv_bias != num(want, "qkv_bias", 0) || c->num_classes != num(want, "num_classes", 0) ||
        c->init_values != (float)js_get(want, "init_values")->number)
        fail_msg("%s: the config's sizes differ from the converter's", file);
}

static void check_case(int i) {
    char path[512], meta[512], expect[512];
    snprintf(path, sizeof path, "%s/case_%d.safetensors", tu_tmpdir(), i);
    snprintf(meta, sizeof meta, "%s/case_%d.json", tu_tmpdir(), i);
    snprintf(expect, sizeof expect, "%s/case_%d.expect", tu_tmpdir(), i);
    size_t nmeta, nexp;
    char *meta_text = slurp(meta, &nmeta), *exp_bytes = slurp(expect, &nexp);
    const float *values = (const float *)exp_bytes;
    js_value m;
    if (js_parse(meta_text, nmeta, &m)) fail_msg("%s: %s", meta, st_last_error());
    const js_value *tensors = js_get(&m, "tensors");
    sft_file f;
    if (sft_open(&f, path)) fail_msg("the C loader refuses the converter's file: %s", st_last_error());
    assert_non_null(f.config_json);
    st_config c;
    if (st_config_from_json(f.config_json, path, &c)) fail_msg("%s", st_last_error());
    check_config(path, &c, js_get(&m, "config"));
    assert_int_equal(f.count, tensors->count); /* nothing more, nothing less */
    for (int k = 0; k < tensors->count; k++) {
        const js_value *e = &tensors->items[k];
        const char *name = js_get(e, "name")->string, *dtype = js_get(e, "dtype")->string;
        const sft_tensor *t = sft_find(&f, name);
        if (!t) fail_msg("%s: tensor '%s' not found", path, name);
        assert_string_equal(t->dtype_name, dtype);
        const js_value *shape = js_get(e, "shape");
        assert_int_equal(t->ndim, shape->count);
        for (int d = 0; d < t->ndim; d++) assert_int_equal(t->shape[d], (int64_t)shape->items[d].number);
        if (strcmp(dtype, "F32") && strcmp(dtype, "F16") && strcmp(dtype, "BF16")) continue;
        float *got = malloc(sizeof(float) * (size_t)(t->numel ? t->numel : 1));
        assert_non_null(got);
        assert_int_equal(sft_read_f32(&f, t, got), 0);
        const float *want = values + (size_t)js_get(e, "offset")->number;
        assert_true((size_t)js_get(e, "offset")->number + (size_t)t->numel <= nexp / sizeof(float));
        for (int64_t j = 0; j < t->numel; j++)
            if (memcmp(&got[j], &want[j], sizeof(float)) && !(isnan(got[j]) && isnan(want[j])))
                fail_msg("%s: tensor '%s' [%lld] reads %.9g, expected %.9g", path, name, (long long)j, got[j],
                         want[j]);
        free(got);
    }
    sft_close(&f);
    js_free(&m);
    free(meta_text);
    free(exp_bytes);
}

static void test_random_converter_files_load_identically(void **state) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/converter_roundtrip.py '%s' %d %d", tu_tmpdir(), SEED, CASES);
    int rc = system(cmd);
    if (rc) fail_msg("%s failed (%d): it needs python3-numpy (make deps)", cmd, rc);
    for (int i = 0; i < CASES; i++) check_case(i);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_converter_files_load_identically),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
