/* bench.c — one sweep point, measured (see bench.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "harness/bench/bench.h"
#include "harness/cli/model_opts.h"
#include "harness/bench/node_profile.h"
#include "harness/bench/profile.h"
#include "harness/bench/rss.h"
#include "harness/bench/stats.h"
#include "harness/bench/timer.h"
#include "variants/count.h"
#include "variants/model.h"
#include "variants/st_error.h"

#define MAX_TIMED_RUNS 100000
#define REF_SLOTS 2
#define PROGRESS_EVERY_S 20.0   /* a progress line inside a point at most this often */   /* naive outputs kept: check batches 1 and 2 */

/* Naive logits for one (variant, attn, size, check batch), shared by every backend,
 * batch and thread count of that configuration. */
typedef struct {
    char key[160];
    int batch, classes;
    float *logits;   /* [batch][classes] */
} naive_ref;

struct hx_bench {
    hx_bench_opts o;
    st_model *model;      /* the last point's model ... */
    char model_key[160];  /* ... and what it was built for */
    naive_ref refs[REF_SLOTS];
    int next_ref;
};

int hx_bench_create(hx_bench **out, const hx_bench_opts *o) {
    *out = calloc(1, sizeof **out);
    if (!*out) return st_fail(ST_ERR_NOMEM, "bench: out of memory");
    (*out)->o = *o;
    return ST_OK;
}

void hx_bench_free(hx_bench *b) {
    if (!b) return;
    st_model_free(b->model);
    for (int i = 0; i < REF_SLOTS; i++) free(b->refs[i].logits);
    free(b);
}

int hx_bench_columns(hx_bench *b, hx_row *row) {
    /* A point with no variant fails before building anything, and its row has every
     * column a measured point has (missing values), in the same order. */
    hx_point none = {.index = 0};
    int mismatch;
    hx_bench_point(b, &none, 0, row, &mismatch);
    st_clear_error();
    return row->failed ? ST_ERR_NOMEM : ST_OK;
}

void hx_point_describe(const hx_point *p, char *buf, size_t cap) {
    snprintf(buf, cap, "variant %s %dx%d attn %s backend %s batch %d threads %d", p->variant, p->h,
             p->w, p->attn, p->backend, p->batch, p->threads);
}

/* Deterministic input in [-1, 1): image i is the same whatever the batch. */
static void seeded_input(float *x, size_t count, uint64_t seed) {
    uint64_t s = seed ^ 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < count; i++) {
        uint64_t z = (s += 0x9e3779b97f4a7c15u);   /* splitmix64 */
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        x[i] = (float)((z >> 40) * (2.0 / 16777216.0) - 1.0);
    }
}

