/* geometry.h — the sizes every layer sees for a config and an input size. The
 * forward pass, the workspace plan and the FLOP counter all read them from here. */
#ifndef ST_GEOMETRY_H
#define ST_GEOMETRY_H
#include "variants/config.h"

typedef struct {
    int h, w;                      /* the stage's token grid */
    int c, hid, heads, depth;
    st_attn_kind kind;             /* what its attention really is (STA with stoken 1 is GLOBAL) */
    int sh, sw;                    /* STA cell size (1x1 otherwise) */
    int hp, wp;                    /* padded to a multiple of the cell (STA) or window (WINDOW) */
    int hh, ww;                    /* STA: super token grid; GLOBAL: h x w; WINDOW: window x window */
    int tokens;                    /* tokens one attention sees: hh*ww */
    int groups;                    /* attentions per image: 1, or windows per image */
    int shift_h, shift_w;          /* Swin: the cyclic shift of its odd blocks (0: none) */
} st_stage_geo;

typedef struct {
    int in_h, in_w;
    int stem_h[4], stem_w[4], stem_c[4]; /* outputs of the stem's convs */
    int nstem;
    st_stage_geo s[ST_STAGES];
} st_geometry;

/* Output side of a conv: (in + 2 pad - k) / stride + 1. */
static inline int st_conv_out(int in, int k, int stride, int pad) { return (in + 2 * pad - k) / stride + 1; }

/* Fills g for cfg at input h x w. ST_ERR_RANGE if the size is one the network cannot take. */
int st_geometry_make(const st_config *cfg, int h, int w, st_geometry *g);
#endif
