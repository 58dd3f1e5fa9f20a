/* bf16_cache.c — weights packed for the bf16 kernels, found by their f32 source.
 *
 * The current op interface passes f32 weight pointers to every call, so a GEMM slot
 * looks its weights up here: the first call with a matrix packs it (under a lock, once,
 * during the first forward pass), later calls find it. A model tells the backend when
 * its weight memory goes away (kn_backend.forget), so a later model at the same
 * address is never served stale weights. */
#include <pthread.h>
#include <stdlib.h>
#include "kernels/amx/bf16.h"
#include "kernels/amx/bf16_cache.h"

typedef struct {
    const float *src;
    int M, K;
    kn_bf16 *packed;
    kn_bf16_weights w;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *table; /* open addressing by pointer; cap a power of two */
static size_t cap, used;

static size_t slot_of(const float *p) { return (size_t)(((uintptr_t)p >> 6) * 0x9E3779B97F4A7C15ull); }

static entry *find(const float *src, int M, int K) {
    if (!cap) return NULL;
    for (size_t i = slot_of(src) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (!table[i].src) return &table[i];
        if (table[i].src == src && table[i].M == M && table[i].K == K) return &table[i];
    }
}

static int grow(void) {
    size_t ncap = cap ? 2 * cap : 256;
    entry *nt = calloc(ncap, sizeof *nt), *old = table;
    if (!nt) return -1;
    size_t ocap = cap;
    table = nt, cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].src) *find(old[i].src, old[i].M, old[i].K) = old[i];
    free(old);
    return 0;
}

const kn_bf16_weights *kn_bf16_cache_get(const float *w, size_t ldw, int M, int K) {
    pthread_mutex_lock(&lock);
    entry *e = find(w, M, K);
    if (!e || !e->src) {
        if ((used + 1) * 2 > cap && grow() != 0) goto none;
        e = find(w, M, K);
        kn_bf16 *p = aligned_alloc(64, (sizeof(kn_bf16) * kn_bf16_weights_elems(M, K) + 63) / 64 * 64);
        if (!p) goto none;
        kn_bf16_pack_weights_f32(M, K, w, ldw, p, &e->w);
        e->src = w, e->M = M, e->K = K, e->packed = p;
        used++;
    }
    pthread_mutex_unlock(&lock);
    return &e->w;
none:
    pthread_mutex_unlock(&lock);
    return NULL;
}

void kn_bf16_cache_forget(const void *lo, size_t bytes) {
    pthread_mutex_lock(&lock);
    const char *a = lo, *b = a + bytes;
    int dropped = 0;
    for (size_t i = 0; i < cap; i++)
        if (table[i].src && (const char *)table[i].src >= a && (const char *)table[i].src < b) {
            free(table[i].packed);
            table[i].src = NULL;
            used--, dropped = 1;
        }
    if (dropped) { /* re-insert the survivors: open addressing has no tombstones here */
        entry *old = table;
        size_t ocap = cap;
        table = calloc(ocap, sizeof *table);
        if (!table) { /* cannot rehash: drop everything, it is only a cache */
            for (size_t i = 0; i < ocap; i++) free(old[i].packed);
            cap = used = 0;
        } else {
            for (size_t i = 0; i < ocap; i++)
                if (old[i].src) *find(old[i].src, old[i].M, old[i].K) = old[i];
        }
        free(old);
    }
    pthread_mutex_unlock(&lock);
}

size_t kn_bf16_cache_bytes(void) {
    size_t n = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < cap; i++)
        if (table[i].src) n += sizeof(kn_bf16) * kn_bf16_weights_elems(table[i].M, table[i].K);
    pthread_mutex_unlock(&lock);
    return n;
}
