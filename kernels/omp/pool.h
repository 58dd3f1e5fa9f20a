/* pool.h — the persistent thread team of a threaded instance (omp and the backends
 * built on it): threads-1 workers created with the ctx, plus the calling thread.
 *
 * An op is split into `nchunks` chunks that the caller and the workers claim one at a
 * time from one atomic counter (dynamic scheduling). The caller returns as soon as
 * every chunk is done: it never waits for a worker that has not started (a worker
 * descheduled by another process loses its share to the others, it does not stall the
 * op). Chunk c of n always does the same arithmetic whichever thread runs it, so the
 * results do not depend on the schedule. Waiting spins briefly, then yields the core,
 * then (idle workers) sleeps on a futex. */
#ifndef KN_OMP_POOL_H
#define KN_OMP_POOL_H

typedef struct kn_pool kn_pool;
/* Runs chunk `chunk` of `nchunks` (the running thread's scratch: kn_thread_slot). */
typedef void (*kn_pool_fn)(void *arg, int chunk, int nchunks);

/* A team of `threads` (workers threads-1). 0, or -1 with errno set. */
int kn_pool_create(kn_pool **out, int threads);
void kn_pool_free(kn_pool *p);
/* Runs fn(arg, c, nchunks) exactly once for every c < nchunks, on the team (the caller
 * included), and returns when all are done. From inside a chunk (nested) or with one
 * thread it runs them in order on the calling thread. Calls from several threads at
 * once on one pool are not allowed (an instance runs one op at a time). */
void kn_pool_run(kn_pool *p, int nchunks, kn_pool_fn fn, void *arg);
/* Chunks per thread of an op on a team of `threads`: enough that a descheduled (or slow)
 * thread leaves its share to the others, few enough that the parts stay big (4 cost 7%
 * at batch 1 on a quiet machine and gained nothing with a core busy). */
#ifndef KN_CHUNKS_PER_THREAD
#define KN_CHUNKS_PER_THREAD 2
#endif
static inline int kn_pool_chunks(int threads) { return threads <= 1 ? 1 : threads * KN_CHUNKS_PER_THREAD; }
/* Chunks the calling thread ran since the pool was created (tests: who did what). */
long kn_pool_chunks_run_here(void);
#endif
