/* fuzz_image.c — libFuzzer target: hx_image_load on arbitrary bytes (PNG and JPEG are
 * told apart by their first bytes), then the eval preprocessing of what it decoded. */
#include "harness/image/image.h"
#include "tests/fuzz/fuzz_util.h"
#include "viz/png.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    int fd = fuzz_file(data, size, path);
    hx_image img;
    if (hx_image_load(path, &img) == 0) {
        FUZZ_CHECK(img.rgb && img.w > 0 && img.h > 0);
        FUZZ_CHECK(img.w <= VZ_IMAGE_MAX_SIDE && img.h <= VZ_IMAGE_MAX_SIDE);
        FUZZ_CHECK((long long)img.w * img.h <= VZ_IMAGE_MAX_PIXELS);
        volatile unsigned sum = 0; /* every decoded byte is read: ASan sees any short buffer */
        for (size_t i = 0; i < (size_t)img.w * img.h * 3; i++) sum += img.rgb[i];
        float out[3 * 32 * 40];
        FUZZ_CHECK(hx_preprocess(&img, 32, 40, out) == 0);
        hx_image_free(&img);
    } else {
        FUZZ_CHECK(!img.rgb);
    }
    close(fd);
    return 0;
}
