/* test_safetensors.c — the safetensors reader and writer: round trip, F16/BF16
 * conversion on known bit patterns, the golden files, and every kind of bad file,
 * each of which must give an error code and a message naming the file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "variants/formats/json.h"
#include "variants/formats/safetensors.h"
#include "variants/st_error.h"

#define GOLDEN_WEIGHTS "tests/data/pub_tiny96.weights.safetensors"
#define GOLDEN_IO "tests/data/pub_tiny96.io.safetensors"

static char tmp_dir[64]; /* one folder per run, removed at the end */

static const char *tmp_path(const char *name) {
    static char path[4][256]; /* a few live at once */
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", tmp_dir, name);
    return p;
}

static int make_tmp_dir(void **state) {
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/stvit-sft-XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int remove_tmp_dir(void **state) {
    DIR *d = opendir(tmp_dir);
    if (!d) return 0;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", tmp_dir, e->d_name);
        if (unlink(path) != 0) rmdir(path);
    }
    closedir(d);
    return rmdir(tmp_dir);
}

/* Number of leftover temporary files ("*.tmp.*") in the test folder. */
static int temp_files_left(void) {
    DIR *d = opendir(tmp_dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".tmp.")) n++;
    if (d) closedir(d);
    return n;
}

static void write_bytes(const char *path, const void *bytes, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *read_bytes(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n ? *n : 1);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

/* A safetensors file by hand: length (as given), header text, data. */
static void write_raw(const char *path, uint64_t header_len, const char *header, const void *data, size_t ndata) {
    size_t hn = strlen(header);
    uint8_t *b = calloc(8 + hn + ndata + 1, 1);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(header_len >> (8 * i));
    memcpy(b + 8, header, hn);
    if (ndata) memcpy(b + 8 + hn, data, ndata);
    write_bytes(path, b, 8 + hn + ndata);
    free(b);
}

static void write_sft(const char *path, const char *header, const void *data, size_t ndata) {
    write_raw(path, strlen(header), header, data, ndata);
}

/* sft_open must fail with `code`, a message naming the file and containing `fragment`,
 * and leave the sft_file empty. */
static void expect_open_fails(const char *path, int code, const char *fragment) {
    sft_file f;
    int rc = sft_open(&f, path);
    const char *msg = st_last_error();
    if (rc != code) fail_msg("%s: expected code %d, got %d (%s)", path, code, rc, msg);
    if (strncmp(msg, path, strlen(path)) != 0) fail_msg("message does not start with the path: %s", msg);
    if (!strstr(msg, fragment)) fail_msg("message \"%s\" lacks \"%s\"", msg, fragment);
    assert_null(f.map);
    assert_null(f.tensors);
    assert_int_equal(f.count, 0);
    sft_close(&f);
}

static void expect_bad_header(const char *header, size_t ndata, int code, const char *fragment) {
    static const uint8_t zeros[256];
    assert_true(ndata <= sizeof zeros);
    const char *path = tmp_path("bad.safetensors");
    write_sft(path, header, zeros, ndata);
    expect_open_fails(path, code, fragment);
}

/* ---- writing and reading back ---- */

static void test_round_trip(void **state) {
    float w[6], bias[3] = {0.25f, -1e-30f, 3e38f}, scalar = 7.5f, big[5 * 7 * 3];
    for (int i = 0; i < 6; i++) w[i] = (float)i * 0.5f - 1.0f;
    for (int i = 0; i < 5 * 7 * 3; i++) big[i] = sinf((float)i);
    const sft_entry entries[] = {
        {"b.weight", 2, {2, 3}, w},
        {"a.bias", 1, {3}, bias},
        {"scalar", 0, {0}, &scalar},
        {"empty", 2, {0, 4}, NULL},
        {"big \"quoted\"\\name", 3, {5, 7, 3}, big},
    };
    const char *config = "{\"embed_dim\": [32, 64], \"qkv_bias\": true}";
    js_text meta = {0};
    js_text_printf(&meta, "{\"config\": ");
    js_text_string(&meta, config);
    js_text_printf(&meta, ", \"note\": \"hello\"}");
    const char *path = tmp_path("round.safetensors");
    assert_int_equal(sft_write(path, entries, 5, meta.text), 0);
    js_text_free(&meta);
    assert_int_equal(temp_files_left(), 0);

    /* the data section starts 8-byte aligned */
    size_t n;
    uint8_t *raw = read_bytes(path, &n);
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; i--) header_len = header_len << 8 | raw[i];
    assert_int_equal((8 + header_len) % 8, 0);
    assert_int_equal(raw[8 + header_len - 1] == ' ' || raw[8 + header_len - 1] == '}', 1);
    free(raw);

    sft_file f;
    assert_int_equal(sft_open(&f, path), 0);
    assert_string_equal(f.path, path);
    assert_int_equal(f.count, 5);
    const char *sorted[] = {"a.bias", "b.weight", "big \"quoted\"\\name", "empty", "scalar"};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(f.tensors[i].name, sorted[i]);
        assert_ptr_equal(sft_find(&f, sorted[i]), &f.tensors[i]);
    }
    assert_null(sft_find(&f, "nope"));
    assert_null(sft_find(&f, "a"));
    assert_int_equal(f.data_size, (6 + 3 + 1 + 105) * 4);

    for (int i = 0; i < 5; i++) {
        const sft_tensor *t = sft_find(&f, entries[i].name);
        assert_non_null(t);
        assert_int_equal(t->dtype, SFT_F32);
        assert_string_equal(t->dtype_name, "F32");
        assert_int_equal(t->ndim, entries[i].ndim);
        int64_t numel = 1;
        for (int d = 0; d < t->ndim; d++) {
            assert_int_equal(t->shape[d], entries[i].shape[d]);
            numel *= t->shape[d];
        }
        assert_int_equal(t->numel, numel);
        float got[105];
        assert_int_equal(sft_read_f32(&f, t, got), 0);
        if (numel) assert_memory_equal(got, entries[i].data, (size_t)numel * 4);
    }

    assert_non_null(f.config_json);
    assert_string_equal(f.config_json, config);
    js_value m;
    assert_int_equal(js_parse(f.metadata_json, strlen(f.metadata_json), &m), 0);
    assert_string_equal(js_get(&m, "note")->string, "hello");
    assert_string_equal(js_get(&m, "config")->string, config);
    js_free(&m);
    sft_close(&f);
    sft_close(&f); /* harmless twice */

    /* writing again replaces the file; without metadata both strings are NULL */
    float one = 1;
    const sft_entry single = {"only", 1, {1}, &one};
    assert_int_equal(sft_write(path, &single, 1, NULL), 0);
    assert_int_equal(sft_open(&f, path), 0);
    assert_int_equal(f.count, 1);
    assert_null(f.config_json);
    assert_null(f.metadata_json);
    sft_close(&f);

    /* no tensors at all is a valid file */
    assert_int_equal(sft_write(path, NULL, 0, "{}"), 0);
    assert_int_equal(sft_open(&f, path), 0);
    assert_int_equal(f.count, 0);
    assert_null(f.config_json);
    assert_non_null(f.metadata_json);
    sft_close(&f);
    assert_int_equal(temp_files_left(), 0);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

