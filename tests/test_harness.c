/* test_harness.c — the benchmarking harness's library parts: command-line parsing
 * (good and bad values), statistics on known samples, sweep expansion and sharding,
 * result files (CSV / JSON-lines round trips, appends, atomic saves), merging of
 * shards, plot data, progress formatting and the profiling wrapper. No timing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tests/common/testutil.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/cli.h"
#include "harness/bench/env.h"
#include "harness/bench/opbench.h"
#include "harness/results/merge.h"
#include "harness/results/plotdata.h"
#include "harness/results/plotstyle.h"
#include "harness/bench/profile.h"
#include "harness/cli/progress.h"
#include "harness/results/results.h"
#include "harness/bench/stats.h"
#include "harness/bench/sweep.h"
#include "kernels/cases.h"
#include "variants/st_error.h"

static int group_setup(void **state) { return tu_tmpdir_create("harness"); }
static int group_teardown(void **state) { return tu_tmpdir_remove(); }

/* The last error names every fragment given (NULL-terminated). */
static void expect_error_names(const char *first, ...) {
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        if (!strstr(st_last_error(), s)) fail_msg("error '%s' does not name '%s'", st_last_error(), s);
    }
    va_end(ap);
}

/* ---- cli ---- */

static void test_parse_int(void **state) {
    long v;
    assert_int_equal(hx_parse_int("--threads", "8", 1, 64, &v), 0);
    assert_int_equal(v, 8);
    assert_int_equal(hx_parse_int("--n", "-3", -5, 5, &v), 0);
    assert_int_equal(v, -3);
    const char *bad[] = {"", "abc", "12x", " 5", "5 ", "1.5", "0x10", "--1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 77;
        assert_int_equal(hx_parse_int("--threads", bad[i], 1, 64, &v), ST_ERR_ARG);
        assert_int_equal(v, 77);   /* untouched on error */
        expect_error_names("--threads", NULL);
    }
    assert_int_equal(hx_parse_int("--threads", "abc", 1, 64, &v), ST_ERR_ARG);
    expect_error_names("--threads", "'abc'", "not an integer", NULL);
    assert_int_equal(hx_parse_int("--threads", "0", 1, 64, &v), ST_ERR_ARG);
    expect_error_names("--threads", "0", "[1, 64]", NULL);
    assert_int_equal(hx_parse_int("--batch", "99999999999999999999999", 1, 64, &v), ST_ERR_ARG);
    expect_error_names("--batch", "out of range", NULL);
    assert_int_equal(hx_parse_int("--batch", NULL, 1, 64, &v), ST_ERR_ARG);
    expect_error_names("--batch", "missing value", NULL);
}

static void test_parse_double(void **state) {
    double d;
    assert_int_equal(hx_parse_double("--min-time", "0.25", 0, 10, &d), 0);
    assert_true(d == 0.25);
    assert_int_equal(hx_parse_double("--min-time", "1e1", 0, 10, &d), 0);
    assert_true(d == 10);
    const char *bad[] = {"", "nan", "inf", "1e999", "2s", "-1", "11", " 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hx_parse_double("--min-time", bad[i], 0, 10, &d), ST_ERR_ARG);
        expect_error_names("--min-time", NULL);
    }
}

static void test_parse_lists(void **state) {
    hx_int_list ints;
    assert_int_equal(hx_parse_int_list("--batch", "1,8,32", 1, 4096, &ints), 0);
    assert_int_equal(ints.n, 3);
    assert_int_equal(ints.v[0], 1);
    assert_int_equal(ints.v[2], 32);
    const char *bad[] = {"", ",", "1,", ",1", "1,,8", "1,x", "1,0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hx_parse_int_list("--batch", bad[i], 1, 4096, &ints), ST_ERR_ARG);
        expect_error_names("--batch", NULL);
    }
    /* Bounded count: HX_LIST_MAX items parse, one more is refused. */
    char text[HX_LIST_MAX * 3 + 8] = "";
    for (int i = 0; i < HX_LIST_MAX; i++) strcat(text, i ? ",1" : "1");
    assert_int_equal(hx_parse_int_list("--batch", text, 1, 9, &ints), 0);
    assert_int_equal(ints.n, HX_LIST_MAX);
    strcat(text, ",1");
    assert_int_equal(hx_parse_int_list("--batch", text, 1, 9, &ints), ST_ERR_ARG);
    expect_error_names("--batch", "more than", NULL);

    hx_str_list names;
    assert_int_equal(hx_parse_str_list("--variant", "S,B,L", &names), 0);
    assert_int_equal(names.n, 3);
    assert_string_equal(names.v[0], "S");
    assert_string_equal(names.v[2], "L");
    assert_int_equal(hx_parse_str_list("--variant", "S,,L", &names), ST_ERR_ARG);
    expect_error_names("--variant", "empty item", NULL);
    char longname[HX_NAME_MAX + 8];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_int_equal(hx_parse_str_list("--variant", longname, &names), ST_ERR_ARG);
    expect_error_names("--variant", NULL);
}

static void test_parse_sizes(void **state) {
    hx_size z;
    assert_int_equal(hx_parse_size("--res", "224", 32, 8192, &z), 0);
    assert_int_equal(z.h, 224);
    assert_int_equal(z.w, 224);
    assert_int_equal(hx_parse_size("--size", "72x88", 32, 8192, &z), 0);
    assert_int_equal(z.h, 72);
    assert_int_equal(z.w, 88);
    const char *bad[] = {"", "x", "72x", "x88", "72x88x9", "16", "72X88", "72x 88", "-224", "9000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hx_parse_size("--size", bad[i], 32, 8192, &z), ST_ERR_ARG);
        expect_error_names("--size", NULL);
    }
    hx_parse_size("--size", "72x", 32, 8192, &z);
    expect_error_names("--size", "'72x'", NULL);

    hx_size_list sizes;
    assert_int_equal(hx_parse_size_list("--res", "224,384,72x88", 32, 8192, &sizes), 0);
    assert_int_equal(sizes.n, 3);
    assert_int_equal(sizes.v[1].h, 384);
    assert_int_equal(sizes.v[1].w, 384);
    assert_int_equal(sizes.v[2].h, 72);
    assert_int_equal(sizes.v[2].w, 88);
    assert_int_equal(hx_parse_size_list("--res", "224,,384", 32, 8192, &sizes), ST_ERR_ARG);
}

