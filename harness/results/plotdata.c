/* plotdata.c — result tables -> tidy plot data and a gnuplot spec (see plotdata.h).
 * Tables are small (one row per sweep point), so plain quadratic scans keep this simple. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "harness/results/plotdata.h"
#include "harness/results/plotstyle.h"
#include "harness/bench/profile.h"
#include "variants/st_error.h"

#define MAX_SERIES 64
#define MAX_POINTS 512

/* ---- columns ------------------------------------------------------------------- */

static const char *const renames[][2] = {
    {"ms_median", "batch_ms_median"}, {"ms_min", "batch_ms_min"}, {"ms_p90", "batch_ms_p90"},
    {"flops", "macs_per_img"},        {"params", "param_count"},  {"gflops", "gflop_per_s"},
    {"peak_gflops", "peak_gflop_per_s"}, {"workspace_mib", "mem_workspace_mib"}, {"load_1min", "env_loadavg"},
    {"prof_pointwise_ms", "prof_conv1x1_ms_per_img"}, {"prof_glue_ms", "prof_glue_ms_per_img"},
    {"prof_total_ms", "prof_total_ms_per_img"},
};

/* The schema's name of an old column, or NULL. prof_<x>_ms -> prof_<x>_ms_per_img. */
static char *new_name(const char *old) {
    for (size_t i = 0; i < sizeof renames / sizeof renames[0]; i++)
        if (!strcmp(old, renames[i][0])) return strdup(renames[i][1]);
    size_t n = strlen(old);
    if (n > 8 && !strncmp(old, "prof_", 5) && !strcmp(old + n - 3, "_ms")) {
        char *s = malloc(n + 9);
        if (s) snprintf(s, n + 9, "%s_per_img", old);
        return s;
    }
    return NULL;
}

int hx_plot_normalise(hx_table *t) {
    for (int c = 0; c < t->ncols; c++) {
        char *to = new_name(t->cols[c]);
        if (!to) continue;
        if (hx_table_col(t, to) >= 0) { /* both present: the new one wins */
            free(to);
            continue;
        }
        const char *from = t->cols[c];
        for (int i = 0; i < t->n; i++)
            for (int k = 0; k < t->rows[i].n; k++) {
                hx_field *fl = &t->rows[i].f[k];
                if (strcmp(fl->key, from)) continue;
                char *dup = strdup(to);
                if (!dup) {
                    free(to);
                    return st_fail(ST_ERR_NOMEM, "out of memory");
                }
                free(fl->key);
                fl->key = dup;
            }
        free(t->cols[c]);
        t->cols[c] = to;
    }
    return ST_OK;
}

static int ok_row(const hx_row *r) {
    const char *s = hx_row_get(r, "status");
    return !s || !*s || !strcmp(s, "ok");
}
static double num(const hx_row *r, const char *key) {
    double v;
    return hx_row_get_num(r, key, &v) ? NAN : v;
}
static const char *str(const hx_row *r, const char *key) {
    const char *s = hx_row_get(r, key);
    return s ? s : "";
}
static int has(const hx_table *t, const char *col) { return t && hx_table_col(t, col) >= 0; }

/* Labels go into unquoted CSV fields and gnuplot single-quoted strings. */
static void clean(char *s) {
    for (; *s; s++)
        if (*s == ',' || *s == '"' || *s == '\n' || *s == '\r' || *s == '\'') *s = ' ';
}

/* The input side: sqrt(h * w), or from res ("224" or "224x160") when h/w are absent. */
static double side_of(const hx_row *r) {
    double h = num(r, "h"), w = num(r, "w");
    if (!isnan(h) && !isnan(w)) return sqrt(h * w);
    const char *res = str(r, "res");
    double a = atof(res), b = a;
    const char *x = strchr(res, 'x');
    if (x) b = atof(x + 1);
    return a > 0 && b > 0 ? sqrt(a * b) : NAN;
}

/* "224" for a square input, "HxW" otherwise. */
static void size_of(const hx_row *r, char *buf, size_t cap) {
    double h = num(r, "h"), w = num(r, "w");
    if (!isnan(h) && !isnan(w) && h != w) snprintf(buf, cap, "%.0fx%.0f", h, w);
    else snprintf(buf, cap, "%.0f", side_of(r));
}

/* The runtime a row stands for: its backend, plus its precision when not f32. */
static void runtime_of(const hx_row *r, char *buf, size_t cap) {
    const char *p = str(r, "precision");
    snprintf(buf, cap, "%s%s%s", str(r, "backend"), *p && strcmp(p, "f32") ? " " : "", strcmp(p, "f32") ? p : "");
    clean(buf);
}

static double ms_per_img(const hx_row *r) { return num(r, "batch_ms_median") / num(r, "batch"); }

/* ---- the spec ---------------------------------------------------------------------- */

