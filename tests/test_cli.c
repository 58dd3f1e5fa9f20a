/* test_cli.c — the command line as a user meets it: where outputs go, what a
 * result file holds, how mistakes are reported. One test per behaviour; each runs
 * the real program ($STVIT_BIN, else build/stvit) from a temporary folder, so
 * default outputs (runs/...) land there and nothing of the checkout is touched. */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness/cli/cli.h"
#include "harness/cli/outputs.h"
#include "harness/results/results.h"
#include "tests/common/testutil.h"
#include "variants/formats/json.h"
#include "viz/png.h"

static char bin[PATH_MAX], golden[PATH_MAX], image[PATH_MAX];

/* A small, fast bench point; the caller adds the rest. */
#define QUICK_BENCH "bench --variant S --res 32 --warmup 0 --min-runs 1 --min-time 0 --peak 1 --quiet"

typedef struct {
    int status;
    char out[65536], err[16384];
} result;

/* Runs "stvit ARGS" (a shell command line; stdin /dev/null unless ARGS redirects it)
 * in the temporary folder. */
static void run(result *r, const char *fmt, ...) {
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    r->status = tu_run_in_tmpdir(bin, args, r->out, sizeof r->out, r->err, sizeof r->err);
}

static int lines_of(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* Entries of a folder, "." and ".." left out (-1 if it cannot be read). */
static int entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void write_text(const char *path, const char *text) { assert_int_equal(tu_write_text(path, text), 0); }

static void rm_rf(const char *path) {
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static int group_setup(void **state) {
    (void)state;
    const char *b = getenv("STVIT_BIN");
    if (!realpath(b && *b ? b : "build/stvit", bin) || !realpath("tests/data/pub_tiny96.weights.safetensors", golden))
        return -1;
    if (tu_tmpdir_create("cli")) return -1;
    snprintf(image, sizeof image, "%s", tu_tmp_path("photo.png"));
    unsigned char rgb[90 * 70 * 3];
    for (int i = 0; i < (int)sizeof rgb; i++) rgb[i] = (unsigned char)(i * 7 + i / 5);
    return vz_png_write(image, rgb, 90, 70) ? -1 : 0;
}
static int group_teardown(void **state) { (void)state; return tu_tmpdir_remove(); }

/* ---- outputs ---------------------------------------------------------------------- */

/* No --out: a fresh runs/<date>-<command>/ per run, printed; an existing results/ untouched. */
static void test_default_output_is_a_fresh_run_folder(void **state) {
    (void)state;
    mkdir(tu_tmp_path("results"), 0755);
    mkdir(tu_tmp_path("results/viz"), 0755);
    write_text(tu_tmp_path("results/bench.csv"), "committed\n");
    result r;
    run(&r, QUICK_BENCH " --backend simd");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "runs/"));   /* where they went is said */
    run(&r, QUICK_BENCH " --backend simd");
    assert_int_equal(r.status, 0);
    run(&r, "viz --weights '%s' --res 64 photo.png", golden);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "runs/"));
    run(&r, "viz --weights '%s' --res 64 --quiet photo.png", golden);
    assert_int_equal(r.status, 0);
    assert_int_equal(entries(tu_tmp_path("runs")), 4);         /* four runs, four folders */
    assert_int_equal(entries(tu_tmp_path("results/viz")), 0);  /* viz left results/ alone */
    char old[64];
    tu_slurp(tu_tmp_path("results/bench.csv"), old, sizeof old);
    assert_string_equal(old, "committed\n");
    rm_rf(tu_tmp_path("runs"));
    rm_rf(tu_tmp_path("results"));
}

/* --out - and --no-out write no file at all, in every command that writes files. */
static void test_out_dash_writes_nothing(void **state) {
    (void)state;
    int before = entries(tu_tmpdir());
    result r;
    run(&r, QUICK_BENCH " --backend simd --out -");
    assert_int_equal(r.status, 0);
    run(&r, QUICK_BENCH " --backend simd --no-out");
    assert_int_equal(r.status, 0);
    run(&r, "ablate --rows 1 --res 32 --warmup 0 --min-runs 1 --no-check --quiet --out -");
    assert_int_equal(r.status, 0);
    assert_int_equal(entries(tu_tmpdir()), before);
}

