/* profile.h — time per kernel slot and per network part, by wrapping a backend's
 * op table: each wrapper calls the real op between two clock reads and adds the
 * time to [slot][scope], the scope being the part of the network the model last
 * announced through st_hooks.scope ("stem", "stage0".."stage3", "head").
 *
 * kn_ops slots take no context pointer, so the wrappers find the real table and the
 * accumulators in file-level state: one profile runs at a time per process. Ops are
 * assumed to be called from one thread (they may parallelise inside). */
#ifndef HX_PROFILE_H
#define HX_PROFILE_H
#include <stdio.h>
#include "harness/results.h"
#include "kernels/kernels.h"
#include "variants/model.h"

/* The timed slots of kn_ops, in kernels.h's order (attention_scratch is a query
 * and is passed through untimed). */
enum {
    HX_PROF_GEMM, HX_PROF_POINTWISE, HX_PROF_CONV, HX_PROF_DWCONV, HX_PROF_LAYERNORM,
    HX_PROF_BATCHNORM, HX_PROF_AFFINE, HX_PROF_ACTIVATION, HX_PROF_SCALE_ADD,
    HX_PROF_AVGPOOL, HX_PROF_LINEAR, HX_PROF_STA_POOL, HX_PROF_STA_ASSOCIATE,
    HX_PROF_STA_AGGREGATE, HX_PROF_STA_UPSAMPLE, HX_PROF_ATTENTION, HX_PROF_PAD, HX_PROF_CROP,
    HX_PROF_WINDOW_GATHER, HX_PROF_WINDOW_SCATTER, HX_PROF_COPY, HX_PROF_SPACE_TO_DEPTH,
    HX_PROF_TOKENS_EMBED,
    HX_PROF_SLOTS
};
/* Parts: the model's scopes, then "other" for time outside any known scope. */
enum { HX_PROF_STEM, HX_PROF_STAGE0, HX_PROF_HEAD = HX_PROF_STAGE0 + 4, HX_PROF_OTHER,
       HX_PROF_SCOPES };

extern const char *const hx_prof_slot_names[HX_PROF_SLOTS];   /* "pointwise", ... */
extern const char *const hx_prof_slot_labels[HX_PROF_SLOTS];  /* "conv 1x1", ... */
extern const char *const hx_prof_scope_names[HX_PROF_SCOPES]; /* "stem", ..., "other" */

typedef struct {
    double seconds[HX_PROF_SLOTS][HX_PROF_SCOPES];
    long calls[HX_PROF_SLOTS];
    int scope;          /* current scope */
    int forwards;       /* forward passes profiled (set by the caller) */
    double wall;        /* their total wall time in seconds (set by the caller) */
} hx_profile;

/* Clears p and makes it the active profile: *wrapped gets the timing wrappers of
 * real's slots (NULL slots stay NULL), *hooks a scope hook. Install both with
 * st_model_set_ops / st_model_set_hooks. real must stay valid until hx_profile_stop. */
void hx_profile_start(hx_profile *p, const kn_ops *real, kn_ops *wrapped, st_hooks *hooks);
void hx_profile_stop(void);

/* ms per image of one slot (all scopes) or one scope (all slots); images = forwards x batch. */
double hx_profile_slot_ms(const hx_profile *p, int slot, int images);
double hx_profile_scope_ms(const hx_profile *p, int scope, int images);

/* A table of ms per image: one line per slot that ran, one column per scope, and
 * the time outside any op (model glue) from p->wall. */
void hx_profile_print(FILE *f, const hx_profile *p, int batch, const char *title);
/* Row columns: prof_<slot>_ms for every slot, prof_glue_ms, prof_total_ms and
 * prof_scope_<scope>_ms, all per image. */
int hx_profile_to_row(const hx_profile *p, int batch, hx_row *row);
/* The same columns, missing (for rows of points that failed). */
int hx_profile_missing_row(hx_row *row);
#endif
