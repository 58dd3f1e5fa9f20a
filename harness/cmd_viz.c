/* stvit viz: the paper's super token pictures (Figure 4) and attention maps (Figure 2)
 * drawn from the running network. The network runs three times per image, with the
 * same weights: as configured (super token attention), with global attention and
 * with window attention (cfg.window, 7); then DeiT-S and Swin-T run with their own
 * weights (--weights-deit / --weights-swin, seeded otherwise) for Figure 2's columns of
 * their third block; its attention capture hook (ST_CAPTURE_ATTN) is recorded
 * by viz/attn_record.h and drawn by viz/figure.h. Writes PNGs and index.html. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "harness/commands.h"
#include "harness/image.h"
#include "harness/model_opts.h"
#include "harness/threads.h"
#include "variants/geometry.h"
#include "variants/st_error.h"
#include "viz/attention_map.h"
#include "viz/attn_record.h"
#include "viz/figure.h"
#include "viz/html.h"
#include "viz/montage.h"
#include "viz/png.h"
#include "viz/token_grid.h"

#define MAX_IMAGES 16
#define MAX_ANCHORS (HX_LIST_MAX / 2)
#define NKINDS 5
#define BASELINE_BLOCK 2 /* the baselines' maps are of their third block, as the paper's Figure 2 */

/* The rows of the comparison, in the montage's order: the network with each attention
 * kind (same weights), then the baselines DeiT-S and Swin-T (their own weights). */
static const st_attn_kind kinds[NKINDS] = {ST_ATTN_STA, ST_ATTN_GLOBAL, ST_ATTN_WINDOW, ST_ATTN_GLOBAL, ST_ATTN_WINDOW};
static const char *const kind_names[NKINDS] = {"sta", "global", "window", "deit-s", "swin-t"};
static int is_baseline(int k) { return k >= 3; }

typedef struct {
    const char *path;
    char name[64];        /* file name stem, unique among the images */
    unsigned char *rgb;   /* [res][res][3] the eval crop the model sees */
    float *input;         /* [3][res][res] the model's input */
} viz_image;

typedef struct {
    hx_model_opts mo;
    st_config cfg;        /* from the options; .attn is set per run */
    int res;
    const char *out;
    int nimages, nanchors, nlayers;
    int quiet;                   /* no progress lines on stderr */
    viz_image img[MAX_IMAGES];
    int anchor[MAX_ANCHORS][2];  /* y, x in input pixels */
    int layer[HX_LIST_MAX];      /* block indices */
    const char *weights_deit, *weights_swin; /* the baselines' weights (NULL: seeded) */
    int kind_heads[NKINDS];      /* heads of the block each kind draws */
    char kind_skip[NKINDS][160]; /* why a baseline is not drawn at this size ("" if it is) */
    unsigned char **tiles;       /* [layer][anchor][kind][image] head-mean tiles, [res][res][3] */
    float (*range)[2];           /* [layer][anchor][kind][image] smallest non-zero and largest value */
} viz_run;

static size_t tile_index(const viz_run *v, int l, int a, int k, int i) {
    return (((size_t)l * v->nanchors + a) * NKINDS + k) * v->nimages + i;
}

/* The stage of block `index` (counting through the network); *block gets its number
 * within the stage. */
static int block_stage(const st_config *cfg, int index, int *block) {
    int stage = 0;
    while (stage < ST_STAGES - 1 && index >= cfg->depths[stage]) index -= cfg->depths[stage++];
    *block = index;
    return stage;
}

/* "stageK.blockJ" of block `index`. */
static void block_name(const st_config *cfg, int index, char *buf, size_t cap) {
    int block, stage = block_stage(cfg, index, &block);
    snprintf(buf, cap, "stage%d.block%d", stage, block);
}

/* ---- file names: one place, used both to write the files and to list them ---- */

static void strip_file(const viz_run *v, int i, int index, char *buf, size_t cap) {
    char blk[32];
    block_name(&v->cfg, index, blk, sizeof blk);
    snprintf(buf, cap, "%s_supertokens_%s.png", v->img[i].name, blk);
}

