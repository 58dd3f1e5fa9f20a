/* png.c — RGB8 PNG input and output with libpng, with libpng's errors turned into
 * st_fail messages (setjmp/longjmp) so a bad file never crashes or prints. */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "variants/st_error.h"
#include "variants/st_file.h"
#include "viz/png.h"

int vz_check_image_size(const char *path, long long w, long long h) {
    if (w <= 0 || h <= 0)
        return st_fail(ST_ERR_RANGE, "%s: image of %lldx%lld pixels is empty", path, w, h);
    if (w > VZ_IMAGE_MAX_SIDE || h > VZ_IMAGE_MAX_SIDE)
        return st_fail(ST_ERR_RANGE, "%s: image of %lldx%lld pixels has a side longer than %d",
                       path, w, h, VZ_IMAGE_MAX_SIDE);
    if (w * h > VZ_IMAGE_MAX_PIXELS)
        return st_fail(ST_ERR_RANGE, "%s: image of %lldx%lld pixels is larger than the %lld-megapixel limit",
                       path, w, h, VZ_IMAGE_MAX_PIXELS / 1000000);
    return ST_OK;
}

/* libpng reports through these; the message is kept for st_fail. */
typedef struct {
    char msg[200];
} png_err;

static void on_png_error(png_structp png, png_const_charp msg) {
    png_err *err = png_get_error_ptr(png);
    snprintf(err->msg, sizeof err->msg, "%s", msg);
    png_longjmp(png, 1);
}
/* Warnings are about ancillary chunks we do not use; stay quiet. */
static void on_png_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

/* Everything that must survive a longjmp lives in the caller's frame, reached by pointer. */
typedef struct {
    png_structp png;
    png_infop info;
    unsigned char *pixels; /* [h][w][3] */
    png_bytep *rows;       /* [h] pointers into pixels */
} png_job;

static int decode(png_job *job, FILE *file, const char *path, const png_err *err, int *w, int *h) {
    if (setjmp(png_jmpbuf(job->png)))
        return st_fail(ST_ERR_FORMAT, "%s: corrupt or truncated PNG (%s)", path, err->msg);
    png_init_io(job->png, file);
    png_read_info(job->png, job->info);

    png_uint_32 pw, ph;
    int depth, ctype;
    png_get_IHDR(job->png, job->info, &pw, &ph, &depth, &ctype, NULL, NULL, NULL);
    int rc = vz_check_image_size(path, pw, ph);
    if (rc) return rc;

    /* Everything becomes 8-bit RGB (see png.h for what happens to alpha and 16 bits).
     * 16-bit grey is read as is and clipped below, as PIL does with its mode I;16. */
    int grey16 = ctype == PNG_COLOR_TYPE_GRAY && depth == 16;
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(job->png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(job->png);
    if (depth == 16 && !grey16) png_set_strip_16(job->png);
    if (ctype & PNG_COLOR_MASK_ALPHA || png_get_valid(job->png, job->info, PNG_INFO_tRNS))
        png_set_strip_alpha(job->png);
    if (!(ctype & PNG_COLOR_MASK_COLOR) && !grey16) png_set_gray_to_rgb(job->png);
    if (grey16) png_set_swap(job->png); /* host (little-endian) order, read as uint16 below */
    png_set_interlace_handling(job->png);
    png_read_update_info(job->png, job->info);
    if (png_get_channels(job->png, job->info) != (grey16 ? 1 : 3) ||
        png_get_bit_depth(job->png, job->info) != (grey16 ? 16 : 8))
        return st_fail(ST_ERR_FORMAT, "%s: PNG layout (colour type %d, %d bits) not converted to RGB8",
                       path, ctype, depth);

    job->pixels = malloc((size_t)pw * ph * 3);
    job->rows = malloc((size_t)ph * sizeof *job->rows);
    if (!job->pixels || !job->rows)
        return st_fail(ST_ERR_NOMEM, "%s: out of memory for a %ux%u image", path, (unsigned)pw, (unsigned)ph);
    for (png_uint_32 y = 0; y < ph; y++) job->rows[y] = job->pixels + (size_t)y * pw * 3;
    png_read_image(job->png, job->rows);
    png_read_end(job->png, NULL);
    if (grey16) /* each row holds w 16-bit samples in its first 2w bytes; widen in place from the end */
        for (png_uint_32 y = 0; y < ph; y++) {
            unsigned char *row = job->rows[y];
            for (png_uint_32 x = pw; x-- > 0;) {
                unsigned v = row[2 * x] | (unsigned)row[2 * x + 1] << 8;
                unsigned char g = v > 255 ? 255 : (unsigned char)v;
                row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = g;
            }
        }
    *w = (int)pw;
    *h = (int)ph;
    return ST_OK;
}

int vz_png_read(const char *path, unsigned char **rgb, int *w, int *h) {
    *rgb = NULL;
    *w = *h = 0;
    FILE *file;
    int rc = st_fopen_read(path, &file);
    if (rc) return rc;
    rc = vz_png_read_stream(file, path, rgb, w, h);
    fclose(file);
    return rc;
}

int vz_png_read_stream(FILE *file, const char *path, unsigned char **rgb, int *w, int *h) {
    *rgb = NULL;
    *w = *h = 0;
    int rc;
    png_err err = {"unknown error"};
    png_job job = {0};
    job.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, on_png_error, on_png_warning);
    job.info = job.png ? png_create_info_struct(job.png) : NULL;
    rc = job.info ? decode(&job, file, path, &err, w, h)
                      : st_fail(ST_ERR_NOMEM, "%s: cannot set up libpng", path);
    png_destroy_read_struct(&job.png, &job.info, NULL);
    if (rc == ST_ERR_FORMAT && feof(file)) /* libpng only says "Read Error" */
        rc = st_fail(ST_ERR_FORMAT, "%s: truncated PNG (the file ends early)", path);
    free(job.rows);
    if (rc) {
        free(job.pixels);
        *w = *h = 0;
        return rc;
    }
    *rgb = job.pixels;
    return ST_OK;
}

