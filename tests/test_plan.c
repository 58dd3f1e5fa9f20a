/* test_plan.c — the node plan (variants/plan.h): every buffer written before it is
 * read, lifetimes and shared memory never overlapping live buffers (checked directly
 * and by filling each buffer with NaN before its first writer while the golden
 * logits must still come out), counts summed from the nodes equal to the counter's,
 * every learned tensor behind exactly one node, the names viz and the golden test
 * look for, and the Chrome trace's JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "harness/bench/bench.h"
#include "harness/bench/node_profile.h"
#include "tests/common/testutil.h"
#include "variants/catalog.h"
#include "variants/count.h"
#include "variants/formats/json.h"
#include "variants/model_internal.h"
#include "variants/st_error.h"

#define GOLDEN_W "tests/data/pub_tiny96.weights.safetensors"
#define GOLDEN_IO "tests/data/pub_tiny96.io.safetensors"
#define TOL 1e-4

/* A small STViT-S-shaped config with switches set, so the naive backend is quick. */
static st_config small(int attn, int refine, int pos, int ffn, int stem) {
    st_config c;
    assert_int_equal(st_config_named("S", &c), ST_OK);
    int embed[4] = {16, 32, 40, 64}, heads[4] = {1, 2, 5, 8}, depth[4] = {1, 2, 1, 1};
    for (int i = 0; i < 4; i++) { c.embed_dim[i] = embed[i]; c.heads[i] = heads[i]; c.depths[i] = depth[i]; }
    c.n_iter[0] = 2;
    c.n_iter[1] = 3;
    c.projection = pos == ST_POS_NONE ? 0 : 64;
    c.num_classes = 7;
    c.attn = attn;
    c.refine = refine;
    c.pos = pos;
    c.ffn = ffn;
    c.stem = stem;
    return c;
}

/* The plan's own invariants, walked here independently of st_plan_check. */
static void check_invariants(const st_plan *p) {
    assert_int_equal(st_plan_check(p), ST_OK);
    unsigned char *written = calloc(p->nbufs, 1);
    written[ST_BUF_INPUT] = 1;
    for (int b = 0; b < p->nbufs; b++) written[b] |= p->bufs[b].persistent;
    for (int i = 0; i < p->n; i++) {
        const st_node *n = &p->nodes[i];
        assert_true(n->nio > 0 || n->op == ST_OP_CAPTURE); /* capture without attention: geometry only */
        for (int k = 0; k < n->nio; k++) {
            int b = n->io[k].buf;
            assert_true(b >= 0 && b < p->nbufs);
            assert_true(p->bufs[b].external || (p->bufs[b].first <= i && i <= p->bufs[b].last));
            if (n->io[k].mode & ST_IO_READ) assert_true(written[b]);
        }
        for (int k = 0; k < n->nio; k++)
            if (n->io[k].mode & ST_IO_WRITE) written[n->io[k].buf] = 1;
        /* a compute node's names are unique (taps name tensors, not nodes) */
        for (int j = 0; j < i && n->op != ST_OP_TAP; j++) assert_string_not_equal(p->nodes[j].name, n->name);
    }
    /* live at once -> disjoint memory, pairwise */
    for (int a = 2; a < p->nbufs; a++)
        for (int b = a + 1; b < p->nbufs; b++) {
            const st_buffer *x = &p->bufs[a], *y = &p->bufs[b];
            if (x->first < 0 || y->first < 0 || x->last < y->first || y->last < x->first) continue;
            assert_true(x->offset + x->floats <= y->offset || y->offset + y->floats <= x->offset);
        }
    /* sharing can only shrink the workspace, and never below what one node needs live */
    assert_true(p->floats <= p->floats_unshared);
    for (int i = 0; i < p->n; i++) {
        size_t live = 0;
        for (int b = 2; b < p->nbufs; b++)
            if (p->bufs[b].first >= 0 && p->bufs[b].first <= i && i <= p->bufs[b].last) live += p->bufs[b].floats;
        assert_true(live <= p->floats);
    }
    free(written);
}

/* Every learned tensor stands behind exactly one node; their sizes add up to the
 * model's parameter count. */
static void check_weights(const st_model *m) {
    int64_t params = 0;
    for (int d = 0; d < m->ndecls; d++) {
        int uses = 0;
        for (int i = 0; i < m->plan.n; i++)
            for (int k = 0; k < m->plan.nodes[i].nweights; k++) uses += m->plan.nodes[i].weights[k] == (void *)m->decls[d].slot;
        if (m->decls[d].learned) {
            assert_int_equal(uses, 1);
            params += m->decls[d].numel;
        }
    }
    assert_true(params == m->params);
}

static int has_tap(const st_plan *p, const char *name) {
    for (int i = 0; i < p->n; i++)
        if (p->nodes[i].op == ST_OP_TAP && !strcmp(p->nodes[i].name, name)) return 1;
    return 0;
}

/* Every attention kind x refine x position x FFN x stem, plain and folded, with and
 * without attention capture: the invariants hold and the FLOPs equal st_count's. */
