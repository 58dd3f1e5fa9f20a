/* preprocess.c — the ImageNet eval transform (Resize, CenterCrop, ToTensor,
 * Normalize), with Pillow's bicubic resampling reproduced bit for bit (Pillow's
 * libImaging/Resample.c: separable passes, horizontal first, 8-bit fixed point). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness/image/image.h"
#include "variants/st_error.h"

#define PIL_PRECISION_BITS (32 - 8 - 2)

/* Pillow's bicubic kernel, a = -0.5. */
static double bicubic(double x) {
    const double a = -0.5;
    if (x < 0) x = -x;
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
    return 0;
}

/* The source span and fixed-point weights of each output position along one axis. */
typedef struct {
    int taps;        /* weights per output position */
    int *first;      /* [n] first source index used */
    int *count;      /* [n] source indices used, <= taps */
    int32_t *weight; /* [n][taps] */
} axis_weights;

static void axis_weights_free(axis_weights *a) {
    free(a->first);
    free(a->count);
    free(a->weight);
}

/* Pillow's precompute_coeffs + normalize_coeffs_8bpc, for the n output positions
 * from `start` of a resize from in_size to out_size. */
static int axis_weights_make(int in_size, int out_size, int start, int n, axis_weights *a) {
    double scale = (double)in_size / out_size;
    double filter_scale = scale < 1 ? 1 : scale; /* widen the kernel to antialias when shrinking */
    double support = 2 * filter_scale, inv_scale = 1 / filter_scale; /* multiplied, as Pillow */
    a->taps = (int)ceil(support) * 2 + 1;
    a->first = malloc(n * sizeof *a->first);
    a->count = malloc(n * sizeof *a->count);
    a->weight = calloc((size_t)n * a->taps, sizeof *a->weight);
    double *w = malloc(a->taps * sizeof *w);
    if (!a->first || !a->count || !a->weight || !w) {
        free(w);
        axis_weights_free(a);
        return st_fail(ST_ERR_NOMEM, "resize: out of memory for weights");
    }
    for (int i = 0; i < n; i++) {
        double center = (start + i + 0.5) * scale;
        int lo = (int)(center - support + 0.5), hi = (int)(center + support + 0.5);
        if (lo < 0) lo = 0;
        if (hi > in_size) hi = in_size;
        double sum = 0;
        for (int x = lo; x < hi; x++) sum += w[x - lo] = bicubic((x - center + 0.5) * inv_scale);
        for (int x = lo; x < hi; x++) {
            double k = sum != 0 ? w[x - lo] / sum : w[x - lo];
            a->weight[(size_t)i * a->taps + x - lo] =
                (int32_t)(k < 0 ? -0.5 + k * (1 << PIL_PRECISION_BITS) : 0.5 + k * (1 << PIL_PRECISION_BITS));
        }
        a->first[i] = lo;
        a->count[i] = hi - lo;
    }
    free(w);
    return ST_OK;
}

