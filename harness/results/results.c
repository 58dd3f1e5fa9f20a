/* results.c — result rows, and their CSV / JSON-lines writers and readers (results.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness/cli/outputs.h"
#include "harness/results/results.h"
#include "variants/formats/json.h"
#include "variants/st_error.h"
#include "variants/st_file.h"

#define MAX_COLS 4096
#define MAX_FILE_BYTES (1L << 30)

/* ---- rows ---- */

void hx_row_init(hx_row *r) { memset(r, 0, sizeof *r); }

void hx_row_free(hx_row *r) {
    for (int i = 0; i < r->n; i++) {
        free(r->f[i].key);
        free(r->f[i].text);
    }
    free(r->f);
    hx_row_init(r);
}

static int row_set(hx_row *r, const char *key, const char *text, int is_num) {
    char *t = strdup(text ? text : "");
    if (!t) goto nomem;
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->f[i].key, key)) {
            free(r->f[i].text);
            r->f[i].text = t;
            r->f[i].is_num = is_num && *t;
            return ST_OK;
        }
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 16;
        hx_field *f = realloc(r->f, (size_t)cap * sizeof *f);
        if (!f) { free(t); goto nomem; }
        r->f = f;
        r->cap = cap;
    }
    char *k = strdup(key);
    if (!k) { free(t); goto nomem; }
    r->f[r->n++] = (hx_field){k, t, is_num && *t};
    return ST_OK;
nomem:
    r->failed = 1;
    return st_fail(ST_ERR_NOMEM, "out of memory storing result column '%s'", key);
}

void hx_format_number(double v, char *buf, size_t cap) {
    if (!isfinite(v)) { buf[0] = 0; return; }
    if (v == 0) v = 0;   /* no "-0" */
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, cap, "%.0f", v);
    else
        snprintf(buf, cap, "%.7g", v);
}

int hx_row_str(hx_row *r, const char *key, const char *value) { return row_set(r, key, value, 0); }
int hx_row_missing(hx_row *r, const char *key) { return row_set(r, key, "", 0); }
int hx_row_bool(hx_row *r, const char *key, int value) { return row_set(r, key, value ? "true" : "false", 2); }

int hx_row_num(hx_row *r, const char *key, double value) {
    char buf[40];
    hx_format_number(value, buf, sizeof buf);
    return row_set(r, key, buf, 1);
}

int hx_row_int(hx_row *r, const char *key, int64_t value) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, value);
    return row_set(r, key, buf, 1);
}

int hx_row_set_field(hx_row *r, const hx_field *f) { return row_set(r, f->key, f->text, f->is_num); }

int hx_row_copy(hx_row *dst, const hx_row *src) {
    hx_row_init(dst);
    for (int i = 0; i < src->n; i++)
        if (row_set(dst, src->f[i].key, src->f[i].text, src->f[i].is_num)) {
            hx_row_free(dst);
            return ST_ERR_NOMEM;
        }
    return ST_OK;
}

static const hx_field *row_field(const hx_row *r, const char *key) {
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->f[i].key, key)) return &r->f[i];
    return NULL;
}

const char *hx_row_get(const hx_row *r, const char *key) {
    const hx_field *f = row_field(r, key);
    return f ? f->text : NULL;
}

int hx_row_get_num(const hx_row *r, const char *key, double *out) {
    const hx_field *f = row_field(r, key);
    if (!f || f->is_num != 1) return ST_ERR_ARG;
    *out = strtod(f->text, NULL);
    return ST_OK;
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int is_json_number(const char *s) {
    if (*s == '-') s++;
    if (*s == '0') s++;
    else if (*s >= '1' && *s <= '9') while (*s >= '0' && *s <= '9') s++;
    else return 0;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9')) return 0;
        while (*s >= '0' && *s <= '9') s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') s++;
        if (!(*s >= '0' && *s <= '9')) return 0;
        while (*s >= '0' && *s <= '9') s++;
    }
    return *s == 0;
}

static int is_bool_text(const char *s) { return !strcmp(s, "true") || !strcmp(s, "false"); }

/* ---- formats and paths ---- */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

hx_format hx_format_of(const char *path) { return ends_with(path, ".jsonl") ? HX_JSONL : HX_CSV; }

int hx_sibling_path(const char *path, const char *ext, char *out, size_t cap) {
    size_t n = strlen(path);
    if (ends_with(path, ".csv")) n -= 4;
    else if (ends_with(path, ".jsonl")) n -= 6;
    if (n + strlen(ext) + 1 > cap) return st_fail(ST_ERR_ARG, "%s: path too long", path);
    memcpy(out, path, n);
    strcpy(out + n, ext);
    return ST_OK;
}

