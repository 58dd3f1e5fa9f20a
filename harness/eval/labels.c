/* labels.c — labels files and class folders (see labels.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "harness/eval/labels.h"
#include "variants/st_error.h"
#include "variants/st_file.h"

#define MAX_LABELS_BYTES (256L << 20)
#define MAX_CLASS 1000000000L
#define SHOWN 48   /* characters of a bad line quoted in its message */

void hx_labels_free(hx_labels *l) {
    for (int i = 0; i < l->n; i++) free(l->e[i].name);
    free(l->e);
    free(l->source);
    memset(l, 0, sizeof *l);
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

static int add_entry(hx_labels *l, const char *name, size_t len, int label, int line) {
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 1024;
        hx_label_entry *e = realloc(l->e, (size_t)cap * sizeof *e);
        if (!e) return st_fail(ST_ERR_NOMEM, "%s: out of memory", l->source);
        l->e = e;
        l->cap = cap;
    }
    char *copy = strndup(name, len);
    if (!copy) return st_fail(ST_ERR_NOMEM, "%s: out of memory", l->source);
    l->e[l->n++] = (hx_label_entry){copy, label, line};
    return ST_OK;
}

/* One line without its newline: "name<blanks>index". */
static int parse_line(hx_labels *l, const char *s, size_t len, int line) {
    if (len && s[len - 1] == '\r') len--;
    size_t a = 0, b = len;
    while (a < b && is_blank(s[a])) a++;
    while (b > a && is_blank(s[b - 1])) b--;
    if (a == b || s[a] == '#') return ST_OK;
    if (memchr(s + a, 0, b - a)) return st_fail(ST_ERR_FORMAT, "%s:%d: NUL byte in the line", l->source, line);
    size_t num = b;   /* the index: the last run of non-blanks */
    while (num > a && !is_blank(s[num - 1])) num--;
    size_t name_end = num;
    while (name_end > a && is_blank(s[name_end - 1])) name_end--;
    if (name_end == a)
        return st_fail(ST_ERR_FORMAT, "%s:%d: expected 'filename class_index', got '%.*s'", l->source, line,
                       (int)(b - a < SHOWN ? b - a : SHOWN), s + a);
    long label = 0;
    for (size_t i = num; i < b; i++) {
        if (s[i] < '0' || s[i] > '9' || label > MAX_CLASS)
            return st_fail(ST_ERR_FORMAT, "%s:%d: class index '%.*s' is not a non-negative integer", l->source,
                           line, (int)(b - num < SHOWN ? b - num : SHOWN), s + num);
        label = label * 10 + (s[i] - '0');
    }
    if (label > MAX_CLASS)
        return st_fail(ST_ERR_FORMAT, "%s:%d: class index %.*s is too large", l->source, line, (int)(b - num),
                       s + num);
    while (name_end - a >= 2 && s[a] == '.' && s[a + 1] == '/') a += 2;
    if (a == name_end) return st_fail(ST_ERR_FORMAT, "%s:%d: empty filename", l->source, line);
    return add_entry(l, s + a, name_end - a, (int)label, line);
}

static int cmp_entry(const void *x, const void *y) {
    const hx_label_entry *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : a->line - b->line;
}

int hx_labels_parse(const char *text, size_t len, const char *source, hx_labels *out) {
    memset(out, 0, sizeof *out);
    if (!(out->source = strdup(source ? source : "labels"))) return st_fail(ST_ERR_NOMEM, "labels: out of memory");
    int rc = ST_OK, line = 1;
    size_t start = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;   /* a UTF-8 byte order mark */
    for (size_t at = start; at < len && !rc; line++) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        rc = parse_line(out, text + at, end - at, line);
        at = end + 1;
    }
    if (!rc && out->n == 0) rc = st_fail(ST_ERR_FORMAT, "%s: no 'filename class_index' lines", out->source);
    if (!rc) {
        qsort(out->e, (size_t)out->n, sizeof *out->e, cmp_entry);
        for (int i = 1; i < out->n && !rc; i++)
            if (!strcmp(out->e[i].name, out->e[i - 1].name))
                rc = st_fail(ST_ERR_FORMAT, "%s:%d: '%s' is listed twice (also on line %d)", out->source,
                             out->e[i].line, out->e[i].name, out->e[i - 1].line);
    }
    if (rc) hx_labels_free(out);
    return rc;
}

