/* stvit flops: parameters and FLOPs in the paper's convention. */
#include <stdio.h>
#include <string.h>
#include "harness/cli.h"
#include "harness/commands.h"
#include "variants/count.h"
#include "variants/st_error.h"

int hx_cmd_flops(int argc, char **argv) {
    const char *variant = "S";
    long res = 224;
    hx_size_list sizes = {0};
    int json = 0;
    const hx_option opts[] = {
        {"--variant", HX_OPT_STRING, &variant, 0, 0, "S|B|L", "network variant (default S)"},
        {"--res", HX_OPT_INT, &res, ST_MIN_INPUT, ST_MAX_INPUT, "N", "square input side (default 224)"},
        {"--size", HX_OPT_SIZES, &sizes, ST_MIN_INPUT, ST_MAX_INPUT, "HxW", "input size, e.g. 72x88"},
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "one JSON object with integer params and flops"},
    };
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    if (rc == HX_HELP || rc) {
        FILE *f = rc == HX_HELP ? stdout : stderr;
        if (rc != HX_HELP) fprintf(stderr, "stvit flops: %s\n", st_last_error());
        fprintf(f, "usage: stvit flops [options]\n"
                   "Learned parameters and FLOPs of one image (one multiply-add = one flop, as the paper\n"
                   "counts with fvcore), with per-part and per-op breakdowns.\n");
        hx_print_options(f, opts, HX_COUNT(opts));
        return rc == HX_HELP ? 0 : 2;
    }
    int h = sizes.n ? sizes.v[sizes.n - 1].h : (int)res, w = sizes.n ? sizes.v[sizes.n - 1].w : (int)res;
    st_config cfg;
    st_counts k;
    if (st_config_named(variant, &cfg) || st_count(&cfg, h, w, &k)) {
        fprintf(stderr, "stvit flops: %s\n", st_last_error());
        return 1;
    }
    static const char *parts[6] = {"stem", "stage0", "stage1", "stage2", "stage3", "head"};
    if (json) {
        printf("{\"variant\": \"%s\", \"h\": %d, \"w\": %d, \"params\": %lld, \"flops\": %lld, \"parts\": {", cfg.name,
               h, w, (long long)k.params, (long long)k.flops);
        for (int p = 0; p < 6; p++)
            printf("%s\"%s\": {\"params\": %lld, \"flops\": %lld}", p ? ", " : "", parts[p],
                   (long long)k.part_params[p], (long long)k.part_flops[p]);
        printf("}}\n");
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
