/* stvit baselines: the paper's comparison of STViT-S with DeiT-S and Swin-T, from a bench
 * result file (harness/results/baselines.c): DIR/baselines.csv (the rows used, with the
 * paper's figures), DIR/baselines.md (the table, where and how it was measured) and
 * DIR/baselines.png + .svg (img/s vs GMACs per backend, the speed plot of `stvit plot`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/cli/outputs.h"
#include "harness/results/baselines.h"
#include "harness/results/gnuplot.h"
#include "harness/results/plotdata.h"
#include "harness/results/results.h"
#include "variants/config.h"
#include "variants/st_error.h"

static const char about[] =
    "Reads a bench result file (CSV or .jsonl) holding rows of DeiT-S, Swin-T and STViT-S\n"
    "(stvit bench --variant deit-s,swin-t,S --batch 1,8 ...) and writes the paper's comparison:\n"
    "per network the learned parameters and FLOPs (the engine's counts, multiply-adds as fvcore\n"
    "counts them), img/s here per backend and batch, and the paper's printed params, FLOPs and\n"
    "ImageNet top-1, as DIR/baselines.csv and DIR/baselines.md, and img/s against GMACs per\n"
    "backend as DIR/baselines.png and .svg (gnuplot). The table is printed too. Rows measured\n"
    "with a busy core are left out. DIR: --out, or a fresh runs/<date>-baselines/.\n";

/* img/s vs GMACs, a line per backend and batch through the networks: the speed plot
 * with its x axis around the three (they cost 4.4-4.6 GMACs). The picture, or *why. */
static int draw(const hx_baselines *b, const char *dir, const char *scripts_opt, char *why, size_t cap) {
    char scripts[4096] = "", script[4200], data[4200], png[4200], svg[4200];
    hx_plot_filter filter = {.tight_x = 1};
    hx_plot_spec *spec = calloc(1, sizeof *spec);
    hx_table t;
    int rc = spec ? hx_gnuplot_scripts(scripts_opt, scripts, sizeof scripts) : st_fail(ST_ERR_NOMEM, "out of memory");
    snprintf(script, sizeof script, "%s/flops_speed.gp", scripts);
    snprintf(data, sizeof data, "%s/baselines_plot.csv", dir);
    snprintf(png, sizeof png, "%s/baselines.png", dir);
    snprintf(svg, sizeof svg, "%s/baselines.svg", dir);
    for (int c = 0; c < b->ncols; c++) { /* each backend at its thread count (simd runs 1) */
        int dup = 0;
        for (int k = 0; k < filter.threads.n; k++) dup |= filter.threads.v[k] == b->col[c].threads;
        if (!dup && filter.threads.n < HX_LIST_MAX) filter.threads.v[filter.threads.n++] = b->col[c].threads;
    }
    if (!rc) rc = hx_baselines_plot_rows(b, &t);
    if (!rc) {
        hx_atomic a;
        if (!(rc = hx_atomic_open(&a, data, "w"))) {
            rc = hx_plot_flops_speed(&t, NULL, &filter, a.f, spec);
            if (rc == HX_PLOT_SKIPPED) rc = st_fail(ST_ERR_FORMAT, "%s", spec->note);
            if (!rc) rc = hx_atomic_commit(&a);
            else hx_atomic_abort(&a);
        }
        hx_table_free(&t);
    }
    if (!rc) rc = hx_gnuplot_run(script, data, png, "png", spec->vars);
    if (!rc && (rc = hx_gnuplot_run(script, data, svg, "svg", spec->vars))) remove(png);
    remove(data); /* the figure's data: the rows of baselines.csv */
    free(spec);
    if (rc) snprintf(why, cap, "%s", st_last_error());
    return rc;
}

static int save_markdown(const char *path, const hx_baselines *b, const char *source, const char *plot) {
    hx_atomic a;
    int rc = hx_atomic_open(&a, path, "w");
    if (rc) return rc;
    hx_baselines_markdown(a.f, b, source, plot);
    return hx_atomic_commit(&a);
}

int hx_cmd_baselines(int argc, char **argv) {
    const char *out = NULL, *scripts = NULL, *pos[1];
    hx_size_list sizes = {0};
    int npos = 0, no_out = 0;
    const hx_option opts[] = {
        {"--res", HX_OPT_SIZES, &sizes, ST_MIN_INPUT, ST_MAX_INPUT, "N|HxW",
         "the input size of the rows to use (default: the one size the file has them at)"},
        {"--out", HX_OPT_STRING, &out, 0, 0, "DIR", "folder for baselines.csv/.md/.png/.svg (default: a fresh runs/<date>-baselines/; - for none)"},
        {"--no-out", HX_OPT_FLAG, &no_out, 0, 0, NULL, "write no file, print the table (the same as --out -)"},
        {"--scripts", HX_OPT_STRING, &scripts, 0, 0, "DIR", "folder of the gnuplot scripts (default: $STVIT_PLOTS, else viz/plots beside the program)"},
    };
    const hx_usage usage = {"baselines", "BENCH.csv [options]", about, opts, HX_COUNT(opts), NULL};
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), pos, 1, &npos);
    if (!rc && npos != 1) rc = st_fail(ST_ERR_ARG, "give one bench result file");
    if (!rc && hx_out_names_file(out))
        rc = st_fail(ST_ERR_ARG, "--out %s: --out names a folder (baselines writes DIR/baselines.csv, .md, .png)", out);
    if (rc) return hx_usage_exit(&usage, rc);

    /* everything is read and checked before a folder is made: a bad file leaves nothing */
    hx_table t;
    hx_baselines b;
    int h = sizes.n ? sizes.v[sizes.n - 1].h : 0, w = sizes.n ? sizes.v[sizes.n - 1].w : 0;
    rc = hx_table_read(pos[0], &t);
    if (!rc) rc = hx_plot_normalise(&t);
    if (!rc) rc = hx_baselines_collect(&t, pos[0], h, w, &b);
    hx_table_free(&t);
    if (rc) {
        fprintf(stderr, "stvit baselines: %s\n", st_last_error());
        return hx_exit_code(rc);
    }
    printf("DeiT-S, Swin-T and STViT-S at %dx%d, img/s from %s:\n\n", b.h, b.w, pos[0]);
    hx_baselines_table_md(stdout, &b);

    char dir[4096], csv[4200], md[4200], why[512];
    int none;
    if ((rc = hx_output_dir("baselines", out, no_out, dir, sizeof dir, &none)) || none) {
        if (rc) fprintf(stderr, "stvit baselines: %s\n", st_last_error());
        hx_baselines_free(&b);
        return rc ? HX_EXIT_FAIL : 0;
    }
    snprintf(csv, sizeof csv, "%s/baselines.csv", dir);
    snprintf(md, sizeof md, "%s/baselines.md", dir);
    int plotted = draw(&b, dir, scripts, why, sizeof why) == 0;
    rc = hx_table_save(csv, &b.rows);
    if (!rc) rc = save_markdown(md, &b, pos[0], plotted ? "baselines.png" : NULL);
    hx_baselines_free(&b);
    if (rc) {
        fprintf(stderr, "stvit baselines: %s\n", st_last_error());
        return HX_EXIT_FAIL;
    }
    if (plotted) fprintf(stderr, "baselines: wrote %s, %s, %s/baselines.png and .svg\n", csv, md, dir);
    else fprintf(stderr, "baselines: wrote %s, %s (no plot: %s)\n", csv, md, why);
    return 0;
}
