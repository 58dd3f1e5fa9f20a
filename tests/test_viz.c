/* test_viz.c — the maths behind the super token and attention map pictures: initial
 * grid labels, the association argmax, STA's token-to-token map against the dense
 * product Q . Attn(S) . (Q diag(1/Z))^T, and maps recorded from the real network
 * (global attention against a direct softmax, STA and window attention). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "harness/cli/model_opts.h"
#include "tests/common/testutil.h"
#include "variants/st_error.h"
#include "viz/attention_map.h"
#include "viz/attn_record.h"
#include "viz/figure.h"
#include "viz/supertoken_map.h"
#include "viz/token_grid.h"

#define GOLDEN_W "tests/data/pub_tiny96.weights.safetensors"
#define GOLDEN_IO "tests/data/pub_tiny96.io.safetensors"

/* ---- helpers ------------------------------------------------------------------ */

/* Sizes of the 4-connected regions of equal colour in rgb [h][w][3]; returns their
 * count, sizes[] gets each one's pixel count. */
static int colour_regions(const unsigned char *rgb, int w, int h, int *sizes, int cap) {
    int n = w * h, count = 0;
    int *seen = calloc(n, sizeof *seen), *stack = malloc(sizeof(int) * n);
    for (int start = 0; start < n; start++) {
        if (seen[start]) continue;
        int top = 0, size = 0;
        stack[top++] = start;
        seen[start] = 1;
        while (top) {
            int p = stack[--top], y = p / w, x = p % w;
            size++;
            const int nb[4][2] = {{y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
            for (int i = 0; i < 4; i++) {
                int ny = nb[i][0], nx = nb[i][1], q = ny * w + nx;
                if (ny < 0 || ny >= h || nx < 0 || nx >= w || seen[q] || memcmp(rgb + 3 * q, rgb + 3 * p, 3)) continue;
                seen[q] = 1;
                stack[top++] = q;
            }
        }
        if (count < cap) sizes[count] = size;
        count++;
    }
    free(seen);
    free(stack);
    return count;
}

/* A softmax over 9 of random logits per pixel, as sta_associate stores it: [9][n],
 * out-of-grid neighbours keep their share (their logit is that of a zero vector). */
static void random_assoc(float *assoc, int n, unsigned seed) {
    tu_fill_random(assoc, (size_t)9 * n, seed);
    for (int p = 0; p < n; p++) {
        double sum = 0;
        for (int k = 0; k < 9; k++) sum += (assoc[k * n + p] = expf(3 * assoc[k * n + p]));
        for (int k = 0; k < 9; k++) assoc[k * n + p] = (float)(assoc[k * n + p] / sum);
    }
}

/* Q [n][m] of an STA block: Q[p][t] = A[k][p] where t is neighbour k of p's cell. */
static double *dense_q(const vz_attn_block *b) {
    int n = b->h * b->w, m = b->hh * b->ww;
    double *q = calloc((size_t)n * m, sizeof *q);
    for (int p = 0; p < n; p++)
        for (int k = 0; k < 9; k++) {
            int t = vz_stoken_neighbour(p / b->w / b->sh, p % b->w / b->sw, k, b->hh, b->ww);
            if (t >= 0) q[(size_t)p * m + t] = b->assoc[k * n + p];
        }
    return q;
}

/* Checks vz_sta_token_map against W = Q . Attn . (Q diag(1/Z))^T formed densely, for
 * every token and every head (and the head mean); returns the largest row sum error
 * over the tokens whose 9 neighbouring super tokens all lie inside the grid. */
static double check_sta_against_dense(const vz_attn_block *b, double tol) {
    int n = b->h * b->w, m = b->hh * b->ww;
    double *q = dense_q(b), *qa = malloc(sizeof(double) * m), worst_sum = 0;
    float *row = malloc(sizeof(float) * n);
    for (int head = -1; head < b->heads; head++)
        for (int p = 0; p < n; p++) {
            assert_int_equal(vz_sta_token_map(b, head, p, row), ST_OK);
            /* qa = Q[p,:] . Attn (head-averaged for -1) */
            for (int u = 0; u < m; u++) {
                double acc = 0;
                for (int h = head < 0 ? 0 : head; h < (head < 0 ? b->heads : head + 1); h++)
                    for (int t = 0; t < m; t++) acc += q[(size_t)p * m + t] * b->attn[((size_t)h * m + t) * m + u];
                qa[u] = acc / (head < 0 ? b->heads : 1);
            }
            double sum = 0;
            for (int r = 0; r < n; r++) {
                double w = 0;
                for (int u = 0; u < m; u++) w += qa[u] * q[(size_t)r * m + u] / b->z[u];
                assert_true(fabs(row[r] - w) <= tol * (fabs(w) + 1e-6));
                sum += row[r];
            }
            int cy = p / b->w / b->sh, cx = p % b->w / b->sw;
            if (cy > 0 && cy < b->hh - 1 && cx > 0 && cx < b->ww - 1) {
                if (fabs(sum - 1) > worst_sum) worst_sum = fabs(sum - 1);
            } else {
                assert_true(sum < 1); /* a border token's association leaks to outside super tokens */
            }
        }
    free(q);
    free(qa);
    free(row);
    return worst_sum;
}

/* ---- labels ----------------------------------------------------------------- */

/* A token grid that is a multiple of the cells: hh*ww colour regions, all the same size,
 * in panel (b) of the real figure (drawn over a uniform grey picture). */
static void test_initial_grid_regions(void **state) {
    const int h0 = 24, w0 = 32, sh = 8, sw = 4, hh = h0 / sh, ww = w0 / sw; /* 3 x 8 super tokens */
    int labels[24 * 32];
    assert_int_equal(vz_stoken_grid_labels(h0, w0, sh, sw, labels), ST_OK);
    int count[3 * 8] = {0};
    for (int i = 0; i < h0 * w0; i++) count[labels[i]]++;
    for (int t = 0; t < hh * ww; t++) assert_int_equal(count[t], sh * sw);

    /* the picture: stage 0 tokens of 4x4 pixels -> 96 x 128, panel (b) of the strip */
    const int stride = vz_token_stride(0), w = w0 * stride, h = h0 * stride;
    unsigned char *rgb = malloc((size_t)w * h * 3), *strip;
    memset(rgb, 128, (size_t)w * h * 3);
    float assoc[9 * 24 * 32];
    for (int i = 0; i < 9 * h0 * w0; i++) assoc[i] = 1.0f / 9;
    vz_attn_block b = {.stage = 0, .kind = ST_ATTN_STA, .heads = 1, .h0 = h0, .w0 = w0, .h = h0, .w = w0,
                       .sh = sh, .sw = sw, .hh = hh, .ww = ww, .assoc = assoc};
    int sw_px, sh_px;
    /* the titled figure holds the four panels side by side, with room for the text */
    assert_int_equal(vz_figure_supertokens(rgb, w, h, 1, &b, "title", &strip, &sw_px, &sh_px), ST_OK);
    assert_true(sw_px >= 4 * w + 5 * VZ_PANEL_MARGIN);
    assert_true(sh_px > h + 2 * VZ_PANEL_MARGIN);
    unsigned char *buf = malloc((size_t)4 * w * h * 3), *panel = buf + (size_t)w * h * 3; /* panel (b) */
    unsigned char *const panels[4] = {buf, panel, buf + (size_t)2 * w * h * 3, buf + (size_t)3 * w * h * 3};
    assert_int_equal(vz_supertoken_panels(rgb, w, h, 1, &b, panels), ST_OK);
    int sizes[64];
    assert_int_equal(colour_regions(panel, w, h, sizes, 64), hh * ww);
    for (int t = 0; t < hh * ww; t++) assert_int_equal(sizes[t], sh * sw * stride * stride);
    free(rgb);
    free(strip);
    free(buf);
}

/* A grid that is not a multiple: the labels still name cells of the padded grid. */
static void test_initial_grid_partial(void **state) {
    int labels[5 * 7];
    assert_int_equal(vz_stoken_grid_labels(5, 7, 2, 3, labels), ST_OK); /* padded 6 x 9: 3 x 3 cells */
    assert_int_equal(labels[0], 0);
    assert_int_equal(labels[6], 2);          /* (0, 6): cell (0, 2) */
    assert_int_equal(labels[4 * 7 + 6], 8);  /* (4, 6): cell (2, 2) */
    assert_int_equal(vz_stoken_grid_labels(0, 7, 2, 3, labels), ST_ERR_ARG);
}

/* The argmax of a hand-built association: 4 x 6 padded grid of 2 x 3 cells (2 x 2 super
 * tokens), cropped to 3 x 5. */
static void test_argmax_assignment(void **state) {
    const int h = 4, w = 6, n = h * w;
    float assoc[9 * 24];
    for (int i = 0; i < 9 * n; i++) assoc[i] = 0.05f;
    /* k = (dy+1)*3 + (dx+1) around the pixel's cell */
    assoc[8 * n + 0] = 0.6f;                 /* (0,0), cell (0,0): k 8 = cell (1,1) -> 3 */
    assoc[0 * n + 1] = 0.9f;                 /* (0,1): k 0 is outside ... */
    assoc[5 * n + 1] = 0.5f;                 /* ... so k 5 = cell (0,1) -> 1 */
    assoc[1 * n + 3 * w + 4] = 0.7f;         /* (3,4), cell (1,1): k 1 = cell (0,1) -> 1 (cropped away) */
    assoc[3 * n + 2 * w + 4] = 0.7f;         /* (2,4), cell (1,1): k 3 = cell (1,0) -> 2 */
    assoc[4 * n + 2 * w + 1] = 0.3f;         /* (2,1), cell (1,0): own cell -> 2 */
    assoc[2 * n + 2 * w + 1] = 0.3f;         /* tie with k 2 = cell (0,1): the lower k wins */
    int labels[3 * 5];
    for (int i = 0; i < 15; i++) labels[i] = -7;
    assert_int_equal(vz_stoken_assign(assoc, h, w, 2, 3, 3, 5, labels), ST_OK);
    assert_int_equal(labels[0], 3);
    assert_int_equal(labels[1], 1);
    assert_int_equal(labels[2 * 5 + 4], 2);
    assert_int_equal(labels[2 * 5 + 1], 1);  /* k 2 < k 4 */
    /* everything else: all 0.05, the first in-grid neighbour in k order */
    assert_int_equal(labels[0 * 5 + 3], 0);  /* (0,3), cell (0,1): k 3 = cell (0,0) */
    assert_int_equal(labels[2 * 5 + 0], 0);  /* (2,0), cell (1,0): k 1 = cell (0,0) */
    assert_int_equal(vz_stoken_assign(assoc, h, w, 2, 4, 3, 5, labels), ST_ERR_ARG); /* 6 % 4 */
    assert_int_equal(vz_stoken_assign(assoc, h, w, 2, 3, 5, 5, labels), ST_ERR_ARG); /* crop too tall */
}

/* ---- STA token-to-token map --------------------------------------------------- */

/* Hand-built: 4 x 4 super tokens of 2 x 3 tokens, 2 heads, random A and Attn. */
static void test_sta_map_equals_dense_product(void **state) {
    const int sh = 2, sw = 3, hh = 4, ww = 4, h = hh * sh, w = ww * sw, n = h * w, m = hh * ww, heads = 2;
    float *assoc = malloc(sizeof(float) * 9 * n), *z = calloc(m, sizeof(float));
    float *attn = malloc(sizeof(float) * heads * m * m);
    random_assoc(assoc, n, 1);
    vz_attn_block b = {.kind = ST_ATTN_STA, .heads = heads, .h0 = h, .w0 = w, .h = h, .w = w, .sh = sh,
                       .sw = sw, .hh = hh, .ww = ww, .assoc = assoc, .z = z, .attn = attn};
    double *q = dense_q(&b); /* Z = the column sums of Q */
    for (int p = 0; p < n; p++)
        for (int t = 0; t < m; t++) z[t] += (float)q[(size_t)p * m + t];
    free(q);
    tu_fill_random(attn, (size_t)heads * m * m, 2);
    for (int r = 0; r < heads * m; r++) { /* each row a softmax */
        double sum = 0;
        for (int u = 0; u < m; u++) sum += (attn[r * m + u] = expf(2 * attn[r * m + u]));
        for (int u = 0; u < m; u++) attn[r * m + u] = (float)(attn[r * m + u] / sum);
    }
    double worst = check_sta_against_dense(&b, 1e-5);
    print_message("  interior rows sum to 1 within %.2g\n", worst);
    assert_true(worst < 1e-5);

    /* the cropped map of a token is the top-left of its padded row */
    float *row = malloc(sizeof(float) * n), map[7 * 10];
    b.h0 = 7, b.w0 = 10;
    assert_int_equal(vz_sta_token_map(&b, -1, 3 * w + 4, row), ST_OK);
    assert_int_equal(vz_token_map(&b, -1, 3, 4, map), ST_OK);
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 10; x++) assert_true(map[y * 10 + x] == row[y * w + x]);
    /* refused: a head or token out of range, no attention recorded */
    assert_int_equal(vz_sta_token_map(&b, 2, 0, row), ST_ERR_ARG);
    assert_int_equal(vz_sta_token_map(&b, 0, n, row), ST_ERR_ARG);
    assert_int_equal(vz_token_map(&b, 0, 7, 0, map), ST_ERR_ARG);
    b.attn = NULL;
    assert_int_equal(vz_sta_token_map(&b, 0, 0, row), ST_ERR_ARG);
    free(row);
    free(assoc);
    free(z);
    free(attn);
}

/* ---- through the real network -------------------------------------------------- */

typedef struct {
    vz_recorder rec;
    float *stage0;   /* [c][h][w] the output of stage 0 (the input of stage 1), image 0 */
    int c, h, w;
} run_ctx;

static void on_attention(void *ud, const st_attn_capture *cap) { vz_record_attention(&((run_ctx *)ud)->rec, cap); }

static void on_tensor(void *ud, const char *name, const float *x, int batch, int c, int h, int w) {
    run_ctx *r = ud;
    if (strcmp(name, "stage0")) return;
    r->stage0 = malloc(sizeof(float) * c * h * w);
    memcpy(r->stage0, x, sizeof(float) * c * h * w);
    r->c = c, r->h = h, r->w = w;
}

/* The golden tiny network (96 x 96) with its attention switched to `attn`, run on the
 * golden input 0 with the blocks `keep` (and every STA association) recorded. */
static st_model *run_golden(const char *attn, const int *keep, int nkeep, run_ctx *r) {
    hx_model_opts o = {.weights = GOLDEN_W, .attn = attn};
    st_config cfg;
    st_model *m;
    size_t count;
    assert_int_equal(hx_model_config(&o, &cfg), ST_OK);
    assert_int_equal(st_model_create(&m, &cfg, GOLDEN_W, 0, kn_backend_find("naive")), ST_OK);
    assert_int_equal(st_model_plan(m, 1, 96, 96, ST_CAPTURE_ATTN), ST_OK);
    float *in = tu_load_tensor(GOLDEN_IO, "input", &count), logits[10];
    assert_non_null(in);
    memset(r, 0, sizeof *r);
    vz_recorder_init(&r->rec, &cfg, 0);
    r->rec.keep_assoc = 1;
    for (int i = 0; i < nkeep; i++) assert_int_equal(vz_recorder_keep(&r->rec, keep[i]), ST_OK);
    st_model_set_hooks(m, &(st_hooks){.attention = on_attention, .tensor = on_tensor, .ud = r});
    assert_int_equal(st_model_forward(m, in, logits), ST_OK);
    assert_int_equal(r->rec.rc, ST_OK);
    free(in);
    return m;
}

/* qkv [3C][n] of stage1.block0 computed here from its input (the recorded stage0
 * output) and the golden weights: x + dwconv3x3(x) (CPE), LayerNorm over channels,
 * the 1x1 qkv conv (head-major channels). *bias gets the qkv bias: the qkv of a zero
 * (padding) token. */
static double *direct_qkv(const run_ctx *r, float **bias) {
    int C = r->c, n = r->h * r->w;
#define W(name) tu_load_tensor(GOLDEN_W, "layers.1.blocks.0." name, NULL)
    float *cw = W("pos_embed.conv.weight"), *cb = W("pos_embed.conv.bias"), *lw = W("norm1.norm.weight"),
          *lb = W("norm1.norm.bias"), *qw = W("attn.stoken_refine.qkv.weight"), *qb = W("attn.stoken_refine.qkv.bias");
#undef W
    assert_true(cw && cb && lw && lb && qw && qb);
    double *x = malloc(sizeof(double) * C * n), *qkv = malloc(sizeof(double) * 3 * C * n);
    for (int c = 0; c < C; c++)
        for (int y = 0; y < r->h; y++)
            for (int xx = 0; xx < r->w; xx++) {
                const float *src = r->stage0 + (size_t)c * n;
                double acc = src[y * r->w + xx] + cb[c];
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = y + dy, xs = xx + dx;
                        if (yy >= 0 && yy < r->h && xs >= 0 && xs < r->w)
                            acc += cw[c * 9 + (dy + 1) * 3 + dx + 1] * src[yy * r->w + xs];
                    }
                x[(size_t)c * n + y * r->w + xx] = acc;
            }
    for (int p = 0; p < n; p++) {
        double mean = 0, var = 0;
        for (int c = 0; c < C; c++) mean += x[(size_t)c * n + p] / C;
        for (int c = 0; c < C; c++) var += (x[(size_t)c * n + p] - mean) * (x[(size_t)c * n + p] - mean) / C;
        for (int c = 0; c < C; c++)
            x[(size_t)c * n + p] = (x[(size_t)c * n + p] - mean) / sqrt(var + 1e-6) * lw[c] + lb[c];
    }
    for (int o = 0; o < 3 * C; o++)
        for (int p = 0; p < n; p++) {
            double acc = qb[o];
            for (int c = 0; c < C; c++) acc += (double)qw[o * C + c] * x[(size_t)c * n + p];
            qkv[(size_t)o * n + p] = acc;
        }
    free(cw), free(cb), free(lw), free(lb), free(qw), free(x);
    *bias = qb;
    return qkv;
}