/* An output that cannot be opened leaves the other one as it was. */
static void test_unopenable_output_destroys_nothing(void **state) {
    (void)state;
    mkdir(tu_tmp_path("keep"), 0755);
    write_text(tu_tmp_path("keep/bench.csv"), "old,rows\n1,2\n");
    mkdir(tu_tmp_path("keep/bench.jsonl"), 0755);   /* cannot be opened for writing */
    result r;
    run(&r, QUICK_BENCH " --backend simd --out keep");
    assert_int_equal(r.status, 1);
    assert_int_equal(lines_of(r.err), 1);
    assert_non_null(strstr(r.err, "bench.jsonl"));
    char old[64];
    tu_slurp(tu_tmp_path("keep/bench.csv"), old, sizeof old);
    assert_string_equal(old, "old,rows\n1,2\n");
    rm_rf(tu_tmp_path("keep"));
}

/* The columns say what they hold (results/SCHEMA.md), booleans are true/false, and
 * every row carries how to reproduce it. */
static void test_columns_say_what_they_hold(void **state) {
    (void)state;
    result r;
    run(&r, QUICK_BENCH " --backend simd --out cols");
    assert_int_equal(r.status, 0);
    hx_table t;
    assert_int_equal(hx_table_read(tu_tmp_path("cols/bench.jsonl"), &t), 0);
    assert_int_equal(t.n, 1);
    static const char *const want[] = {"batch_ms_median", "batch_ms_min", "batch_ms_p90", "img_per_s",
                                       "macs_per_img", "param_count", "gflop_per_s", "peak_gflop_per_s",
                                       "mem_workspace_mib", "warmup", "min_time_s", "seed", "env_cmdline",
                                       "env_os", "env_kernel", "env_omp_vars", "env_openblas_vars", "env_loadavg"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (hx_table_col(&t, want[i]) < 0) fail_msg("no column %s", want[i]);
    static const char *const gone[] = {"flops", "gflops", "params", "ms_median", "workspace_mib"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) assert_int_equal(hx_table_col(&t, gone[i]), -1);
    const hx_row *row = &t.rows[0];
    assert_string_equal(hx_row_get(row, "matches_naive"), "true");
    assert_non_null(strstr(hx_row_get(row, "env_cmdline"), "--res 32"));
    double macs, ips, gf;
    assert_int_equal(hx_row_get_num(row, "macs_per_img", &macs), 0);
    assert_int_equal(hx_row_get_num(row, "img_per_s", &ips), 0);
    assert_int_equal(hx_row_get_num(row, "gflop_per_s", &gf), 0);
    assert_true(fabs(gf - 2 * macs * ips / 1e9) <= 1e-5 * gf);   /* the convention stated */
    hx_table_free(&t);
    char text[65536];
    tu_slurp(tu_tmp_path("cols/bench.jsonl"), text, sizeof text);
    assert_non_null(strstr(text, "\"matches_naive\":true"));   /* a JSON boolean, not a string */
    rm_rf(tu_tmp_path("cols"));
}

/* --append numbers the new points after the file's last (merge accepts the file) and
 * refuses a file of other columns before measuring anything. */
static void test_append_keeps_points_unique(void **state) {
    (void)state;
    result r;
    run(&r, QUICK_BENCH " --backend simd --out app");
    assert_int_equal(r.status, 0);
    run(&r, QUICK_BENCH " --backend simd --out app --append");
    assert_int_equal(r.status, 0);
    run(&r, "merge app/merged.csv app/bench.csv");
    assert_int_equal(r.status, 0);
    mkdir(tu_tmp_path("other"), 0755);
    write_text(tu_tmp_path("other/bench.csv"), "point,ms_median\n0,1\n");
    run(&r, QUICK_BENCH " --backend naive --res 224 --min-runs 1000 --out other --append");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "column"));
    char old[64];
    tu_slurp(tu_tmp_path("other/bench.csv"), old, sizeof old);
    assert_string_equal(old, "point,ms_median\n0,1\n");
    rm_rf(tu_tmp_path("app"));
    rm_rf(tu_tmp_path("other"));
}

/* ---- consistency ------------------------------------------------------------------ */

/* The same mistake gives the same exit status (2) in every command, the message and
 * one usage line, and a suggestion when the word is a slip. */