static void test_parse_shard(void **state) {
    hx_shard s;
    assert_int_equal(hx_parse_shard("--shard", "0/4", &s), 0);
    assert_int_equal(s.k, 0);
    assert_int_equal(s.n, 4);
    assert_int_equal(hx_parse_shard("--shard", "3/4", &s), 0);
    assert_int_equal(s.k, 3);
    const char *bad[] = {"", "4/4", "-1/4", "1/0", "a/b", "1", "/4", "1/", "1/4/2", "0/-2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hx_parse_shard("--shard", bad[i], &s), ST_ERR_ARG);
        expect_error_names("--shard", NULL);
    }
}

static void test_parse_options(void **state) {
    long threads = 1;
    double t = 0;
    int json = 0;
    const char *out = NULL;
    hx_size_list sizes = {0};
    hx_str_list variants = {0};
    hx_shard shard = {0};
    const hx_option opts[] = {
        {"--threads", HX_OPT_INT, &threads, 1, 64, "N", "threads"},
        {"--min-time", HX_OPT_DOUBLE, &t, 0, 100, "S", "seconds"},
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "json"},
        {"--out", HX_OPT_STRING, &out, 0, 0, "FILE", "output"},
        {"--res", HX_OPT_SIZES, &sizes, 32, 8192, "LIST", "sizes"},
        {"--size", HX_OPT_SIZES, &sizes, 32, 8192, "LIST", "sizes"},
        {"--variant", HX_OPT_STRINGS, &variants, 0, 0, "LIST", "variants"},
        {"--shard", HX_OPT_SHARD, &shard, 0, 0, "K/N", "shard"},
    };
    char *argv[] = {"bench", "--threads", "4", "--json", "--min-time=0.5", "in.csv", "--res", "224",
                    "--size=72x88", "--variant", "S,B", "--shard", "1/3", "--out", "x.csv", "--", "--odd"};
    const char *pos[3];
    int npos = -1;
    assert_int_equal(hx_parse_options(17, argv, opts, HX_COUNT(opts), pos, 3, &npos), 0);
    assert_int_equal(threads, 4);
    assert_int_equal(json, 1);
    assert_true(t == 0.5);
    assert_string_equal(out, "x.csv");
    assert_int_equal(sizes.n, 2);   /* --res and --size add to one list */
    assert_int_equal(sizes.v[1].w, 88);
    assert_int_equal(variants.n, 2);
    assert_int_equal(shard.k, 1);
    assert_int_equal(shard.n, 3);
    assert_int_equal(npos, 2);
    assert_string_equal(pos[0], "in.csv");
    assert_string_equal(pos[1], "--odd");   /* after "--" everything is positional */

    char *help[] = {"bench", "--threads", "2", "--help"};
    assert_int_equal(hx_parse_options(4, help, opts, HX_COUNT(opts), pos, 3, &npos), HX_HELP);
    char *unknown[] = {"bench", "--thread", "2"};
    assert_int_equal(hx_parse_options(3, unknown, opts, HX_COUNT(opts), pos, 3, &npos), ST_ERR_ARG);
    expect_error_names("--thread", "unknown option", NULL);
    char *no_value[] = {"bench", "--threads"};
    assert_int_equal(hx_parse_options(2, no_value, opts, HX_COUNT(opts), pos, 3, &npos), ST_ERR_ARG);
    expect_error_names("--threads", "missing value", NULL);
    char *bad_value[] = {"bench", "--threads", "many"};
    assert_int_equal(hx_parse_options(3, bad_value, opts, HX_COUNT(opts), pos, 3, &npos), ST_ERR_ARG);
    expect_error_names("--threads", "'many'", NULL);
    char *flag_value[] = {"bench", "--json=1"};
    assert_int_equal(hx_parse_options(2, flag_value, opts, HX_COUNT(opts), pos, 3, &npos), ST_ERR_ARG);
    expect_error_names("--json", NULL);
    char *too_many[] = {"bench", "a", "b"};
    assert_int_equal(hx_parse_options(3, too_many, opts, HX_COUNT(opts), pos, 1, &npos), ST_ERR_ARG);
    expect_error_names("'b'", NULL);

    FILE *f = tmpfile();
    hx_print_options(f, opts, HX_COUNT(opts));
    rewind(f);
    char text[2048] = "";
    size_t got = fread(text, 1, sizeof text - 1, f);
    text[got] = 0;
    fclose(f);
    assert_non_null(strstr(text, "--threads N"));
    assert_non_null(strstr(text, "--help"));
}

/* ---- stats ---- */

static void test_stats_known_samples(void **state) {
    /* Expected values from numpy: np.percentile(x, 90), np.median(x). */
    const double ten[] = {7, 1, 10, 3, 5, 2, 9, 4, 8, 6};   /* 1..10 shuffled */
    double copy[10];
    memcpy(copy, ten, sizeof ten);
    assert_true(fabs(hx_percentile(ten, 10, 90) - 9.1) < 1e-12);
    assert_true(fabs(hx_median(ten, 10) - 5.5) < 1e-12);
    assert_true(hx_min(ten, 10) == 1);
    assert_true(hx_percentile(ten, 10, 0) == 1);
    assert_true(hx_percentile(ten, 10, 100) == 10);
    assert_memory_equal(copy, ten, sizeof ten);   /* inputs are not sorted in place */

    const double four[] = {4, 1, 3, 2};
    assert_true(fabs(hx_median(four, 4) - 2.5) < 1e-12);
    assert_true(fabs(hx_percentile(four, 4, 90) - 3.7) < 1e-12);
    const double three[] = {10, 30, 20};
    assert_true(hx_median(three, 3) == 20);
    assert_true(fabs(hx_percentile(three, 3, 90) - 28) < 1e-12);
    const double one[] = {42};
    assert_true(hx_median(one, 1) == 42);
    assert_true(hx_percentile(one, 1, 90) == 42);
    assert_true(isnan(hx_median(one, 0)));
    assert_true(isnan(hx_percentile(one, 1, 101)));

    hx_summary s;
    assert_int_equal(hx_summarize(ten, 10, &s), 0);
    assert_int_equal(s.n, 10);
    assert_true(s.min == 1);
    assert_true(fabs(s.median - 5.5) < 1e-12);
    assert_true(fabs(s.p90 - 9.1) < 1e-12);
    assert_true(fabs(s.mean - 5.5) < 1e-12);
    assert_int_equal(hx_summarize(ten, 0, &s), ST_ERR_ARG);
}

/* ---- sweep ---- */

