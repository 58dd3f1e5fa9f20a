/* bf16_pack.c — float <-> bf16 and the weight packing of bf16.h (once, at load). */
#include <string.h>
#include "kernels/amx/bf16.h"

kn_bf16 kn_bf16_from_f32(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (kn_bf16)((u >> 16) | 0x40u); /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u); /* round to nearest, ties to even */
    return (kn_bf16)(u >> 16);
}

float kn_bf16_to_f32(kn_bf16 h) {
    uint32_t u = (uint32_t)h << 16;
    float x;
    memcpy(&x, &u, 4);
    return x;
}

size_t kn_bf16_weights_elems(int M, int K) { return (size_t)kn_bf16_mpad(M) * kn_bf16_kpad(K); }

static void describe(int M, int K, kn_bf16 *dst, kn_bf16_weights *out) {
    out->M = M, out->K = K, out->mpad = kn_bf16_mpad(M), out->kpad = kn_bf16_kpad(K);
    out->w = dst;
    memset(dst, 0, sizeof(kn_bf16) * kn_bf16_weights_elems(M, K)); /* the padding */
}

void kn_bf16_pack_weights_f32(int M, int K, const float *w, size_t ldw, kn_bf16 *dst,
                              kn_bf16_weights *out) {
    describe(M, K, dst, out);
    for (int m = 0; m < M; m++)
        for (int k = 0; k < K; k++) dst[(size_t)m * out->kpad + k] = kn_bf16_from_f32(w[(size_t)m * ldw + k]);
}

void kn_bf16_pack_weights_bf16(int M, int K, const kn_bf16 *w, size_t ldw, kn_bf16 *dst,
                               kn_bf16_weights *out) {
    describe(M, K, dst, out);
    for (int m = 0; m < M; m++) memcpy(dst + (size_t)m * out->kpad, w + (size_t)m * ldw, sizeof(kn_bf16) * K);
}
