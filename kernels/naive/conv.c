/* Dense and depthwise convolutions of the reference backend (zero padding). */
#include "kernels/naive/naive.h"

void kn_conv__naive(kn_ctx *ctx, const kn_conv_args *a) {
    int oh = (a->h + 2 * a->pad - a->k) / a->stride + 1;
    int ow = (a->w + 2 * a->pad - a->k) / a->stride + 1;
    for (int b = 0; b < a->batch; b++)
        for (int o = 0; o < a->cout; o++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double s = a->bias ? a->bias[o] : 0.0;
                    for (int i = 0; i < a->cin; i++)
                        for (int ky = 0; ky < a->k; ky++) {
                            int iy = oy * a->stride - a->pad + ky;
                            if (iy < 0 || iy >= a->h) continue;
                            for (int kx = 0; kx < a->k; kx++) {
                                int ix = ox * a->stride - a->pad + kx;
                                if (ix < 0 || ix >= a->w) continue;
                                s += (double)a->wt.ref[(((size_t)o * a->cin + i) * a->k + ky) * a->k + kx] *
                                     a->x[(((size_t)b * a->cin + i) * a->h + iy) * a->w + ix];
                            }
                        }
                    a->y[(((size_t)b * a->cout + o) * oh + oy) * ow + ox] = kn_act_ref(a->act, (float)s);
                }
}

void kn_dwconv__naive(kn_ctx *ctx, const kn_dwconv_args *a) {
    int r = a->k / 2;
    for (int b = 0; b < a->batch; b++)
        for (int ch = 0; ch < a->c; ch++) {
            const float *x = a->x + ((size_t)b * a->c + ch) * a->h * a->w;
            float *y = a->y + ((size_t)b * a->c + ch) * a->h * a->w;
            const float *wt = a->wt.ref + (size_t)ch * a->k * a->k;
            for (int oy = 0; oy < a->h; oy++)
                for (int ox = 0; ox < a->w; ox++) {
                    double s = a->bias ? a->bias[ch] : 0.0;
                    for (int ky = 0; ky < a->k; ky++) {
                        int iy = oy + ky - r;
                        if (iy < 0 || iy >= a->h) continue;
                        for (int kx = 0; kx < a->k; kx++) {
                            int ix = ox + kx - r;
                            if (ix < 0 || ix >= a->w) continue;
                            s += (double)wt[ky * a->k + kx] * x[(size_t)iy * a->w + ix];
                        }
                    }
                    size_t i = (size_t)oy * a->w + ox;
                    y[i] = (float)s + (a->add_input ? x[i] : 0.0f);
                }
        }
}