static void var(hx_plot_spec *s, const char *name, const char *fmt, ...) {
    char value[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    for (char *c = value; *c; c++)
        if (*c == '\'' || *c == '\n') *c = *c == '\n' ? '|' : ' ';
    size_t n = strlen(s->vars);
    snprintf(s->vars + n, sizeof s->vars - n, "%s='%s'; ", name, value);
}
static void var_num(hx_plot_spec *s, const char *name, double v) {
    size_t n = strlen(s->vars);
    if (isnan(v)) snprintf(s->vars + n, sizeof s->vars - n, "%s=NaN; ", name);
    else snprintf(s->vars + n, sizeof s->vars - n, "%s=%.6g; ", name, v);
}
static int skip(hx_plot_spec *s, const char *why) {
    snprintf(s->note, sizeof s->note, "%s", why);
    return HX_PLOT_SKIPPED;
}
static int need(const hx_table *t, const char *const *cols, hx_plot_spec *s) {
    for (; *cols; cols++)
        if (!has(t, *cols)) {
            snprintf(s->note, sizeof s->note, "the results have no '%s' column", *cols);
            return HX_PLOT_SKIPPED;
        }
    return 0;
}

/* ---- filters ------------------------------------------------------------------------ */

const char *const hx_plot_axes_x = "macs (GMACs per image), params (M parameters), batch, threads, side (input px)";
const char *const hx_plot_axes_y = "img_per_s, ms_per_img, gflop_per_s, peak_fraction";

int hx_plot_filter_check(const hx_plot_filter *f) {
    static const char *const xs[] = {"macs", "params", "batch", "threads", "side"};
    static const char *const ys[] = {"img_per_s", "ms_per_img", "gflop_per_s", "peak_fraction"};
    int okx = !f->x, oky = !f->y;
    for (int i = 0; i < 5 && !okx; i++) okx = !strcmp(f->x, xs[i]);
    for (int i = 0; i < 4 && !oky; i++) oky = !strcmp(f->y, ys[i]);
    if (!okx) return st_fail(ST_ERR_ARG, "--x: '%s' is not one of %s", f->x, hx_plot_axes_x);
    if (!oky) return st_fail(ST_ERR_ARG, "--y: '%s' is not one of %s", f->y, hx_plot_axes_y);
    return ST_OK;
}

static int in_ints(const hx_int_list *l, double v) {
    for (int i = 0; i < l->n; i++)
        if (l->v[i] == v) return 1;
    return !l->n;
}
static int in_strs(const hx_str_list *l, const char *v) {
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], v)) return 1;
    return !l->n;
}

/* The rows of the figure: of t and peers, those passing the filter. threads: given,
 * or the largest among the candidates (batch likewise when pick_batch is -1: the
 * smallest). `ok` 1: successful rows only, 0: failed ones only. */
typedef struct {
    int n;
    const hx_row *r[MAX_POINTS];
    int peer[MAX_POINTS];
    double threads, batch; /* the picked ones, NaN when the filter gave them */
} rowset;

static int bench_has(const hx_table *t, const char *backend) {
    for (int i = 0; i < t->n; i++)
        if (!strcmp(str(&t->rows[i], "backend"), backend)) return 1;
    return 0;
}

static void pick(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, int smallest_batch, int ok,
                 rowset *rs) {
    rs->n = 0;
    rs->threads = rs->batch = NAN;
    const hx_table *tabs[2] = {t, peers};
    for (int pass = 0; pass < 2; pass++) { /* pass 0 finds the default thread / batch count */
        for (int k = 0; k < 2; k++)
            for (int i = 0; tabs[k] && i < tabs[k]->n; i++) {
                const hx_row *r = &tabs[k]->rows[i];
                double th = num(r, "threads"), b = num(r, "batch");
                if (!ok_row(r) || !in_ints(&o->batch, b) || !in_ints(&o->threads, th) ||
                    !in_strs(&o->variant, str(r, "variant")))
                    continue;
                if (!pass) {
                    if (!o->threads.n && (isnan(rs->threads) || th > rs->threads)) rs->threads = th;
                    if (smallest_batch && !o->batch.n && (isnan(rs->batch) || b < rs->batch)) rs->batch = b;
                }
            }
    }
    for (int k = 0; k < 2; k++)
        for (int i = 0; tabs[k] && i < tabs[k]->n && rs->n < MAX_POINTS; i++) {
            const hx_row *r = &tabs[k]->rows[i];
            double th = num(r, "threads"), b = num(r, "batch");
            if (k == 1 && t && !strncmp(str(r, "backend"), "stvit-", 6) && bench_has(t, str(r, "backend") + 6))
                continue; /* the C harness's own row in the peers run: the bench file's rows stand */
            if (ok_row(r) != ok || !in_ints(&o->batch, b) || !in_ints(&o->threads, th) ||
                !in_strs(&o->variant, str(r, "variant")) || (!isnan(rs->threads) && th != rs->threads) ||
                (!isnan(rs->batch) && b != rs->batch))
                continue;
            rs->peer[rs->n] = k;
            rs->r[rs->n++] = r;
        }
}

/* Distinct values of a column over a row set, "a, b and c" into buf; the count. */
static int distinct(const rowset *rs, const char *col, char *buf, size_t cap) {
    const char *seen[MAX_POINTS];
    int n = 0;
    static char sizes[MAX_POINTS][32];
    for (int i = 0; i < rs->n; i++) {
        const char *v = str(rs->r[i], col);
        if (!strcmp(col, "size")) {
            size_of(rs->r[i], sizes[i], sizeof sizes[i]);
            v = sizes[i];
        }
        int dup = !*v;
        for (int j = 0; j < n && !dup; j++) dup = !strcmp(seen[j], v);
        if (!dup) seen[n++] = v;
    }
    if (buf) {
        buf[0] = 0;
        for (int j = 0; j < n; j++) {
            size_t len = strlen(buf);
            snprintf(buf + len, cap - len, "%s%s", j ? (j == n - 1 ? " and " : ", ") : "", seen[j]);
        }
    }
    return n;
}

/* "variant S and B; 224x224; batch 1 and 8; 2 threads" */
static void describe(const rowset *rs, char *buf, size_t cap) {
    char v[256], res[256], b[128], th[128];
    int nv = distinct(rs, "variant", v, sizeof v), nres = distinct(rs, "size", res, sizeof res);
    int nb = distinct(rs, "batch", b, sizeof b), nth = distinct(rs, "threads", th, sizeof th);
    /* S, B, L are STViT's; names such as deit-s or STViT-S say what they are */
    snprintf(buf, cap, "%s%.100s%s%.120s%s; batch %.60s; %.60s thread%s", strchr(v, '-') ? "" : "STViT-", nv ? v : "?",
             nres ? ", " : "", nres ? res : "", nres ? " px" : "",
             nb ? b : "?", nth ? th : "?", nth == 1 && !strcmp(th, "1") ? "" : "s");
}

/* ---- series ------------------------------------------------------------------------- */

typedef struct {
    char title[160], key[96]; /* key: the colour's name */
    char dash[64];            /* series with the same dash text share a dash pattern */
    double batch;             /* series of one batch size share a point shape */
    int n;
    double x[MAX_POINTS / 4], y[MAX_POINTS / 4];
    char label[MAX_POINTS / 4][48];
} series;