static double rel_l2(const float *a, const float *ref, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - ref[i];
        num += d * d;
        den += (double)ref[i] * ref[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

/* The configuration a point asks for: the variant with its attention kind. */
static int point_config(const hx_bench *b, const hx_point *p, st_config *cfg) {
    hx_model_opts mo = b->o.model ? *b->o.model : (hx_model_opts){0};
    mo.variant = p->variant;
    mo.attn = p->attn;
    return hx_model_config(&mo, cfg);
}

static const char *weights_of(const hx_bench *b) { return b->o.model ? b->o.model->weights : NULL; }

static int model_for(hx_bench *b, const hx_point *p, const st_config *cfg, const kn_backend *be) {
    char key[160];
    snprintf(key, sizeof key, "%s/%s/%dx%d/%s/t%d", p->variant, p->attn, p->h, p->w, p->backend, p->threads);
    if (b->model && !strcmp(key, b->model_key)) return ST_OK;
    st_model_free(b->model);
    b->model = NULL;
    int allow = b->o.model && b->o.model->allow_nonfinite;
    int rc = st_model_create_with(&b->model, cfg, weights_of(b), b->o.seed,
                                  &(st_model_opts){.backend = be, .threads = p->threads, .allow_nonfinite = allow});
    if (!rc) snprintf(b->model_key, sizeof b->model_key, "%s", key);
    return rc;
}

/* Naive logits for the point's configuration on `input` of `batch` images. */
static int naive_logits(hx_bench *b, const hx_point *p, const st_config *cfg, const float *input,
                        int batch, const naive_ref **out) {
    char key[160];
    snprintf(key, sizeof key, "%s/%s/%dx%d/b%d", p->variant, p->attn, p->h, p->w, batch);
    for (int i = 0; i < REF_SLOTS; i++)
        if (b->refs[i].logits && !strcmp(b->refs[i].key, key)) { *out = &b->refs[i]; return ST_OK; }
    naive_ref *r = &b->refs[b->next_ref];
    b->next_ref = (b->next_ref + 1) % REF_SLOTS;
    free(r->logits);
    memset(r, 0, sizeof *r);
    if (b->o.progress)   /* one naive pass of a large point takes minutes: say what runs */
        fprintf(stderr, "bench:   naive reference for %s %dx%d batch %d (one pass, the slowest part of a new size)\n",
                p->variant, p->h, p->w, batch);
    st_model *m;
    int rc = st_model_create_with(&m, cfg, weights_of(b), b->o.seed,
                                  &(st_model_opts){.backend = &kn_backend_naive,
                                                   .allow_nonfinite = b->o.model && b->o.model->allow_nonfinite});
    if (rc) return rc;
    r->classes = cfg->num_classes;
    r->logits = malloc((size_t)batch * r->classes * sizeof *r->logits);
    if (!r->logits) rc = st_fail(ST_ERR_NOMEM, "out of memory for naive logits");
    if (!rc) rc = st_model_plan(m, batch, p->h, p->w, 0);
    if (!rc) rc = st_model_forward(m, input, r->logits);
    st_model_free(m);
    if (rc) { free(r->logits); r->logits = NULL; return rc; }
    snprintf(r->key, sizeof r->key, "%s", key);
    r->batch = batch;
    *out = r;
    return ST_OK;
}

typedef struct {
    const char *matches;   /* true | false | "" (not compared) */
    double rel;            /* NaN when not compared */
    hx_summary ms;         /* per forward pass of the batch */
    double rss_mib;
    st_model_mem mem;      /* after the timing plan */
    double tol;            /* matches-naive tolerance, from the backend's precision */
    hx_profile prof;
    int profiled;
} measurement;

/* Compares the point's backend with naive at batch min(batch, 2). */
static int check_point(hx_bench *b, const hx_point *p, const st_config *cfg, float *input,
                       float *logits, measurement *ms) {
    int cb = p->batch < 2 ? p->batch : 2;
    const naive_ref *ref;
    int rc = naive_logits(b, p, cfg, input, cb, &ref);
    if (rc) {
        char why[512];   /* copied: st_fail writes the buffer st_last_error reads */
        snprintf(why, sizeof why, "%s", st_last_error());
        return st_fail(rc, "naive reference: %s", why);
    }
    if ((rc = st_model_plan(b->model, cb, p->h, p->w, 0)) ||
        (rc = st_model_forward(b->model, input, logits)))
        return rc;
    ms->rel = rel_l2(logits, ref->logits, (size_t)cb * ref->classes);
    ms->matches = ms->rel <= ms->tol ? "true" : "false";
    return ST_OK;
}

static int time_point(hx_bench *b, const hx_point *p, const float *input, float *logits,
                      measurement *ms) {
    const hx_bench_opts *o = &b->o;
    int rc;
    for (int i = 0; i < o->warmup; i++)
        if ((rc = st_model_forward(b->model, input, logits))) return rc;
    int cap = 64, n = 0;
    double *samples = malloc(cap * sizeof *samples), start = hx_now(), last = start;
    if (!samples) return st_fail(ST_ERR_NOMEM, "out of memory for timing samples");
    while (n < o->min_runs || (hx_now() - start < o->min_time && n < MAX_TIMED_RUNS)) {
        if (n == cap) {
            double *more = realloc(samples, 2 * cap * sizeof *samples);
            if (!more) { free(samples); return st_fail(ST_ERR_NOMEM, "out of memory for timing samples"); }
            samples = more;
            cap *= 2;
        }
        double t0 = hx_now();
        if ((rc = st_model_forward(b->model, input, logits))) { free(samples); return rc; }
        samples[n++] = 1e3 * (hx_now() - t0);
        if (o->progress && hx_now() - last > PROGRESS_EVERY_S) {   /* a long point still shows life */
            last = hx_now();
            double left = o->min_time - (last - start);
            fprintf(stderr, "bench:   %d timed run%s in %.0f s (%.2f s each), at least %d runs and %.0f s more\n", n,
                    n == 1 ? "" : "s", last - start, samples[n - 1] / 1e3, n < o->min_runs ? o->min_runs - n : 0,
                    left > 0 ? left : 0);
        }
    }
    rc = hx_summarize(samples, n, &ms->ms);
    free(samples);
    return rc;
}

/* The node profile's outputs: trace events and op x stage x block rows of point p. */
static int node_outputs(hx_bench *b, const hx_point *p, const hx_node_profile *np) {
    char desc[256];
    hx_point_describe(p, desc, sizeof desc);
    int rc = b->o.trace ? hx_trace_add(b->o.trace, np, p->index, desc) : ST_OK;
    if (rc || !b->o.node_matrix) return rc;
    char res[32];
    snprintf(res, sizeof res, "%dx%d", p->h, p->w);
    hx_row point;
    hx_row_init(&point);
    hx_row_int(&point, "point", p->index);
    hx_row_str(&point, "variant", p->variant);
    hx_row_str(&point, "attn", p->attn);
    hx_row_str(&point, "res", res);
    hx_row_str(&point, "backend", p->backend);
    hx_row_int(&point, "batch", p->batch);
    hx_row_int(&point, "threads", p->threads);
    rc = point.failed ? st_fail(ST_ERR_NOMEM, "out of memory")
                      : hx_node_profile_write_matrix(np, &point, p->batch, b->o.node_matrix);
    hx_row_free(&point);
    return rc;
}

/* Extra passes through timing wrappers: they perturb the timing, so they come after it.
 * The op wrappers time kernel slots; the node hooks time each planned node. */
static int profile_point(hx_bench *b, const hx_point *p, const float *input, float *logits,
                         measurement *ms) {
    st_hooks hooks, node_hooks;
    hx_node_profile np;
    hx_profile_start(&ms->prof, st_model_ctx(b->model), &hooks);
    int rc = hx_node_profile_start(&np, b->model, &hooks, &node_hooks);
    if (rc) { hx_profile_stop(&ms->prof); return rc; }
    st_model_set_hooks(b->model, &node_hooks);
    int runs = b->o.min_runs > 0 ? b->o.min_runs : 1;
    double t0 = hx_now();
    for (int i = 0; i < runs && !rc; i++) rc = st_model_forward(b->model, input, logits);
    ms->prof.wall = hx_now() - t0;
    ms->prof.forwards = runs;
    st_model_set_hooks(b->model, NULL);
    hx_profile_stop(&ms->prof);
    if (!rc) rc = node_outputs(b, p, &np);
    hx_node_profile_free(&np);
    ms->profiled = !rc;
    return rc;
}

static int run_point(hx_bench *b, const hx_point *p, const st_config *cfg, measurement *ms) {
    const kn_backend *be = kn_backend_find(p->backend);
    if (!be) return st_fail(ST_ERR_ARG, "unknown backend '%s'", p->backend);
    char why[160];
    if (!kn_backend_runs(be, why, sizeof why)) return st_fail(ST_ERR_ARG, "backend '%s': %s", p->backend, why);
    ms->tol = hx_match_tolerance(be, cfg);
    int rc = model_for(b, p, cfg, be);   /* the instance has the point's threads */
    if (rc) return rc;
    size_t in_count = (size_t)p->batch * 3 * p->h * p->w;
    float *input = malloc(in_count * sizeof *input);                                   /* [batch][3][h][w] */
    float *logits = malloc((size_t)p->batch * cfg->num_classes * sizeof *logits);      /* [batch][classes] */
    if (!input || !logits) { rc = st_fail(ST_ERR_NOMEM, "out of memory for a batch of %d", p->batch); goto done; }
    seeded_input(input, in_count, b->o.seed);
    if (!b->o.check) ms->matches = "";
    else if (be == &kn_backend_naive) ms->matches = "true";
    else if ((rc = check_point(b, p, cfg, input, logits, ms))) goto done;
    hx_peak_rss_reset();   /* the peak of this point's own runs, not of earlier points */
    if ((rc = st_model_plan(b->model, p->batch, p->h, p->w, 0))) goto done;
    st_model_memory(b->model, &ms->mem);
    if ((rc = time_point(b, p, input, logits, ms))) goto done;
    ms->rss_mib = hx_peak_rss_mib();
    if (b->o.profile) rc = profile_point(b, p, input, logits, ms);
done:
    free(input);
    free(logits);
    return rc;
}

/* The columns the backend instance adds (SCHEMA.md): isa, precision, the three memory figures. */
static void backend_columns(hx_row *row, const st_model *m, const hx_point *p, const measurement *ms, int failed) {
    const kn_backend *be = kn_backend_find(p->backend);
    hx_row_str(row, "isa", m ? st_model_ctx(m)->isa_name : be && be->isa ? be->isa : "");
    hx_row_str(row, "precision", be ? kn_backend_precision(be) : "");
    hx_row_num(row, "mem_weights_mib", failed ? NAN : ms->mem.weights / 1048576.0);
    hx_row_num(row, "mem_prepared_mib", failed ? NAN : ms->mem.prepared / 1048576.0);
    hx_row_num(row, "mem_workspace_mib", failed ? NAN : ms->mem.workspace / 1048576.0);
    hx_row_num(row, "mem_workspace_unshared_mib", failed ? NAN : ms->mem.workspace_unshared / 1048576.0);
}

double hx_match_tolerance(const kn_backend *be, const st_config *cfg) {
    /* rounding errors of a reduction of K terms grow like sqrt(K) u on average (the
     * worst case, kn_tolerance, is far too loose for a whole network); K = the widest
     * reduction (the last stage's FFN); never tighter than 1e-4, the golden files' bar */
    long K = (long)cfg->embed_dim[ST_STAGES - 1] * cfg->mlp_ratio;
    double u = kn_backend_unit_roundoff(be);
    if (u >= KN_U_BF16) return HX_MATCH_TOLERANCE_BF16; /* the bound above would pass 0.7 */
    double t = 4.0 * sqrt((double)K) * u;
    return t > HX_MATCH_TOLERANCE ? t : HX_MATCH_TOLERANCE;
}

int hx_bench_point(hx_bench *b, const hx_point *p, double peak, hx_row *row, int *mismatch) {
    measurement ms = {.matches = "", .rel = NAN};
    st_config cfg;
    st_clear_error();
    int rc = point_config(b, p, &cfg);
    if (!rc) rc = run_point(b, p, &cfg, &ms);
    if (rc) {   /* a failed model may hold a half-built state: never reuse it */
        st_model_free(b->model);
        b->model = NULL;
    }
    *mismatch = !rc && !strcmp(ms.matches, "false");

    char res[32];
    snprintf(res, sizeof res, "%dx%d", p->h, p->w);
    hx_row_str(row, "variant", p->variant);
    hx_row_str(row, "attn", p->attn);
    hx_row_str(row, "res", res);
    hx_row_int(row, "h", p->h);
    hx_row_int(row, "w", p->w);
    hx_row_str(row, "backend", p->backend);
    hx_row_int(row, "batch", p->batch);
    hx_row_int(row, "threads", p->threads);
    hx_row_str(row, "status", rc ? "failed" : "ok");
    hx_row_str(row, "error", rc ? st_last_error() : "");
    int64_t flops = rc ? -1 : st_count_flops(&cfg, p->h, p->w);
    int64_t params = rc ? -1 : st_count_params(&cfg, p->h, p->w);
    double img_s = rc ? NAN : p->batch / (ms.ms.median / 1e3);
    double gflops = flops > 0 ? 2.0 * (double)flops * img_s / 1e9 : NAN;
    hx_row_num(row, "runs", rc ? NAN : ms.ms.n);
    hx_row_int(row, "warmup", b->o.warmup);
    hx_row_num(row, "min_time_s", b->o.min_time);
    hx_row_int(row, "seed", (int64_t)b->o.seed);
    hx_row_num(row, "batch_ms_median", rc ? NAN : ms.ms.median);
    hx_row_num(row, "batch_ms_min", rc ? NAN : ms.ms.min);
    hx_row_num(row, "batch_ms_p90", rc ? NAN : ms.ms.p90);
    hx_row_num(row, "img_per_s", img_s);
    if (flops >= 0) hx_row_int(row, "macs_per_img", flops); else hx_row_missing(row, "macs_per_img");
    if (params >= 0) hx_row_int(row, "param_count", params); else hx_row_missing(row, "param_count");
    hx_row_num(row, "gflop_per_s", gflops);
    hx_row_num(row, "peak_gflop_per_s", peak > 0 ? peak : NAN);
    hx_row_num(row, "peak_fraction", peak > 0 ? gflops / peak : NAN);
    hx_row_num(row, "peak_rss_mib", rc ? NAN : ms.rss_mib);
    backend_columns(row, rc ? NULL : b->model, p, &ms, rc);
    if (*ms.matches) hx_row_bool(row, "matches_naive", !strcmp(ms.matches, "true"));
    else hx_row_missing(row, "matches_naive");
    hx_row_num(row, "rel_l2_vs_naive", ms.rel);
    hx_row_num(row, "tol_vs_naive", ms.tol > 0 ? ms.tol : NAN);
    if (b->o.profile) {
        if (ms.profiled && p->batch > 0) {
            hx_profile_to_row(&ms.prof, p->batch, row);
            if (b->o.profile_out) {
                char title[256];
                hx_point_describe(p, title, sizeof title);
                hx_profile_print(b->o.profile_out, &ms.prof, p->batch, title);
            }
        } else {
            hx_profile_missing_row(row);
        }
    }
    return rc;
}
