#include <stdio.h>
#include <string.h>
#include "harness/cli/model_opts.h"
#include "harness/cli/threads.h"
#include "variants/catalog.h"
#include "variants/formats/safetensors.h"
#include "variants/st_error.h"

int hx_backend_pick(const char *name, const kn_backend **out) {
    if (!name || !*name) { *out = kn_backend_default(); return ST_OK; }
    const kn_backend *b = kn_backend_find(name);
    if (!b) {
        char known[256] = "";
        for (int i = 0; i < kn_backend_count(); i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, kn_backend_at(i)->name, sizeof known - strlen(known) - 1);
        }
        const char *names[32];
        int n = 0;
        for (int i = 0; i < kn_backend_count() && n < 32; i++) names[n++] = kn_backend_at(i)->name;
        char hint[96] = "";
        hx_append_suggestion(hint, sizeof hint, name, names, n);
        return st_fail(ST_ERR_ARG, "unknown backend '%s'%s (known: %s)", name, hint, known);
    }
    char why[160];
    if (!kn_backend_runs(b, why, sizeof why)) return st_fail(ST_ERR_ARG, "backend '%s' does not run here: %s", name, why);
    *out = b;
    return ST_OK;
}

int hx_backend_pick_precision(const char *name, const char *precision, const kn_backend **out) {
    if (precision && strcmp(precision, "f32") && strcmp(precision, "bf16"))
        return st_fail(ST_ERR_ARG, "--precision: '%s' is not f32 or bf16", precision);
    if (name && *name) {
        int rc = hx_backend_pick(name, out);
        if (!rc && precision && strcmp(kn_backend_precision(*out), precision))
            rc = st_fail(ST_ERR_ARG, "backend '%s' computes in %s, not --precision %s", name,
                         kn_backend_precision(*out), precision);
        return rc;
    }
    if (!precision || !strcmp(precision, "f32")) return hx_backend_pick(NULL, out);
    if ((*out = kn_backend_for_precision(precision))) return ST_OK;
    char why[512] = "", one[160];
    for (int i = 0; i < kn_backend_count(); i++) {
        const kn_backend *b = kn_backend_at(i);
        if (b->isa || strcmp(kn_backend_precision(b), precision)) continue;
        kn_backend_runs(b, one, sizeof one);
        snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s: %s", why[0] ? "; " : "", b->name, one);
    }
    return st_fail(ST_ERR_ARG, "no %s backend runs here (%s)", precision, why);
}

/* st_config_named, with a suggestion for a misspelt variant name. */
static int config_named(const char *name, st_config *cfg) {
    int rc = st_config_named(name, cfg);
    if (rc != ST_ERR_ARG) return rc;
    static const char *const names[] = {"S", "B", "L"};
    char hint[96] = "";
    hx_append_suggestion(hint, sizeof hint, name, names, 3);
    if (!hint[0]) return rc;
    return st_fail(rc, "unknown variant '%s'%s (known: %s)", name, hint, st_config_names());
}

void hx_note_seeded(const hx_model_opts *o, const char *cmd) {
    if (o->weights) return;
    fprintf(stderr, "stvit %s: note: no --weights: random weights (variant %s, seed %ld); the output means nothing\n",
            cmd, o->variant ? o->variant : "S", o->seed);
}

int hx_model_config(const hx_model_opts *o, st_config *cfg) {
    int rc;
    if (o->weights) {
        sft_file f;
        if ((rc = sft_open(&f, o->weights))) return rc;
        if (f.config_json) rc = st_config_from_json(f.config_json, o->weights, cfg);
        else if (o->variant) rc = config_named(o->variant, cfg);
        else rc = st_fail(ST_ERR_FORMAT, "%s: no configuration in the metadata; give --variant", o->weights);
        sft_close(&f);
        if (rc) return rc;
    } else if ((rc = config_named(o->variant ? o->variant : "S", cfg))) {
        return rc;
    }
    /* Fewer values than stages: the last one repeats (one value sets every stage). More
     * would be cut without a word, so they are refused. */
    if (o->n_iter.n > ST_STAGES)
        return st_fail(ST_ERR_ARG, "--n-iter: %d values, but the network has %d stages", o->n_iter.n, ST_STAGES);
    if (o->stoken.n > ST_STAGES)
        return st_fail(ST_ERR_ARG, "--stoken: %d values, but the network has %d stages", o->stoken.n, ST_STAGES);
    for (int i = 0; i < ST_STAGES; i++) {
        if (o->n_iter.n) cfg->n_iter[i] = (int)o->n_iter.v[i < o->n_iter.n ? i : o->n_iter.n - 1];
        if (o->stoken.n) cfg->stoken[i][0] = cfg->stoken[i][1] = (int)o->stoken.v[i < o->stoken.n ? i : o->stoken.n - 1];
    }
    if (o->attn) {
        if (!strcmp(o->attn, "sta")) cfg->attn = ST_ATTN_STA;
        else if (!strcmp(o->attn, "global")) cfg->attn = ST_ATTN_GLOBAL;
        else if (!strcmp(o->attn, "window")) cfg->attn = ST_ATTN_WINDOW;
        else return st_fail(ST_ERR_ARG, "--attn: '%s' is not sta, global or window", o->attn);
    }
    return st_config_validate(cfg);
}

int hx_model_open(const hx_model_opts *o, st_model **out) {
    const kn_backend *b = NULL;
    st_config cfg;
    int rc = hx_backend_pick_precision(o->backend, o->precision, &b);
    if (!rc) rc = hx_model_config(o, &cfg);
    if (rc) return rc;
    return st_model_create_with(out, &cfg, o->weights, (uint64_t)o->seed,
                                &(st_model_opts){.backend = b, .threads = hx_threads_for(b, hx_threads_pick(o->threads)),
                                                 .allow_nonfinite = o->allow_nonfinite});
}
