/* test_busy.c — `bench --busy-core`: the spinner is pinned to the last CPU of the mask
 * (the caller is not), spins, and is gone after stop, after bench ends, after Ctrl-C and
 * after bench is killed; rows carry busy_core and busy_ratio. No timing assertions: the
 * ratio's value is only checked to be a positive number. The command-line cases run
 * build/stvit (or $STVIT_BIN) on a tiny network. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "harness/bench/busy.h"
#include "harness/results/results.h"
#include "tests/common/testutil.h"
#include "variants/st_error.h"

#define WAIT_S 120   /* longest a tiny bench may take on a loaded machine */

static int group_setup(void **state) { return tu_tmpdir_create("busy"); }
static int group_teardown(void **state) { return tu_tmpdir_remove(); }

/* The state letter of /proc/PID/stat, or 0 when the process is gone. */
static char proc_state(pid_t pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *close_paren = strrchr(buf, ')');   /* the name may hold spaces */
    return close_paren && close_paren[1] == ' ' ? close_paren[2] : 0;
}

/* Gone or a zombie (an orphan whose new parent has not reaped it yet): not running.
 * Waits up to a few seconds for SIGKILL from a dying parent to land. */
static int stopped(pid_t pid) {
    for (int i = 0; i < 500; i++) {
        char s = proc_state(pid);
        if (s == 0 || s == 'Z' || s == 'X') return 1;
        struct timespec ms10 = {0, 10000000};
        nanosleep(&ms10, NULL);
    }
    return 0;
}

static int last_cpu(const cpu_set_t *m) {
    int last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, m)) last = c;
    return last;
}

static void test_spinner_pinned_spinning_and_reaped(void **state) {
    cpu_set_t before, after, child;
    assert_int_equal(sched_getaffinity(0, sizeof before, &before), 0);
    hx_busy b = {0, -1};
    assert_int_equal(hx_busy_start(&b), 0);
    pid_t pid = b.pid;
    assert_true(pid > 0);
    assert_int_equal(b.cpu, last_cpu(&before));
    assert_int_equal(sched_getaffinity(pid, sizeof child, &child), 0);
    assert_int_equal(CPU_COUNT(&child), 1);
    assert_true(CPU_ISSET(b.cpu, &child));
    assert_int_equal(sched_getaffinity(0, sizeof after, &after), 0);
    assert_true(CPU_EQUAL(&before, &after));   /* the benchmark itself is not pinned */
    assert_int_equal(proc_state(pid), 'R');    /* it spins: never sleeps */
    assert_int_not_equal(hx_busy_start(&b), 0);   /* one at a time */
    assert_non_null(strstr(st_last_error(), "already"));
    hx_busy_stop(&b);
    assert_int_equal(b.pid, 0);
    assert_int_equal(proc_state(pid), 0);   /* killed and reaped: not even a zombie */
    assert_true(waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD);
    hx_busy_stop(&b);   /* twice is harmless */
}

static void take(hx_busy_mode *mode, int *argc, char **argv, int expect_rc) {
    *mode = HX_BUSY_OFF;
    assert_int_equal(hx_busy_take_option(argc, argv, mode) != 0, expect_rc != 0);
}

static void test_take_option(void **state) {
    hx_busy_mode m;
    char *bare[] = {"bench", "--busy-core", "--batch", "1", NULL};
    int n = 4;
    take(&m, &n, bare, 0);
    assert_int_equal(m, HX_BUSY_ON);
    assert_int_equal(n, 3);
    assert_string_equal(bare[1], "--batch");
    assert_null(bare[3]);

    char *both[] = {"bench", "--res", "32", "--busy-core", "both", NULL};
    n = 5;
    take(&m, &n, both, 0);
    assert_int_equal(m, HX_BUSY_BOTH);
    assert_int_equal(n, 3);

    char *eq[] = {"bench", "--busy-core=both", "--busy-core=off", NULL};   /* the last wins */
    n = 3;
    take(&m, &n, eq, 0);
    assert_int_equal(m, HX_BUSY_OFF);
    assert_int_equal(n, 1);

    char *dashdash[] = {"bench", "--", "--busy-core", NULL};   /* positional after -- */
    n = 3;
    take(&m, &n, dashdash, 0);
    assert_int_equal(m, HX_BUSY_OFF);
    assert_int_equal(n, 3);

    char *bad[] = {"bench", "--busy-core=sometimes", NULL};
    n = 2;
    take(&m, &n, bad, -1);
    assert_non_null(strstr(st_last_error(), "--busy-core"));
    assert_non_null(strstr(st_last_error(), "sometimes"));
    char *bad_word[] = {"bench", "--busy-core", "always", NULL};
    n = 3;
    take(&m, &n, bad_word, -1);
    assert_non_null(strstr(st_last_error(), "always"));
}