/* head -1: the mean over heads */
static void tile_file(const viz_run *v, int i, int l, int a, int k, int head, char *buf, size_t cap) {
    char blk[32], h[16] = "";
    block_name(&v->cfg, v->layer[l], blk, sizeof blk);
    if (head >= 0) snprintf(h, sizeof h, "_head%d", head);
    snprintf(buf, cap, "%s_attn_%s_anchor%d_%s%s.png", v->img[i].name, blk, a, kind_names[k], h);
}

static void montage_file(const viz_run *v, int l, int a, char *buf, size_t cap) {
    char blk[32];
    block_name(&v->cfg, v->layer[l], blk, sizeof blk);
    snprintf(buf, cap, "attention_%s_anchor%d.png", blk, a);
}

static int write_png(const viz_run *v, const char *file, const unsigned char *rgb, int w, int h) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", v->out, file);
    return vz_png_write(path, rgb, w, h);
}

/* ---- one run of the network per attention kind ----------------------------- */

/* The anchor's token in a grid of th x tw tokens of `stride` pixels. */
static void anchor_token(const viz_run *v, int a, int th, int tw, int stride, int *ty, int *tx) {
    int t = vz_token_of_pixel(v->anchor[a][1], v->anchor[a][0], tw, th, stride);
    *ty = t / tw;
    *tx = t % tw;
}

/* The smallest non-zero and the largest value of map[n]: how far from uniform it is. */
static void map_range(const float *map, int n, float range[2]) {
    range[0] = range[1] = 0;
    for (int j = 0; j < n; j++) {
        if (map[j] > 0 && (range[0] == 0 || map[j] < range[0])) range[0] = map[j];
        if (map[j] > range[1]) range[1] = map[j];
    }
}

/* The attention tiles of block l of image i (recorded in rec) for every anchor: the
 * head mean kept for the montage, and one file per head when there are several. */
static int draw_attention(viz_run *v, const vz_recorder *rec, int i, int l, int k) {
    int index = is_baseline(k) ? BASELINE_BLOCK : v->layer[l];
    const vz_attn_block *b = vz_recorder_find(rec, index);
    if (!b || !b->attn) /* e.g. a refine that is not attention */
        return st_fail(ST_ERR_ARG, "block %d: the network recorded no attention there", index);
    /* the baselines' tokens: DeiT's patches of 16, Swin's stage grid */
    int r = v->res, stride = is_baseline(k) ? r / b->h0 : vz_token_stride(b->stage), rc = ST_OK;
    v->kind_heads[k] = b->heads;
    float *map = malloc(sizeof(float) * b->h0 * b->w0); /* [h0][w0] */
    if (!map) return st_fail(ST_ERR_NOMEM, "out of memory");
    for (int a = 0; !rc && a < v->nanchors; a++) {
        int ty, tx;
        anchor_token(v, a, b->h0, b->w0, stride, &ty, &tx);
        for (int head = -1; !rc && head < (b->heads > 1 ? b->heads : 0); head++) {
            unsigned char *tile = malloc((size_t)r * r * 3), **slot = &v->tiles[tile_index(v, l, a, k, i)];
            char file[256];
            tile_file(v, i, l, a, k, head, file, sizeof file);
            if (!tile) rc = st_fail(ST_ERR_NOMEM, "out of memory");
            if (!rc) rc = vz_token_map(b, head, ty, tx, map);
            if (!rc) rc = vz_figure_attention(v->img[i].rgb, r, r, map, b->w0, b->h0, stride, tx, ty, tile);
            if (!rc) rc = write_png(v, file, tile, r, r);
            if (!rc && head < 0) {
                free(*slot);
                *slot = tile;
                tile = NULL;
                map_range(map, b->h0 * b->w0, v->range[tile_index(v, l, a, k, i)]);
            }
            free(tile);
        }
    }
    free(map);
    return rc;
}

