/* token_grid.c — token maps enlarged to the input picture. */
#include <stddef.h>

#include "variants/st_error.h"
#include "viz/token_grid.h"

static int check(int tw, int th, int stride, int w, int h) {
    if (th < 1 || tw < 1 || stride < 1 || h < 1 || w < 1)
        return st_fail(ST_ERR_ARG, "token map %dx%d (stride %d) to a %dx%d picture: empty size", tw, th, stride,
                       w, h);
    return ST_OK;
}

int vz_tokens_to_pixels_int(const int *tokens, int tw, int th, int stride, int *pixels, int w, int h) {
    int rc = check(tw, th, stride, w, h);
    if (rc) return rc;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) pixels[(size_t)y * w + x] = tokens[vz_token_of_pixel(x, y, tw, th, stride)];
    return ST_OK;
}

int vz_tokens_to_pixels_float(const float *tokens, int tw, int th, int stride, float *pixels, int w, int h) {
    int rc = check(tw, th, stride, w, h);
    if (rc) return rc;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) pixels[(size_t)y * w + x] = tokens[vz_token_of_pixel(x, y, tw, th, stride)];
    return ST_OK;
}
