/* eval.h — accuracy of a model on a labelled image folder, the ImageNet validation
 * protocol: every picture resized (bicubic) to cover res / crop_pct, centre-cropped
 * to res x res and normalised (hx_preprocess; crop_pct as the reference evaluation
 * uses it, image.h), top-1 and top-5 against its label.
 *
 * Per-image predictions go to a result file (results.h; CSV unless *.jsonl), one row
 * per picture, flushed as it goes, in the order of the sorted listing:
 *   point   index of the picture in the whole sorted listing (all shards)
 *   points  pictures in the whole listing
 *   file    path relative to the image folder
 *   label   true class
 *   top1..top5, prob1..prob5   best classes, best first, and their softmax
 *           probabilities (missing beyond the model's class count)
 *   error   why the picture could not be read (then no predictions), else missing
 * `point`/`points` are what `stvit merge` joins shards by; hx_eval_table_accuracy
 * recomputes the accuracy from such a file, merged or not. */
#ifndef HX_EVAL_H
#define HX_EVAL_H
#include <signal.h>
#include <stdio.h>
#include "harness/cli/cli.h"
#include "harness/eval/image_list.h"
#include "harness/results/results.h"
#include "harness/eval/topk.h"
#include "variants/model.h"

typedef struct {
    long total;             /* pictures of this shard */
    long failed;            /* unreadable pictures, skipped */
    hx_accuracy acc;        /* over the pictures evaluated */
    int interrupted;        /* *stop ended the run before the last batch */
    double seconds;         /* wall time from the start of the run */
} hx_eval_result;

typedef struct {
    const char *images;     /* folder of PNG/JPEG pictures, searched recursively */
    const char *labels;     /* labels file (labels.h), or NULL: one sub-folder per class */
    int res;                /* input side */
    double crop_pct;        /* in (0, 1]; 0: hx_reference_crop_pct(res) (0.875 to 224, then 1) */
    int batch;              /* pictures per forward pass */
    int readers;            /* decoding threads (image_queue.h) */
    hx_shard shard;         /* every n-th picture from k; n = 0 means all (as {0, 1}) */
    const char *out;        /* predictions file, or NULL for none */
    /* Set asynchronously (e.g. by a SIGINT handler) to stop after the current batch;
     * every finished prediction is then written and counted. NULL: never. */
    volatile sig_atomic_t *stop;
    /* Called on the calling thread; any may be NULL. */
    void (*on_failed)(void *ud, const char *file, const char *why);   /* a picture skipped */
    void (*on_batch)(void *ud, const hx_eval_result *so_far);   /* after each batch */
    void *ud;
} hx_eval_opts;

/* What will be evaluated: the listing, every picture's label, this shard's part. */
typedef struct {
    hx_image_list images;   /* the whole sorted listing */
    int *labels;            /* [images.n] */
    int *work;              /* [nwork] indices into images: this shard's pictures, in order */
    int nwork;
    int unused_labels;      /* labels-file entries naming no picture */
} hx_eval_set;

/* Lists the pictures, labels them (classes = the model's class count, for range
 * checks) and selects the shard. Errors: an empty folder or shard, a labels problem
 * (labels.h). */
int hx_eval_prepare(const hx_eval_opts *o, int classes, hx_eval_set *set);
void hx_eval_set_free(hx_eval_set *set);

/* Runs the model over the set, writing predictions to o->out. Returns ST_OK also
 * when pictures failed (r->failed) or the run was stopped (r->interrupted); an
 * error means the run could not go on (unwritable file, a non-finite logit). r
 * holds the counts up to that point in every case. */
int hx_eval_run(st_model *m, const hx_eval_set *set, const hx_eval_opts *o, hx_eval_result *r);

/* 1 if t has the columns of a predictions file (label, top1). */
int hx_eval_is_predictions(const hx_table *t);
/* The accuracy of a predictions table: rows with a top1 count, rows without one
 * (an error) are *failed (may be NULL). ST_ERR_FORMAT naming the row if a label or
 * class is not an integer. */
int hx_eval_table_accuracy(const hx_table *t, hx_accuracy *acc, long *failed);
/* The two lines "top-1  83.60%  (41800 / 50000)" and "top-5 ...", as eval and merge print them. */
void hx_eval_print_accuracy(FILE *f, const hx_accuracy *a);
#endif
