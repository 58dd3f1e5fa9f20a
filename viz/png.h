/* png.h — reading and writing 8-bit RGB PNG files (libpng).
 * viz/ is below harness/: harness/image/image.c uses vz_png_read_stream for its PNG input. */
#ifndef VZ_PNG_H
#define VZ_PNG_H
#include <stdio.h>

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
 * not composited; 16-bit colour and grey+alpha samples keep their high byte, while
 * 16-bit grey (PIL's mode I;16) is clipped to 0..255, not scaled: all as PIL's
 * Image.convert("RGB") does (checked with Pillow 13, tests/data/grey16.png), so pixels
 * match the reference preprocessing. */
int vz_png_read(const char *path, unsigned char **rgb, int *w, int *h);
/* The same from an open stream at the file's start (path is for messages). */
int vz_png_read_stream(FILE *file, const char *path, unsigned char **rgb, int *w, int *h);

#endif
