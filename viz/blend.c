/* blend.c — alpha blending and heat maps over images. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "variants/st_error.h"

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

static const char *const norm_names[] = {"minmax", "max", "percentile"};

int vz_norm_parse(const char *name, vz_norm *out) {
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, norm_names[i])) {
            *out = (vz_norm)i;
            return ST_OK;
        }
    return st_fail(ST_ERR_ARG, "--norm: '%s' is not one of minmax, max, percentile", name);
}

const char *vz_norm_name(vz_norm norm) { return norm_names[norm]; }

static int by_value(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

int vz_norm_range(const float *values, int n, vz_norm norm, float range[2]) {
    float lo = 0, hi = 0;
    int npos = 0;
    for (int i = 0; i < n; i++)
        if (values[i] > 0 && isfinite(values[i])) {
            if (!npos || values[i] < lo) lo = values[i];
            if (values[i] > hi) hi = values[i];
            npos++;
        }
    range[0] = range[1] = 0;
    if (!npos) return ST_OK;
    if (norm == VZ_NORM_MAX) lo = 0;
    if (norm == VZ_NORM_PERCENTILE) {
        float *sorted = malloc(sizeof(float) * npos);
        if (!sorted) return st_fail(ST_ERR_NOMEM, "heat map: out of memory");
        for (int i = 0, k = 0; i < n; i++)
            if (values[i] > 0 && isfinite(values[i])) sorted[k++] = values[i];
        qsort(sorted, (size_t)npos, sizeof *sorted, by_value);
        lo = sorted[(int)(0.02 * (npos - 1) + 0.5)];
        hi = sorted[(int)(0.98 * (npos - 1) + 0.5)];
        free(sorted);
    }
    if (!(hi > lo)) hi = lo + (lo > 0 ? lo * 1e-6f : 1e-30f);
    range[0] = lo;
    range[1] = hi;
    return ST_OK;
}

void vz_heatmap_blend_range(unsigned char *img, const float *values, int w, int h, vz_cmap cmap, float alpha,
                            const float range[2]) {
    alpha = clamp01(alpha);
    size_t n = (size_t)w * h;
    float span = range[1] - range[0];
    for (size_t i = 0; i < n; i++) {
        unsigned char color[3] = {128, 128, 128};
        if (values[i] != 0 && span > 0) vz_colormap(cmap, (values[i] - range[0]) / span, color);
        for (int c = 0; c < 3; c++) img[3 * i + c] = mix(img[3 * i + c], color[c], alpha);
    }
}
