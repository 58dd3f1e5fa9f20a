/* ablation.h — the paper's ablation table ("Ablations of STViT", rows 1-8) and its
 * other design ablations (rows 9+) as data: each row is STViT-S with its switches set
 * as listed, together with the figures the paper printed for it. */
#ifndef ST_ABLATION_H
#define ST_ABLATION_H
#include <stdint.h>
#include "variants/config.h"

/* Every switch a row sets, listed in full for every row, so that a row reads as a
 * complete definition (STViT-S itself is row 7). Everything else (widths, depths,
 * heads, classes) comes from the base configuration. */
typedef struct {
    st_stem_kind stem;
    st_pos_kind pos;
    st_ffn_kind ffn;
    st_refine_kind refine;
    int head_projection;     /* 1: the base's 1x1 conv before the pool (1024 for S); 0: none */
    int n_iter[ST_STAGES];
    int stoken[ST_STAGES];   /* square super token cells; 1 = global attention */
} st_ablation_switches;

/* What the paper printed for the row (ImageNet-1K top-1, COCO box/mask AP, ADE20K
 * mIoU; they need trained weights and the datasets, so they are quoted, never
 * measured). `printed` 0: the spec does not carry the paper's figures for the row. */
typedef struct {
    int printed;
    double params_m, flops_g;     /* printed to 0.1 M and 0.01 G (baselines: 1 M and 0.1 G) */
    double top1, ap_box, ap_mask, miou; /* NAN: not printed for this row */
} st_paper_figures;

typedef enum {
    ST_ABL_TABLE = 0,   /* the paper's table "Ablations of STViT", rows 1-8 */
    ST_ABL_DESIGN,      /* the paper's other design ablations: iterations, super token size, refine */
    ST_ABL_BASELINE,    /* the table's baselines above the STViT rows: DeiT-S, Swin-T (their own networks) */
} st_ablation_group;

typedef struct {
    int number;               /* 1-8: the paper's row; 9+: other design ablations */
    const char *name;         /* the paper's label, e.g. "+ Conv Stem" */
    const char *description;  /* the change, in words */
    st_ablation_group group;
    st_ablation_switches sw;  /* STViT rows only; a baseline is the network its name names (st_config_baseline) */
    st_paper_figures paper;
    /* Why our count differs from the printed figure, for rows where it does beyond
     * the printed rounding (see st_ablation_mismatch); NULL otherwise. */
    const char *mismatch_note;
} st_ablation_row;

int st_ablation_count(void);
/* Row i (0-based, in table order), NULL when out of range. */
const st_ablation_row *st_ablation_at(int i);
/* The row numbered `number`, NULL if there is none. */
const st_ablation_row *st_ablation_find(int number);
/* Sets the row's switches on *cfg (any base: STViT-S, a weights file's config). */
void st_ablation_apply(const st_ablation_row *r, st_config *cfg);
/* STViT-S with the row's switches (a baseline row: its own network), named "ablation-N".
 * 0 or an ST_ERR_* code. */
int st_ablation_config(const st_ablation_row *r, st_config *out);
/* "ablation-N" (case-insensitive) -> that row's config; ST_ERR_ARG otherwise.
 * st_config_named (catalog.h) falls back to this. */
int st_ablation_named(const char *name, st_config *out);

/* Bits of st_ablation_mismatch's result. */
enum { ST_ABL_PARAMS_DIFFER = 1 << 0, ST_ABL_FLOPS_DIFFER = 1 << 1 };
/* Compares counted params/FLOPs with the printed figures: a figure differs when it is
 * further from ours than the printing's rounding (half of 0.1 M, half of 0.01 G; for the
 * baselines half of 1 M and 0.1 G) can explain. 0 for rows without printed figures. */
/* The decimals the paper printed the row's params (M) and FLOPs (G) with. */
int st_ablation_params_digits(const st_ablation_row *r);
int st_ablation_flops_digits(const st_ablation_row *r);
unsigned st_ablation_mismatch(const st_ablation_row *r, int64_t params, int64_t flops);
#endif
