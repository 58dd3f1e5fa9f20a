/* topk.h — turning one image's logits into its k best classes and their softmax
 * probabilities, and counting top-1 / top-5 hits. */
#ifndef HX_TOPK_H
#define HX_TOPK_H

#define HX_TOPK 5   /* the k of top-k accuracy (ImageNet reports top-1 and top-5) */

/* The k largest of scores[0..n) in descending order: idx[j] their classes, val[j]
 * (may be NULL) their scores. k > n is clamped to n; the number written is returned.
 * Equal scores rank the lower class first; NaN ranks below every number. */
int hx_topk(const float *scores, int n, int k, int *idx, float *val);

/* probs[c] = exp(logits[c] - max) / sum (accumulated in double). probs may be logits. */
void hx_softmax(const float *logits, int n, float *probs);

/* Hit counts of an evaluation; they add up across shards. */
typedef struct {
    long images;   /* predictions counted */
    long top1;     /* label == best class */
    long top5;     /* label among the HX_TOPK best */
} hx_accuracy;

/* Counts one prediction: top[0..k) best classes first (k <= HX_TOPK; fewer classes
 * than HX_TOPK means top-5 is over all of them). */
void hx_accuracy_add(hx_accuracy *a, int label, const int *top, int k);
/* Percentages; 0 when nothing was counted. */
double hx_accuracy_top1(const hx_accuracy *a);
double hx_accuracy_top5(const hx_accuracy *a);
#endif
