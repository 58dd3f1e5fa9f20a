/* cli.c — whole-string, range-checked parsing of command-line values (see cli.h).
 * Strict on purpose: "12x", " 5", "1,,2" and "" are errors, never partial values. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "harness/cli/cli.h"
#include "variants/st_closest.h"
#include "variants/st_error.h"


/* Longest single item of a list we copy out to parse (a number or a size). */
#define ITEM_MAX 64

static int missing(const char *opt, const char *s) {
    return !s || !*s ? st_fail(ST_ERR_ARG, "%s: missing value", opt) : 0;
}

int hx_parse_int(const char *opt, const char *s, long min, long max, long *out) {
    if (missing(opt, s)) return ST_ERR_ARG;
    /* strtol would skip leading blanks and accept a trailing tail: forbid both. */
    if (!(s[0] == '-' || s[0] == '+' || (s[0] >= '0' && s[0] <= '9')))
        return st_fail(ST_ERR_ARG, "%s: '%s' is not an integer", opt, s);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end) return st_fail(ST_ERR_ARG, "%s: '%s' is not an integer", opt, s);
    if (errno == ERANGE || v < min || v > max)
        return st_fail(ST_ERR_ARG, "%s: %s is out of range [%ld, %ld]", opt, s, min, max);
    *out = v;
    return ST_OK;
}

