/* plotstyle.c — the colour table (colour-blind-safe tab10/tab20 shades). */
#include <stdio.h>
#include <string.h>

#include "harness/results/plotstyle.h"

static const struct {
    const char *name, *colour;
} table[] = {
    /* stvit backends */
    {"naive", "#7f7f7f"}, {"simd", "#1f77b4"}, {"omp", "#d62728"}, {"blas", "#2ca02c"},
    /* peer runtimes, as peers.csv names them (precision after a space) */
    {"onnxruntime", "#9467bd"}, {"openvino", "#ff7f0e"}, {"openvino bf16", "#8c564b"},
    {"torch-eager", "#e377c2"}, {"torch-script", "#bcbd22"}, {"torch-compile", "#17becf"},
    /* attention kinds */
    {"sta", "#d62728"}, {"global", "#1f77b4"}, {"window", "#2ca02c"},
    /* profiled ops, by the short names of the prof_<op> columns */
    {"conv1x1", "#1f77b4"}, {"gemm", "#aec7e8"}, {"conv", "#ff7f0e"}, {"dwconv", "#ffbb78"},
    {"layernorm", "#2ca02c"}, {"batchnorm", "#98df8a"}, {"affine", "#d62728"}, {"activation", "#ff9896"},
    {"scale_add", "#9467bd"}, {"avgpool", "#c5b0d5"}, {"linear", "#8c564b"}, {"sta_pool", "#c49c94"},
    {"sta_associate", "#e377c2"}, {"sta_aggregate", "#f7b6d2"}, {"sta_upsample", "#bcbd22"},
    {"attention", "#17becf"}, {"glue", "#7f7f7f"}, {"other", "#c7c7c7"},
};
/* for names the table lacks: none of them is in the table */
static const char *const spare[] = {"#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
                                    "#e6550d", "#31a354", "#756bb1", "#636363", "#6baed6", "#fd8d3c"};

const char *hx_plot_colour(const char *name) {
    if (!strncmp(name, "stvit-", 6)) name += 6;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(table[i].name, name)) return table[i].colour;
    return NULL;
}

void hx_palette_init(hx_palette *p) { p->n = 0; }

const char *hx_palette_colour(hx_palette *p, const char *name) {
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->names[i], name)) return p->colours[i];
    const char *c = hx_plot_colour(name);
    for (int k = 0; !c; k++) { /* the first spare this figure does not use yet */
        const char *s = spare[k % (int)(sizeof spare / sizeof spare[0])];
        int used = 0;
        for (int i = 0; i < p->n && !used; i++) used = !strcmp(p->colours[i], s);
        if (!used || k >= (int)(sizeof spare / sizeof spare[0])) c = s;
    }
    if (p->n < 64) {
        snprintf(p->names[p->n], sizeof p->names[0], "%s", name);
        p->colours[p->n++] = c;
    }
    return c;
}

int hx_plot_point(int i) {
    static const int pts[] = {7, 5, 9, 13, 11, 15}; /* circle, square, triangle, diamond, ... */
    return pts[i % 6];
}

int hx_plot_dash(int i) { return 1 + i % 5; }
