/* config.c — the named configurations (the spec's variant table) and config JSON. */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "variants/config.h"
#include "variants/formats/json.h"
#include "variants/st_closest.h"
#include "variants/st_error.h"

typedef struct {
    const char *name;
    int embed_dim[4], depths[4], heads[4], stoken[4], layerscale[4];
} variant_row;

/* The spec's table "Variants": all share mlp_ratio 4, qkv_bias, projection 1024,
 * n_iter 1, 1000 classes. */
static const variant_row variant_table[] = {
    {"S", {64, 128, 320, 512}, {3, 5, 9, 3}, {1, 2, 5, 8}, {8, 4, 1, 1}, {0, 0, 0, 0}},
    {"B", {96, 192, 384, 512}, {4, 6, 14, 6}, {2, 3, 6, 8}, {8, 4, 1, 1}, {0, 0, 1, 1}},
    {"L", {96, 192, 448, 640}, {4, 7, 19, 8}, {2, 3, 7, 10}, {8, 4, 1, 1}, {0, 0, 1, 1}},
};

static void config_defaults(st_config *c) {
    memset(c, 0, sizeof *c);
    c->init_values = 1e-6f;
    c->projection = 1024;
    c->mlp_ratio = 4;
    c->qkv_bias = 1;
    c->num_classes = 1000;
    c->window = 7;
    c->pos_h = c->pos_w = 224;
    for (int i = 0; i < ST_STAGES; i++) c->n_iter[i] = 1;
}

int st_config_variant(const char *name, st_config *out) {
    for (size_t v = 0; v < sizeof variant_table / sizeof variant_table[0]; v++) {
        const variant_row *r = &variant_table[v];
        if (strcasecmp(name, r->name) != 0) continue;
        config_defaults(out);
        snprintf(out->name, sizeof out->name, "%s", r->name);
        for (int i = 0; i < ST_STAGES; i++) {
            out->embed_dim[i] = r->embed_dim[i];
            out->depths[i] = r->depths[i];
            out->heads[i] = r->heads[i];
            out->stoken[i][0] = out->stoken[i][1] = r->stoken[i];
            out->layerscale[i] = r->layerscale[i];
        }
        return ST_OK;
    }
    return st_fail(ST_ERR_ARG, "unknown variant '%s' (known: S, B, L)", name);
}

int st_config_baseline(const char *name, st_config *out) {
    config_defaults(out);
    out->projection = 0;
    for (int i = 0; i < ST_STAGES; i++) out->stoken[i][0] = out->stoken[i][1] = 1; /* unused */
    if (!strcasecmp(name, "deit-s")) { /* dim 384, depth 12, 6 heads, patch 16, LayerNorm eps 1e-6 */
        snprintf(out->name, sizeof out->name, "deit-s");
        out->net = ST_NET_DEIT;
        out->patch = 16;
        for (int i = 0; i < ST_STAGES; i++) out->embed_dim[i] = 384, out->heads[i] = 6;
        out->depths[0] = 12;
        return ST_OK;
    }
    if (!strcasecmp(name, "swin-t")) { /* dims 96-768, depths 2,2,6,2, window 7 */
        static const int dims[4] = {96, 192, 384, 768}, depths[4] = {2, 2, 6, 2}, heads[4] = {3, 6, 12, 24};
        snprintf(out->name, sizeof out->name, "swin-t");
        out->net = ST_NET_SWIN;
        out->patch = 4;
        for (int i = 0; i < ST_STAGES; i++)
            out->embed_dim[i] = dims[i], out->depths[i] = depths[i], out->heads[i] = heads[i];
        return ST_OK;
    }
    return st_fail(ST_ERR_ARG, "unknown baseline '%s' (known: deit-s, swin-t)", name);
}