int hx_parse_double(const char *opt, const char *s, double min, double max, double *out) {
    if (missing(opt, s)) return ST_ERR_ARG;
    if (!(s[0] == '-' || s[0] == '+' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
        return st_fail(ST_ERR_ARG, "%s: '%s' is not a number", opt, s);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return st_fail(ST_ERR_ARG, "%s: '%s' is not a number", opt, s);
    if (errno == ERANGE || v < min || v > max)
        return st_fail(ST_ERR_ARG, "%s: %s is out of range [%g, %g]", opt, s, min, max);
    *out = v;
    return ST_OK;
}

int hx_parse_size(const char *opt, const char *s, int min, int max, hx_size *out) {
    if (missing(opt, s)) return ST_ERR_ARG;
    char buf[ITEM_MAX];
    size_t len = strlen(s);
    if (len >= sizeof buf) return st_fail(ST_ERR_ARG, "%s: '%.20s...' is not a size", opt, s);
    memcpy(buf, s, len + 1);
    char *x = strchr(buf, 'x');
    if (x) *x = 0;
    long h, w;
    /* Parse each side as an integer, then say "size" in the message, not "integer". */
    if (hx_parse_int(opt, buf, min, max, &h) || (x && hx_parse_int(opt, x + 1, min, max, &w)))
        return st_fail(ST_ERR_ARG, "%s: '%s' is not a size N or HxW with sides in [%d, %d]",
                       opt, s, min, max);
    out->h = (int)h;
    out->w = x ? (int)w : (int)h;
    return ST_OK;
}

/* Calls item(opt, text, ctx, index) for each comma-separated item of s. */
typedef int (*item_fn)(const char *opt, const char *text, void *ctx, int index);

static int for_each_item(const char *opt, const char *s, item_fn item, void *ctx, int *count) {
    if (missing(opt, s)) return ST_ERR_ARG;
    int n = 0;
    for (const char *p = s;; n++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0) return st_fail(ST_ERR_ARG, "%s: empty item in '%s'", opt, s);
        if (n >= HX_LIST_MAX)
            return st_fail(ST_ERR_ARG, "%s: more than %d items in the list", opt, HX_LIST_MAX);
        char buf[ITEM_MAX];
        if (len >= sizeof buf)
            return st_fail(ST_ERR_ARG, "%s: item '%.20s...' is too long", opt, p);
        memcpy(buf, p, len);
        buf[len] = 0;
        int rc = item(opt, buf, ctx, n);
        if (rc) return rc;
        if (!comma) break;
        p = comma + 1;
    }
    *count = n + 1;
    return ST_OK;
}

typedef struct { long min, max; hx_int_list *out; } int_ctx;
static int int_item(const char *opt, const char *text, void *ctx, int i) {
    int_ctx *c = ctx;
    return hx_parse_int(opt, text, c->min, c->max, &c->out->v[i]);
}
int hx_parse_int_list(const char *opt, const char *s, long min, long max, hx_int_list *out) {
    int_ctx c = {min, max, out};
    return for_each_item(opt, s, int_item, &c, &out->n);
}

typedef struct { int min, max; hx_size_list *out; } size_ctx;
static int size_item(const char *opt, const char *text, void *ctx, int i) {
    size_ctx *c = ctx;
    return hx_parse_size(opt, text, c->min, c->max, &c->out->v[i]);
}
int hx_parse_size_list(const char *opt, const char *s, int min, int max, hx_size_list *out) {
    size_ctx c = {min, max, out};
    return for_each_item(opt, s, size_item, &c, &out->n);
}

static int str_item(const char *opt, const char *text, void *ctx, int i) {
    hx_str_list *out = ctx;
    if (strlen(text) >= HX_NAME_MAX)
        return st_fail(ST_ERR_ARG, "%s: name '%s' is longer than %d bytes", opt, text,
                       HX_NAME_MAX - 1);
    strcpy(out->v[i], text);
    return ST_OK;
}
int hx_parse_str_list(const char *opt, const char *s, hx_str_list *out) {
    return for_each_item(opt, s, str_item, out, &out->n);
}

int hx_parse_shard(const char *opt, const char *s, hx_shard *out) {
    if (missing(opt, s)) return ST_ERR_ARG;
    const char *slash = strchr(s, '/');
    char k_text[ITEM_MAX];
    size_t klen = slash ? (size_t)(slash - s) : 0;
    if (!slash || klen >= sizeof k_text)
        return st_fail(ST_ERR_ARG, "%s: '%s' is not K/N (e.g. 0/4)", opt, s);
    memcpy(k_text, s, klen);
    k_text[klen] = 0;
    long k, n;
    if (hx_parse_int(opt, slash + 1, 1, 1000000, &n) || hx_parse_int(opt, k_text, 0, n - 1, &k))
        return st_fail(ST_ERR_ARG, "%s: '%s' is not K/N with N >= 1 and 0 <= K < N", opt, s);
    out->k = (int)k;
    out->n = (int)n;
    return ST_OK;
}

int hx_size_list_append(const char *opt, hx_size_list *list, const hx_size_list *more) {
    if (list->n + more->n > HX_LIST_MAX)
        return st_fail(ST_ERR_ARG, "%s: more than %d sizes in all", opt, HX_LIST_MAX);
    memcpy(list->v + list->n, more->v, (size_t)more->n * sizeof more->v[0]);
    list->n += more->n;
    return ST_OK;
}

/* ---- option tables ---- */

static int set_value(const hx_option *o, const char *v) {
    switch (o->kind) {
    case HX_OPT_FLAG: *(int *)o->dst = 1; return ST_OK;
    case HX_OPT_INT: return hx_parse_int(o->name, v, (long)o->min, (long)o->max, o->dst);
    case HX_OPT_DOUBLE: return hx_parse_double(o->name, v, o->min, o->max, o->dst);
    case HX_OPT_STRING:
        if (missing(o->name, v)) return ST_ERR_ARG;
        *(const char **)o->dst = v;
        return ST_OK;
    case HX_OPT_INTS: return hx_parse_int_list(o->name, v, (long)o->min, (long)o->max, o->dst);
    case HX_OPT_SIZES: {
        hx_size_list more;
        int rc = hx_parse_size_list(o->name, v, (int)o->min, (int)o->max, &more);
        return rc ? rc : hx_size_list_append(o->name, o->dst, &more);
    }
    case HX_OPT_STRINGS: return hx_parse_str_list(o->name, v, o->dst);
    case HX_OPT_SHARD: return hx_parse_shard(o->name, v, o->dst);
    }
    return st_fail(ST_ERR_ARG, "%s: unknown option kind", o->name);
}

int hx_parse_options(int argc, char **argv, const hx_option *opts, int nopts,
                     const char **pos, int pos_cap, int *npos) {
    int np = 0, only_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_positional || a[0] != '-' || a[1] == 0) {   /* "-" alone is positional */
            if (np >= pos_cap)
                return pos_cap ? st_fail(ST_ERR_ARG, "more than %d arguments (at '%s')", pos_cap, a)
                               : st_fail(ST_ERR_ARG, "unexpected argument '%s' (this command takes options only)", a);
            pos[np++] = a;
            continue;
        }
        if (!strcmp(a, "--")) { only_positional = 1; continue; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return HX_HELP;
        const char *eq = strchr(a, '=');
        size_t name_len = eq ? (size_t)(eq - a) : strlen(a);
        const hx_option *o = NULL;
        for (int j = 0; j < nopts && !o; j++)
            if (strlen(opts[j].name) == name_len && !strncmp(opts[j].name, a, name_len))
                o = &opts[j];
        if (!o) {
            const char *names[128];
            int nn = 0;
            for (int j = 0; j < nopts && nn < 127; j++) names[nn++] = opts[j].name;
            names[nn++] = "--help";
            char word[128], hint[192] = "";
            snprintf(word, sizeof word, "%.*s", (int)(name_len < 127 ? name_len : 127), a);
            hx_append_suggestion(hint, sizeof hint, word, names, nn);
            return st_fail(ST_ERR_ARG, "unknown option '%s'%s", word, hint);
        }
        const char *value = NULL;
        if (o->kind == HX_OPT_FLAG) {
            if (eq) return st_fail(ST_ERR_ARG, "%s takes no value", o->name);
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return st_fail(ST_ERR_ARG, "%s: missing value", o->name);
        }
        int rc = set_value(o, value);
        if (rc) return rc;
    }
    if (npos) *npos = np;
    return ST_OK;
}

