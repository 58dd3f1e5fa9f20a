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

#endif