int st_config_validate(const st_config *c) {
    for (int i = 0; i < ST_STAGES; i++) {
        if (c->embed_dim[i] < 1 || c->embed_dim[i] > 16384)
            return st_fail(ST_ERR_RANGE, "embed_dim[%d] = %d is outside 1..16384", i, c->embed_dim[i]);
        if (c->depths[i] < 0 || c->depths[i] > 256)
            return st_fail(ST_ERR_RANGE, "depths[%d] = %d is outside 0..256", i, c->depths[i]);
        if (c->heads[i] < 1 || c->embed_dim[i] % c->heads[i] != 0)
            return st_fail(ST_ERR_RANGE, "num_heads[%d] = %d does not divide embed_dim %d", i,
                           c->heads[i], c->embed_dim[i]);
        for (int d = 0; d < 2; d++)
            if (c->stoken[i][d] < 1 || c->stoken[i][d] > 256)
                return st_fail(ST_ERR_RANGE, "stoken_size[%d] = %d is outside 1..256", i, c->stoken[i][d]);
        if (c->n_iter[i] < 1 || c->n_iter[i] > 64)
            return st_fail(ST_ERR_RANGE, "n_iter[%d] = %d is outside 1..64", i, c->n_iter[i]);
        if (c->layerscale[i] != 0 && c->layerscale[i] != 1)
            return st_fail(ST_ERR_RANGE, "layerscale[%d] = %d is not true or false", i, c->layerscale[i]);
    }
    if (c->qkv_bias != 0 && c->qkv_bias != 1)
        return st_fail(ST_ERR_RANGE, "qkv_bias = %d is not true or false", c->qkv_bias);
    if (c->embed_dim[0] % 2 != 0 && c->stem == ST_STEM_CONV4)
        return st_fail(ST_ERR_RANGE, "embed_dim[0] = %d must be even for the conv stem", c->embed_dim[0]);
    if (c->projection < 0 || c->projection > 65536)
        return st_fail(ST_ERR_RANGE, "projection = %d is outside 0..65536", c->projection);
    if (c->mlp_ratio < 1 || c->mlp_ratio > 64)
        return st_fail(ST_ERR_RANGE, "mlp_ratio = %d is outside 1..64", c->mlp_ratio);
    if (c->num_classes < 1 || c->num_classes > 1000000)
        return st_fail(ST_ERR_RANGE, "num_classes = %d is outside 1..1000000", c->num_classes);
    if (c->window < 1 || c->window > 256)
        return st_fail(ST_ERR_RANGE, "window = %d is outside 1..256", c->window);
    if (c->pos_h < 0 || c->pos_w < 0 || c->pos_h > ST_MAX_INPUT || c->pos_w > ST_MAX_INPUT)
        return st_fail(ST_ERR_RANGE, "position table size %dx%d is outside 0..%d", c->pos_h, c->pos_w,
                       ST_MAX_INPUT);
    if ((unsigned)c->stem > ST_STEM_PATCH4 || (unsigned)c->pos > ST_POS_RPE ||
        (unsigned)c->ffn > ST_FFN_PLAIN || (unsigned)c->attn > ST_ATTN_WINDOW ||
        (unsigned)c->refine > ST_REFINE_NONE || (unsigned)c->net > ST_NET_SWIN)
        return st_fail(ST_ERR_RANGE, "configuration switch out of range");
    if (c->net != ST_NET_STVIT && (c->patch < 1 || c->patch > 64))
        return st_fail(ST_ERR_RANGE, "patch = %d is outside 1..64", c->patch);
    if (c->net == ST_NET_SWIN)
        for (int i = 1; i < ST_STAGES; i++)
            if (c->embed_dim[i] != 2 * c->embed_dim[i - 1])
                return st_fail(ST_ERR_RANGE, "swin: embed_dim[%d] = %d is not twice the stage before (patch merging)",
                               i, c->embed_dim[i]);
    return ST_OK;
}

/* ---- JSON ---------------------------------------------------------------- */

/* 1 and *out set if e is a number (or bool) with an integral value in [-1e6, 1e6]. The
 * range is checked first: converting 1e300 to int would be undefined behaviour. */