static void make_spec(hx_sweep_spec *s) {
    memset(s, 0, sizeof *s);
    assert_int_equal(hx_parse_str_list("--variant", "S,B", &s->variants), 0);
    assert_int_equal(hx_parse_str_list("--attn", "sta", &s->attns), 0);
    assert_int_equal(hx_parse_size_list("--res", "224,72x88", 32, 8192, &s->sizes), 0);
    assert_int_equal(hx_parse_str_list("--backend", "naive,omp,blas", &s->backends), 0);
    assert_int_equal(hx_parse_int_list("--batch", "1,8", 1, 4096, &s->batches), 0);
    assert_int_equal(hx_parse_int_list("--threads", "1,2", 1, 64, &s->threads), 0);
}

static void test_sweep_expand_order(void **state) {
    hx_sweep_spec spec;
    make_spec(&spec);
    hx_point *p;
    int n;
    assert_int_equal(hx_sweep_expand(&spec, &p, &n), 0);
    assert_int_equal(n, 2 * 1 * 2 * 3 * 2 * 2);
    for (int i = 0; i < n; i++) assert_int_equal(p[i].index, i);
    /* threads vary fastest, then batch, backend, size, attn; variant slowest. */
    assert_string_equal(p[0].variant, "S");
    assert_int_equal(p[0].h, 224);
    assert_string_equal(p[0].backend, "naive");
    assert_int_equal(p[0].batch, 1);
    assert_int_equal(p[0].threads, 1);
    assert_int_equal(p[1].threads, 2);
    assert_int_equal(p[1].batch, 1);
    assert_int_equal(p[2].batch, 8);
    assert_string_equal(p[4].backend, "omp");
    assert_int_equal(p[12].h, 72);
    assert_int_equal(p[12].w, 88);
    assert_string_equal(p[24].variant, "B");
    assert_string_equal(p[n - 1].variant, "B");
    assert_string_equal(p[n - 1].backend, "blas");
    assert_int_equal(p[n - 1].threads, 2);
    /* every combination exactly once */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            assert_false(!strcmp(p[i].variant, p[j].variant) && p[i].h == p[j].h && p[i].w == p[j].w &&
                         !strcmp(p[i].backend, p[j].backend) && p[i].batch == p[j].batch &&
                         p[i].threads == p[j].threads);
    free(p);

    spec.batches.n = 0;
    assert_int_equal(hx_sweep_expand(&spec, &p, &n), ST_ERR_ARG);
}

static void test_sweep_shards_partition(void **state) {
    hx_sweep_spec spec;
    make_spec(&spec);
    hx_point *all;
    int total;
    assert_int_equal(hx_sweep_expand(&spec, &all, &total), 0);
    for (int nshards = 1; nshards <= total + 2; nshards++) {
        int *seen = calloc((size_t)total, sizeof *seen);
        for (int k = 0; k < nshards; k++) {
            hx_point *p;
            int n;
            assert_int_equal(hx_sweep_expand(&spec, &p, &n), 0);
            n = hx_sweep_shard(p, n, k, nshards);
            assert_int_equal(n, total / nshards + (k < total % nshards));
            for (int i = 0; i < n; i++) {
                assert_int_equal(p[i].index % nshards, k);       /* every N-th starting at K */
                if (i) assert_int_equal(p[i].index, p[i - 1].index + nshards);
                assert_memory_equal(&p[i], &all[p[i].index], sizeof p[i]);
                seen[p[i].index]++;
            }
            free(p);
        }
        for (int i = 0; i < total; i++) assert_int_equal(seen[i], 1);   /* disjoint, covering */
        free(seen);
    }
    free(all);
}

/* ---- results ---- */

static void tricky_row(hx_row *r, int i) {
    hx_row_init(r);
    hx_row_int(r, "point", i);
    hx_row_str(r, "variant", i % 2 ? "B" : "S");
    hx_row_str(r, "note", "comma, \"quotes\" and\nnewline");
    hx_row_str(r, "git", "0123456");        /* a string that looks like a number */
    hx_row_str(r, "spaced", " padded ");
    hx_row_str(r, "utf8", "\xc3\xa9t\xc3\xa9");
    hx_row_int(r, "flops", INT64_C(4366546504) + i);
    hx_row_num(r, "ms", 12.5 + i);
    hx_row_num(r, "ratio", 1.0 / 3);
    hx_row_num(r, "nan", NAN);              /* missing */
    hx_row_str(r, "empty", "");
    hx_row_num(r, "neg", -2.5e-7);
}

static void assert_rows_equal(const hx_row *a, const hx_row *b) {
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        assert_string_equal(a->f[i].key, b->f[i].key);
        assert_string_equal(a->f[i].text, b->f[i].text);
        assert_int_equal(a->f[i].is_num, b->f[i].is_num);
    }
}

static void test_row_basics(void **state) {
    hx_row r;
    tricky_row(&r, 0);
    assert_string_equal(hx_row_get(&r, "flops"), "4366546504");
    assert_string_equal(hx_row_get(&r, "ms"), "12.5");
    assert_string_equal(hx_row_get(&r, "nan"), "");
    assert_null(hx_row_get(&r, "absent"));
    double v;
    assert_int_equal(hx_row_get_num(&r, "ms", &v), 0);
    assert_true(v == 12.5);
    assert_int_equal(hx_row_get_num(&r, "git", &v), ST_ERR_ARG);   /* a string */
    int n = r.n;
    hx_row_num(&r, "ms", 7);   /* replaces in place */
    assert_int_equal(r.n, n);
    assert_string_equal(hx_row_get(&r, "ms"), "7");
    assert_string_equal(r.f[7].key, "ms");
    hx_row copy;
    assert_int_equal(hx_row_copy(&copy, &r), 0);
    assert_rows_equal(&copy, &r);
    hx_row_free(&copy);
    hx_row_free(&r);

    char buf[40];
    hx_format_number(-0.0, buf, sizeof buf);
    assert_string_equal(buf, "0");
    hx_format_number(1e20, buf, sizeof buf);
    assert_string_equal(buf, "1e+20");
    hx_format_number(INFINITY, buf, sizeof buf);
    assert_string_equal(buf, "");

    char path[64];
    assert_int_equal(hx_sibling_path("results/bench.csv", ".jsonl", path, sizeof path), 0);
    assert_string_equal(path, "results/bench.jsonl");
    assert_int_equal(hx_sibling_path("a.jsonl", ".csv", path, sizeof path), 0);
    assert_string_equal(path, "a.csv");
    assert_int_equal(hx_sibling_path("noext", ".csv", path, sizeof path), 0);
    assert_string_equal(path, "noext.csv");
    assert_int_equal(hx_format_of("x.jsonl"), HX_JSONL);
    assert_int_equal(hx_format_of("x.csv"), HX_CSV);
}

