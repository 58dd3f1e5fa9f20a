/* baselines.c — DeiT-S, Swin-T and STViT-S from a bench table (see baselines.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "harness/results/baselines.h"
#include "variants/st_error.h"

/* The table's networks: bench's variant name, the ablate row name that runs the same
 * network, and the row of variants/ablation.c holding the paper's printed figures. */
static const struct {
    const char *name, *variant, *alias;
    int paper_row;
} nets[HX_BASELINE_NETS] = {
    {"DeiT-S", "deit-s", "ablation-15", 15},
    {"Swin-T", "swin-t", "ablation-16", 16},
    {"STViT-S", "S", "ablation-7", 7},
};

static const char *str(const hx_row *r, const char *key) {
    const char *s = hx_row_get(r, key);
    return s ? s : "";
}
static double num(const hx_row *r, const char *key) {
    double v;
    return hx_row_get_num(r, key, &v) ? NAN : v;
}

/* Which network a row measured (-1: none of them). S with global or window attention
 * is another network than STViT-S. */
static int net_of(const hx_row *r) {
    const char *v = str(r, "variant"), *attn = str(r, "attn");
    for (int i = 0; i < HX_BASELINE_NETS; i++)
        if (!strcasecmp(v, nets[i].variant) || !strcasecmp(v, nets[i].alias))
            return i == 2 && *attn && strcmp(attn, "sta") ? -1 : i;
    return -1;
}

/* The row's input size: h and w, else res ("224" or "224x160"); 0 when unknown. */
static void size_of(const hx_row *r, int *h, int *w) {
    double hh = num(r, "h"), ww = num(r, "w");
    if (!isnan(hh) && !isnan(ww)) {
        *h = (int)hh, *w = (int)ww;
        return;
    }
    const char *res = str(r, "res"), *x = strchr(res, 'x');
    *h = atoi(res);
    *w = x ? atoi(x + 1) : *h;
}

static int used(const hx_row *r) { return net_of(r) >= 0 && strcmp(str(r, "busy_core"), "true"); }

/* "224x224, 384x384": the sizes the networks' rows have, for a message. */
static void list_sizes(const hx_table *t, char *buf, size_t cap) {
    int seen[16][2], n = 0;
    buf[0] = 0;
    for (int i = 0; i < t->n; i++) {
        int h, w, dup = 0;
        if (!used(&t->rows[i])) continue;
        size_of(&t->rows[i], &h, &w);
        for (int k = 0; k < n && !dup; k++) dup = seen[k][0] == h && seen[k][1] == w;
        if (dup || n == 16) continue;
        seen[n][0] = h, seen[n][1] = w;
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%dx%d", n++ ? ", " : "", h, w);
    }
}

static int col_find(hx_baselines *b, const hx_row *r) {
    const char *be = str(r, "backend"), *prec = str(r, "precision");
    int batch = (int)num(r, "batch"), threads = (int)num(r, "threads"), order = b->ncols;
    for (int c = 0; c < b->ncols; c++) {
        const hx_baseline_col *k = &b->col[c];
        if (!strcmp(k->backend, be) && !strcmp(k->precision, prec)) {
            if (k->batch == batch && k->threads == threads) return c;
            if (k->order < order) order = k->order;
        }
    }
    if (b->ncols == HX_BASELINE_COLS)
        return st_fail(ST_ERR_RANGE, "more than %d backend x batch x threads points", HX_BASELINE_COLS);
    hx_baseline_col *k = &b->col[b->ncols];
    memset(k, 0, sizeof *k);
    snprintf(k->backend, sizeof k->backend, "%s", be);
    snprintf(k->precision, sizeof k->precision, "%s", prec);
    k->batch = batch, k->threads = threads, k->order = order;
    for (int i = 0; i < HX_BASELINE_NETS; i++) k->src[i] = -1;
    return b->ncols++;
}

/* Columns by backend (the file's order), then batch, then threads. */
static int col_cmp(const void *pa, const void *pb) {
    const hx_baseline_col *a = pa, *b = pb;
    if (a->order != b->order) return a->order - b->order;
    if (a->batch != b->batch) return a->batch - b->batch;
    return a->threads - b->threads;
}

