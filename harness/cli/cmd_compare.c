/* stvit compare: two result files (or two backends of one file) side by side, with
 * the ratio per point. Rows are paired by their identity columns (results/SCHEMA.md)
 * that both sides have, the backend left out when comparing two backends. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/results/results.h"
#include "variants/st_error.h"

static const char *const key_cols[] = {"variant", "attn", "res", "backend", "isa", "precision",
                                       "batch", "threads", "busy_core"};
#define NKEYS (int)(sizeof key_cols / sizeof key_cols[0])

/* Skipping "backend" also skips what belongs to the backend: its ISA and precision. */
static int skipped(const char *col, const char *skip) {
    if (!skip) return 0;
    if (!strcmp(col, skip)) return 1;
    return !strcmp(skip, "backend") && (!strcmp(col, "isa") || !strcmp(col, "precision"));
}

/* "variant S res 224x224 batch 8": the row's identity, without `skip`. */
static void row_key(const hx_row *r, const hx_table *a, const hx_table *b, const char *skip, char *buf,
                    size_t cap) {
    size_t n = 0;
    buf[0] = 0;
    for (int k = 0; k < NKEYS; k++) {
        if (skipped(key_cols[k], skip) || hx_table_col(a, key_cols[k]) < 0 ||
            hx_table_col(b, key_cols[k]) < 0)
            continue;
        const char *v = hx_row_get(r, key_cols[k]);
        n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s %s", n ? " " : "", key_cols[k], v ? v : "");
    }
}

static int ok_row(const hx_row *r) {
    const char *s = hx_row_get(r, "status");
    return !s || !strcmp(s, "ok");
}

int hx_cmd_compare(int argc, char **argv) {
    const char *metric = "img_per_s", *pos[2];
    hx_str_list backends = {0};
    int npos = 0, json = 0;
    const hx_option opts[] = {
        {"--metric", HX_OPT_STRING, &metric, 0, 0, "COLUMN", "the column compared (default img_per_s)"},
        {"--backends", HX_OPT_STRINGS, &backends, 0, 0, "A,B", "compare two backends of one file"},
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "one JSON object per pair"},
    };
    const hx_usage usage = {"compare", "A.csv B.csv | A.csv --backends X,Y [options]",
                            "Pairs the rows of two result files (CSV or JSON lines) by their identity columns\n"
                            "(variant, attn, res, backend, batch, threads, ...), or the rows of two backends in\n"
                            "one file, and prints both values of --metric and their ratio B/A per point.\n",
                            opts, HX_COUNT(opts), NULL};
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), pos, 2, &npos);
    if (!rc && backends.n && backends.n != 2) rc = st_fail(ST_ERR_ARG, "--backends: give two names, e.g. simd,omp");
    if (!rc && !(backends.n ? npos == 1 : npos == 2))
        rc = st_fail(ST_ERR_ARG, backends.n ? "give one result file with --backends" : "give two result files");
    if (rc) return hx_usage_exit(&usage, rc);

    hx_table ta, tb;
    hx_table_init(&tb);
    if ((rc = hx_table_read(pos[0], &ta)) || (npos == 2 && (rc = hx_table_read(pos[1], &tb)))) {
        fprintf(stderr, "stvit compare: %s\n", st_last_error());
        hx_table_free(&ta);
        return HX_EXIT_FAIL;
    }
    const hx_table *b = npos == 2 ? &tb : &ta;
    const char *name_a = backends.n ? backends.v[0] : pos[0], *name_b = backends.n ? backends.v[1] : pos[1];
    if (hx_table_col(&ta, metric) < 0 || hx_table_col(b, metric) < 0) {
        fprintf(stderr, "stvit compare: %s: no column '%s'\n", hx_table_col(&ta, metric) < 0 ? pos[0] : pos[npos - 1],
                metric);
        hx_table_free(&ta);
        hx_table_free(&tb);
        return HX_EXIT_FAIL;
    }
    const char *skip = backends.n ? "backend" : NULL;
    int pairs = 0;
    if (!json) printf("%-60s %14s %14s %8s\n", "point", "A", "B", "B/A");
    for (int i = 0; i < ta.n; i++) {
        const hx_row *ra = &ta.rows[i];
        const char *be = hx_row_get(ra, "backend");
        if (backends.n && (!be || strcmp(be, name_a))) continue;
        char ka[512], kb[512];
        row_key(ra, &ta, b, skip, ka, sizeof ka);
        for (int j = 0; j < b->n; j++) {
            const hx_row *rb = &b->rows[j];
            const char *bb = hx_row_get(rb, "backend");
            if (backends.n && (!bb || strcmp(bb, name_b))) continue;
            row_key(rb, &ta, b, skip, kb, sizeof kb);
            if (strcmp(ka, kb)) continue;
            double va = NAN, vb = NAN;
            if (ok_row(ra)) hx_row_get_num(ra, metric, &va);
            if (ok_row(rb)) hx_row_get_num(rb, metric, &vb);
            double ratio = va != 0 ? vb / va : NAN;
            pairs++;
            if (json) {
                hx_row o;
                hx_row_init(&o);
                hx_row_str(&o, "point", ka);
                hx_row_str(&o, "a", name_a);
                hx_row_str(&o, "b", name_b);
                hx_row_str(&o, "metric", metric);
                hx_row_num(&o, "value_a", va);
                hx_row_num(&o, "value_b", vb);
                hx_row_num(&o, "ratio", ratio);
                hx_row_write_json(stdout, &o);
                putchar('\n');
                hx_row_free(&o);
            } else {
                printf("%-60.60s %14.4g %14.4g %8.3f\n", ka, va, vb, ratio);
            }
            break;
        }
    }
    if (!json) printf("A = %s, B = %s, metric %s; %d pairs\n", name_a, name_b, metric, pairs);
    hx_table_free(&ta);
    hx_table_free(&tb);
    if (!pairs) {
        fprintf(stderr, "stvit compare: no row of A has a row of B with the same identity\n");
        return HX_EXIT_FAIL;
    }
    return 0;
}