typedef struct {
    int n;
    series s[MAX_SERIES];
    int nfail;
    double fx[32];
    char flabel[32][96];
} series_set;

static series *series_get(series_set *set, const char *title, const char *key, double batch, const char *dash) {
    for (int i = 0; i < set->n; i++)
        if (!strcmp(set->s[i].title, title)) return &set->s[i];
    if (set->n == MAX_SERIES) return NULL;
    series *s = &set->s[set->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->title, sizeof s->title, "%s", title);
    snprintf(s->key, sizeof s->key, "%.95s", key);
    clean(s->title);
    s->batch = batch;
    snprintf(s->dash, sizeof s->dash, "%s", dash);
    return s;
}

static void series_add(series *s, double x, double y, const char *label) {
    if (!s || s->n == MAX_POINTS / 4 || isnan(x) || isnan(y)) return;
    int k = s->n++;
    while (k > 0 && s->x[k - 1] > x) { /* keep sorted by x */
        s->x[k] = s->x[k - 1];
        s->y[k] = s->y[k - 1];
        memcpy(s->label[k], s->label[k - 1], sizeof s->label[0]);
        k--;
    }
    s->x[k] = x;
    s->y[k] = y;
    snprintf(s->label[k], sizeof s->label[0], "%s", label);
    clean(s->label[k]);
}

static void add_failed(series_set *set, double x, const char *what) {
    if (set->nfail == 32 || isnan(x)) return;
    snprintf(set->flabel[set->nfail], sizeof set->flabel[0], "%.95s", what);
    clean(set->flabel[set->nfail]);
    set->fx[set->nfail++] = x;
}

/* Index of v among the distinct values vals[0..*n), adding it. */
static int slot(double *vals, int *n, double v) {
    for (int i = 0; i < *n; i++)
        if (vals[i] == v) return i;
    vals[*n] = v;
    return (*n)++;
}

/* Writes the blocks and the styles; data ranges into lo/hi (x then y). */
static void write_series(FILE *f, const series_set *set, hx_plot_spec *s, double range[4]) {
    hx_palette pal;
    hx_palette_init(&pal);
    char colours[2048] = "", points[512] = "", dashes[512] = "";
    double batches[MAX_SERIES];
    const char *dash_keys[MAX_SERIES];
    int nb = 0, nt = 0;
    range[0] = range[2] = INFINITY;
    range[1] = range[3] = -INFINITY;
    for (int i = 0; i < set->n; i++) {
        const series *sr = &set->s[i];
        if (i) fputs("\n\n", f);
        fprintf(f, "%s,x,y,label\n", sr->title); /* the axes' names are in the spec */
        for (int k = 0; k < sr->n; k++) {
            fprintf(f, "%.6g,%.6g,%s\n", sr->x[k], sr->y[k], sr->label[k]);
            if (sr->x[k] < range[0]) range[0] = sr->x[k];
            if (sr->x[k] > range[1]) range[1] = sr->x[k];
            if (sr->y[k] < range[2]) range[2] = sr->y[k];
            if (sr->y[k] > range[3]) range[3] = sr->y[k];
        }
        size_t n = strlen(colours);
        snprintf(colours + n, sizeof colours - n, "%s%s", i ? " " : "", hx_palette_colour(&pal, sr->key));
        n = strlen(points);
        snprintf(points + n, sizeof points - n, "%s%d", i ? " " : "", hx_plot_point(slot(batches, &nb, sr->batch)));
        n = strlen(dashes);
        int d = 0;
        while (d < nt && strcmp(dash_keys[d], sr->dash)) d++;
        if (d == nt) dash_keys[nt++] = sr->dash;
        snprintf(dashes + n, sizeof dashes - n, "%s%d", i ? " " : "", hx_plot_dash(d));
    }
    for (int k = 0; k < set->nfail; k++) {
        if (set->fx[k] < range[0]) range[0] = set->fx[k];
        if (set->fx[k] > range[1]) range[1] = set->fx[k];
    }
    var(s, "colours", "%s", colours);
    var(s, "points", "%s", points);
    var(s, "dashes", "%s", dashes);
    var_num(s, "nseries", set->n);
    var_num(s, "nfailed", set->nfail);
}

/* The failed block: x, the top of the y axis, the reason. Written after the series. */
static void write_failed(FILE *f, const series_set *set, double ytop) {
    if (!set->nfail) return;
    fputs(set->n ? "\n\nfailed,x,y,label\n" : "failed,x,y,label\n", f);
    for (int k = 0; k < set->nfail; k++) fprintf(f, "%.6g,%.6g,%s\n", set->fx[k], ytop, set->flabel[k]);
}

/* Log axis range around [lo, hi] with a margin; linear from 0. */
static void axis(hx_plot_spec *s, const char *name, double lo, double hi, int logscale) {
    char a[16], b[16];
    snprintf(a, sizeof a, "%smin", name);
    snprintf(b, sizeof b, "%smax", name);
    if (!(lo <= hi) || !isfinite(lo) || !isfinite(hi)) {
        var_num(s, a, NAN);
        var_num(s, b, NAN);
        return;
    }
    if (logscale) {
        double pad = hi > lo ? pow(hi / lo, 0.08) : 1.5;
        if (pad < 1.15) pad = 1.15;
        var_num(s, a, lo / pad);
        var_num(s, b, hi * pad);
    } else {
        var_num(s, a, lo >= 0 ? 0 : lo * 1.1);
        var_num(s, b, hi > 0 ? hi * 1.12 : 1);
    }
}

/* ---- speed ------------------------------------------------------------------------ */

/* x and y of a row by axis name; macs and params of a peers row come from the bench
 * row of the same variant and size. */
