/* profile.c — timing wrappers around a backend's op table (see profile.h). */
#include <string.h>
#include "harness/profile.h"
#include "harness/timer.h"
#include "variants/st_error.h"

/* A new kn_ops slot needs a wrapper here (attention_scratch is the untimed one). */
_Static_assert(KN_OPS_SLOTS == HX_PROF_SLOTS + 1, "kn_ops changed: update profile.c");

const char *const hx_prof_slot_names[HX_PROF_SLOTS] = {
    "gemm", "pointwise", "conv", "dwconv", "layernorm", "batchnorm", "affine", "activation",
    "scale_add", "avgpool", "linear", "sta_pool", "sta_associate", "sta_aggregate",
    "sta_upsample", "attention", "pad", "crop", "window_gather", "window_scatter", "copy",
    "space_to_depth", "tokens_embed",
};
const char *const hx_prof_slot_labels[HX_PROF_SLOTS] = {
    "gemm", "conv 1x1", "conv kxk", "depthwise conv", "LayerNorm", "BatchNorm",
    "BatchNorm (folded)", "activation", "residual add", "average pool", "linear",
    "STA pool", "STA association", "STA aggregation", "STA upsampling", "attention",
    "pad", "crop", "window gather", "window scatter", "copy", "patch merging gather",
    "class token + position table",
};
const char *const hx_prof_scope_names[HX_PROF_SCOPES] = {
    "stem", "stage0", "stage1", "stage2", "stage3", "head", "other",
};

static kn_ops real;          /* the wrapped backend's table */
static hx_profile *active;   /* where the wrappers add their time */

#define TIMED(slot, call)                                          \
    do {                                                           \
        double t0_ = hx_now();                                     \
        call;                                                      \
        active->seconds[slot][active->scope] += hx_now() - t0_;    \
        active->calls[slot]++;                                     \
    } while (0)

static void w_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                   const float *B, int ldb, float beta, float *C, int ldc) {
    TIMED(HX_PROF_GEMM, real.gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc));
}
static void w_pointwise(const kn_pointwise_args *a) { TIMED(HX_PROF_POINTWISE, real.pointwise(a)); }
static void w_conv(const kn_conv_args *a) { TIMED(HX_PROF_CONV, real.conv(a)); }
static void w_dwconv(const kn_dwconv_args *a) { TIMED(HX_PROF_DWCONV, real.dwconv(a)); }
static void w_layernorm(int batch, int c, int n, const float *x, const float *gamma,
                        const float *beta, float eps, float *y) {
    TIMED(HX_PROF_LAYERNORM, real.layernorm(batch, c, n, x, gamma, beta, eps, y));
}
static void w_batchnorm(int batch, int c, int n, const float *x, const float *mean,
                        const float *var, const float *gamma, const float *beta, float eps,
                        kn_act act, float *y) {
    TIMED(HX_PROF_BATCHNORM, real.batchnorm(batch, c, n, x, mean, var, gamma, beta, eps, act, y));
}
static void w_affine(int batch, int c, int n, const float *x, const float *scale,
                     const float *shift, kn_act act, float *y) {
    TIMED(HX_PROF_AFFINE, real.affine(batch, c, n, x, scale, shift, act, y));
}
static void w_activation(size_t count, kn_act act, const float *x, float *y) {
    TIMED(HX_PROF_ACTIVATION, real.activation(count, act, x, y));
}
static void w_scale_add(int batch, int c, int n, const float *x, const float *gamma, float *y) {
    TIMED(HX_PROF_SCALE_ADD, real.scale_add(batch, c, n, x, gamma, y));
}
static void w_avgpool(int batch, int c, int n, const float *x, float *y) {
    TIMED(HX_PROF_AVGPOOL, real.avgpool(batch, c, n, x, y));
}
static void w_linear(int batch, int in, int out, const float *x, const float *w,
                     const float *bias, float *y) {
    TIMED(HX_PROF_LINEAR, real.linear(batch, in, out, x, w, bias, y));
}
static void w_sta_pool(const kn_sta_shape *g, const float *x, float *s) {
    TIMED(HX_PROF_STA_POOL, real.sta_pool(g, x, s));
}
static void w_sta_associate(const kn_sta_shape *g, const float *x, const float *s, float scale,
                            float *a) {
    TIMED(HX_PROF_STA_ASSOCIATE, real.sta_associate(g, x, s, scale, a));
}
static void w_sta_aggregate(const kn_sta_shape *g, const float *x, const float *a, float *s,
                            float *z) {
    TIMED(HX_PROF_STA_AGGREGATE, real.sta_aggregate(g, x, a, s, z));
}
static void w_sta_upsample(const kn_sta_shape *g, const float *a, const float *s, float *y) {
    TIMED(HX_PROF_STA_UPSAMPLE, real.sta_upsample(g, a, s, y));
}
static void w_attention(const kn_attention_args *a) { TIMED(HX_PROF_ATTENTION, real.attention(a)); }
static void w_pad(const kn_layout_args *a) { TIMED(HX_PROF_PAD, real.pad(a)); }
static void w_crop(const kn_layout_args *a) { TIMED(HX_PROF_CROP, real.crop(a)); }
static void w_window_gather(const kn_layout_args *a) { TIMED(HX_PROF_WINDOW_GATHER, real.window_gather(a)); }
static void w_window_scatter(const kn_layout_args *a) { TIMED(HX_PROF_WINDOW_SCATTER, real.window_scatter(a)); }
static void w_copy(const kn_layout_args *a) { TIMED(HX_PROF_COPY, real.copy(a)); }
static void w_space_to_depth(const kn_layout_args *a) { TIMED(HX_PROF_SPACE_TO_DEPTH, real.space_to_depth(a)); }
static void w_tokens_embed(int batch, int c, int n, const float *x, const float *cls, const float *pos, float *y) {
    TIMED(HX_PROF_TOKENS_EMBED, real.tokens_embed(batch, c, n, x, cls, pos, y));
}

