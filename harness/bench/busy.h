/* busy.h — `bench --busy-core`: a child process that spins on one CPU while points are
 * measured, so a figure says how a backend copes when another program shares a core
 * (the usual case on a desktop, a shared node, or `eval` with reader threads).
 *
 * The spinner is pinned (sched_setaffinity) to the LAST CPU of this process's affinity
 * mask; the benchmark itself is not pinned, so its threads compete with the spinner as
 * they would with any other program. The spinner dies with its parent (PR_SET_PDEATHSIG),
 * so a killed bench never leaves it running; hx_busy_stop kills and reaps it otherwise.
 *
 * Modes: off (quiet rows only), on (every point busy), both (each point measured quiet,
 * then busy, interleaved; the busy row carries busy_ratio = busy img/s / quiet img/s).
 * Every row gets busy_core (true/false) and busy_ratio (empty unless both). */
#ifndef HX_BUSY_H
#define HX_BUSY_H
#include <sys/types.h>
#include "harness/results/results.h"
#include "harness/bench/sweep.h"

typedef enum { HX_BUSY_OFF, HX_BUSY_ON, HX_BUSY_BOTH } hx_busy_mode;

typedef struct {
    pid_t pid;   /* the spinner, 0 when none runs */
    int cpu;     /* the CPU it is pinned to, -1 when none runs */
} hx_busy;

/* Forks the spinner and waits until it is pinned. ST_ERR_ARG (with a message) if a
 * spinner already runs, the affinity mask cannot be read, or the fork/pin fails. */
int hx_busy_start(hx_busy *b);
/* Kills and reaps the spinner; nothing when none runs. Safe to call twice. */
void hx_busy_stop(hx_busy *b);

/* Takes "--busy-core [on|off|both]" (or "--busy-core=MODE") out of argv, before the
 * option table sees it, since a bare --busy-core means on. Later ones win; "--" ends
 * the search. ST_ERR_ARG for an unknown mode after it. */
int hx_busy_take_option(int *argc, char **argv, hx_busy_mode *mode);

/* Mode both: every point twice (quiet, then busy), with point index 2i and 2i+1 so
 * indices stay unique across shards; *points is reallocated. Other modes: unchanged.
 * Returns the new count, or ST_ERR_NOMEM. *total (the "points" column) follows. */
int hx_busy_expand_points(hx_busy_mode mode, hx_point **points, int count, int *total);

/* Whether entry i of the (expanded) list is measured busy. */
int hx_busy_is_busy(hx_busy_mode mode, int i);

/* Starts or stops b's spinner as entry i of the list needs. */
int hx_busy_prepare(hx_busy *b, hx_busy_mode mode, int i);

/* Adds busy_core and busy_ratio to the row of entry i. In mode both, the quiet row's
 * img_per_s is remembered in *quiet_img_s and the busy row's ratio is computed from it. */
void hx_busy_to_row(hx_busy_mode mode, int i, double *quiet_img_s, hx_row *row);
#endif
