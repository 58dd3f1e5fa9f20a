/* test_json.c — the JSON reader: values, escapes, numbers, limits, errors with byte
 * offsets, the writer's round trip, and no crash on truncated or mutated input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "variants/formats/json.h"
#include "variants/st_error.h"

static int parse(const char *text, js_value *v) { return js_parse(text, strlen(text), v); }

/* The text must be refused with ST_ERR_FORMAT, a message naming `fragment`, and *v left JS_NULL. */
static void expect_bad(const char *text, const char *fragment) {
    js_value v;
    int rc = parse(text, &v);
    if (rc != ST_ERR_FORMAT) fail_msg("accepted or wrong code %d for: %s", rc, text);
    if (!strstr(st_last_error(), fragment))
        fail_msg("message for %s is \"%s\", expected it to contain \"%s\"", text, st_last_error(), fragment);
    assert_int_equal(v.type, JS_NULL);
    assert_null(v.items);
}

static double number_of(const char *text) {
    js_value v;
    assert_int_equal(parse(text, &v), 0);
    assert_int_equal(v.type, JS_NUMBER);
    double d = v.number;
    js_free(&v);
    return d;
}

static void test_scalars(void **state) {
    js_value v;
    assert_int_equal(parse(" null ", &v), 0);
    assert_int_equal(v.type, JS_NULL);
    assert_int_equal(parse("true", &v), 0);
    assert_int_equal(v.type, JS_BOOL);
    assert_true(v.number == 1);
    assert_int_equal(parse("\tfalse\r\n", &v), 0);
    assert_int_equal(v.type, JS_BOOL);
    assert_true(v.number == 0);
    assert_int_equal(parse("\"hi\"", &v), 0);
    assert_int_equal(v.type, JS_STRING);
    assert_string_equal(v.string, "hi");
    js_free(&v);
    assert_true(number_of("0") == 0);
    assert_true(number_of("-0") == 0);
    assert_true(number_of("3.25") == 3.25);
    assert_true(number_of("-1.5e3") == -1500);
    assert_true(number_of("1E+2") == 100);
    assert_true(number_of("2e-3") == 0.002);
    assert_true(number_of("1e-06") == 1e-6);
    assert_true(number_of("123456789012") == 123456789012.0);
    assert_true(number_of("1e-400") == 0); /* underflow is fine, overflow is not */
}

static void test_length_is_respected(void **state) {
    js_value v;
    assert_int_equal(js_parse("123", 2, &v), 0); /* not NUL-terminated at len */
    assert_true(v.number == 12);
    assert_int_equal(js_parse("[1]", 2, &v), ST_ERR_FORMAT);
    assert_int_equal(js_parse("\"ab\"", 3, &v), ST_ERR_FORMAT);
}

static void test_containers(void **state) {
    js_value v;
    assert_int_equal(parse("{\"a\": [1, 2, {\"b\": null}], \"c\": {}, \"d\": [], \"e\": \"x\"}", &v), 0);
    assert_int_equal(v.type, JS_OBJECT);
    assert_int_equal(v.count, 4);
    assert_string_equal(v.keys[0], "a");
    const js_value *a = js_get(&v, "a");
    assert_non_null(a);
    assert_int_equal(a->type, JS_ARRAY);
    assert_int_equal(a->count, 3);
    assert_true(a->items[1].number == 2);
    assert_int_equal(a->items[2].type, JS_OBJECT);
    const js_value *b = js_get(&a->items[2], "b");
    assert_non_null(b);
    assert_int_equal(b->type, JS_NULL);
    assert_int_equal(js_get(&v, "c")->type, JS_OBJECT);
    assert_int_equal(js_get(&v, "c")->count, 0);
    assert_int_equal(js_get(&v, "d")->count, 0);
    assert_string_equal(js_get(&v, "e")->string, "x");
    assert_null(js_get(&v, "missing"));
    assert_null(js_get(a, "a")); /* not an object */
    assert_null(js_get(NULL, "a"));
    js_free(&v);
    assert_int_equal(v.type, JS_NULL);
    js_free(&v); /* twice is harmless */
}