/* Figure 4 strips of every STA block of image i. */
static int draw_supertokens(viz_run *v, const vz_recorder *rec, int i) {
    for (int j = 0; j < rec->n; j++) {
        const vz_attn_block *b = &rec->blocks[j];
        if (b->kind != ST_ATTN_STA) continue;
        unsigned char *strip;
        int w, h, rc;
        char file[256];
        strip_file(v, i, b->index, file, sizeof file);
        if ((rc = vz_figure_supertokens(v->img[i].rgb, v->res, v->res, b, &strip, &w, &h))) return rc;
        rc = write_png(v, file, strip, w, h);
        free(strip);
        if (rc) return rc;
    }
    return ST_OK;
}

/* A baseline that cannot run at this size gets blank panels, and the caption says why. */
static int skip_baseline(viz_run *v, int k) {
    snprintf(v->kind_skip[k], sizeof v->kind_skip[k], "%s", st_last_error());
    for (size_t t = 0; t < (size_t)v->nlayers * v->nanchors * v->nimages; t++) {
        int l = (int)(t / ((size_t)v->nanchors * v->nimages)), a = (int)(t / v->nimages % v->nanchors);
        unsigned char **slot = &v->tiles[tile_index(v, l, a, k, (int)(t % v->nimages))];
        if (!(*slot = malloc((size_t)v->res * v->res * 3))) return st_fail(ST_ERR_NOMEM, "out of memory");
        memset(*slot, 255, (size_t)v->res * v->res * 3);
    }
    if (!v->quiet) fprintf(stderr, "stvit viz: %s not drawn: %s\n", kind_names[k], v->kind_skip[k]);
    return ST_OK;
}

static int run_kind(viz_run *v, int k) {
    st_config cfg = v->cfg;
    cfg.attn = kinds[k];
    const char *weights = v->mo.weights;
    if (is_baseline(k)) {
        st_config_baseline(kind_names[k], &cfg);
        weights = k == 3 ? v->weights_deit : v->weights_swin;
        if (!weights) cfg.pos_h = cfg.pos_w = v->res; /* seeded DeiT: its table made for this size */
        st_geometry g;
        if (st_geometry_make(&cfg, v->res, v->res, &g)) return skip_baseline(v, k);
    }
    const kn_backend *be;
    st_model *m = NULL;
    vz_recorder rec;
    float *logits = malloc(sizeof(float) * cfg.num_classes);
    int rc = logits ? hx_backend_pick(v->mo.backend, &be) : st_fail(ST_ERR_NOMEM, "out of memory");
    if (rc) { free(logits); return rc; }
    kn_set_threads(hx_threads_for(be, hx_threads_pick(v->mo.threads)));
    st_model_allow_nonfinite(v->mo.allow_nonfinite);
    /* weights by name, so the seeded ones are the same whatever cfg.attn is */
    if ((rc = st_model_create(&m, &cfg, weights, (uint64_t)v->mo.seed, be)) ||
        (rc = st_model_plan(m, 1, v->res, v->res, ST_CAPTURE_ATTN))) {
        st_model_free(m);
        free(logits);
        return rc;
    }
    vz_recorder_init(&rec, st_model_config(m), 0);
    rec.keep_assoc = kinds[k] == ST_ATTN_STA && !is_baseline(k);
    for (int l = 0; !rc && l < v->nlayers; l++) rc = vz_recorder_keep(&rec, is_baseline(k) ? BASELINE_BLOCK : v->layer[l]);
    st_model_set_hooks(m, &(st_hooks){.attention = vz_record_attention, .ud = &rec});
    for (int i = 0; !rc && i < v->nimages; i++) {
        if (!v->quiet) fprintf(stderr, "stvit viz: %s attention, %s\n", kind_names[k], v->img[i].path);
        vz_recorder_clear(&rec);
        if ((rc = st_model_forward(m, v->img[i].input, logits)) || (rc = rec.rc)) break;
        if (kinds[k] == ST_ATTN_STA && !is_baseline(k)) rc = draw_supertokens(v, &rec, i);
        for (int l = 0; !rc && l < v->nlayers; l++) rc = draw_attention(v, &rec, i, l, k);
    }
    vz_recorder_free(&rec);
    st_model_free(m);
    free(logits);
    return rc;
}

