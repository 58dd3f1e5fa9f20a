/* stvit flops: parameters and FLOPs in the paper's convention. */
#include <stdio.h>
#include <string.h>
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/cli/model_opts.h"
#include "harness/results/results.h"
#include "variants/catalog.h"
#include "variants/count.h"
#include "variants/model.h"
#include "variants/st_error.h"

/* --plan: every node of the network at batch 1, with its buffers (id@offset in floats,
 * r/w/rw) and their lifetimes, and its FLOPs. */
static int print_plan(const st_config *cfg, int h, int w) {
    st_model *m;
    int rc = st_model_create(&m, cfg, NULL, 1, &kn_backend_naive);
    if (!rc) rc = st_model_plan(m, 1, h, w, 0);
    if (rc) {
        fprintf(stderr, "stvit flops: %s\n", st_last_error());
        st_model_free(m);
        return 1;
    }
    st_plan_summary sum;
    st_model_plan_summary(m, &sum);
    printf("# %s%s at %dx%d, batch 1: %d nodes, %d buffers, workspace %.2f MiB apart, %.2f MiB shared\n",
           cfg->net == ST_NET_STVIT ? "STViT-" : "", cfg->name, h, w, sum.nodes, sum.buffers, sum.bytes_unshared / 1048576.0, sum.bytes / 1048576.0);
    printf("%-5s %-30s %-15s %s\n", "node", "name", "op", "buffers (id@offset:mode[first..last]) flops");
    for (int i = 0; i < sum.nodes; i++) {
        char line[512];
        st_model_node_describe(m, i, line, sizeof line);
        printf("%s\n", line);
    }
    st_model_free(m);
    return 0;
}

int hx_cmd_flops(int argc, char **argv) {
    hx_model_opts mo = {0};
    hx_size_list sizes = {0};
    int json = 0, plan = 0;
    const hx_option opts[] = {
        {"--variant", HX_OPT_STRING, &mo.variant, 0, 0, "S|B|L", "network variant (default S)"},
        {"--weights", HX_OPT_STRING, &mo.weights, 0, 0, "FILE", "count the configuration in this file's metadata"},
        {"--attn", HX_OPT_STRING, &mo.attn, 0, 0, "KIND", "attention kind: sta (default), global or window"},
        {"--n-iter", HX_OPT_INTS, &mo.n_iter, 1, 64, "LIST", "association iterations per stage, e.g. 2,2,1,1"},
        {"--stoken", HX_OPT_INTS, &mo.stoken, 1, 256, "LIST", "super token size per stage, e.g. 4,2,1,1"},
        {"--res", HX_OPT_SIZES, &sizes, ST_MIN_INPUT, ST_MAX_INPUT, "N|HxW", "input size (default 224)"},
        {"--size", HX_OPT_SIZES, &sizes, ST_MIN_INPUT, ST_MAX_INPUT, "HxW", "the same as --res, e.g. 72x88"},
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "one JSON object: integer counts, per part and per op"},
        {"--plan", HX_OPT_FLAG, &plan, 0, 0, NULL, "list the planned nodes: op, buffers, lifetimes, FLOPs"},
    };
    const hx_usage usage = {"flops", "[options]",
                            "Learned parameters and multiply-adds of one image (one multiply-add = one FLOP, as the\n"
                            "paper counts with fvcore), with per-part and per-op breakdowns.\n",
                            opts, HX_COUNT(opts), NULL};
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    if (rc) return hx_usage_exit(&usage, rc);
    int h = sizes.n ? sizes.v[sizes.n - 1].h : 224, w = sizes.n ? sizes.v[sizes.n - 1].w : 224;
    st_config cfg;
    st_counts k;
    if ((rc = hx_model_config(&mo, &cfg))) return hx_usage_exit(&usage, rc);
    if (st_count(&cfg, h, w, &k)) {
        fprintf(stderr, "stvit flops: %s\n", st_last_error());
        return HX_EXIT_FAIL;
    }
    if (plan) return print_plan(&cfg, h, w);
    static const char *parts[6] = {"stem", "stage0", "stage1", "stage2", "stage3", "head"};
    if (json) {   /* names as the result columns (results/SCHEMA.md) */
        printf("{\"variant\": ");
        hx_json_string(stdout, cfg.name);
        printf(", \"h\": %d, \"w\": %d, \"param_count\": %lld, \"macs_per_img\": %lld, \"parts\": {", h, w,
               (long long)k.params, (long long)k.flops);
        for (int p = 0; p < 6; p++)
            printf("%s\"%s\": {\"param_count\": %lld, \"macs_per_img\": %lld}", p ? ", " : "", parts[p],
                   (long long)k.part_params[p], (long long)k.part_flops[p]);
        printf("}, \"ops\": [");
        for (int r = 0; r < k.nrows; r++) {
            printf("%s{\"part\": ", r ? ", " : "");
            hx_json_string(stdout, k.rows[r].part);
            printf(", \"op\": ");
            hx_json_string(stdout, k.rows[r].op);
            printf(", \"macs_per_img\": %lld}", (long long)k.rows[r].flops);
        }
        printf("], \"nodes\": %d, \"workspace_bytes_unshared\": %lld, \"workspace_bytes\": %lld}\n", k.nodes,
               (long long)k.work_bytes_unshared, (long long)k.work_bytes);
        return 0;
    }
    printf("%s%s at %dx%d: %lld parameters, %lld FLOPs (%.2f G; multiply-adds)\n\n",
           cfg.net == ST_NET_STVIT ? "STViT-" : "", cfg.name, h, w,
           (long long)k.params, (long long)k.flops, k.flops / 1e9);
    printf("%-8s %14s %16s %7s\n", "part", "params", "FLOPs", "share");
    for (int p = 0; p < 6; p++)
        printf("%-8s %14lld %16lld %6.1f%%\n", parts[p], (long long)k.part_params[p], (long long)k.part_flops[p],
               100.0 * k.part_flops[p] / k.flops);
    printf("\n%-8s %-16s %16s\n", "part", "op", "FLOPs");
    for (int r = 0; r < k.nrows; r++) printf("%-8s %-16s %16lld\n", k.rows[r].part, k.rows[r].op, (long long)k.rows[r].flops);
    printf("\n%d nodes, %d buffers; workspace at batch 1: %.2f MiB with every buffer apart, %.2f MiB shared by "
           "lifetime\n", k.nodes, k.buffers, k.work_bytes_unshared / 1048576.0, k.work_bytes / 1048576.0);
    return 0;
}
