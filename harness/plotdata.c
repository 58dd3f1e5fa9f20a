/* plotdata.c — result table -> tidy plot data (see plotdata.h). Tables are small
 * (one row per sweep point), so plain quadratic scans keep this simple. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "harness/cli.h"
#include "harness/plotdata.h"
#include "harness/profile.h"
#include "variants/st_error.h"

#define MAX_SERIES 64

static int usable(const hx_row *r) {
    const char *s = hx_row_get(r, "status");
    return !s || !strcmp(s, "ok");
}
static double num(const hx_row *r, const char *key) {
    double v;
    return hx_row_get_num(r, key, &v) ? NAN : v;
}
static const char *str(const hx_row *r, const char *key) {
    const char *s = hx_row_get(r, key);
    return s ? s : "";
}

/* Labels go into unquoted CSV fields: no separators, quotes or line breaks. */
static void clean(char *s) {
    for (; *s; s++)
        if (*s == ',' || *s == '"' || *s == '\n' || *s == '\r') *s = ' ';
}

static int skip(char *note, size_t cap, const char *why) {
    snprintf(note, cap, "%s", why);
    return HX_PLOT_SKIPPED;
}

/* 0 if every column exists, else HX_PLOT_SKIPPED naming the first missing one. */
static int need(const hx_table *t, const char *const *cols, char *note, size_t cap) {
    for (; *cols; cols++)
        if (hx_table_col(t, *cols) < 0) {
            snprintf(note, cap, "the results have no '%s' column", *cols);
            return HX_PLOT_SKIPPED;
        }
    return 0;
}

/* Distinct values of a column among usable rows with a value in `numeric` (if given). */
static int distinct(const hx_table *t, const char *col, const char *numeric) {
    int count = 0;
    for (int i = 0; i < t->n; i++) {
        const hx_row *r = &t->rows[i];
        if (!usable(r) || (numeric && isnan(num(r, numeric)))) continue;
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = usable(&t->rows[j]) && (!numeric || !isnan(num(&t->rows[j], numeric))) &&
                   !strcmp(str(&t->rows[j], col), str(r, col));
        count += !seen;
    }
    return count;
}

/* max (sign 1) or min (sign -1) of a numeric column over usable rows with `y`, and
 * with column `eq_col` == eq_val when eq_col is given. NaN if none. */
static double extreme(const hx_table *t, const char *col, int sign, const char *y,
                      const char *eq_col, double eq_val) {
    double best = NAN;
    for (int i = 0; i < t->n; i++) {
        const hx_row *r = &t->rows[i];
        double v = num(r, col);
        if (!usable(r) || isnan(v) || isnan(num(r, y)) || (eq_col && num(r, eq_col) != eq_val)) continue;
        if (isnan(best) || sign * v > sign * best) best = v;
    }
    return best;
}

/* ---- series blocks ---- */

typedef struct {
    char title[160];
    int n;
    int rows[HX_LIST_MAX * 4];
} series;

typedef struct {
    int n;
    series s[MAX_SERIES];
} series_set;

static series *series_get(series_set *set, const char *title) {
    for (int i = 0; i < set->n; i++)
        if (!strcmp(set->s[i].title, title)) return &set->s[i];
    if (set->n == MAX_SERIES) return NULL;
    series *s = &set->s[set->n++];
    snprintf(s->title, sizeof s->title, "%s", title);
    clean(s->title);
    s->n = 0;
    return s;
}

static void series_add(series_set *set, const char *title, int row) {
    series *s = series_get(set, title);
    if (s && s->n < (int)(sizeof s->rows / sizeof s->rows[0])) s->rows[s->n++] = row;
}

/* Writes each series sorted by x: "TITLE,x,y" then "x,y,label" lines. */
static void write_blocks(FILE *f, const hx_table *t, series_set *set, const char *xname,
                         const char *yname, double (*x)(const hx_row *), double (*y)(const hx_row *),
                         const char *label_col) {
    for (int i = 0; i < set->n; i++) {
        series *s = &set->s[i];
        for (int a = 1; a < s->n; a++)   /* insertion sort by x: a handful of points */
            for (int b = a; b > 0 && x(&t->rows[s->rows[b]]) < x(&t->rows[s->rows[b - 1]]); b--) {
                int tmp = s->rows[b];
                s->rows[b] = s->rows[b - 1];
                s->rows[b - 1] = tmp;
            }
        if (i) fputs("\n\n", f);
        fprintf(f, "%s,%s,%s\n", s->title, xname, yname);
        for (int k = 0; k < s->n; k++) {
            const hx_row *r = &t->rows[s->rows[k]];
            char label[HX_NAME_MAX + 32];
            snprintf(label, sizeof label, "%s", str(r, label_col));
            clean(label);
            fprintf(f, "%.6g,%.6g,%s\n", x(r), y(r), label);
        }
    }
}

static double gflop_per_image(const hx_row *r) { return num(r, "macs_per_img") / 1e9; }
static double img_per_s(const hx_row *r) { return num(r, "img_per_s"); }
static double side(const hx_row *r) { return sqrt(num(r, "h") * num(r, "w")); }
static double ms_per_image(const hx_row *r) { return num(r, "batch_ms_median") / num(r, "batch"); }

