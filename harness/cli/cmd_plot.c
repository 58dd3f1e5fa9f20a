/* stvit plot: PNG and SVG figures of a bench result file (and of the peers file beside
 * it), drawn by gnuplot with the scripts in viz/plots/ from data and styles that
 * harness/results/plotdata.c prepares. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/results/gnuplot.h"
#include "harness/results/plotdata.h"
#include "harness/results/results.h"
#include "variants/st_error.h"

typedef struct {
    const char *name; /* DIR/NAME.csv, DIR/NAME.png, DIR/NAME.svg, SCRIPTS/NAME.gp */
    hx_plot_fn prepare;
    const char *what;
} figure;

static const figure figures[] = {
    {"flops_speed", hx_plot_flops_speed, "images/s vs GMACs per backend and peer runtime (--x, --y)"},
    {"speedup", hx_plot_speedup, "speed-up over naive"},
    {"runtimes", hx_plot_runtimes, "images/s per runtime from the peers file"},
    {"profile", hx_plot_profile, "share of the time per op"},
    {"profile_stages", hx_plot_profile_stages, "ms per op and network part (heat map)"},
    {"resolution", hx_plot_resolution, "cost vs resolution per attention kind"},
};

/* DIR default: "plots" beside the results file. */
static void default_dir(const char *results, char *dir, size_t cap) {
    const char *slash = strrchr(results, '/');
    if (slash) snprintf(dir, cap, "%.*s/plots", (int)(slash - results), results);
    else snprintf(dir, cap, "plots");
}

static int draw(const figure *fg, const hx_table *t, const hx_table *peers, const hx_plot_filter *o,
                const char *dir, const char *scripts, int *drawn) {
    char data[4096], png[4096], svg[4096], script[4096];
    if (snprintf(data, sizeof data, "%s/%s.csv", dir, fg->name) >= (int)sizeof data ||
        snprintf(png, sizeof png, "%s/%s.png", dir, fg->name) >= (int)sizeof png ||
        snprintf(svg, sizeof svg, "%s/%s.svg", dir, fg->name) >= (int)sizeof svg ||
        snprintf(script, sizeof script, "%s/%s.gp", scripts, fg->name) >= (int)sizeof script)
        return st_fail(ST_ERR_ARG, "%s: path too long", dir);
    if (access(script, R_OK)) return st_fail(ST_ERR_IO, "%s: cannot read the gnuplot script", script);
    hx_plot_spec *spec = calloc(1, sizeof *spec);
    if (!spec) return st_fail(ST_ERR_NOMEM, "out of memory");
    FILE *f = fopen(data, "w");
    if (!f) {
        free(spec);
        return st_fail(ST_ERR_IO, "%s: cannot write: %s", data, strerror(errno));
    }
    int rc = fg->prepare(t, peers, o, f, spec);
    if (fclose(f) && rc >= 0) rc = st_fail(ST_ERR_IO, "%s: write failed", data);
    if (rc == HX_PLOT_SKIPPED) {
        printf("skipped %-14s (%s): %s\n", fg->name, fg->what, spec->note);
        remove(data);
        free(spec);
        return ST_OK;
    }
    if (!rc) rc = hx_gnuplot_run(script, data, png, "png", spec->vars);
    if (!rc) rc = hx_gnuplot_run(script, data, svg, "svg", spec->vars);
    if (!rc) {
        printf("wrote   %s and .svg (%s): %s\n", png, fg->what, spec->note);
        (*drawn)++;
    }
    free(spec);
    return rc;
}

/* peers.csv beside the results file: 0 if there is none, 1 if there is one, 2 if it
 * is the results file itself (then it is read as peers only). */