static void test_mistakes_are_reported_alike(void **state) {
    (void)state;
    static const char *const cmds[] = {"infer", "classify", "flops", "backends", "bench", "peak",
                                       "merge", "ablate", "viz", "eval", "compare", "baselines"};
    result r;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        run(&r, "%s --no-such-option", cmds[i]);
        if (r.status != 2 || lines_of(r.err) != 2 || !strstr(r.err, "usage: stvit"))
            fail_msg("%s: exit %d, stderr:\n%s", cmds[i], r.status, r.err);
    }
    run(&r, "bench --vairant S");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "did you mean '--variant'"));
    run(&r, "bnech");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "did you mean 'bench'"));
    run(&r, "bench --backend smid");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "did you mean 'simd'"));
    /* an unknown variant is the same mistake whether the parser or the model finds it */
    run(&r, "bench --variant Q");
    assert_int_equal(r.status, 2);
    run(&r, "classify --variant Q photo.png");
    assert_int_equal(r.status, 2);
    run(&r, "flops --variant b");
    assert_int_equal(r.status, 0);   /* names are case-insensitive */
    run(&r, "bench --out x.csv");
    assert_int_equal(r.status, 2);   /* --out is a folder in every command */
    run(&r, "--version");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "stvit "));
}

/* JSON output is valid whatever the file name holds. */
static void test_json_escapes_every_string(void **state) {
    (void)state;
    char odd[PATH_MAX];
    snprintf(odd, sizeof odd, "%s", tu_tmp_path("a\"b\\c.png"));
    assert_int_equal(link(image, odd), 0);
    result r;
    run(&r, "classify --weights '%s' --res 64 --json 'a\"b\\c.png'", golden);
    assert_int_equal(r.status, 0);
    js_value v;
    assert_int_equal(js_parse(r.out, strlen(r.out), &v), 0);
    assert_string_equal(js_get(&v, "image")->string, "a\"b\\c.png");
    js_free(&v);
    remove(odd);
}

/* classify streams a list (or stdin) in batches, as CSV; the output equals the
 * one-by-one run; a seeded run says so once on stderr. */
static void test_classify_streams_a_list(void **state) {
    (void)state;
    write_text(tu_tmp_path("list.txt"), "photo.png\nphoto.png\nphoto.png\n");
    result one, many;
    run(&one, "classify --weights '%s' --res 64 --csv photo.png", golden);
    assert_int_equal(one.status, 0);
    run(&many, "classify --weights '%s' --res 64 --csv --batch 2 --list - < list.txt", golden);
    assert_int_equal(many.status, 0);
    assert_int_equal(lines_of(many.out), 4);   /* header + 3 rows */
    const char *row1 = strchr(one.out, '\n') + 1;
    assert_non_null(strstr(many.out, row1));
    run(&many, "classify --res 32 photo.png");
    assert_int_equal(many.status, 0);
    assert_int_equal(lines_of(many.err), 1);
    assert_non_null(strstr(many.err, "random weights"));
    remove(tu_tmp_path("list.txt"));
}

/* One preprocessing: above 224 the default crop fraction is 1.0 (Resize(N) +
 * CenterCrop(N)), as eval does; --crop-pct changes it. */
static void test_one_preprocessing(void **state) {
    (void)state;
    result dflt, one, other;
    run(&dflt, "classify --weights '%s' --res 240 --csv photo.png", golden);
    run(&one, "classify --weights '%s' --res 240 --crop-pct 1 --csv photo.png", golden);
    run(&other, "classify --weights '%s' --res 240 --crop-pct 0.875 --csv photo.png", golden);
    assert_int_equal(dflt.status, 0);
    assert_int_equal(other.status, 0);
    assert_string_equal(dflt.out, one.out);
    assert_string_not_equal(dflt.out, other.out);
}

/* eval --results-file: the summary as JSON, with the environment and commit. */
static void test_eval_results_file(void **state) {
    (void)state;
    mkdir(tu_tmp_path("set"), 0755);
    mkdir(tu_tmp_path("set/0"), 0755);
    assert_int_equal(link(image, tu_tmp_path("set/0/a.png")), 0);
    result r;
    run(&r, "eval --weights '%s' --res 64 --images set --quiet --out ev --results-file ev/summary.json", golden);
    assert_int_equal(r.status, 0);
    char text[16384];
    tu_slurp(tu_tmp_path("ev/summary.json"), text, sizeof text);
    js_value v;
    assert_int_equal(js_parse(text, strlen(text), &v), 0);
    assert_non_null(js_get(&v, "top1"));
    assert_non_null(js_get(&v, "env_git"));
    assert_non_null(js_get(&v, "env_cmdline"));
    js_free(&v);
    assert_int_equal(access(tu_tmp_path("ev/eval.csv"), F_OK), 0);
    rm_rf(tu_tmp_path("ev"));
    rm_rf(tu_tmp_path("set"));
}

/* compare pairs two backends of one file and gives their ratio; flops --json has the
 * per-op breakdown. */
