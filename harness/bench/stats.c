/* stats.c — percentiles by numpy's default "linear" method (see stats.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "harness/bench/stats.h"
#include "variants/st_error.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double *sorted_copy(const double *x, int n) {
    double *s = n > 0 ? malloc((size_t)n * sizeof *s) : NULL;
    if (!s) return NULL;
    memcpy(s, x, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return s;
}

/* Percentile of already sorted samples. */
static double percentile_sorted(const double *s, int n, double p) {
    double r = p / 100.0 * (n - 1);
    int lo = (int)floor(r);
    if (lo >= n - 1) return s[n - 1];
    return s[lo] + (r - lo) * (s[lo + 1] - s[lo]);
}

double hx_percentile(const double *x, int n, double p) {
    if (n < 1 || !(p >= 0 && p <= 100)) return NAN;
    double *s = sorted_copy(x, n);
    if (!s) return NAN;
    double v = percentile_sorted(s, n, p);
    free(s);
    return v;
}

double hx_median(const double *x, int n) { return hx_percentile(x, n, 50); }

double hx_min(const double *x, int n) {
    if (n < 1) return NAN;
    double m = x[0];
    for (int i = 1; i < n; i++)
        if (x[i] < m) m = x[i];
    return m;
}

int hx_summarize(const double *x, int n, hx_summary *out) {
    if (n < 1) return st_fail(ST_ERR_ARG, "no samples to summarize");
    double *s = sorted_copy(x, n);
    if (!s) return st_fail(ST_ERR_NOMEM, "out of memory sorting %d samples", n);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += s[i];
    *out = (hx_summary){n, s[0], percentile_sorted(s, n, 50), percentile_sorted(s, n, 90), sum / n};
    free(s);
    return ST_OK;
}