/* ---- writing ---- */

void hx_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

int hx_row_write_json(FILE *f, const hx_row *row) {
    fputc('{', f);
    for (int i = 0; i < row->n; i++) {
        const hx_field *fl = &row->f[i];
        if (i) fputc(',', f);
        hx_json_string(f, fl->key);
        fputc(':', f);
        if (!fl->text[0]) fputs("null", f);
        else if (fl->is_num) fputs(fl->text, f);
        else hx_json_string(f, fl->text);
    }
    fputc('}', f);
    return ferror(f) ? st_fail(ST_ERR_IO, "write error: %s", strerror(errno)) : ST_OK;
}

static void write_csv_cell(FILE *f, const char *s, int is_num) {
    size_t n = strlen(s);
    int quote = n && ((!is_num && (is_json_number(s) || is_bool_text(s))) || strpbrk(s, ",\"\r\n") ||
                      s[0] == ' ' || s[n - 1] == ' ');
    if (!quote) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void hx_row_write_csv(FILE *f, const hx_row *row) {
    for (int i = 0; i < row->n; i++) {
        if (i) fputc(',', f);
        write_csv_cell(f, row->f[i].text, row->f[i].is_num);
    }
    fputc('\n', f);
}

struct hx_writer {
    FILE *f;
    hx_format fmt;
    char *path;
    int ncols;     /* CSV: the header's columns, 0 until known */
    char **cols;
};

static void free_cols(char **cols, int n) {
    for (int i = 0; i < n; i++) free(cols[i]);
    free(cols);
}

static int writer_set_cols(hx_writer *w, char *const *names, int n) {
    w->cols = calloc((size_t)(n ? n : 1), sizeof *w->cols);
    if (!w->cols) return st_fail(ST_ERR_NOMEM, "%s: out of memory", w->path);
    for (int i = 0; i < n; i++)
        if (!(w->cols[i] = strdup(names[i]))) {
            free_cols(w->cols, i);
            w->cols = NULL;
            return st_fail(ST_ERR_NOMEM, "%s: out of memory", w->path);
        }
    w->ncols = n;
    return ST_OK;
}

static int writer_header(hx_writer *w) {
    for (int i = 0; i < w->ncols; i++) {
        if (i) fputc(',', w->f);
        write_csv_cell(w->f, w->cols[i], 0);
    }
    fputc('\n', w->f);
    return ST_OK;
}

static int writer_flush(hx_writer *w) {
    if (fflush(w->f) || ferror(w->f))
        return st_fail(ST_ERR_IO, "%s: write failed: %s", w->path, strerror(errno));
    return ST_OK;
}

/* The writer without its file: for an append to a CSV, the existing header's columns. */
static int writer_new(hx_writer **out, const char *path, hx_format fmt, int append) {
    *out = NULL;
    hx_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return st_fail(ST_ERR_NOMEM, "%s: out of memory", path);
    }
    w->fmt = fmt;
    if (append && w->fmt == HX_CSV) {
        /* Appending to a CSV continues its header: later rows must fit it. */
        hx_table old;
        hx_table_init(&old);
        FILE *probe = fopen(path, "rb");
        long size = probe && !fseek(probe, 0, SEEK_END) ? ftell(probe) : 0;
        if (probe) fclose(probe);
        if (size > 0) {
            int rc = hx_table_read(path, &old);
            if (!rc && old.ncols) rc = writer_set_cols(w, old.cols, old.ncols);
            hx_table_free(&old);
            if (rc) { hx_writer_close(w); return rc; }
        }
    }
    *out = w;
    return ST_OK;
}

/* fmt is explicit so that a temporary file ("x.jsonl.tmp.123") keeps its target's format. */
static int writer_open(hx_writer **out, const char *path, hx_format fmt, int append) {
    int rc = writer_new(out, path, fmt, append);
    if (rc) return rc;
    hx_writer *w = *out;
    w->f = fopen(path, append ? "ab" : "wb");
    if (!w->f) {
        rc = st_fail(ST_ERR_IO, "%s: cannot open for writing: %s", path, strerror(errno));
        hx_writer_close(w);
        *out = NULL;
        return rc;
    }
    return ST_OK;
}

int hx_writer_open(hx_writer **out, const char *path, int append) {
    return writer_open(out, path, hx_format_of(path), append);
}

