/* test_blas_core.c — which OpenBLAS core `stvit` restarts with (kernels/blas/core_hint.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cblas.h>
#include "kernels/blas/blas.h"

/* A core the user chose is never overridden. */
static void test_user_choice_stands(void **state) {
    const char *old = getenv("OPENBLAS_CORETYPE");
    char *keep = old ? strdup(old) : NULL;
    setenv("OPENBLAS_CORETYPE", "Haswell", 1);
    assert_null(kn_blas_core_hint());
    if (keep) setenv("OPENBLAS_CORETYPE", keep, 1);
    else unsetenv("OPENBLAS_CORETYPE");
    free(keep);
}

/* Without a choice: a hint only when OpenBLAS fell back to a generic core, and then the
 * best core this CPU runs (AVX-512 -> SkylakeX, AVX2 + FMA -> Haswell). */
static void test_hint_follows_the_cpu(void **state) {
    if (getenv("OPENBLAS_CORETYPE")) skip(); /* this process was started with a choice */
    const char *core = openblas_get_corename(), *hint = kn_blas_core_hint();
    int fallback = core && (!strcmp(core, "Prescott") || !strcmp(core, "Core2") || !strcmp(core, "Nehalem") ||
                            !strcmp(core, "Katmai") || !strcmp(core, "Banias"));
    print_message("  OpenBLAS core %s, hint %s\n", core ? core : "?", hint ? hint : "none");
    __builtin_cpu_init();
    if (!fallback) {
        assert_null(hint);
    } else if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
        assert_string_equal(hint, "SkylakeX");
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        assert_string_equal(hint, "Haswell");
    } else {
        assert_null(hint);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_choice_stands),
        cmocka_unit_test(test_hint_follows_the_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