/* softmax_j(q_p . k_j / sqrt(hd)) of head h over the keys keys[0..nk) (token indices,
 * -1 for a zero padding token whose k is the bias) into out[nk]; returns max - min. */
static double direct_row(const double *qkv, const float *bias, int n, int C, int heads, int h, int p,
                         const int *keys, int nk, double *out) {
    int hd = C / heads;
    const double *q = qkv + (size_t)h * 3 * hd * n, *k = q + (size_t)hd * n;
    const float *kb = bias + (size_t)h * 3 * hd + hd; /* the k part of the bias */
    double mx = -INFINITY, sum = 0, lo = 1, hi = 0;
    for (int j = 0; j < nk; j++) {
        double d = 0;
        for (int e = 0; e < hd; e++) d += q[(size_t)e * n + p] * (keys[j] >= 0 ? k[(size_t)e * n + keys[j]] : kb[e]);
        out[j] = d / sqrt(hd);
        mx = fmax(mx, out[j]);
    }
    for (int j = 0; j < nk; j++) sum += (out[j] = exp(out[j] - mx));
    for (int j = 0; j < nk; j++) {
        out[j] /= sum;
        lo = fmin(lo, out[j]), hi = fmax(hi, out[j]);
    }
    return hi - lo;
}

/* Global attention at stage1.block0 (12 x 12 tokens, 64 channels, 2 heads): the recorded
 * map equals softmax(q.k / sqrt(hd)) computed here from the block's input and weights. */