static void test_compare_and_flops_json(void **state) {
    (void)state;
    result r;
    run(&r, QUICK_BENCH " --backend naive,simd --no-check --out cmp");
    assert_int_equal(r.status, 0);
    run(&r, "compare cmp/bench.csv --backends naive,simd --json");
    assert_int_equal(r.status, 0);
    js_value v;
    assert_int_equal(js_parse(r.out, strcspn(r.out, "\n"), &v), 0);
    double a = js_get(&v, "value_a")->number, b = js_get(&v, "value_b")->number;
    assert_true(fabs(js_get(&v, "ratio")->number - b / a) <= 1e-5 * (b / a));
    js_free(&v);
    run(&r, "flops --variant S --attn global --json");
    assert_int_equal(r.status, 0);
    assert_int_equal(js_parse(r.out, strlen(r.out), &v), 0);
    const js_value *ops = js_get(&v, "ops");
    assert_non_null(ops);
    int64_t sum = 0, total, x;
    for (int i = 0; i < ops->count; i++) {
        assert_true(js_to_int64(js_get(&ops->items[i], "macs_per_img"), &x));
        sum += x;
    }
    assert_true(js_to_int64(js_get(&v, "macs_per_img"), &total));
    assert_true(sum == total);   /* the ops add up to the whole */
    js_free(&v);
    rm_rf(tu_tmp_path("cmp"));
}

/* Progress in a log (stderr not a terminal): plain lines with counts and ETA, no
 * control characters, one style for bench, ablate and eval. */
static void test_progress_in_a_log(void **state) {
    (void)state;
    result r;
    run(&r, "bench --variant S --res 32 --warmup 0 --min-runs 1 --min-time 0 --peak 1 --backend simd,omp --out -");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "bench: [1/2] "));
    assert_non_null(strstr(r.err, "bench: [2/2] "));
    assert_non_null(strstr(r.err, "ETA"));
    assert_null(strpbrk(r.err, "\r\033"));
    run(&r, "ablate --rows 1,2 --res 32 --warmup 0 --min-runs 1 --no-check --out -");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "ablate: [2/2] "));
    mkdir(tu_tmp_path("pset"), 0755);
    mkdir(tu_tmp_path("pset/0"), 0755);
    assert_int_equal(link(image, tu_tmp_path("pset/0/a.png")), 0);
    run(&r, "eval --weights '%s' --res 64 --images pset --out -", golden);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "eval: [1/1] "));
    assert_null(strpbrk(r.err, "\r\033"));
    rm_rf(tu_tmp_path("pset"));
}

/* ---- the helpers, in process ------------------------------------------------------ */

static void test_helpers(void **state) {
    (void)state;
    static const char *const names[] = {"--threads", "--variant", "--batch"};
    assert_string_equal(hx_closest("--thread", names, 3), "--threads");
    assert_null(hx_closest("--zzz", names, 3));
    assert_null(hx_closest("-x", names, 3));
    /* mkdir -p, and an atomic write that leaves the old file on abort */
    assert_int_equal(hx_make_dir(tu_tmp_path("a/b/c")), 0);
    assert_int_equal(hx_make_parent_dir(tu_tmp_path("a/b/c/d/file.txt")), 0);
    assert_int_equal(entries(tu_tmp_path("a/b/c/d")), 0);
    hx_atomic at;
    const char *path = tu_tmp_path("a/file.txt");
    assert_int_equal(hx_atomic_open(&at, path, "w"), 0);
    fputs("one", at.f);
    assert_int_equal(hx_atomic_commit(&at), 0);
    assert_int_equal(hx_atomic_open(&at, path, "w"), 0);
    fputs("two", at.f);
    hx_atomic_abort(&at);
    char text[16];
    tu_slurp(path, text, sizeof text);
    assert_string_equal(text, "one");
    assert_int_equal(entries(tu_tmp_path("a")), 2);   /* b/ and file.txt: no temporary left */
    rm_rf(tu_tmp_path("a"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_output_is_a_fresh_run_folder),
        cmocka_unit_test(test_out_dash_writes_nothing),
        cmocka_unit_test(test_unopenable_output_destroys_nothing),
        cmocka_unit_test(test_columns_say_what_they_hold),
        cmocka_unit_test(test_append_keeps_points_unique),
        cmocka_unit_test(test_mistakes_are_reported_alike),
        cmocka_unit_test(test_json_escapes_every_string),
        cmocka_unit_test(test_classify_streams_a_list),
        cmocka_unit_test(test_one_preprocessing),
        cmocka_unit_test(test_eval_results_file),
        cmocka_unit_test(test_compare_and_flops_json),
        cmocka_unit_test(test_progress_in_a_log),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