static void test_expand_and_rows(void **state) {
    hx_point *pts = calloc(2, sizeof *pts);
    assert_non_null(pts);
    pts[0].index = 3, pts[1].index = 7;   /* a shard of 10 points */
    strcpy(pts[1].backend, "omp");
    int total = 10;
    assert_int_equal(hx_busy_expand_points(HX_BUSY_ON, &pts, 2, &total), 2);
    assert_int_equal(total, 10);
    assert_int_equal(hx_busy_expand_points(HX_BUSY_BOTH, &pts, 2, &total), 4);
    assert_int_equal(total, 20);
    int want[] = {6, 7, 14, 15};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pts[i].index, want[i]);
        assert_int_equal(hx_busy_is_busy(HX_BUSY_BOTH, i), i % 2);
    }
    assert_string_equal(pts[3].backend, "omp");
    free(pts);

    double quiet = NAN;
    hx_row q, b;
    hx_row_init(&q);
    hx_row_init(&b);
    hx_row_num(&q, "img_per_s", 20);
    hx_row_num(&b, "img_per_s", 5);
    hx_busy_to_row(HX_BUSY_BOTH, 0, &quiet, &q);
    hx_busy_to_row(HX_BUSY_BOTH, 1, &quiet, &b);
    double r;
    assert_string_equal(hx_row_get(&q, "busy_core"), "false");
    assert_string_equal(hx_row_get(&q, "busy_ratio"), "");
    assert_string_equal(hx_row_get(&b, "busy_core"), "true");
    assert_int_equal(hx_row_get_num(&b, "busy_ratio", &r), 0);
    assert_true(fabs(r - 0.25) < 1e-6);
    hx_row_free(&q);
    hx_row_free(&b);

    hx_row on;   /* mode on: flag only, ratio column present but empty */
    hx_row_init(&on);
    hx_row_num(&on, "img_per_s", 5);
    hx_busy_to_row(HX_BUSY_ON, 0, &quiet, &on);
    assert_string_equal(hx_row_get(&on, "busy_core"), "true");
    assert_string_equal(hx_row_get(&on, "busy_ratio"), "");
    hx_row_free(&on);
}

/* ---- the command ----------------------------------------------------------------- */

typedef struct {
    pid_t pid;
    int err_fd;
    char err[16384];
    size_t nerr;
} child_run;

static const char *stvit_bin(void) {
    const char *b = getenv("STVIT_BIN");
    return b && *b ? b : "build/stvit";
}

/* stvit bench ARGS... --out DIR; stderr read by the caller, stdout discarded. */
static void start_bench(child_run *c, const char *out_dir, const char *const *args) {
    const char *argv[40] = {stvit_bin(), "bench", "--variant", "S", "--res", "32", "--warmup", "0",
                            "--min-runs", "1", "--no-check", "--peak", "1", "--out", out_dir};
    int argc = 15;
    for (int i = 0; args[i] && argc < 38; i++) argv[argc++] = args[i];
    argv[argc] = NULL;
    int pe[2];
    assert_int_equal(pipe(pe), 0);
    fflush(NULL);
    memset(c, 0, sizeof *c);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(pe[1], 2);
        close(pe[0]), close(pe[1]), close(devnull);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(pe[1]);
    c->err_fd = pe[0];
}

/* Reads stderr until `until` appears (NULL: until end of file) or WAIT_S pass. */
static int read_err(child_run *c, const char *until) {
    time_t t0 = time(NULL);
    while (!(until && strstr(c->err, until)) && time(NULL) - t0 < WAIT_S) {
        struct pollfd p = {c->err_fd, POLLIN, 0};
        if (poll(&p, 1, 1000) <= 0) continue;
        ssize_t n = read(c->err_fd, c->err + c->nerr, sizeof c->err - 1 - c->nerr);
        if (n <= 0) return until == NULL;
        c->nerr += (size_t)n;
        c->err[c->nerr] = 0;
    }
    return until && strstr(c->err, until);
}

