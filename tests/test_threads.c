/* test_threads.c — the thread count rule (harness/cli/threads.h): --threads wins, then
 * OMP_NUM_THREADS, then SLURM_CPUS_PER_TASK, each capped by the affinity mask, else the
 * CPUs of the mask; malformed variables are ignored; single-threaded backends run one
 * thread; hx_model_open and the program (`stvit peak`, run as $STVIT_BIN) apply the rule.
 * The mask is narrowed with sched_setaffinity and the variables set with setenv (a
 * child inherits both); each test restores both. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/model_opts.h"
#include "harness/cli/threads.h"
#include "kernels/kernels.h"
#include "variants/model.h"
#include "variants/st_error.h"

static cpu_set_t saved_mask;

static int setup(void **state) {
    unsetenv("OMP_NUM_THREADS");
    unsetenv("SLURM_CPUS_PER_TASK");
    return sched_getaffinity(0, sizeof saved_mask, &saved_mask);
}

static int teardown(void **state) {
    unsetenv("OMP_NUM_THREADS");
    unsetenv("SLURM_CPUS_PER_TASK");
    return sched_setaffinity(0, sizeof saved_mask, &saved_mask);
}

/* Narrows this thread's mask to its first allowed CPU (what `taskset -c N` does). */
static void pin_to_one_cpu(void) {
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &saved_mask)) { CPU_SET(c, &one); break; }
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
}

static void test_default_is_the_affinity_mask(void **state) {
    assert_int_equal(hx_cpus_allowed(), CPU_COUNT(&saved_mask));
    assert_int_equal(hx_threads_pick(0), CPU_COUNT(&saved_mask));
    assert_string_equal(hx_threads_source(0), "affinity");
    pin_to_one_cpu();
    assert_int_equal(hx_cpus_allowed(), 1);
    assert_int_equal(hx_threads_pick(0), 1);
}

static void test_variables_are_capped_by_the_mask(void **state) {
    pin_to_one_cpu();
    setenv("SLURM_CPUS_PER_TASK", "8", 1);
    assert_int_equal(hx_threads_pick(0), 1);
    assert_string_equal(hx_threads_source(0), "SLURM_CPUS_PER_TASK");
    setenv("OMP_NUM_THREADS", "8", 1);
    assert_int_equal(hx_threads_pick(0), 1);
    assert_string_equal(hx_threads_source(0), "OMP_NUM_THREADS");
}

static void test_variables_lower_the_count(void **state) {
    int allowed = hx_cpus_allowed();
    setenv("SLURM_CPUS_PER_TASK", "1", 1);
    assert_int_equal(hx_threads_pick(0), 1);
    /* OMP_NUM_THREADS comes before SLURM_CPUS_PER_TASK */
    setenv("OMP_NUM_THREADS", "2", 1);
    assert_string_equal(hx_threads_source(0), "OMP_NUM_THREADS");
    assert_int_equal(hx_threads_pick(0), allowed < 2 ? allowed : 2);
    setenv("OMP_NUM_THREADS", "1,4", 1);   /* nested levels: the outer one */
    assert_int_equal(hx_threads_pick(0), 1);
    setenv("SLURM_CPUS_PER_TASK", "2", 1);
    assert_int_equal(hx_threads_pick(0), 1);
}

static void test_explicit_threads_win(void **state) {
    pin_to_one_cpu();
    setenv("OMP_NUM_THREADS", "1", 1);
    setenv("SLURM_CPUS_PER_TASK", "1", 1);
    assert_int_equal(hx_threads_pick(3), 3);   /* not capped: the user asked for it */
    assert_string_equal(hx_threads_source(3), "--threads");
}

static void test_malformed_variables_are_ignored(void **state) {
    static const char *const bad[] = {"", "abc", "0", "-2", "3x", "2.5", "99999999999999999999"};
    setenv("SLURM_CPUS_PER_TASK", "1", 1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("OMP_NUM_THREADS", bad[i], 1);
        assert_string_equal(hx_threads_source(0), "SLURM_CPUS_PER_TASK");
        assert_int_equal(hx_threads_pick(0), 1);
        setenv("SLURM_CPUS_PER_TASK", bad[i], 1);
        assert_string_equal(hx_threads_source(0), "affinity");
        assert_int_equal(hx_threads_pick(0), hx_cpus_allowed());
        setenv("SLURM_CPUS_PER_TASK", "1", 1);
    }
}

static void test_single_threaded_backends_use_one(void **state) {
    assert_int_equal(hx_threads_for(&kn_backend_naive, 4), 1);
    assert_int_equal(hx_threads_for(&kn_backend_simd, 4), 1);
    assert_int_equal(hx_threads_for(&kn_backend_omp, 4), 4);
    assert_int_equal(hx_threads_for(&kn_backend_blas, 4), 4);
}

/* The commands open their model through hx_model_open: it sets what the rule says. */
static void test_model_open_applies_the_rule(void **state) {
    hx_model_opts o = {.weights = "tests/data/pub_tiny96.weights.safetensors", .backend = "omp"};
    st_model *m = NULL;
    setenv("OMP_NUM_THREADS", "1", 1);
    assert_int_equal(hx_model_open(&o, &m), ST_OK);
    assert_int_equal(st_model_ctx(m)->threads, 1);
    st_model_free(m);
    unsetenv("OMP_NUM_THREADS");
    pin_to_one_cpu();
    assert_int_equal(hx_model_open(&o, &m), ST_OK);
    assert_int_equal(st_model_ctx(m)->threads, 1);
    st_model_free(m);
    o.backend = "simd";
    o.threads = 2;
    assert_int_equal(hx_model_open(&o, &m), ST_OK);
    assert_int_equal(st_model_ctx(m)->threads, 1);
    st_model_free(m);
    o.backend = "omp";
    assert_int_equal(hx_model_open(&o, &m), ST_OK);
    assert_int_equal(st_model_ctx(m)->threads, 2);
    st_model_free(m);
}

/* The threads `stvit peak --json` reports: the program, not only the library, follows
 * taskset and OMP_NUM_THREADS (they ran 2 threads on 2 CPUs before). */
static int program_threads(void) {
    const char *bin = getenv("STVIT_BIN");
    char cmd[512], out[256] = "";
    snprintf(cmd, sizeof cmd, "%s peak --json --size 64", bin && *bin ? bin : "build/stvit");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    assert_int_equal(pclose(p), 0);
    const char *t = strstr(out, "\"threads\":");
    if (!t) fail_msg("no threads in '%s'", out);
    return atoi(t + strlen("\"threads\":"));
}

static void test_program_applies_the_rule(void **state) {
    assert_int_equal(program_threads(), hx_cpus_allowed());
    setenv("OMP_NUM_THREADS", "1", 1);
    assert_int_equal(program_threads(), 1);
    unsetenv("OMP_NUM_THREADS");
    pin_to_one_cpu();   /* taskset -c N */
    assert_int_equal(program_threads(), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_is_the_affinity_mask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_variables_are_capped_by_the_mask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_variables_lower_the_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explicit_threads_win, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_variables_are_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_threaded_backends_use_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_open_applies_the_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_applies_the_rule, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
