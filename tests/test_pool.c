/* test_pool.c — the thread team of the threaded backends (kernels/omp/pool.h): every
 * chunk runs exactly once, on a thread with its own scratch slot; nested runs stay
 * inline; a stalled worker does not stall the op (the caller takes the rest); and the
 * omp backend's outputs are bitwise the same run to run and at 1, 2 and 3 threads
 * (each chunk does the same arithmetic whichever thread runs it). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/kernels.h"
#include "kernels/omp/pool.h"

#define THREADS 3
#define MAXCH 257

typedef struct {
    _Atomic int runs[MAXCH];
    _Atomic int bad_slot, bad_count;
    int expect_n;
    pthread_t owner[THREADS]; /* the thread seen on each slot */
    _Atomic int owner_set[THREADS];
    _Atomic int owner_clash;
} tally;

static void count_chunk(void *arg, int c, int n) {
    tally *t = arg;
    if (n != t->expect_n || c < 0 || c >= n) atomic_fetch_add(&t->bad_count, 1);
    else atomic_fetch_add(&t->runs[c], 1);
    int s = kn_thread_slot;
    if (s < 0 || s >= THREADS) { atomic_fetch_add(&t->bad_slot, 1); return; }
    int expected = 0;
    if (atomic_compare_exchange_strong(&t->owner_set[s], &expected, 1)) t->owner[s] = pthread_self();
    else if (atomic_load(&t->owner_set[s]) == 1 && !pthread_equal(t->owner[s], pthread_self()))
        atomic_fetch_add(&t->owner_clash, 1);
}

static void every_chunk_once(void **state) {
    kn_pool *p;
    assert_int_equal(kn_pool_create(&p, THREADS), 0);
    static tally t; /* owners persist across jobs: a slot is one thread for the pool's life */
    memset(&t, 0, sizeof t);
    for (int job = 0; job < 400; job++) {
        int n = 1 + (job * 37) % MAXCH;
        for (int c = 0; c < MAXCH; c++) atomic_store(&t.runs[c], 0);
        t.expect_n = n;
        kn_pool_run(p, n, count_chunk, &t);
        for (int c = 0; c < n; c++)
            if (atomic_load(&t.runs[c]) != 1) fail_msg("job %d: chunk %d of %d ran %d times", job, c, n, t.runs[c]);
        for (int c = n; c < MAXCH; c++) assert_int_equal(atomic_load(&t.runs[c]), 0);
        if (job % 50 == 49) { /* let the workers fall asleep, then wake them */
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    assert_int_equal(atomic_load(&t.bad_count), 0);
    assert_int_equal(atomic_load(&t.bad_slot), 0);
    assert_int_equal(atomic_load(&t.owner_clash), 0);
    kn_pool_free(p);
}

typedef struct {
    kn_pool *p;
    _Atomic int inner_runs;
    _Atomic int inner_off_thread;
} nest;

static void inner_chunk(void *arg, int c, int n) {
    nest *x = arg;
    atomic_fetch_add(&x->inner_runs, 1);
}
static void outer_chunk(void *arg, int c, int n) {
    nest *x = arg;
    long before = kn_pool_chunks_run_here();
    kn_pool_run(x->p, 5, inner_chunk, x); /* inline: all five on this thread */
    if (kn_pool_chunks_run_here() - before != 5) atomic_fetch_add(&x->inner_off_thread, 1);
}

static void nested_runs_inline(void **state) {
    nest x = {0};
    assert_int_equal(kn_pool_create(&x.p, THREADS), 0);
    kn_pool_run(x.p, 16, outer_chunk, &x);
    assert_int_equal(atomic_load(&x.inner_runs), 16 * 5);
    assert_int_equal(atomic_load(&x.inner_off_thread), 0);
    kn_pool_free(x.p);
}

/* A worker that stalls inside its chunk (as if descheduled) leaves the rest to the caller. */
static _Atomic int stalled;
static void stall_on_worker(void *arg, int c, int n) {
    if (kn_thread_slot != 0 && !atomic_exchange(&stalled, 1)) {
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL);
        return;
    }
    volatile double s = 0; /* some work, so the worker gets to claim one */
    for (int i = 0; i < 20000; i++) s += i;
}

static void stalled_worker_loses_its_share(void **state) {
    kn_pool *p;
    assert_int_equal(kn_pool_create(&p, 2), 0);
    for (int tries = 0; tries < 500 && !atomic_load(&stalled); tries++) {
        long before = kn_pool_chunks_run_here();
        kn_pool_run(p, 64, stall_on_worker, NULL);
        long here = kn_pool_chunks_run_here() - before;
        if (atomic_load(&stalled)) assert_true(here >= 63); /* the worker ran only the stalled one */
    }
    assert_true(atomic_load(&stalled)); /* the worker did take a chunk at some point */
    kn_pool_free(p);
}

/* --- the omp backend: the same bits at any thread count ------------------------------- */

static float *seeded(size_t n, unsigned seed) {
    float *v = malloc(sizeof(float) * n);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (float)((seed >> 9) & 0xffff) / 32768.0f - 1.0f;
    }
    return v;
}