static void test_invariants_every_switch(void **state) {
    int checked = 0;
    for (int attn = 0; attn < 3; attn++)
        for (int refine = 0; refine < 3; refine++)
            for (int pos = 0; pos < 4; pos++) {
                st_config c = small(attn, refine, pos, (attn + pos) % 3, (refine + pos) % 2);
                for (int fold = 0; fold < 2; fold++) {
                    st_model *m;
                    assert_int_equal(st_model_create(&m, &c, NULL, 1, fold ? &kn_backend_simd : &kn_backend_naive),
                                     ST_OK);
                    assert_int_equal(m->fold_bn, fold);
                    for (unsigned cap = 0; cap <= ST_CAPTURE_ATTN; cap += ST_CAPTURE_ATTN) {
                        assert_int_equal(st_model_plan(m, 2, 72, 88, cap), ST_OK);
                        check_invariants(&m->plan);
                        check_weights(m);
                        assert_true(has_tap(&m->plan, "stem") && has_tap(&m->plan, "stage1.block1.attn") &&
                                    has_tap(&m->plan, "stage3") && has_tap(&m->plan, "logits"));
                        int captures = 0;
                        for (int i = 0; i < m->plan.n; i++) captures += m->plan.nodes[i].op == ST_OP_CAPTURE;
                        assert_int_equal(captures, cap ? 5 : 0);
                        checked++;
                    }
                    /* FLOPs per image summed over the nodes: the counter's total, folded or not */
                    assert_int_equal(st_model_plan(m, 1, 72, 88, 0), ST_OK);
                    int64_t sum = 0;
                    for (int i = 0; i < m->plan.n; i++)
                        for (int k = 0; k < ST_NODE_COUNTS && m->plan.nodes[i].count_op[k]; k++)
                            sum += m->plan.nodes[i].count_flops[k];
                    st_counts k;
                    assert_int_equal(st_count(&c, 72, 88, &k), ST_OK);
                    assert_true(sum == k.flops);
                    st_model_free(m);
                }
            }
    print_message("  %d plans checked\n", checked);
}

/* STViT-S at 224: sharing by lifetime makes the workspace smaller than the sum. */
static void test_sharing_shrinks_workspace(void **state) {
    st_counts k;
    st_config c;
    assert_int_equal(st_config_named("S", &c), ST_OK);
    assert_int_equal(st_count(&c, 224, 224, &k), ST_OK);
    print_message("  S 224: %d nodes, %d buffers, %.1f MiB apart, %.1f MiB shared\n", k.nodes, k.buffers,
                  k.work_bytes_unshared / 1048576.0, k.work_bytes / 1048576.0);
    assert_true(k.nodes > 100);
    assert_true(k.work_bytes > 0 && 2 * k.work_bytes < k.work_bytes_unshared);
}

/* Golden logits with every buffer poisoned before its first writer, on every backend:
 * a read before write or a buffer shared while live would turn them into NaN. */
static void test_poisoned_buffers_keep_golden(void **state) {
    size_t n_in, n_logits;
    float *in = tu_load_tensor(GOLDEN_IO, "input", &n_in), *ref = tu_load_tensor(GOLDEN_IO, "logits", &n_logits);
    assert_non_null(in);
    assert_non_null(ref);
    float *plain = malloc(sizeof(float) * n_logits), *poisoned = malloc(sizeof(float) * n_logits);
    for (int i = 0; i < kn_backend_count(); i++) {
        const kn_backend *be = kn_backend_at(i);
        char why[160];
        if (!kn_backend_runs(be, why, sizeof why)) continue;
        st_model *m;
        assert_int_equal(st_model_create(&m, NULL, GOLDEN_W, 0, be), ST_OK);
        assert_int_equal(st_model_plan(m, 2, 96, 96, ST_CAPTURE_ATTN), ST_OK);
        assert_int_equal(st_model_forward(m, in, plain), ST_OK);
        st_model_set_poison(m, 1);
        assert_int_equal(st_model_forward(m, in, poisoned), ST_OK);
        if (memcmp(plain, poisoned, sizeof(float) * n_logits)) print_message("  %s: poisoned run differs\n", be->name);
        assert_memory_equal(plain, poisoned, sizeof(float) * n_logits);
        assert_true(tu_rel_l2(poisoned, ref, n_logits) <= hx_match_tolerance(be, st_model_config(m)));
        st_model_free(m);
    }
    free(in);
    free(ref);
    free(plain);
    free(poisoned);
}

/* ---- the trace ------------------------------------------------------------------ */

static double number(const js_value *obj, const char *key) {
    const js_value *v = js_get(obj, key);
    assert_non_null(v);
    assert_int_equal(v->type, JS_NUMBER);
    return v->number;
}
static const char *string(const js_value *obj, const char *key) {
    const js_value *v = js_get(obj, key);
    assert_non_null(v);
    assert_int_equal(v->type, JS_STRING);
    return v->string;
}

/* Planning for another input size prepares the weights again when that size's token
 * counts differ from the ones their layouts were chosen for (a conv1x1 on few tokens is
 * packed token-major: stage 3 has 49 tokens at the configuration's 224, 144 at 384):
 * the logits at each size match the naive backend's, and back at 224 they are the same
 * bits as the first time. */
