/* node_profile.c — per-node timing, the op x stage x block matrix and the Chrome
 * trace export (see node_profile.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "harness/bench/node_profile.h"
#include "harness/bench/timer.h"
#include "variants/st_error.h"

static void on_node(void *ud, int i, int end) {
    hx_node_profile *np = ud;
    double t = hx_now();
    if (i < 0 || i >= np->n) return;
    if (!end) {
        if (i == 0) { np->pass_t0 = t; np->passes++; }
        np->node_t0 = t;
        return;
    }
    double d = t - np->node_t0;
    np->total[i] += d;
    np->start[i] = np->node_t0 - np->pass_t0;
    np->dur[i] = d;
}
static void on_scope(void *ud, const char *part) {
    hx_node_profile *np = ud;
    if (np->inner.scope) np->inner.scope(np->inner.ud, part);
}
static void on_tensor(void *ud, const char *name, const float *x, int batch, int c, int h, int w) {
    hx_node_profile *np = ud;
    if (np->inner.tensor) np->inner.tensor(np->inner.ud, name, x, batch, c, h, w);
}
static void on_attention(void *ud, const st_attn_capture *cap) {
    hx_node_profile *np = ud;
    if (np->inner.attention) np->inner.attention(np->inner.ud, cap);
}

int hx_node_profile_start(hx_node_profile *np, const st_model *m, const st_hooks *inner, st_hooks *out) {
    memset(np, 0, sizeof *np);
    np->m = m;
    np->n = st_model_node_count(m);
    if (inner) np->inner = *inner;
    size_t n = np->n ? (size_t)np->n : 1;
    np->total = calloc(n, sizeof *np->total);
    np->start = calloc(n, sizeof *np->start);
    np->dur = calloc(n, sizeof *np->dur);
    if (!np->total || !np->start || !np->dur) {
        hx_node_profile_free(np);
        return st_fail(ST_ERR_NOMEM, "out of memory for the node profile");
    }
    *out = (st_hooks){.scope = on_scope, .node = on_node, .ud = np,
                      .tensor = np->inner.tensor ? on_tensor : NULL,
                      .attention = np->inner.attention ? on_attention : NULL};
    return ST_OK;
}

void hx_node_profile_free(hx_node_profile *np) {
    free(np->total);
    free(np->start);
    free(np->dur);
    np->total = np->start = np->dur = NULL;
}

static int same_cell(const st_node_info *a, const st_node_info *b) {
    return !strcmp(a->op, b->op) && a->part == b->part && a->stage == b->stage && a->block == b->block;
}

int hx_node_profile_write_matrix(const hx_node_profile *np, const hx_row *point, int batch, hx_writer *w) {
    double images = (double)np->passes * batch;
    unsigned char *done = calloc(np->n ? (size_t)np->n : 1, 1);
    if (!done) return st_fail(ST_ERR_NOMEM, "out of memory for the node profile");
    int rc = ST_OK;
    for (int i = 0; i < np->n && !rc; i++) {
        if (done[i]) continue;
        const st_node_info *a = st_model_node(np->m, i);
        double s = 0;
        int nodes = 0;
        for (int j = i; j < np->n; j++) {
            const st_node_info *b = st_model_node(np->m, j);
            if (done[j] || !same_cell(a, b)) continue;
            done[j] = 1;
            s += np->total[j];
            nodes++;
        }
        hx_row row;
        if (point) rc = hx_row_copy(&row, point);
        else hx_row_init(&row);
        if (rc) break;
        hx_row_str(&row, "op", a->op);
        hx_row_str(&row, "part", st_part_names[a->part]);
        hx_row_int(&row, "stage", a->stage);
        hx_row_int(&row, "block", a->block);
        hx_row_int(&row, "nodes", nodes);
        hx_row_int(&row, "calls", (int64_t)nodes * np->passes);
        hx_row_num(&row, "ms_per_image", images > 0 ? 1e3 * s / images : 0);
        rc = row.failed ? st_fail(ST_ERR_NOMEM, "out of memory") : hx_writer_write(w, &row);
        hx_row_free(&row);
    }
    free(done);
    return rc;
}

/* ---- Chrome trace ------------------------------------------------------------ */

struct hx_trace {
    FILE *f;
    char path[4096];
    int events;
};

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

int hx_trace_open(hx_trace **out, const char *path) {
    *out = NULL;
    hx_trace *t = calloc(1, sizeof *t);
    if (!t) return st_fail(ST_ERR_NOMEM, "out of memory");
    snprintf(t->path, sizeof t->path, "%s", path);
    t->f = fopen(path, "w");
    if (!t->f) {
        int e = errno;
        free(t);
        return st_fail(ST_ERR_IO, "%s: cannot write the trace: %s", path, strerror(e));
    }
    fprintf(t->f, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [");
    *out = t;
    return ST_OK;
}

static void sep(hx_trace *t) { fprintf(t->f, "%s\n", t->events++ ? "," : ""); }

int hx_trace_add(hx_trace *t, const hx_node_profile *np, int pid, const char *process) {
    sep(t);
    fprintf(t->f, "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": 1, \"args\": {\"name\": ", pid);
    json_string(t->f, process);
    fprintf(t->f, "}}");
    for (int i = 0; i < np->n; i++) {
        const st_node_info *a = st_model_node(np->m, i);
        sep(t);
        fprintf(t->f, "{\"name\": ");
        json_string(t->f, a->name);
        fprintf(t->f, ", \"cat\": ");
        json_string(t->f, a->op);
        fprintf(t->f, ", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, \"pid\": %d, \"tid\": 1, "
                      "\"args\": {\"node\": %d, \"part\": \"%s\", \"stage\": %d, \"block\": %d}}",
                1e6 * np->start[i], 1e6 * np->dur[i], pid, i, st_part_names[a->part], a->stage, a->block);
    }
    return ferror(t->f) ? st_fail(ST_ERR_IO, "%s: write failed", t->path) : ST_OK;
}

int hx_trace_close(hx_trace *t) {
    if (!t) return ST_OK;
    fprintf(t->f, "\n]}\n");
    int bad = ferror(t->f);
    if (fclose(t->f)) bad = 1;
    int rc = bad ? st_fail(ST_ERR_IO, "%s: write failed", t->path) : ST_OK;
    free(t);
    return rc;
}