void hx_print_options(FILE *f, const hx_option *opts, int nopts) {
    int width = 0;
    for (int i = 0; i < nopts; i++) {
        int w = (int)strlen(opts[i].name) + (opts[i].arg ? 1 + (int)strlen(opts[i].arg) : 0);
        if (w > width) width = w;
    }
    for (int i = 0; i < nopts; i++) {
        char left[128];
        snprintf(left, sizeof left, "%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                 opts[i].arg ? opts[i].arg : "");
        fprintf(f, "  %-*s  %s\n", width, left, opts[i].help);
    }
    fprintf(f, "  %-*s  %s\n", width, "--help", "this help");
}

/* ---- usage, suggestions ---- */

void hx_usage_print(FILE *f, const hx_usage *u) {
    fprintf(f, "usage: stvit %s %s\n", u->cmd, u->synopsis);
    if (u->about) fputs(u->about, f);
    if (u->opts || !u->extra) {
        fprintf(f, "\noptions:\n");
        hx_print_options(f, u->opts, u->nopts);
    }
    if (u->extra) u->extra(f);
}

int hx_exit_code(int rc) { return rc == ST_ERR_ARG ? HX_EXIT_USAGE : HX_EXIT_FAIL; }

int hx_usage_exit(const hx_usage *u, int rc) {
    if (rc == HX_HELP) {
        hx_usage_print(stdout, u);
        return 0;
    }
    fprintf(stderr, "stvit %s: %s\n", u->cmd, st_last_error());
    fprintf(stderr, "usage: stvit %s %s  (stvit %s --help for more)\n", u->cmd, u->synopsis, u->cmd);
    return HX_EXIT_USAGE;
}

const char *hx_closest(const char *word, const char *const *names, int n) { return st_closest(word, names, n); }

void hx_append_suggestion(char *buf, size_t cap, const char *word, const char *const *names, int n) {
    const char *c = hx_closest(word, names, n);
    size_t len = strlen(buf);
    if (c && len < cap) snprintf(buf + len, cap - len, " (did you mean '%s'?)", c);
}
