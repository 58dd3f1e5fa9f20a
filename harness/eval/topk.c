/* topk.c — top-k selection, softmax and hit counting (see topk.h). */
#include <math.h>
#include "harness/eval/topk.h"

/* a ranks before b: larger score, or equal score and lower class; NaN last. */
static int ranks_before(float sa, int a, float sb, int b) {
    if (isnan(sb)) return !isnan(sa) || a < b;
    if (isnan(sa)) return 0;
    return sa > sb || (sa == sb && a < b);
}

int hx_topk(const float *scores, int n, int k, int *idx, float *val) {
    if (k > n) k = n;
    if (k < 0) k = 0;
    int have = 0;   /* idx[0..have) sorted best first: insertion into a k-long list */
    for (int c = 0; c < n; c++) {
        int at = have;
        while (at > 0 && ranks_before(scores[c], c, scores[idx[at - 1]], idx[at - 1])) at--;
        if (at >= k) continue;
        for (int j = (have < k ? have : k - 1); j > at; j--) idx[j] = idx[j - 1];
        idx[at] = c;
        if (have < k) have++;
    }
    if (val)
        for (int j = 0; j < have; j++) val[j] = scores[idx[j]];
    return have;
}

void hx_softmax(const float *logits, int n, float *probs) {
    if (n < 1) return;
    float max = logits[0];
    for (int c = 1; c < n; c++) if (logits[c] > max) max = logits[c];
    double sum = 0;
    for (int c = 0; c < n; c++) sum += exp((double)logits[c] - max);
    for (int c = 0; c < n; c++) probs[c] = (float)(exp((double)logits[c] - max) / sum);
}

void hx_accuracy_add(hx_accuracy *a, int label, const int *top, int k) {
    a->images++;
    if (k > 0 && top[0] == label) a->top1++;
    for (int j = 0; j < k && j < HX_TOPK; j++)
        if (top[j] == label) { a->top5++; break; }
}

double hx_accuracy_top1(const hx_accuracy *a) { return a->images ? 100.0 * a->top1 / a->images : 0; }
double hx_accuracy_top5(const hx_accuracy *a) { return a->images ? 100.0 * a->top5 / a->images : 0; }