static void test_global_map_equals_direct_softmax(void **state) {
    const int index = 1; /* stage1.block0 of depths 1,1,2,1 */
    run_ctx r;
    st_model *m = run_golden("global", &index, 1, &r);
    const vz_attn_block *b = vz_recorder_find(&r.rec, index);
    assert_non_null(b);
    assert_non_null(r.stage0);
    assert_int_equal(b->kind, ST_ATTN_GLOBAL);
    int C = r.c, n = r.h * r.w, heads = b->heads;
    assert_int_equal(heads, 2);
    assert_int_equal(b->h0 * b->w0, n);
    float *bias;
    double *qkv = direct_qkv(&r, &bias);

    int *keys = malloc(sizeof(int) * n);
    for (int j = 0; j < n; j++) keys[j] = j;
    float *map = malloc(sizeof(float) * n), *mean_map = malloc(sizeof(float) * n);
    double *direct = malloc(sizeof(double) * heads * n), worst = 0, spread = 0;
    const int anchors[4] = {0, 13, 77, 143};
    for (int a = 0; a < 4; a++) {
        int p = anchors[a];
        for (int h = 0; h < heads; h++) {
            double *row = direct + (size_t)h * n;
            spread = fmax(spread, direct_row(qkv, bias, n, C, heads, h, p, keys, n, row));
            assert_int_equal(vz_token_map(b, h, p / r.w, p % r.w, map), ST_OK);
            for (int j = 0; j < n; j++) worst = fmax(worst, fabs(map[j] - row[j]));
        }
        assert_int_equal(vz_token_map(b, -1, p / r.w, p % r.w, mean_map), ST_OK);
        for (int j = 0; j < n; j++) worst = fmax(worst, fabs(mean_map[j] - (direct[j] + direct[n + j]) / 2));
    }
    print_message("  max |recorded - direct| %.2g, largest spread of a row %.2g\n", worst, spread);
    /* the maps are far from uniform relative to the error: a wrong head, token or
     * layout would be off by about the spread */
    assert_true(worst < 1e-3 * spread);
    free(bias), free(qkv), free(keys), free(map), free(mean_map), free(direct), free(r.stage0);
    vz_recorder_free(&r.rec);
    st_model_free(m);
}

