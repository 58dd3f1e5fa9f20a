/* stvit viz: the paper's super token pictures (Figure 4) and attention maps (Figure 2)
 * drawn from the running network. The network runs three times per image, with the
 * same weights: as configured (super token attention), with global attention and
 * with window attention (cfg.window, 7); its attention capture hook (ST_CAPTURE_ATTN) is recorded
 * by viz/attn_record.h and drawn by viz/figure.h. Writes PNGs (and SVGs of the
 * figures), a page STEM.html and index.html gathering every page in the folder; STEM
 * names the images, so runs on other images into the same folder do not collide. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "harness/cli/commands.h"
#include "harness/image/image.h"
#include "harness/cli/model_opts.h"
#include "harness/cli/outputs.h"
#include "harness/cli/threads.h"
#include "variants/geometry.h"
#include "variants/st_error.h"
#include "viz/attention_map.h"
#include "viz/attn_record.h"
#include "viz/figure.h"
#include "viz/html.h"
#include "viz/layout.h"
#include "viz/png.h"
#include "viz/resize.h"
#include "viz/svg.h"
#include "viz/token_grid.h"

#define MAX_IMAGES 16
#define MAX_ANCHORS (HX_LIST_MAX / 2)
#define NKINDS 3

/* The attention kinds of the comparison, in the montage's row order. */
static const st_attn_kind kinds[NKINDS] = {ST_ATTN_STA, ST_ATTN_GLOBAL, ST_ATTN_WINDOW};
static const char *const kind_names[NKINDS] = {"sta", "global", "window"};
/* Row labels of the montages, lettered as panels. */
static const char *const kind_labels[NKINDS] = {"(a) super token\n    attention", "(b) global\n    attention",
                                                "(c) 7x7 window\n    attention"};

typedef struct {
    const char *path;
    char name[64];        /* file name stem, unique among the images */
    unsigned char *rgb;   /* [res][res][3] the eval crop the model sees */
    unsigned char *big;   /* [res*scale][res*scale][3] that crop enlarged for the pictures */
    float *input;         /* [3][res][res] the model's input */
} viz_image;

typedef struct {
    hx_model_opts mo;
    double crop_pct;      /* of the eval preprocessing (0: the reference's for res) */
    st_config cfg;        /* from the options; .attn is set per run */
    int res;
    const char *out;
    char stem[80];        /* the images' names, in every file name of a run */
    vz_heat_style style;  /* normalisation, strength, scale of the attention maps */
    int nimages, nanchors, nlayers;
    int quiet;                   /* no progress lines on stderr */
    viz_image img[MAX_IMAGES];
    int anchor[MAX_ANCHORS][2];  /* y, x in input pixels */
    int layer[HX_LIST_MAX];      /* block indices */
    unsigned char **tiles;       /* [layer][anchor][kind][image] head-mean tiles [tile_h][side][3] */
    float (*range)[2];           /* [layer][anchor][kind][image] smallest non-zero and largest value */
    float (*shown)[2];           /* [layer][anchor][kind][image] the value range of the colours */
} viz_run;

/* Picture side and attention tile height in pixels. */
static int side(const viz_run *v) { return v->res * v->style.scale; }
static int tile_h(const viz_run *v) { return vz_attention_tile_height(side(v), &v->style); }

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
    snprintf(buf, cap, "%s_attention_%s_anchor%d.png", v->stem, blk, a);
}

static int write_png(const viz_run *v, const char *file, const unsigned char *rgb, int w, int h) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", v->out, file);
    return vz_png_write(path, rgb, w, h);
}