static int write_montages(viz_run *v) {
    for (int l = 0; l < v->nlayers; l++)
        for (int a = 0; a < v->nanchors; a++) {
            unsigned char *img;
            int w, h;
            char file[256];
            montage_file(v, l, a, file, sizeof file);
            const unsigned char *const *tiles = (const unsigned char *const *)&v->tiles[tile_index(v, l, a, 0, 0)];
            int rc = vz_montage(tiles, v->res, v->res, NKINDS, v->nimages, VZ_PANEL_MARGIN, 255, &img, &w, &h);
            if (!rc) rc = write_png(v, file, img, w, h);
            free(img);
            if (rc) return rc;
        }
    return ST_OK;
}

/* ---- index.html -------------------------------------------------------------- */

/* What row k of the comparison shows for a block whose own attention is stage_kind. */
static const char *kind_title(st_attn_kind stage_kind, int k) {
    if (k == 3) return "DeiT-S, its third block: token-to-token attention over the patch tokens (class token left out)";
    if (k == 4) return "Swin-T, its third block (stage1.block0, unshifted): 7x7 window attention";
    if (kinds[k] == ST_ATTN_GLOBAL) return "global attention over all tokens";
    if (kinds[k] == ST_ATTN_WINDOW) return "window attention (zero outside the anchor's window)";
    return stage_kind == ST_ATTN_STA ? "super token attention, W = Q . Attn(S) . (Q diag(1/Z))^T"
                                     : "this stage's own attention (stoken size 1: plain global attention)";
}