static void test_string_escapes(void **state) {
    js_value v;
    assert_int_equal(parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", &v), 0);
    assert_string_equal(v.string, "a\"b\\c/d\b\f\n\r\t");
    js_free(&v);
    /* U+00E9 (2 bytes), U+20AC (3 bytes, upper-case hex), U+1F600 (surrogate pair, 4 bytes) */
    assert_int_equal(parse("\"\\u00e9\\u20AC\\ud83d\\ude00|\\u0041\"", &v), 0);
    assert_string_equal(v.string, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80|A");
    js_free(&v);
    assert_int_equal(parse("\"\\uDBFF\\uDFFF\"", &v), 0); /* U+10FFFF, the last code point */
    assert_string_equal(v.string, "\xF4\x8F\xBF\xBF");
    js_free(&v);
    assert_int_equal(parse("\"caf\xC3\xA9\"", &v), 0); /* raw UTF-8 passes through */
    assert_string_equal(v.string, "caf\xC3\xA9");
    js_free(&v);
}

static void test_bad_strings(void **state) {
    expect_bad("\"abc", "unterminated string");
    expect_bad("\"abc\\\"", "unterminated string");
    expect_bad("\"a\\x\"", "invalid escape");
    expect_bad("\"a\\u12\"", "4 hex digits");
    expect_bad("\"a\\u12G4\"", "4 hex digits");
    expect_bad("\"\\ud83d\"", "low surrogate");
    expect_bad("\"\\ud83dx\"", "low surrogate");
    expect_bad("\"\\ud83d\\u0041\"", "low surrogate");
    expect_bad("\"\\ude00\"", "unpaired low surrogate");
    expect_bad("\"\\u0000\"", "\\u0000");
    expect_bad("\"a\nb\"", "control character");
    expect_bad("\"a\tb\"", "control character");
    expect_bad("{\"a\\q\": 1}", "invalid escape");
}

static void test_bad_numbers(void **state) {
    const char *bad[] = {"01", "1.", ".5", "-", "+1", "1e", "1e+", "1.e3", "-.5", "0x10", "NaN", "Infinity",
                         "-Infinity", "1e999", "-1e999", "[1.5e400]", "--1", "1,"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_bad(bad[i], "invalid JSON at byte");
    expect_bad("1e999", "out of the range");
    expect_bad("[01]", "byte 2");
    char long_number[200];
    memset(long_number, '1', sizeof long_number - 1);
    long_number[sizeof long_number - 1] = 0;
    expect_bad(long_number, "longer than");
}

static void test_bad_structure(void **state) {
    const char *bad[] = {"", "   ", "[", "]", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{a:1}", "{\"a\":1,}", "{,}",
                         "[1 2]", "tru", "nul", "fals", "True", "[1]x", "{}{}", "{\"a\" 1}", "{1:2}", "[\"a\":1]",
                         "/* c */1", "\xEF\xBB\xBF{}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_bad(bad[i], "invalid JSON at byte");
}

/* Python's json keeps the last of two equal keys, js_get would find the first: refused,
 * also when the two spellings differ only in escapes, and in nested objects. */
static void test_duplicate_keys(void **state) {
    expect_bad("{\"n_iter\": 1, \"n_iter\": 2}", "key \"n_iter\" appears twice");
    expect_bad("{\"a\": 1, \"b\": 2, \"a\": 3}", "appears twice");
    expect_bad("{\"a\": 1, \"\\u0061\": 2}", "key \"a\" appears twice");
    expect_bad("[{\"x\": {\"k\": 1, \"k\": 1}}]", "appears twice");
    js_value v;
    assert_int_equal(js_parse("{\"a\": {\"a\": 1}, \"b\": [{\"a\": 2}, {\"a\": 3}]}", 42, &v), 0);
    js_free(&v);
    char big[40000];
    int n = snprintf(big, sizeof big, "{");
    for (int i = 0; i < 2000; i++) n += snprintf(big + n, sizeof big - n, "\"k%d\": %d, ", i, i);
    snprintf(big + n, sizeof big - n, "\"k1234\": 0}");
    expect_bad(big, "key \"k1234\" appears twice");
}

static void test_error_offsets(void **state) {
    expect_bad("[1, x]", "byte 4");
    expect_bad("[1, x]", "unexpected 'x'");
    expect_bad("{\"a\": 1,\n \"b\" 2}", "byte 14");
    expect_bad("{\"a\": 1,\n \"b\" 2}", "expected ':'");
    expect_bad("[1, 2", "byte 5: unexpected end of input");
    expect_bad("[1]\x01", "byte 3: unexpected byte 0x01");
}

static void nested(char *buf, int depth) {
    for (int i = 0; i < depth; i++) buf[i] = '[';
    for (int i = 0; i < depth; i++) buf[depth + i] = ']';
    buf[2 * depth] = 0;
}

static void test_depth_limit(void **state) {
    char buf[2 * 1000 + 1];
    js_value v;
    nested(buf, JS_MAX_DEPTH);
    assert_int_equal(parse(buf, &v), 0);
    js_free(&v);
    nested(buf, JS_MAX_DEPTH + 1);
    expect_bad(buf, "nesting deeper");
    nested(buf, 1000);
    expect_bad(buf, "nesting deeper");
    /* objects count towards the same limit */
    char obj[8 * 70 + 1] = "";
    for (int i = 0; i < 70; i++) strcat(obj, "{\"a\":");
    expect_bad(obj, "nesting deeper");
}

static void test_to_int64(void **state) {
    js_value v;
    int64_t n = 0;
    assert_int_equal(parse("[3, -2, 3.5, 1e300, \"4\", 9007199254740992, 9007199254740994]", &v), 0);
    assert_true(js_to_int64(&v.items[0], &n));
    assert_int_equal(n, 3);
    assert_true(js_to_int64(&v.items[1], &n));
    assert_int_equal(n, -2);
    assert_false(js_to_int64(&v.items[2], &n));
    assert_false(js_to_int64(&v.items[3], &n));
    assert_false(js_to_int64(&v.items[4], &n));
    assert_true(js_to_int64(&v.items[5], &n));
    assert_int_equal(n, 9007199254740992LL);
    assert_false(js_to_int64(&v.items[6], &n)); /* past 2^53 doubles skip integers */
    assert_false(js_to_int64(NULL, &n));
    js_free(&v);
}

static void test_dump_round_trip(void **state) {
    const char *doc = "{\"name\": \"q\\\"\\\\\\n\\u0001\xC3\xA9\", \"n\": [0.1, -2, 1e-06, 1.5e+300, true, false, null],"
                      " \"o\": {\"x\": {}}, \"e\": []}";
    js_value v, w;
    assert_int_equal(parse(doc, &v), 0);
    char *text = js_dump(&v);
    assert_non_null(text);
    assert_string_equal(text, "{\"name\":\"q\\\"\\\\\\n\\u0001\xC3\xA9\",\"n\":[0.1,-2,1e-06,1.5e+300,true,false,null],"
                              "\"o\":{\"x\":{}},\"e\":[]}");
    assert_int_equal(parse(text, &w), 0);
    char *again = js_dump(&w);
    assert_string_equal(text, again);
    assert_true(js_get(&w, "n")->items[0].number == 0.1);
    free(text);
    free(again);
    js_free(&v);
    js_free(&w);
}

static void test_text_buffer(void **state) {
    js_text b = {0};
    js_text_printf(&b, "%d-%s", 7, "x");
    char big[600];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = 0;
    js_text_printf(&b, "%s", big); /* longer than the printf stack buffer */
    assert_false(b.failed);
    assert_int_equal(b.len, 3 + 599);
    assert_memory_equal(b.text, "7-xzz", 5);
    js_text_free(&b);
}

/* Every strict prefix of a document that opens with '{' is invalid JSON. */
static void test_every_prefix_fails(void **state) {
    const char *doc = "{\"t\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 24]},"
                      " \"s\": \"\\u00e9\\ud83d\\ude00\", \"x\": [true, false, null, -1.5e-3]}";
    size_t n = strlen(doc);
    js_value v;
    assert_int_equal(js_parse(doc, n, &v), 0);
    js_free(&v);
    for (size_t len = 0; len < n; len++) {
        char *copy = malloc(len ? len : 1); /* exact size, so ASan sees any overread */
        memcpy(copy, doc, len);
        int rc = js_parse(copy, len, &v);
        if (rc != ST_ERR_FORMAT) fail_msg("prefix of length %zu gave %d", len, rc);
        assert_int_equal(v.type, JS_NULL);
        free(copy);
    }
}

static uint32_t rng_state = 12345;
static uint32_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Mutated documents must either parse or fail cleanly; a crash or leak would show here
 * (run under ASan/valgrind) rather than in the fuzzer later. */
static void test_mutations_do_not_crash(void **state) {
    const char *doc = "{\"__metadata__\": {\"config\": \"{\\\"a\\\": [1, 2]}\"}, \"w\": {\"dtype\": \"F16\","
                      " \"shape\": [4, 1], \"data_offsets\": [0, 8]}, \"s\": \"\\u20ac\\ud83d\\ude00\"}";
    const char alphabet[] = "{}[]\",:\\u0123456789abcdefEe+-.tfn \x01\x80\xff";
    size_t n = strlen(doc);
    char *buf = malloc(n);
    int parsed = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, doc, n);
        int edits = 1 + (int)(rng() % 4);
        for (int e = 0; e < edits; e++) buf[rng() % n] = alphabet[rng() % (sizeof alphabet - 1)];
        size_t len = rng() % 8 ? n : rng() % n;
        js_value v;
        int rc = js_parse(buf, len, &v);
        if (rc == 0) {
            parsed++;
            char *text = js_dump(&v);
            assert_non_null(text);
            js_value w;
            assert_int_equal(parse(text, &w), 0); /* what we write, we read */
            free(text);
            js_free(&w);
            js_free(&v);
        } else {
            assert_int_equal(rc, ST_ERR_FORMAT);
            assert_non_null(strstr(st_last_error(), "invalid JSON at byte"));
        }
    }
    assert_true(parsed > 0);
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_length_is_respected),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_bad_strings),
        cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_bad_structure),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_error_offsets),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_to_int64),
        cmocka_unit_test(test_dump_round_trip),
        cmocka_unit_test(test_text_buffer),
        cmocka_unit_test(test_every_prefix_fails),
        cmocka_unit_test(test_mutations_do_not_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
