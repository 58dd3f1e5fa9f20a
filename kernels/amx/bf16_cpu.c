/* bf16_cpu.c — may this process run the bf16 kernels? CPUID for the instructions,
 * XCR0 for the OS saving their register state, arch_prctl for Linux's AMX permission,
 * and STVIT_NO_BF16=1 to switch both off (tests then run as on a CPU without them). */
#include <stdlib.h>
#include <string.h>
#include <cpuid.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "kernels/amx/bf16.h"

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

static int bit(unsigned leaf, unsigned sub, int reg, int b) {
    unsigned r[4];
    if (__get_cpuid_max(leaf & 0x80000000u, NULL) < leaf) return 0;
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
    return (int)((r[reg] >> b) & 1u);
}
enum { EAX, EBX, ECX, EDX };

static unsigned long long xcr0(void) {
    if (!bit(1, 0, ECX, 27)) return 0; /* no OSXSAVE: the OS enables nothing */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (unsigned long long)hi << 32 | lo;
}

static int switched_off(const char **why) {
    const char *s = getenv("STVIT_NO_BF16");
    if (s && *s && strcmp(s, "0") != 0) {
        *why = "STVIT_NO_BF16 is set";
        return 1;
    }
    return 0;
}

/* AVX-512 F/BW/DQ/VL (packing and epilogue) with the OS saving zmm/opmask state. */
static int avx512_ok(const char **why) {
    if (!(bit(7, 0, EBX, 16) && bit(7, 0, EBX, 17) && bit(7, 0, EBX, 30) && bit(7, 0, EBX, 31))) {
        *why = "CPU lacks AVX-512 F/DQ/BW/VL (CPUID 7.0 EBX)";
        return 0;
    }
    if ((xcr0() & 0xe6) != 0xe6) {
        *why = "OS does not enable AVX-512 state (XCR0 bits 1,2,5-7)";
        return 0;
    }
    return 1;
}

int kn_bf16_cpu_avx512bf16(const char **why) {
    const char *dummy;
    if (!why) why = &dummy;
    if (switched_off(why) || !avx512_ok(why)) return 0;
    if (!bit(7, 1, EAX, 5)) {
        *why = "CPU lacks AVX512_BF16 (CPUID 7.1 EAX bit 5)";
        return 0;
    }
    return 1;
}

int kn_bf16_cpu_amx(const char **why) {
    const char *dummy;
    if (!why) why = &dummy;
    if (switched_off(why) || !avx512_ok(why)) return 0;
    if (!bit(7, 0, EDX, 24)) {
        *why = "CPU lacks AMX-TILE (CPUID 7.0 EDX bit 24)";
        return 0;
    }
    if (!bit(7, 0, EDX, 22)) {
        *why = "CPU lacks AMX-BF16 (CPUID 7.0 EDX bit 22)";
        return 0;
    }
    if ((xcr0() & 0x60000) != 0x60000) {
        *why = "OS does not enable AMX tile state (XCR0 bits 17-18)";
        return 0;
    }
    return 1;
}

int kn_bf16_amx_request(const char **why) {
    static int state; /* 0 not asked, 1 granted, -1 refused (same from any thread) */
    const char *dummy;
    if (!why) why = &dummy;
    if (!kn_bf16_cpu_amx(why)) return -1;
    if (state == 0) state = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0 ? 1 : -1;
    if (state < 0) *why = "Linux refused the AMX tile data state (arch_prctl ARCH_REQ_XCOMP_PERM)";
    return state > 0 ? 0 : -1;
}