static void paper_num(hx_row *row, const char *key, const st_ablation_row *p, double v) {
    if (p && p->paper.printed && !isnan(v)) hx_row_num(row, key, v);
    else hx_row_missing(row, key);
}

/* The bench row with `network` first and the paper's figures last, every column of t. */
static int add_row(hx_baselines *b, const hx_table *t, const hx_row *src, int net) {
    hx_row row;
    hx_row_init(&row);
    hx_row_str(&row, "network", nets[net].name);
    for (int c = 0; c < t->ncols; c++) {
        int found = 0;
        for (int k = 0; k < src->n && !found; k++)
            if (!strcmp(src->f[k].key, t->cols[c])) found = 1, hx_row_set_field(&row, &src->f[k]);
        if (!found) hx_row_missing(&row, t->cols[c]);
    }
    const st_ablation_row *p = b->net[net].paper;
    paper_num(&row, "paper_params_m", p, p ? p->paper.params_m : NAN);
    paper_num(&row, "paper_flops_g", p, p ? p->paper.flops_g : NAN);
    paper_num(&row, "paper_top1", p, p ? p->paper.top1 : NAN);
    int rc = hx_table_add(&b->rows, &row);
    hx_row_free(&row);
    return rc;
}

static void env_of(hx_baselines *b, const hx_row *r) {
    double load = num(r, "env_loadavg");
    if (!isnan(load) && (isnan(b->load_max) || load > b->load_max)) b->load_max = load;
    if (b->cpu[0]) return;
    snprintf(b->cpu, sizeof b->cpu, "%s", str(r, "env_cpu"));
    snprintf(b->compiler, sizeof b->compiler, "%s", str(r, "env_compiler"));
    snprintf(b->git, sizeof b->git, "%s", str(r, "env_git"));
    snprintf(b->date, sizeof b->date, "%s", str(r, "env_date"));
    double cores = num(r, "env_cores");
    b->cores = isnan(cores) ? 0 : (int)cores;
}

int hx_baselines_collect(const hx_table *t, const char *source, int h, int w, hx_baselines *b) {
    memset(b, 0, sizeof *b);
    hx_table_init(&b->rows);
    b->load_max = NAN;
    for (int i = 0; i < HX_BASELINE_NETS; i++) {
        b->net[i].name = nets[i].name;
        b->net[i].paper = st_ablation_find(nets[i].paper_row);
        b->net[i].params = b->net[i].macs = -1;
    }
    char sizes[256];
    list_sizes(t, sizes, sizeof sizes);
    if (!sizes[0])
        return st_fail(ST_ERR_FORMAT, "%s: no rows of DeiT-S, Swin-T or STViT-S (variants deit-s, swin-t, S; "
                                      "stvit bench --variant deit-s,swin-t,S)", source);
    if (!h && strchr(sizes, ','))
        return st_fail(ST_ERR_ARG, "%s: the networks were measured at several sizes (%s): pick one with --res",
                       source, sizes);
    if (!h) sscanf(sizes, "%dx%d", &h, &w);
    b->h = h, b->w = w;
    for (int i = 0; i < t->n; i++) {
        const hx_row *r = &t->rows[i];
        int rh, rw, net = net_of(r);
        if (!used(r)) continue;
        size_of(r, &rh, &rw);
        if (rh != h || rw != w) continue;
        int c = col_find(b, r);
        if (c < 0) return c;
        b->col[c].src[net] = i; /* a later row of the same point wins */
    }
    if (!b->ncols) return st_fail(ST_ERR_ARG, "%s: no rows at %dx%d (the networks' rows are at %s)", source, h, w, sizes);
    qsort(b->col, (size_t)b->ncols, sizeof b->col[0], col_cmp);
    for (int n = 0; n < HX_BASELINE_NETS; n++) {
        hx_baseline_net *bn = &b->net[n];
        for (int c = 0; c < b->ncols; c++) {
            if (b->col[c].src[n] < 0) continue;
            const hx_row *r = &t->rows[b->col[c].src[n]];
            hx_baseline_cell *cell = &bn->cell[c];
            const char *status = str(r, "status");
            cell->measured = 1;
            cell->failed = *status && strcmp(status, "ok");
            cell->wrong = !strcmp(str(r, "matches_naive"), "false");
            cell->img_per_s = cell->failed ? NAN : num(r, "img_per_s");
            /* the counts do not depend on the backend: any row's will do */
            double params = num(r, "param_count"), macs = num(r, "macs_per_img");
            if (!isnan(params)) bn->params = (int64_t)params;
            if (!isnan(macs)) bn->macs = (int64_t)macs;
            bn->nrows++;
            env_of(b, r);
            int rc = add_row(b, t, r, n);
            if (rc) return rc;
        }
        /* the paper's figures are for 224x224 */
        if (h == 224 && w == 224 && bn->paper && bn->params >= 0 && bn->macs >= 0)
            bn->differs = st_ablation_mismatch(bn->paper, bn->params, bn->macs);
    }
    return ST_OK;
}

