/* results.h — result rows and the files they go to.
 *
 * A row is an ordered list of key -> value pairs; a value is a string or a number
 * (kept as text, so integers such as FLOP counts stay exact). An empty value means
 * "missing": an empty CSV cell, null in JSON.
 *
 * Formats, chosen by the file name: "*.jsonl" is JSON lines (one object per row),
 * anything else is CSV (RFC 4180, header = column names). So that CSV keeps the
 * types, a string that looks like a number or a boolean is written quoted ("0123",
 * "true"), as Python's csv.QUOTE_NONNUMERIC does: on reading, an unquoted cell in JSON
 * number syntax is a number, an unquoted true/false a boolean, everything else a string.
 *
 * Streaming writers flush after every row, so an interrupted sweep keeps the rows it
 * finished; whole files (hx_table_save) are written to a temporary file and renamed,
 * so readers never see half a file. */
#ifndef HX_RESULTS_H
#define HX_RESULTS_H
#include <stdint.h>
#include <stdio.h>

typedef struct {
    char *key;
    char *text;   /* "" = missing */
    int is_num;   /* 1: text is a JSON number; 2: a boolean, "true" or "false" */
} hx_field;

typedef struct {
    int n, cap;
    hx_field *f;
    int failed;   /* an allocation failed in a setter: writers refuse the row */
} hx_row;

void hx_row_init(hx_row *r);
void hx_row_free(hx_row *r);
/* Setters replace the value of an existing key in place, else append the key.
 * They return 0 or ST_ERR_NOMEM (and mark the row failed, so callers may ignore it). */
int hx_row_str(hx_row *r, const char *key, const char *value);     /* NULL -> missing */
int hx_row_num(hx_row *r, const char *key, double value);         /* NaN/Inf -> missing */
int hx_row_int(hx_row *r, const char *key, int64_t value);
int hx_row_missing(hx_row *r, const char *key);
int hx_row_bool(hx_row *r, const char *key, int value);           /* true / false */
int hx_row_copy(hx_row *dst, const hx_row *src);                  /* dst uninitialised */
int hx_row_set_field(hx_row *r, const hx_field *f);               /* f's key, value and type */
/* The value's text, or NULL when the key is absent. */
const char *hx_row_get(const hx_row *r, const char *key);
/* 0 and *out when the key holds a number; ST_ERR_ARG otherwise. */
int hx_row_get_num(const hx_row *r, const char *key, double *out);

/* Canonical text of a number: integers exactly ("4366546504"), others with 7
 * significant digits. cap >= 32. */
void hx_format_number(double v, char *buf, size_t cap);

typedef enum { HX_CSV, HX_JSONL } hx_format;
hx_format hx_format_of(const char *path);
/* path with its .csv/.jsonl extension replaced by ext (".jsonl"), or ext appended. */
int hx_sibling_path(const char *path, const char *ext, char *out, size_t cap);

/* s as a JSON string, quoted and escaped (quote, backslash, control characters): the
 * one JSON string writer every command uses. */
void hx_json_string(FILE *f, const char *s);
/* One CSV record of the row's values (no header), newline-terminated. */
void hx_row_write_csv(FILE *f, const hx_row *row);
/* One JSON object on one line (no newline). */
int hx_row_write_json(FILE *f, const hx_row *row);

/* A streaming result file. append: add to an existing file (a CSV must then have
 * the same columns); otherwise the file is created or truncated. The CSV header is
 * the first row's keys; a later row may lack keys (written missing) but may not add
 * new ones. Every write is flushed. */
typedef struct hx_writer hx_writer;
int hx_writer_open(hx_writer **out, const char *path, int append);
/* Opens n (<= 8) writers together: every file is opened (created if missing) before
 * any is truncated, so one that cannot be opened leaves the others as they were (and
 * removes those this call created). */
int hx_writers_open(hx_writer **ws, const char *const *paths, int n, int append);
int hx_writer_write(hx_writer *w, const hx_row *row);
int hx_writer_close(hx_writer *w);   /* reports a failed final flush */

/* A whole file in memory: the columns (CSV header, or the first JSON row's keys)
 * and the rows. */
typedef struct {
    int ncols;
    char **cols;
    int n, cap;
    hx_row *rows;
} hx_table;

void hx_table_init(hx_table *t);
void hx_table_free(hx_table *t);
/* Reads a CSV or JSON-lines file; errors name the file and line. An empty file is
 * an empty table without columns. */
int hx_table_read(const char *path, hx_table *t);
/* Appends the row, taking ownership of its contents (row is left empty). The first
 * row of an empty table sets the columns. */
int hx_table_add(hx_table *t, hx_row *row);
/* Index of a column, or -1. */
int hx_table_col(const hx_table *t, const char *name);
/* Writes the whole table atomically (temporary file + rename). */
int hx_table_save(const char *path, const hx_table *t);
#endif