/* conv1x1 (GELU, layer scale, residual), attention and LayerNorm of a stage-2 shape. */
static void run_ops(kn_ctx *ctx, const float *x, const float *w, const float *bias, float *y, float *att, float *ln) {
    const int cin = 320, cout = 960, n = 196, heads = 5, hd = 64;
    for (size_t i = 0; i < (size_t)cout * n; i++) y[i] = 0.5f;
    kn_conv1x1_args c = {.batch = 1, .cin = cin, .cout = cout, .n = n, .x = x, .w = kn_w(w), .bias = bias,
                         .act = KN_ACT_GELU, .gamma = bias, .accumulate = 1, .y = y};
    ctx->ops.conv1x1(ctx, &c);
    size_t sc = ctx->ops.attention_scratch(ctx, 1, heads, hd, n);
    float *scratch = malloc(sizeof(float) * sc);
    assert_non_null(scratch);
    kn_attention_args a = {.batch = 1, .heads = heads, .hd = hd, .m = n, .qkv = y, .scale = 0.125f,
                           .out = att, .scratch = scratch};
    ctx->ops.attention(ctx, &a);
    free(scratch);
    ctx->ops.layernorm(ctx, 1, cin, n, x, bias, bias + cin, 1e-6f, ln);
}

static void omp_bits_do_not_depend_on_threads(void **state) {
    const int cin = 320, cout = 960, n = 196;
    float *x = seeded((size_t)cin * n, 1), *w = seeded((size_t)cout * cin, 2), *bias = seeded(cout + cin, 3);
    float *ref[3], *got[3];
    size_t len[3] = {(size_t)cout * n, (size_t)320 * n, (size_t)cin * n};
    for (int i = 0; i < 3; i++) ref[i] = malloc(sizeof(float) * len[i]), got[i] = malloc(sizeof(float) * len[i]);
    char err[256];
    kn_ctx *one;
    assert_int_equal(kn_ctx_create(&one, &kn_backend_omp, 1, err, sizeof err), 0);
    run_ops(one, x, w, bias, ref[0], ref[1], ref[2]);
    kn_ctx_free(one);
    for (int threads = 1; threads <= 3; threads++) {
        kn_ctx *ctx;
        assert_int_equal(kn_ctx_create(&ctx, &kn_backend_omp, threads, err, sizeof err), 0);
        for (int rep = 0; rep < 3; rep++) {
            run_ops(ctx, x, w, bias, got[0], got[1], got[2]);
            for (int i = 0; i < 3; i++)
                if (memcmp(got[i], ref[i], sizeof(float) * len[i]))
                    fail_msg("omp at %d threads, run %d: output %d differs from 1 thread", threads, rep, i);
        }
        kn_ctx_free(ctx);
    }
    for (int i = 0; i < 3; i++) free(ref[i]), free(got[i]);
    free(x), free(w), free(bias);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_chunk_once),
        cmocka_unit_test(nested_runs_inline),
        cmocka_unit_test(stalled_worker_loses_its_share),
        cmocka_unit_test(omp_bits_do_not_depend_on_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