static void test_replan_prepares_for_new_size(void **state) {
    st_config c = small(ST_ATTN_STA, ST_REFINE_ATTN, ST_POS_CPE, ST_FFN_DW_RESIDUAL, ST_STEM_CONV4);
    st_model *m, *ref;
    assert_int_equal(st_model_create(&m, &c, NULL, 1, &kn_backend_simd), ST_OK);
    assert_int_equal(st_model_create(&ref, &c, NULL, 1, &kn_backend_naive), ST_OK);
    static const int sizes[] = {224, 384, 224};
    float first[7];
    for (int k = 0; k < 3; k++) {
        int r = sizes[k];
        assert_int_equal(st_model_plan(m, 1, r, r, 0), ST_OK);
        assert_int_equal(st_model_plan(ref, 1, r, r, 0), ST_OK);
        assert_int_equal(m->prep_geo.in_h, r); /* the layouts follow the plan's size */
        float *in = malloc(sizeof(float) * 3 * r * r), got[7], want[7];
        tu_fill_random(in, (size_t)3 * r * r, 11);
        assert_int_equal(st_model_forward(m, in, got), ST_OK);
        assert_int_equal(st_model_forward(ref, in, want), ST_OK);
        if (!(tu_rel_l2(got, want, 7) < TOL)) fail_msg("%dx%d: rel L2 %.3g against naive", r, r, tu_rel_l2(got, want, 7));
        if (k == 0) memcpy(first, got, sizeof first);
        if (k == 2) assert_memory_equal(first, got, sizeof first);
        free(in);
    }
    st_model_free(m);
    st_model_free(ref);
}

/* One profiled pass of the golden model written as a trace: a JSON object whose
 * traceEvents are one "X" complete event per node (name, cat, ts, dur, pid, tid),
 * in node order, not overlapping, after a process_name metadata event. */
static void test_trace_is_trace_event_json(void **state) {
    assert_int_equal(tu_tmpdir_create("plan"), 0);
    const char *path = tu_tmp_path("pass.trace.json");
    st_model *m;
    assert_int_equal(st_model_create(&m, NULL, GOLDEN_W, 0, &kn_backend_naive), ST_OK);
    assert_int_equal(st_model_plan(m, 1, 96, 96, 0), ST_OK);
    size_t n_in;
    float *in = tu_load_tensor(GOLDEN_IO, "input", &n_in), logits[10];
    hx_node_profile np;
    st_hooks hooks;
    assert_int_equal(hx_node_profile_start(&np, m, NULL, &hooks), ST_OK);
    st_model_set_hooks(m, &hooks);
    assert_int_equal(st_model_forward(m, in, logits), ST_OK);
    assert_int_equal(np.passes, 1);
    hx_trace *t;
    assert_int_equal(hx_trace_open(&t, path), ST_OK);
    assert_int_equal(hx_trace_add(t, &np, 3, "golden \"tiny\" pass"), ST_OK);
    assert_int_equal(hx_trace_close(t), ST_OK);

    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    char *text = malloc(len + 1);
    assert_int_equal(fread(text, 1, len, f), (size_t)len);
    fclose(f);
    js_value doc;
    assert_int_equal(js_parse(text, len, &doc), ST_OK);
    assert_int_equal(doc.type, JS_OBJECT);
    const js_value *ev = js_get(&doc, "traceEvents");
    assert_non_null(ev);
    assert_int_equal(ev->type, JS_ARRAY);
    int nodes = st_model_node_count(m), complete = 0;
    assert_int_equal(ev->count, nodes + 1);
    assert_string_equal(string(&ev->items[0], "ph"), "M");
    assert_string_equal(string(&ev->items[0], "name"), "process_name");
    double end = 0;
    for (int i = 1; i < ev->count; i++) {
        const js_value *e = &ev->items[i];
        assert_int_equal(e->type, JS_OBJECT);
        assert_string_equal(string(e, "ph"), "X");
        assert_string_equal(string(e, "name"), st_model_node(m, i - 1)->name);
        assert_string_equal(string(e, "cat"), st_model_node(m, i - 1)->op);
        double ts = number(e, "ts"), dur = number(e, "dur");
        assert_true(ts >= end - 1e-3 && dur >= 0); /* microseconds, one after another */
        end = ts + dur;
        assert_true(number(e, "pid") == 3 && number(e, "tid") == 1);
        complete++;
    }
    assert_int_equal(complete, nodes);
    js_free(&doc);
    free(text);
    free(in);
    st_model_set_hooks(m, NULL);
    hx_node_profile_free(&np);
    st_model_free(m);
    tu_tmpdir_remove();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invariants_every_switch),
        cmocka_unit_test(test_sharing_shrinks_workspace),
        cmocka_unit_test(test_poisoned_buffers_keep_golden),
        cmocka_unit_test(test_trace_is_trace_event_json),
        cmocka_unit_test(test_replan_prepares_for_new_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
