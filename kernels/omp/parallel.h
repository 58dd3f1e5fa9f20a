/* parallel.h — runs a simd "part" call on every thread of an OpenMP team of the
 * instance's size (used by the omp and blas backends). */
#ifndef KN_OMP_PARALLEL_H
#define KN_OMP_PARALLEL_H
#include <omp.h>
#include "kernels/kernels.h"

/* Runs CALL (which may use `part` and `nparts`) on each of ctx->threads threads; with
 * one thread, or from inside a parallel region, it runs as the one part (part 0: its
 * scratch). nparts never exceeds ctx->threads, so every part has its planned scratch. */
#define KN_PARALLEL(ctx, CALL)                                                    \
    do {                                                                          \
        int threads_ = (ctx)->threads;                                            \
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