static int encode(png_job *job, FILE *file, const char *path, const png_err *err,
                  const unsigned char *rgb, int w, int h) {
    if (setjmp(png_jmpbuf(job->png)))
        return st_fail(ST_ERR_IO, "%s: cannot write PNG (%s)", path, err->msg);
    png_init_io(job->png, file);
    png_set_IHDR(job->png, job->info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(job->png, job->info);
    for (int y = 0; y < h; y++) png_write_row(job->png, rgb + (size_t)y * w * 3);
    png_write_end(job->png, NULL);
    return ST_OK;
}

int vz_png_write(const char *path, const unsigned char *rgb, int w, int h) {
    if (!rgb || w <= 0 || h <= 0)
        return st_fail(ST_ERR_ARG, "%s: cannot write an empty %dx%d image", path, w, h);
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) return st_fail(ST_ERR_NOMEM, "%s: out of memory", path);
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp-XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = st_fail(ST_ERR_IO, "%s: cannot create file: %s", path, strerror(errno));
        free(tmp);
        return rc;
    }
    fchmod(fd, 0644); /* mkstemp makes 0600; a picture should be readable like any file */
    FILE *file = fdopen(fd, "wb");
    int rc;
    if (!file) {
        rc = st_fail(ST_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        close(fd);
    } else {
        png_err err = {"unknown error"};
        png_job job = {0};
        job.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_png_error, on_png_warning);
        job.info = job.png ? png_create_info_struct(job.png) : NULL;
        rc = job.info ? encode(&job, file, path, &err, rgb, w, h)
                      : st_fail(ST_ERR_NOMEM, "%s: cannot set up libpng", path);
        png_destroy_write_struct(&job.png, &job.info);
        if (fclose(file) != 0 && rc == ST_OK)
            rc = st_fail(ST_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    if (rc == ST_OK && rename(tmp, path) != 0)
        rc = st_fail(ST_ERR_IO, "%s: cannot replace file: %s", path, strerror(errno));
    if (rc != ST_OK) unlink(tmp);
    free(tmp);
    return rc;
}