/* Half and bfloat16 bit patterns with their exact float values, at unaligned offsets. */
static void test_f16_bf16_conversion(void **state) {
    static const uint16_t f16[] = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x7C00, 0xFC00, 0x7E00, 0x8000,
                                   0x3555};
    const float f16_want[] = {1.0f, -2.0f, 65504.0f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, INFINITY, -INFINITY,
                              NAN, -0.0f, 0.333251953125f};
    static const uint16_t bf16[] = {0x3F80, 0xC040, 0x7F80, 0x0001, 0x7FC0, 0x4049};
    const float bf16_want[] = {1.0f, -3.0f, INFINITY, 0x1p-133f, NAN, 3.140625f};
    const float f32[2] = {-0.5f, 1e-40f};
    uint8_t data[43];
    data[0] = 7;                 /* "pad" U8 [0, 1) */
    memcpy(data + 1, f32, 8);    /* "f" F32 [1, 9), unaligned */
    for (int i = 0; i < 11; i++) put16(data + 9 + 2 * i, f16[i]);  /* "h" [9, 31) */
    for (int i = 0; i < 6; i++) put16(data + 31 + 2 * i, bf16[i]); /* "b" [31, 43) */
    const char *header = "{\"pad\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]},"
                         " \"f\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [1, 9]},"
                         " \"h\": {\"dtype\": \"F16\", \"shape\": [11], \"data_offsets\": [9, 31]},"
                         " \"b\": {\"dtype\": \"BF16\", \"shape\": [6, 1], \"data_offsets\": [31, 43]}}";
    const char *path = tmp_path("half.safetensors");
    write_sft(path, header, data, sizeof data);
    sft_file f;
    assert_int_equal(sft_open(&f, path), 0);
    assert_null(f.config_json);
    float got[11];

    const sft_tensor *h = sft_find(&f, "h");
    assert_int_equal(h->dtype, SFT_F16);
    assert_int_equal(sft_read_f32(&f, h, got), 0);
    for (int i = 0; i < 11; i++) {
        if (isnan(f16_want[i])) assert_true(isnan(got[i]));
        else if (got[i] != f16_want[i]) fail_msg("F16 0x%04x: got %g want %g", f16[i], got[i], f16_want[i]);
    }
    assert_true(signbit(got[9])); /* -0 keeps its sign */

    const sft_tensor *b = sft_find(&f, "b");
    assert_int_equal(b->dtype, SFT_BF16);
    assert_int_equal(b->numel, 6);
    assert_int_equal(sft_read_f32(&f, b, got), 0);
    for (int i = 0; i < 6; i++) {
        if (isnan(bf16_want[i])) assert_true(isnan(got[i]));
        else if (got[i] != bf16_want[i]) fail_msg("BF16 0x%04x: got %g want %g", bf16[i], got[i], bf16_want[i]);
    }

    assert_int_equal(sft_read_f32(&f, sft_find(&f, "f"), got), 0);
    assert_memory_equal(got, f32, 8);

    const sft_tensor *pad = sft_find(&f, "pad");
    assert_int_equal(pad->dtype, SFT_OTHER);
    assert_int_equal(sft_read_f32(&f, pad, got), ST_ERR_FORMAT);
    assert_non_null(strstr(st_last_error(), path));
    assert_non_null(strstr(st_last_error(), "'pad'"));
    assert_non_null(strstr(st_last_error(), "U8"));
    sft_close(&f);
}