/* STA recorded from the network (stage0.block0: 24 x 24 tokens, 3 x 3 super tokens of
 * 8 x 8): Z is the column sums of the recorded association, and the map equals the
 * dense product; the centre cell's rows sum to 1. */
static void test_sta_map_from_network(void **state) {
    const int index = 0;
    run_ctx r;
    st_model *m = run_golden("sta", &index, 1, &r);
    const vz_attn_block *b = vz_recorder_find(&r.rec, index);
    assert_non_null(b);
    assert_int_equal(b->kind, ST_ATTN_STA);
    assert_int_equal(b->hh * b->ww, 9);
    int n = b->h * b->w, m_tok = b->hh * b->ww;
    double *q = dense_q(b);
    for (int t = 0; t < m_tok; t++) {
        double zt = 0;
        for (int p = 0; p < n; p++) zt += q[(size_t)p * m_tok + t];
        assert_true(fabs(zt - b->z[t]) <= 1e-4 * zt);
    }
    free(q);
    double worst = check_sta_against_dense(b, 1e-4);
    assert_true(worst < 1e-4);
    /* every STA block was recorded for the super token pictures: stage0.block0, stage1.block0 */
    assert_int_equal(r.rec.n, 2);
    assert_non_null(vz_recorder_find(&r.rec, 1));
    assert_null(vz_recorder_find(&r.rec, 1)->attn); /* not kept: association only */
    free(r.stage0);
    vz_recorder_free(&r.rec);
    st_model_free(m);
}

