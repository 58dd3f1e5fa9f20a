/* blend.c — alpha blending and heat maps over images. */
#include <math.h>
#include <stddef.h>

#include "viz/blend.h"

static unsigned char mix(unsigned char under, unsigned char over, float alpha) {
    return (unsigned char)lrintf(under + alpha * ((float)over - under));
}

static float clamp01(float alpha) { return alpha > 1 ? 1 : alpha > 0 ? alpha : 0; }

void vz_blend(unsigned char *img, const unsigned char *overlay, int w, int h, float alpha) {
    alpha = clamp01(alpha);
    size_t n = (size_t)w * h * 3;
    for (size_t i = 0; i < n; i++) img[i] = mix(img[i], overlay[i], alpha);
}

/* 1 / (largest positive value), or 0 when there is none. */
static float inverse_max(const float *values, size_t n) {
    float max = 0;
    for (size_t i = 0; i < n; i++)
        if (values[i] > max) max = values[i]; /* NaN compares false */
    return max > 0 && isfinite(max) ? 1 / max : 0;
}

void vz_heatmap(const float *values, int w, int h, vz_cmap cmap, unsigned char *rgb) {
    size_t n = (size_t)w * h;
    float scale = inverse_max(values, n);
    for (size_t i = 0; i < n; i++) vz_colormap(cmap, values[i] * scale, rgb + 3 * i);
}

void vz_heatmap_blend(unsigned char *img, const float *values, int w, int h, vz_cmap cmap, float alpha) {
    alpha = clamp01(alpha);
    size_t n = (size_t)w * h;
    float scale = inverse_max(values, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char color[3];
        vz_colormap(cmap, values[i] * scale, color);
        for (int c = 0; c < 3; c++) img[3 * i + c] = mix(img[3 * i + c], color[c], alpha);
    }
}