int hx_writers_open(hx_writer **ws, const char *const *paths, int n, int append) {
    int rc = ST_OK, created[8] = {0};
    if (n > 8) return st_fail(ST_ERR_ARG, "more than 8 result files at once");
    for (int i = 0; i < n; i++) ws[i] = NULL;
    /* First open (creating) every file without truncating any ... */
    for (int i = 0; i < n && !rc; i++) {
        rc = writer_new(&ws[i], paths[i], hx_format_of(paths[i]), append);
        if (rc) break;
        int flags = O_WRONLY | O_CLOEXEC | (append ? O_APPEND : 0);
        int fd = open(paths[i], flags | O_CREAT | O_EXCL, 0666);
        if (fd >= 0) created[i] = 1;
        else if (errno == EEXIST) fd = open(paths[i], flags);
        if (fd < 0 || !(ws[i]->f = fdopen(fd, append ? "ab" : "wb"))) {
            rc = st_fail(ST_ERR_IO, "%s: cannot open for writing: %s", paths[i], strerror(errno));
            if (fd >= 0) close(fd);
        }
    }
    /* ... then truncate them all: a file that cannot be opened destroys none. */
    for (int i = 0; i < n && !rc && !append; i++)
        if (ftruncate(fileno(ws[i]->f), 0))
            rc = st_fail(ST_ERR_IO, "%s: cannot truncate: %s", paths[i], strerror(errno));
    if (rc)
        for (int i = 0; i < n; i++) {
            hx_writer_close(ws[i]);
            ws[i] = NULL;
            if (created[i]) remove(paths[i]);
        }
    return rc;
}

int hx_writer_write(hx_writer *w, const hx_row *row) {
    if (row->failed) return st_fail(ST_ERR_NOMEM, "%s: row incomplete (out of memory)", w->path);
    if (w->fmt == HX_JSONL) {
        int rc = hx_row_write_json(w->f, row);
        fputc('\n', w->f);
        return rc ? rc : writer_flush(w);
    }
    if (!w->cols) {
        char **keys = malloc((size_t)(row->n ? row->n : 1) * sizeof *keys);
        if (!keys) return st_fail(ST_ERR_NOMEM, "%s: out of memory", w->path);
        for (int i = 0; i < row->n; i++) keys[i] = row->f[i].key;
        int rc = writer_set_cols(w, keys, row->n);
        free(keys);
        if (rc) return rc;
        writer_header(w);
    }
    for (int i = 0; i < row->n; i++) {
        int known = 0;
        for (int c = 0; c < w->ncols && !known; c++) known = !strcmp(w->cols[c], row->f[i].key);
        if (!known)
            return st_fail(ST_ERR_ARG, "%s: column '%s' is not in the file's header",
                           w->path, row->f[i].key);
    }
    for (int c = 0; c < w->ncols; c++) {
        if (c) fputc(',', w->f);
        const hx_field *fl = row_field(row, w->cols[c]);
        if (fl) write_csv_cell(w->f, fl->text, fl->is_num);
    }
    /* A one-column row that is missing would be a blank line, which readers skip. */
    if (w->ncols == 1 && !(row_field(row, w->cols[0]) && row_field(row, w->cols[0])->text[0]))
        fputs("\"\"", w->f);
    fputc('\n', w->f);
    return writer_flush(w);
}

int hx_writer_close(hx_writer *w) {
    if (!w) return ST_OK;
    int rc = ST_OK;
    if (w->f && fclose(w->f))
        rc = st_fail(ST_ERR_IO, "%s: close failed: %s", w->path, strerror(errno));
    free_cols(w->cols, w->ncols);
    free(w->path);
    free(w);
    return rc;
}

/* ---- tables ---- */

void hx_table_init(hx_table *t) { memset(t, 0, sizeof *t); }

void hx_table_free(hx_table *t) {
    free_cols(t->cols, t->ncols);
    for (int i = 0; i < t->n; i++) hx_row_free(&t->rows[i]);
    free(t->rows);
    hx_table_init(t);
}

int hx_table_col(const hx_table *t, const char *name) {
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i], name)) return i;
    return -1;
}

static int table_set_cols_from_row(hx_table *t, const hx_row *row) {
    t->cols = calloc((size_t)(row->n ? row->n : 1), sizeof *t->cols);
    if (!t->cols) return st_fail(ST_ERR_NOMEM, "out of memory");
    for (int i = 0; i < row->n; i++) {
        if (!(t->cols[i] = strdup(row->f[i].key))) {
            free_cols(t->cols, i);
            t->cols = NULL;
            return st_fail(ST_ERR_NOMEM, "out of memory");
        }
    }
    t->ncols = row->n;
    return ST_OK;
}

