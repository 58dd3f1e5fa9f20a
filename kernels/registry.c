/* registry.c — the one table of backends built in. A new backend is a folder
 * under kernels/ plus one line here. Order: slowest to fastest within a precision;
 * the bf16 backends come before the fastest f32 one so that the default stays exact. */
#include <stdio.h>
#include <string.h>
#include <omp.h>
#include <cblas.h>
#include "kernels/kernels.h"

static const kn_backend *const backends[] = {
    &kn_backend_naive,
    &kn_backend_simd,
    &kn_backend_blas,
    &kn_backend_avx512bf16, /* bf16 (u = 2^-8): only by name or --precision bf16 */
    &kn_backend_amx,
    &kn_backend_omp, /* faster than blas on STViT (fused epilogues, one thread pool) */
};

int kn_backend_count(void) { return (int)(sizeof backends / sizeof backends[0]); }
const kn_backend *kn_backend_at(int i) { return i >= 0 && i < kn_backend_count() ? backends[i] : NULL; }

const kn_backend *kn_backend_find(const char *name) {
    for (int i = 0; i < kn_backend_count(); i++)
        if (strcmp(backends[i]->name, name) == 0) return backends[i];
    return NULL;
}

int kn_backend_resolve(const kn_backend *b, kn_ops *ops) {
    if (!b || !b->supported()) return -1;
    if (b->base) {
        if (kn_backend_resolve(kn_backend_find(b->base), ops) != 0) return -1;
    } else {
        memset(ops, 0, sizeof *ops);
    }
    b->init(ops);
    return 0;
}

double kn_backend_roundoff(const kn_backend *b) { return b->roundoff > 0 ? b->roundoff : 0x1p-24; }
const char *kn_backend_precision(const kn_backend *b) { return kn_backend_roundoff(b) >= 0x1p-8 ? "bf16" : "f32"; }

const char *kn_backend_unsupported_why(const kn_backend *b, char *buf, size_t size) {
    const char *why = b->missing ? b->missing() : NULL;
    snprintf(buf, size, "backend '%s' is not supported on this CPU%s%s", b->name, why ? ": " : "", why ? why : "");
    return buf;
}

const kn_backend *kn_backend_for_precision(const char *precision) {
    for (int i = kn_backend_count() - 1; i >= 0; i--)
        if (!strcmp(kn_backend_precision(backends[i]), precision) && backends[i]->supported()) return backends[i];
    return NULL;
}

const kn_backend *kn_backend_default(void) {
    const kn_backend *b = kn_backend_for_precision("f32");
    return b ? b : &kn_backend_naive;
}

static int kn_threads = 0;
void kn_set_threads(int n) {
    kn_threads = n > 0 ? n : omp_get_num_procs();
    omp_set_num_threads(kn_threads);
    openblas_set_num_threads(kn_threads); /* the blas backend's sgemm threads */
}
int kn_get_threads(void) { return kn_threads > 0 ? kn_threads : omp_get_num_procs(); }
