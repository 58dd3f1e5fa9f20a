/* stvit merge: joins the result files of sharded bench runs. */
#include <stdio.h>
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/eval/eval.h"
#include "harness/results/merge.h"
#include "variants/st_error.h"

#define MAX_INPUTS 1024

int hx_cmd_merge(int argc, char **argv) {
    const char *pos[MAX_INPUTS + 1];
    int npos = 0, json = 0;
    const hx_option opts[] = {
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "print the summary as one JSON object"},
    };
    const hx_usage usage = {"merge", "OUT.csv IN1.csv [IN2.csv ...] [--json]",
                            "Joins result files of sharded runs (bench --shard K/N, eval --shard K/N), CSV or\n"
                            "JSON lines: they must have the same columns; rows are sorted by the 'point' column\n"
                            "and a point found in two files is an error. Writes OUT and its sibling (.csv <-> .jsonl).\n",
                            opts, HX_COUNT(opts), NULL};
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), pos, MAX_INPUTS + 1, &npos);
    if (!rc && npos < 2) rc = st_fail(ST_ERR_ARG, "give OUT and at least one input file");
    if (rc) return hx_usage_exit(&usage, rc);
    hx_table t;
    int missing;
    rc = hx_merge_files(pos + 1, npos - 1, &t, &missing);
    if (!rc && (rc = hx_merge_save(pos[0], &t))) hx_table_free(&t);
    if (rc) {
        fprintf(stderr, "stvit merge: %s\n", st_last_error());
        return HX_EXIT_FAIL;
    }
    hx_row sum;
    hx_row_init(&sum);
    hx_row_str(&sum, "out", pos[0]);
    hx_row_int(&sum, "rows", t.n);
    hx_row_int(&sum, "files", npos - 1);
    hx_row_int(&sum, "missing_points", missing);
    if (!json) printf("merged %d rows from %d files into %s (and its .csv/.jsonl sibling)\n", t.n, npos - 1, pos[0]);
    if (hx_eval_is_predictions(&t)) {   /* stvit eval shards: the accuracy of the whole */
        hx_accuracy a;
        long failed;
        if (!hx_eval_table_accuracy(&t, &a, &failed)) {
            if (!json) hx_eval_print_accuracy(stdout, &a);
            hx_row_int(&sum, "images", a.images);
            hx_row_num(&sum, "top1", hx_accuracy_top1(&a));
            hx_row_num(&sum, "top5", hx_accuracy_top5(&a));
        }
        else fprintf(stderr, "stvit merge: %s: %s\n", pos[0], st_last_error());
        if (failed) fprintf(stderr, "stvit merge: %ld pictures could not be read (rows with an error)\n", failed);
    }
    if (missing) {
        int idx[10], shown = hx_merge_missing(&t, idx, 10);
        fprintf(stderr, "stvit merge: warning: %d points of the sweep are in no file:", missing);
        for (int i = 0; i < shown && i < 10; i++) fprintf(stderr, " %d", idx[i]);
        fprintf(stderr, "%s\n", missing > 10 ? " ..." : "");
    }
    if (json) {
        hx_row_write_json(stdout, &sum);
        putchar('\n');
    }
    hx_row_free(&sum);
    hx_table_free(&t);
    return 0;
}