int hx_table_add(hx_table *t, hx_row *row) {
    if (row->failed) return st_fail(ST_ERR_NOMEM, "row incomplete (out of memory)");
    if (!t->cols) {
        int rc = table_set_cols_from_row(t, row);
        if (rc) return rc;
    }
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        hx_row *rows = realloc(t->rows, (size_t)cap * sizeof *rows);
        if (!rows) return st_fail(ST_ERR_NOMEM, "out of memory (%d rows)", t->n);
        t->rows = rows;
        t->cap = cap;
    }
    t->rows[t->n++] = *row;
    hx_row_init(row);
    return ST_OK;
}

int hx_table_save(const char *path, const hx_table *t) {
    char tmp[4160];
    hx_writer *w;
    int rc = hx_atomic_tmp_name(path, tmp, sizeof tmp);
    if (rc) return rc;
    rc = writer_open(&w, tmp, hx_format_of(path), 0);
    if (rc) return rc;
    if (w->fmt == HX_CSV && t->ncols) {
        /* The table's own columns, so an empty table still gets its header. */
        rc = writer_set_cols(w, t->cols, t->ncols);
        if (!rc) writer_header(w);
    }
    for (int i = 0; i < t->n && !rc; i++) rc = hx_writer_write(w, &t->rows[i]);
    int rc_close = hx_writer_close(w);
    if (!rc) rc = rc_close;
    if (!rc && rename(tmp, path))
        rc = st_fail(ST_ERR_IO, "%s: cannot replace: %s", path, strerror(errno));
    if (rc) remove(tmp);
    return rc;
}

/* ---- reading ---- */

static int read_file(const char *path, char **text, size_t *len) {
    FILE *f;
    int rc = st_fopen_read(path, &f);
    if (rc) return rc;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            if (cap >= (size_t)MAX_FILE_BYTES) {
                free(buf);
                fclose(f);
                return st_fail(ST_ERR_RANGE, "%s: larger than %ld bytes", path, MAX_FILE_BYTES);
            }
            cap = cap ? 2 * cap : 65536 * 2;
            char *b = realloc(buf, cap + 1);
            if (!b) { free(buf); fclose(f); return st_fail(ST_ERR_NOMEM, "%s: out of memory", path); }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); return st_fail(ST_ERR_IO, "%s: read error", path); }
    buf[n] = 0;
    *text = buf;
    *len = n;
    return ST_OK;
}

/* One CSV record starting at *pos: cells are cut in place (the text is modified),
 * quoted[] says which were quoted. Returns the number of cells, 0 at the end of
 * the text, or an error naming the line. */