static void round_trip(const char *name) {
    const char *path = tu_tmp_path(name);
    hx_writer *w;
    assert_int_equal(hx_writer_open(&w, path, 0), 0);
    hx_row rows[3];
    for (int i = 0; i < 3; i++) {
        tricky_row(&rows[i], i);
        assert_int_equal(hx_writer_write(w, &rows[i]), 0);
    }
    assert_int_equal(hx_writer_close(w), 0);
    hx_table t;
    assert_int_equal(hx_table_read(path, &t), 0);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.ncols, rows[0].n);
    for (int i = 0; i < 3; i++) {
        assert_rows_equal(&t.rows[i], &rows[i]);
        hx_row_free(&rows[i]);
    }
    hx_table_free(&t);
}

static void test_csv_round_trip(void **state) { round_trip("rt.csv"); }
static void test_jsonl_round_trip(void **state) { round_trip("rt.jsonl"); }

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void test_csv_text(void **state) {
    const char *path = tu_tmp_path("text.csv");
    hx_writer *w;
    assert_int_equal(hx_writer_open(&w, path, 0), 0);
    hx_row r;
    hx_row_init(&r);
    hx_row_str(&r, "name", "a,b");
    hx_row_str(&r, "q", "say \"hi\"");
    hx_row_str(&r, "id", "42");
    hx_row_int(&r, "n", 42);
    hx_row_missing(&r, "gone");
    assert_int_equal(hx_writer_write(w, &r), 0);
    /* Flushed after every row: readable before close (what survives a Ctrl-C). */
    assert_string_equal(slurp(path), "name,q,id,n,gone\n\"a,b\",\"say \"\"hi\"\"\",\"42\",42,\n");
    hx_row_free(&r);
    /* A later row may lack keys but may not add any. */
    hx_row_init(&r);
    hx_row_str(&r, "name", "x");
    assert_int_equal(hx_writer_write(w, &r), 0);
    hx_row_str(&r, "extra", "y");
    assert_int_equal(hx_writer_write(w, &r), ST_ERR_ARG);
    expect_error_names("extra", path, NULL);
    hx_row_free(&r);
    assert_int_equal(hx_writer_close(w), 0);

    const char *jpath = tu_tmp_path("text.jsonl");
    assert_int_equal(hx_writer_open(&w, jpath, 0), 0);
    hx_row_init(&r);
    hx_row_str(&r, "s", "tab\there \\ \"q\"");
    hx_row_num(&r, "x", 0.5);
    hx_row_missing(&r, "m");
    hx_row_str(&r, "id", "007");
    assert_int_equal(hx_writer_write(w, &r), 0);
    hx_row_free(&r);
    assert_int_equal(hx_writer_close(w), 0);
    assert_string_equal(slurp(jpath), "{\"s\":\"tab\\there \\\\ \\\"q\\\"\",\"x\":0.5,\"m\":null,\"id\":\"007\"}\n");
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_csv_reader_errors(void **state) {
    hx_table t;
    struct { const char *text, *fragment; } bad[] = {
        {"a,b\n1,2\n3\n", ":3:"},
        {"a,b\n\"open,2\n", "unterminated"},
        {"a,b\n\"x\"y,2\n", "after a closing quote"},
        {"a,b\nx\"y,2\n", "quote inside"},
        {"a,a\n1,2\n", "twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *path = tu_tmp_path("bad.csv");
        write_text(path, bad[i].text);
        assert_int_equal(hx_table_read(path, &t), ST_ERR_FORMAT);
        expect_error_names(path, bad[i].fragment, NULL);
    }
    /* An empty file (a sweep stopped before its first row) is an empty table. */
    write_text(tu_tmp_path("empty.csv"), "");
    assert_int_equal(hx_table_read(tu_tmp_path("empty.csv"), &t), 0);
    assert_int_equal(t.n, 0);
    assert_int_equal(t.ncols, 0);
    hx_table_free(&t);
    assert_int_equal(hx_table_read(tu_tmp_path("absent.csv"), &t), ST_ERR_IO);
    expect_error_names("absent.csv", NULL);
    write_text(tu_tmp_path("bad.jsonl"), "{\"a\":1}\n[1]\n");
    assert_int_equal(hx_table_read(tu_tmp_path("bad.jsonl"), &t), ST_ERR_FORMAT);
    expect_error_names("bad.jsonl:2", NULL);

    /* CRLF, quoted newlines, blank lines and a missing final newline are fine. */
    write_text(tu_tmp_path("ok.csv"), "a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z");
    assert_int_equal(hx_table_read(tu_tmp_path("ok.csv"), &t), 0);
    assert_int_equal(t.n, 2);
    assert_string_equal(hx_row_get(&t.rows[0], "b"), "x\r\ny");
    assert_string_equal(hx_row_get(&t.rows[1], "b"), "z");
    hx_table_free(&t);
}

static void test_append_and_atomic_save(void **state) {
    const char *path = tu_tmp_path("append.csv");
    hx_writer *w;
    hx_row r;
    assert_int_equal(hx_writer_open(&w, path, 0), 0);
    tricky_row(&r, 0);
    assert_int_equal(hx_writer_write(w, &r), 0);
    hx_row_free(&r);
    hx_writer_close(w);
    /* Appending continues the header; the file then reads back as one table. */
    assert_int_equal(hx_writer_open(&w, path, 1), 0);
    tricky_row(&r, 1);
    assert_int_equal(hx_writer_write(w, &r), 0);
    hx_row_str(&r, "new_column", "x");
    assert_int_equal(hx_writer_write(w, &r), ST_ERR_ARG);
    hx_row_free(&r);
    hx_writer_close(w);
    hx_table t;
    assert_int_equal(hx_table_read(path, &t), 0);
    assert_int_equal(t.n, 2);
    assert_string_equal(hx_row_get(&t.rows[1], "point"), "1");

    /* Whole-file save replaces atomically and leaves no temporary behind. */
    const char *saved = tu_tmp_path("saved.csv");
    write_text(saved, "old,content\n1,2\n");
    assert_int_equal(hx_table_save(saved, &t), 0);
    hx_table back;
    assert_int_equal(hx_table_read(saved, &back), 0);
    assert_int_equal(back.n, 2);
    for (int i = 0; i < 2; i++) assert_rows_equal(&back.rows[i], &t.rows[i]);
    hx_table_free(&back);
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", saved, (long)getpid());
    assert_int_equal(access(tmp, F_OK), -1);
    /* An empty table still saves its header. */
    for (int i = 0; i < t.n; i++) hx_row_free(&t.rows[i]);
    t.n = 0;
    assert_int_equal(hx_table_save(saved, &t), 0);
    assert_int_equal(hx_table_read(saved, &back), 0);
    assert_int_equal(back.n, 0);
    assert_int_equal(back.ncols, t.ncols);
    hx_table_free(&back);
    hx_table_free(&t);
    assert_int_equal(hx_table_save(tu_tmp_path("no/such/dir.csv"), &t), ST_ERR_IO);
}

/* ---- merge ---- */

static void sweep_row(hx_row *r, const hx_point *p, int total) {
    hx_row_init(r);
    hx_row_int(r, "point", p->index);
    hx_row_int(r, "points", total);
    hx_row_str(r, "variant", p->variant);
    hx_row_int(r, "h", p->h);
    hx_row_str(r, "backend", p->backend);
    hx_row_int(r, "batch", p->batch);
    hx_row_int(r, "threads", p->threads);
    hx_row_num(r, "img_per_s", 10.0 + p->index);
}

static void test_merge_shards_equal_whole(void **state) {
    hx_sweep_spec spec;
    make_spec(&spec);
    hx_point *all;
    int total;
    assert_int_equal(hx_sweep_expand(&spec, &all, &total), 0);
    const int nshards = 5;
    const char *paths[5];
    char names[5][64];
    for (int k = 0; k < nshards; k++) {
        snprintf(names[k], sizeof names[k], "shard%d%s", k, k == 3 ? ".jsonl" : ".csv");   /* mixed formats */
        paths[nshards - 1 - k] = strdup(tu_tmp_path(names[k]));   /* given in reverse order */
        hx_writer *w;
        assert_int_equal(hx_writer_open(&w, paths[nshards - 1 - k], 0), 0);
        hx_point *p;
        int n;
        assert_int_equal(hx_sweep_expand(&spec, &p, &n), 0);
        n = hx_sweep_shard(p, n, k, nshards);
        for (int i = 0; i < n; i++) {
            hx_row r;
            sweep_row(&r, &p[i], total);
            assert_int_equal(hx_writer_write(w, &r), 0);
            hx_row_free(&r);
        }
        free(p);
        assert_int_equal(hx_writer_close(w), 0);
    }
    hx_table merged;
    int missing = -1;
    assert_int_equal(hx_merge_files(paths, nshards, &merged, &missing), 0);
    assert_int_equal(missing, 0);
    assert_int_equal(merged.n, total);
    for (int i = 0; i < total; i++) {
        hx_row want;
        sweep_row(&want, &all[i], total);
        assert_rows_equal(&merged.rows[i], &want);
        hx_row_free(&want);
    }
    /* Saved as CSV plus its .jsonl sibling, both reading back the same. */
    assert_int_equal(hx_merge_save(tu_tmp_path("merged.csv"), &merged), 0);
    const char *outs[2] = {tu_tmp_path("merged.csv"), tu_tmp_path("merged.jsonl")};
    for (int f = 0; f < 2; f++) {
        hx_table back;
        assert_int_equal(hx_table_read(outs[f], &back), 0);
        assert_int_equal(back.n, total);
        for (int i = 0; i < total; i++) assert_rows_equal(&back.rows[i], &merged.rows[i]);
        hx_table_free(&back);
    }
    hx_table_free(&merged);

    /* Without one shard: merged, with its points reported missing. */
    assert_int_equal(hx_merge_files(paths, nshards - 1, &merged, &missing), 0);
    int idx[8];
    assert_int_equal(missing, total / nshards + (0 < total % nshards));   /* shard 0 is paths[4] */
    assert_int_equal(hx_merge_missing(&merged, idx, 8), missing);
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], nshards);
    hx_table_free(&merged);

    /* An empty shard file (stopped before its first row) adds nothing. */
    write_text(tu_tmp_path("empty.csv"), "");
    const char *with_empty[3] = {tu_tmp_path("empty.csv"), paths[0], paths[1]};
    assert_int_equal(hx_merge_files(with_empty, 3, &merged, NULL), 0);
    assert_int_equal(merged.ncols, 8);
    hx_table_free(&merged);
    const char *only_empty[1] = {tu_tmp_path("empty.csv")};
    assert_int_equal(hx_merge_files(only_empty, 1, &merged, NULL), ST_ERR_FORMAT);
    expect_error_names("empty", NULL);

    /* The same shard twice: an error naming the point and the files. */
    const char *twice[2] = {paths[0], paths[0]};
    assert_int_equal(hx_merge_files(twice, 2, &merged, NULL), ST_ERR_FORMAT);
    expect_error_names("appears in", paths[0], NULL);

    /* Different columns: a clear error. */
    write_text(tu_tmp_path("other.csv"), "point,points,variant\n99,100,S\n");
    const char *mixed[2] = {paths[0], tu_tmp_path("other.csv")};
    assert_int_equal(hx_merge_files(mixed, 2, &merged, NULL), ST_ERR_FORMAT);
    expect_error_names("other.csv", "columns", NULL);
    write_text(tu_tmp_path("nopoint.csv"), "a,b\n1,2\n");
    const char *nopoint[1] = {tu_tmp_path("nopoint.csv")};
    assert_int_equal(hx_merge_files(nopoint, 1, &merged, NULL), ST_ERR_FORMAT);
    expect_error_names("nopoint.csv", "point", NULL);

    for (int k = 0; k < nshards; k++) free((void *)paths[k]);
    free(all);
}

