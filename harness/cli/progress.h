/* progress.h — one line per sweep point on stderr:
 *   bench: [3/12] variant S 224x224 backend omp batch 8 threads 2 — ETA 1m20s
 * unless the user asked for --quiet; plain text, so a Slurm log reads it as a terminal does. */
#ifndef HX_PROGRESS_H
#define HX_PROGRESS_H
#include <stddef.h>
#include <stdio.h>

typedef struct {
    int total;      /* points in this run */
    int done;       /* points finished */
    double start;   /* hx_now() at init */
    int enabled;
    const char *who;   /* the line's prefix, e.g. "bench" (set after init; NULL: "stvit") */
} hx_progress;

void hx_progress_init(hx_progress *p, int total, int quiet);
/* Announces point k (1-based) about to run; desc is its configuration. */
void hx_progress_start(hx_progress *p, int k, const char *desc);
/* Marks one point finished (feeds the ETA). */
void hx_progress_done(hx_progress *p);

/* The one progress line style of every command, plain text (Slurm logs):
 *   "WHO: [k/total] text — ETA 1m20s" */
void hx_progress_line(FILE *f, const char *who, long k, long total, const char *text, double eta);

/* "45s", "1m20s", "2h05m"; "?" for a negative (unknown) duration. */
void hx_format_duration(double seconds, char *buf, size_t cap);
/* The line without newline; eta < 0 means not yet known. */
void hx_progress_format(char *buf, size_t cap, int k, int total, const char *desc, double eta);
#endif