static int csv_record(const char *path, char *text, size_t len, size_t *pos, int *line,
                      char **cells, int *quoted, int cap) {
    size_t i = *pos;
    if (i >= len) return 0;
    int n = 0;
    for (;;) {
        if (n == cap) return st_fail(ST_ERR_FORMAT, "%s:%d: more than %d columns", path, *line, cap);
        char *out = text + i, *cell = out;
        int q = 0;
        if (i < len && text[i] == '"') {
            q = 1;
            int start_line = *line;
            for (i++;; i++) {
                if (i >= len)
                    return st_fail(ST_ERR_FORMAT, "%s:%d: unterminated quoted field", path, start_line);
                if (text[i] == '"') {
                    if (i + 1 < len && text[i + 1] == '"') { *out++ = '"'; i++; continue; }
                    i++;
                    break;
                }
                if (text[i] == '\n') (*line)++;
                *out++ = text[i];
            }
            if (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
                return st_fail(ST_ERR_FORMAT, "%s:%d: text after a closing quote", path, *line);
        } else {
            while (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                if (text[i] == '"')
                    return st_fail(ST_ERR_FORMAT, "%s:%d: quote inside an unquoted field", path, *line);
                *out++ = text[i++];
            }
        }
        /* Read the separator before cutting the cell: the NUL may land on it. */
        char sep = i < len ? text[i] : '\n';
        *out = 0;   /* safe: out <= text + i, and text[len] is the NUL */
        cells[n] = cell;
        quoted[n++] = q;
        if (i < len) i++;   /* past ',', '\n' or '\r' */
        if (sep == ',') continue;
        if (sep == '\r' && i < len && text[i] == '\n') i++;
        (*line)++;
        break;
    }
    *pos = i;
    return n;
}

static int read_csv(const char *path, char *text, size_t len, hx_table *t) {
    char **cells = malloc(MAX_COLS * sizeof *cells);
    int *quoted = malloc(MAX_COLS * sizeof *quoted);
    int rc = (!cells || !quoted) ? st_fail(ST_ERR_NOMEM, "%s: out of memory", path) : ST_OK;
    size_t pos = 0;
    int line = 1;
    int n = rc ? 0 : csv_record(path, text, len, &pos, &line, cells, quoted, MAX_COLS);
    if (n < 0) rc = n;
    if (!rc && n > 0) {   /* an empty file is an empty table (a sweep stopped before its first row) */
        hx_row header;
        hx_row_init(&header);
        for (int c = 0; c < n && !rc; c++) {
            if (!cells[c][0]) rc = st_fail(ST_ERR_FORMAT, "%s:1: empty column name", path);
            else if (hx_row_get(&header, cells[c]))
                rc = st_fail(ST_ERR_FORMAT, "%s:1: column '%s' appears twice", path, cells[c]);
            else rc = hx_row_str(&header, cells[c], "");
        }
        if (!rc) rc = table_set_cols_from_row(t, &header);
        hx_row_free(&header);
    }
    while (!rc && t->ncols) {
        /* Skip blank lines (a trailing newline, or an editor's). */
        while (pos < len && (text[pos] == '\n' || text[pos] == '\r')) {
            if (text[pos] == '\n') line++;
            pos++;
        }
        int rec_line = line;
        n = csv_record(path, text, len, &pos, &line, cells, quoted, MAX_COLS);
        if (n <= 0) { rc = n; break; }
        if (n != t->ncols) {
            rc = st_fail(ST_ERR_FORMAT, "%s:%d: %d fields, the header has %d", path, rec_line, n,
                         t->ncols);
            break;
        }
        hx_row row;
        hx_row_init(&row);
        for (int c = 0; c < n && !rc; c++)
            rc = row_set(&row, t->cols[c], cells[c],
                         quoted[c] ? 0 : is_json_number(cells[c]) ? 1 : is_bool_text(cells[c]) ? 2 : 0);
        if (!rc) rc = hx_table_add(t, &row);
        hx_row_free(&row);
    }
    free(cells);
    free(quoted);
    return rc;
}

static int read_jsonl(const char *path, char *text, size_t len, hx_table *t) {
    int line = 0;
    for (char *p = text; p < text + len;) {
        char *eol = memchr(p, '\n', (size_t)(text + len - p));
        size_t n = eol ? (size_t)(eol - p) : (size_t)(text + len - p);
        line++;
        int blank = 1;
        for (size_t i = 0; i < n && blank; i++) blank = p[i] == ' ' || p[i] == '\r' || p[i] == '\t';
        if (!blank) {
            js_value v;
            if (js_parse(p, n, &v)) {
                char why[512];   /* copied: st_fail writes the buffer st_last_error reads */
                snprintf(why, sizeof why, "%s", st_last_error());
                return st_fail(ST_ERR_FORMAT, "%s:%d: %s", path, line, why);
            }
            int rc = v.type == JS_OBJECT && v.count > 0
                         ? ST_OK
                         : st_fail(ST_ERR_FORMAT, "%s:%d: not a JSON object with keys", path, line);
            hx_row row;
            hx_row_init(&row);
            for (int i = 0; i < v.count && !rc; i++) {
                const js_value *x = &v.items[i];
                if (x->type == JS_NUMBER) rc = hx_row_num(&row, v.keys[i], x->number);
                else if (x->type == JS_STRING) rc = hx_row_str(&row, v.keys[i], x->string);
                else if (x->type == JS_NULL) rc = hx_row_missing(&row, v.keys[i]);
                else if (x->type == JS_BOOL) rc = hx_row_bool(&row, v.keys[i], x->number != 0);
                else rc = st_fail(ST_ERR_FORMAT, "%s:%d: '%s' is not a string or number", path, line, v.keys[i]);
            }
            js_free(&v);
            if (!rc) rc = hx_table_add(t, &row);
            hx_row_free(&row);
            if (rc) return rc;
        }
        p += n + 1;
    }
    return ST_OK;
}

int hx_table_read(const char *path, hx_table *t) {
    hx_table_init(t);
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(path, &text, &len);
    if (rc) return rc;
    if (memchr(text, 0, len)) { /* e.g. a picture given by mistake: say so, not "no such column" */
        free(text);
        return st_fail(ST_ERR_FORMAT, "%s: not a text file (it holds NUL bytes), so not CSV or JSON lines", path);
    }
    rc = hx_format_of(path) == HX_JSONL ? read_jsonl(path, text, len, t) : read_csv(path, text, len, t);
    free(text);
    if (rc) hx_table_free(t);
    return rc;
}