/* A checkpoint with integer tensors (BatchNorm's num_batches_tracked) still opens. */
static void test_other_dtypes_open(void **state) {
    uint8_t data[8 + 16 + 3 + 8] = {5};
    const char *header = "{\"bn.num_batches_tracked\": {\"dtype\": \"I64\", \"shape\": [], \"data_offsets\": [0, 8]},"
                         " \"d\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [8, 24]},"
                         " \"mask\": {\"dtype\": \"BOOL\", \"shape\": [3], \"data_offsets\": [24, 27]},"
                         " \"i\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [27, 35]}}";
    const char *path = tmp_path("other.safetensors");
    write_sft(path, header, data, sizeof data);
    sft_file f;
    assert_int_equal(sft_open(&f, path), 0);
    assert_int_equal(f.count, 4);
    const sft_tensor *t = sft_find(&f, "bn.num_batches_tracked");
    assert_non_null(t);
    assert_int_equal(t->dtype, SFT_OTHER);
    assert_string_equal(t->dtype_name, "I64");
    assert_int_equal(t->ndim, 0);
    assert_int_equal(t->numel, 1);
    float x[2];
    assert_int_equal(sft_read_f32(&f, t, x), ST_ERR_FORMAT);
    const char *msg = st_last_error();
    assert_non_null(strstr(msg, path));
    assert_non_null(strstr(msg, "bn.num_batches_tracked"));
    assert_non_null(strstr(msg, "I64"));
    assert_int_equal(sft_read_f32(&f, sft_find(&f, "d"), x), ST_ERR_FORMAT);
    assert_int_equal(sft_read_f32(&f, NULL, x), ST_ERR_ARG);
    sft_close(&f);
}

static void expect_shape(const sft_file *f, const char *name, int ndim, const int64_t *shape) {
    const sft_tensor *t = sft_find(f, name);
    if (!t) fail_msg("golden tensor %s missing", name);
    assert_int_equal(t->ndim, ndim);
    for (int d = 0; d < ndim; d++) assert_int_equal(t->shape[d], shape[d]);
}

