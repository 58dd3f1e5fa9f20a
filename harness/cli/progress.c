/* progress.c — sweep progress on stderr (see progress.h). The ETA assumes the
 * remaining points cost what the finished ones did on average. */
#include <math.h>
#include <stdio.h>
#include "harness/cli/progress.h"
#include "harness/bench/timer.h"

void hx_progress_init(hx_progress *p, int total, int quiet) {
    p->total = total;
    p->done = 0;
    p->start = hx_now();
    p->enabled = !quiet;   /* plain lines, no control characters: fine in a Slurm log too */
    p->who = NULL;
}

void hx_format_duration(double s, char *buf, size_t cap) {
    if (!(s >= 0)) { snprintf(buf, cap, "?"); return; }
    long t = lround(s);
    if (t < 60) snprintf(buf, cap, "%lds", t);
    else if (t < 3600) snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, cap, "%ldh%02ldm", t / 3600, t % 3600 / 60);
}

void hx_progress_format(char *buf, size_t cap, int k, int total, const char *desc, double eta) {
    char d[32];
    hx_format_duration(eta, d, sizeof d);
    snprintf(buf, cap, "[%d/%d] %s \xe2\x80\x94 ETA %s", k, total, desc, d);   /* em dash */
}

void hx_progress_line(FILE *f, const char *who, long k, long total, const char *text, double eta) {
    char line[512];
    hx_progress_format(line, sizeof line, (int)k, (int)total, text, eta);
    fprintf(f, "%s: %s\n", who, line);
}

void hx_progress_start(hx_progress *p, int k, const char *desc) {
    if (!p->enabled) return;
    double eta = p->done ? (hx_now() - p->start) / p->done * (p->total - p->done) : -1;
    hx_progress_line(stderr, p->who ? p->who : "stvit", k, p->total, desc, eta);
}

void hx_progress_done(hx_progress *p) { p->done++; }