static int write_index(const viz_run *v, int argc, char **argv) {
    char path[4096], text[2048], file[256], blk[32];
    st_geometry g;
    int rc = st_geometry_make(&v->cfg, v->res, v->res, &g);
    vz_html *h;
    snprintf(path, sizeof path, "%s/index.html", v->out);
    if (rc || (rc = vz_html_begin(&h, path, "STViT super tokens and attention maps"))) return rc;

    int n = snprintf(text, sizeof text, "Made by: stvit");
    for (int i = 0; i < argc && n < (int)sizeof text; i++) n += snprintf(text + n, sizeof text - n, " %s", argv[i]);
    vz_html_text(h, text);
    const kn_backend *be = kn_backend_default();
    hx_backend_pick(v->mo.backend, &be); /* already resolved once by the runs */
    snprintf(text, sizeof text, "Network: %s at %dx%d; weights: %s; backend: %s. Baselines: DeiT-S weights %s, "
             "Swin-T weights %s.", v->cfg.name, v->res, v->res, v->mo.weights ? v->mo.weights : "seeded random",
             be->name, v->weights_deit ? v->weights_deit : "seeded random",
             v->weights_swin ? v->weights_swin : "seeded random");
    vz_html_text(h, text);
    if (!v->mo.weights) {
        snprintf(text, sizeof text,
                 "No --weights were given: the weights are random (seed %ld), not trained. The pictures show what "
                 "an untrained network computes. The super token assignment still follows the picture's content, "
                 "because the association is a similarity of (randomly projected) features. The attention maps "
                 "carry no learned meaning: untrained attention is close to uniform (see the max/min ratios in "
                 "the captions), so maps normalised to their maximum are mostly bright and their remaining "
                 "pattern is weak. Window attention is still confined to the anchor's window.",
                 v->mo.seed);
        vz_html_text(h, text);
    }
    vz_html_text(h, "Every picture is drawn over the eval crop the network sees (resize to res/0.875, centre "
                    "crop). Token maps are enlarged with nearest neighbour: a token of stage i covers 4*2^i pixels.");

    vz_html_heading(h, "Super tokens (Figure 4)");
    snprintf(text, sizeof text,
             "Per block with super token attention: (a) the input; (b) the initial super tokens: each pixel "
             "coloured by the grid cell its token starts in (%.0f%% colour over the picture); (c) the learned super "
             "tokens: each pixel coloured by the super token its token is most associated with (argmax of its "
             "association over the 9 super tokens around its cell; same colour per super token as in (b)); (d) the "
             "boundaries of (c).",
             100 * VZ_REGION_ALPHA);
    vz_html_text(h, text);
    for (int i = 0; i < v->nimages; i++)
        for (int s = 0; s < ST_STAGES; s++) {
            if (g.s[s].kind != ST_ATTN_STA) continue;
            for (int j = 0; j < v->cfg.depths[s]; j++) {
                int index = vz_block_index(v->cfg.depths, s, j);
                strip_file(v, i, index, file, sizeof file);
                snprintf(text, sizeof text,
                         "%s, stage%d.block%d (block %d): %dx%d tokens of %dx%d pixels, %dx%d super tokens of "
                         "%dx%d tokens.",
                         v->img[i].name, s, j, index, g.s[s].h, g.s[s].w, vz_token_stride(s), vz_token_stride(s),
                         g.s[s].hh, g.s[s].ww, g.s[s].sh, g.s[s].sw);
                vz_html_figure(h, file, 4 * v->res + 5 * VZ_PANEL_MARGIN, text);
            }
        }

    vz_html_heading(h, "Attention maps (Figure 2)");
    snprintf(text, sizeof text,
             "The anchor token (red box) attending to every token: viridis, normalised to each map's maximum, "
             "%.0f%% over the picture; the mean over heads. The same weights run three times: with super token "
             "attention, with global attention and with %dx%d window attention.",
             100 * VZ_HEAT_ALPHA, v->cfg.window, v->cfg.window);
    vz_html_text(h, text);
    char columns[MAX_IMAGES * 66] = "";
    for (int i = 0; i < v->nimages; i++) {
        strcat(columns, i ? ", " : "");
        strcat(columns, v->img[i].name);
    }
    for (int l = 0; l < v->nlayers; l++)
        for (int a = 0; a < v->nanchors; a++) {
            int j, s = block_stage(&v->cfg, v->layer[l], &j);
            block_name(&v->cfg, v->layer[l], blk, sizeof blk);
            montage_file(v, l, a, file, sizeof file);
            snprintf(text, sizeof text, "%s (block %d), anchor at pixel (y %d, x %d). Columns: %s. Rows: %s; %s; %s; "
                     "%s%s%s; %s%s%s.", blk, v->layer[l], v->anchor[a][0], v->anchor[a][1], columns,
                     kind_title(g.s[s].kind, 0), kind_title(g.s[s].kind, 1), kind_title(g.s[s].kind, 2),
                     kind_title(g.s[s].kind, 3), v->kind_skip[3][0] ? ": not drawn, " : "", v->kind_skip[3],
                     kind_title(g.s[s].kind, 4), v->kind_skip[4][0] ? ": not drawn, " : "", v->kind_skip[4]);
            vz_html_figure(h, file, v->nimages * v->res + (v->nimages + 1) * VZ_PANEL_MARGIN, text);
        }

    vz_html_heading(h, "Attention maps per image, kind and head");
    for (int i = 0; i < v->nimages; i++)
        for (int l = 0; l < v->nlayers; l++)
            for (int a = 0; a < v->nanchors; a++)
                for (int k = 0; k < NKINDS; k++) {
                    if (v->kind_skip[k][0]) continue;
                    int j, s = block_stage(&v->cfg, v->layer[l], &j), heads = is_baseline(k) ? v->kind_heads[k] : v->cfg.heads[s];
                    block_name(&v->cfg, v->layer[l], blk, sizeof blk);
                    for (int head = -1; head < (heads > 1 ? heads : 0); head++) {
                        tile_file(v, i, l, a, k, head, file, sizeof file);
                        char which[96] = "";
                        const float *range = v->range[tile_index(v, l, a, k, i)];
                        if (head >= 0) snprintf(which, sizeof which, "head %d", head);
                        else snprintf(which, sizeof which, "%s; values %.3g to %.3g (max/min %.2f)",
                                      heads == 1 ? "one head" : "mean over heads", range[0], range[1],
                                      range[0] > 0 ? range[1] / range[0] : 0.0);
                        snprintf(text, sizeof text, "%s, %s, anchor (y %d, x %d): %s; %s.", v->img[i].name, blk,
                                 v->anchor[a][0], v->anchor[a][1], kind_title(g.s[s].kind, k), which);
                        vz_html_figure(h, file, v->res, text);
                    }
                }
    return vz_html_end(h);
}

