/* bf16_cache.h — packed bf16 weights by their f32 source (see bf16_cache.c). */
#ifndef KN_BF16_CACHE_H
#define KN_BF16_CACHE_H
#include "kernels/amx/bf16.h"
/* The packing of w (M rows of K, row stride ldw), made on first use; NULL if out of memory. */
const kn_bf16_weights *kn_bf16_cache_get(const float *w, size_t ldw, int M, int K);
/* Drops every packing whose source lies in [lo, lo + bytes). */
void kn_bf16_cache_forget(const void *lo, size_t bytes);
/* Bytes of packed weights held. */
size_t kn_bf16_cache_bytes(void);
#endif