static void expect_ints(const js_value *config, const char *key, const int *want, int n) {
    const js_value *v = js_get(config, key);
    if (!v || v->type != JS_ARRAY || v->count != n) fail_msg("config %s is not an array of %d", key, n);
    for (int i = 0; i < n; i++) {
        int64_t x;
        assert_true(js_to_int64(&v->items[i], &x));
        assert_int_equal(x, want[i]);
    }
}

static void test_golden_files(void **state) {
    sft_file f;
    if (sft_open(&f, GOLDEN_WEIGHTS)) fail_msg("%s (run from the project root)", st_last_error());
    assert_int_equal(f.count, 156);
    expect_shape(&f, "patch_embed.proj.0.weight", 4, (int64_t[]){16, 3, 3, 3});
    expect_shape(&f, "layers.2.blocks.1.gamma_1", 4, (int64_t[]){1, 128, 1, 1});
    expect_shape(&f, "layers.3.blocks.0.norm1.norm.weight", 1, (int64_t[]){256});
    expect_shape(&f, "proj.weight", 4, (int64_t[]){512, 256, 1, 1});
    expect_shape(&f, "head.weight", 2, (int64_t[]){10, 512});
    assert_null(sft_find(&f, "layers.0.blocks.0.gamma_1")); /* no layerscale in stage 1 */
    float rv[512];
    assert_int_equal(sft_read_f32(&f, sft_find(&f, "norm.running_var"), rv), 0);
    for (int i = 0; i < 512; i++) assert_true(isfinite(rv[i]) && rv[i] > 0);

    assert_non_null(f.config_json);
    js_value c;
    assert_int_equal(js_parse(f.config_json, strlen(f.config_json), &c), 0);
    expect_ints(&c, "embed_dim", (int[]){32, 64, 128, 256}, 4);
    expect_ints(&c, "depths", (int[]){1, 1, 2, 1}, 4);
    expect_ints(&c, "num_heads", (int[]){1, 2, 4, 8}, 4);
    assert_true(js_get(&c, "projection")->number == 512);
    assert_true(js_get(&c, "num_classes")->number == 10);
    js_free(&c);
    sft_close(&f);

    if (sft_open(&f, GOLDEN_IO)) fail_msg("%s", st_last_error());
    expect_shape(&f, "input", 4, (int64_t[]){2, 3, 96, 96});
    expect_shape(&f, "logits", 2, (int64_t[]){2, 10});
    expect_shape(&f, "features", 2, (int64_t[]){2, 512});
    assert_non_null(f.metadata_json);
    assert_null(f.config_json);
    sft_close(&f);
}

/* ---- bad files ---- */

static void test_missing_and_empty(void **state) {
    expect_open_fails(tmp_path("does-not-exist.safetensors"), ST_ERR_IO, "cannot open");
    expect_open_fails(tmp_dir, ST_ERR_IO, "not a regular file");
    const char *path = tmp_path("empty.safetensors");
    write_bytes(path, "", 0);
    expect_open_fails(path, ST_ERR_FORMAT, "too short for the 8-byte header length");
    write_bytes(path, "\x10\0\0\0\0\0\0", 7);
    expect_open_fails(path, ST_ERR_FORMAT, "too short");
    sft_file f;
    assert_int_equal(sft_open(&f, NULL), ST_ERR_ARG);
}

/* Every strict prefix of a valid file must fail, with the reason of its section. */
static void test_every_truncation_fails(void **state) {
    float a[5] = {1, 2, 3, 4, 5}, b[3] = {6, 7, 8};
    const sft_entry entries[] = {{"a", 1, {5}, a}, {"b", 2, {3, 1}, b}};
    const char *whole = tmp_path("whole.safetensors"), *cut = tmp_path("cut.safetensors");
    assert_int_equal(sft_write(whole, entries, 2, "{\"config\": \"{}\"}"), 0);
    size_t n;
    uint8_t *bytes = read_bytes(whole, &n);
    size_t data_start = n - sizeof a - sizeof b;
    for (size_t len = 0; len < n; len++) {
        write_bytes(cut, bytes, len);
        const char *why = len < 8 ? "too short" : len < data_start ? "larger than the rest of the file"
                                                                   : "outside the data section";
        expect_open_fails(cut, ST_ERR_FORMAT, why);
    }
    write_bytes(cut, bytes, n);
    sft_file f;
    assert_int_equal(sft_open(&f, cut), 0);
    sft_close(&f);
    free(bytes);
}

