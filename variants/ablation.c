/* ablation.c — the rows of the paper's ablations as data (see ablation.h and the
 * spec's "The ablation table"); the only code maps a row onto a config. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "variants/ablation.h"
#include "variants/st_error.h"

#define ITER_1 {1, 1, 1, 1}
#define CELLS_S {8, 4, 1, 1}                  /* STViT-S's super token sizes */
#define NOT_PRINTED {0, 0, 0, 0, 0, 0, 0}     /* the spec carries no printed figures */

/* Switch columns: stem, position encoding, FFN, refine, head projection, n_iter, stoken.
 * Paper columns: params (M), FLOPs (G), top-1, AP^b, AP^m, mIoU. */
static const st_ablation_row rows[] = {
    {1, "STA-4stage",
     "one 4x4 stride-4 conv stem; no CPE; plain FFN (fc1 -> GELU -> fc2); no head projection "
     "(head: BN(C3) -> Swish -> pool -> Linear C3 -> 1000; the spec's FLOP figure counts that "
     "BatchNorm at 5 per element, not 2, and so does st_count)",
     ST_ABL_TABLE, {ST_STEM_PATCH4, ST_POS_NONE, ST_FFN_PLAIN, ST_REFINE_ATTN, 0, ITER_1, CELLS_S},
     {1, 24.1, 3.97, 82.3, 43.6, 40.1, 46.0}, NULL},
    {2, "+ Conv Stem", "row 1 with the 4-conv stem",
     ST_ABL_TABLE, {ST_STEM_CONV4, ST_POS_NONE, ST_FFN_PLAIN, ST_REFINE_ATTN, 0, ITER_1, CELLS_S},
     {1, 24.2, 4.26, 82.6, 44.6, 41.1, 46.9}, NULL},
    {3, "+ Projection", "row 2 with the head's 1x1 conv C3 -> 1024 -> BN -> Swish before the pool",
     ST_ABL_TABLE, {ST_STEM_CONV4, ST_POS_NONE, ST_FFN_PLAIN, ST_REFINE_ATTN, 1, ITER_1, CELLS_S},
     {1, 25.2, 4.29, 82.9, 44.6, 41.2, 47.0}, NULL},
    {4, "+ CPE", "row 3 with the residual depthwise 3x3 conv (CPE) at the start of each block",
     ST_ABL_TABLE, {ST_STEM_CONV4, ST_POS_CPE, ST_FFN_PLAIN, ST_REFINE_ATTN, 1, ITER_1, CELLS_S},
     {1, 25.3, 4.30, 83.3, 46.8, 42.5, 47.7}, NULL},
    {5, "w/o CPE, + APE", "row 3 with a learned absolute position embedding added to the stem output",
     ST_ABL_TABLE, {ST_STEM_CONV4, ST_POS_APE, ST_FFN_PLAIN, ST_REFINE_ATTN, 1, ITER_1, CELLS_S},
     {1, 24.2, 4.26, 83.1, 45.2, 41.5, 47.3},
     "the printed 24.2M / 4.26G cannot include the head projection of row 3 that this row builds on "
     "(they are row 2's figures); the definition gives 25.43M / 4.29G"},
    {6, "w/o CPE, + RPE", "row 3 with a learned relative position bias per head in every attention",
     ST_ABL_TABLE, {ST_STEM_CONV4, ST_POS_RPE, ST_FFN_PLAIN, ST_REFINE_ATTN, 1, ITER_1, CELLS_S},
     {1, 25.3, 4.29, 83.2, 45.6, 41.8, 47.5}, NULL},
    {7, "+ ConvFFN", "row 4 with the FFN's residual depthwise 3x3 conv = STViT-S",
     ST_ABL_TABLE, {ST_STEM_CONV4, ST_POS_CPE, ST_FFN_DW_RESIDUAL, ST_REFINE_ATTN, 1, ITER_1, CELLS_S},
     {1, 25.4, 4.37, 83.6, 47.6, 43.1, 48.6},
     "the released STViT-S has 25.50M parameters; the paper prints 25.4M"},
    {8, "w/o shortcut", "row 7 with the FFN's depthwise conv without its residual (h = dwconv(h))",
     ST_ABL_TABLE, {ST_STEM_CONV4, ST_POS_CPE, ST_FFN_DW_PLAIN, ST_REFINE_ATTN, 1, ITER_1, CELLS_S},
     {1, 25.4, 4.37, 83.4, 47.5, 43.0, 48.4},
     "the same weights as row 7 (dropping a shortcut removes none): 25.50M, printed as 25.4M as for row 7"},

    /* The paper's other design ablations, each one change from STViT-S. */
    {9, "n_iter 2", "two association iterations in the super token stages 1-2 (stages 3-4 have none)",
     ST_ABL_DESIGN, {ST_STEM_CONV4, ST_POS_CPE, ST_FFN_DW_RESIDUAL, ST_REFINE_ATTN, 1, {2, 2, 1, 1}, CELLS_S},
     NOT_PRINTED, NULL},
    {10, "n_iter 3", "three association iterations in the super token stages 1-2",
     ST_ABL_DESIGN, {ST_STEM_CONV4, ST_POS_CPE, ST_FFN_DW_RESIDUAL, ST_REFINE_ATTN, 1, {3, 3, 1, 1}, CELLS_S},
     NOT_PRINTED, NULL},
    {11, "stoken 16,8,2,1", "larger super token cells 16,8,2,1 (stage 3 gets super tokens) instead of 8,4,1,1",
     ST_ABL_DESIGN, {ST_STEM_CONV4, ST_POS_CPE, ST_FFN_DW_RESIDUAL, ST_REFINE_ATTN, 1, ITER_1, {16, 8, 2, 1}},
     NOT_PRINTED, NULL},
    {12, "stoken 4,2,1,1", "smaller super token cells 4,2,1,1 instead of 8,4,1,1",
     ST_ABL_DESIGN, {ST_STEM_CONV4, ST_POS_CPE, ST_FFN_DW_RESIDUAL, ST_REFINE_ATTN, 1, ITER_1, {4, 2, 1, 1}},
     NOT_PRINTED, NULL},
    {13, "refine conv",
     "every attention (over super tokens, and the global one of stages 3-4) replaced by "
     "1x1 conv -> depthwise 5x5 conv -> 1x1 conv",
     ST_ABL_DESIGN, {ST_STEM_CONV4, ST_POS_CPE, ST_FFN_DW_RESIDUAL, ST_REFINE_CONV, 1, ITER_1, CELLS_S},
     NOT_PRINTED, NULL},
    {14, "refine none",
     "no attention at all: super tokens are sampled and mapped straight back; stages 3-4 mix no tokens",
     ST_ABL_DESIGN, {ST_STEM_CONV4, ST_POS_CPE, ST_FFN_DW_RESIDUAL, ST_REFINE_NONE, 1, ITER_1, CELLS_S},
     NOT_PRINTED, NULL},

    /* The table's baselines (shown above the STViT rows), numbered after them so those keep
     * the paper's numbers. Their params and FLOPs are printed to 1 M and 0.1 G. */
    {15, "DeiT-S", "timm's deit_small_patch16_224: patch 16, dim 384, depth 12, 6 heads, class token, "
     "learned position embedding", ST_ABL_BASELINE, {0}, {1, 22, 4.6, 79.9, NAN, NAN, NAN}, NULL},
    {16, "Swin-T", "timm's swin_tiny_patch4_window7_224: dims 96-768, depths 2,2,6,2, shifted 7x7 windows, "
     "relative position bias, patch merging", ST_ABL_BASELINE, {0}, {1, 28, 4.5, 81.3, NAN, NAN, NAN}, NULL},
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

int st_ablation_count(void) { return NROWS; }

const st_ablation_row *st_ablation_at(int i) { return i >= 0 && i < NROWS ? &rows[i] : NULL; }

const st_ablation_row *st_ablation_find(int number) {
    for (int i = 0; i < NROWS; i++)
        if (rows[i].number == number) return &rows[i];
    return NULL;
}

void st_ablation_apply(const st_ablation_row *r, st_config *cfg) {
    const st_ablation_switches *s = &r->sw;
    cfg->stem = s->stem;
    cfg->pos = s->pos;
    cfg->ffn = s->ffn;
    cfg->refine = s->refine;
    if (!s->head_projection) cfg->projection = 0;
    for (int i = 0; i < ST_STAGES; i++) {
        cfg->n_iter[i] = s->n_iter[i];
        cfg->stoken[i][0] = cfg->stoken[i][1] = s->stoken[i];
    }
}

int st_ablation_config(const st_ablation_row *r, st_config *out) {
    if (!r) return st_fail(ST_ERR_ARG, "no ablation row given");
    int base = r->group == ST_ABL_BASELINE;
    int rc = base ? st_config_baseline(r->name, out) : st_config_variant("S", out);
    if (rc) return rc;
    if (!base) st_ablation_apply(r, out);
    snprintf(out->name, sizeof out->name, "ablation-%d", r->number);
    return st_config_validate(out);
}

int st_ablation_named(const char *name, st_config *out) {
    static const char prefix[] = "ablation-";
    const size_t plen = sizeof prefix - 1;
    if (strncasecmp(name, prefix, plen) == 0) {
        char *end;
        long number = strtol(name + plen, &end, 10);
        const st_ablation_row *r = name[plen] >= '0' && name[plen] <= '9' && !*end && number <= 1000
                                       ? st_ablation_find((int)number)
                                       : NULL;
        if (r) return st_ablation_config(r, out);
    }
    return st_fail(ST_ERR_ARG, "unknown configuration '%s' (ablation rows are ablation-1..ablation-%d)", name,
                   rows[NROWS - 1].number);
}

int st_ablation_params_digits(const st_ablation_row *r) { return r->group == ST_ABL_BASELINE ? 0 : 1; }
int st_ablation_flops_digits(const st_ablation_row *r) { return r->group == ST_ABL_BASELINE ? 1 : 2; }

unsigned st_ablation_mismatch(const st_ablation_row *r, int64_t params, int64_t flops) {
    if (!r->paper.printed) return 0;
    /* A printed figure covers values up to half its last digit away; the epsilon keeps
     * exact half-way values (printed either way) from counting as a mismatch. */
    unsigned m = 0;
    double ps = pow(10, -st_ablation_params_digits(r)), fs = pow(10, -st_ablation_flops_digits(r));
    if (fabs(params / 1e6 - r->paper.params_m) > ps / 2 + 1e-9) m |= ST_ABL_PARAMS_DIFFER;
    if (fabs(flops / 1e9 - r->paper.flops_g) > fs / 2 + 1e-9) m |= ST_ABL_FLOPS_DIFFER;
    return m;
}
