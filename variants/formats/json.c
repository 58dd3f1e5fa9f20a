/* json.c — recursive-descent JSON parser (DOM) and a compact writer.
 * Built to take hostile input: every read is bounds-checked against len, nesting is
 * limited to JS_MAX_DEPTH and the number of values to JS_MAX_VALUES. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "variants/formats/json.h"
#include "variants/st_error.h"

typedef struct {
    const char *s;
    size_t len, pos;
    int depth;
    long values;
} js_parser;

static int parse_value(js_parser *p, js_value *out);

static int fail_at(size_t at, const char *what) {
    return st_fail(ST_ERR_FORMAT, "invalid JSON at byte %zu: %s", at, what);
}

/* Says what is at the current position when it is not what the grammar wants. */
static int fail_unexpected(const js_parser *p, const char *expected) {
    if (p->pos >= p->len)
        return st_fail(ST_ERR_FORMAT, "invalid JSON at byte %zu: unexpected end of input, expected %s",
                       p->pos, expected);
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c >= 0x20 && c < 0x7f)
        return st_fail(ST_ERR_FORMAT, "invalid JSON at byte %zu: unexpected '%c', expected %s",
                       p->pos, c, expected);
    return st_fail(ST_ERR_FORMAT, "invalid JSON at byte %zu: unexpected byte 0x%02x, expected %s",
                   p->pos, c, expected);
}