static double lookup(const hx_table *t, const hx_row *r, const char *col) {
    double v = num(r, col);
    for (int i = 0; isnan(v) && t && i < t->n; i++)
        if (!strcmp(str(&t->rows[i], "variant"), str(r, "variant")) && side_of(&t->rows[i]) == side_of(r))
            v = num(&t->rows[i], col);
    return v;
}
static double axis_value(const hx_table *t, const hx_row *r, const char *name) {
    if (!strcmp(name, "macs")) return lookup(t, r, "macs_per_img") / 1e9;
    if (!strcmp(name, "params")) return lookup(t, r, "param_count") / 1e6;
    if (!strcmp(name, "batch")) return num(r, "batch");
    if (!strcmp(name, "threads")) return num(r, "threads");
    if (!strcmp(name, "side")) return side_of(r);
    if (!strcmp(name, "ms_per_img")) return ms_per_img(r);
    if (!strcmp(name, "gflop_per_s")) {
        double v = num(r, "gflop_per_s");
        return isnan(v) ? 2 * lookup(t, r, "macs_per_img") * num(r, "img_per_s") / 1e9 : v;
    }
    return num(r, name);
}
static const char *axis_label(const char *name) {
    if (!strcmp(name, "macs")) return "GMACs per image (multiply-adds, as the paper counts)";
    if (!strcmp(name, "params")) return "parameters (millions)";
    if (!strcmp(name, "batch")) return "batch size (images)";
    if (!strcmp(name, "threads")) return "threads";
    if (!strcmp(name, "side")) return "input side (pixels)";
    if (!strcmp(name, "ms_per_img")) return "ms per image (median batch time / batch)";
    if (!strcmp(name, "gflop_per_s")) return "GFLOP/s (2 x MACs x img/s)";
    if (!strcmp(name, "peak_fraction")) return "fraction of the sgemm peak";
    return "images / s (median)";
}

int hx_plot_flops_speed(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f,
                        hx_plot_spec *s) {
    static const char *const cols[] = {"variant", "backend", "batch", "threads", NULL};
    if (need(t, cols, s)) return HX_PLOT_SKIPPED;
    const char *xn = o->x ? o->x : "macs", *yn = o->y ? o->y : "img_per_s";
    rowset *rs = malloc(sizeof *rs), *bad = malloc(sizeof *bad);
    series_set *set = calloc(1, sizeof *set);
    if (!rs || !bad || !set) {
        free(rs), free(bad), free(set);
        return st_fail(ST_ERR_NOMEM, "out of memory");
    }
    pick(t, peers, o, 0, 1, rs);
    pick(t, NULL, o, 0, 0, bad);
    bad->threads = rs->threads;
    int multi_res = distinct(rs, "size", NULL, 0) > 1, multi_attn = distinct(rs, "attn", NULL, 0) > 1;
    int multi_b = distinct(rs, "batch", NULL, 0) > 1, multi_t = distinct(rs, "threads", NULL, 0) > 1;
    /* a line joins the variants at one size; with one variant, it joins the sizes */
    int split_size = multi_res && distinct(rs, "variant", NULL, 0) > 1;
    double tic_x[MAX_POINTS];
    char tic_name[MAX_POINTS][64];
    int ntics = 0;
    for (int i = 0; i < rs->n; i++) {
        const hx_row *r = rs->r[i];
        char key[96], title[160], size[32];
        runtime_of(r, key, sizeof key);
        size_of(r, size, sizeof size);
        double b = num(r, "batch"), th = num(r, "threads");
        snprintf(title, sizeof title, "%s%s%s%s%s", key, rs->peer[i] ? " (peers)" : "", split_size ? " " : "",
                 split_size ? size : "", multi_attn ? " " : "");
        size_t n = strlen(title);
        if (multi_attn) snprintf(title + n, sizeof title - n, "%s", str(r, "attn"));
        n = strlen(title);
        if (multi_b) snprintf(title + n, sizeof title - n, " batch %.0f", b);
        n = strlen(title);
        if (multi_t) snprintf(title + n, sizeof title - n, " %.0ft", th);
        double x = axis_value(t, r, xn), y = axis_value(t, r, yn);
        if (isnan(x) || isnan(y)) continue;
        char dash[64];
        snprintf(dash, sizeof dash, "%s %s %.0f", split_size ? size : "", multi_attn ? str(r, "attn") : "",
                 split_size || multi_attn ? 0.0 : th);
        series_add(series_get(set, title, key, b, dash), x, y, str(r, "variant"));
        /* the variants named once each on the top axis, not at every point */
        if (!strcmp(xn, "macs") && distinct(rs, "variant", NULL, 0) > 1 && ntics < MAX_POINTS) {
            snprintf(tic_name[ntics], sizeof tic_name[0], "%s%s%s", str(r, "variant"), multi_res ? " " : "",
                     multi_res ? size : "");
            clean(tic_name[ntics]);
            tic_x[ntics++] = x;
        }
    }
    /* names closer than 5% of the axis share one tic ("S 384 / L 224"); the axis runs from
     * 0 to 1.12 x the largest x, or (tight_x) 15% past the points on either side */
    char x2tics[2048] = "", joined[MAX_POINTS][128];
    double xlo = INFINITY, xhi = -INFINITY, placed[MAX_POINTS];
    int nplaced = 0;
    for (int i = 0; i < set->n; i++)
        for (int k = 0; k < set->s[i].n; k++) xlo = fmin(xlo, set->s[i].x[k]), xhi = fmax(xhi, set->s[i].x[k]);
    double span = o->tight_x ? 1.3 * (xhi - xlo) : 1.12 * xhi;
    for (int i = 0; i < ntics; i++) {
        int j = 0;
        while (j < nplaced && fabs(placed[j] - tic_x[i]) >= 0.05 * span) j++;
        if (j == nplaced) {
            placed[nplaced] = tic_x[i];
            snprintf(joined[nplaced++], sizeof joined[0], "%.63s", tic_name[i]);
        } else if (!strstr(joined[j], tic_name[i])) {
            size_t m = strlen(joined[j]);
            snprintf(joined[j] + m, sizeof joined[0] - m, " / %.50s", tic_name[i]);
        }
    }
    for (int j = 0; j < nplaced; j++) {
        size_t m = strlen(x2tics);
        snprintf(x2tics + m, sizeof x2tics - m, "%s\"%.127s\" %.6g", m ? ", " : "", joined[j], placed[j]);
    }
    for (int i = 0; i < bad->n; i++) {
        if (!isnan(rs->threads) && num(bad->r[i], "threads") != rs->threads) continue;
        char what[160];
        snprintf(what, sizeof what, "%s %s %s %s: %s", str(bad->r[i], "backend"), str(bad->r[i], "variant"),
                 str(bad->r[i], "res"), str(bad->r[i], "attn"), str(bad->r[i], "error"));
        add_failed(set, axis_value(t, bad->r[i], xn), what);
    }
    int rc = 0;
    if (!set->n) {
        rc = skip(s, "no successful rows with both axes' values");
    } else {
        double range[4];
        write_series(f, set, s, range);
        /* a log y axis without a decade in it has no labelled tic: tight plots go linear then */
        int logy = strcmp(yn, "peak_fraction") != 0 && (!o->tight_x || !(range[3] < 10 * range[2]));
        write_failed(f, set, range[2] / 1.2);
        char what[512];
        describe(rs, what, sizeof what);
        var(s, "title", "%s vs %s", !strcmp(yn, "img_per_s") ? "images/s" : yn, !strcmp(xn, "macs") ? "GMACs" : xn);
        var(s, "subtitle", "%s%s", what, peers && rs->n ? "; peers from peers.csv" : "");
        var(s, "xlabel", "%s", axis_label(xn));
        var(s, "ylabel", "%s", axis_label(yn));
        var(s, "x2tics", "%s", x2tics);
        var_num(s, "logy", logy);
        int logx = range[0] > 0 && range[1] / range[0] > 20; /* else most points crowd at the left */
        var_num(s, "logx", logx);
        if (o->tight_x && !logx) {
            double pad = range[1] > range[0] ? 0.15 * (range[1] - range[0]) : 0.05 * fabs(range[1]) + 1e-9;
            var_num(s, "xmin", range[0] - pad);
            var_num(s, "xmax", range[1] + pad);
        } else {
            axis(s, "x", range[0], range[1], logx);
        }
        axis(s, "y", range[2], range[3], logy);
        snprintf(s->note, sizeof s->note, "%s", what);
    }
    free(rs), free(bad), free(set);
    return rc;
}

