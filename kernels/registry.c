/* registry.c — the one table of backends built in. A new backend is a folder under
 * kernels/ plus one line here; KN_WITH_ISAS(b) adds b and its ISA variants b-avx512,
 * b-avx2, b-generic (KN_ISA_LIST). Order: slowest to fastest (plain entries). */
#include <string.h>
#include "kernels/kernels.h"

#define KN_VARIANT_(b, isa) &kn_backend_##b##_##isa,
#define KN_SIMD_VARIANT_(isa) KN_VARIANT_(simd, isa)
#define KN_OMP_VARIANT_(isa) KN_VARIANT_(omp, isa)

static const kn_backend *const backends[] = {
    &kn_backend_naive,
    &kn_backend_simd, KN_ISA_LIST(KN_SIMD_VARIANT_)
    &kn_backend_blas,
    /* bf16 (u = 2^-8), by name or --precision bf16: before omp so the default stays f32 */
    &kn_backend_avx512bf16,
    &kn_backend_amx,
    &kn_backend_omp, KN_ISA_LIST(KN_OMP_VARIANT_) /* faster than blas on STViT (fused epilogues, one pool) */
};

int kn_backend_count(void) { return (int)(sizeof backends / sizeof backends[0]); }
const kn_backend *kn_backend_at(int i) { return i >= 0 && i < kn_backend_count() ? backends[i] : NULL; }

const kn_backend *kn_backend_find(const char *name) {
    for (int i = 0; i < kn_backend_count(); i++)
        if (strcmp(backends[i]->name, name) == 0) return backends[i];
    return NULL;
}

int kn_backend_runs(const kn_backend *b, char *why, size_t cap) {
    for (const kn_backend *p = b; p; p = p->base ? kn_backend_find(p->base) : NULL) {
        if (p->supported && !p->supported(b, why, cap)) return 0;
        if (p->base && !kn_backend_find(p->base)) {
            if (cap) strncpy(why, "its base backend is not built in", cap - 1), why[cap - 1] = 0;
            return 0;
        }
    }
    return 1;
}

int kn_backend_resolve(const kn_backend *b, kn_ops *ops) {
    if (!b) return -1;
    if (b->base) {
        if (kn_backend_resolve(kn_backend_find(b->base), ops) != 0) return -1;
    } else {
        memset(ops, 0, sizeof *ops);
    }
    if (b->init) b->init(ops); /* a backend may override nothing (only prepare or flags) */
    return 0;
}

const kn_backend *kn_backend_for_precision(const char *precision) {
    char why[8];
    for (int i = kn_backend_count() - 1; i >= 0; i--)
        if (!backends[i]->isa && !strcmp(kn_backend_precision(backends[i]), precision) &&
            kn_backend_runs(backends[i], why, sizeof why))
            return backends[i];
    return NULL;
}

const kn_backend *kn_backend_default(void) {
    const kn_backend *b = kn_backend_for_precision("f32");
    return b ? b : &kn_backend_naive;
}

const char *kn_backend_precision(const kn_backend *b) { return b && b->precision ? b->precision : "f32"; }
double kn_backend_unit_roundoff(const kn_backend *b) {
    return b && b->unit_roundoff > 0 ? b->unit_roundoff : KN_U_F32;
}
