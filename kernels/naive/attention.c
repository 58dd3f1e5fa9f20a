/* Multi-head self-attention of the reference backend: one query row at a time. */
#include <math.h>
#include "kernels/naive/naive.h"

size_t kn_attention_scratch__naive(const kn_ctx *ctx, int batch, int heads, int hd, int m) {
    return (size_t)m; /* one row of logits */
}

void kn_attention__naive(kn_ctx *ctx, const kn_attention_args *a) {
    int m = a->m, hd = a->hd, C = a->heads * hd;
    float *row = a->scratch;
    for (int b = 0; b < a->batch; b++)
        for (int h = 0; h < a->heads; h++) {
            const float *bias = a->bias ? a->bias + ((size_t)(a->bias_groups > 1 ? b % a->bias_groups : 0) *
                                                     a->heads + h) * m * m : NULL;
            const float *q = a->qkv + ((size_t)b * 3 * C + (size_t)h * 3 * hd) * m;
            const float *k = q + (size_t)hd * m, *v = k + (size_t)hd * m;
            float *out = a->out + ((size_t)b * C + (size_t)h * hd) * m;
            for (int i = 0; i < m; i++) {
                double mx = -INFINITY, sum = 0;
                for (int j = 0; j < m; j++) {
                    double d = 0;
                    for (int e = 0; e < hd; e++) d += (double)q[(size_t)e * m + i] * k[(size_t)e * m + j];
                    d *= a->scale;
                    if (bias) d += bias[(size_t)i * m + j];
                    row[j] = (float)d;
                    if (d > mx) mx = d;
                }
                for (int j = 0; j < m; j++) sum += (row[j] = (float)exp(row[j] - mx));
                for (int j = 0; j < m; j++) row[j] = (float)(row[j] / sum);
                if (a->probs)
                    for (int j = 0; j < m; j++)
                        a->probs[(((size_t)b * a->heads + h) * m + i) * m + j] = row[j];
                for (int e = 0; e < hd; e++) {
                    double acc = 0;
                    for (int j = 0; j < m; j++) acc += (double)row[j] * v[(size_t)e * m + j];
                    out[(size_t)e * m + i] = (float)acc;
                }
            }
        }
}
