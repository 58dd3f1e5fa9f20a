/* registry.c — the one table of backends built in. A new backend is a folder
 * under kernels/ plus one line here. Order: slowest to fastest. */
#include <string.h>
#include <omp.h>
#include <cblas.h>
#include "kernels/kernels.h"

static const kn_backend *const backends[] = {
    &kn_backend_naive,
    &kn_backend_simd,
    &kn_backend_blas,
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

const kn_backend *kn_backend_default(void) {
    for (int i = kn_backend_count() - 1; i >= 0; i--)
        if (backends[i]->supported()) return backends[i];
    return &kn_backend_naive;
}

static int kn_threads = 0;
void kn_set_threads(int n) {
    kn_threads = n > 0 ? n : omp_get_num_procs();
    omp_set_num_threads(kn_threads);
    openblas_set_num_threads(kn_threads); /* the blas backend's sgemm threads */
}
int kn_get_threads(void) { return kn_threads > 0 ? kn_threads : omp_get_num_procs(); }
