#include "variants/geometry.h"
#include "variants/st_error.h"

static int round_up(int v, int m) { return (v + m - 1) / m * m; }

/* The grid of a patch embedding (a patch x patch / patch conv), the input a multiple of it. */
static int patch_grid(const st_config *cfg, int h, int w, st_geometry *g) {
    if (h % cfg->patch || w % cfg->patch)
        return st_fail(ST_ERR_RANGE, "input %dx%d is not a multiple of the patch size %d", h, w, cfg->patch);
    g->nstem = 1;
    g->stem_h[0] = h / cfg->patch;
    g->stem_w[0] = w / cfg->patch;
    g->stem_c[0] = cfg->embed_dim[0];
    return ST_OK;
}

/* DeiT: one stage of depths[0] blocks over the patch grid plus the class token. The
 * position table has one size; timm's model refuses any other input too. */
static int deit_geometry(const st_config *cfg, int h, int w, st_geometry *g) {
    int ph = cfg->pos_h ? cfg->pos_h : h, pw = cfg->pos_w ? cfg->pos_w : w, rc;
    if (h != ph || w != pw)
        return st_fail(ST_ERR_RANGE, "input %dx%d: this DeiT's position table is for %dx%d and is not resized "
                       "(timm's model refuses other sizes as well)", h, w, ph, pw);
    if ((rc = patch_grid(cfg, h, w, g))) return rc;
    for (int i = 0; i < ST_STAGES; i++) {
        st_stage_geo *s = &g->s[i];
        *s = (st_stage_geo){.h = g->stem_h[0], .w = g->stem_w[0], .c = cfg->embed_dim[i],
                            .hid = cfg->embed_dim[i] * cfg->mlp_ratio, .heads = cfg->heads[i],
                            .depth = i ? 0 : cfg->depths[0], .kind = ST_ATTN_GLOBAL, .sh = 1, .sw = 1,
                            .hp = g->stem_h[0], .wp = g->stem_w[0], .hh = 1, .groups = 1};
        s->ww = s->tokens = s->h * s->w + 1;
    }
    return ST_OK;
}

/* Swin: patch grid, halved (rounded up: timm pads odd grids) by each patch merging;
 * windows padded at the right and bottom; no shift where the grid is one window. */
static int swin_geometry(const st_config *cfg, int h, int w, st_geometry *g) {
    int ws = cfg->window, rc;
    if ((rc = patch_grid(cfg, h, w, g))) return rc;
    int sh = g->stem_h[0], sw = g->stem_w[0];
    for (int i = 0; i < ST_STAGES; i++) {
        st_stage_geo *s = &g->s[i];
        if (i > 0) sh = (sh + 1) / 2, sw = (sw + 1) / 2;
        if (sh < ws || sw < ws)
            return st_fail(ST_ERR_RANGE, "input %dx%d: stage %d's grid %dx%d is smaller than the window %d (timm "
                           "shrinks the window there, which changes the position table; not supported)",
                           h, w, i, sh, sw, ws);
        *s = (st_stage_geo){.h = sh, .w = sw, .c = cfg->embed_dim[i], .hid = cfg->embed_dim[i] * cfg->mlp_ratio,
                            .heads = cfg->heads[i], .depth = cfg->depths[i], .kind = ST_ATTN_WINDOW, .sh = 1,
                            .sw = 1, .hp = round_up(sh, ws), .wp = round_up(sw, ws), .hh = ws, .ww = ws,
                            .shift_h = sh > ws ? ws / 2 : 0, .shift_w = sw > ws ? ws / 2 : 0};
        s->groups = (s->hp / ws) * (s->wp / ws);
        s->tokens = ws * ws;
    }
    return ST_OK;
}

int st_geometry_make(const st_config *cfg, int h, int w, st_geometry *g) {
    if (h < ST_MIN_INPUT || w < ST_MIN_INPUT || h > ST_MAX_INPUT || w > ST_MAX_INPUT)
        return st_fail(ST_ERR_RANGE, "input size %dx%d is outside %d..%d (the network downsamples 32 times)",
                       h, w, ST_MIN_INPUT, ST_MAX_INPUT);
    g->in_h = h;
    g->in_w = w;
    if (cfg->net == ST_NET_DEIT) return deit_geometry(cfg, h, w, g);
    if (cfg->net == ST_NET_SWIN) return swin_geometry(cfg, h, w, g);
    if (cfg->stem == ST_STEM_PATCH4) {
        g->nstem = 1;
        g->stem_h[0] = st_conv_out(h, 4, 4, 0);
        g->stem_w[0] = st_conv_out(w, 4, 4, 0);
        g->stem_c[0] = cfg->embed_dim[0];
    } else {
        static const int stride[4] = {2, 1, 2, 1};
        int ch = h, cw = w;
        g->nstem = 4;
        for (int i = 0; i < 4; i++) {
            ch = st_conv_out(ch, 3, stride[i], 1);
            cw = st_conv_out(cw, 3, stride[i], 1);
            g->stem_h[i] = ch;
            g->stem_w[i] = cw;
            g->stem_c[i] = i < 2 ? cfg->embed_dim[0] / 2 : cfg->embed_dim[0];
        }
    }
    int sh = g->stem_h[g->nstem - 1], sw = g->stem_w[g->nstem - 1];
    for (int i = 0; i < ST_STAGES; i++) {
        st_stage_geo *s = &g->s[i];
        if (i > 0) {
            sh = st_conv_out(sh, 3, 2, 1);
            sw = st_conv_out(sw, 3, 2, 1);
        }
        s->h = sh;
        s->w = sw;
        s->c = cfg->embed_dim[i];
        s->hid = cfg->embed_dim[i] * cfg->mlp_ratio;
        s->heads = cfg->heads[i];
        s->depth = cfg->depths[i];
        s->sh = s->sw = 1;
        s->groups = 1;
        s->shift_h = s->shift_w = 0;
        if (cfg->attn == ST_ATTN_WINDOW) {
            s->kind = ST_ATTN_WINDOW;
            s->hp = round_up(sh, cfg->window);
            s->wp = round_up(sw, cfg->window);
            s->hh = s->ww = cfg->window;
            s->groups = (s->hp / cfg->window) * (s->wp / cfg->window);
        } else if (cfg->attn == ST_ATTN_STA && (cfg->stoken[i][0] > 1 || cfg->stoken[i][1] > 1)) {
            s->kind = ST_ATTN_STA;
            s->sh = cfg->stoken[i][0];
            s->sw = cfg->stoken[i][1];
            s->hp = round_up(sh, s->sh);
            s->wp = round_up(sw, s->sw);
            s->hh = s->hp / s->sh;
            s->ww = s->wp / s->sw;
        } else {
            s->kind = ST_ATTN_GLOBAL;
            s->hp = s->hh = sh;
            s->wp = s->ww = sw;
        }
        s->tokens = s->hh * s->ww;
    }
    return ST_OK;
}
