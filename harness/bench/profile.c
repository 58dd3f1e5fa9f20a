/* profile.c — timing wrappers around a backend's op table (see profile.h). */
#include <string.h>
#include "harness/bench/profile.h"
#include "harness/bench/timer.h"
#include "variants/st_error.h"

const char *const hx_prof_scope_names[HX_PROF_SCOPES] = {
    "stem", "stage0", "stage1", "stage2", "stage3", "head", "other",
};

/* One timing wrapper per op of the list. */
#define KN_OP(name, label, params, args)                                  \
    static void w_##name(kn_ctx *ctx, KN_ARGS params) {                   \
        hx_profile *p_ = ctx->wrap;                                       \
        double t0_ = hx_now();                                            \
        p_->real.name(ctx, KN_ARGS args);                                 \
        p_->seconds[KN_OP_##name][p_->scope] += hx_now() - t0_;           \
        p_->calls[KN_OP_##name]++;                                        \
    }
#include "kernels/ops.def"
#undef KN_OP

static void on_scope(void *ud, const char *part) {
    hx_profile *p = ud;
    p->scope = HX_PROF_OTHER;
    for (int s = 0; s < HX_PROF_OTHER; s++)
        if (!strcmp(part, hx_prof_scope_names[s])) p->scope = s;
}

void hx_profile_start(hx_profile *p, kn_ctx *ctx, st_hooks *hooks) {
    memset(p, 0, sizeof *p);
    p->scope = HX_PROF_OTHER;
    p->ctx = ctx;
    p->real = ctx->ops;
#define KN_OP(name, label, params, args) ctx->ops.name = p->real.name ? w_##name : NULL;
#include "kernels/ops.def"
#undef KN_OP
    ctx->wrap = p;
    *hooks = (st_hooks){.scope = on_scope, .ud = p};
}

void hx_profile_stop(hx_profile *p) {
    if (!p->ctx) return;
    p->ctx->ops = p->real;
    p->ctx->wrap = NULL;
    p->ctx = NULL;
}

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
        snprintf(key, sizeof key, "prof_%s_ms_per_img", hx_prof_slot_names[k]);
        hx_row_num(row, key, hx_profile_slot_ms(p, k, images));
    }
    double total = images > 0 ? 1e3 * p->wall / images : 0;
    hx_row_num(row, "prof_glue_ms_per_img", total - ops_ms(p, images));
    hx_row_num(row, "prof_total_ms_per_img", total);
    for (int s = 0; s < HX_PROF_SCOPES; s++) {
        snprintf(key, sizeof key, "prof_scope_%s_ms_per_img", hx_prof_scope_names[s]);
        hx_row_num(row, key, hx_profile_scope_ms(p, s, images));
    }
    for (int k = 0; k < HX_PROF_SLOTS; k++) /* the op x part table, for stvit plot's heat map */
        for (int s = 0; s < HX_PROF_SCOPES; s++) {
            snprintf(key, sizeof key, "prof_%s_at_%s_ms_per_img", hx_prof_slot_names[k], hx_prof_scope_names[s]);
            hx_row_num(row, key, images > 0 ? 1e3 * p->seconds[k][s] / images : 0);
        }
    return row->failed ? ST_ERR_NOMEM : ST_OK;
}

int hx_profile_missing_row(hx_row *row) {
    char key[64];
    for (int k = 0; k < HX_PROF_SLOTS; k++) {
        snprintf(key, sizeof key, "prof_%s_ms_per_img", hx_prof_slot_names[k]);
        hx_row_missing(row, key);
    }
    hx_row_missing(row, "prof_glue_ms_per_img");
    hx_row_missing(row, "prof_total_ms_per_img");
    for (int s = 0; s < HX_PROF_SCOPES; s++) {
        snprintf(key, sizeof key, "prof_scope_%s_ms_per_img", hx_prof_scope_names[s]);
        hx_row_missing(row, key);
    }
    for (int k = 0; k < HX_PROF_SLOTS; k++)
        for (int s = 0; s < HX_PROF_SCOPES; s++) {
            snprintf(key, sizeof key, "prof_%s_at_%s_ms_per_img", hx_prof_slot_names[k], hx_prof_scope_names[s]);
            hx_row_missing(row, key);
        }
    return row->failed ? ST_ERR_NOMEM : ST_OK;
}
