/* stvit plot: PNG figures of a bench result file, drawn by gnuplot with the scripts
 * in viz/plots/ from data that harness/plotdata.c prepares. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness/cli.h"
#include "harness/commands.h"
#include "harness/gnuplot.h"
#include "harness/plotdata.h"
#include "harness/results.h"
#include "variants/st_error.h"

typedef struct {
    const char *name;   /* DIR/NAME.csv, DIR/NAME.png, SCRIPTS/NAME.gp */
    int (*prepare)(const hx_table *t, FILE *f, char *note, size_t cap);
    const char *what;
} figure;

static const figure figures[] = {
    {"flops_speed", hx_plot_flops_speed, "FLOPs vs images/s per backend"},
    {"speedup", hx_plot_speedup, "speed-up over naive"},
    {"profile", hx_plot_profile, "time per op"},
    {"resolution", hx_plot_resolution, "cost vs resolution per attention kind"},
};

/* DIR default: "plots" beside the results file. */
static void default_dir(const char *results, char *dir, size_t cap) {
    const char *slash = strrchr(results, '/');
    if (slash) snprintf(dir, cap, "%.*s/plots", (int)(slash - results), results);
    else snprintf(dir, cap, "plots");
}

static int draw(const figure *fg, const hx_table *t, const char *dir, const char *scripts, int *drawn) {
    char data[4096], png[4096], script[4096], note[256];
    if (snprintf(data, sizeof data, "%s/%s.csv", dir, fg->name) >= (int)sizeof data ||
        snprintf(png, sizeof png, "%s/%s.png", dir, fg->name) >= (int)sizeof png ||
        snprintf(script, sizeof script, "%s/%s.gp", scripts, fg->name) >= (int)sizeof script)
        return st_fail(ST_ERR_ARG, "%s: path too long", dir);
    if (access(script, R_OK)) return st_fail(ST_ERR_IO, "%s: cannot read the gnuplot script", script);
    FILE *f = fopen(data, "w");
    if (!f) return st_fail(ST_ERR_IO, "%s: cannot write: %s", data, strerror(errno));
    int rc = fg->prepare(t, f, note, sizeof note);
    if (fclose(f) && rc >= 0) rc = st_fail(ST_ERR_IO, "%s: write failed", data);
    if (rc == HX_PLOT_SKIPPED) {
        printf("skipped %-12s (%s): %s\n", fg->name, fg->what, note);
        remove(data);
        return ST_OK;
    }
    if (!rc) rc = hx_gnuplot(script, data, png, note);
    if (!rc) {
        printf("wrote   %s (%s)\n", png, fg->what);
        (*drawn)++;
    }
    return rc;
}

int hx_cmd_plot(int argc, char **argv) {
    const char *dir_opt = NULL, *scripts = "viz/plots", *pos[1];
    int npos = 0;
    const hx_option opts[] = {
        {"--out", HX_OPT_STRING, &dir_opt, 0, 0, "DIR", "folder for the PNGs and their data (default: plots/ beside RESULTS)"},
        {"--scripts", HX_OPT_STRING, &scripts, 0, 0, "DIR", "folder of the gnuplot scripts (default viz/plots)"},
    };
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), pos, 1, &npos);
    if (!rc && npos != 1) rc = st_fail(ST_ERR_ARG, "give one results file");
    if (rc) {
        FILE *f = rc == HX_HELP ? stdout : stderr;
        if (rc != HX_HELP) fprintf(stderr, "stvit plot: %s\n", st_last_error());
        fprintf(f, "usage: stvit plot RESULTS.csv [options]\n"
                   "Draws PNGs (gnuplot) from a bench result file (CSV or .jsonl):\n");
        for (int i = 0; i < HX_COUNT(figures); i++) fprintf(f, "  %-12s %s\n", figures[i].name, figures[i].what);
        fprintf(f, "A figure whose columns the results lack is skipped with a note.\n");
        hx_print_options(f, opts, HX_COUNT(opts));
        return rc == HX_HELP ? 0 : 2;
    }
    char dir[4096];
    if (dir_opt) snprintf(dir, sizeof dir, "%s", dir_opt);
    else default_dir(pos[0], dir, sizeof dir);
    hx_table t;
    rc = hx_table_read(pos[0], &t);
    if (!rc && mkdir(dir, 0777) && errno != EEXIST)
        rc = st_fail(ST_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
    int drawn = 0;
    for (int i = 0; i < HX_COUNT(figures) && !rc; i++) rc = draw(&figures[i], &t, dir, scripts, &drawn);
    hx_table_free(&t);
    if (rc) {
        fprintf(stderr, "stvit plot: %s\n", st_last_error());
        return 1;
    }
    if (!drawn) { /* asked for pictures and got none: the file is not bench results */
        fprintf(stderr, "stvit plot: nothing to draw from %s\n", pos[0]);
        return 1;
    }
    return 0;
}
