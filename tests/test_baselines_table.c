/* test_baselines_table.c — `stvit baselines` on a small hand-made bench file: which rows
 * it takes (quiet ones of DeiT-S, Swin-T and STViT-S at one size; the later of two rows
 * of a point), the table it makes (counts, img/s per backend x batch, failed, wrong and
 * missing cells, the paper's figures from variants/ablation.c), the files it writes and
 * its errors. Contents only: no timing is run. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness/results/baselines.h"
#include "harness/results/results.h"
#include "tests/common/testutil.h"
#include "variants/st_error.h"

static char bin[PATH_MAX];

#define HEAD "point,variant,attn,res,h,w,backend,precision,batch,threads,busy_core,status,error,img_per_s," \
             "macs_per_img,param_count,matches_naive,env_cpu,env_cores,env_git,env_date,env_loadavg\n"
#define DEIT "deit-s,sta,224x224,224,224"
#define SWIN "swin-t,sta,224x224,224,224"
#define STVIT "S,sta,224x224,224,224"
#define DEIT_N "4608338304,22050664"
#define SWIN_N "4509194496,28288354"
#define STVIT_N "4366546504,25495624"
#define ENV "Test CPU,2,abc1234,2026-01-02T03:04:05Z"

/* Three networks on omp (batch 1 and 8), simd and the bf16 backend, with one failed
 * point, one not measured, one whose logits differ from naive, a point measured twice,
 * and rows the table must leave out: a busy core, STViT-S with global attention, B. */
static const char bench_csv[] =
    HEAD
    "0," DEIT ",omp,f32,1,2,false,ok,,17.84," DEIT_N ",true," ENV ",0.5\n"
    "1," DEIT ",omp,f32,8,2,false,ok,,19," DEIT_N ",true," ENV ",0.5\n"
    "2," DEIT ",simd,f32,1,1,false,ok,,9.5," DEIT_N ",true," ENV ",0.5\n"
    "3," DEIT ",avx512bf16,bf16,1,2,false,ok,,30.25," DEIT_N ",true," ENV ",0.5\n"
    "4," SWIN ",omp,f32,1,2,false,ok,,16.5," SWIN_N ",true," ENV ",0.9\n"
    "5," SWIN ",omp,f32,8,2,false,ok,,18.25," SWIN_N ",true," ENV ",0.5\n"
    "6," SWIN ",simd,f32,1,1,false,failed,out of memory,," SWIN_N ",," ENV ",0.5\n"
    "7," STVIT ",omp,f32,1,2,false,ok,,8.354," STVIT_N ",true," ENV ",0.5\n"
    "8," STVIT ",omp,f32,8,2,false,ok,,21.75," STVIT_N ",false," ENV ",0.5\n"
    "9," STVIT ",simd,f32,1,1,false,ok,,11.5," STVIT_N ",true," ENV ",0.5\n"
    "10," STVIT ",avx512bf16,bf16,1,2,false,ok,,33," STVIT_N ",true," ENV ",0.5\n"
    "11," STVIT ",omp,f32,1,2,true,ok,,5," STVIT_N ",true," ENV ",7.5\n"
    "12,S,global,224x224,224,224,omp,f32,1,2,false,ok,,99," STVIT_N ",true," ENV ",0.5\n"
    "13,B,sta,224x224,224,224,omp,f32,1,2,false,ok,,98,1,2,true," ENV ",0.5\n"
    "14," STVIT ",omp,f32,1,2,false,ok,,20.5," STVIT_N ",true," ENV ",0.5\n";

#define LINE_DEIT "| DeiT-S | 22.05M | 4.608G | 17.84 | 19.00 | 9.500 | 30.25 | 22M | 4.6G | 79.9 |"
#define LINE_SWIN "| Swin-T | 28.29M | 4.509G | 16.50 | 18.25 | failed | - | 28M | 4.5G | 81.3 |"
#define LINE_STVIT "| STViT-S | 25.50M | 4.367G | 20.50 | 21.75 (wrong) | 11.50 | 33.00 | 25.4M ⚠ | 4.37G | 83.6 |"
#define LINE_HEAD "| network | params | FLOPs | omp b1 | omp b8 | simd b1 | avx512bf16 (bf16) b1 | paper: params | " \
                  "paper: FLOPs | paper: top-1 |"

