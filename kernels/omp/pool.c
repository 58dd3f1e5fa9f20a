/* pool.c — the persistent thread team (pool.h).
 *
 * One 64-bit word holds the job: generation (32 bits) | chunk count (16) | next chunk
 * (16). Claiming is a compare-and-swap that also checks the generation, so a worker
 * that wakes up late can never take a chunk of a later job; fn and arg are read only
 * after a successful claim, when the job cannot finish (its chunk is not done) and so
 * cannot be replaced. `done` counts finished chunks of the current job. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "kernels/kernels.h"
#include "kernels/omp/pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* Pauses before an idle worker or a waiting caller yields the core (~20-50 us), and
 * yields before an idle worker sleeps (a few ms: the gaps between ops stay awake). */
#define SPIN_PAUSES 2000
#define IDLE_YIELDS 2000
#define MAX_CHUNKS 0xffff

typedef struct {
    kn_pool *pool;
    int slot;
    pthread_t tid;
} worker;

struct kn_pool {
    _Alignas(64) _Atomic uint64_t job;  /* gen << 32 | nchunks << 16 | next */
    _Alignas(64) _Atomic int done;
    _Alignas(64) _Atomic uint32_t wake; /* futex word: the generation */
    _Atomic int sleepers;
    _Atomic int stop;
    kn_pool_fn fn;
    void *arg;
    int threads, started;
    worker *workers;
};

static _Thread_local int in_chunk; /* nested kn_pool_run runs inline */
static _Thread_local long chunks_here;

long kn_pool_chunks_run_here(void) { return chunks_here; }

/* Claims the next chunk of job generation gen: its index, or -1 when none is left
 * (or the job is no longer gen). */
static int claim(kn_pool *p, uint32_t gen) {
    uint64_t j = atomic_load_explicit(&p->job, memory_order_acquire);
    for (;;) {
        if ((uint32_t)(j >> 32) != gen) return -1;
        int n = (int)((j >> 16) & 0xffff), next = (int)(j & 0xffff);
        if (next >= n) return -1;
        if (atomic_compare_exchange_weak_explicit(&p->job, &j, j + 1, memory_order_acq_rel, memory_order_acquire))
            return next;
    }
}

/* Runs chunks of job gen until none is left. */
static void drain(kn_pool *p, uint32_t gen) {
    int c;
    while ((c = claim(p, gen)) >= 0) {
        int n = (int)((atomic_load_explicit(&p->job, memory_order_relaxed) >> 16) & 0xffff);
        in_chunk = 1;
        p->fn(p->arg, c, n);
        in_chunk = 0;
        chunks_here++;
        atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
    }
}

static void futex_wait(_Atomic uint32_t *w, uint32_t v) {
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}
static void futex_wake_all(_Atomic uint32_t *w) {
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void *worker_main(void *argp) {
    worker *w = argp;
    kn_pool *p = w->pool;
    kn_thread_slot = w->slot;
    uint32_t seen = 0; /* the last generation this worker looked at */
    for (;;) {
        uint32_t gen;
        long waited = 0;
        for (;;) { /* wait for a new job: spin, yield, then sleep */
            if (atomic_load_explicit(&p->stop, memory_order_acquire)) return NULL;
            gen = (uint32_t)(atomic_load_explicit(&p->job, memory_order_acquire) >> 32);
            if (gen != seen) break;
            if (waited < SPIN_PAUSES) CPU_RELAX();
            else if (waited < SPIN_PAUSES + IDLE_YIELDS) sched_yield();
            else {
                atomic_fetch_add(&p->sleepers, 1);
                if (atomic_load(&p->wake) == seen && !atomic_load(&p->stop)) futex_wait(&p->wake, seen);
                atomic_fetch_sub(&p->sleepers, 1);
                waited = 0;
                continue;
            }
            waited++;
        }
        seen = gen;
        drain(p, gen);
    }
}

void kn_pool_free(kn_pool *p) {
    if (!p) return;
    atomic_store(&p->stop, 1);
    atomic_fetch_add(&p->wake, 1);
    futex_wake_all(&p->wake);
    for (int i = 0; i < p->started; i++) pthread_join(p->workers[i].tid, NULL);
    free(p->workers);
    free(p);
}

int kn_pool_create(kn_pool **out, int threads) {
    *out = NULL;
    kn_pool *p = aligned_alloc(64, (sizeof *p + 63) / 64 * 64);
    if (!p) return -1;
    *p = (kn_pool){.threads = threads > 1 ? threads : 1};
    atomic_init(&p->job, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->wake, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->stop, 0);
    p->workers = calloc((size_t)p->threads, sizeof *p->workers);
    if (!p->workers) { free(p); return -1; }
    for (int i = 0; i < p->threads - 1; i++) {
        p->workers[i] = (worker){.pool = p, .slot = i + 1};
        int rc = pthread_create(&p->workers[i].tid, NULL, worker_main, &p->workers[i]);
        if (rc) {
            kn_pool_free(p);
            errno = rc;
            return -1;
        }
        p->started++;
    }
    *out = p;
    return 0;
}

void kn_pool_run(kn_pool *p, int nchunks, kn_pool_fn fn, void *arg) {
    if (nchunks <= 0) return;
    if (!p || p->threads <= 1 || in_chunk || nchunks == 1) {
        int nested = in_chunk;
        in_chunk = 1;
        for (int c = 0; c < nchunks; c++) fn(arg, c, nchunks);
        in_chunk = nested;
        chunks_here += nchunks;
        return;
    }
    if (nchunks > MAX_CHUNKS) nchunks = MAX_CHUNKS; /* callers ask for far fewer */
    p->fn = fn, p->arg = arg;
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    uint32_t gen = (uint32_t)(atomic_load_explicit(&p->job, memory_order_relaxed) >> 32) + 1;
    if (gen == 0) gen = 1; /* 0 is the workers' initial "seen" */
    atomic_store_explicit(&p->job, (uint64_t)gen << 32 | (uint64_t)nchunks << 16, memory_order_release);
    atomic_store(&p->wake, gen);
    if (atomic_load(&p->sleepers) > 0) futex_wake_all(&p->wake);
    drain(p, gen);
    /* the chunks others hold: spin, then yield (a holder may share this core) */
    for (long waited = 0; atomic_load_explicit(&p->done, memory_order_acquire) < nchunks; waited++) {
        if (waited < SPIN_PAUSES) CPU_RELAX();
        else sched_yield();
    }
}