static int small_int(const js_value *e, int *out) {
    if ((e->type != JS_NUMBER && e->type != JS_BOOL) || !(e->number >= -1e6 && e->number <= 1e6) ||
        e->number != (int)e->number)
        return 0;
    *out = (int)e->number;
    return 1;
}

static int json_int4(const js_value *root, const char *key, const char *source, int out[4], int required) {
    const js_value *v = js_get(root, key);
    if (!v) return required ? st_fail(ST_ERR_FORMAT, "%s: config has no '%s'", source, key) : ST_OK;
    if (v->type == JS_NUMBER) { /* one value for every stage */
        int x;
        if (!small_int(v, &x))
            return st_fail(ST_ERR_FORMAT, "%s: config '%s' = %g is not a sane integer", source, key, v->number);
        for (int i = 0; i < 4; i++) out[i] = x;
        return ST_OK;
    }
    if (v->type != JS_ARRAY || v->count != 4)
        return st_fail(ST_ERR_FORMAT, "%s: config '%s' must be a list of 4 numbers", source, key);
    for (int i = 0; i < 4; i++) {
        const js_value *e = &v->items[i];
        if (e->type == JS_BOOL || e->type == JS_NUMBER) {
            if (!small_int(e, &out[i]))
                return st_fail(ST_ERR_FORMAT, "%s: config '%s'[%d] = %g is not a sane integer", source, key, i,
                               e->number);
        } else if (e->type == JS_ARRAY && e->count == 2 && e->items[0].type == JS_NUMBER) {
            /* [sh, sw]: caller reads both via stoken path */
            if (!small_int(&e->items[0], &out[i]))
                return st_fail(ST_ERR_FORMAT, "%s: config '%s'[%d][0] is not a sane integer", source, key, i);
        } else {
            return st_fail(ST_ERR_FORMAT, "%s: config '%s'[%d] is not a number", source, key, i);
        }
    }
    return ST_OK;
}

static int json_int(const js_value *root, const char *key, const char *source, int *out) {
    const js_value *v = js_get(root, key);
    if (!v) return ST_OK;
    if (v->type != JS_NUMBER && v->type != JS_BOOL)
        return st_fail(ST_ERR_FORMAT, "%s: config '%s' must be a number", source, key);
    if (v->number < -1e9 || v->number > 1e9 || v->number != (long)v->number)
        return st_fail(ST_ERR_FORMAT, "%s: config '%s' = %g is not a sane integer", source, key, v->number);
    *out = (int)v->number;
    return ST_OK;
}

typedef struct { const char *word; int value; } word_value;

static int json_enum(const js_value *root, const char *key, const char *source, const word_value *words,
                     int *out) {
    const js_value *v = js_get(root, key);
    if (!v) return ST_OK;
    if (v->type == JS_STRING)
        for (int i = 0; words[i].word; i++)
            if (!strcmp(v->string, words[i].word)) { *out = words[i].value; return ST_OK; }
    return st_fail(ST_ERR_FORMAT, "%s: config '%s' has an unknown value", source, key);
}

static const word_value stem_words[] = {{"conv", ST_STEM_CONV4}, {"patch", ST_STEM_PATCH4}, {0, 0}};
static const word_value pos_words[] = {{"cpe", ST_POS_CPE}, {"none", ST_POS_NONE}, {"ape", ST_POS_APE},
                                       {"rpe", ST_POS_RPE}, {0, 0}};
static const word_value ffn_words[] = {{"dw_residual", ST_FFN_DW_RESIDUAL}, {"dw_plain", ST_FFN_DW_PLAIN},
                                       {"plain", ST_FFN_PLAIN}, {0, 0}};
static const word_value attn_words[] = {{"sta", ST_ATTN_STA}, {"global", ST_ATTN_GLOBAL},
                                        {"window", ST_ATTN_WINDOW}, {0, 0}};
