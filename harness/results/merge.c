/* merge.c — joining sharded result files (see merge.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "harness/results/merge.h"
#include "variants/st_error.h"

typedef struct {
    double point;
    int file;   /* which input, for the duplicate message */
    hx_row *row;
} keyed_row;

static int cmp_keyed(const void *a, const void *b) {
    const keyed_row *x = a, *y = b;
    if (x->point != y->point) return x->point < y->point ? -1 : 1;
    return x->file - y->file;
}

static int same_columns(const hx_table *a, const char *a_path, const hx_table *b, const char *b_path) {
    if (a->ncols != b->ncols)
        return st_fail(ST_ERR_FORMAT, "%s: %d columns, but %s has %d (files of different sweeps?)",
                       b_path, b->ncols, a_path, a->ncols);
    for (int c = 0; c < a->ncols; c++)
        if (strcmp(a->cols[c], b->cols[c]))
            return st_fail(ST_ERR_FORMAT, "%s: column %d is '%s', but in %s it is '%s'", b_path, c + 1,
                           b->cols[c], a_path, a->cols[c]);
    return ST_OK;
}

int hx_merge_missing(const hx_table *t, int *idx, int cap) {
    double total;
    if (t->n == 0 || hx_row_get_num(&t->rows[0], HX_POINTS_COLUMN, &total) || total < 0 || total > 1e7)
        return 0;
    int written = 0, r = 0;
    for (int i = 0; i < (int)total; i++) {
        double pt = -1;
        while (r < t->n && !hx_row_get_num(&t->rows[r], HX_POINT_COLUMN, &pt) && pt < i) r++;
        if (r < t->n && pt == i) continue;
        if (written < cap) idx[written] = i;
        written++;
    }
    return written;
}

int hx_merge_files(const char *const *paths, int n, hx_table *out, int *missing) {
    hx_table_init(out);
    if (missing) *missing = 0;
    if (n < 1) return st_fail(ST_ERR_ARG, "merge: no input files");
    hx_table *in = calloc((size_t)n, sizeof *in);
    if (!in) return st_fail(ST_ERR_NOMEM, "merge: out of memory");
    int rc = ST_OK, total = 0, first = -1;   /* first: the first file with columns */
    for (int i = 0; i < n && !rc; i++) {
        rc = hx_table_read(paths[i], &in[i]);
        if (rc || in[i].ncols == 0) continue;   /* an empty file (a shard stopped early) adds nothing */
        if (hx_table_col(&in[i], HX_POINT_COLUMN) < 0)
            rc = st_fail(ST_ERR_FORMAT, "%s: no '%s' column to order the rows by", paths[i], HX_POINT_COLUMN);
        else if (first >= 0) rc = same_columns(&in[first], paths[first], &in[i], paths[i]);
        else first = i;
        total += in[i].n;
    }
    if (!rc && first < 0)
        rc = n == 1 ? st_fail(ST_ERR_FORMAT, "%s: empty file, nothing to merge", paths[0])
                    : st_fail(ST_ERR_FORMAT, "merge: every input file is empty (%s, ...)", paths[0]);
    keyed_row *keyed = rc ? NULL : malloc((size_t)(total ? total : 1) * sizeof *keyed);
    if (!rc && !keyed) rc = st_fail(ST_ERR_NOMEM, "merge: out of memory");
    int k = 0;
    for (int i = 0; i < n && !rc; i++)
        for (int r = 0; r < in[i].n && !rc; r++) {
            double pt;
            if (hx_row_get_num(&in[i].rows[r], HX_POINT_COLUMN, &pt) || pt != floor(pt) || pt < 0)
                rc = st_fail(ST_ERR_FORMAT, "%s: row %d: '%s' is not a point index", paths[i], r + 1,
                             hx_row_get(&in[i].rows[r], HX_POINT_COLUMN));
            else keyed[k++] = (keyed_row){pt, i, &in[i].rows[r]};
        }
    if (!rc) qsort(keyed, (size_t)k, sizeof *keyed, cmp_keyed);
    for (int j = 1; j < k && !rc; j++)
        if (keyed[j].point == keyed[j - 1].point)
            rc = st_fail(ST_ERR_FORMAT, "point %.0f appears in %s and in %s", keyed[j].point,
                         paths[keyed[j - 1].file], paths[keyed[j].file]);
    if (!rc) {   /* the first file's columns (a file with a header and no rows has them too) */
        out->cols = in[first].cols;
        out->ncols = in[first].ncols;
        in[first].cols = NULL;
        in[first].ncols = 0;
    }
    for (int j = 0; j < k && !rc; j++) rc = hx_table_add(out, keyed[j].row);   /* moves the row */
    free(keyed);
    for (int i = 0; i < n; i++) hx_table_free(&in[i]);
    free(in);
    if (rc) { hx_table_free(out); return rc; }
    if (missing) *missing = hx_merge_missing(out, NULL, 0);
    return ST_OK;
}

int hx_merge_save(const char *path, const hx_table *t) {
    char sibling[4096];
    int rc = hx_sibling_path(path, hx_format_of(path) == HX_JSONL ? ".csv" : ".jsonl", sibling,
                             sizeof sibling);
    if (!rc) rc = hx_table_save(path, t);
    if (!rc) rc = hx_table_save(sibling, t);
    return rc;
}