/* The exit status (or 128 + signal); kills the child if it does not end. */
static int finish(child_run *c) {
    if (!read_err(c, NULL)) kill(c->pid, SIGKILL);
    close(c->err_fd);
    int ws;
    while (waitpid(c->pid, &ws, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* Every "spinner pid N" the bench announced; asserts each is stopped. Returns how many. */
static int assert_spinners_gone(const char *err) {
    int count = 0;
    for (const char *s = err; (s = strstr(s, "spinner pid ")); s++) {
        int pid = atoi(s + 12);
        assert_true(pid > 0);
        if (!stopped(pid)) fail_msg("spinner %d still runs after bench:\n%s", pid, err);
        count++;
    }
    return count;
}

/* The busy_core values of the file's rows in order ("ft" = false, true), into flags. */
static void read_rows(const char *path, char *flags, double *ratio_of_busy) {
    hx_table t;
    hx_table_init(&t);
    assert_int_equal(hx_table_read(path, &t), 0);
    assert_true(hx_table_col(&t, "busy_core") >= 0);
    assert_true(hx_table_col(&t, "busy_ratio") >= 0);
    for (int i = 0; i < t.n; i++) {
        const char *b = hx_row_get(&t.rows[i], "busy_core");
        flags[i] = !strcmp(b, "true") ? 't' : !strcmp(b, "false") ? 'f' : '?';
        double r;
        if (!hx_row_get_num(&t.rows[i], "busy_ratio", &r)) *ratio_of_busy = r;
    }
    flags[t.n] = 0;
    hx_table_free(&t);
}

static void run_and_check(const char *name, const char *const *args, const char *want_flags, int want_spinners) {
    child_run c;
    char out[4096];
    start_bench(&c, tu_tmp_path(name), args);
    snprintf(out, sizeof out, "%s/bench.csv", tu_tmp_path(name));
    int rc = finish(&c);
    if (rc) fail_msg("bench %s exited %d:\n%s", name, rc, c.err);
    assert_int_equal(assert_spinners_gone(c.err), want_spinners);
    char flags[16];
    double ratio = NAN;
    read_rows(out, flags, &ratio);
    assert_string_equal(flags, want_flags);
    if (strchr(want_flags, 'f') && strchr(want_flags, 't')) assert_true(ratio > 0 && isfinite(ratio));
    else assert_true(isnan(ratio));
}

static void test_bench_rows(void **state) {
    run_and_check("quiet", (const char *const[]){"--backend", "naive", "--min-time", "0", NULL}, "f", 0);
    run_and_check("on", (const char *const[]){"--backend", "naive", "--batch", "1,2", "--min-time", "0",
                                                  "--busy-core", NULL}, "tt", 1);
    /* both: quiet then busy per point; a spinner per busy point */
    run_and_check("both", (const char *const[]){"--backend", "naive", "--batch", "1,2", "--min-time", "0",
                                                    "--busy-core", "both", NULL}, "ftft", 2);
}

/* Ctrl-C once: bench finishes the point, stops the spinner, exits 130. Twice: bench
 * dies of SIGINT and the spinner dies with it. */
static void test_bench_interrupted(void **state) {
    for (int times = 1; times <= 2; times++) {
        child_run c;
        start_bench(&c, tu_tmp_path(times == 1 ? "int1" : "int2"), (const char *const[]){"--backend", "naive", "--batch", "1,2,3",
                                                                        "--min-time", "2", "--busy-core", NULL});
        if (!read_err(&c, "spinner pid ")) {
            finish(&c);
            fail_msg("bench announced no spinner:\n%s", c.err);
        }
        for (int k = 0; k < times; k++) {
            kill(c.pid, SIGINT);
            struct timespec ms50 = {0, 50000000};
            nanosleep(&ms50, NULL);
        }
        int rc = finish(&c);
        assert_int_equal(rc, 130);   /* exit 130, or 128 + SIGINT */
        assert_int_equal(assert_spinners_gone(c.err), 1);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spinner_pinned_spinning_and_reaped),
        cmocka_unit_test(test_take_option),
        cmocka_unit_test(test_expand_and_rows),
        cmocka_unit_test(test_bench_rows),
        cmocka_unit_test(test_bench_interrupted),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