/* ---- options and inputs ------------------------------------------------------ */

/* Puts "prefix: " before the last error message. */
static int with_prefix(int rc, const char *prefix) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", st_last_error());
    return st_fail(rc, "%s: %s", prefix, msg);
}

/* The file name stem of path (no folder, no extension), made file-name safe. */
static void image_name(const char *path, char *buf, size_t cap) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = 0;
    for (const char *c = base; *c && *c != '.' && n + 1 < cap; c++) {
        int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
                 *c == '_';
        buf[n++] = ok ? *c : '_';
    }
    buf[n] = 0;
    if (!n) snprintf(buf, cap, "image");
}

static int load_images(viz_run *v, const char **paths) {
    size_t per = (size_t)v->res * v->res;
    for (int i = 0; i < v->nimages; i++) {
        viz_image *im = &v->img[i];
        hx_image src;
        im->path = paths[i];
        image_name(paths[i], im->name, sizeof im->name - 8);
        for (int j = 0; j < i; j++)
            if (!strcmp(v->img[j].name, im->name)) {
                snprintf(im->name + strlen(im->name), 8, "-%d", i);
                break;
            }
        im->rgb = malloc(per * 3);
        im->input = malloc(sizeof(float) * per * 3);
        if (!im->rgb || !im->input) return st_fail(ST_ERR_NOMEM, "out of memory");
        int rc = hx_image_load(paths[i], &src); /* its messages name the file */
        if (rc) return rc;
        if (!(rc = hx_eval_crop_rgb(&src, v->res, v->res, im->rgb)))
            rc = hx_preprocess(&src, v->res, v->res, im->input);
        hx_image_free(&src);
        if (rc) return with_prefix(rc, paths[i]);
    }
    return ST_OK;
}

/* mkdir -p */
static int make_dirs(const char *dir) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) return st_fail(ST_ERR_ARG, "%s: path too long", dir);
    for (char *p = buf + 1;; p++) {
        if (*p && *p != '/') continue;
        char c = *p;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST) return st_fail(ST_ERR_IO, "%s: cannot create the folder", buf);
        if (!(*p = c)) return ST_OK;
    }
}

static int setup(viz_run *v, const hx_int_list *anchors, const hx_str_list *layers) {
    int rc = hx_model_config(&v->mo, &v->cfg);
    if (rc) return rc;
    if (v->cfg.net != ST_NET_STVIT) /* its pictures are of super tokens and STViT's own attention kinds */
        return st_fail(ST_ERR_ARG, "viz draws STViT networks; '%s' is not one (the DeiT-S / Swin-T columns of "
                       "Figure 2 are not drawn yet)", v->cfg.name);
    if (anchors->n % 2) return st_fail(ST_ERR_ARG, "--anchor: give pairs Y,X (got %d numbers)", anchors->n);
    v->nanchors = anchors->n / 2;
    for (int a = 0; a < v->nanchors; a++) {
        v->anchor[a][0] = (int)anchors->v[2 * a];
        v->anchor[a][1] = (int)anchors->v[2 * a + 1];
        if (v->anchor[a][0] >= v->res || v->anchor[a][1] >= v->res)
            return st_fail(ST_ERR_ARG, "--anchor: (%d, %d) is outside the %dx%d input", v->anchor[a][0],
                           v->anchor[a][1], v->res, v->res);
    }
    if (!v->nanchors) { /* the centre and the two quarter points of the diagonal */
        static const int at[3][2] = {{2, 2}, {1, 1}, {3, 3}};
        v->nanchors = 3;
        for (int a = 0; a < 3; a++) v->anchor[a][0] = v->anchor[a][1] = v->res * at[a][0] / 4;
    }
    v->nlayers = layers->n ? layers->n : 1;
    for (int l = 0; l < v->nlayers; l++) {
        if (!layers->n) { /* the third block, or the last one of a smaller network */
            int total = 0;
            for (int s = 0; s < ST_STAGES; s++) total += v->cfg.depths[s];
            v->layer[l] = total > 2 ? 2 : total - 1;
        } else if ((rc = vz_parse_block(v->cfg.depths, layers->v[l], &v->layer[l]))) {
            return with_prefix(rc, "--layers");
        }
    }
    size_t ntiles = (size_t)v->nlayers * v->nanchors * NKINDS * v->nimages;
    v->tiles = calloc(ntiles, sizeof *v->tiles);
    v->range = calloc(ntiles, sizeof *v->range);
    return v->tiles && v->range ? ST_OK : st_fail(ST_ERR_NOMEM, "out of memory");
}

