/* eval_crop.c — hx_preprocess with a crop fraction (see eval_crop.h). The resize
 * and centre-crop rule is hx_eval_crop_rgb's (preprocess.c) with floor(out / crop_pct)
 * in place of floor(out / 0.875); the PIL-exact resampling is shared. */
#include <math.h>
#include <stdlib.h>
#include "harness/eval_crop.h"
#include "variants/st_error.h"

double hx_reference_crop_pct(int res) { return res > 224 ? 1.0 : 0.875; }

int hx_preprocess_pct(const hx_image *img, int out_h, int out_w, double crop_pct, float *out) {
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    if (!img || !img->rgb || img->w < 1 || img->h < 1) return st_fail(ST_ERR_ARG, "preprocess: no image");
    if (out_h < 1 || out_w < 1 || out_h > 8192 || out_w > 8192)
        return st_fail(ST_ERR_ARG, "preprocess: output size %dx%d is not in 1..8192", out_w, out_h);
    if (!(crop_pct > 0 && crop_pct <= 1))
        return st_fail(ST_ERR_ARG, "preprocess: crop fraction %g is not in (0, 1]", crop_pct);
    long long cover_h = (long long)floor(out_h / crop_pct), cover_w = (long long)floor(out_w / crop_pct);
    long long resize_h, resize_w;
    /* The side that needs the larger scale decides; the other keeps the aspect ratio,
     * truncated, as torchvision's Resize(int). */
    if (cover_h * img->w >= cover_w * img->h) {
        resize_h = cover_h;
        resize_w = (long long)((double)(cover_h * img->w) / img->h);
    } else {
        resize_w = cover_w;
        resize_h = (long long)((double)(cover_w * img->h) / img->w);
    }
    if (resize_w > 1 << 30 || resize_h > 1 << 30)
        return st_fail(ST_ERR_RANGE, "preprocess: a %dx%d image is too elongated to resize", img->w, img->h);
    /* Python's round() of the margin / 2 (halves to even), as torchvision's CenterCrop. */
    int left = (int)rint((resize_w - out_w) / 2.0), top = (int)rint((resize_h - out_h) / 2.0);
    size_t n = (size_t)out_h * out_w;
    unsigned char *rgb = malloc(n * 3);   /* [out_h][out_w][3] */
    if (!rgb) return st_fail(ST_ERR_NOMEM, "preprocess: out of memory");
    int rc = hx_resize_crop_bicubic(img->rgb, img->w, img->h, (int)resize_w, (int)resize_h, left, top, rgb, out_w,
                                    out_h);
    if (rc == ST_OK) {
        /* float32, in torchvision's order: x / 255, then (x - mean) / std. */
        float table[3][256];
        for (int c = 0; c < 3; c++)
            for (int v = 0; v < 256; v++) table[c][v] = ((float)v / 255.0f - mean[c]) / std[c];
        for (int c = 0; c < 3; c++)
            for (size_t i = 0; i < n; i++) out[c * n + i] = table[c][rgb[3 * i + c]];
    }
    free(rgb);
    return rc;
}