static void test_header_length_too_large(void **state) {
    const char *path = tmp_path("len.safetensors");
    const char *header = "{}";
    write_raw(path, 3, header, NULL, 0);
    expect_open_fails(path, ST_ERR_FORMAT, "header length 3 is larger than the rest of the file (2 bytes)");
    write_raw(path, (uint64_t)1 << 63, header, NULL, 0);
    expect_open_fails(path, ST_ERR_RANGE, "100 MB");
    write_raw(path, UINT64_MAX, header, NULL, 0);
    expect_open_fails(path, ST_ERR_RANGE, "100 MB");
    write_raw(path, 0, header, NULL, 0); /* an empty header is not JSON */
    expect_open_fails(path, ST_ERR_FORMAT, "header is not valid JSON");
}

static void test_offsets_outside(void **state) {
    expect_bad_header("{\"head.weight\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}", 16,
                      ST_ERR_FORMAT, "tensor 'head.weight': data_offsets [8, 24] outside the data section (16 bytes)");
    expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [20, 20]}}", 16, ST_ERR_FORMAT,
                      "outside the data section");
    expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", 16, ST_ERR_FORMAT,
                      "end before they begin");
    const char *bad_offsets[] = {"[0]", "[0, 4, 8]", "[-4, 0]", "[0, 4.5]", "[\"0\", 4]", "{}", "null",
                                 "[0, 1e30]", "[0, 18446744073709551616]"};
    char header[200];
    for (size_t i = 0; i < sizeof bad_offsets / sizeof bad_offsets[0]; i++) {
        snprintf(header, sizeof header, "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": %s}}",
                 bad_offsets[i]);
        expect_bad_header(header, 16, ST_ERR_FORMAT, "tensor 'w': \"data_offsets\" is not [begin, end]");
    }
    expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", 16, ST_ERR_FORMAT, "\"data_offsets\"");
}

static void test_overlapping_offsets(void **state) {
    expect_bad_header("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                      " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
                      16, ST_ERR_FORMAT, "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
    expect_bad_header("{\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]},"
                      " \"a\": {\"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [8, 16]}}",
                      16, ST_ERR_FORMAT, "overlap");
    /* one tensor inside a longer one */
    expect_bad_header("{\"big\": {\"dtype\": \"U8\", \"shape\": [16], \"data_offsets\": [0, 16]},"
                      " \"c\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [12, 16]},"
                      " \"small\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [3, 4]}}",
                      16, ST_ERR_FORMAT, "overlap");
}

static void test_unordered_offsets_are_fine(void **state) {
    const float data[5] = {1, 2, 3, 4, 5};
    const char *header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]},"
                         " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                         " \"c\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [16, 20]},"
                         " \"e\": {\"dtype\": \"F32\", \"shape\": [0, 3], \"data_offsets\": [16, 16]}}";
    const char *path = tmp_path("unordered.safetensors");
    write_sft(path, header, data, sizeof data);
    sft_file f;
    assert_int_equal(sft_open(&f, path), 0); /* an empty tensor where the previous one ends is fine too */
    float got[2];
    assert_int_equal(sft_read_f32(&f, sft_find(&f, "a"), got), 0);
    assert_true(got[0] == 3 && got[1] == 4);
    assert_int_equal(sft_read_f32(&f, sft_find(&f, "c"), got), 0);
    assert_true(got[0] == 5);
    assert_int_equal(sft_find(&f, "e")->numel, 0);
    sft_close(&f);
}

/* Bytes no tensor covers: Python's safetensors refuses them (each tensor, by offset,
 * must start where the previous ended; the last must end the file), so they are
 * refused here too, naming the bytes. */