/* 7 x 7 windows on stage 1's 12 x 12 tokens (padded to 14 x 14): the map is zero
 * outside the anchor's window and inside it equals the softmax over the window's 49
 * tokens computed here (padding tokens are zero vectors and take part). */
static void test_window_map_from_network(void **state) {
    const int index = 1;
    run_ctx r;
    st_model *m = run_golden("window", &index, 1, &r);
    const vz_attn_block *b = vz_recorder_find(&r.rec, index);
    assert_non_null(b);
    assert_int_equal(b->kind, ST_ATTN_WINDOW);
    assert_int_equal(b->window, 7);
    assert_int_equal(b->h0 * b->w0, 144);
    float *bias, map[144];
    double *qkv = direct_qkv(&r, &bias), row[49], worst = 0, spread = 0;
    const int anchors[3][2] = {{3, 5}, {9, 2}, {11, 11}}; /* windows (0,0) full, (1,0) and (1,1) cut */
    for (int a = 0; a < 3; a++) {
        int ty = anchors[a][0], tx = anchors[a][1], wy = ty / 7, wx = tx / 7, keys[49];
        for (int j = 0; j < 49; j++) {
            int y = wy * 7 + j / 7, x = wx * 7 + j % 7;
            keys[j] = y < 12 && x < 12 ? y * 12 + x : -1;
        }
        for (int head = 0; head < b->heads; head++) {
            spread = fmax(spread, direct_row(qkv, bias, 144, r.c, b->heads, head, ty * 12 + tx, keys, 49, row));
            assert_int_equal(vz_token_map(b, head, ty, tx, map), ST_OK);
            double inside = 0;
            for (int j = 0; j < 49; j++)
                if (keys[j] >= 0) {
                    worst = fmax(worst, fabs(map[keys[j]] - row[j]));
                    inside += map[keys[j]];
                }
            for (int t = 0; t < 144; t++)
                if ((t / 12) / 7 != wy || (t % 12) / 7 != wx) assert_true(map[t] == 0);
            if (wy == 0 && wx == 0) assert_true(fabs(inside - 1) < 1e-5);
            else assert_true(inside < 1); /* the padding tokens' share is not drawn */
        }
    }
    print_message("  max |recorded - direct| %.2g, largest spread of a row %.2g\n", worst, spread);
    assert_true(worst < 1e-3 * spread);
    free(bias), free(qkv), free(r.stage0);
    vz_recorder_free(&r.rec);
    st_model_free(m);
}