/* A figure: the PNG and the same picture as SVG (FILE.svg beside FILE.png). */
static int write_figure(const viz_run *v, const char *file, const unsigned char *rgb, int w, int h,
                        const char *title) {
    char png[4096], svg[4096];
    int rc = write_png(v, file, rgb, w, h);
    snprintf(png, sizeof png, "%s/%s", v->out, file);
    snprintf(svg, sizeof svg, "%s/%.*s.svg", v->out, (int)strlen(file) - 4, file);
    return rc ? rc : vz_svg_embed_png(png, svg, w, h, title);
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
    const vz_attn_block *b = vz_recorder_find(rec, v->layer[l]);
    if (!b || !b->attn) /* e.g. a refine that is not attention */
        return st_fail(ST_ERR_ARG, "block %d: the network recorded no attention there", v->layer[l]);
    int r = side(v), stride = vz_token_stride(b->stage) * v->style.scale, rc = ST_OK;
    float *map = malloc(sizeof(float) * b->h0 * b->w0); /* [h0][w0] */
    if (!map) return st_fail(ST_ERR_NOMEM, "out of memory");
    for (int a = 0; !rc && a < v->nanchors; a++) {
        int ty, tx;
        anchor_token(v, a, b->h0, b->w0, vz_token_stride(b->stage), &ty, &tx);
        for (int head = -1; !rc && head < (b->heads > 1 ? b->heads : 0); head++) {
            unsigned char *tile = malloc((size_t)tile_h(v) * r * 3), **slot = &v->tiles[tile_index(v, l, a, k, i)];
            float shown[2];
            char file[256];
            tile_file(v, i, l, a, k, head, file, sizeof file);
            if (!tile) rc = st_fail(ST_ERR_NOMEM, "out of memory");
            if (!rc) rc = vz_token_map(b, head, ty, tx, map);
            if (!rc)
                rc = vz_figure_attention(v->img[i].big, r, r, map, b->w0, b->h0, stride, tx, ty, &v->style, shown,
                                         tile);
            if (!rc) rc = write_png(v, file, tile, r, tile_h(v));
            if (!rc && head < 0) {
                free(*slot);
                *slot = tile;
                tile = NULL;
                map_range(map, b->h0 * b->w0, v->range[tile_index(v, l, a, k, i)]);
                memcpy(v->shown[tile_index(v, l, a, k, i)], shown, sizeof shown);
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
        char file[256], title[256];
        strip_file(v, i, b->index, file, sizeof file);
        snprintf(title, sizeof title,
                 "Super tokens of %s, stage%d.block%d: %dx%d tokens, %dx%d super tokens of %dx%d tokens",
                 v->img[i].name, b->stage, b->block, b->h0, b->w0, b->hh, b->ww, b->sh, b->sw);
        if ((rc = vz_figure_supertokens(v->img[i].big, side(v), side(v), v->style.scale, b, title, &strip, &w, &h)))
            return rc;
        rc = write_figure(v, file, strip, w, h, title);
        free(strip);
        if (rc) return rc;
    }
    return ST_OK;
}

static int run_kind(viz_run *v, int k) {
    st_config cfg = v->cfg;
    cfg.attn = kinds[k];
    const kn_backend *be;
    st_model *m = NULL;
    vz_recorder rec;
    float *logits = malloc(sizeof(float) * cfg.num_classes);
    int rc = logits ? hx_backend_pick_precision(v->mo.backend, v->mo.precision, &be) : st_fail(ST_ERR_NOMEM, "out of memory");
    if (rc) { free(logits); return rc; }
    /* weights by name, so the seeded ones are the same whatever cfg.attn is */
    st_model_opts mopts = {.backend = be, .threads = hx_threads_for(be, hx_threads_pick(v->mo.threads)), .allow_nonfinite = v->mo.allow_nonfinite};
    if ((rc = st_model_create_with(&m, &cfg, v->mo.weights, (uint64_t)v->mo.seed, &mopts)) ||
        (rc = st_model_plan(m, 1, v->res, v->res, ST_CAPTURE_ATTN))) {
        st_model_free(m);
        free(logits);
        return rc;
    }
    vz_recorder_init(&rec, &cfg, 0);
    rec.keep_assoc = kinds[k] == ST_ATTN_STA;
    for (int l = 0; !rc && l < v->nlayers; l++) rc = vz_recorder_keep(&rec, v->layer[l]);
    st_model_set_hooks(m, &(st_hooks){.attention = vz_record_attention, .ud = &rec});
    for (int i = 0; !rc && i < v->nimages; i++) {
        if (!v->quiet) fprintf(stderr, "stvit viz: %s attention, %s\n", kind_names[k], v->img[i].path);
        vz_recorder_clear(&rec);
        if ((rc = st_model_forward(m, v->img[i].input, logits)) || (rc = rec.rc)) break;
        if (kinds[k] == ST_ATTN_STA) rc = draw_supertokens(v, &rec, i);
        for (int l = 0; !rc && l < v->nlayers; l++) rc = draw_attention(v, &rec, i, l, k);
    }
    vz_recorder_free(&rec);
    st_model_free(m);
    free(logits);
    return rc;
}

static int write_montages(viz_run *v) {
    const char *columns[MAX_IMAGES];
    for (int i = 0; i < v->nimages; i++) columns[i] = v->img[i].name;
    for (int l = 0; l < v->nlayers; l++)
        for (int a = 0; a < v->nanchors; a++) {
            unsigned char *img;
            int w, h;
            char file[256], blk[32], title[256];
            montage_file(v, l, a, file, sizeof file);
            block_name(&v->cfg, v->layer[l], blk, sizeof blk);
            snprintf(title, sizeof title,
                     "Attention of the anchor token (red box, at pixel y %d, x %d) in %s (block %d), mean over heads\n"
                     "colours: %s per map (bar under each map), %.0f%% over the picture",
                     v->anchor[a][0], v->anchor[a][1], blk, v->layer[l], vz_norm_name(v->style.norm),
                     100 * v->style.alpha);
            const unsigned char *const *tiles = (const unsigned char *const *)&v->tiles[tile_index(v, l, a, 0, 0)];
            vz_layout lay = {.tiles = tiles, .tile_w = side(v), .tile_h = tile_h(v), .rows = NKINDS,
                             .cols = v->nimages, .title = title, .col_labels = columns, .row_labels = kind_labels,
                             .text_scale = v->style.scale, .margin = 2 * VZ_PANEL_MARGIN * v->style.scale};
            int rc = vz_layout_draw(&lay, &img, &w, &h);
            if (!rc) rc = write_figure(v, file, img, w, h, title);
            free(img);
            if (rc) return rc;
        }
    return ST_OK;
}

/* ---- index.html -------------------------------------------------------------- */

/* What row k of the comparison shows for a block whose own attention is stage_kind. */
static const char *kind_title(st_attn_kind stage_kind, int k) {
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
    snprintf(path, sizeof path, "%s/%s.html", v->out, v->stem);
    if (rc || (rc = vz_html_begin(&h, path, "STViT super tokens and attention maps"))) return rc;

    int n = snprintf(text, sizeof text, "Made by: stvit");
    for (int i = 0; i < argc && n < (int)sizeof text; i++) n += snprintf(text + n, sizeof text - n, " %s", argv[i]);
    vz_html_text(h, text);
    const kn_backend *be = kn_backend_default();
    hx_backend_pick_precision(v->mo.backend, v->mo.precision, &be); /* already resolved once by the runs */
    snprintf(text, sizeof text, "Network: %s at %dx%d; weights: %s; backend: %s.", v->cfg.name, v->res, v->res,
             v->mo.weights ? v->mo.weights : "seeded random", be->name);
    vz_html_text(h, text);
    if (!v->mo.weights) {
        snprintf(text, sizeof text,
                 "No --weights were given: the weights are random (seed %ld), not trained. The pictures show what "
                 "an untrained network computes. The super token assignment still follows the picture's content, "
                 "because the association is a similarity of (randomly projected) features. The attention maps "
                 "carry no learned meaning: untrained attention is close to uniform (see the max/min ratios in "
                 "the captions and the colour bars), so each map's colours span its own smallest to largest "
                 "value (--norm minmax) to show what pattern there is; normalised to the maximum (--norm max) "
                 "they come out almost uniformly bright. Window attention is still confined to the anchor's window.",
                 v->mo.seed);
        vz_html_text(h, text);
    }
    vz_html_text(h, "Every picture is drawn over the eval crop the network sees (resize to res/crop_pct, centre "
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
                         "%dx%d tokens. Also as SVG (same name, .svg).",
                         v->img[i].name, s, j, index, g.s[s].h, g.s[s].w, vz_token_stride(s), vz_token_stride(s),
                         g.s[s].hh, g.s[s].ww, g.s[s].sh, g.s[s].sw);
                vz_html_figure(h, file, 0, text);
            }
        }

    vz_html_heading(h, "Attention maps (Figure 2)");
    snprintf(text, sizeof text,
             "The anchor token (red box) attending to every token, the mean over heads. Colours: viridis over each "
             "map's own range (--norm %s: %s), shown by the colour bar under the map; tokens with exactly zero "
             "attention (outside the anchor's window) are grey. Heat map %.0f%% over the picture (--alpha), "
             "pictures drawn at %dx (--scale). The same weights run three times: (a) with super token attention, "
             "(b) with global attention and (c) with %dx%d window attention.",
             vz_norm_name(v->style.norm),
             v->style.norm == VZ_NORM_MINMAX ? "smallest to largest non-zero value"
             : v->style.norm == VZ_NORM_MAX  ? "0 to the largest value"
                                             : "2nd to 98th percentile of the non-zero values",
             100 * v->style.alpha, v->style.scale, v->cfg.window, v->cfg.window);
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
            snprintf(text, sizeof text, "%s (block %d), anchor at pixel (y %d, x %d). Columns: %s. Rows: %s; %s; %s.",
                     blk, v->layer[l], v->anchor[a][0], v->anchor[a][1], columns, kind_title(g.s[s].kind, 0),
                     kind_title(g.s[s].kind, 1), kind_title(g.s[s].kind, 2));
            snprintf(text + strlen(text), sizeof text - strlen(text), " Also as SVG.");
            vz_html_figure(h, file, 0, text);
        }

    vz_html_heading(h, "Attention maps per image, kind and head");
    for (int i = 0; i < v->nimages; i++)
        for (int l = 0; l < v->nlayers; l++)
            for (int a = 0; a < v->nanchors; a++)
                for (int k = 0; k < NKINDS; k++) {
                    int j, s = block_stage(&v->cfg, v->layer[l], &j), heads = v->cfg.heads[s];
                    block_name(&v->cfg, v->layer[l], blk, sizeof blk);
                    for (int head = -1; head < (heads > 1 ? heads : 0); head++) {
                        tile_file(v, i, l, a, k, head, file, sizeof file);
                        char which[96] = "";
                        const float *range = v->range[tile_index(v, l, a, k, i)];
                        const float *shown = v->shown[tile_index(v, l, a, k, i)];
                        if (head >= 0) snprintf(which, sizeof which, "head %d", head);
                        else snprintf(which, sizeof which, "%s; values %.3g to %.3g (max/min %.2f), colours %.3g to %.3g",
                                      heads == 1 ? "one head" : "mean over heads", range[0], range[1],
                                      range[0] > 0 ? range[1] / range[0] : 0.0, shown[0], shown[1]);
                        snprintf(text, sizeof text, "%s, %s, anchor (y %d, x %d): %s; %s.", v->img[i].name, blk,
                                 v->anchor[a][0], v->anchor[a][1], kind_title(g.s[s].kind, k), which);
                        vz_html_figure(h, file, v->res, text);
                    }
                }
    if ((rc = vz_html_end(h))) return rc;
    return vz_html_index(v->out, "STViT super tokens and attention maps");
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