/* ---- plot data ---- */

static void bench_row(hx_table *t, const char *variant, const char *attn, int res, const char *backend,
                      int batch, int threads, double img_s, double flops) {
    hx_row r;
    hx_row_init(&r);
    char text[32];
    snprintf(text, sizeof text, "%dx%d", res, res);
    hx_row_str(&r, "variant", variant);
    hx_row_str(&r, "attn", attn);
    hx_row_str(&r, "res", text);
    hx_row_int(&r, "h", res);
    hx_row_int(&r, "w", res);
    hx_row_str(&r, "backend", backend);
    hx_row_int(&r, "batch", batch);
    hx_row_int(&r, "threads", threads);
    hx_row_str(&r, "status", img_s > 0 ? "ok" : "failed");
    hx_row_num(&r, "img_per_s", img_s > 0 ? img_s : NAN);
    hx_row_num(&r, "batch_ms_median", img_s > 0 ? 1e3 * batch / img_s : NAN);
    hx_row_num(&r, "macs_per_img", flops);
    assert_int_equal(hx_table_add(t, &r), 0);
}

/* Runs one figure's preparation: the data text (static) and the spec. */
static char *run_prep(hx_plot_fn prep, const hx_table *t, const hx_table *peers, const hx_plot_filter *o, int want,
                      hx_plot_spec *spec) {
    static char text[8192];
    static const hx_plot_filter none = {0};
    FILE *f = tmpfile();
    memset(spec, 0, sizeof *spec);
    assert_int_equal(prep(t, peers, o ? o : &none, f, spec), want);
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    return text;
}

