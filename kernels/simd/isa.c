/* isa.c — picks the simd kernel table from the CPU's features, once.
 * STVIT_ISA=avx512|avx2|generic asks for one; a request this CPU cannot run is
 * ignored (the automatic choice stays) so a stale setting never crashes. */
#include <stdlib.h>
#include <string.h>
#include "kernels/simd/simd.h"

static int cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
static int cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

const kn_simd_isa *kn_simd_isa_by_name(const char *name) {
    if (!name) return NULL;
    if (strcmp(name, "avx512") == 0) return cpu_has_avx512() ? &kn_simd_isa__avx512 : NULL;
    if (strcmp(name, "avx2") == 0) return cpu_has_avx2() ? &kn_simd_isa__avx2 : NULL;
    if (strcmp(name, "generic") == 0) return &kn_simd_isa__generic;
    return NULL;
}

static const kn_simd_isa *forced;

void kn_simd_isa_force(const kn_simd_isa *isa) { forced = isa; }

const kn_simd_isa *kn_simd_isa_active(void) {
    static const kn_simd_isa *picked; /* same value from any thread: a benign race */
    if (forced) return forced;
    if (!picked) {
        const kn_simd_isa *isa = kn_simd_isa_by_name(getenv("STVIT_ISA"));
        if (!isa) isa = cpu_has_avx512() ? &kn_simd_isa__avx512
                      : cpu_has_avx2()   ? &kn_simd_isa__avx2
                                         : &kn_simd_isa__generic;
        picked = isa;
    }
    return picked;
}