static const word_value net_words[] = {{"stvit", ST_NET_STVIT}, {"deit", ST_NET_DEIT}, {"swin", ST_NET_SWIN},
                                       {0, 0}};
static const word_value refine_words[] = {{"attention", ST_REFINE_ATTN}, {"conv", ST_REFINE_CONV},
                                          {"none", ST_REFINE_NONE}, {0, 0}};

/* Every key st_config_from_json reads (and st_config_to_json writes). */
static const char *const known_keys[] = {"embed_dim", "depths", "num_heads", "n_iter", "layerscale",
                                         "stoken_size", "projection", "mlp_ratio", "qkv_bias", "num_classes",
                                         "window", "init_values", "pos_size", "stem", "pos", "ffn", "attn",
                                         "refine", "net", "patch", NULL};

/* An unknown key is an error, not a warning: a misspelt "n_iters" would otherwise
 * leave n_iter at its default and give wrong logits without a word. */
static int check_keys(const js_value *root, const char *source) {
    for (int k = 0; k < root->count; k++) {
        const char *key = root->keys[k];
        int known = 0, nkeys = 0;
        for (; known_keys[nkeys]; nkeys++) known |= !strcmp(key, known_keys[nkeys]);
        if (known) continue;
        const char *close = st_closest(key, known_keys, nkeys);
        if (close)
            return st_fail(ST_ERR_FORMAT, "%s: config key '%.64s' is unknown (did you mean '%s'?)", source, key, close);
        char list[256] = "";
        for (int i = 0; known_keys[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", known_keys[i]);
        return st_fail(ST_ERR_FORMAT, "%s: config key '%.64s' is unknown (known: %s)", source, key, list);
    }
    return ST_OK;
}

int st_config_from_json(const char *json, const char *source, st_config *out) {
    js_value root;
    int rc = js_parse(json, strlen(json), &root);
    if (rc) return st_fail(rc, "%s: config metadata: %s", source, st_last_error());
    config_defaults(out);
    snprintf(out->name, sizeof out->name, "file");
    if (root.type != JS_OBJECT) { rc = st_fail(ST_ERR_FORMAT, "%s: config is not a JSON object", source); goto done; }
    if ((rc = check_keys(&root, source))) goto done;
    if ((rc = json_int4(&root, "embed_dim", source, out->embed_dim, 1))) goto done;
    if ((rc = json_int4(&root, "depths", source, out->depths, 1))) goto done;
    if ((rc = json_int4(&root, "num_heads", source, out->heads, 1))) goto done;
    if ((rc = json_int4(&root, "n_iter", source, out->n_iter, 0))) goto done;
    if ((rc = json_int4(&root, "layerscale", source, out->layerscale, 0))) goto done;
    int stoken[4] = {8, 4, 1, 1};
    if ((rc = json_int4(&root, "stoken_size", source, stoken, 0))) goto done;
    const js_value *st = js_get(&root, "stoken_size");
    for (int i = 0; i < 4; i++) {
        out->stoken[i][0] = out->stoken[i][1] = stoken[i];
        if (st && st->type == JS_ARRAY && st->count == 4 && st->items[i].type == JS_ARRAY &&
            st->items[i].count == 2 && !small_int(&st->items[i].items[1], &out->stoken[i][1])) {
            rc = st_fail(ST_ERR_FORMAT, "%s: config 'stoken_size'[%d][1] is not a sane integer", source, i);
            goto done;
        }
    }
    if ((rc = json_int(&root, "projection", source, &out->projection))) goto done;
    if ((rc = json_int(&root, "mlp_ratio", source, &out->mlp_ratio))) goto done;
    if ((rc = json_int(&root, "qkv_bias", source, &out->qkv_bias))) goto done;
    if ((rc = json_int(&root, "num_classes", source, &out->num_classes))) goto done;
    if ((rc = json_int(&root, "window", source, &out->window))) goto done;
    if ((rc = json_int(&root, "patch", source, &out->patch))) goto done;
    const js_value *iv = js_get(&root, "init_values");
    if (iv && iv->type == JS_NUMBER) {
        if (!(fabs(iv->number) <= FLT_MAX)) { /* a float of inf would not even write back as JSON */
            rc = st_fail(ST_ERR_FORMAT, "%s: config 'init_values' = %g does not fit a float", source, iv->number);
            goto done;
        }
        out->init_values = (float)iv->number;
    }
    const js_value *ph = js_get(&root, "pos_size");
    if (ph && ph->type == JS_ARRAY && ph->count == 2 && ph->items[0].type == JS_NUMBER &&
        ph->items[1].type == JS_NUMBER && ph->items[0].number >= 0 && ph->items[0].number <= ST_MAX_INPUT &&
        ph->items[1].number >= 0 && ph->items[1].number <= ST_MAX_INPUT) {
        out->pos_h = (int)ph->items[0].number;
        out->pos_w = (int)ph->items[1].number;
    }
    int e;
    e = out->stem; if ((rc = json_enum(&root, "stem", source, stem_words, &e))) goto done; out->stem = e;
    e = out->pos; if ((rc = json_enum(&root, "pos", source, pos_words, &e))) goto done; out->pos = e;
    e = out->ffn; if ((rc = json_enum(&root, "ffn", source, ffn_words, &e))) goto done; out->ffn = e;
    e = out->attn; if ((rc = json_enum(&root, "attn", source, attn_words, &e))) goto done; out->attn = e;
    e = out->refine; if ((rc = json_enum(&root, "refine", source, refine_words, &e))) goto done; out->refine = e;
    e = out->net; if ((rc = json_enum(&root, "net", source, net_words, &e))) goto done; out->net = e;
    rc = st_config_validate(out);
    if (rc) rc = st_fail(rc, "%s: config: %s", source, st_last_error());
done:
    js_free(&root);
    return rc;
}

static const char *word_of(const word_value *w, int value) {
    for (; w->word; w++)
        if (w->value == value) return w->word;
    return "?";
}

int st_config_to_json(const st_config *c, char *buf, int cap) {
#define L4(a) a[0], a[1], a[2], a[3]
    return snprintf(buf, cap,
                    "{\"embed_dim\": [%d, %d, %d, %d], \"depths\": [%d, %d, %d, %d], "
                    "\"num_heads\": [%d, %d, %d, %d], \"n_iter\": [%d, %d, %d, %d], "
                    "\"stoken_size\": [[%d, %d], [%d, %d], [%d, %d], [%d, %d]], \"projection\": %d, "
                    "\"mlp_ratio\": %d, \"qkv_bias\": %s, \"layerscale\": [%s, %s, %s, %s], "
                    "\"init_values\": %g, \"num_classes\": %d, \"stem\": \"%s\", \"pos\": \"%s\", "
                    "\"ffn\": \"%s\", \"attn\": \"%s\", \"window\": %d, \"refine\": \"%s\", "
                    "\"pos_size\": [%d, %d], \"net\": \"%s\", \"patch\": %d}",
                    L4(c->embed_dim), L4(c->depths), L4(c->heads), L4(c->n_iter), c->stoken[0][0],
                    c->stoken[0][1], c->stoken[1][0], c->stoken[1][1], c->stoken[2][0], c->stoken[2][1],
                    c->stoken[3][0], c->stoken[3][1], c->projection, c->mlp_ratio,
                    c->qkv_bias ? "true" : "false", c->layerscale[0] ? "true" : "false",
                    c->layerscale[1] ? "true" : "false", c->layerscale[2] ? "true" : "false",
                    c->layerscale[3] ? "true" : "false", c->init_values, c->num_classes,
                    word_of(stem_words, c->stem), word_of(pos_words, c->pos), word_of(ffn_words, c->ffn),
                    word_of(attn_words, c->attn), c->window, word_of(refine_words, c->refine), c->pos_h,
                    c->pos_w, word_of(net_words, c->net), c->patch);
#undef L4
}
