/* profile.h — time per op and per network part, by wrapping a backend instance's op
 * table: each wrapper (generated from kernels/ops.def) calls the real op between two
 * clock reads and adds the time to [op][scope], the scope being the part of the network
 * the model last announced through st_hooks.scope ("stem", "stage0".."stage3", "head").
 * The wrappers find their profile in ctx->wrap: no file-level state, one profile per
 * instance. Ops are assumed to be called from one thread (they may parallelise inside). */
#ifndef HX_PROFILE_H
#define HX_PROFILE_H
#include <stdio.h>
#include "harness/results/results.h"
#include "kernels/kernels.h"
#include "variants/model.h"

/* The timed slots: every op of the op list, in its order (attention_scratch is a query
 * and passes through untimed). Names and labels are the op list's. */
#define HX_PROF_SLOTS KN_OP_COUNT
#define hx_prof_slot_names kn_op_names   /* "conv1x1", ... */
#define hx_prof_slot_labels kn_op_labels /* "conv 1x1", ... */
/* Parts: the model's scopes, then "other" for time outside any known scope. */
enum { HX_PROF_STEM, HX_PROF_STAGE0, HX_PROF_HEAD = HX_PROF_STAGE0 + 4, HX_PROF_OTHER,
       HX_PROF_SCOPES };

extern const char *const hx_prof_slot_names[HX_PROF_SLOTS];   /* "pointwise", ... */
extern const char *const hx_prof_slot_labels[HX_PROF_SLOTS];  /* "conv 1x1", ... */
extern const char *const hx_prof_scope_names[HX_PROF_SCOPES]; /* "stem", ..., "other" */

typedef struct {
    kn_ctx *ctx;        /* the instance whose ops are wrapped */
    kn_ops real;        /* its table before the wrappers */
    double seconds[HX_PROF_SLOTS][HX_PROF_SCOPES];
    long calls[HX_PROF_SLOTS];
    int scope;          /* current scope */
    int forwards;       /* forward passes profiled (set by the caller) */
    double wall;        /* their total wall time in seconds (set by the caller) */
} hx_profile;

/* Clears p and installs timing wrappers in ctx->ops (NULL slots stay NULL; p in
 * ctx->wrap); *hooks gets a scope hook to install with st_model_set_hooks.
 * hx_profile_stop puts the real table back. p must stay valid until then. */
void hx_profile_start(hx_profile *p, kn_ctx *ctx, st_hooks *hooks);
void hx_profile_stop(hx_profile *p);

/* ms per image of one slot (all scopes) or one scope (all slots); images = forwards x batch. */
double hx_profile_slot_ms(const hx_profile *p, int slot, int images);
double hx_profile_scope_ms(const hx_profile *p, int scope, int images);

/* A table of ms per image: one line per slot that ran, one column per scope, and
 * the time outside any op (model glue) from p->wall. */
void hx_profile_print(FILE *f, const hx_profile *p, int batch, const char *title);
/* Row columns, all ms per image: prof_<slot>_ms_per_img for every slot, prof_glue_ms_per_img,
 * prof_total_ms_per_img, prof_scope_<scope>_ms_per_img and prof_<slot>_at_<scope>_ms_per_img
 * (the op x part table). */
int hx_profile_to_row(const hx_profile *p, int batch, hx_row *row);
/* The same columns, missing (for rows of points that failed). */
int hx_profile_missing_row(hx_row *row);
#endif
