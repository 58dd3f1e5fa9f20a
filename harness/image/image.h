/* image.h — input pictures: loading PNG/JPEG files as RGB8 and the ImageNet
 * evaluation preprocessing that turns one into the model's input tensor. */
#ifndef HX_IMAGE_H
#define HX_IMAGE_H

typedef struct {
    int w, h;
    unsigned char *rgb; /* [h][w][3] interleaved RGB8 */
} hx_image;

/* Loads a PNG (libpng) or JPEG (libjpeg-turbo) file, told apart by its first bytes,
 * as RGB8. PNG: any colour type and bit depth; alpha is dropped, not composited,
 * 16-bit colour samples keep their high byte and 16-bit grey is clipped to 0..255
 * (both as PIL's convert("RGB"); see viz/png.h). Not a regular file (a folder, a
 * FIFO): refused without blocking. JPEG: colour,
 * greyscale and CMYK/YCCK (converted like PIL). EXIF orientation is not applied
 * (PIL does not either). Corrupt or truncated files, images with an empty side or
 * larger than 100 megapixels or 32768 pixels a side are refused before decoding. */
int hx_image_load(const char *path, hx_image *out);
void hx_image_free(hx_image *img);

/* ImageNet eval preprocessing as timm/torchvision do it (crop_pct 0.875):
 * resize keeping the aspect ratio so the image covers floor(out_h / 0.875) x
 * floor(out_w / 0.875) (for a square output: short side to floor(size / 0.875),
 * e.g. 256 for 224), centre crop out_h x out_w, scale to [0,1], normalise with
 * mean (0.485,0.456,0.406) and std (0.229,0.224,0.225). The resize is PIL's bicubic
 * (a = -0.5, antialiased when shrinking, 8-bit fixed point), reproduced exactly.
 * out: planar float [3][out_h][out_w], allocated by the caller. */
int hx_preprocess(const hx_image *img, int out_h, int out_w, float *out);

/* The same with the crop fraction as a parameter (floor(out / crop_pct) in place of
 * floor(out / 0.875)), crop_pct in (0, 1]. The reference STViT evaluation (the
 * DeiT-derived datasets.py of the released code) uses 0.875 only up to 224; above it
 * resizes the short side to the input side and centre-crops (crop_pct 1.0): the
 * published 384 accuracies were measured that way. */
int hx_preprocess_pct(const hx_image *img, int out_h, int out_w, double crop_pct, float *out);
/* 0.875 for res <= 224, 1.0 above: the reference evaluation's rule. */
double hx_reference_crop_pct(int res);

/* The resized and cropped picture hx_preprocess normalises, as RGB8
 * [out_h][out_w][3]: what the model sees, for drawing over. */
int hx_eval_crop_rgb(const hx_image *img, int out_h, int out_w, unsigned char *rgb);
int hx_eval_crop_rgb_pct(const hx_image *img, int out_h, int out_w, double crop_pct, unsigned char *rgb);

/* PIL's bicubic resize of src (src_w x src_h RGB8) to resize_w x resize_h, of which
 * only the dst_w x dst_h window at (left, top) is computed into dst. The window must
 * lie inside the resized image. */
int hx_resize_crop_bicubic(const unsigned char *src, int src_w, int src_h, int resize_w, int resize_h,
                           int left, int top, unsigned char *dst, int dst_w, int dst_h);

/* Whole-image PIL bicubic resize: dst is dst_w x dst_h RGB8. */
int hx_resize_rgb_bicubic(const unsigned char *src, int src_w, int src_h, unsigned char *dst, int dst_w,
                          int dst_h);

#endif
