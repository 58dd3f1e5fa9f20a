/* blend.h — laying a colour layer or a heat map over an RGB8 image, in place. */
#ifndef VZ_BLEND_H
#define VZ_BLEND_H

#include "viz/colormap.h"

/* img = (1 - alpha) * img + alpha * overlay, per channel, rounded; alpha in [0,1].
 * img and overlay: [h][w][3] RGB8. */
void vz_blend(unsigned char *img, const unsigned char *overlay, int w, int h, float alpha);

/* Colours values [h][w] (same size as img) with cmap after dividing by their maximum
 * (negative values and NaN count as 0; an all-zero map gives the colour of 0) and
 * blends the result over img with alpha. */
void vz_heatmap_blend(unsigned char *img, const float *values, int w, int h, vz_cmap cmap, float alpha);

/* Just the colour-mapped values, normalised as above: rgb [h][w][3]. */
void vz_heatmap(const float *values, int w, int h, vz_cmap cmap, unsigned char *rgb);

/* How a map's values become colours 0..1: the range [lo, hi] mapped onto the colour
 * map, values outside it clamped. */
typedef enum {
    VZ_NORM_MINMAX,     /* smallest to largest positive value (exact zeros left out) */
    VZ_NORM_MAX,        /* 0 to the largest value */
    VZ_NORM_PERCENTILE, /* the 2nd to the 98th percentile of the positive values */
} vz_norm;

/* "minmax", "max", "percentile" -> *out; ST_ERR_ARG naming the choices otherwise. */
int vz_norm_parse(const char *name, vz_norm *out);
const char *vz_norm_name(vz_norm norm);

/* range = [lo, hi] of values[n] under norm; [0, 0] when no value is positive, and
 * hi > lo otherwise (a constant map gets [v, v * (1 + 1e-6)] or so). ST_ERR_NOMEM
 * (percentile sorts a copy). */
int vz_norm_range(const float *values, int n, vz_norm norm, float range[2]);

/* Blends cmap((v - lo) / (hi - lo)) over img with alpha; pixels whose value is exactly
 * 0 (outside a window, say) get a grey wash instead, so "no attention" differs from
 * "least attention". values and img: w x h. */
void vz_heatmap_blend_range(unsigned char *img, const float *values, int w, int h, vz_cmap cmap, float alpha,
                            const float range[2]);

#endif
