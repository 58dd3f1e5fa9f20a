/* resize.h — resizing maps and images for pictures (not the model's input: that is
 * hx_preprocess's PIL-style bicubic). The caller provides dst; sizes must be >= 1,
 * else ST_ERR_ARG. Pixel centres are aligned (half-pixel convention, like
 * PyTorch's interpolate with align_corners=False). */
#ifndef VZ_RESIZE_H
#define VZ_RESIZE_H

/* Nearest neighbour: dst pixel x takes src pixel floor((x + 0.5) * src_w / dst_w).
 * An integer upscale turns each source pixel into an exact factor x factor block. */
int vz_resize_nearest_int(const int *src, int src_w, int src_h, int *dst, int dst_w, int dst_h);
int vz_resize_nearest_float(const float *src, int src_w, int src_h, float *dst, int dst_w, int dst_h);
int vz_resize_nearest_rgb(const unsigned char *src, int src_w, int src_h,
                          unsigned char *dst, int dst_w, int dst_h);

/* Bilinear, edges clamped, no antialiasing (meant for enlarging). */
int vz_resize_bilinear_float(const float *src, int src_w, int src_h, float *dst, int dst_w, int dst_h);
int vz_resize_bilinear_rgb(const unsigned char *src, int src_w, int src_h,
                           unsigned char *dst, int dst_w, int dst_h);

#endif
