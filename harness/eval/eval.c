/* eval.c — the evaluation loop: listing and labels, reader threads decoding ahead,
 * one forward pass per batch, predictions written and counted in listing order
 * (see eval.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness/eval/eval.h"
#include "harness/image/image.h"
#include "harness/eval/image_queue.h"
#include "harness/eval/labels.h"
#include "harness/bench/timer.h"
#include "variants/st_error.h"

void hx_eval_set_free(hx_eval_set *set) {
    hx_image_list_free(&set->images);
    free(set->labels);
    free(set->work);
    memset(set, 0, sizeof *set);
}

static int label_images(const hx_eval_opts *o, int classes, hx_eval_set *set) {
    int rc;
    if (o->labels) {
        hx_labels l;
        if ((rc = hx_labels_read(o->labels, &l))) return rc;
        rc = hx_labels_assign(&l, &set->images, classes, set->labels, &set->unused_labels);
        hx_labels_free(&l);
    } else {
        hx_image_list folders;
        if ((rc = hx_class_folders(o->images, &folders))) return rc;
        rc = hx_labels_from_folders(&folders, &set->images, classes, set->labels);
        hx_image_list_free(&folders);
        if (rc) {   /* name the folder: the message names only the picture */
            char why[900];
            snprintf(why, sizeof why, "%s", st_last_error());
            rc = st_fail(rc, "%s: %s", o->images, why);
        }
    }
    return rc;
}

int hx_eval_prepare(const hx_eval_opts *o, int classes, hx_eval_set *set) {
    memset(set, 0, sizeof *set);
    int k = o->shard.n ? o->shard.k : 0, n = o->shard.n ? o->shard.n : 1;
    if (k < 0 || k >= n) return st_fail(ST_ERR_ARG, "shard %d/%d: need 0 <= K < N", k, n);
    int rc = hx_image_list_read(o->images, &set->images);
    if (!rc && set->images.n == 0)
        rc = st_fail(ST_ERR_IO, "%s: no PNG or JPEG pictures (.png, .jpg, .jpeg) in it or its sub-folders",
                     o->images);
    int total = set->images.n;
    if (!rc) {
        set->labels = malloc((size_t)total * sizeof *set->labels);
        set->work = malloc((size_t)(total / n + 1) * sizeof *set->work);
        if (!set->labels || !set->work) rc = st_fail(ST_ERR_NOMEM, "%s: out of memory", o->images);
    }
    if (!rc) rc = label_images(o, classes, set);
    for (int i = k; !rc && i < total; i += n) set->work[set->nwork++] = i;
    if (!rc && set->nwork == 0)
        rc = st_fail(ST_ERR_ARG, "shard %d/%d of the %d pictures in %s is empty", k, n, total, o->images);
    if (rc) hx_eval_set_free(set);
    return rc;
}

/* Probabilities are written to 6 significant digits: enough to read, and the CSV
 * stays small. Rounding the value first keeps hx_row_num's number text short. */
static double six_digits(float p) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", p);
    return strtod(buf, NULL);
}

/* One predictions row; logits NULL for a picture that failed (why says why). */
static int write_row(hx_writer *w, const hx_eval_set *set, int image, const float *logits, int classes,
                     float *probs, const char *why, hx_accuracy *acc) {
    int top[HX_TOPK];
    int k = 0;
    if (logits) {
        k = hx_topk(logits, classes, HX_TOPK, top, NULL);
        hx_softmax(logits, classes, probs);
        hx_accuracy_add(acc, set->labels[image], top, k);
    }
    if (!w) return ST_OK;
    hx_row row;
    hx_row_init(&row);
    hx_row_int(&row, "point", image);
    hx_row_int(&row, "points", set->images.n);
    hx_row_str(&row, "file", set->images.path[image]);
    hx_row_int(&row, "label", set->labels[image]);
    char key[16];
    for (int j = 0; j < HX_TOPK; j++) {
        snprintf(key, sizeof key, "top%d", j + 1);
        if (j < k) hx_row_int(&row, key, top[j]); else hx_row_missing(&row, key);
    }
    for (int j = 0; j < HX_TOPK; j++) {
        snprintf(key, sizeof key, "prob%d", j + 1);
        if (j < k) hx_row_num(&row, key, six_digits(probs[top[j]])); else hx_row_missing(&row, key);
    }
    hx_row_str(&row, "error", why);
    int rc = hx_writer_write(w, &row);
    hx_row_free(&row);
    return rc;
}

/* Writes a batch's rows in listing order: decoded and failed pictures interleave. */
static int write_batch(hx_writer *w, const hx_eval_set *set, const hx_eval_opts *o, const hx_image_batch *b,
                       const float *logits, int classes, float *probs, hx_eval_result *r) {
    int g = 0, f = 0, rc = ST_OK;
    while (!rc && (g < b->count || f < b->nfailed)) {
        if (f == b->nfailed || (g < b->count && b->item[g] < b->failed_item[f])) {
            int image = set->work[b->item[g]];
            rc = write_row(w, set, image, logits + (size_t)g * classes, classes, probs, NULL, &r->acc);
            g++;
        } else {
            int image = set->work[b->failed_item[f]];
            r->failed++;
            if (o->on_failed) o->on_failed(o->ud, set->images.path[image], b->failed_why[f]);
            rc = write_row(w, set, image, NULL, classes, probs, b->failed_why[f], &r->acc);
            f++;
        }
    }
    return rc;
}

