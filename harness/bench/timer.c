/* timer.c — CLOCK_MONOTONIC: steady, nanosecond resolution, never steps backwards. */
#include <time.h>
#include "harness/bench/timer.h"

double hx_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
