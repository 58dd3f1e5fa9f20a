/* model_opts.h — the options every model-running command shares (weights, variant,
 * backend, threads, seed, config overrides) and the one function that turns them
 * into a ready model. */
#ifndef HX_MODEL_OPTS_H
#define HX_MODEL_OPTS_H
#include "harness/cli/cli.h"
#include "variants/model.h"

typedef struct {
    const char *weights;     /* safetensors file, or NULL: seeded weights */
    const char *variant;     /* S|B|L when no weights file (default S) */
    const char *backend;     /* NULL: the fastest this CPU supports of `precision` */
    const char *precision;   /* f32 (default) | bf16: the fastest backend of that precision */
    long threads;            /* 0: not given (harness/cli/threads.h picks) */
    long seed;
    int allow_nonfinite;
    hx_int_list n_iter;      /* overrides, empty when not given */
    hx_int_list stoken;
    const char *attn;        /* sta|global|window */
} hx_model_opts;

#define HX_MODEL_OPTIONS(o)                                                                              \
    {"--weights", HX_OPT_STRING, &(o).weights, 0, 0, "FILE", "safetensors weights (config from its metadata)"}, \
    {"--variant", HX_OPT_STRING, &(o).variant, 0, 0, "S|B|L", "variant when no weights are given (default S)"}, \
    {"--backend", HX_OPT_STRING, &(o).backend, 0, 0, "NAME", "kernel backend (stvit backends; default fastest)"}, \
    {"--precision", HX_OPT_STRING, &(o).precision, 0, 0, "f32|bf16", "arithmetic: f32 (default, exact) or bf16 (fastest bf16 backend)"}, \
    {"--threads", HX_OPT_INT, &(o).threads, 0, 1024, "N", "threads (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK or the CPUs allowed)"},                    \
    {"--seed", HX_OPT_INT, &(o).seed, 0, 2147483647, "N", "seed of the random weights (default 0)"},            \
    {"--n-iter", HX_OPT_INTS, &(o).n_iter, 1, 64, "LIST", "association iterations per stage, 1-4 values (the last repeats), e.g. 2,2,1,1"},   \
    {"--stoken", HX_OPT_INTS, &(o).stoken, 1, 256, "LIST", "super token size per stage, 1-4 values (the last repeats), e.g. 4,2,1,1"},       \
    {"--attn", HX_OPT_STRING, &(o).attn, 0, 0, "KIND", "attention kind: sta (default), global or window"},    \
    {"--allow-nonfinite", HX_OPT_FLAG, &(o).allow_nonfinite, 0, 0, NULL, "run weights holding NaN/Inf"}

#define HX_DEFAULT_SEED 0   /* of weights and input, in every command */

/* "stvit CMD: note: no --weights: random weights ..." on stderr, once, when the run
 * uses seeded random weights (classify, eval, viz). */
void hx_note_seeded(const hx_model_opts *o, const char *cmd);
/* Applies variant/weights config and the overrides; sets threads; creates the model. */
int hx_model_open(const hx_model_opts *o, st_model **out);
/* The config the options describe (weights file metadata or variant, with overrides). */
int hx_model_config(const hx_model_opts *o, st_config *cfg);
/* Resolves --backend (NULL: default); ST_ERR_ARG naming the backend if unknown/unsupported. */
int hx_backend_pick(const char *name, const kn_backend **out);
/* Resolves --backend and --precision together: the named backend (which must be of
 * that precision), else the fastest supported one of the precision (default f32). */
int hx_backend_pick_precision(const char *name, const char *precision, const kn_backend **out);
#endif
