/* test_figures.c — the figures as a user gets them from the command line: every `stvit
 * plot` figure of a small result file is a non-empty, non-blank PNG (and an SVG), drawn
 * from another working directory; `stvit viz` names its files after the images, so two
 * runs into one folder do not collide and index.html shows both; index.html renders in
 * headless Chromium to a non-blank screenshot (skipped, saying so, without chromium).
 * Runs $STVIT_BIN (default build/stvit). No timing. */
#include <fcntl.h>
#include <limits.h>
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
#include "tests/common/testutil.h"
#include "viz/png.h"

#define TINY_W "tests/data/pub_tiny96.weights.safetensors"

static char bin[PATH_MAX], root[PATH_MAX - 64];

/* Runs argv (NULL-terminated) in folder `cwd` with output into TMP/log; exit status. */
static int run(const char *cwd, const char *const *argv) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int log = open(tu_tmp_path("log"), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (log >= 0) {
            dup2(log, 1);
            dup2(log, 2);
        }
        if (cwd && chdir(cwd)) _exit(126);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) ? -1 : (long)st.st_size;
}

/* A picture with something drawn: several distinct colours, none covering all of it. */
static void assert_not_blank(const char *png) {
    unsigned char *rgb;
    int w, h;
    if (vz_png_read(png, &rgb, &w, &h)) fail_msg("%s: not a readable PNG", png);
    assert_true(w > 50 && h > 50);
    long n = (long)w * h, same = 0, distinct = 0;
    unsigned char seen[64][3];
    for (long i = 0; i < n; i++) {
        same += !memcmp(rgb + 3 * i, rgb, 3);
        int known = 0;
        for (int k = 0; k < distinct && k < 64 && !known; k++) known = !memcmp(seen[k], rgb + 3 * i, 3);
        if (!known && distinct < 64) memcpy(seen[distinct++], rgb + 3 * i, 3);
    }
    free(rgb);
    if (distinct < 4 || same > n * 99 / 100) fail_msg("%s is blank (%ld colours)", png, distinct);
}

static int setup(void **state) {
    const char *b = getenv("STVIT_BIN");
    if (!realpath(b && *b ? b : "build/stvit", bin) || !getcwd(root, sizeof root)) return -1;
    return tu_tmpdir_create("figures");
}
static int teardown(void **state) { return tu_tmpdir_remove(); }

/* A small result file with every column the figures read, old names and new. */
static void write_results(const char *path) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("variant,attn,res,h,w,backend,batch,threads,status,error,ms_median,img_per_s,flops,"
          "prof_pointwise_ms,prof_conv_ms,prof_attention_ms,prof_glue_ms,prof_total_ms,"
          "prof_pointwise_at_stage0_ms_per_img,prof_conv_at_stem_ms_per_img\n", f);
    const char *backends[] = {"naive", "simd", "omp"};
    const double speed[] = {0.4, 11, 20};
    for (int b = 0; b < 3; b++)
        for (int batch = 1; batch <= 8; batch += 7)
            for (int s = 0; s < 2; s++) {
                int side = s ? 384 : 224;
                double ips = speed[b] / (s ? 3 : 1);
                fprintf(f, "S,sta,%dx%d,%d,%d,%s,%d,2,ok,,%g,%g,%g,%g,%g,%g,0.1,%g,%g,%g\n", side, side, side, side,
                        backends[b], batch, 1e3 * batch / ips, ips, 4.4e9 * (s ? 3 : 1), 600 / ips, 200 / ips,
                        100 / ips, 1e3 / ips, 500 / ips, 150 / ips);
            }
    fputs("S,global,512x512,512,512,omp,1,2,failed,out of memory,,,,,,,,,,\n", f);
    fputs("S,global,224x224,224,224,omp,1,2,ok,,125,8,4.4e9,,,,,,,\n", f);
    fputs("S,global,384x384,384,384,omp,1,2,ok,,800,1.25,13e9,,,,,,,\n", f);
    fclose(f);
    f = fopen(tu_tmp_path("peers.csv"), "w");
    assert_non_null(f);
    fputs("variant,res,backend,precision,batch,threads,busy_core,img_per_s\n"
          "S,224,onnxruntime,f32,1,2,false,19\nS,224,openvino,f32,1,2,false,20\nS,224,openvino,bf16,1,2,false,30\n"
          "S,224,onnxruntime,f32,1,2,true,9\nS,224,openvino,f32,1,2,true,10\nS,224,openvino,bf16,1,2,true,14\n"
          "S,224,stvit-omp,f32,1,2,false,18\nS,224,stvit-omp,f32,1,2,true,9\n", f);
    fclose(f);
}