/* "<dir>/<rel>" for every picture of the shard, for the readers. */
static char **full_paths(const char *dir, const hx_eval_set *set) {
    char **p = calloc((size_t)set->nwork, sizeof *p);
    for (int i = 0; p && i < set->nwork; i++)
        if (asprintf(&p[i], "%s/%s", dir, set->images.path[set->work[i]]) < 0) {
            p[i] = NULL;
            for (int j = 0; j < i; j++) free(p[j]);
            free(p);
            return NULL;
        }
    return p;
}

int hx_eval_run(st_model *m, const hx_eval_set *set, const hx_eval_opts *o, hx_eval_result *r) {
    memset(r, 0, sizeof *r);
    r->total = set->nwork;
    double crop_pct = o->crop_pct ? o->crop_pct : hx_reference_crop_pct(o->res);
    if (set->nwork < 1 || o->batch < 1 || o->readers < 1 || o->res < ST_MIN_INPUT || o->res > ST_MAX_INPUT ||
        !(crop_pct > 0 && crop_pct <= 1))
        return st_fail(ST_ERR_ARG, "eval: %d pictures, batch %d, readers %d, resolution %d, crop %g: out of range",
                       set->nwork, o->batch, o->readers, o->res, crop_pct);
    int classes = st_model_config(m)->num_classes;
    int batch = o->batch < set->nwork ? o->batch : set->nwork;
    char **paths = full_paths(o->images, set);
    float *logits = malloc((size_t)batch * classes * sizeof *logits);   /* [batch][classes] */
    float *probs = malloc((size_t)classes * sizeof *probs);             /* [classes] */
    hx_writer *w = NULL;
    hx_image_queue *q = NULL;
    int rc = paths && logits && probs ? ST_OK : st_fail(ST_ERR_NOMEM, "eval: out of memory");
    if (!rc) rc = st_model_plan(m, batch, o->res, o->res, 0);
    if (!rc && o->out) rc = hx_writer_open(&w, o->out, 0);
    double start = hx_now();
    if (!rc) rc = hx_image_queue_open(&q, (const char *const *)paths, set->nwork, batch, o->res, o->res, crop_pct,
                                     o->readers);
    hx_image_batch *b;
    while (!rc && !(rc = hx_image_queue_next(q, &b)) && b) {
        if (b->count && (rc = st_model_forward(m, b->input, logits))) {
            char why[1024];
            snprintf(why, sizeof why, "%s", st_last_error());
            rc = st_fail(rc, "batch of %s: %s", set->images.path[set->work[b->first]], why);
        }
        if (!rc) rc = write_batch(w, set, o, b, logits, classes, probs, r);
        int last = b->first + b->items >= set->nwork;
        hx_image_queue_release(q, b);
        r->seconds = hx_now() - start;
        if (!rc && o->on_batch) o->on_batch(o->ud, r);
        if (!rc && !last && o->stop && *o->stop) { r->interrupted = 1; break; }
    }
    hx_image_queue_close(q);
    if (w) {
        int crc = hx_writer_close(w);
        if (!rc) rc = crc;
        if (rc && r->acc.images + r->failed == 0) remove(o->out); /* failed before any row: leave no file */
    }
    for (int i = 0; paths && i < set->nwork; i++) free(paths[i]);
    free(paths);
    free(logits);
    free(probs);
    return rc;
}

int hx_eval_is_predictions(const hx_table *t) {
    return hx_table_col(t, "label") >= 0 && hx_table_col(t, "top1") >= 0;
}

static int get_class(const hx_row *row, const char *key, int *out) {
    double v;
    if (hx_row_get_num(row, key, &v) || v != floor(v) || v < 0 || v > 1e9) return ST_ERR_FORMAT;
    *out = (int)v;
    return ST_OK;
}

int hx_eval_table_accuracy(const hx_table *t, hx_accuracy *acc, long *failed) {
    memset(acc, 0, sizeof *acc);
    if (failed) *failed = 0;
    if (!hx_eval_is_predictions(t)) return st_fail(ST_ERR_FORMAT, "not a predictions file: no 'label' and 'top1' columns");
    for (int i = 0; i < t->n; i++) {
        const hx_row *row = &t->rows[i];
        const char *top1 = hx_row_get(row, "top1");
        if (!top1 || !*top1) {   /* a picture that could not be read */
            if (failed) (*failed)++;
            continue;
        }
        int label, top[HX_TOPK], k = 0;
        if (get_class(row, "label", &label))
            return st_fail(ST_ERR_FORMAT, "row %d: label '%s' is not a class index", i + 1, hx_row_get(row, "label"));
        for (; k < HX_TOPK; k++) {
            char key[16];
            snprintf(key, sizeof key, "top%d", k + 1);
            const char *text = hx_row_get(row, key);
            if (!text || !*text) break;
            if (get_class(row, key, &top[k]))
                return st_fail(ST_ERR_FORMAT, "row %d: %s '%s' is not a class index", i + 1, key, text);
        }
        hx_accuracy_add(acc, label, top, k);
    }
    return ST_OK;
}

void hx_eval_print_accuracy(FILE *f, const hx_accuracy *a) {
    fprintf(f, "top-1      %.2f%%  (%ld / %ld)\n", hx_accuracy_top1(a), a->top1, a->images);
    fprintf(f, "top-5      %.2f%%  (%ld / %ld)\n", hx_accuracy_top5(a), a->top5, a->images);
}