typedef struct {
    int status;
    char out[16384], err[8192];
} result;

static void write_text(const char *path, const char *text) { assert_int_equal(tu_write_text(path, text), 0); }

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Runs "stvit baselines ARGS" in the temporary folder. */
static void run(result *r, const char *fmt, ...) {
    char args[2048] = "baselines ";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args + strlen(args), sizeof args - strlen(args), fmt, ap);
    va_end(ap);
    r->status = tu_run_in_tmpdir(bin, args, r->out, sizeof r->out, r->err, sizeof r->err);
}

static int group_setup(void **state) {
    (void)state;
    const char *b = getenv("STVIT_BIN");
    if (!realpath(b && *b ? b : "build/stvit", bin) || tu_tmpdir_create("baselines")) return -1;
    write_text(tu_tmp_path("bench.csv"), bench_csv);
    return 0;
}
static int group_teardown(void **state) { (void)state; return tu_tmpdir_remove(); }

/* The rows taken, the columns in the bench's backend order, each cell. */
static void test_collect(void **state) {
    (void)state;
    hx_table t;
    hx_baselines b;
    assert_int_equal(hx_table_read(tu_tmp_path("bench.csv"), &t), 0);
    assert_int_equal(hx_baselines_collect(&t, "bench.csv", 0, 0, &b), 0);
    hx_table_free(&t);
    assert_int_equal(b.h, 224);
    assert_int_equal(b.ncols, 4);
    const char *backends[] = {"omp", "omp", "simd", "avx512bf16"};
    const int batches[] = {1, 8, 1, 1}, threads[] = {2, 2, 1, 2};
    for (int c = 0; c < 4; c++) {
        assert_string_equal(b.col[c].backend, backends[c]);
        assert_int_equal(b.col[c].batch, batches[c]);
        assert_int_equal(b.col[c].threads, threads[c]);
    }
    assert_string_equal(b.net[0].name, "DeiT-S");
    assert_true(b.net[0].params == 22050664 && b.net[0].macs == 4608338304LL);
    assert_true(b.net[2].params == 25495624 && b.net[2].macs == 4366546504LL);
    assert_true(fabs(b.net[2].cell[0].img_per_s - 20.5) < 1e-9);     /* the later row of the point */
    assert_true(b.net[2].cell[1].wrong && !b.net[2].cell[0].wrong);
    assert_true(b.net[1].cell[2].failed && !b.net[1].cell[3].measured);
    assert_int_equal(b.net[2].differs, ST_ABL_PARAMS_DIFFER);         /* 25.50M printed as 25.4M */
    assert_int_equal(b.net[0].differs | b.net[1].differs, 0);
    assert_true(fabs(b.load_max - 0.9) < 1e-9);                      /* the busy row's 7.5 is not one */
    assert_string_equal(b.cpu, "Test CPU");
    /* baselines.csv: 4 + 3 + 4 rows, network first, the paper's figures last */
    assert_int_equal(b.rows.n, 11);
    assert_string_equal(b.rows.cols[0], "network");
    assert_string_equal(b.rows.cols[b.rows.ncols - 1], "paper_top1");
    assert_string_equal(hx_row_get(&b.rows.rows[0], "network"), "DeiT-S");
    assert_string_equal(hx_row_get(&b.rows.rows[10], "backend"), "avx512bf16");
    double top1;
    assert_int_equal(hx_row_get_num(&b.rows.rows[4], "paper_top1", &top1), 0);
    assert_true(fabs(top1 - 81.3) < 1e-9);
    hx_baselines_free(&b);
}

