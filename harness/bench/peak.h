/* peak.h — the machine's practical peak: OpenBLAS sgemm GFLOP/s on large square
 * matrices. Benchmarks report their achieved GFLOP/s as a fraction of it. */
#ifndef HX_PEAK_H
#define HX_PEAK_H

#define HX_PEAK_SIZE 2048   /* default matrix side */
#define HX_PEAK_REPEATS 3   /* timed multiplications; the best one counts */

/* GFLOP/s of C = A B (n x n, 2 n^3 flops: a multiply and an add each) at `threads`
 * threads, best of `repeats` after one warm-up. Sets the kernels' and OpenBLAS's
 * thread count to `threads`. Negative (ST_ERR_*) on bad arguments or no memory. */
double hx_measure_peak_n(int threads, int n, int repeats);
/* hx_measure_peak_n(threads, HX_PEAK_SIZE, HX_PEAK_REPEATS). */
double hx_measure_peak(int threads);
#endif
