/* fuzz_json.c — libFuzzer target: js_parse on arbitrary bytes. What it accepts must
 * survive a round trip: dump, parse again, dump again gives the same text. */
#include "tests/fuzz/fuzz_util.h"
#include "variants/formats/json.h"

/* Walks the tree through the public accessors. */
static void visit(const js_value *v) {
    int64_t n;
    if (v->type == JS_NUMBER) js_to_int64(v, &n);
    if (v->type == JS_STRING) FUZZ_CHECK(v->string);
    for (int i = 0; i < v->count; i++) {
        if (v->type == JS_OBJECT) FUZZ_CHECK(js_get(v, v->keys[i]) != NULL);
        visit(&v->items[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    js_value v;
    if (js_parse((const char *)data, size, &v) != 0) {
        FUZZ_CHECK(v.type == JS_NULL && v.count == 0);
        return 0;
    }
    visit(&v);
    char *text = js_dump(&v);
    FUZZ_CHECK(text);
    js_value again;
    FUZZ_CHECK(js_parse(text, strlen(text), &again) == 0);
    char *text2 = js_dump(&again);
    FUZZ_CHECK(text2 && strcmp(text, text2) == 0);
    free(text2);
    free(text);
    js_free(&again);
    js_free(&v);
    return 0;
}