int hx_cmd_viz(int argc, char **argv) {
    viz_run v = {.out = "results/viz"};
    long res = 224;
    hx_int_list anchors = {0};
    hx_str_list layers = {0};
    const char *paths[MAX_IMAGES];
    const hx_option opts[] = {
        {"--res", HX_OPT_INT, &res, ST_MIN_INPUT, 2048, "N", "input side after preprocessing (default 224)"},
        {"--out", HX_OPT_STRING, &v.out, 0, 0, "DIR", "output folder (default results/viz)"},
        {"--anchor", HX_OPT_INTS, &anchors, 0, ST_MAX_INPUT, "Y,X[,Y,X...]",
         "anchor tokens in input pixels (default: centre and quarter points)"},
        {"--layers", HX_OPT_STRINGS, &layers, 0, 0, "LIST",
         "blocks for the attention maps: indices or stageK.blockJ (default 2)"},
        {"--weights-deit", HX_OPT_STRING, &v.weights_deit, 0, 0, "FILE",
         "DeiT-S weights for its column (timm's names; default seeded)"},
        {"--weights-swin", HX_OPT_STRING, &v.weights_swin, 0, 0, "FILE",
         "Swin-T weights for its column (timm's names; default seeded)"},
        {"--quiet", HX_OPT_FLAG, &v.quiet, 0, 0, NULL, "no progress on stderr"},
        HX_MODEL_OPTIONS(v.mo),
    };
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), paths, MAX_IMAGES, &v.nimages);
    if (!rc && v.mo.attn) rc = st_fail(ST_ERR_ARG, "--attn: viz always draws all three kinds (sta, global, window)");
    if (rc || v.nimages == 0) {
        FILE *f = rc == HX_HELP ? stdout : stderr;
        if (rc && rc != HX_HELP) fprintf(stderr, "stvit viz: %s\n", st_last_error());
        else if (rc != HX_HELP) fprintf(stderr, "stvit viz: no image given\n");
        fprintf(f, "usage: stvit viz IMAGE... [options]\n"
                   "Super token maps (the paper's Figure 4) for every block with super token attention, and\n"
                   "attention maps of anchor tokens (Figure 2) for super token, global and 7x7 window attention\n"
                   "with the same weights, and for the third block of DeiT-S and of Swin-T (their own weights),\n"
                   "drawn from each network's own attention while it runs. Writes PNGs\n"
                   "and an index.html showing them with captions. Up to %d images.\n"
                   "Without --weights the weights are random (seeded): the pictures show an untrained network.\n",
                MAX_IMAGES);
        hx_print_options(f, opts, HX_COUNT(opts));
        return rc == HX_HELP ? 0 : 2;
    }
    v.res = (int)res;
    int status = 1;
    if ((rc = setup(&v, &anchors, &layers)) || (rc = load_images(&v, paths)) || (rc = make_dirs(v.out))) goto done;
    for (int k = 0; k < NKINDS; k++)
        if ((rc = run_kind(&v, k))) goto done;
    if ((rc = write_montages(&v)) || (rc = write_index(&v, argc, argv))) goto done;
    if (!v.quiet) fprintf(stderr, "stvit viz: wrote %s/index.html\n", v.out);
    status = 0;
done:
    if (rc) fprintf(stderr, "stvit viz: %s\n", st_last_error());
    for (int i = 0; i < v.nimages; i++) {
        free(v.img[i].rgb);
        free(v.img[i].input);
    }
    if (v.tiles)
        for (size_t t = 0; t < (size_t)v.nlayers * v.nanchors * NKINDS * v.nimages; t++) free(v.tiles[t]);
    free(v.tiles);
    free(v.range);
    return status;
}