/* ---- resolution --------------------------------------------------------------------- */

int hx_plot_resolution(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f,
                       hx_plot_spec *s) {
    static const char *const cols[] = {"attn", "batch_ms_median", "batch", "threads", NULL};
    if (need(t, cols, s)) return HX_PLOT_SKIPPED;
    rowset *rs = malloc(sizeof *rs), *bad = malloc(sizeof *bad);
    series_set *set = calloc(1, sizeof *set);
    if (!rs || !bad || !set) {
        free(rs), free(bad), free(set);
        return st_fail(ST_ERR_NOMEM, "out of memory");
    }
    pick(t, NULL, o, 1, 1, rs);
    pick(t, NULL, o, 1, 0, bad);
    int rc = 0;
    double sides[MAX_POINTS];
    int nsides = 0;
    for (int i = 0; i < rs->n; i++) slot(sides, &nsides, side_of(rs->r[i]));
    if (nsides < 2) {
        rc = skip(s, "fewer than two input sizes");
        goto done;
    }
    int multi_v = distinct(rs, "variant", NULL, 0) > 1, multi_be = distinct(rs, "backend", NULL, 0) > 1;
    for (int i = 0; i < rs->n; i++) {
        const hx_row *r = rs->r[i];
        char title[160];
        snprintf(title, sizeof title, "%s%s%s%s%s", str(r, "attn"), multi_v ? " " : "", multi_v ? str(r, "variant") : "",
                 multi_be ? " " : "", multi_be ? str(r, "backend") : "");
        /* colour: the backend when several (its colour in every figure), else the kind;
         * dashes: the variant (and kind), else the thread count */
        char dash[64];
        snprintf(dash, sizeof dash, "%s %s %.0f", multi_v ? str(r, "variant") : "", multi_be ? str(r, "attn") : "",
                 multi_v || multi_be ? 0.0 : num(r, "threads"));
        series_add(series_get(set, title, multi_be ? str(r, "backend") : str(r, "attn"), num(r, "batch"), dash),
                   side_of(r), ms_per_img(r), str(r, "res"));
    }
    for (int i = 0; i < bad->n; i++) {
        const hx_row *r = bad->r[i];
        if ((!isnan(rs->threads) && num(r, "threads") != rs->threads) ||
            (!isnan(rs->batch) && num(r, "batch") != rs->batch))
            continue;
        char what[160];
        snprintf(what, sizeof what, "%s %s: %s", str(r, "attn"), str(r, "res"), str(r, "error"));
        add_failed(set, side_of(r), what);
    }
    double range[4];
    write_series(f, set, s, range);
    write_failed(f, set, range[3] * 1.6);
    char what[512], tics[1024] = "";
    describe(rs, what, sizeof what);
    for (int i = 0; i < set->nfail; i++) slot(sides, &nsides, set->fx[i]);
    for (int a = 1; a < nsides; a++) /* ascending */
        for (int b = a; b > 0 && sides[b] < sides[b - 1]; b--) {
            double tmp = sides[b];
            sides[b] = sides[b - 1];
            sides[b - 1] = tmp;
        }
    for (int i = 0; i < nsides; i++) {
        size_t n = strlen(tics);
        snprintf(tics + n, sizeof tics - n, "%s\"%.0f\" %.6g", i ? ", " : "", sides[i], sides[i]);
    }
    var(s, "title", "Cost vs input size%s", distinct(rs, "attn", NULL, 0) > 1 ? " per attention kind" : "");
    var(s, "subtitle", "%s; log-log: slope 2 = linear in pixels, 4 = quadratic", what);
    var(s, "xlabel", "input side (pixels, sqrt of h x w)");
    var(s, "ylabel", "ms per image (median batch time / batch)");
    var(s, "xtics", "%s", tics);
    axis(s, "x", range[0], range[1], 1);
    axis(s, "y", range[2], range[3] * (set->nfail ? 1.6 : 1), 1);
    snprintf(s->note, sizeof s->note, "%s", what);
done:
    free(rs), free(bad), free(set);
    return rc;
}