/* The whole file as a NUL-terminated text of *size bytes. */
static int read_text(const char *path, char **text, long *size) {
    *text = NULL;
    *size = -1;
    FILE *f;
    int rc = st_fopen_read(path, &f);
    if (rc) return rc;
    if (!fseek(f, 0, SEEK_END)) *size = ftell(f);
    if (*size < 0 || fseek(f, 0, SEEK_SET)) rc = st_fail(ST_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    else if (*size > MAX_LABELS_BYTES) rc = st_fail(ST_ERR_RANGE, "%s: larger than %ld MB", path, MAX_LABELS_BYTES >> 20);
    else if (!(*text = malloc((size_t)*size + 1))) rc = st_fail(ST_ERR_NOMEM, "%s: out of memory", path);
    else if (fread(*text, 1, (size_t)*size, f) != (size_t)*size) rc = st_fail(ST_ERR_IO, "%s: read failed", path);
    fclose(f);
    if (rc) { free(*text); *text = NULL; }
    else (*text)[*size] = 0;
    return rc;
}

int hx_labels_read(const char *path, hx_labels *out) {
    memset(out, 0, sizeof *out);
    char *text;
    long size;
    int rc = read_text(path, &text, &size);
    if (!rc) rc = hx_labels_parse(text, (size_t)size, path, out);
    free(text);
    return rc;
}

void hx_class_names_free(char **names, int classes) {
    if (names)
        for (int c = 0; c < classes; c++) free(names[c]);
    free(names);
}

int hx_class_names_read(const char *path, int classes, char ***out) {
    *out = NULL;
    char *text;
    long size;
    int rc = read_text(path, &text, &size);
    if (rc) return rc;
    int lines = 0;   /* a last line without a newline counts */
    for (long i = 0; i < size; i++) lines += text[i] == '\n' || i == size - 1;
    char **names = NULL;
    if (lines != classes)
        rc = st_fail(ST_ERR_FORMAT, "%s: %d class name%s, but the model has %d classes", path, lines,
                     lines == 1 ? "" : "s", classes);
    else if (memchr(text, 0, (size_t)size))
        rc = st_fail(ST_ERR_FORMAT, "%s: NUL byte: not a text file", path);
    else if (!(names = calloc((size_t)classes, sizeof *names)))
        rc = st_fail(ST_ERR_NOMEM, "%s: out of memory", path);
    char *at = text;
    for (int c = 0; c < classes && !rc; c++) {
        size_t len = strcspn(at, "\n");
        size_t keep = len && at[len - 1] == '\r' ? len - 1 : len;
        if (keep == 0) rc = st_fail(ST_ERR_FORMAT, "%s:%d: empty class name", path, c + 1);
        else if (!(names[c] = strndup(at, keep))) rc = st_fail(ST_ERR_NOMEM, "%s: out of memory", path);
        at += len + 1;
    }
    free(text);
    if (rc) { hx_class_names_free(names, classes); return rc; }
    *out = names;
    return ST_OK;
}

static const hx_label_entry *find_exact(const hx_labels *l, const char *name) {
    hx_label_entry key = {.name = (char *)name};
    int lo = 0, hi = l->n;   /* binary search; names are unique */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(l->e[mid].name, key.name);
        if (!c) return &l->e[mid];
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

const hx_label_entry *hx_labels_find(const hx_labels *l, const char *rel) {
    const hx_label_entry *e = find_exact(l, rel);
    const char *base = strrchr(rel, '/');
    if (!e && base) e = find_exact(l, base + 1);
    return e;
}

int hx_labels_assign(const hx_labels *l, const hx_image_list *images, int classes, int *labels, int *unused) {
    int *owner = malloc((size_t)(l->n ? l->n : 1) * sizeof *owner);   /* [entry] image index + 1, 0 = none */
    if (!owner) return st_fail(ST_ERR_NOMEM, "%s: out of memory", l->source);
    memset(owner, 0, (size_t)l->n * sizeof *owner);
    int rc = ST_OK, missing = 0, first_missing = -1;
    for (int i = 0; i < images->n && !rc; i++) {
        const hx_label_entry *e = hx_labels_find(l, images->path[i]);
        if (!e) {
            if (!missing++) first_missing = i;
            continue;
        }
        int k = (int)(e - l->e);
        if (owner[k])
            rc = st_fail(ST_ERR_FORMAT, "%s:%d: '%s' matches both %s and %s; give paths relative to the image folder",
                         l->source, e->line, e->name, images->path[owner[k] - 1], images->path[i]);
        else if (e->label >= classes)
            rc = st_fail(ST_ERR_RANGE, "%s:%d: class %d is out of range for a %d-class model", l->source, e->line,
                         e->label, classes);
        owner[k] = i + 1;
        labels[i] = e->label;
    }
    if (!rc && missing)
        rc = st_fail(ST_ERR_FORMAT, "%s: %d image%s no label, the first is %s", l->source, missing,
                     missing == 1 ? " has" : "s have", images->path[first_missing]);
    if (!rc && unused) {
        *unused = 0;
        for (int k = 0; k < l->n; k++) *unused += !owner[k];
    }
    free(owner);
    return rc;
}

int hx_class_folders(const char *dir, hx_image_list *classes) {
    memset(classes, 0, sizeof *classes);
    DIR *d = opendir(dir);
    if (!d) return st_fail(ST_ERR_IO, "%s: cannot open folder: %s", dir, strerror(errno));
    char *full = malloc(PATH_MAX);
    int rc = full ? ST_OK : st_fail(ST_ERR_NOMEM, "%s: out of memory", dir);
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        struct stat st;
        if (snprintf(full, PATH_MAX, "%s/%s", dir, e->d_name) >= PATH_MAX)
            rc = st_fail(ST_ERR_RANGE, "%s/%s: path too long", dir, e->d_name);
        else if (!stat(full, &st) && S_ISDIR(st.st_mode))
            rc = hx_image_list_add(classes, e->d_name);
    }
    closedir(d);
    free(full);
    if (!rc && classes->n == 0)
        rc = st_fail(ST_ERR_FORMAT, "%s: no class sub-folders (give --labels FILE, or put each class's images "
                     "in a folder of its own)", dir);
    if (rc) { hx_image_list_free(classes); return rc; }
    hx_image_list_sort(classes);
    return ST_OK;
}

int hx_labels_from_folders(const hx_image_list *classes, const hx_image_list *images, int num_classes,
                           int *labels) {
    if (classes->n > num_classes)
        return st_fail(ST_ERR_RANGE, "%d class folders, but the model has %d classes", classes->n, num_classes);
    for (int i = 0; i < images->n; i++) {
        const char *rel = images->path[i], *slash = strchr(rel, '/');
        if (!slash) return st_fail(ST_ERR_FORMAT, "%s is not inside a class folder", rel);
        size_t len = (size_t)(slash - rel);
        int lo = 0, hi = classes->n, found = -1;
        while (lo < hi && found < 0) {
            int mid = lo + (hi - lo) / 2, c = strncmp(classes->path[mid], rel, len);
            if (!c && classes->path[mid][len]) c = 1;   /* longer name: sorts after the prefix */
            if (!c) found = mid;
            else if (c < 0) lo = mid + 1;
            else hi = mid;
        }
        if (found < 0) return st_fail(ST_ERR_FORMAT, "%s: its folder is not a class folder", rel);
        labels[i] = found;
    }
    return ST_OK;
}