static void on_scope(void *ud, const char *part) {
    hx_profile *p = ud;
    p->scope = HX_PROF_OTHER;
    for (int s = 0; s < HX_PROF_OTHER; s++)
        if (!strcmp(part, hx_prof_scope_names[s])) p->scope = s;
}

void hx_profile_start(hx_profile *p, const kn_ops *ops, kn_ops *wrapped, st_hooks *hooks) {
    memset(p, 0, sizeof *p);
    p->scope = HX_PROF_OTHER;
    real = *ops;
    active = p;
    *wrapped = real;   /* attention_scratch and any NULL slot pass through */
#define WRAP(slot) wrapped->slot = real.slot ? w_##slot : NULL
    WRAP(gemm); WRAP(pointwise); WRAP(conv); WRAP(dwconv); WRAP(layernorm); WRAP(batchnorm);
    WRAP(affine); WRAP(activation); WRAP(scale_add); WRAP(avgpool); WRAP(linear);
    WRAP(sta_pool); WRAP(sta_associate); WRAP(sta_aggregate); WRAP(sta_upsample); WRAP(attention);
    WRAP(pad); WRAP(crop); WRAP(window_gather); WRAP(window_scatter); WRAP(copy);
    WRAP(space_to_depth); WRAP(tokens_embed);
#undef WRAP
    *hooks = (st_hooks){.scope = on_scope, .ud = p};
}

void hx_profile_stop(void) { active = NULL; }

double hx_profile_slot_ms(const hx_profile *p, int slot, int images) {
    double s = 0;
    for (int k = 0; k < HX_PROF_SCOPES; k++) s += p->seconds[slot][k];
    return images > 0 ? 1e3 * s / images : 0;
}

double hx_profile_scope_ms(const hx_profile *p, int scope, int images) {
    double s = 0;
    for (int k = 0; k < HX_PROF_SLOTS; k++) s += p->seconds[k][scope];
    return images > 0 ? 1e3 * s / images : 0;
}

static double ops_ms(const hx_profile *p, int images) {
    double s = 0;
    for (int k = 0; k < HX_PROF_SLOTS; k++) s += hx_profile_slot_ms(p, k, images);
    return s;
}

void hx_profile_print(FILE *f, const hx_profile *p, int batch, const char *title) {
    int images = p->forwards * batch;
    double total = images > 0 ? 1e3 * p->wall / images : 0;
    fprintf(f, "profile: %s — ms per image over %d forward passes\n", title, p->forwards);
    fprintf(f, "%-20s %9s %6s %10s", "op", "ms", "%", "calls/pass");
    for (int s = 0; s < HX_PROF_SCOPES; s++) fprintf(f, " %8s", hx_prof_scope_names[s]);
    fputc('\n', f);
    for (int k = 0; k < HX_PROF_SLOTS; k++) {
        if (!p->calls[k]) continue;
        double ms = hx_profile_slot_ms(p, k, images);
        fprintf(f, "%-20s %9.3f %5.1f%% %10.0f", hx_prof_slot_labels[k], ms,
                total > 0 ? 100 * ms / total : 0, p->forwards ? (double)p->calls[k] / p->forwards : 0);
        for (int s = 0; s < HX_PROF_SCOPES; s++)
            fprintf(f, " %8.3f", images ? 1e3 * p->seconds[k][s] / images : 0);
        fputc('\n', f);
    }
    double glue = total - ops_ms(p, images);
    fprintf(f, "%-20s %9.3f %5.1f%%\n", "outside ops", glue, total > 0 ? 100 * glue / total : 0);
    fprintf(f, "%-20s %9.3f %5.1f%% %10s", "total", total, total > 0 ? 100.0 : 0, "");
    for (int s = 0; s < HX_PROF_SCOPES; s++) fprintf(f, " %8.3f", hx_profile_scope_ms(p, s, images));
    fputc('\n', f);
}

int hx_profile_to_row(const hx_profile *p, int batch, hx_row *row) {
    int images = p->forwards * batch;
    char key[64];
    for (int k = 0; k < HX_PROF_SLOTS; k++) {
        snprintf(key, sizeof key, "prof_%s_ms", hx_prof_slot_names[k]);
        hx_row_num(row, key, hx_profile_slot_ms(p, k, images));
    }
    double total = images > 0 ? 1e3 * p->wall / images : 0;
    hx_row_num(row, "prof_glue_ms", total - ops_ms(p, images));
    hx_row_num(row, "prof_total_ms", total);
    for (int s = 0; s < HX_PROF_SCOPES; s++) {
        snprintf(key, sizeof key, "prof_scope_%s_ms", hx_prof_scope_names[s]);
        hx_row_num(row, key, hx_profile_scope_ms(p, s, images));
    }
    return row->failed ? ST_ERR_NOMEM : ST_OK;
}

int hx_profile_missing_row(hx_row *row) {
    char key[64];
    for (int k = 0; k < HX_PROF_SLOTS; k++) {
        snprintf(key, sizeof key, "prof_%s_ms", hx_prof_slot_names[k]);
        hx_row_missing(row, key);
    }
    hx_row_missing(row, "prof_glue_ms");
    hx_row_missing(row, "prof_total_ms");
    for (int s = 0; s < HX_PROF_SCOPES; s++) {
        snprintf(key, sizeof key, "prof_scope_%s_ms", hx_prof_scope_names[s]);
        hx_row_missing(row, key);
    }
    return row->failed ? ST_ERR_NOMEM : ST_OK;
}