void hx_baselines_free(hx_baselines *b) { hx_table_free(&b->rows); }

/* ---- markdown ------------------------------------------------------------------------ */

/* Whether a backend has columns at several thread counts (then each header says which). */
static int several_threads(const hx_baselines *b, const hx_baseline_col *k) {
    for (int c = 0; c < b->ncols; c++)
        if (!strcmp(b->col[c].backend, k->backend) && !strcmp(b->col[c].precision, k->precision) &&
            b->col[c].threads != k->threads)
            return 1;
    return 0;
}

static void header(const hx_baselines *b, const hx_baseline_col *k, char *buf, size_t cap) {
    int n = snprintf(buf, cap, "%s", k->backend);
    if (*k->precision && strcmp(k->precision, "f32")) n += snprintf(buf + n, cap - (size_t)n, " (%s)", k->precision);
    n += snprintf(buf + n, cap - (size_t)n, " b%d", k->batch);
    if (several_threads(b, k)) snprintf(buf + n, cap - (size_t)n, " t%d", k->threads);
}

static void speed(const hx_baseline_cell *c, char *buf, size_t cap) {
    if (!c->measured) snprintf(buf, cap, "-");
    else if (c->failed || isnan(c->img_per_s)) snprintf(buf, cap, "failed");
    else snprintf(buf, cap, c->img_per_s < 10 ? "%.3f%s" : c->img_per_s < 100 ? "%.2f%s" : "%.1f%s", c->img_per_s,
                  c->wrong ? " (wrong)" : "");
}

void hx_baselines_table_md(FILE *f, const hx_baselines *b) {
    char h[96];
    fprintf(f, "| network | params | FLOPs |");
    for (int c = 0; c < b->ncols; c++) {
        header(b, &b->col[c], h, sizeof h);
        fprintf(f, " %s |", h);
    }
    fprintf(f, " paper: params | paper: FLOPs | paper: top-1 |\n|---|---:|---:|");
    for (int c = 0; c < b->ncols; c++) fprintf(f, "---:|");
    fprintf(f, "---:|---:|---:|\n");
    for (int n = 0; n < HX_BASELINE_NETS; n++) {
        const hx_baseline_net *bn = &b->net[n];
        const st_ablation_row *p = bn->paper;
        char params[24] = "?", flops[24] = "?", cell[32];
        if (bn->params >= 0) snprintf(params, sizeof params, "%.2fM", bn->params / 1e6);
        if (bn->macs >= 0) snprintf(flops, sizeof flops, "%.3fG", bn->macs / 1e9);
        fprintf(f, "| %s | %s | %s |", bn->name, bn->nrows ? params : "-", bn->nrows ? flops : "-");
        for (int c = 0; c < b->ncols; c++) {
            speed(&bn->cell[c], cell, sizeof cell);
            fprintf(f, " %s |", cell);
        }
        if (p && p->paper.printed)
            fprintf(f, " %.*fM%s | %.*fG%s | %.1f |\n", st_ablation_params_digits(p), p->paper.params_m,
                    bn->differs & ST_ABL_PARAMS_DIFFER ? " ⚠" : "", st_ablation_flops_digits(p), p->paper.flops_g,
                    bn->differs & ST_ABL_FLOPS_DIFFER ? " ⚠" : "", p->paper.top1);
        else
            fprintf(f, " - | - | - |\n");
    }
}

