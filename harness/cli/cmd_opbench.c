/* stvit opbench: every op of the op list on the shared case table (kernels/cases.h),
 * timed per backend instance (ggml's test-backend-ops -m perf): µs per call, GFLOP/s and
 * its fraction of the sgemm peak, one row per (backend, op, case) through the result
 * writer. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/bench/env.h"
#include "harness/bench/opbench.h"
#include "harness/bench/peak.h"
#include "harness/results/results.h"
#include "kernels/cases.h"
#include "kernels/kernels.h"
#include "variants/st_error.h"

static void usage(FILE *f, const hx_option *opts, int n) {
    fprintf(f, "usage: stvit opbench [options]\n"
               "Times every op of the op list (or those of --op) on every shape of the kernel tests'\n"
               "case table, on each backend of --backend (default: every plain backend this CPU runs\n"
               "but naive; ISA variants such as simd-avx2 by name): min and median microseconds per\n"
               "call over --runs calls after a warm-up, GFLOP/s from the min (GEMM-shaped and\n"
               "stencil ops; - for copies and activations) and its fraction of the sgemm peak. Ops: ");
    for (int i = 0; i < KN_OP_COUNT; i++) fprintf(f, "%s%s", i ? ", " : "", kn_op_names[i]);
    fprintf(f, ".\n");
    hx_print_options(f, opts, n);
}

static int op_by_name(const char *name) {
    for (int i = 0; i < KN_OP_COUNT; i++)
        if (!strcmp(kn_op_names[i], name)) return i;
    return -1;
}

int hx_cmd_opbench(int argc, char **argv) {
    hx_str_list backends = {0}, ops = {0};
    long threads = sysconf(_SC_NPROCESSORS_ONLN), runs = 5;
    double peak = 0;
    const char *out = NULL;
    int quiet = 0;
    const hx_option opts[] = {
        {"--backend", HX_OPT_STRINGS, &backends, 0, 0, "LIST", "backends (default: every plain one but naive)"},
        {"--op", HX_OPT_STRINGS, &ops, 0, 0, "LIST", "ops by their short names (default: all)"},
        {"--threads", HX_OPT_INT, &threads, 1, 1024, "N", "threads of each instance (default: all cores)"},
        {"--runs", HX_OPT_INT, &runs, 1, 100000, "N", "timed calls per case (default 5)"},
        {"--peak", HX_OPT_DOUBLE, &peak, 0, 1e9, "GFLOPS", "peak to compare with (default: measure sgemm)"},
        {"--out", HX_OPT_STRING, &out, 0, 0, "FILE", "result rows, CSV or .jsonl by extension (default: none)"},
        {"--quiet", HX_OPT_FLAG, &quiet, 0, 0, NULL, "no table on stdout"},
    };
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    int opsel[KN_OP_COUNT], nops = 0;
    const kn_backend *bes[HX_LIST_MAX];
    int nbes = 0;
    for (int i = 0; !rc && i < ops.n; i++)
        if ((opsel[nops++] = op_by_name(ops.v[i])) < 0) rc = st_fail(ST_ERR_ARG, "--op: no op named '%s'", ops.v[i]);
    if (!rc && !ops.n)
        for (int i = 0; i < KN_OP_COUNT; i++) opsel[nops++] = i;
    for (int i = 0; !rc && i < backends.n; i++) {
        char why[160];
        if (!(bes[nbes] = kn_backend_find(backends.v[i]))) rc = st_fail(ST_ERR_ARG, "--backend: unknown backend '%s'", backends.v[i]);
        else if (!kn_backend_runs(bes[nbes], why, sizeof why)) rc = st_fail(ST_ERR_ARG, "--backend %s: %s", backends.v[i], why);
        else nbes++;
    }
    if (!rc && !backends.n)
        for (int i = 0; i < kn_backend_count() && nbes < HX_LIST_MAX; i++) {
            const kn_backend *b = kn_backend_at(i);
            char why[8];
            if (b != &kn_backend_naive && !b->isa && kn_backend_runs(b, why, sizeof why)) bes[nbes++] = b;
        }
    if (rc) {
        if (rc != HX_HELP) fprintf(stderr, "stvit opbench: %s\n", st_last_error());
        usage(rc == HX_HELP ? stdout : stderr, opts, HX_COUNT(opts));
        return rc == HX_HELP ? 0 : 2;
    }
    if (peak <= 0 && (peak = hx_measure_peak((int)threads)) < 0) {
        fprintf(stderr, "stvit opbench: %s\n", st_last_error());
        return 1;
    }
    hx_writer *w = NULL;
    if (out && hx_writer_open(&w, out, 0)) {
        fprintf(stderr, "stvit opbench: %s\n", st_last_error());
        return 1;
    }
    hx_env env;
    hx_env_collect(&env);
    if (!quiet) printf("%-12s %-8s %-14s %-44s %10s %10s %8s %6s\n", "backend", "isa", "op", "shape", "us_min",
                       "us_median", "GFLOP/s", "peak");
    int failed = 0;
    for (int bi = 0; bi < nbes; bi++) {
        kn_ctx *ctx;
        char err[320];
        if (kn_ctx_create(&ctx, bes[bi], (int)threads, err, sizeof err)) {
            fprintf(stderr, "stvit opbench: %s\n", err);
            failed++;
            continue;
        }
        for (int k = 0; k < nops; k++)
            for (int ci = 0; ci < kn_cases_count(opsel[k]); ci++) {
                hx_opbench_result r;
                int prc = hx_opbench_case(ctx, opsel[k], ci, (int)runs, &r);
                double gf = !prc && r.flops > 0 && r.us_min > 0 ? r.flops / (r.us_min * 1e3) : NAN;
                hx_row row;
                hx_row_init(&row);
                hx_row_str(&row, "backend", bes[bi]->name);
                hx_row_str(&row, "isa", ctx->isa_name);
                hx_row_str(&row, "precision", ctx->precision);
                hx_row_int(&row, "threads", ctx->threads);
                hx_row_str(&row, "op", kn_op_names[opsel[k]]);
                hx_row_int(&row, "case", ci);
                hx_row_str(&row, "shape", r.shape);
                hx_row_str(&row, "status", prc ? "failed" : "ok");
                hx_row_str(&row, "error", prc ? st_last_error() : "");
                hx_row_int(&row, "runs", prc ? 0 : r.runs);
                hx_row_num(&row, "us_min", prc ? NAN : r.us_min);
                hx_row_num(&row, "us_median", prc ? NAN : r.us_median);
                hx_row_num(&row, "flops_per_call", r.flops);
                hx_row_num(&row, "gflop_per_s", gf);
                hx_row_num(&row, "peak_gflop_per_s", peak);
                hx_row_num(&row, "peak_fraction", gf / peak);
                hx_env_to_row(&env, &row);
                if (!quiet && isnan(gf)) /* a copy or a failed case: no arithmetic rate */
                    printf("%-12s %-8s %-14s %-44s %10.1f %10.1f %8s %6s\n", bes[bi]->name, ctx->isa_name,
                           kn_op_names[opsel[k]], r.shape, r.us_min, r.us_median, "-", "-");
                else if (!quiet)
                    printf("%-12s %-8s %-14s %-44s %10.1f %10.1f %8.1f %5.1f%%\n", bes[bi]->name, ctx->isa_name,
                           kn_op_names[opsel[k]], r.shape, r.us_min, r.us_median, gf, 100 * gf / peak);
                if (prc) failed++;
                if (w && hx_writer_write(w, &row)) {
                    fprintf(stderr, "stvit opbench: %s\n", st_last_error());
                    failed++;
                }
                hx_row_free(&row);
            }
        kn_ctx_free(ctx);
    }
    if (w && hx_writer_close(w)) {
        fprintf(stderr, "stvit opbench: %s\n", st_last_error());
        return 1;
    }
    return failed ? 1 : 0;
}
