/* parallel.h — runs a simd "part" call on every thread of an OpenMP team (used by the
 * omp and blas backends). */
#ifndef KN_OMP_PARALLEL_H
#define KN_OMP_PARALLEL_H
#include <omp.h>
#include "kernels/kernels.h"

/* Runs CALL (which may use `part` and `nparts`) on each of kn_get_threads() threads;
 * with one thread, or from inside a parallel region, it runs as the one part. */
#define KN_PARALLEL(CALL)                                                         \
    do {                                                                          \
        int threads_ = kn_get_threads();                                          \
        if (threads_ <= 1 || omp_in_parallel()) {                                 \
            int part = 0, nparts = 1;                                             \
            CALL;                                                                 \
        } else {                                                                  \
            _Pragma("omp parallel num_threads(threads_)")                         \
            {                                                                     \
                int part = omp_get_thread_num(), nparts = omp_get_num_threads();  \
                CALL;                                                             \
            }                                                                     \
        }                                                                         \
    } while (0)
#endif