/* The value of `name='...'` in a spec's gnuplot variables. */
static const char *spec_var(const hx_plot_spec *spec, const char *name) {
    static char value[2048];
    char pat[64];
    snprintf(pat, sizeof pat, "%s='", name);
    const char *at = strstr(spec->vars, pat);
    if (at && at != spec->vars && at[-1] != ' ') at = NULL; /* a longer name ending in `name` */
    if (!at) return NULL;
    at += strlen(pat);
    const char *end = strchr(at, '\'');
    snprintf(value, sizeof value, "%.*s", (int)(end - at), at);
    return value;
}

/* word i (from 0) of a space-separated list into buf */
static void word(const char *list, int i, char *buf, size_t cap) {
    for (; i > 0 && list; i--) {
        list = strchr(list, ' ');
        if (list) list++;
    }
    size_t n = list ? strcspn(list, " ") : 0;
    snprintf(buf, cap, "%.*s", (int)n, list ? list : "");
}

/* The colour of each series / column title of a figure, checking that no two titles
 * of different runtimes share one. names[i] get the runtime of title i (its first
 * word). Returns the count. */
static int figure_colours(const hx_plot_spec *spec, char names[][64], char colours[][16], const char *text,
                          int wide) {
    const char *list = spec_var(spec, "colours");
    assert_non_null(list);
    char copy[2048];
    snprintf(copy, sizeof copy, "%s", list);
    int n = 0;
    if (wide) { /* header columns after the first */
        const char *p = strchr(text, ',');
        while (p && *p == ',' && n < 32) {
            p++;
            size_t len = strcspn(p, ",\n");
            snprintf(names[n], 64, "%.*s", (int)len, p);
            word(copy, n, colours[n], 16);
            n++;
            p += len;
        }
    } else { /* each block's header line: its first field */
        const char *p = text;
        while (p && *p && n < 32) {
            size_t len = strcspn(p, ", ");
            if (!strncmp(p, "failed,", 7)) break; /* the failed points: black crosses */
            snprintf(names[n], 64, "%.*s", (int)len, p);
            word(copy, n, colours[n], 16);
            n++;
            p = strstr(p, "\n\n\n");
            if (p) p += 3;
        }
    }
    for (int i = 0; i < n; i++) {
        assert_int_equal(colours[i][0], '#');
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j])) assert_string_not_equal(colours[i], colours[j]);
    }
    return n;
}

static const char *colour_of(char names[][64], char colours[][16], int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return colours[i];
    fail_msg("no series %s", name);
    return NULL;
}

