#include "variants/geometry.h"
#include "variants/st_error.h"

static int round_up(int v, int m) { return (v + m - 1) / m * m; }

int st_geometry_make(const st_config *cfg, int h, int w, st_geometry *g) {
    if (h < ST_MIN_INPUT || w < ST_MIN_INPUT || h > ST_MAX_INPUT || w > ST_MAX_INPUT)
        return st_fail(ST_ERR_RANGE, "input size %dx%d is outside %d..%d (the network downsamples 32 times)",
                       h, w, ST_MIN_INPUT, ST_MAX_INPUT);
    g->in_h = h;
    g->in_w = w;
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
