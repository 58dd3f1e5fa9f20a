/* threads.c — the thread count rule of threads.h, in one place for every command. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include "harness/cli/threads.h"

int hx_cpus_allowed(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    /* more CPUs than a cpu_set_t holds, or no affinity support: the online ones */
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* The leading positive integer of variable `name` ("4" or "4,2"), or 0. */
static long env_count(const char *name) {
    const char *s = getenv(name);
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || v < 1 || (*end && *end != ',')) return 0;
    return v;
}

/* The rule that applies, with its count in *n. */
static const char *pick(long requested, long *n) {
    static const char *const vars[] = {"OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK"};
    if (requested > 0) { *n = requested; return "--threads"; }
    long allowed = hx_cpus_allowed();
    for (int i = 0; i < 2; i++) {
        long v = env_count(vars[i]);
        if (v) { *n = v < allowed ? v : allowed; return vars[i]; }
    }
    *n = allowed;
    return "affinity";
}

int hx_threads_pick(long requested) {
    long n;
    pick(requested, &n);
    return n > 1024 ? 1024 : (int)n;
}

const char *hx_threads_source(long requested) {
    long n;
    return pick(requested, &n);
}

int hx_threads_for(const kn_backend *b, int threads) {
    return b && (b->flags & KN_THREADED) ? threads : 1;
}
