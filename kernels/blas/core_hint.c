/* core_hint.c — which OpenBLAS core this CPU should get when OpenBLAS does not know it.
 *
 * A DYNAMIC_ARCH OpenBLAS picks its kernels from the CPU model when it loads; a model
 * newer than the library (Debian 12's 0.3.21 on a Xeon of model 207, say) falls back to
 * Prescott, its SSE3 kernels: sgemm at 32 GFLOP/s per core where SkylakeX's reach 150.
 * The choice is read from OPENBLAS_CORETYPE in OpenBLAS's constructor, before main, so
 * main sets it and executes itself again (harness/cli/main.c). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "kernels/blas/blas.h"

const char *kn_blas_core_hint(void) {
    if (getenv("OPENBLAS_CORETYPE")) return NULL; /* the user's choice stands */
    const char *core = openblas_get_corename();
    /* OpenBLAS's fallbacks for a CPU it does not recognise */
    static const char *const fallback[] = {"Prescott", "Core2", "Nehalem", "Katmai", "Banias"};
    int unknown = 0;
    for (size_t i = 0; core && i < sizeof fallback / sizeof *fallback; i++) unknown |= !strcmp(core, fallback[i]);
    if (!unknown) return NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    return NULL;
}