static void test_gaps_and_trailing_bytes(void **state) {
    expect_bad_header("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                      " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}",
                      16, ST_ERR_FORMAT, "gap in the data section: bytes [4, 8) before tensor 'b'");
    expect_bad_header("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12,
                      ST_ERR_FORMAT, "bytes [0, 4) before tensor 'a'");
    expect_bad_header("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 9,
                      ST_ERR_FORMAT, "1 trailing bytes after the last tensor");
    expect_bad_header("{\"__metadata__\": {\"k\": \"v\"}}", 4, ST_ERR_FORMAT, "4 trailing bytes");
    /* an empty tensor inside another one is where no tensor ends: refused as the reference does */
    expect_bad_header("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                      " \"e\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [4, 4]}}",
                      8, ST_ERR_FORMAT, "overlap");
    /* the golden weights with one byte appended */
    size_t n;
    uint8_t *golden = read_bytes(GOLDEN_WEIGHTS, &n);
    uint8_t *longer = realloc(golden, n + 1);
    assert_non_null(longer);
    longer[n] = 0;
    const char *path = tmp_path("golden_plus_one.safetensors");
    write_bytes(path, longer, n + 1);
    expect_open_fails(path, ST_ERR_FORMAT, "1 trailing bytes");
    free(longer);
}

static void test_shape_bytes_mismatch(void **state) {
    expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 16, ST_ERR_SHAPE,
                      "tensor 'w': shape [3] of F32 needs 12 bytes but data_offsets [0, 8] hold 8");
    expect_bad_header("{\"w\": {\"dtype\": \"BF16\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}", 16, ST_ERR_SHAPE,
                      "needs 8 bytes");
    expect_bad_header("{\"w\": {\"dtype\": \"I64\", \"shape\": [], \"data_offsets\": [0, 4]}}", 16, ST_ERR_SHAPE,
                      "needs 8 bytes");
}

static void test_unknown_dtype(void **state) {
    expect_bad_header("{\"w\": {\"dtype\": \"Q4_K\", \"shape\": [2], \"data_offsets\": [0, 2]}}", 16, ST_ERR_FORMAT,
                      "tensor 'w': unknown dtype 'Q4_K'");
    expect_bad_header("{\"w\": {\"dtype\": \"f32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 16, ST_ERR_FORMAT,
                      "unknown dtype 'f32'");
    expect_bad_header("{\"w\": {\"dtype\": 4, \"shape\": [2], \"data_offsets\": [0, 8]}}", 16, ST_ERR_FORMAT,
                      "tensor 'w': missing or non-string \"dtype\"");
    expect_bad_header("{\"w\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", 16, ST_ERR_FORMAT, "\"dtype\"");
}

static void test_header_not_json(void **state) {
    expect_bad_header("not json at all", 0, ST_ERR_FORMAT, "header is not valid JSON: invalid JSON at byte 0");
    expect_bad_header("{\"w\": {\"dtype\": \"F32\",", 0, ST_ERR_FORMAT, "unexpected end of input");
    expect_bad_header("[1, 2]", 0, ST_ERR_FORMAT, "header is not a JSON object");
    expect_bad_header("\"text\"", 0, ST_ERR_FORMAT, "header is not a JSON object");
    expect_bad_header("{\"w\": 5}", 0, ST_ERR_FORMAT, "tensor 'w': entry is not a JSON object");
    expect_bad_header("{} trailing", 0, ST_ERR_FORMAT, "header is not valid JSON");
    const char *path = tmp_path("nul.safetensors");
    write_bytes(path, "\4\0\0\0\0\0\0\0{\0}\0", 12); /* header "{", NUL, "}", NUL */
    expect_open_fails(path, ST_ERR_FORMAT, "header is not valid JSON");
}