int hx_plot_flops_speed(const hx_table *t, FILE *f, char *note, size_t cap) {
    static const char *const cols[] = {"variant", "backend", "macs_per_img", "img_per_s", "batch", "threads", NULL};
    if (need(t, cols, note, cap)) return HX_PLOT_SKIPPED;
    double batch = extreme(t, "batch", 1, "img_per_s", NULL, 0);
    double threads = extreme(t, "threads", 1, "img_per_s", "batch", batch);
    if (isnan(batch) || isnan(threads)) return skip(note, cap, "no successful rows with img/s");
    int multi_res = hx_table_col(t, "res") >= 0 && distinct(t, "res", "img_per_s") > 1;
    int multi_attn = hx_table_col(t, "attn") >= 0 && distinct(t, "attn", "img_per_s") > 1;
    series_set *set = calloc(1, sizeof *set);
    if (!set) return st_fail(ST_ERR_NOMEM, "out of memory");
    for (int i = 0; i < t->n; i++) {
        const hx_row *r = &t->rows[i];
        if (!usable(r) || num(r, "batch") != batch || num(r, "threads") != threads ||
            isnan(gflop_per_image(r)) || isnan(img_per_s(r)))
            continue;
        char title[160];
        snprintf(title, sizeof title, "%s%s%s%s%s", str(r, "backend"), multi_res ? " " : "",
                 multi_res ? str(r, "res") : "", multi_attn ? " " : "", multi_attn ? str(r, "attn") : "");
        series_add(set, title, i);
    }
    write_blocks(f, t, set, "GFLOPs per image", "images/s", gflop_per_image, img_per_s, "variant");
    free(set);
    snprintf(note, cap, "batch %.0f, %.0f thread%s", batch, threads, threads == 1 ? "" : "s");
    return 0;
}

int hx_plot_resolution(const hx_table *t, FILE *f, char *note, size_t cap) {
    static const char *const cols[] = {"attn", "h", "w", "batch_ms_median", "batch", "threads", NULL};
    if (need(t, cols, note, cap)) return HX_PLOT_SKIPPED;
    if (distinct(t, "h", "batch_ms_median") < 2 && distinct(t, "w", "batch_ms_median") < 2)
        return skip(note, cap, "fewer than two input sizes");
    double batch = extreme(t, "batch", -1, "batch_ms_median", NULL, 0);
    double threads = extreme(t, "threads", 1, "batch_ms_median", "batch", batch);
    int multi_variant = hx_table_col(t, "variant") >= 0 && distinct(t, "variant", "batch_ms_median") > 1;
    int multi_backend = hx_table_col(t, "backend") >= 0 && distinct(t, "backend", "batch_ms_median") > 1;
    series_set *set = calloc(1, sizeof *set);
    if (!set) return st_fail(ST_ERR_NOMEM, "out of memory");
    for (int i = 0; i < t->n; i++) {
        const hx_row *r = &t->rows[i];
        if (!usable(r) || num(r, "batch") != batch || num(r, "threads") != threads || isnan(ms_per_image(r)))
            continue;
        char title[160];
        snprintf(title, sizeof title, "%s%s%s%s%s", str(r, "attn"), multi_variant ? " " : "",
                 multi_variant ? str(r, "variant") : "", multi_backend ? " " : "",
                 multi_backend ? str(r, "backend") : "");
        series_add(set, title, i);
    }
    write_blocks(f, t, set, "input side (px)", "ms per image", side, ms_per_image,
                 hx_table_col(t, "res") >= 0 ? "res" : "h");
    free(set);
    snprintf(note, cap, "batch %.0f, %.0f thread%s", batch, threads, threads == 1 ? "" : "s");
    return 0;
}

/* ---- wide tables ---- */

/* "S 224x224 b8 t2" (+ attention kind when several). */
static void config_label(const hx_table *t, const hx_row *r, int multi_attn, char *buf, size_t cap) {
    snprintf(buf, cap, "%s %s%s%s b%s t%s", str(r, "variant"), str(r, "res"), multi_attn ? " " : "",
             multi_attn ? str(r, "attn") : "", str(r, "batch"), str(r, "threads"));
    clean(buf);
}

static int same_config(const hx_row *a, const hx_row *b) {
    static const char *const keys[] = {"variant", "attn", "res", "batch", "threads"};
    for (int k = 0; k < 5; k++)
        if (strcmp(str(a, keys[k]), str(b, keys[k]))) return 0;
    return 1;
}