/* Rounds a fixed-point sum (which started at one half) to a clamped byte. */
static unsigned char clip8(int32_t sum) {
    int32_t v = sum >> PIL_PRECISION_BITS;
    return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

int hx_resize_crop_bicubic(const unsigned char *src, int src_w, int src_h, int resize_w, int resize_h,
                           int left, int top, unsigned char *dst, int dst_w, int dst_h) {
    if (src_w < 1 || src_h < 1 || dst_w < 1 || dst_h < 1 || left < 0 || top < 0 ||
        left + dst_w > resize_w || top + dst_h > resize_h)
        return st_fail(ST_ERR_ARG, "resize: window %dx%d at (%d,%d) of %dx%d resized from %dx%d is not valid",
                       dst_w, dst_h, left, top, resize_w, resize_h, src_w, src_h);
    axis_weights ax = {0}, ay = {0};
    int rc = axis_weights_make(src_w, resize_w, left, dst_w, &ax);
    if (!rc) rc = axis_weights_make(src_h, resize_h, top, dst_h, &ay);
    if (rc) {
        axis_weights_free(&ax);
        return rc;
    }
    /* Horizontal pass over just the source rows the vertical pass reads. */
    int row0 = ay.first[0], rows = ay.first[dst_h - 1] + ay.count[dst_h - 1] - row0;
    unsigned char *mid = malloc((size_t)rows * dst_w * 3); /* [rows][dst_w][3] */
    if (!mid) {
        axis_weights_free(&ax);
        axis_weights_free(&ay);
        return st_fail(ST_ERR_NOMEM, "resize: out of memory");
    }
    for (int y = 0; y < rows; y++) {
        const unsigned char *in = src + (size_t)(row0 + y) * src_w * 3;
        for (int x = 0; x < dst_w; x++) {
            const int32_t *k = ax.weight + (size_t)x * ax.taps;
            const unsigned char *p = in + (size_t)ax.first[x] * 3;
            for (int c = 0; c < 3; c++) {
                int32_t sum = 1 << (PIL_PRECISION_BITS - 1);
                for (int t = 0; t < ax.count[x]; t++) sum += p[3 * t + c] * k[t];
                mid[((size_t)y * dst_w + x) * 3 + c] = clip8(sum);
            }
        }
    }
    for (int y = 0; y < dst_h; y++) {
        const int32_t *k = ay.weight + (size_t)y * ay.taps;
        const unsigned char *p = mid + (size_t)(ay.first[y] - row0) * dst_w * 3;
        for (int i = 0; i < dst_w * 3; i++) {
            int32_t sum = 1 << (PIL_PRECISION_BITS - 1);
            for (int t = 0; t < ay.count[y]; t++) sum += p[(size_t)t * dst_w * 3 + i] * k[t];
            dst[(size_t)y * dst_w * 3 + i] = clip8(sum);
        }
    }
    free(mid);
    axis_weights_free(&ax);
    axis_weights_free(&ay);
    return ST_OK;
}

int hx_resize_rgb_bicubic(const unsigned char *src, int src_w, int src_h, unsigned char *dst, int dst_w,
                          int dst_h) {
    return hx_resize_crop_bicubic(src, src_w, src_h, dst_w, dst_h, 0, 0, dst, dst_w, dst_h);
}

/* Python's round() of d / 2, which rounds halves to even, as torchvision's CenterCrop. */
static int half_rounded_to_even(int d) { return (int)rint(d / 2.0); }

double hx_reference_crop_pct(int res) { return res > 224 ? 1.0 : 0.875; }

int hx_eval_crop_rgb_pct(const hx_image *img, int out_h, int out_w, double crop_pct, unsigned char *rgb) {
    if (!img || !img->rgb || img->w < 1 || img->h < 1)
        return st_fail(ST_ERR_ARG, "preprocess: no image");
    if (out_h < 1 || out_w < 1 || out_h > 8192 || out_w > 8192)
        return st_fail(ST_ERR_ARG, "preprocess: output size %dx%d is not in 1..8192", out_w, out_h);
    if (!(crop_pct > 0 && crop_pct <= 1))
        return st_fail(ST_ERR_ARG, "preprocess: crop fraction %g is not in (0, 1]", crop_pct);
    /* floor(size / crop_pct): exact for 0.875 (an integer quotient is exact in double) */
    long long cover_h = (long long)floor(out_h / crop_pct), cover_w = (long long)floor(out_w / crop_pct);
    long long resize_h, resize_w;
    /* Scale by whichever side needs more; the other follows the aspect ratio and is
     * truncated, as torchvision's int(size * long / short). */
    if (cover_h * img->w >= cover_w * img->h) {
        resize_h = cover_h;
        resize_w = (long long)((double)(cover_h * img->w) / img->h);
    } else {
        resize_w = cover_w;
        resize_h = (long long)((double)(cover_w * img->h) / img->w);
    }
    if (resize_w > 1 << 30 || resize_h > 1 << 30)
        return st_fail(ST_ERR_RANGE, "preprocess: a %dx%d image is too elongated to resize", img->w, img->h);
    int left = half_rounded_to_even((int)resize_w - out_w), top = half_rounded_to_even((int)resize_h - out_h);
    return hx_resize_crop_bicubic(img->rgb, img->w, img->h, (int)resize_w, (int)resize_h, left, top, rgb, out_w,
                                  out_h);
}

int hx_eval_crop_rgb(const hx_image *img, int out_h, int out_w, unsigned char *rgb) {
    return hx_eval_crop_rgb_pct(img, out_h, out_w, 0.875, rgb);
}

int hx_preprocess_pct(const hx_image *img, int out_h, int out_w, double crop_pct, float *out) {
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    if (out_h < 1 || out_w < 1 || out_h > 8192 || out_w > 8192)
        return st_fail(ST_ERR_ARG, "preprocess: output size %dx%d is not in 1..8192", out_w, out_h);
    size_t n = (size_t)out_h * out_w;
    unsigned char *rgb = malloc(n * 3); /* [out_h][out_w][3] */
    if (!rgb) return st_fail(ST_ERR_NOMEM, "preprocess: out of memory");
    int rc = hx_eval_crop_rgb_pct(img, out_h, out_w, crop_pct, rgb);
    if (rc == ST_OK) {
        /* float32 throughout, in torchvision's order: x / 255, then (x - mean) / std. */
        float table[3][256];
        for (int c = 0; c < 3; c++)
            for (int v = 0; v < 256; v++) table[c][v] = ((float)v / 255.0f - mean[c]) / std[c];
        for (int c = 0; c < 3; c++)
            for (size_t i = 0; i < n; i++) out[c * n + i] = table[c][rgb[3 * i + c]];
    }
    free(rgb);
    return rc;
}

int hx_preprocess(const hx_image *img, int out_h, int out_w, float *out) {
    return hx_preprocess_pct(img, out_h, out_w, 0.875, out);
}