static void test_every_plot_is_a_picture(void **state) {
    char results[PATH_MAX], out[PATH_MAX];
    snprintf(results, sizeof results, "%s", tu_tmp_path("bench.csv"));
    snprintf(out, sizeof out, "%s", tu_tmp_path("plots"));
    write_results(results);
    /* from another folder: the scripts are found beside the program */
    const char *argv[] = {bin, "plot", results, "--out", out, NULL};
    assert_int_equal(run(tu_tmpdir(), argv), 0);
    static const char *const figs[] = {"flops_speed", "speedup", "runtimes", "profile", "profile_stages",
                                       "resolution"};
    for (int i = 0; i < 6; i++) {
        char png[PATH_MAX + 64], svg[PATH_MAX + 64];
        snprintf(png, sizeof png, "%s/%s.png", out, figs[i]);
        snprintf(svg, sizeof svg, "%s/%s.svg", out, figs[i]);
        assert_true(file_size(png) > 1000);
        assert_true(file_size(svg) > 1000);
        assert_not_blank(png);
    }
    /* a filter that leaves nothing to draw is an error, not an empty picture */
    const char *none[] = {bin, "plot", results, "--out", out, "--batch", "3", "--no-peers", NULL};
    assert_int_not_equal(run(NULL, none), 0);
    const char *bad[] = {bin, "plot", results, "--out", out, "--y", "furlongs", NULL};
    assert_int_equal(run(NULL, bad), 2);
}

/* Names a viz run writes with image `stem`. */
static void assert_viz_files(const char *dir, const char *stem, const char *run_stem) {
    char path[PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/%s_supertokens_stage0.block0.png", dir, stem);
    assert_true(file_size(path) > 0);
    snprintf(path, sizeof path, "%s/%s_supertokens_stage0.block0.svg", dir, stem);
    assert_true(file_size(path) > 0);
    snprintf(path, sizeof path, "%s/%s.html", dir, run_stem);
    assert_true(file_size(path) > 0);
}

static void test_viz_runs_do_not_collide(void **state) {
    char out[PATH_MAX], a[PATH_MAX], b[PATH_MAX], weights[PATH_MAX + 64];
    snprintf(out, sizeof out, "%s", tu_tmp_path("viz"));
    snprintf(a, sizeof a, "%s/harness/images/chelsea.png", root);
    snprintf(b, sizeof b, "%s/harness/images/coffee.png", root);
    snprintf(weights, sizeof weights, "%s/" TINY_W, root);
    const char *first[] = {bin, "viz", a, "--weights", weights, "--res", "64", "--scale", "1", "--quiet", "--out", out, NULL};
    const char *second[] = {bin, "viz", b, "--weights", weights, "--res", "64", "--norm", "percentile", "--alpha", "0.8",
                            "--quiet", "--out", out, NULL};
    assert_int_equal(run(NULL, first), 0);
    assert_int_equal(run(NULL, second), 0);
    assert_viz_files(out, "chelsea", "chelsea");
    assert_viz_files(out, "coffee", "coffee");
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/chelsea_attention_stage2.block0_anchor0.png", out); /* tiny: depths 1 1 1 1 */
    assert_not_blank(path);
    /* index.html shows both runs' figures */
    snprintf(path, sizeof path, "%s/index.html", out);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char html[1 << 20];
    size_t n = fread(html, 1, sizeof html - 1, f);
    html[n] = 0;
    fclose(f);
    assert_non_null(strstr(html, "chelsea_supertokens_stage0.block0.png"));
    assert_non_null(strstr(html, "coffee_supertokens_stage0.block0.png"));
    assert_non_null(strstr(html, "--norm percentile"));
    assert_non_null(strstr(html, "--norm minmax"));

    /* the page as a user opens it: headless Chromium, a screenshot that is not blank */
    const char *which[] = {"sh", "-c", "command -v chromium", NULL};
    if (run(NULL, which) != 0) {
        print_message("skipped: chromium is not installed (harness/install-deps.sh installs it)\n");
        return;
    }
    char url[PATH_MAX + 80], shot[PATH_MAX + 64], shot_opt[PATH_MAX + 80], profile[PATH_MAX + 80];
    snprintf(profile, sizeof profile, "--user-data-dir=%s/chromium-profile", tu_tmpdir());
    snprintf(url, sizeof url, "file://%s", path);
    snprintf(shot, sizeof shot, "%s/screenshot.png", tu_tmpdir());
    snprintf(shot_opt, sizeof shot_opt, "--screenshot=%s", shot);
    const char *chrome[] = {"timeout", "180", "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", profile, shot_opt,
                            "--window-size=1280,2000", url, NULL};
    assert_int_equal(run(NULL, chrome), 0);
    assert_true(file_size(shot) > 1000);
    assert_not_blank(shot);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_plot_is_a_picture),
        cmocka_unit_test(test_viz_runs_do_not_collide),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
