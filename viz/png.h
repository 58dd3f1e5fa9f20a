/* png.h — reading and writing 8-bit RGB PNG files (libpng).
 * viz/ is below harness/: harness/image.c uses vz_png_read for its PNG input. */
#ifndef VZ_PNG_H
#define VZ_PNG_H

/* Images larger than this are refused before any pixel memory is allocated. */
#define VZ_IMAGE_MAX_SIDE 32768
#define VZ_IMAGE_MAX_PIXELS 100000000LL /* 100 megapixels */

/* ST_OK if a w x h image is allowed; else ST_ERR_RANGE with a message naming path. */
int vz_check_image_size(const char *path, long long w, long long h);

/* Writes rgb (h rows of w interleaved RGB8 pixels) to path atomically: a temporary
 * file in the same folder is renamed over path only once it is complete. */
int vz_png_write(const char *path, const unsigned char *rgb, int w, int h);

/* Reads any PNG (palette, grey, grey+alpha, RGB, RGBA; 1-16 bits; interlaced) into
 * *rgb = malloc'ed w*h*3 RGB8 (free() it). Alpha and tRNS transparency are dropped,
 * not composited, and 16-bit samples keep their high byte: both as PIL's
 * Image.convert("RGB") does, so pixels match the reference preprocessing. */
int vz_png_read(const char *path, unsigned char **rgb, int *w, int *h);

#endif
