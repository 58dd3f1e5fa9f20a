/* isa.c — the simd kernel tables this CPU runs, and the hooks that put one into an
 * instance: the entry's ISA (simd-avx2, omp-avx512, ...), else STVIT_ISA (an alias),
 * else the best. No state: every ctx holds its own choice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/simd/simd.h"

/* The CPU features an ISA needs that this CPU lacks, as "avx512bw avx512dq" (empty: none). */
static void lacking(const char *const *feats, int n, char *out, size_t cap) {
    out[0] = 0;
    __builtin_cpu_init();
    for (int i = 0; i < n; i++) {
        int has = 0;
        /* __builtin_cpu_supports needs a literal: one test per feature we use */
        if (!strcmp(feats[i], "avx512f")) has = __builtin_cpu_supports("avx512f");
        else if (!strcmp(feats[i], "avx512bw")) has = __builtin_cpu_supports("avx512bw");
        else if (!strcmp(feats[i], "avx512dq")) has = __builtin_cpu_supports("avx512dq");
        else if (!strcmp(feats[i], "avx512vl")) has = __builtin_cpu_supports("avx512vl");
        else if (!strcmp(feats[i], "avx2")) has = __builtin_cpu_supports("avx2");
        else if (!strcmp(feats[i], "fma")) has = __builtin_cpu_supports("fma");
        if (!has) {
            size_t l = strlen(out);
            snprintf(out + l, cap - l, "%s%s", l ? " " : "", feats[i]);
        }
    }
}

static const char *const avx512_feats[] = {"avx512f", "avx512bw", "avx512dq", "avx512vl"};
static const char *const avx2_feats[] = {"avx2", "fma"};

const kn_simd_isa *kn_simd_isa_by_name(const char *name, char *why, size_t cap) {
    char none[96];
    if (!why || cap == 0) why = none, cap = sizeof none;
    const kn_simd_isa *isa = NULL;
    why[0] = 0;
    if (!name) return NULL;
    if (!strcmp(name, "avx512")) {
        lacking(avx512_feats, 4, why, cap);
        if (!why[0]) isa = &kn_simd_isa__avx512;
    } else if (!strcmp(name, "avx2")) {
        lacking(avx2_feats, 2, why, cap);
        if (!why[0]) isa = &kn_simd_isa__avx2;
    } else if (!strcmp(name, "generic")) {
        isa = &kn_simd_isa__generic;
    } else {
        snprintf(why, cap, "no ISA named '%s' (avx512, avx2, generic)", name);
    }
    return isa;
}

const kn_simd_isa *kn_simd_isa_best(void) {
    const kn_simd_isa *isa = kn_simd_isa_by_name("avx512", NULL, 0);
    if (!isa) isa = kn_simd_isa_by_name("avx2", NULL, 0);
    return isa ? isa : &kn_simd_isa__generic;
}

int kn_simd_supported(const kn_backend *self, char *why, size_t cap) {
    char missing[96];
    if (!self->isa || kn_simd_isa_by_name(self->isa, missing, sizeof missing)) return 1;
    snprintf(why, cap, "this CPU lacks %s", missing);
    return 0;
}

int kn_simd_ctx_init(kn_ctx *ctx) {
    const char *name = ctx->backend->isa;
    char missing[96];
    const char *env = getenv("STVIT_ISA");
    if (!name && env && *env) name = env;
    const kn_simd_isa *isa = name ? kn_simd_isa_by_name(name, missing, sizeof missing) : kn_simd_isa_best();
    if (!isa) {
        if (!strncmp(missing, "no ISA", 6)) return kn_ctx_fail(ctx, "%s%s", missing, name == env ? " in STVIT_ISA" : "");
        return kn_ctx_fail(ctx, "ISA %s%s: this CPU lacks %s", name, name == env ? " (from STVIT_ISA)" : "", missing);
    }
    ctx->isa = isa;
    ctx->isa_name = isa->name;
    return 0;
}

void kn_simd_scratch(const kn_ctx *ctx, size_t *per_thread, size_t *shared) {
    *per_thread = KN_SIMD_SCRATCH;
    *shared = 0;
}