/* ---- block names, enlargement ---------------------------------------------------- */

/* A DeiT capture (token 0 the class token) is recorded as a GLOBAL block over the patch
 * grid: the class token's row and column left out; a shifted Swin window is refused. */
static void test_class_token_and_shift_capture(void **state) {
    st_config cfg;
    assert_int_equal(st_config_baseline("deit-s", &cfg), ST_OK);
    enum { H = 2, W = 3, M = H * W + 1, HEADS = 2 };
    float probs[HEADS][M][M];
    for (int h = 0; h < HEADS; h++)
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++) probs[h][i][j] = (float)(100 * h + 10 * i + j);
    vz_recorder rec;
    vz_recorder_init(&rec, &cfg, 0);
    assert_int_equal(vz_recorder_keep(&rec, 2), ST_OK);
    st_attn_capture cap = {.stage = 0, .block = 2, .kind = ST_ATTN_GLOBAL, .batch = 1, .c = 8, .heads = HEADS,
                           .h0 = H, .w0 = W, .h = H, .w = W, .sh = 1, .sw = 1, .hh = 1, .ww = M, .cls = 1,
                           .attn = &probs[0][0][0]};
    vz_record_attention(&rec, &cap);
    assert_int_equal(rec.rc, ST_OK);
    const vz_attn_block *b = vz_recorder_find(&rec, 2);
    assert_non_null(b);
    assert_int_equal(b->kind, ST_ATTN_GLOBAL);
    assert_int_equal(b->hh * b->ww, H * W);
    float map[H * W];
    assert_int_equal(vz_token_map(b, 1, 1, 2, map), ST_OK); /* head 1, patch token 5 = token 6 */
    for (int j = 0; j < H * W; j++) assert_float_equal(map[j], probs[1][6][1 + j], 0);
    cap.cls = 0, cap.kind = ST_ATTN_WINDOW, cap.window = 1, cap.shift_h = 1; /* shifted windows: not drawn */
    vz_record_attention(&rec, &cap);
    assert_int_equal(rec.rc, ST_ERR_ARG);
    vz_recorder_free(&rec);
}

