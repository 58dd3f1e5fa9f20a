/* main.c — build/stvit: dispatches to the subcommands. Only main decides to exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/bench/env.h"
#include "kernels/blas/blas.h"

#define HX_VERSION "0.2.0"
/* The Makefile passes the commit the binary was built from. */
#ifndef HX_BUILD_GIT
#define HX_BUILD_GIT "unknown"
#endif

/* Weak so that a command whose file is not built yet is simply not listed. */
#pragma weak hx_cmd_infer
#pragma weak hx_cmd_classify
#pragma weak hx_cmd_flops
#pragma weak hx_cmd_backends
#pragma weak hx_cmd_bench
#pragma weak hx_cmd_peak
#pragma weak hx_cmd_opbench
#pragma weak hx_cmd_plot
#pragma weak hx_cmd_merge
#pragma weak hx_cmd_ablate
#pragma weak hx_cmd_viz
#pragma weak hx_cmd_eval
#pragma weak hx_cmd_compare
#pragma weak hx_cmd_baselines

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *what;
} command;

static const command commands[] = {
    {"infer", hx_cmd_infer, "run the network on a tensor file (safetensors in, logits out)"},
    {"classify", hx_cmd_classify, "top-5 classes of PNG/JPEG images"},
    {"flops", hx_cmd_flops, "parameters and FLOPs (the paper's convention), per stage"},
    {"backends", hx_cmd_backends, "list the kernel backends and whether this CPU runs them"},
    {"bench", hx_cmd_bench, "timed sweep over variants, sizes, backends, batches, threads"},
    {"peak", hx_cmd_peak, "this machine's OpenBLAS sgemm GFLOP/s"},
    {"opbench", hx_cmd_opbench, "every op on the kernel tests' shapes, timed per backend (us, GFLOP/s)"},
    {"plot", hx_cmd_plot, "PNG plots (gnuplot) from result CSV files"},
    {"merge", hx_cmd_merge, "join result files of sharded runs"},
    {"ablate", hx_cmd_ablate, "the paper's ablation table: params, FLOPs, speed per row"},
    {"viz", hx_cmd_viz, "super token and attention map pictures (PNG + index.html)"},
    {"eval", hx_cmd_eval, "top-1/top-5 accuracy on a labelled image folder"},
    {"compare", hx_cmd_compare, "two result files (or two backends of one) side by side, ratio per point"},
    {"baselines", hx_cmd_baselines, "DeiT-S, Swin-T, STViT-S from a bench file: params, FLOPs, img/s beside the paper's"},
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
    fprintf(f, "usage: stvit COMMAND [options]   (stvit COMMAND --help for its options)\n"
               "       stvit --version\n\ncommands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        if (commands[i].run) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].what);
}

/* OpenBLAS reads OPENBLAS_CORETYPE before main: a CPU it does not know gets its SSE3
 * kernels unless we set the right core and start again (kernels/blas/core_hint.c). An
 * exec that fails leaves this process running as it was. */
static void blas_core_fix(char **argv) {
    const char *core = kn_blas_core_hint();
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1); /* its own name, not "exe", in ps */
    if (!core || n <= 0 || setenv("OPENBLAS_CORETYPE", core, 1) != 0) return;
    self[n] = 0;
    execv(self, argv);
    unsetenv("OPENBLAS_CORETYPE");
}

int main(int argc, char **argv) {
    blas_core_fix(argv);
    if (argc < 2) { usage(stderr); return HX_EXIT_USAGE; }
    hx_env_set_cmdline(argc, argv);   /* recorded with every result row */
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("stvit %s (git %s)\n", HX_VERSION, HX_BUILD_GIT);
        return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (int i = 0; i < NCOMMANDS; i++)
        if (commands[i].run && !strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    const char *names[NCOMMANDS];
    int n = 0;
    for (int i = 0; i < NCOMMANDS; i++)
        if (commands[i].run) names[n++] = commands[i].name;
    char hint[96] = "";
    hx_append_suggestion(hint, sizeof hint, argv[1], names, n);
    fprintf(stderr, "stvit: unknown command '%s'%s\n", argv[1], hint);
    fprintf(stderr, "usage: stvit COMMAND [options]  (stvit --help lists the commands)\n");
    return HX_EXIT_USAGE;
}