static void test_plot_data(void **state) {
    hx_table t;
    hx_table_init(&t);
    bench_row(&t, "S", "sta", 224, "naive", 1, 2, 2.0, 4.366e9);
    bench_row(&t, "S", "sta", 224, "omp", 1, 2, 50.0, 4.366e9);
    bench_row(&t, "B", "sta", 224, "naive", 1, 2, 1.0, 9.872e9);
    bench_row(&t, "B", "sta", 224, "omp", 1, 2, 20.0, 9.872e9);
    bench_row(&t, "B", "sta", 224, "blas", 1, 2, -1, 9.872e9);   /* failed: marked, not a bar */
    bench_row(&t, "S", "sta", 224, "omp", 1, 1, 30.0, 4.366e9);  /* fewer threads: not drawn by default */
    assert_int_equal(hx_plot_normalise(&t), 0); /* the old names: ms_median, flops */
    assert_true(hx_table_col(&t, "macs_per_img") >= 0 && hx_table_col(&t, "batch_ms_median") >= 0);
    assert_true(hx_table_col(&t, "flops") < 0);
    hx_plot_spec spec;
    char *text = run_prep(hx_plot_speedup, &t, NULL, NULL, 0, &spec);
    assert_string_equal(text, "configuration,omp\nS 224 b1 t2,25\nB 224 b1 t2,20\n");
    char names[2][32][64], colours[2][32][16];
    int n0 = figure_colours(&spec, names[0], colours[0], text, 1);
    text = run_prep(hx_plot_flops_speed, &t, NULL, NULL, 0, &spec);
    assert_string_equal(text, "naive,x,y,label\n"
                              "4.366,2,S\n9.872,1,B\n\n\n"
                              "omp,x,y,label\n"
                              "4.366,50,S\n9.872,20,B\n\n\n"
                              "failed,x,y,label\n9.872,0.833333,blas B 224x224 sta: \n");
    assert_non_null(strstr(spec.note, "batch 1; 2 threads"));
    assert_non_null(strstr(spec_var(&spec, "subtitle"), "STViT-S and B, 224 px"));
    assert_string_equal(spec_var(&spec, "x2tics"), "\"S\" 4.366, \"B\" 9.872");
    int n1 = figure_colours(&spec, names[1], colours[1], text, 0);
    /* the same backend has the same colour in both figures */
    assert_string_equal(colour_of(names[0], colours[0], n0, "omp"), colour_of(names[1], colours[1], n1, "omp"));
    assert_string_equal(colour_of(names[1], colours[1], n1, "omp"), hx_plot_colour("omp"));

    /* --threads 1 draws the 1-thread row instead, and says so */
    hx_plot_filter one = {.threads = {1, {1}}};
    text = run_prep(hx_plot_flops_speed, &t, NULL, &one, 0, &spec);
    assert_non_null(strstr(text, "4.366,30,S"));
    assert_null(strstr(text, "4.366,50,S"));
    assert_non_null(strstr(spec.note, "1 thread"));
    hx_plot_filter bad_axis = {.x = "flops"};
    assert_int_equal(hx_plot_filter_check(&bad_axis), ST_ERR_ARG);

    /* Peers rows join the speed plots, with the GMACs of the bench row of their variant. */
    hx_table peers;
    hx_table_init(&peers);
    hx_row r;
    const char *rt[3][2] = {{"onnxruntime", "f32"}, {"openvino", "f32"}, {"openvino", "bf16"}};
    for (int i = 0; i < 3; i++) {
        hx_row_init(&r);
        hx_row_str(&r, "variant", "S");
        hx_row_int(&r, "res", 224);
        hx_row_str(&r, "backend", rt[i][0]);
        hx_row_str(&r, "precision", rt[i][1]);
        hx_row_int(&r, "batch", 1);
        hx_row_int(&r, "threads", 2);
        hx_row_num(&r, "img_per_s", 40 + i);
        assert_int_equal(hx_table_add(&peers, &r), 0);
    }
    text = run_prep(hx_plot_flops_speed, &t, &peers, NULL, 0, &spec);
    assert_non_null(strstr(text, "openvino bf16 (peers),"));
    assert_non_null(strstr(text, "4.366,42,S"));
    n1 = figure_colours(&spec, names[1], colours[1], text, 0);
    text = run_prep(hx_plot_speedup, &t, &peers, NULL, 0, &spec);
    assert_string_equal(text, "configuration,omp,onnxruntime,openvino,openvino bf16\n"
                              "S 224 b1 t2,25,20,20.5,21\nB 224 b1 t2,20,NaN,NaN,NaN\n");
    text = run_prep(hx_plot_runtimes, &t, &peers, NULL, 0, &spec);
    assert_string_equal(text, "setting,onnxruntime,openvino,openvino bf16\nbatch 1,40,41,42\n");
    n0 = figure_colours(&spec, names[0], colours[0], text, 1);
    assert_string_equal(colour_of(names[0], colours[0], n0, "openvino"), colour_of(names[1], colours[1], n1, "openvino"));
    run_prep(hx_plot_runtimes, &t, NULL, NULL, HX_PLOT_SKIPPED, &spec);
    hx_table_free(&peers);

    /* One size and no profile columns: those figures are skipped, saying why. */
    run_prep(hx_plot_resolution, &t, NULL, NULL, HX_PLOT_SKIPPED, &spec);
    assert_non_null(strstr(spec.note, "two input sizes"));
    run_prep(hx_plot_profile, &t, NULL, NULL, HX_PLOT_SKIPPED, &spec);
    assert_non_null(strstr(spec.note, "--profile"));
    run_prep(hx_plot_profile_stages, &t, NULL, NULL, HX_PLOT_SKIPPED, &spec);
    hx_table_free(&t);

    /* Resolution: a line per kind; the failed size is marked at the top, with its reason. */
    hx_table_init(&t);
    bench_row(&t, "S", "global", 384, "omp", 1, 2, 2.0, 1);
    bench_row(&t, "S", "sta", 224, "omp", 1, 2, 10.0, 1);
    bench_row(&t, "S", "global", 224, "omp", 1, 2, 8.0, 1);
    bench_row(&t, "S", "sta", 384, "omp", 1, 2, 4.0, 1);
    bench_row(&t, "S", "global", 512, "omp", 1, 2, -1, 1);
    hx_row_str(&t.rows[4], "error", "out of memory");
    assert_int_equal(hx_plot_normalise(&t), 0);
    text = run_prep(hx_plot_resolution, &t, NULL, NULL, 0, &spec);
    assert_string_equal(text, "global,x,y,label\n224,125,224x224\n384,500,384x384\n\n\n"
                              "sta,x,y,label\n224,100,224x224\n384,250,384x384\n\n\n"
                              "failed,x,y,label\n512,800,global 512x512: out of memory\n");
    assert_string_equal(spec_var(&spec, "xtics"), "\"224\" 224, \"384\" 384, \"512\" 512");
    run_prep(hx_plot_speedup, &t, NULL, NULL, HX_PLOT_SKIPPED, &spec);
    assert_non_null(strstr(spec.note, "naive"));
    hx_table_free(&t);

    /* Profile columns: one bar per row, a column per op over 2%, the rest as other. */
    hx_table_init(&t);
    hx_row_init(&r);
    hx_row_str(&r, "backend", "omp");
    hx_row_str(&r, "variant", "S");
    hx_row_str(&r, "res", "224x224");
    hx_row_int(&r, "batch", 1);
    hx_row_int(&r, "threads", 2);
    hx_row_num(&r, "prof_conv1x1_ms", 3);
    hx_row_num(&r, "prof_gemm_ms", 0);
    hx_row_num(&r, "prof_linear_ms", 0.01);
    hx_row_num(&r, "prof_avgpool_ms", 0.02);
    hx_row_num(&r, "prof_glue_ms", 0.47);
    hx_row_num(&r, "prof_total_ms", 3.5);
    hx_row_num(&r, "prof_scope_stem_ms", 1);
    hx_row_num(&r, "prof_conv_at_stem_ms_per_img", 0.5);
    hx_row_num(&r, "prof_conv1x1_at_stage0_ms_per_img", 2);
    assert_int_equal(hx_table_add(&t, &r), 0);
    assert_int_equal(hx_plot_normalise(&t), 0);
    text = run_prep(hx_plot_profile, &t, NULL, NULL, 0, &spec);
    assert_string_equal(text, "run,conv 1x1,outside ops,other (2 ops)\nomp S 224 b1 t2 (3.50 ms),85.71,13.43,0.8571\n");
    assert_non_null(strstr(spec_var(&spec, "subtitle"), "other: linear, average pool"));
    text = run_prep(hx_plot_profile_stages, &t, NULL, NULL, 0, &spec);
    assert_string_equal(text, "op,stem,stage0,stage1,stage2,stage3,head,other\n"
                              "conv 1x1,0,2,0,0,0,0,0\nconv kxk,0.5,0,0,0,0,0,0\n");
    hx_table_free(&t);
}

/* ---- progress, env ---- */

static void test_progress_format(void **state) {
    char buf[256];
    hx_format_duration(80, buf, sizeof buf);
    assert_string_equal(buf, "1m20s");
    hx_format_duration(45.4, buf, sizeof buf);
    assert_string_equal(buf, "45s");
    hx_format_duration(7500, buf, sizeof buf);
    assert_string_equal(buf, "2h05m");
    hx_format_duration(-1, buf, sizeof buf);
    assert_string_equal(buf, "?");
    hx_progress_format(buf, sizeof buf, 3, 12, "variant S 224x224 backend omp batch 8 threads 2", 80);
    assert_string_equal(buf, "[3/12] variant S 224x224 backend omp batch 8 threads 2 \xe2\x80\x94 ETA 1m20s");
    hx_progress p;
    hx_progress_init(&p, 4, 1);
    assert_false(p.enabled);   /* --quiet */
}