static void test_bad_shapes(void **state) {
    const char *bad[] = {"[-1, 4]", "[2, -3]", "[1.5]", "[\"2\"]", "[null]", "[1e300]"};
    char header[200];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(header, sizeof header, "{\"w\": {\"dtype\": \"F32\", \"shape\": %s, \"data_offsets\": [0, 0]}}",
                 bad[i]);
        expect_bad_header(header, 16, ST_ERR_FORMAT, "tensor 'w': shape entry");
    }
    expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": 4, \"data_offsets\": [0, 16]}}", 16, ST_ERR_FORMAT,
                      "non-array \"shape\"");
    expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 4]}}", 16,
                      ST_ERR_RANGE, "9 dimensions, more than 8");
    /* products that overflow 64 bits: numel itself, or numel * element size */
    expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [2147483648, 2147483648, 2147483648],"
                      " \"data_offsets\": [0, 16]}}", 16, ST_ERR_RANGE, "too many elements");
    expect_bad_header("{\"w\": {\"dtype\": \"U8\", \"shape\": [4503599627370496, 4096], \"data_offsets\": [0, 0]}}",
                      16, ST_ERR_RANGE, "too many elements");
    expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [2147483648, 2147483648], \"data_offsets\": [0, 0]}}",
                      16, ST_ERR_RANGE, "too many elements"); /* numel fits, numel * 4 does not */
    expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [18446744073709551616], \"data_offsets\": [0, 0]}}",
                      16, ST_ERR_FORMAT, "shape entry 0 is not an integer in [0, 2^53]");
    expect_bad_header("{\"w\": {\"dtype\": \"U8\", \"shape\": [9007199254740992, 9007199254740992, 9007199254740992,"
                      " 9007199254740992, 9007199254740992, 9007199254740992, 9007199254740992, 9007199254740992],"
                      " \"data_offsets\": [0, 16]}}", 16, ST_ERR_RANGE, "too many elements");
    /* a zero dimension makes the tensor empty whatever the others are */
    const char *path = tmp_path("zero.safetensors");
    write_sft(path, "{\"w\": {\"dtype\": \"F32\", \"shape\": [4503599627370496, 0, 4503599627370496],"
                    " \"data_offsets\": [0, 0]}}", NULL, 0);
    sft_file f;
    assert_int_equal(sft_open(&f, path), 0);
    assert_int_equal(f.tensors[0].numel, 0);
    sft_close(&f);
}

static void test_duplicates_and_metadata(void **state) {
    expect_bad_header("{\"w\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]},"
                      " \"w\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [1, 2]}}",
                      16, ST_ERR_FORMAT, "key \"w\" appears twice");
    expect_bad_header("{\"__metadata__\": {}, \"__metadata__\": {}}", 0, ST_ERR_FORMAT, "appears twice");
    expect_bad_header("{\"__metadata__\": [\"config\"]}", 0, ST_ERR_FORMAT, "\"__metadata__\" is not a JSON object");
    expect_bad_header("{\"__metadata__\": {\"config\": {\"embed_dim\": [1]}}}", 0, ST_ERR_FORMAT,
                      "\"__metadata__.config\" is not a string");
}

/* Random damage to a valid file: any outcome but a crash (ASan/valgrind make this strict). */
static void test_mutations_do_not_crash(void **state) {
    float a[4] = {1, 2, 3, 4};
    const sft_entry entries[] = {{"a", 2, {2, 2}, a}, {"b", 1, {2}, a}};
    const char *whole = tmp_path("m.safetensors"), *cut = tmp_path("mcut.safetensors");
    assert_int_equal(sft_write(whole, entries, 2, "{\"config\": \"{\\\"x\\\": 1}\"}"), 0);
    size_t n;
    uint8_t *bytes = read_bytes(whole, &n);
    uint8_t *buf = malloc(n);
    uint32_t s = 99;
    const char alphabet[] = "0123456789[]{}\",:- eE.FUIB";
    int opened = 0;
    for (int iter = 0; iter < 1500; iter++) {
        memcpy(buf, bytes, n);
        for (int e = 0; e < 2; e++) {
            s ^= s << 13, s ^= s >> 17, s ^= s << 5;
            size_t at = s % n;
            s ^= s << 13, s ^= s >> 17, s ^= s << 5;
            buf[at] = at < 8 ? (uint8_t)s : (uint8_t)alphabet[s % (sizeof alphabet - 1)];
        }
        write_bytes(cut, buf, n);
        sft_file f;
        if (sft_open(&f, cut) == 0) {
            opened++;
            float out[4];
            for (int i = 0; i < f.count; i++)
                if (f.tensors[i].numel <= 4) sft_read_f32(&f, &f.tensors[i], out);
            sft_close(&f);
        } else {
            assert_non_null(strstr(st_last_error(), cut));
        }
    }
    assert_true(opened > 0);
    free(buf);
    free(bytes);
}

/* ---- write errors ---- */

static void expect_write_fails(const char *path, const sft_entry *e, int count, const char *meta, int code,
                               const char *fragment) {
    int rc = sft_write(path, e, count, meta);
    if (rc != code) fail_msg("%s: expected %d, got %d (%s)", path, code, rc, st_last_error());
    if (!strstr(st_last_error(), path)) fail_msg("message lacks the path: %s", st_last_error());
    if (!strstr(st_last_error(), fragment)) fail_msg("message \"%s\" lacks \"%s\"", st_last_error(), fragment);
    assert_int_equal(temp_files_left(), 0);
}

