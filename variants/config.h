/* config.h — a network configuration as data: the variants S/B/L, the ablation
 * rows and the attention kinds are all values of st_config, never copies of code. */
#ifndef ST_CONFIG_H
#define ST_CONFIG_H

#define ST_STAGES 4

typedef enum { ST_STEM_CONV4 = 0, ST_STEM_PATCH4 } st_stem_kind;       /* 4 convs | one 4x4/4 conv */
typedef enum { ST_POS_CPE = 0, ST_POS_NONE, ST_POS_APE, ST_POS_RPE } st_pos_kind;
typedef enum { ST_FFN_DW_RESIDUAL = 0, ST_FFN_DW_PLAIN, ST_FFN_PLAIN } st_ffn_kind;
typedef enum { ST_ATTN_STA = 0, ST_ATTN_GLOBAL, ST_ATTN_WINDOW } st_attn_kind;
typedef enum { ST_REFINE_ATTN = 0, ST_REFINE_CONV, ST_REFINE_NONE } st_refine_kind;
/* Which network: STViT, or a baseline of the paper's tables as timm builds it (DeiT: one
 * stage of depths[0] blocks on patch tokens plus a class token; Swin: shifted windows,
 * patch merging between stages). */
typedef enum { ST_NET_STVIT = 0, ST_NET_DEIT, ST_NET_SWIN } st_net_kind;

typedef struct {
    char name[48];
    st_net_kind net;
    int patch;                  /* DeiT / Swin patch embedding side (16 / 4) */
    int embed_dim[ST_STAGES];
    int depths[ST_STAGES];
    int heads[ST_STAGES];
    int stoken[ST_STAGES][2];   /* sh, sw per stage; 1x1 = plain global attention */
    int n_iter[ST_STAGES];
    int layerscale[ST_STAGES];  /* gamma_1/gamma_2 present in that stage */
    float init_values;          /* layer scale init for seeded weights */
    int projection;             /* head 1x1 conv width; 0 = no projection (BN on C3) */
    int mlp_ratio;
    int qkv_bias;
    int num_classes;
    /* switches of the ablation rows and attention kinds */
    st_stem_kind stem;
    st_pos_kind pos;
    st_ffn_kind ffn;
    st_attn_kind attn;          /* STA per the stoken sizes | global everywhere | windows */
    int window;                 /* window side for ST_ATTN_WINDOW (7) */
    st_refine_kind refine;
    /* APE table size (stem output grid) and RPE grids are sized for this input;
     * 0 = the resolution the model runs at. */
    int pos_h, pos_w;
} st_config;

/* The paper's variants "S", "B", "L" (case-insensitive). 0 or ST_ERR_ARG. Every
 * name a command accepts (variants and ablation rows) is in variants/catalog.h. */
int st_config_variant(const char *name, st_config *out);
/* timm's deit_small_patch16_224 ("deit-s") and swin_tiny_patch4_window7_224 ("swin-t"). */
int st_config_baseline(const char *name, st_config *out);
/* From the safetensors __metadata__.config JSON (keys embed_dim, depths, num_heads,
 * n_iter, stoken_size, projection, mlp_ratio, qkv_bias, layerscale, init_values,
 * num_classes; optional stem, pos, ffn, attn, window, refine, pos_size). source names
 * the file. Any other key is an error naming it (with the nearest known key), and so
 * is a key given twice (js_parse). */
int st_config_from_json(const char *json, const char *source, st_config *out);
/* Writes the config as JSON (the same keys) into buf. Returns length or <0. */
int st_config_to_json(const st_config *c, char *buf, int cap);
/* Sane sizes, positive and bounded (so later size arithmetic cannot overflow). */
int st_config_validate(const st_config *c);
/* The smallest input side the network takes (32: four halvings of stride 2). */
#define ST_MIN_INPUT 32
#define ST_MAX_INPUT 8192
#endif
