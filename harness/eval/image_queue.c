/* image_queue.c — reader threads filling a ring of batch slots (see image_queue.h).
 *
 * Batch s always goes to slot s % depth. A slot carries two numbers: the batch it
 * may be filled with next (free_for) and the batch it holds, ready (ready). A reader
 * that took batch s waits for free_for == s; the caller waits for ready == s; the
 * caller's release makes the slot free for s + depth. One mutex and one condition
 * variable: the waits are rare and short next to decoding or a forward pass. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness/image/image.h"
#include "harness/eval/image_queue.h"
#include "variants/st_error.h"

struct hx_image_queue {
    const char *const *paths;
    int n, batch, h, w, nbatches, depth, nreaders;
    double crop_pct;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long next_claim;        /* next batch a reader takes (under mu) */
    long next_out;          /* next batch the caller gets (caller only) */
    atomic_int stop;        /* also read by readers between pictures, without mu */
    hx_image_batch *slot;   /* [depth] */
    long *free_for, *ready; /* [depth] under mu; ready -1 = nothing */
    pthread_t *thread;
    int started;            /* threads to join */
};

static void fill(hx_image_queue *q, hx_image_batch *b, long seq) {
    size_t plane = (size_t)3 * q->h * q->w;
    b->seq = seq;
    b->first = (int)(seq * q->batch);
    b->items = q->n - b->first < q->batch ? q->n - b->first : q->batch;
    b->count = b->nfailed = 0;
    for (int i = 0; i < b->items && !atomic_load(&q->stop); i++) {
        int item = b->first + i;
        hx_image img;
        int rc = hx_image_load(q->paths[item], &img);
        if (!rc) rc = hx_preprocess_pct(&img, q->h, q->w, q->crop_pct, b->input + b->count * plane);
        hx_image_free(&img);
        if (rc) {
            b->failed_item[b->nfailed] = item;
            const char *why = st_last_error();   /* name the file if the message does not */
            if (strstr(why, q->paths[item])) snprintf(b->failed_why[b->nfailed], HX_WHY_MAX, "%s", why);
            else snprintf(b->failed_why[b->nfailed], HX_WHY_MAX, "%s: %s", q->paths[item], why);
            b->nfailed++;
        } else {
            b->item[b->count++] = item;
        }
    }
    /* Fixed-size forward passes: the unused rows are defined (zero), never stale. */
    memset(b->input + b->count * plane, 0, (size_t)(q->batch - b->count) * plane * sizeof(float));
}

static void *reader(void *arg) {
    hx_image_queue *q = arg;
    pthread_mutex_lock(&q->mu);
    while (!atomic_load(&q->stop) && q->next_claim < q->nbatches) {
        long s = q->next_claim++;
        int k = (int)(s % q->depth);
        while (!atomic_load(&q->stop) && q->free_for[k] != s) pthread_cond_wait(&q->cv, &q->mu);
        if (atomic_load(&q->stop)) break;
        pthread_mutex_unlock(&q->mu);
        fill(q, &q->slot[k], s);
        pthread_mutex_lock(&q->mu);
        q->ready[k] = s;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static void free_queue(hx_image_queue *q) {
    for (int k = 0; k < q->depth && q->slot; k++) {
        hx_image_batch *b = &q->slot[k];
        free(b->item);
        free(b->failed_item);
        free(b->failed_why);
        free(b->input);
    }
    free(q->slot);
    free(q->free_for);
    free(q->ready);
    free(q->thread);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

void hx_image_queue_close(hx_image_queue *q) {
    if (!q) return;
    pthread_mutex_lock(&q->mu);
    atomic_store(&q->stop, 1);
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    for (int i = 0; i < q->started; i++) pthread_join(q->thread[i], NULL);
    free_queue(q);
}

int hx_image_queue_open(hx_image_queue **out, const char *const *paths, int n, int batch, int h, int w,
                        double crop_pct, int readers) {
    *out = NULL;
    if (n < 0 || batch < 1 || h < 1 || w < 1 || readers < 1 || readers > 256 || !(crop_pct > 0 && crop_pct <= 1))
        return st_fail(ST_ERR_ARG, "image queue: bad arguments (n %d, batch %d, %dx%d, readers %d)", n, batch,
                       h, w, readers);
    hx_image_queue *q = calloc(1, sizeof *q);
    if (!q) return st_fail(ST_ERR_NOMEM, "image queue: out of memory");
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->paths = paths;
    q->n = n;
    q->batch = batch;
    q->h = h;
    q->w = w;
    q->crop_pct = crop_pct;
    q->nbatches = (n + batch - 1) / batch;
    q->nreaders = readers < q->nbatches ? readers : (q->nbatches ? q->nbatches : 1);
    q->depth = q->nreaders + 1;
    size_t floats = (size_t)batch * 3 * h * w;
    q->slot = calloc((size_t)q->depth, sizeof *q->slot);
    q->free_for = malloc((size_t)q->depth * sizeof *q->free_for);
    q->ready = malloc((size_t)q->depth * sizeof *q->ready);
    q->thread = malloc((size_t)q->nreaders * sizeof *q->thread);
    int ok = q->slot && q->free_for && q->ready && q->thread;
    for (int k = 0; ok && k < q->depth; k++) {
        hx_image_batch *b = &q->slot[k];
        b->item = malloc((size_t)batch * sizeof *b->item);
        b->failed_item = malloc((size_t)batch * sizeof *b->failed_item);
        b->failed_why = malloc((size_t)batch * sizeof *b->failed_why);
        b->input = malloc(floats * sizeof(float));
        ok = b->item && b->failed_item && b->failed_why && b->input;
        q->free_for[k] = k;
        q->ready[k] = -1;
    }
    if (!ok) {
        int depth = q->depth;
        free_queue(q);
        return st_fail(ST_ERR_NOMEM, "image queue: out of memory for %d batches of %d x 3 x %d x %d", depth,
                       batch, h, w);
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);   /* inherited by the readers */
    int rc = ST_OK;
    for (int i = 0; i < q->nreaders && !rc; i++) {
        if (pthread_create(&q->thread[i], NULL, reader, q)) rc = st_fail(ST_ERR_NOMEM, "image queue: cannot start a reader thread");
        else q->started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) { hx_image_queue_close(q); return rc; }
    *out = q;
    return ST_OK;
}

int hx_image_queue_next(hx_image_queue *q, hx_image_batch **b) {
    *b = NULL;
    if (q->next_out >= q->nbatches) return ST_OK;
    int k = (int)(q->next_out % q->depth);
    pthread_mutex_lock(&q->mu);
    while (q->ready[k] != q->next_out) pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    *b = &q->slot[k];
    q->next_out++;
    return ST_OK;
}

void hx_image_queue_release(hx_image_queue *q, hx_image_batch *b) {
    int k = (int)(b - q->slot);
    pthread_mutex_lock(&q->mu);
    q->ready[k] = -1;
    q->free_for[k] = b->seq + q->depth;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}