static void test_block_names(void **state) {
    const int depths[4] = {3, 5, 9, 3};
    int index;
    assert_int_equal(vz_parse_block(depths, "2", &index), ST_OK);
    assert_int_equal(index, 2);
    assert_int_equal(vz_parse_block(depths, "stage1.block0", &index), ST_OK);
    assert_int_equal(index, 3);
    assert_int_equal(vz_parse_block(depths, "stage3.block2", &index), ST_OK);
    assert_int_equal(index, 19);
    assert_int_equal(vz_parse_block(depths, "20", &index), ST_ERR_ARG);
    assert_int_equal(vz_parse_block(depths, "stage1.block5", &index), ST_ERR_ARG);
    assert_int_equal(vz_parse_block(depths, "-1", &index), ST_ERR_ARG);
    assert_int_equal(vz_parse_block(depths, "stage1", &index), ST_ERR_ARG);
    assert_int_equal(vz_parse_block(depths, "", &index), ST_ERR_ARG);
    assert_int_equal(vz_block_index(depths, 2, 0), 8);
    assert_int_equal(vz_block_index(depths, 4, 0), -1);
}

/* Tokens enlarge to stride x stride blocks; an input side that is not a multiple
 * leaves the last token covering the rest. */
static void test_tokens_to_pixels(void **state) {
    const int tokens[2 * 3] = {0, 1, 2, 3, 4, 5}; /* 3 wide, 2 high */
    int pixels[9 * 13];                            /* 13 wide, 9 high */
    assert_int_equal(vz_tokens_to_pixels_int(tokens, 3, 2, 4, pixels, 13, 9), ST_OK);
    for (int y = 0; y < 9; y++)
        for (int x = 0; x < 13; x++) {
            int ty = y / 4 < 2 ? y / 4 : 1, tx = x / 4 < 3 ? x / 4 : 2;
            assert_int_equal(pixels[y * 13 + x], tokens[ty * 3 + tx]);
        }
    assert_int_equal(vz_tokens_to_pixels_int(tokens, 3, 2, 0, pixels, 13, 9), ST_ERR_ARG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_grid_regions),
        cmocka_unit_test(test_initial_grid_partial),
        cmocka_unit_test(test_argmax_assignment),
        cmocka_unit_test(test_sta_map_equals_dense_product),
        cmocka_unit_test(test_global_map_equals_direct_softmax),
        cmocka_unit_test(test_sta_map_from_network),
        cmocka_unit_test(test_window_map_from_network),
        cmocka_unit_test(test_class_token_and_shift_capture),
        cmocka_unit_test(test_block_names),
        cmocka_unit_test(test_tokens_to_pixels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