/* ---- wide tables ------------------------------------------------------------------ */

/* "S 224 b8 t2" (+ attention kind when several). */
static void config_label(const hx_row *r, int multi_attn, char *buf, size_t cap) {
    char size[32];
    size_of(r, size, sizeof size);
    snprintf(buf, cap, "%s %s%s%s b%s t%s", str(r, "variant"), size, multi_attn ? " " : "",
             multi_attn ? str(r, "attn") : "", str(r, "batch"), str(r, "threads"));
    clean(buf);
}

/* The same variant, size, batch, attention kind and (unless any_threads) thread count. */
static int same_config_t(const hx_row *a, const hx_row *b, int any_threads) {
    static const char *const keys[] = {"variant", "batch", "threads"};
    for (int k = 0; k < 3 - any_threads; k++)
        if (strcmp(str(a, keys[k]), str(b, keys[k]))) return 0;
    const char *aa = str(a, "attn"), *ba = str(b, "attn"); /* peers rows have no attn: the network's own */
    return side_of(a) == side_of(b) && (!strcmp(aa, ba) || (!*aa && !strcmp(ba, "sta")) || (!*ba && !strcmp(aa, "sta")));
}
static int same_config(const hx_row *a, const hx_row *b) { return same_config_t(a, b, 0); }

/* The naive row of r's configuration at any thread count (naive runs one thread). */
static const hx_row *naive_for(const rowset *rs, const hx_row *r) {
    for (int k = 0; k < rs->n; k++)
        if (!strcmp(str(rs->r[k], "backend"), "naive") && same_config_t(rs->r[k], r, 1)) return rs->r[k];
    return NULL;
}

/* Column names (runtimes) of a row set in order of appearance, skipping `except`. */
static int runtimes(const rowset *rs, const char *except, char names[][64], int cap) {
    int n = 0;
    for (int i = 0; i < rs->n; i++) {
        char name[64];
        runtime_of(rs->r[i], name, sizeof name);
        if (except && !strcmp(name, except)) continue;
        int seen = 0;
        for (int j = 0; j < n && !seen; j++) seen = !strcmp(names[j], name);
        if (!seen && n < cap) snprintf(names[n++], 64, "%s", name);
    }
    return n;
}

/* img/s of runtime `name` at the configuration of `like` (and its busy_core when
 * same_busy), NaN if it did not run there. */
static double runtime_img_s(const rowset *rs, const char *name, const hx_row *like, int same_busy) {
    for (int k = 0; k < rs->n; k++) {
        char rn[64];
        runtime_of(rs->r[k], rn, sizeof rn);
        if (!strcmp(rn, name) && same_config(rs->r[k], like) &&
            (!same_busy || !strcmp(str(rs->r[k], "busy_core"), str(like, "busy_core"))))
            return num(rs->r[k], "img_per_s");
    }
    return NAN;
}

/* ",v" (",NaN" when missing); *top keeps the largest. */
static void put_cell(FILE *f, double v, double *top) {
    if (isnan(v)) fputs(",NaN", f);
    else fprintf(f, ",%.4g", v);
    if (v > *top) *top = v;
}

static void column_colours(hx_plot_spec *s, char names[][64], int n) {
    hx_palette pal;
    hx_palette_init(&pal);
    char colours[2048] = "";
    for (int j = 0; j < n; j++) {
        size_t m = strlen(colours);
        snprintf(colours + m, sizeof colours - m, "%s%s", j ? " " : "", hx_palette_colour(&pal, names[j]));
    }
    var(s, "colours", "%s", colours);
    var_num(s, "ncols", n);
}

int hx_plot_speedup(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f, hx_plot_spec *s) {
    static const char *const cols[] = {"variant", "backend", "batch", "threads", "img_per_s", NULL};
    if (need(t, cols, s)) return HX_PLOT_SKIPPED;
    rowset *rs = malloc(sizeof *rs);
    if (!rs) return st_fail(ST_ERR_NOMEM, "out of memory");
    pick(t, peers, o, 0, 1, rs);
    /* naive runs one thread whatever was asked: its rows join at any thread count */
    for (int i = 0; t && i < t->n && rs->n < MAX_POINTS; i++) {
        const hx_row *r = &t->rows[i];
        int have = 0;
        for (int k = 0; k < rs->n && !have; k++) have = rs->r[k] == r;
        if (have || strcmp(str(r, "backend"), "naive") || !ok_row(r) || !in_ints(&o->batch, num(r, "batch")) ||
            !in_strs(&o->variant, str(r, "variant")))
            continue;
        rs->peer[rs->n] = 0;
        rs->r[rs->n++] = r;
    }
    /* only configurations that naive ran (at its one thread: a 2-thread row is compared with it) */
    int kept = 0;
    for (int i = 0; i < rs->n; i++)
        if (naive_for(rs, rs->r[i])) {
            rs->peer[kept] = rs->peer[i];
            rs->r[kept++] = rs->r[i];
        }
    rs->n = kept;
    char names[MAX_SERIES][64];
    int nn = runtimes(rs, "naive", names, MAX_SERIES), nnaive = 0, rc = 0, npeers = 0;
    for (int i = 0; i < rs->n; i++) npeers += rs->peer[i];
    for (int i = 0; i < rs->n; i++) nnaive += !strcmp(str(rs->r[i], "backend"), "naive");
    if (!nnaive) rc = skip(s, "no naive rows to compare with");
    else if (!nn) rc = skip(s, "no backend other than naive");
    if (rc) {
        free(rs);
        return rc;
    }
    int multi_attn = distinct(rs, "attn", NULL, 0) > 1;
    double top = 0;
    fputs("configuration", f);
    for (int j = 0; j < nn; j++) fprintf(f, ",%s", names[j]);
    fputc('\n', f);
    /* one line per configuration (thread count included) of the other backends, in order */
    for (int i = 0; i < rs->n; i++) {
        const hx_row *r = rs->r[i];
        if (!strcmp(str(r, "backend"), "naive")) continue;
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = strcmp(str(rs->r[k], "backend"), "naive") && same_config(rs->r[k], r);
        if (seen) continue;
        double base = num(naive_for(rs, r), "img_per_s");
        char label[256];
        config_label(r, multi_attn, label, sizeof label);
        fputs(label, f);
        for (int j = 0; j < nn; j++) put_cell(f, runtime_img_s(rs, names[j], r, 0) / base, &top);
        fputc('\n', f);
    }
    char what[512];
    describe(rs, what, sizeof what);
    column_colours(s, names, nn);
    var(s, "title", "Speed-up over the naive backend (images/s ratio)");
    var(s, "subtitle", "%s%s", what, npeers ? "; peers: images/s of the peers run over naive of this file" : "");
    var(s, "xlabel", "configuration (variant, input side, batch, threads)");
    var(s, "ylabel", "speed-up over naive (x)");
    var_num(s, "ymax", top * 1.15);
    snprintf(s->note, sizeof s->note, "%s", what);
    free(rs);
    return 0;
}

