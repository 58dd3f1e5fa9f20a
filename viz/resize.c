/* resize.c — nearest and bilinear resizing of float maps, label maps and RGB8 images. */
#include <math.h>
#include <string.h>

#include "variants/st_error.h"
#include "viz/resize.h"

static int check_sizes(int src_w, int src_h, int dst_w, int dst_h) {
    if (src_w < 1 || src_h < 1 || dst_w < 1 || dst_h < 1)
        return st_fail(ST_ERR_ARG, "resize: %dx%d -> %dx%d has an empty side", src_w, src_h, dst_w, dst_h);
    return ST_OK;
}

/* floor((x + 0.5) * src / dst) in exact integer arithmetic. */
static int nearest_index(int x, int src, int dst) {
    return (int)(((2LL * x + 1) * src) / (2LL * dst));
}

/* One nearest resize for every element type: elem bytes per pixel. */
static int resize_nearest(const void *src, int src_w, int src_h, void *dst, int dst_w, int dst_h,
                          size_t elem) {
    int rc = check_sizes(src_w, src_h, dst_w, dst_h);
    if (rc) return rc;
    const unsigned char *s = src;
    unsigned char *d = dst;
    for (int y = 0; y < dst_h; y++) {
        const unsigned char *row = s + (size_t)nearest_index(y, src_h, dst_h) * src_w * elem;
        for (int x = 0; x < dst_w; x++)
            memcpy(d + ((size_t)y * dst_w + x) * elem, row + (size_t)nearest_index(x, src_w, dst_w) * elem, elem);
    }
    return ST_OK;
}

int vz_resize_nearest_int(const int *src, int src_w, int src_h, int *dst, int dst_w, int dst_h) {
    return resize_nearest(src, src_w, src_h, dst, dst_w, dst_h, sizeof *src);
}
int vz_resize_nearest_float(const float *src, int src_w, int src_h, float *dst, int dst_w, int dst_h) {
    return resize_nearest(src, src_w, src_h, dst, dst_w, dst_h, sizeof *src);
}
int vz_resize_nearest_rgb(const unsigned char *src, int src_w, int src_h,
                          unsigned char *dst, int dst_w, int dst_h) {
    return resize_nearest(src, src_w, src_h, dst, dst_w, dst_h, 3);
}

/* Where dst pixel x samples src: lower index i0, upper i1 and the weight of i1. */
typedef struct {
    int i0, i1;
    float f;
} tap;

static tap bilinear_tap(int x, int src, int dst) {
    float pos = (x + 0.5f) * src / dst - 0.5f;
    if (pos < 0) pos = 0;
    int i0 = (int)pos;
    if (i0 > src - 1) i0 = src - 1;
    tap t = {i0, i0 + 1 < src ? i0 + 1 : i0, pos - i0};
    if (t.f > 1) t.f = 1;
    return t;
}

static float lerp(float a, float b, float f) { return a + f * (b - a); }

int vz_resize_bilinear_float(const float *src, int src_w, int src_h, float *dst, int dst_w, int dst_h) {
    int rc = check_sizes(src_w, src_h, dst_w, dst_h);
    if (rc) return rc;
    for (int y = 0; y < dst_h; y++) {
        tap ty = bilinear_tap(y, src_h, dst_h);
        const float *r0 = src + (size_t)ty.i0 * src_w, *r1 = src + (size_t)ty.i1 * src_w;
        for (int x = 0; x < dst_w; x++) {
            tap tx = bilinear_tap(x, src_w, dst_w);
            float top = lerp(r0[tx.i0], r0[tx.i1], tx.f), bottom = lerp(r1[tx.i0], r1[tx.i1], tx.f);
            dst[(size_t)y * dst_w + x] = lerp(top, bottom, ty.f);
        }
    }
    return ST_OK;
}

int vz_resize_bilinear_rgb(const unsigned char *src, int src_w, int src_h,
                           unsigned char *dst, int dst_w, int dst_h) {
    int rc = check_sizes(src_w, src_h, dst_w, dst_h);
    if (rc) return rc;
    for (int y = 0; y < dst_h; y++) {
        tap ty = bilinear_tap(y, src_h, dst_h);
        const unsigned char *r0 = src + (size_t)ty.i0 * src_w * 3, *r1 = src + (size_t)ty.i1 * src_w * 3;
        for (int x = 0; x < dst_w; x++) {
            tap tx = bilinear_tap(x, src_w, dst_w);
            for (int c = 0; c < 3; c++) {
                float top = lerp(r0[3 * tx.i0 + c], r0[3 * tx.i1 + c], tx.f);
                float bottom = lerp(r1[3 * tx.i0 + c], r1[3 * tx.i1 + c], tx.f);
                dst[((size_t)y * dst_w + x) * 3 + c] = (unsigned char)lrintf(lerp(top, bottom, ty.f));
            }
        }
    }
    return ST_OK;
}
