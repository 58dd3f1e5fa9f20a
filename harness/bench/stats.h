/* stats.h — summary statistics of timing samples. The inputs are never modified:
 * each function sorts its own copy. */
#ifndef HX_STATS_H
#define HX_STATS_H

/* The p-th percentile (p in [0, 100]) by linear interpolation between the closest
 * ranks, numpy's default ("linear"): with the n samples sorted as s[0..n-1],
 * r = p/100 * (n-1), result = s[floor r] + (r - floor r) * (s[floor r + 1] - s[floor r]).
 * NaN when n < 1, p is outside [0, 100] or memory runs out. */
double hx_percentile(const double *x, int n, double p);
double hx_median(const double *x, int n);   /* hx_percentile(x, n, 50) */
double hx_min(const double *x, int n);      /* NaN when n < 1 */

typedef struct { int n; double min, median, p90, mean; } hx_summary;
/* All of the above with one sort. 0, or ST_ERR_ARG (n < 1) / ST_ERR_NOMEM. */
int hx_summarize(const double *x, int n, hx_summary *out);
#endif