int hx_plot_runtimes(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f,
                     hx_plot_spec *s) {
    if (!peers) return skip(s, "no peers file (peers.csv beside the results, or --peers)");
    static const char *const cols[] = {"backend", "batch", "threads", "img_per_s", NULL};
    if (need(peers, cols, s)) return HX_PLOT_SKIPPED;
    rowset *rs = malloc(sizeof *rs);
    if (!rs) return st_fail(ST_ERR_NOMEM, "out of memory");
    pick(NULL, peers, o, 0, 1, rs);
    char names[MAX_SERIES][64];
    int nn = runtimes(rs, NULL, names, MAX_SERIES);
    if (!nn) {
        free(rs);
        return skip(s, "no peers rows pass the filter");
    }
    int busy = has(peers, "busy_core"), multi_v = distinct(rs, "variant", NULL, 0) > 1;
    int multi_res = distinct(rs, "size", NULL, 0) > 1;
    /* groups: distinct (variant, res, batch, busy) in order of appearance */
    const hx_row *groups[MAX_SERIES];
    int ng = 0;
    for (int i = 0; i < rs->n; i++) {
        int seen = 0;
        for (int g = 0; g < ng && !seen; g++)
            seen = same_config(groups[g], rs->r[i]) && !strcmp(str(groups[g], "busy_core"), str(rs->r[i], "busy_core"));
        if (!seen && ng < MAX_SERIES) groups[ng++] = rs->r[i];
    }
    double top = 0;
    fputs("setting", f);
    for (int j = 0; j < nn; j++) fprintf(f, ",%s", names[j]);
    fputc('\n', f);
    for (int g = 0; g < ng; g++) {
        char label[160], size[32];
        size_of(groups[g], size, sizeof size);
        snprintf(label, sizeof label, "%s%s%s%sbatch %s%s", multi_v ? str(groups[g], "variant") : "", multi_v ? " " : "",
                 multi_res ? size : "", multi_res ? " " : "", str(groups[g], "batch"),
                 busy ? (!strcmp(str(groups[g], "busy_core"), "true") ? " busy core" : " quiet") : "");
        clean(label);
        fputs(label, f);
        for (int j = 0; j < nn; j++) put_cell(f, runtime_img_s(rs, names[j], groups[g], 1), &top);
        fputc('\n', f);
    }
    char what[512];
    describe(rs, what, sizeof what);
    column_colours(s, names, nn);
    var(s, "title", "Images/s per runtime (peers run: the same network, weights and input)");
    var(s, "subtitle", "%s", what);
    var(s, "xlabel", busy ? "batch size; quiet machine or one core kept busy" : "batch size");
    var(s, "ylabel", "images / s (median)");
    var_num(s, "ymax", top * 1.15);
    snprintf(s->note, sizeof s->note, "%s", what);
    free(rs);
    return 0;
}

/* ---- profile -------------------------------------------------------------------- */

/* The op of a prof_<op>_ms_per_img column that is one op's time (not total, glue or a
 * scope, nor an op-in-scope cell); its short name into op. */
static int op_column(const char *col, char *op, size_t cap) {
    size_t n = strlen(col), tail = strlen("_ms_per_img");
    if (n <= 5 + tail || strncmp(col, "prof_", 5) || strcmp(col + n - tail, "_ms_per_img") ||
        !strncmp(col, "prof_scope_", 11) || !strcmp(col, "prof_total_ms_per_img") || strstr(col, "_at_"))
        return 0;
    snprintf(op, cap, "%.*s", (int)(n - 5 - tail), col + 5);
    return 1;
}

static void op_label(const char *op, char *buf, size_t cap) {
    if (!strcmp(op, "glue")) { snprintf(buf, cap, "outside ops"); return; }
    if (!strcmp(op, "conv1x1")) { snprintf(buf, cap, "conv 1x1"); return; }
    for (int s = 0; s < HX_PROF_SLOTS; s++)
        if (!strcmp(op, hx_prof_slot_names[s])) { snprintf(buf, cap, "%s", hx_prof_slot_labels[s]); return; }
    snprintf(buf, cap, "%s", op);
    for (char *c = buf; *c; c++)
        if (*c == '_') *c = ' ';
}

#define SMALL_SHARE 2.0 /* % of a bar: ops below it in every bar go to "other" */