static void test_env(void **state) {
    hx_env e;
    hx_env_collect(&e);
    assert_int_equal(strlen(e.date), 20);   /* YYYY-MM-DDTHH:MM:SSZ */
    assert_int_equal(e.date[19], 'Z');
    assert_true(e.git[0] && e.cpu[0] && e.cpu_flags[0] && e.compiler[0] && e.cflags[0] && e.blas[0]);
    assert_true(e.cores >= 1);
    assert_true(!strcmp(e.blas_threading, "sequential") || !strcmp(e.blas_threading, "pthreads") ||
                !strcmp(e.blas_threading, "openmp"));
    hx_row r;
    hx_row_init(&r);
    assert_int_equal(hx_env_to_row(&e, &r), 0);
    assert_string_equal(hx_row_get(&r, "env_git"), e.git);
    assert_non_null(hx_row_get(&r, "env_blas_threading"));
    hx_row_free(&r);
}

/* ---- profile ---- */

static int fake_calls;
static void fake_conv1x1(kn_ctx *c, const kn_conv1x1_args *a) { fake_calls++; }
static void fake_layernorm(kn_ctx *c, int b, int ch, int n, const float *x, const float *g, const float *be,
                           float eps, float *y) { fake_calls += 10; }
static size_t fake_scratch(const kn_ctx *c, int b, int h, int hd, int m) { return 123; }

/* stvit opbench builds every case of every op (with the bias the network passes, e.g.
 * Swin's window masks) and names its shape; one timed call each, timings not looked at. */
static void test_opbench_every_case(void **state) {
    kn_ctx *ctx;
    char err[256];
    assert_int_equal(kn_ctx_create(&ctx, &kn_backend_omp, 2, err, sizeof err), 0);
    for (int op = 0; op < KN_OP_COUNT; op++)
        for (int ci = 0; ci < kn_cases_count(op); ci++) {
            hx_opbench_result r;
            if (hx_opbench_case(ctx, op, ci, 1, &r)) fail_msg("opbench %s case %d: %s", kn_op_names[op], ci, st_last_error());
            assert_true(r.shape[0] && r.runs == 1);
            if (op == KN_OP_attention && kn_attention_cases[ci].groups) assert_non_null(strstr(r.shape, "bias_groups="));
        }
    hx_opbench_result r;
    assert_int_equal(hx_opbench_case(ctx, KN_OP_attention, kn_cases_count(KN_OP_attention), 1, &r), ST_ERR_ARG);
    kn_ctx_free(ctx);
}

static void test_profile_wrapper(void **state) {
    kn_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.ops.conv1x1 = fake_conv1x1;
    ctx.ops.layernorm = fake_layernorm;
    ctx.ops.attention_scratch = fake_scratch;
    st_hooks hooks;
    hx_profile p;
    hx_profile_start(&p, &ctx, &hooks);
    assert_null(ctx.ops.conv);                      /* absent slots stay absent */
    assert_ptr_not_equal(ctx.ops.conv1x1, fake_conv1x1);
    assert_ptr_equal(ctx.ops.attention_scratch, fake_scratch);
    assert_ptr_equal(ctx.wrap, &p);                 /* the wrappers' state is in the instance */
    fake_calls = 0;
    ctx.ops.conv1x1(&ctx, NULL);                    /* before any scope: "other" */
    hooks.scope(hooks.ud, "stage2");
    ctx.ops.conv1x1(&ctx, NULL);
    ctx.ops.layernorm(&ctx, 1, 1, 1, NULL, NULL, NULL, 0, NULL);
    hooks.scope(hooks.ud, "head");
    ctx.ops.conv1x1(&ctx, NULL);
    hx_profile_stop(&p);
    assert_ptr_equal(ctx.ops.conv1x1, fake_conv1x1); /* the real table is back */
    assert_null(ctx.wrap);
    assert_int_equal(fake_calls, 13);               /* every call reached the real op */
    assert_int_equal(p.calls[KN_OP_conv1x1], 3);
    assert_int_equal(p.calls[KN_OP_layernorm], 1);
    assert_int_equal(p.calls[KN_OP_conv], 0);
    assert_true(p.seconds[KN_OP_layernorm][HX_PROF_STAGE0 + 2] >= 0);
    for (int s = 0; s < HX_PROF_SCOPES; s++)
        if (s != HX_PROF_STAGE0 + 2) assert_true(p.seconds[KN_OP_layernorm][s] == 0);
    assert_true(p.seconds[KN_OP_conv1x1][HX_PROF_STAGE0] == 0);
    p.forwards = 1;
    hx_row r;
    hx_row_init(&r);
    assert_int_equal(hx_profile_to_row(&p, 2, &r), 0);
    assert_non_null(hx_row_get(&r, "prof_conv1x1_ms_per_img"));
    assert_non_null(hx_row_get(&r, "prof_attention_ms_per_img"));
    assert_non_null(hx_row_get(&r, "prof_scope_stage2_ms_per_img"));
    hx_row missing;
    hx_row_init(&missing);
    assert_int_equal(hx_profile_missing_row(&missing), 0);
    assert_int_equal(missing.n, r.n);               /* failed points keep the same columns */
    for (int i = 0; i < r.n; i++) assert_string_equal(missing.f[i].key, r.f[i].key);
    hx_row_free(&missing);
    hx_row_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_int),
        cmocka_unit_test(test_parse_double),
        cmocka_unit_test(test_parse_lists),
        cmocka_unit_test(test_parse_sizes),
        cmocka_unit_test(test_parse_shard),
        cmocka_unit_test(test_parse_options),
        cmocka_unit_test(test_stats_known_samples),
        cmocka_unit_test(test_sweep_expand_order),
        cmocka_unit_test(test_sweep_shards_partition),
        cmocka_unit_test(test_row_basics),
        cmocka_unit_test(test_csv_round_trip),
        cmocka_unit_test(test_jsonl_round_trip),
        cmocka_unit_test(test_csv_text),
        cmocka_unit_test(test_csv_reader_errors),
        cmocka_unit_test(test_append_and_atomic_save),
        cmocka_unit_test(test_merge_shards_equal_whole),
        cmocka_unit_test(test_plot_data),
        cmocka_unit_test(test_progress_format),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_profile_wrapper),
        cmocka_unit_test(test_opbench_every_case),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