/* The command: the table on stdout and in baselines.md, the rows in baselines.csv, the plot. */
static void test_command_writes_the_table(void **state) {
    (void)state;
    result r;
    run(&r, "bench.csv --out out");
    assert_int_equal(r.status, 0);
    const char *lines[] = {LINE_HEAD, LINE_DEIT, LINE_SWIN, LINE_STVIT};
    char md[16384];
    tu_slurp(tu_tmp_path("out/baselines.md"), md, sizeof md);
    for (int i = 0; i < 4; i++) {
        if (!strstr(r.out, lines[i])) fail_msg("stdout lacks\n%s\nin\n%s", lines[i], r.out);
        if (!strstr(md, lines[i])) fail_msg("baselines.md lacks\n%s\nin\n%s", lines[i], md);
    }
    assert_non_null(strstr(md, "V100"));                       /* says why the paper's throughput is missing */
    assert_non_null(strstr(md, "25.50M parameters"));          /* and why STViT-S is flagged */
    assert_non_null(strstr(md, "Threads per backend: omp 2, simd 1, avx512bf16 2"));
    hx_table t;
    assert_int_equal(hx_table_read(tu_tmp_path("out/baselines.csv"), &t), 0);
    assert_int_equal(t.n, 11);
    assert_string_equal(hx_row_get(&t.rows[7], "network"), "STViT-S");
    assert_string_equal(hx_row_get(&t.rows[7], "macs_per_img"), "4366546504");
    hx_table_free(&t);
    if (system("command -v gnuplot >/dev/null 2>&1") == 0) {
        assert_true(exists(tu_tmp_path("out/baselines.png")) && exists(tu_tmp_path("out/baselines.svg")));
        assert_non_null(strstr(md, "](baselines.png)"));
    }
    assert_false(exists(tu_tmp_path("out/baselines_plot.csv")));  /* the figure's data is not left behind */
}

/* No --out: a fresh runs/ folder; --out -: no file at all. */
static void test_outputs(void **state) {
    (void)state;
    result r;
    run(&r, "bench.csv --out -");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, LINE_DEIT));
    assert_false(exists(tu_tmp_path("runs")));
    run(&r, "bench.csv");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "runs/"));
    assert_true(exists(tu_tmp_path("runs")));
}

/* Mistakes: 2 for the command line, 1 for the file; a failed run makes no folder. */
static void test_errors(void **state) {
    (void)state;
    result r;
    run(&r, "");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "usage: stvit baselines"));
    run(&r, "bench.csv bench.csv");
    assert_int_equal(r.status, 2);
    run(&r, "bench.csv --out table.csv");
    assert_int_equal(r.status, 2);
    run(&r, "bench.csv --colour red");
    assert_int_equal(r.status, 2);
    run(&r, "missing.csv --out bad1");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "missing.csv"));
    write_text(tu_tmp_path("other.csv"), HEAD "0,B,sta,224x224,224,224,omp,f32,1,2,false,ok,,98,1,2,true," ENV ",0.5\n");
    run(&r, "other.csv --out bad2");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "no rows of DeiT-S"));
    assert_false(exists(tu_tmp_path("bad1")) || exists(tu_tmp_path("bad2")));
    /* two sizes: --res picks one */
    char two[sizeof bench_csv + 256];
    snprintf(two, sizeof two, "%s15,deit-s,sta,384x384,384,384,omp,f32,1,2,false,ok,,5,1,2,true," ENV ",0.5\n",
             bench_csv);
    write_text(tu_tmp_path("two.csv"), two);
    run(&r, "two.csv --out -");
    assert_int_equal(r.status, 2);
    assert_true(strstr(r.err, "224x224") && strstr(r.err, "384x384") && strstr(r.err, "--res"));
    run(&r, "two.csv --res 384 --out -");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "| DeiT-S | 0.00M | 0.000G | 5.000 | 22M | 4.6G | 79.9 |"));
    assert_non_null(strstr(r.out, "| Swin-T | - | - | - | 28M | 4.5G | 81.3 |"));
    run(&r, "two.csv --res 320 --out -");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "no rows at 320x320"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collect),
        cmocka_unit_test(test_command_writes_the_table),
        cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