/* The run's name: the image names joined by '+', or the first one and a count when
 * that gets long. */
static void run_stem(viz_run *v) {
    size_t n = 0, cap = sizeof v->stem;
    v->stem[0] = 0;
    for (int i = 0; i < v->nimages; i++) {
        if (n + strlen(v->img[i].name) + 2 > cap - 12) {
            snprintf(v->stem + n, cap - n, "+%d-more", v->nimages - i);
            return;
        }
        n += (size_t)snprintf(v->stem + n, cap - n, "%s%s", i ? "+" : "", v->img[i].name);
    }
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
        im->big = malloc(per * 3 * v->style.scale * v->style.scale);
        im->input = malloc(sizeof(float) * per * 3);
        if (!im->rgb || !im->big || !im->input) return st_fail(ST_ERR_NOMEM, "out of memory");
        int rc = hx_image_load(paths[i], &src); /* its messages name the file */
        if (rc) return rc;
        double pct = v->crop_pct ? v->crop_pct : hx_reference_crop_pct(v->res);
        if (!(rc = hx_eval_crop_rgb_pct(&src, v->res, v->res, pct, im->rgb)))
            rc = hx_preprocess_pct(&src, v->res, v->res, pct, im->input);
        if (!rc) rc = vz_resize_nearest_rgb(im->rgb, v->res, v->res, im->big, side(v), side(v)); /* the crop's own pixels */
        hx_image_free(&src);
        if (rc) return with_prefix(rc, paths[i]);
    }
    run_stem(v);
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
        return st_fail(ST_ERR_ARG, "viz draws STViT networks; '%s' is not one (the DeiT-S / Swin-T rows of "
                       "Figure 2 are not drawn here yet)", v->cfg.name);
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
    v->shown = calloc(ntiles, sizeof *v->shown);
    return v->tiles && v->range && v->shown ? ST_OK : st_fail(ST_ERR_NOMEM, "out of memory");
}