static void skip_ws(js_parser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static int peek(const js_parser *p) {
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int hex4(const js_parser *p, size_t at, unsigned *out) {
    if (at + 4 > p->len) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[at + i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *dst, unsigned cp) {
    if (cp < 0x80) { dst[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the string starting at the opening quote at p->pos into *out (malloc'd).
 * Escapes never grow the text (\uXXXX: 6 bytes -> at most 3), so the raw span bounds it. */
static int parse_string(js_parser *p, char **out) {
    size_t start = p->pos + 1, end = start;
    while (end < p->len && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len) return fail_at(p->pos, "unterminated string");

    char *dst = malloc(end - start + 1);
    if (!dst) return st_fail(ST_ERR_NOMEM, "out of memory for a %zu-byte JSON string", end - start);
    size_t n = 0, i = start;
    while (i < end) {
        unsigned char c = (unsigned char)p->s[i];
        if (c < 0x20) { free(dst); return fail_at(i, "control character in string (must be escaped)"); }
        if (c != '\\') { dst[n++] = (char)c; i++; continue; }
        char e = p->s[i + 1]; /* i + 1 < end: the scan above skipped escape pairs */
        switch (e) {
        case '"': dst[n++] = '"'; break;
        case '\\': dst[n++] = '\\'; break;
        case '/': dst[n++] = '/'; break;
        case 'b': dst[n++] = '\b'; break;
        case 'f': dst[n++] = '\f'; break;
        case 'n': dst[n++] = '\n'; break;
        case 'r': dst[n++] = '\r'; break;
        case 't': dst[n++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (i + 6 > end || hex4(p, i + 2, &cp)) { free(dst); return fail_at(i, "bad \\u escape (needs 4 hex digits)"); }
            if (cp >= 0xDC00 && cp <= 0xDFFF) { free(dst); return fail_at(i, "unpaired low surrogate in \\u escape"); }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (i + 12 > end || p->s[i + 6] != '\\' || p->s[i + 7] != 'u' || hex4(p, i + 8, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    free(dst);
                    return fail_at(i, "high surrogate in \\u escape not followed by a low surrogate");
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            if (cp == 0) { free(dst); return fail_at(i, "\\u0000 in a string is not supported"); }
            n += put_utf8(dst + n, cp);
            i += 6;
            continue;
        }
        default: free(dst); return fail_at(i, "invalid escape in string");
        }
        i += 2;
    }
    dst[n] = 0;
    *out = dst;
    p->pos = end + 1;
    return 0;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* Checks the RFC 8259 number grammar, then converts a bounded copy with strtod
 * (the text is not NUL-terminated, and strtod would accept more than JSON does). */
static int parse_number(js_parser *p, js_value *out) {
    size_t start = p->pos, i = p->pos;
    if (i < p->len && p->s[i] == '-') i++;
    if (i >= p->len || !is_digit((unsigned char)p->s[i])) return fail_at(start, "bad number (no digits)");
    if (p->s[i] == '0') i++;
    else while (i < p->len && is_digit((unsigned char)p->s[i])) i++;
    if (i < p->len && p->s[i] == '.') {
        i++;
        if (i >= p->len || !is_digit((unsigned char)p->s[i])) return fail_at(start, "bad number (no digits after '.')");
        while (i < p->len && is_digit((unsigned char)p->s[i])) i++;
    }
    if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
        i++;
        if (i < p->len && (p->s[i] == '+' || p->s[i] == '-')) i++;
        if (i >= p->len || !is_digit((unsigned char)p->s[i])) return fail_at(start, "bad number (no digits in exponent)");
        while (i < p->len && is_digit((unsigned char)p->s[i])) i++;
    }
    char buf[128];
    if (i - start >= sizeof buf) return fail_at(start, "number longer than 127 characters");
    memcpy(buf, p->s + start, i - start);
    buf[i - start] = 0;
    double v = strtod(buf, NULL);
    if (isinf(v)) return fail_at(start, "number out of the range of a double");
    out->type = JS_NUMBER;
    out->number = v;
    p->pos = i;
    return 0;
}

static int parse_literal(js_parser *p, js_value *out) {
    static const struct { const char *word; js_type type; double number; } lits[] = {
        {"true", JS_BOOL, 1}, {"false", JS_BOOL, 0}, {"null", JS_NULL, 0}};
    for (size_t k = 0; k < sizeof lits / sizeof lits[0]; k++) {
        size_t n = strlen(lits[k].word);
        if (p->len - p->pos >= n && memcmp(p->s + p->pos, lits[k].word, n) == 0) {
            out->type = lits[k].type;
            out->number = lits[k].number;
            p->pos += n;
            return 0;
        }
    }
    return fail_unexpected(p, "a JSON value");
}

/* Appends one (key, value) pair to a container under construction; grows by doubling. */
static int push_item(js_value *c, int *cap, char *key, const js_value *item) {
    if (c->count == *cap) {
        int ncap = *cap ? *cap * 2 : 4;
        js_value *items = realloc(c->items, (size_t)ncap * sizeof *items);
        if (!items) return st_fail(ST_ERR_NOMEM, "out of memory for a JSON container of %d values", ncap);
        c->items = items;
        if (c->type == JS_OBJECT) {
            char **keys = realloc(c->keys, (size_t)ncap * sizeof *keys);
            if (!keys) return st_fail(ST_ERR_NOMEM, "out of memory for a JSON object of %d keys", ncap);
            c->keys = keys;
        }
        *cap = ncap;
    }
    if (c->type == JS_OBJECT) c->keys[c->count] = key;
    c->items[c->count++] = *item;
    return 0;
}

static int by_key(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A key given twice is refused: Python's json keeps the last, this reader would find
 * the first, so the file would mean different things to the writer and to us. */
static int check_unique_keys(const js_value *obj, size_t at) {
    if (obj->count < 2) return 0;
    char **sorted = malloc((size_t)obj->count * sizeof *sorted);
    if (!sorted) return st_fail(ST_ERR_NOMEM, "out of memory for a JSON object of %d keys", obj->count);
    memcpy(sorted, obj->keys, (size_t)obj->count * sizeof *sorted);
    qsort(sorted, (size_t)obj->count, sizeof *sorted, by_key);
    int rc = 0;
    for (int i = 1; i < obj->count && !rc; i++)
        if (!strcmp(sorted[i - 1], sorted[i]))
            rc = st_fail(ST_ERR_FORMAT, "invalid JSON at byte %zu: key \"%.64s\" appears twice in one object", at,
                         sorted[i]);
    free(sorted);
    return rc;
}

/* Arrays and objects: one loop, objects additionally read `"key" :` before each value. */
static int parse_container(js_parser *p, js_value *out, js_type type) {
    char close = type == JS_OBJECT ? '}' : ']';
    if (++p->depth > JS_MAX_DEPTH) return fail_at(p->pos, "nesting deeper than JS_MAX_DEPTH (64)");
    out->type = type;
    p->pos++; /* '[' or '{' */
    skip_ws(p);
    int cap = 0, rc = 0;
    if (peek(p) == close) { p->pos++; p->depth--; return 0; }
    size_t start = p->pos;
    for (;;) {
        char *key = NULL;
        js_value item = {0};
        if (type == JS_OBJECT) {
            if (peek(p) != '"') { rc = fail_unexpected(p, "a string key"); goto fail; }
            if ((rc = parse_string(p, &key))) goto fail;
            skip_ws(p);
            if (peek(p) != ':') { free(key); rc = fail_unexpected(p, "':'"); goto fail; }
            p->pos++;
            skip_ws(p);
        }
        if ((rc = parse_value(p, &item)) || (rc = push_item(out, &cap, key, &item))) {
            free(key);
            js_free(&item);
            goto fail;
        }
        skip_ws(p);
        int c = peek(p);
        if (c == close) { p->pos++; break; }
        if (c != ',') { rc = fail_unexpected(p, type == JS_OBJECT ? "',' or '}'" : "',' or ']'"); goto fail; }
        p->pos++;
        skip_ws(p);
    }
    if (type == JS_OBJECT && (rc = check_unique_keys(out, start))) goto fail;
    p->depth--;
    return 0;
fail:
    js_free(out);
    return rc;
}

static int parse_value(js_parser *p, js_value *out) {
    memset(out, 0, sizeof *out);
    if (++p->values > JS_MAX_VALUES) return fail_at(p->pos, "more than JS_MAX_VALUES values");
    int c = peek(p);
    if (c == '{') return parse_container(p, out, JS_OBJECT);
    if (c == '[') return parse_container(p, out, JS_ARRAY);
    if (c == '"') {
        out->type = JS_STRING;
        int rc = parse_string(p, &out->string);
        if (rc) out->type = JS_NULL;
        return rc;
    }
    if (c == '-' || is_digit(c)) return parse_number(p, out);
    return parse_literal(p, out);
}

int js_parse(const char *text, size_t len, js_value *out) {
    memset(out, 0, sizeof *out);
    if (!text) return st_fail(ST_ERR_ARG, "invalid JSON: no text");
    js_parser p = {.s = text, .len = len};
    skip_ws(&p);
    int rc = parse_value(&p, out);
    if (rc) return rc;
    skip_ws(&p);
    if (p.pos != p.len) {
        js_free(out);
        return fail_unexpected(&p, "end of input after the value");
    }
    return 0;
}

void js_free(js_value *v) {
    if (!v) return;
    for (int i = 0; i < v->count; i++) {
        if (v->keys) free(v->keys[i]);
        if (v->items) js_free(&v->items[i]);
    }
    free(v->keys);
    free(v->items);
    free(v->string);
    memset(v, 0, sizeof *v);
}

const js_value *js_get(const js_value *obj, const char *key) {
    if (!obj || obj->type != JS_OBJECT || !key) return NULL;
    for (int i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
    return NULL;
}

int js_to_int64(const js_value *v, int64_t *out) {
    if (!v || v->type != JS_NUMBER || !isfinite(v->number)) return 0;
    double d = v->number;
    if (d != floor(d) || fabs(d) > 9007199254740992.0) return 0;
    *out = (int64_t)d;
    return 1;
}

/* ---- writer ---- */

void js_text_append(js_text *b, const char *s, size_t n) {
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            if (cap > (size_t)-1 / 2) { b->failed = 1; return; }
            cap *= 2;
        }
        char *t = realloc(b->text, cap);
        if (!t) { b->failed = 1; return; }
        b->text = t;
        b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = 0;
}

void js_text_printf(js_text *b, const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) { b->failed = 1; return; }
    if ((size_t)n < sizeof buf) { js_text_append(b, buf, (size_t)n); return; }
    char *big = malloc((size_t)n + 1);
    if (!big) { b->failed = 1; return; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    js_text_append(b, big, (size_t)n);
    free(big);
}

void js_text_string(js_text *b, const char *s) {
    js_text_append(b, "\"", 1);
    size_t run = 0; /* bytes copied as they are, flushed at each escape */
    for (const char *c = s; *c; c++) {
        unsigned char u = (unsigned char)*c;
        const char *esc = NULL;
        char hex[8];
        switch (u) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (u < 0x20) { snprintf(hex, sizeof hex, "\\u%04x", u); esc = hex; }
        }
        if (!esc) { run++; continue; }
        js_text_append(b, c - run, run);
        run = 0;
        js_text_append(b, esc, strlen(esc));
    }
    js_text_append(b, s + strlen(s) - run, run);
    js_text_append(b, "\"", 1);
}

/* The shortest of %.15g/%.16g/%.17g that reads back as the same double. */
static void write_number(js_text *b, double d) {
    if (!isfinite(d)) { js_text_append(b, "null", 4); return; }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    js_text_append(b, buf, strlen(buf));
}

void js_text_value(js_text *b, const js_value *v) {
    switch (v->type) {
    case JS_NULL: js_text_append(b, "null", 4); break;
    case JS_BOOL: v->number ? js_text_append(b, "true", 4) : js_text_append(b, "false", 5); break;
    case JS_NUMBER: write_number(b, v->number); break;
    case JS_STRING: js_text_string(b, v->string ? v->string : ""); break;
    case JS_ARRAY:
    case JS_OBJECT:
        js_text_append(b, v->type == JS_OBJECT ? "{" : "[", 1);
        for (int i = 0; i < v->count; i++) {
            if (i) js_text_append(b, ",", 1);
            if (v->type == JS_OBJECT) {
                js_text_string(b, v->keys[i]);
                js_text_append(b, ":", 1);
            }
            js_text_value(b, &v->items[i]);
        }
        js_text_append(b, v->type == JS_OBJECT ? "}" : "]", 1);
        break;
    }
}

void js_text_free(js_text *b) {
    free(b->text);
    memset(b, 0, sizeof *b);
}

char *js_dump(const js_value *v) {
    js_text b = {0};
    js_text_value(&b, v);
    if (b.failed || !b.text) { js_text_free(&b); return NULL; }
    return b.text;
}
