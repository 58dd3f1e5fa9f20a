/* stvit flops: parameters and FLOPs in the paper's convention. */
#include <stdio.h>
#include <string.h>
#include "harness/cli.h"
#include "harness/commands.h"
#include "harness/model_opts.h"
#include "harness/results.h"
#include "variants/count.h"
#include "variants/st_error.h"

int hx_cmd_flops(int argc, char **argv) {
    hx_model_opts mo = {0};
    hx_size_list sizes = {0};
    int json = 0;
    const hx_option opts[] = {
        {"--variant", HX_OPT_STRING, &mo.variant, 0, 0, "S|B|L", "network variant (default S)"},
        {"--weights", HX_OPT_STRING, &mo.weights, 0, 0, "FILE", "count the configuration in this file's metadata"},
        {"--attn", HX_OPT_STRING, &mo.attn, 0, 0, "KIND", "attention kind: sta (default), global or window"},
        {"--n-iter", HX_OPT_INTS, &mo.n_iter, 1, 64, "LIST", "association iterations per stage, e.g. 2,2,1,1"},
        {"--stoken", HX_OPT_INTS, &mo.stoken, 1, 256, "LIST", "super token size per stage, e.g. 4,2,1,1"},
        {"--res", HX_OPT_SIZES, &sizes, ST_MIN_INPUT, ST_MAX_INPUT, "N|HxW", "input size (default 224)"},
        {"--size", HX_OPT_SIZES, &sizes, ST_MIN_INPUT, ST_MAX_INPUT, "HxW", "the same as --res, e.g. 72x88"},
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "one JSON object: integer counts, per part and per op"},
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
        printf("]}\n");
        return 0;
    }
    printf("STViT-%s at %dx%d: %lld parameters, %lld FLOPs (%.2f G; multiply-adds)\n\n", cfg.name, h, w,
           (long long)k.params, (long long)k.flops, k.flops / 1e9);
    printf("%-8s %14s %16s %7s\n", "part", "params", "FLOPs", "share");
    for (int p = 0; p < 6; p++)
        printf("%-8s %14lld %16lld %6.1f%%\n", parts[p], (long long)k.part_params[p], (long long)k.part_flops[p],
               100.0 * k.part_flops[p] / k.flops);
    printf("\n%-8s %-16s %16s\n", "part", "op", "FLOPs");
    for (int r = 0; r < k.nrows; r++) printf("%-8s %-16s %16lld\n", k.rows[r].part, k.rows[r].op, (long long)k.rows[r].flops);
    return 0;
}
