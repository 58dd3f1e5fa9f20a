/* stvit peak: this machine's practical peak, OpenBLAS sgemm GFLOP/s. */
#include <stdio.h>
#include <unistd.h>
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/bench/peak.h"
#include "harness/cli/threads.h"
#include "variants/st_error.h"

int hx_cmd_peak(int argc, char **argv) {
    long threads = 0, size = HX_PEAK_SIZE;
    int json = 0;
    const hx_option opts[] = {
        {"--threads", HX_OPT_INT, &threads, 1, 1024, "N", "threads (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK or the CPUs allowed)"},
        {"--size", HX_OPT_INT, &size, 64, 16384, "N", "matrix side (default 2048)"},
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "print one JSON object"},
    };
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    if (rc) {
        char about[256];
        snprintf(about, sizeof about, "GFLOP/s of OpenBLAS sgemm on square matrices (2 n^3 flops, best of %d after a\n"
                   "warm-up): the peak that bench reports its achieved rate against.\n",
                HX_PEAK_REPEATS);
        const hx_usage usage = {"peak", "[options]", about, opts, HX_COUNT(opts), NULL};
        return hx_usage_exit(&usage, rc);
    }
    threads = hx_threads_pick(threads);
    double gflops = hx_measure_peak_n((int)threads, (int)size, HX_PEAK_REPEATS);
    if (gflops < 0) {
        fprintf(stderr, "stvit peak: %s\n", st_last_error());
        return 1;
    }
    if (json)
        printf("{\"threads\":%ld,\"size\":%ld,\"gflops\":%.2f}\n", threads, size, gflops);
    else
        printf("OpenBLAS sgemm %ldx%ld, %ld thread%s: %.1f GFLOP/s (best of %d)\n", size, size,
               threads, threads == 1 ? "" : "s", gflops, HX_PEAK_REPEATS);
    return 0;
}