/* "simd 1, omp 2": each backend's thread counts, for the text. */
static void threads_text(const hx_baselines *b, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = 0;
    for (int c = 0; c < b->ncols && n < cap; c++) {
        const hx_baseline_col *k = &b->col[c];
        int dup = 0;
        for (int d = 0; d < c && !dup; d++)
            dup = !strcmp(b->col[d].backend, k->backend) && !strcmp(b->col[d].precision, k->precision) &&
                  b->col[d].threads == k->threads;
        if (!dup) n += (size_t)snprintf(buf + n, cap - n, "%s%s %d", n ? ", " : "", k->backend, k->threads);
    }
}

void hx_baselines_markdown(FILE *f, const hx_baselines *b, const char *source, const char *plot) {
    char threads[512];
    threads_text(b, threads, sizeof threads);
    fprintf(f, "# DeiT-S, Swin-T and STViT-S on this CPU\n\n"
               "The paper compares STViT-S with DeiT-S and Swin-T; here the three run as networks of\n"
               "the same engine, with seeded random weights, at %dx%d. Made by `stvit baselines` from\n"
               "`%s` (rows of `stvit bench --variant deit-s,swin-t,S`).  \n",
            b->h, b->w, source);
    fprintf(f, "Machine: %s (%d cores), %s, git %s, measured %s", *b->cpu ? b->cpu : "unknown CPU", b->cores,
            *b->compiler ? b->compiler : "unknown compiler", *b->git ? b->git : "?", *b->date ? b->date : "?");
    if (!isnan(b->load_max)) fprintf(f, ", load average up to %.1f", b->load_max);
    fprintf(f, ".  \nThreads per backend: %s. Columns: img/s of BACKEND at batch N (bN).\n\n", threads);
    hx_baselines_table_md(f, b);
    fprintf(f, "\n**Where the numbers come from.** params and FLOPs are the engine's counts for each\n"
               "network (learned parameters; multiply-adds as fvcore counts them, one multiply-add = one\n"
               "FLOP; exact integers in `baselines.csv`). img/s is measured here: the median of timed\n"
               "forward passes after warm-up (`failed`: the point failed; `(wrong)`: its logits differ\n"
               "from the naive backend's; `-`: not measured). The `paper:` columns are quoted from the\n"
               "paper (DeiT-S and Swin-T as its table prints them, to 1M and 0.1G); top-1 is ImageNet-1K\n"
               "with trained weights, not measured here. The paper's V100 throughput for these networks\n"
               "is not in the spec this project follows, so it is left out rather than quoted from memory.\n");
    if (b->h != 224 || b->w != 224)
        fprintf(f, "\nThe paper's figures are for 224x224 inputs; the counts here are for %dx%d.\n", b->h, b->w);
    int flagged = 0;
    for (int n = 0; n < HX_BASELINE_NETS; n++) flagged += b->net[n].differs != 0;
    if (flagged) {
        fprintf(f, "\n**⚠ Printed figures that differ from the count** by more than their rounding:\n\n");
        for (int n = 0; n < HX_BASELINE_NETS; n++)
            if (b->net[n].differs)
                fprintf(f, "- %s: %s.\n", b->net[n].name,
                        b->net[n].paper->mismatch_note ? b->net[n].paper->mismatch_note : "no explanation known");
    }
    if (plot)
        fprintf(f, "\n![img/s vs GMACs per backend: DeiT-S, Swin-T and STViT-S](%s)\n\n"
                   "img/s against GMACs per image, a line per backend and batch size joining the three\n"
                   "networks (the paper's Figure 1 style, with this CPU's img/s).\n",
                plot);
}

int hx_baselines_plot_rows(const hx_baselines *b, hx_table *out) {
    hx_table_init(out);
    for (int i = 0; i < b->rows.n; i++) {
        hx_row r;
        int rc = hx_row_copy(&r, &b->rows.rows[i]);
        if (!rc) rc = hx_row_str(&r, "variant", hx_row_get(&r, "network"));
        if (!rc) rc = hx_table_add(out, &r);
        hx_row_free(&r);
        if (rc) {
            hx_table_free(out);
            return rc;
        }
    }
    return ST_OK;
}
