/* peak.c — sgemm peak measurement (see peak.h). */
#include <stdlib.h>
#include <cblas.h>
#include <omp.h>
#include "harness/bench/peak.h"
#include "harness/bench/timer.h"
#include "kernels/kernels.h"
#include "variants/st_error.h"

double hx_measure_peak_n(int threads, int n, int repeats) {
    if (threads < 1 || n < 1 || n > 16384 || repeats < 1)
        return st_fail(ST_ERR_ARG, "peak: bad arguments (threads %d, size %d, repeats %d)",
                       threads, n, repeats);
    size_t count = (size_t)n * (size_t)n;
    float *a = malloc(count * sizeof *a), *b = malloc(count * sizeof *b), *c = malloc(count * sizeof *c);
    if (!a || !b || !c) {
        free(a); free(b); free(c);
        return st_fail(ST_ERR_NOMEM, "peak: out of memory for three %dx%d matrices", n, n);
    }
    /* Small, non-trivial values: no denormals, no overflow. */
    for (size_t i = 0; i < count; i++) {
        a[i] = (float)((i * 7 + 3) % 17) / 17.0f - 0.5f;
        b[i] = (float)((i * 5 + 1) % 13) / 13.0f - 0.5f;
    }
    openblas_set_num_threads(threads > 0 ? threads : omp_get_num_procs());
    double best = 0;
    for (int r = -1; r < repeats; r++) {   /* r = -1: warm-up (threads spin up, pages fault in) */
        double t0 = hx_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double t = hx_now() - t0;
        if (r >= 0 && (best == 0 || t < best)) best = t;
    }
    free(a); free(b); free(c);
    return 2.0 * n * (double)n * n / best / 1e9;
}

double hx_measure_peak(int threads) { return hx_measure_peak_n(threads, HX_PEAK_SIZE, HX_PEAK_REPEATS); }
