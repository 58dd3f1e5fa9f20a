/* stvit merge: joins the result files of sharded bench runs. */
#include <stdio.h>
#include "harness/cli.h"
#include "harness/commands.h"
#include "harness/eval.h"
#include "harness/merge.h"
#include "variants/st_error.h"

#define MAX_INPUTS 1024

int hx_cmd_merge(int argc, char **argv) {
    const char *pos[MAX_INPUTS + 1];
    int npos = 0;
    int rc = hx_parse_options(argc, argv, NULL, 0, pos, MAX_INPUTS + 1, &npos);
    if (!rc && npos < 2) rc = st_fail(ST_ERR_ARG, "give OUT and at least one input file");
    if (rc) {
        FILE *f = rc == HX_HELP ? stdout : stderr;
        if (rc != HX_HELP) fprintf(stderr, "stvit merge: %s\n", st_last_error());
        fprintf(f, "usage: stvit merge OUT.csv IN1.csv [IN2.csv ...]\n"
                   "Joins result files of sharded runs (bench --shard K/N), CSV or .jsonl: they must\n"
                   "have the same columns; rows are sorted by the '%s' column and a point found in\n"
                   "two files is an error. Writes OUT and its sibling (.csv <-> .jsonl).\n",
                HX_POINT_COLUMN);
        hx_print_options(f, NULL, 0);
        return rc == HX_HELP ? 0 : 2;
    }
    hx_table t;
    int missing;
    rc = hx_merge_files(pos + 1, npos - 1, &t, &missing);
    if (!rc && (rc = hx_merge_save(pos[0], &t))) hx_table_free(&t);
    if (rc) {
        fprintf(stderr, "stvit merge: %s\n", st_last_error());
        return 1;
    }
    printf("merged %d rows from %d files into %s (and its .csv/.jsonl sibling)\n", t.n, npos - 1, pos[0]);
    if (hx_eval_is_predictions(&t)) {   /* stvit eval shards: the accuracy of the whole */
        hx_accuracy a;
        long failed;
        if (!hx_eval_table_accuracy(&t, &a, &failed)) hx_eval_print_accuracy(stdout, &a);
        else fprintf(stderr, "stvit merge: %s: %s\n", pos[0], st_last_error());
        if (failed) fprintf(stderr, "stvit merge: %ld pictures could not be read (rows with an error)\n", failed);
    }
    if (missing) {
        int idx[10], shown = hx_merge_missing(&t, idx, 10);
        fprintf(stderr, "stvit merge: warning: %d points of the sweep are in no file:", missing);
        for (int i = 0; i < shown && i < 10; i++) fprintf(stderr, " %d", idx[i]);
        fprintf(stderr, "%s\n", missing > 10 ? " ..." : "");
    }
    hx_table_free(&t);
    return 0;
}
