/* json.h — a small JSON reader (DOM) for safetensors headers and configs. */
#ifndef ST_JSON_H
#define ST_JSON_H
#include <stddef.h>
#include <stdint.h>

typedef enum { JS_NULL, JS_BOOL, JS_NUMBER, JS_STRING, JS_ARRAY, JS_OBJECT } js_type;

typedef struct js_value {
    js_type type;
    double number;                /* JS_NUMBER, JS_BOOL (0/1) */
    char *string;                 /* JS_STRING (unescaped, NUL-terminated) */
    int count;                    /* JS_ARRAY / JS_OBJECT */
    char **keys;                  /* JS_OBJECT: count keys */
    struct js_value *items;       /* JS_ARRAY / JS_OBJECT: count values */
} js_value;

/* Limits that keep hostile input from exhausting the stack or memory. */
#define JS_MAX_DEPTH 64           /* nesting of arrays/objects */
#define JS_MAX_VALUES (1 << 22)   /* values in one document */

/* Parses text[0..len). 0 on success; otherwise ST_ERR_FORMAT with a message that gives
 * the byte offset (the caller prefixes the file name). Depth and sizes are bounded.
 * Strict RFC 8259, except: "\u0000" in a string is refused (strings are C strings),
 * numbers that overflow a double are refused, and so is a key given twice in one
 * object (RFC 8259 leaves it open; Python's json keeps the last, js_get would find the
 * first, so such a file is refused rather than read differently from its writer). On failure *out is JS_NULL. */
int js_parse(const char *text, size_t len, js_value *out);
void js_free(js_value *v);
const js_value *js_get(const js_value *obj, const char *key); /* NULL if absent */
/* 1 if v is a number with an integral value in [-2^53, 2^53] (stored in *out), else 0. */
int js_to_int64(const js_value *v, int64_t *out);

/* A growable text buffer for writing JSON; after an allocation failure `failed` is set
 * and further appends do nothing. text is NUL-terminated when not failed. */
typedef struct { char *text; size_t len, cap; int failed; } js_text;
void js_text_append(js_text *b, const char *s, size_t n);
void js_text_printf(js_text *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void js_text_string(js_text *b, const char *s);    /* a quoted, escaped JSON string */
void js_text_value(js_text *b, const js_value *v); /* compact JSON of v */
void js_text_free(js_text *b);
/* v as compact JSON text (malloc'd, caller frees), or NULL when out of memory. */
char *js_dump(const js_value *v);
#endif