int hx_cmd_viz(int argc, char **argv) {
    viz_run v = {.mo.seed = HX_DEFAULT_SEED};
    long res = 224, scale = 2;
    double alpha = VZ_HEAT_ALPHA;
    const char *norm = "minmax";
    hx_int_list anchors = {0};
    hx_str_list layers = {0};
    const char *paths[MAX_IMAGES];
    const hx_option opts[] = {
        {"--res", HX_OPT_INT, &res, ST_MIN_INPUT, 2048, "N", "input side after preprocessing (default 224)"},
        {"--crop-pct", HX_OPT_DOUBLE, &v.crop_pct, 0.05, 1, "F", "resize to N/F before the crop (default 0.875 to 224, 1 above)"},
        {"--out", HX_OPT_STRING, &v.out, 0, 0, "DIR", "output folder (default: a fresh runs/<date>-viz/)"},
        {"--anchor", HX_OPT_INTS, &anchors, 0, ST_MAX_INPUT, "Y,X[,Y,X...]",
         "anchor tokens in input pixels (default: centre and quarter points)"},
        {"--layers", HX_OPT_STRINGS, &layers, 0, 0, "LIST",
         "blocks for the attention maps: indices or stageK.blockJ (default 2)"},
        {"--norm", HX_OPT_STRING, &norm, 0, 0, "KIND",
         "attention colours: minmax (default: each map's smallest to largest value), max (0 to largest), "
         "percentile (2nd to 98th)"},
        {"--alpha", HX_OPT_DOUBLE, &alpha, 0, 1, "A", "heat map strength over the picture, 0..1 (default 0.6)"},
        {"--scale", HX_OPT_INT, &scale, 1, 8, "N", "pictures drawn N times the input size (default 2)"},
        {"--quiet", HX_OPT_FLAG, &v.quiet, 0, 0, NULL, "no progress on stderr"},
        HX_MODEL_OPTIONS(v.mo),
    };
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), paths, MAX_IMAGES, &v.nimages);
    if (!rc) rc = vz_norm_parse(norm, &v.style.norm);
    if (!rc && v.mo.attn) rc = st_fail(ST_ERR_ARG, "--attn: viz always draws all three kinds (sta, global, window)");
    if (!rc && hx_out_is_none(v.out)) rc = st_fail(ST_ERR_ARG, "--out -: viz writes pictures, give a folder");
    if (!rc && v.nimages == 0) rc = st_fail(ST_ERR_ARG, "no image given");
    if (rc) {
        char about[1024];
        snprintf(about, sizeof about,
                   "Super token maps (the paper's Figure 4) for every block with super token attention, and\n"
                   "attention maps of anchor tokens (Figure 2) for super token, global and 7x7 window attention\n"
                   "with the same weights, drawn from the network's own attention while it runs. Writes PNGs\n"
                   "and SVGs of the figures, a page IMAGES.html with captions and index.html showing every page in\n"
                   "the folder; file names start with the image names. Up to %d images.\n"
                   "Without --weights the weights are random (seeded): the pictures show an untrained network.\n",
                MAX_IMAGES);
        const hx_usage usage = {"viz", "IMAGE... [options]", about, opts, HX_COUNT(opts), NULL};
        return hx_usage_exit(&usage, rc);
    }
    v.res = (int)res;
    v.style.alpha = (float)alpha;
    v.style.scale = (int)scale;
    int status = 1;
    char run_dir[4096];
    int none;
    hx_note_seeded(&v.mo, "viz");
    if ((rc = setup(&v, &anchors, &layers)) || (rc = load_images(&v, paths))) goto done;
    if (!v.out && !(rc = hx_output_dir("viz", NULL, 0, run_dir, sizeof run_dir, &none))) v.out = run_dir;
    if (rc || (rc = make_dirs(v.out))) goto done;
    for (int k = 0; k < NKINDS; k++)
        if ((rc = run_kind(&v, k))) goto done;
    if ((rc = write_montages(&v)) || (rc = write_index(&v, argc, argv))) goto done;
    if (!v.quiet) fprintf(stderr, "stvit viz: wrote %s/%s.html and %s/index.html\n", v.out, v.stem, v.out);
    status = 0;
done:
    if (rc) {
        fprintf(stderr, "stvit viz: %s\n", st_last_error());
        status = hx_exit_code(rc);
    }
    for (int i = 0; i < v.nimages; i++) {
        free(v.img[i].rgb);
        free(v.img[i].big);
        free(v.img[i].input);
    }
    if (v.tiles)
        for (size_t t = 0; t < (size_t)v.nlayers * v.nanchors * NKINDS * v.nimages; t++) free(v.tiles[t]);
    free(v.tiles);
    free(v.range);
    free(v.shown);
    return status;
}
