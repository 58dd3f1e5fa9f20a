/* eval_crop.h — the evaluation preprocessing with the crop fraction as a parameter.
 *
 * hx_preprocess (image.h) fixes crop_pct = 0.875. The reference STViT evaluation
 * (the DeiT-derived datasets.py of the released code) uses that only up to 224: for
 * a larger input it resizes the short side to the input side itself and centre-crops
 * (crop_pct 1.0), and the published 384 x 384 accuracies were measured that way. */
#ifndef HX_EVAL_CROP_H
#define HX_EVAL_CROP_H
#include "harness/image.h"

/* 0.875 for res <= 224, 1.0 above: the reference evaluation's rule. */
double hx_reference_crop_pct(int res);

/* As hx_preprocess, resizing so the image covers floor(out / crop_pct) on each side
 * (timm's scale_size), crop_pct in (0, 1]. Equal, bit for bit, to hx_preprocess at
 * 0.875. out: planar float [3][out_h][out_w]. */
int hx_preprocess_pct(const hx_image *img, int out_h, int out_w, double crop_pct, float *out);
#endif
