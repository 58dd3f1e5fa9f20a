/* image_queue.h — decoding and preprocessing pictures on reader threads while the
 * caller runs the network: a small bounded queue of ready input batches.
 *
 * The list of n paths is cut into batches of `batch` consecutive paths (the last
 * one shorter); batch s covers paths [s*batch, s*batch + batch). Readers take
 * batches in order and fill the free slots (readers + 1 of them, so each reader
 * works on one while the caller runs the network on another); the caller gets them
 * back strictly in order, whatever order the readers finish in. A picture that
 * cannot be read is not an error of the queue: it is listed in its batch with the
 * reason, and the batch holds the others. */
#ifndef HX_IMAGE_QUEUE_H
#define HX_IMAGE_QUEUE_H

#define HX_WHY_MAX 512   /* bytes of one failure message */

typedef struct {
    long seq;                /* batch number */
    int first, items;        /* the paths [first, first + items) it covers */
    int count;               /* pictures decoded into input */
    int *item;               /* [batch] path index of input row r, r < count, ascending */
    int nfailed;
    int *failed_item;        /* [batch] path index of each picture that failed, ascending */
    char (*failed_why)[HX_WHY_MAX];   /* [batch] its message, naming the file */
    float *input;            /* [batch][3][h][w] preprocessed; rows >= count are zero */
} hx_image_batch;

typedef struct hx_image_queue hx_image_queue;

/* Starts `readers` threads over paths[0..n) (not copied: keep them alive until
 * close). Each picture goes through hx_image_load and hx_preprocess_pct(h, w,
 * crop_pct) (image.h; crop_pct 0.875 is hx_preprocess). The
 * threads block all signals, so a SIGINT handler runs on the caller's threads. */
int hx_image_queue_open(hx_image_queue **out, const char *const *paths, int n, int batch, int h, int w,
                        double crop_pct, int readers);
/* The next batch in order, waiting for it; *b = NULL after the last one. The batch
 * is the caller's until hx_image_queue_release. */
int hx_image_queue_next(hx_image_queue *q, hx_image_batch **b);
void hx_image_queue_release(hx_image_queue *q, hx_image_batch *b);
/* Stops the readers (at their next picture if the caller quits early), joins them
 * and frees everything. NULL is fine. */
void hx_image_queue_close(hx_image_queue *q);
#endif