static void test_write_errors(void **state) {
    float x[4] = {0};
    const sft_entry ok = {"x", 1, {4}, x};
    char path[300];
    snprintf(path, sizeof path, "%s/no-such-folder/out.safetensors", tmp_dir);
    expect_write_fails(path, &ok, 1, NULL, ST_ERR_IO, "no-such-folder");

    const char *file = tmp_path("plain-file");
    write_bytes(file, "x", 1);
    snprintf(path, sizeof path, "%s/out.safetensors", file);
    expect_write_fails(path, &ok, 1, NULL, ST_ERR_IO, "cannot create a file in folder");

    /* a read-only folder; root ignores permissions, so use /proc (never writable) then */
    const char *ro = tmp_path("read-only");
    assert_int_equal(mkdir(ro, 0555), 0);
    snprintf(path, sizeof path, geteuid() == 0 ? "/proc/stvit-test.safetensors" : "%s/out.safetensors", ro);
    expect_write_fails(path, &ok, 1, NULL, ST_ERR_IO, "cannot create a file in folder");
    rmdir(ro);

    /* the target is a folder: the rename fails and the temporary file must go */
    const char *dir_target = tmp_path("target-is-a-folder");
    assert_int_equal(mkdir(dir_target, 0755), 0);
    expect_write_fails(dir_target, &ok, 1, NULL, ST_ERR_IO, "cannot replace");
    rmdir(dir_target);

    /* bad arguments are refused before any file is made */
    const char *out = tmp_path("args.safetensors");
    const sft_entry dup[] = {{"x", 1, {4}, x}, {"y", 1, {1}, x}, {"x", 1, {1}, x}};
    expect_write_fails(out, dup, 3, NULL, ST_ERR_ARG, "'x' given twice");
    const sft_entry negative = {"n", 2, {2, -1}, x};
    expect_write_fails(out, &negative, 1, NULL, ST_ERR_ARG, "negative dimension");
    const sft_entry too_many = {"n", 9, {1}, x};
    expect_write_fails(out, &too_many, 1, NULL, ST_ERR_ARG, "9 dimensions");
    const sft_entry no_data = {"n", 1, {4}, NULL};
    expect_write_fails(out, &no_data, 1, NULL, ST_ERR_ARG, "no data");
    const sft_entry reserved = {"__metadata__", 1, {4}, x};
    expect_write_fails(out, &reserved, 1, NULL, ST_ERR_ARG, "no usable name");
    const sft_entry huge = {"h", 2, {INT64_MAX / 2, 4}, x};
    expect_write_fails(out, &huge, 1, NULL, ST_ERR_RANGE, "too large");
    expect_write_fails(out, &ok, 1, "{\"config\": ", ST_ERR_ARG, "metadata is not JSON");
    expect_write_fails(out, &ok, 1, "[\"a\"]", ST_ERR_ARG, "not a JSON object");
    expect_write_fails(out, &ok, 1, "{\"n\": 5}", ST_ERR_ARG, "'n' is not a string");
    assert_int_equal(access(out, F_OK), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_f16_bf16_conversion),
        cmocka_unit_test(test_other_dtypes_open),
        cmocka_unit_test(test_golden_files),
        cmocka_unit_test(test_missing_and_empty),
        cmocka_unit_test(test_every_truncation_fails),
        cmocka_unit_test(test_header_length_too_large),
        cmocka_unit_test(test_offsets_outside),
        cmocka_unit_test(test_overlapping_offsets),
        cmocka_unit_test(test_gaps_and_trailing_bytes),
        cmocka_unit_test(test_unordered_offsets_are_fine),
        cmocka_unit_test(test_shape_bytes_mismatch),
        cmocka_unit_test(test_unknown_dtype),
        cmocka_unit_test(test_header_not_json),
        cmocka_unit_test(test_bad_shapes),
        cmocka_unit_test(test_duplicates_and_metadata),
        cmocka_unit_test(test_mutations_do_not_crash),
        cmocka_unit_test(test_write_errors),
    };
    return cmocka_run_group_tests(tests, make_tmp_dir, remove_tmp_dir);
}
