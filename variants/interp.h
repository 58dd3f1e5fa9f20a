/* interp.h — resizing of learned position tables to the size a run needs. */
#ifndef ST_INTERP_H
#define ST_INTERP_H
/* Bicubic resize of c planes sh x sw -> dh x dw, as torch's F.interpolate(mode=
 * 'bicubic', align_corners=False) (A = -0.75, border-clamped). Copies when equal. */
void st_resize_bicubic(const float *src, int c, int sh, int sw, int dh, int dw, float *dst);
/* Expands a relative position table [(2gh-1)(2gw-1)][heads] (built for a gh x gw
 * token grid) into logit biases [heads][m][m] for an hh x ww grid (m = hh*ww),
 * resizing the table bicubically when the grids differ. */
void st_rpe_expand(const float *table, int gh, int gw, int heads, int hh, int ww, float *bias);
#endif
