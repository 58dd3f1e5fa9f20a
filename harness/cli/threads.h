/* threads.h — how many threads a command runs the network with.
 *
 * Precedence (the first that applies):
 *   1. --threads N given on the command line: exactly N, even above the CPUs allowed
 *      (the user asked for it);
 *   2. OMP_NUM_THREADS (its first value, as in "4,2"), at most the CPUs allowed;
 *   3. SLURM_CPUS_PER_TASK (set by sbatch/srun --cpus-per-task), at most the CPUs allowed;
 *   4. the CPUs allowed: the CPUs in this process's affinity mask (sched_getaffinity,
 *      so taskset, numactl and Slurm's task/affinity or cgroup binding count).
 * A variable that is not a positive integer is ignored (the next rule applies), as
 * OpenMP ignores it. A backend that runs on one thread (no KN_THREADED flag) uses and
 * records 1, whatever the rule gives. */
#ifndef HX_THREADS_H
#define HX_THREADS_H
#include "kernels/kernels.h"

/* CPUs in the affinity mask of the calling thread; at least 1. */
int hx_cpus_allowed(void);
/* Threads for `requested` (the --threads value; 0 or less: not given), by the rules above. */
int hx_threads_pick(long requested);
/* Threads backend b actually runs: `threads`, or 1 for a single-threaded backend. */
int hx_threads_for(const kn_backend *b, int threads);
/* Which rule picked hx_threads_pick(requested): "--threads", "OMP_NUM_THREADS",
 * "SLURM_CPUS_PER_TASK" or "affinity" (for messages). */
const char *hx_threads_source(long requested);
#endif