int hx_plot_speedup(const hx_table *t, FILE *f, char *note, size_t cap) {
    static const char *const cols[] = {"variant", "res", "backend", "batch", "threads", "img_per_s", NULL};
    if (need(t, cols, note, cap)) return HX_PLOT_SKIPPED;
    int multi_attn = hx_table_col(t, "attn") >= 0 && distinct(t, "attn", "img_per_s") > 1;
    /* Backends other than naive, in order of appearance. */
    const char *others[MAX_SERIES];
    int nothers = 0, nnaive = 0;
    for (int i = 0; i < t->n; i++) {
        const hx_row *r = &t->rows[i];
        if (!usable(r) || isnan(img_per_s(r))) continue;
        const char *b = str(r, "backend");
        if (!strcmp(b, "naive")) { nnaive++; continue; }
        int seen = 0;
        for (int j = 0; j < nothers && !seen; j++) seen = !strcmp(others[j], b);
        if (!seen && nothers < MAX_SERIES) others[nothers++] = b;
    }
    if (!nnaive) return skip(note, cap, "no naive rows to compare with");
    if (!nothers) return skip(note, cap, "no backend other than naive");
    fputs("configuration", f);
    for (int j = 0; j < nothers; j++) {
        char name[HX_NAME_MAX + 8];
        snprintf(name, sizeof name, "%s", others[j]);
        clean(name);
        fprintf(f, ",%s", name);
    }
    fputc('\n', f);
    for (int i = 0; i < t->n; i++) {
        const hx_row *base = &t->rows[i];
        if (!usable(base) || strcmp(str(base, "backend"), "naive") || isnan(img_per_s(base))) continue;
        char label[256];
        config_label(t, base, multi_attn, label, sizeof label);
        fputs(label, f);
        for (int j = 0; j < nothers; j++) {
            double ratio = NAN;
            for (int k = 0; k < t->n && isnan(ratio); k++) {
                const hx_row *r = &t->rows[k];
                if (usable(r) && !strcmp(str(r, "backend"), others[j]) && same_config(r, base))
                    ratio = img_per_s(r) / img_per_s(base);
            }
            if (isnan(ratio)) fputs(",NaN", f);
            else fprintf(f, ",%.4g", ratio);
        }
        fputc('\n', f);
    }
    snprintf(note, cap, "images/s relative to the naive backend");
    return 0;
}

/* The op of a prof_<op>_ms column that is a per-op time (not total, glue or scope). */
static int is_op_column(const char *col) {
    size_t n = strlen(col);
    return n > 8 && !strncmp(col, "prof_", 5) && !strcmp(col + n - 3, "_ms") &&
           strncmp(col, "prof_scope_", 11) && strcmp(col, "prof_total_ms");
}

static void op_label(const char *col, char *buf, size_t cap) {
    size_t n = strlen(col) - 8;   /* strip "prof_" and "_ms" */
    snprintf(buf, cap, "%.*s", (int)n, col + 5);
    if (!strcmp(buf, "glue")) { snprintf(buf, cap, "outside ops"); return; }
    for (int s = 0; s < HX_PROF_SLOTS; s++)
        if (!strcmp(buf, hx_prof_slot_names[s])) { snprintf(buf, cap, "%s", hx_prof_slot_labels[s]); break; }
    clean(buf);
}

int hx_plot_profile(const hx_table *t, FILE *f, char *note, size_t cap) {
    static const char *const cols[] = {"backend", NULL};
    if (need(t, cols, note, cap)) return HX_PLOT_SKIPPED;
    /* Op columns that took time in some row. */
    int *use = calloc((size_t)(t->ncols ? t->ncols : 1), sizeof *use), nuse = 0;
    if (!use) return st_fail(ST_ERR_NOMEM, "out of memory");
    for (int c = 0; c < t->ncols; c++) {
        if (!is_op_column(t->cols[c])) continue;
        for (int i = 0; i < t->n && !use[c]; i++)
            use[c] = usable(&t->rows[i]) && num(&t->rows[i], t->cols[c]) > 0;
        nuse += use[c];
    }
    if (!nuse) {
        free(use);
        return skip(note, cap, "no prof_<op>_ms columns with times (run bench --profile)");
    }
    int multi_attn = hx_table_col(t, "attn") >= 0 && distinct(t, "attn", NULL) > 1;
    fputs("run", f);
    for (int c = 0; c < t->ncols; c++)
        if (use[c]) {
            char label[64];
            op_label(t->cols[c], label, sizeof label);
            fprintf(f, ",%s", label);
        }
    fputc('\n', f);
    /* Shares of each row's time, so a slow backend's bar does not flatten the others;
     * the label carries the absolute total. */
    for (int i = 0; i < t->n; i++) {
        const hx_row *r = &t->rows[i];
        if (!usable(r)) continue;
        double sum = 0;
        for (int c = 0; c < t->ncols; c++)
            if (use[c] && num(r, t->cols[c]) > 0) sum += num(r, t->cols[c]);
        if (!(sum > 0)) continue;
        char config[256], label[320];
        config_label(t, r, multi_attn, config, sizeof config);
        snprintf(label, sizeof label, "%s %s (%.*f ms)", str(r, "backend"), config, sum < 10 ? 2 : sum < 100 ? 1 : 0, sum);
        clean(label);
        fputs(label, f);
        for (int c = 0; c < t->ncols; c++)
            if (use[c]) {
                double v = num(r, t->cols[c]);   /* glue can dip below 0 by clock noise */
                fprintf(f, ",%.4g", v > 0 ? 100 * v / sum : 0);
            }
        fputc('\n', f);
    }
    free(use);
    snprintf(note, cap, "share of the time per image by op (total in the label)");
    return 0;
}