static int default_peers(const char *results, char *path, size_t cap) {
    const char *slash = strrchr(results, '/');
    if (slash) snprintf(path, cap, "%.*s/peers.csv", (int)(slash - results), results);
    else snprintf(path, cap, "peers.csv");
    struct stat a, b;
    if (stat(path, &a)) return 0;
    return stat(results, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev ? 2 : 1;
}

int hx_cmd_plot(int argc, char **argv) {
    const char *dir_opt = NULL, *scripts_opt = NULL, *peers_opt = NULL, *pos[1];
    int npos = 0, no_peers = 0;
    hx_plot_filter filter = {0};
    const hx_option opts[] = {
        {"--out", HX_OPT_STRING, &dir_opt, 0, 0, "DIR", "folder for the pictures and their data (default: plots/ beside RESULTS)"},
        {"--batch", HX_OPT_INTS, &filter.batch, 1, 1 << 20, "LIST", "batch sizes to draw (default: all)"},
        {"--threads", HX_OPT_INTS, &filter.threads, 1, 1 << 20, "LIST", "thread counts to draw (default: the largest)"},
        {"--variant", HX_OPT_STRINGS, &filter.variant, 0, 0, "LIST", "variants to draw (default: all)"},
        {"--x", HX_OPT_STRING, &filter.x, 0, 0, "AXIS", "speed plot x axis: macs (default), params, batch, threads, side"},
        {"--y", HX_OPT_STRING, &filter.y, 0, 0, "AXIS", "speed plot y axis: img_per_s (default), ms_per_img, gflop_per_s, peak_fraction"},
        {"--peers", HX_OPT_STRING, &peers_opt, 0, 0, "FILE", "peer runtimes' results (default: peers.csv beside RESULTS, if any)"},
        {"--no-peers", HX_OPT_FLAG, &no_peers, 0, 0, NULL, "draw no peers"},
        {"--scripts", HX_OPT_STRING, &scripts_opt, 0, 0, "DIR", "folder of the gnuplot scripts (default: $STVIT_PLOTS, else viz/plots found beside the program)"},
    };
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), pos, 1, &npos);
    if (!rc && npos != 1) rc = st_fail(ST_ERR_ARG, "give one results file");
    if (!rc) rc = hx_plot_filter_check(&filter);
    if (rc) {
        FILE *f = rc == HX_HELP ? stdout : stderr;
        if (rc != HX_HELP) fprintf(stderr, "stvit plot: %s\n", st_last_error());
        fprintf(f, "usage: stvit plot RESULTS.csv [options]\n"
                   "Draws PNG and SVG figures (gnuplot) from a bench result file (CSV or .jsonl) and the\n"
                   "peers file beside it; each figure's title says what is drawn:\n");
        for (int i = 0; i < HX_COUNT(figures); i++) fprintf(f, "  %-14s %s\n", figures[i].name, figures[i].what);
        fprintf(f, "A figure whose columns the results lack is skipped with a note. Colours: one per backend\n"
                   "and peer runtime, the same in every figure (harness/results/plotstyle.c).\n");
        hx_print_options(f, opts, HX_COUNT(opts));
        return rc == HX_HELP ? 0 : 2;
    }
    char dir[4096], scripts[4096], peers_path[4096];
    if (dir_opt) snprintf(dir, sizeof dir, "%s", dir_opt);
    else default_dir(pos[0], dir, sizeof dir);
    if ((rc = hx_gnuplot_scripts(scripts_opt, scripts, sizeof scripts))) {
        fprintf(stderr, "stvit plot: %s\n", st_last_error());
        return 1;
    }
    int use_peers = !no_peers && (peers_opt ? snprintf(peers_path, sizeof peers_path, "%s", peers_opt) > 0
                                            : default_peers(pos[0], peers_path, sizeof peers_path));
    hx_table t, peers;
    hx_table_init(&t);
    hx_table_init(&peers);
    if (use_peers != 2) rc = hx_table_read(pos[0], &t); /* the peers file alone: its runtimes figure */
    if (!rc) rc = hx_plot_normalise(&t);
    if (!rc && use_peers && !(rc = hx_table_read(peers_path, &peers))) rc = hx_plot_normalise(&peers);
    if (!rc && mkdir(dir, 0777) && errno != EEXIST)
        rc = st_fail(ST_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
    int drawn = 0;
    for (int i = 0; i < HX_COUNT(figures) && !rc; i++)
        rc = draw(&figures[i], &t, use_peers ? &peers : NULL, &filter, dir, scripts, &drawn);
    hx_table_free(&t);
    hx_table_free(&peers);
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