int hx_plot_profile(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f, hx_plot_spec *s) {
    static const char *const cols[] = {"backend", NULL};
    if (need(t, cols, s)) return HX_PLOT_SKIPPED;
    rowset *rs = malloc(sizeof *rs);
    int *kind = calloc((size_t)(t->ncols ? t->ncols : 1), sizeof *kind); /* 0 unused, 1 own column, 2 other */
    if (!rs || !kind) {
        free(rs), free(kind);
        return st_fail(ST_ERR_NOMEM, "out of memory");
    }
    hx_plot_filter all = *o;
    pick(t, NULL, &all, 0, 1, rs);
    int nown = 0, nother = 0;
    char op[64];
    for (int c = 0; c < t->ncols; c++) {
        if (!op_column(t->cols[c], op, sizeof op)) continue;
        for (int i = 0; i < rs->n; i++) {
            const hx_row *r = rs->r[i];
            double v = num(r, t->cols[c]), total = 0;
            for (int d = 0; d < t->ncols; d++)
                if (op_column(t->cols[d], op, sizeof op) && num(r, t->cols[d]) > 0) total += num(r, t->cols[d]);
            if (v > 0 && total > 0) kind[c] = 100 * v / total >= SMALL_SHARE || !strcmp(t->cols[c], "prof_glue_ms_per_img") ? 1 : kind[c] ? kind[c] : 2;
        }
        nown += kind[c] == 1;
        nother += kind[c] == 2;
    }
    if (!nown && !nother) {
        free(rs), free(kind);
        return skip(s, "no prof_<op>_ms_per_img columns with times (run bench --profile)");
    }
    int multi_attn = distinct(rs, "attn", NULL, 0) > 1;
    char names[MAX_SERIES][64], others[1024] = "";
    int nn = 0;
    fputs("run", f);
    for (int c = 0; c < t->ncols; c++) {
        if (!kind[c] || !op_column(t->cols[c], op, sizeof op)) continue;
        char label[64];
        op_label(op, label, sizeof label);
        if (kind[c] == 1) {
            fprintf(f, ",%s", label);
            if (nn < MAX_SERIES) snprintf(names[nn++], 64, "%s", op);
        } else {
            size_t m = strlen(others);
            snprintf(others + m, sizeof others - m, "%s%s", m ? ", " : "", label);
        }
    }
    if (nother) {
        fprintf(f, ",other (%d ops)", nother);
        if (nn < MAX_SERIES) snprintf(names[nn++], 64, "other");
    }
    fputc('\n', f);
    int nbars = 0;
    for (int i = 0; i < rs->n; i++) {
        const hx_row *r = rs->r[i];
        double sum = 0, rest = 0;
        for (int c = 0; c < t->ncols; c++)
            if (kind[c] && num(r, t->cols[c]) > 0) sum += num(r, t->cols[c]);
        if (!(sum > 0)) continue;
        char config[256], label[320];
        config_label(r, multi_attn, config, sizeof config);
        snprintf(label, sizeof label, "%s %s (%.*f ms)", str(r, "backend"), config, sum < 10 ? 2 : sum < 100 ? 1 : 0, sum);
        clean(label);
        fputs(label, f);
        for (int c = 0; c < t->ncols; c++) {
            double v = num(r, t->cols[c]); /* glue can dip below 0 by clock noise */
            if (kind[c] == 1) fprintf(f, ",%.4g", v > 0 ? 100 * v / sum : 0);
            if (kind[c] == 2 && v > 0) rest += v;
        }
        if (nother) fprintf(f, ",%.4g", 100 * rest / sum);
        fputc('\n', f);
        nbars++;
    }
    char what[512];
    describe(rs, what, sizeof what);
    column_colours(s, names, nn);
    var(s, "title", "Where the time goes: share of the time per image by op");
    var(s, "subtitle", "%s; total ms per image in the label|other: %s (each under %.0f%% of every bar)", what,
        nother ? others : "none", SMALL_SHARE);
    var(s, "ylabel", "share of the time per image (percent)");
    var(s, "xlabel", "run (backend, variant, input side, batch, threads; total ms per image)");
    var_num(s, "nbars", nbars);
    snprintf(s->note, sizeof s->note, "%s", what);
    free(rs), free(kind);
    return 0;
}

int hx_plot_profile_stages(const hx_table *t, const hx_table *peers, const hx_plot_filter *o, FILE *f,
                           hx_plot_spec *s) {
    rowset *rs = malloc(sizeof *rs);
    if (!rs) return st_fail(ST_ERR_NOMEM, "out of memory");
    pick(t, NULL, o, 0, 1, rs);
    const hx_row *row = NULL;
    for (int i = 0; i < rs->n && !row; i++)
        for (int k = 0; k < rs->r[i]->n && !row; k++)
            if (strstr(rs->r[i]->f[k].key, "_at_") && !strncmp(rs->r[i]->f[k].key, "prof_", 5) &&
                num(rs->r[i], rs->r[i]->f[k].key) > 0)
                row = rs->r[i];
    if (!row) {
        free(rs);
        return skip(s, "no prof_<op>_at_<part>_ms_per_img columns with times (bench --profile of this version)");
    }
    /* ops as rows (those with time somewhere), parts as columns */
    fputs("op", f);
    for (int p = 0; p < HX_PROF_SCOPES; p++) fprintf(f, ",%s", hx_prof_scope_names[p]);
    fputc('\n', f);
    int nops = 0;
    double top = 0;
    for (int k = 0; k < HX_PROF_SLOTS; k++) {
        double v[HX_PROF_SCOPES], sum = 0;
        for (int p = 0; p < HX_PROF_SCOPES; p++) {
            char col[128];
            snprintf(col, sizeof col, "prof_%s_at_%s_ms_per_img", hx_prof_slot_names[k], hx_prof_scope_names[p]);
            v[p] = num(row, col);
            if (v[p] > 0) sum += v[p];
            if (v[p] > top) top = v[p];
        }
        if (!(sum > 0)) continue;
        char label[64];
        op_label(hx_prof_slot_names[k], label, sizeof label);
        fputs(label, f);
        for (int p = 0; p < HX_PROF_SCOPES; p++) fprintf(f, ",%.4g", v[p] > 0 ? v[p] : 0);
        fputc('\n', f);
        nops++;
    }
    char config[256];
    config_label(row, 0, config, sizeof config);
    var(s, "title", "ms per image by op and network part");
    var(s, "subtitle", "%s %s", str(row, "backend"), config);
    var(s, "xlabel", "network part");
    var(s, "ylabel", "op");
    var_num(s, "nops", nops);
    var_num(s, "nparts", HX_PROF_SCOPES);
    var_num(s, "zmax", top);
    snprintf(s->note, sizeof s->note, "%s %s", str(row, "backend"), config);
    free(rs);
    return 0;
}
