/* image.c — loading PNG and JPEG files as RGB8. PNG decoding is viz's vz_png_read;
 * JPEG is decoded here with libjpeg-turbo, its errors caught with setjmp. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "harness/image/image.h"
#include "variants/st_error.h"
#include "variants/st_file.h"
#include "viz/png.h"

typedef struct {
    struct jpeg_error_mgr mgr; /* first, so libjpeg's err pointer is also ours */
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} jpeg_err;

static void on_jpeg_error(j_common_ptr info) {
    jpeg_err *err = (jpeg_err *)info->err;
    info->err->format_message(info, err->msg);
    longjmp(err->jump, 1);
}

/* libjpeg only warns about damaged data (and pads a truncated file with grey); an
 * image like that must not be classified, so those warnings are errors here.
 * Harmless warnings (extra bytes, odd JFIF versions) are ignored, silently. */
static void on_jpeg_message(j_common_ptr info, int level) {
    if (level >= 0) return; /* trace messages */
    switch (info->err->msg_code) {
    case JWRN_JPEG_EOF: case JWRN_HIT_MARKER: case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE: case JWRN_MUST_RESYNC: case JWRN_NOT_SEQUENTIAL:
        on_jpeg_error(info);
    }
}

/* PIL's CMYK -> RGB: channel = (255 - K) - (ink * (255 - K)) / 255, rounded. */
static void cmyk_row_to_rgb(const unsigned char *cmyk, int w, int inverted, unsigned char *rgb) {
    for (int x = 0; x < w; x++) {
        int ink[4];
        for (int c = 0; c < 4; c++) ink[c] = inverted ? 255 - cmyk[4 * x + c] : cmyk[4 * x + c];
        int paper = 255 - ink[3];
        for (int c = 0; c < 3; c++) {
            int t = ink[c] * paper + 128;
            rgb[3 * x + c] = (unsigned char)(paper - (((t >> 8) + t) >> 8));
        }
    }
}

/* State that must survive a longjmp lives in the caller's frame. */
typedef struct {
    struct jpeg_decompress_struct info;
    jpeg_err err;
    unsigned char *pixels; /* [h][w][3] */
    unsigned char *cmyk;   /* [w][4], one row, for CMYK files only */
} jpeg_job;

static int decode_jpeg(jpeg_job *job, FILE *file, const char *path, hx_image *out) {
    struct jpeg_decompress_struct *info = &job->info;
    info->err = jpeg_std_error(&job->err.mgr);
    job->err.mgr.error_exit = on_jpeg_error;
    job->err.mgr.emit_message = on_jpeg_message;
    if (setjmp(job->err.jump))
        return st_fail(ST_ERR_FORMAT, "%s: corrupt or truncated JPEG (%s)", path, job->err.msg);
    jpeg_create_decompress(info);
    jpeg_stdio_src(info, file);
    jpeg_read_header(info, TRUE);
    int rc = vz_check_image_size(path, info->image_width, info->image_height);
    if (rc) return rc;

    int is_cmyk = info->jpeg_color_space == JCS_CMYK || info->jpeg_color_space == JCS_YCCK;
    info->out_color_space = is_cmyk ? JCS_CMYK : JCS_RGB; /* greyscale expands to RGB too */
    jpeg_start_decompress(info);
    int w = (int)info->output_width, h = (int)info->output_height;
    if (info->output_components != (is_cmyk ? 4 : 3))
        return st_fail(ST_ERR_FORMAT, "%s: JPEG with %d components is not supported", path,
                       info->output_components);
    job->pixels = malloc((size_t)w * h * 3);
    job->cmyk = is_cmyk ? malloc((size_t)w * 4) : NULL;
    if (!job->pixels || (is_cmyk && !job->cmyk))
        return st_fail(ST_ERR_NOMEM, "%s: out of memory for a %dx%d image", path, w, h);
    while (info->output_scanline < info->output_height) {
        unsigned char *row = job->pixels + (size_t)info->output_scanline * w * 3;
        JSAMPROW target = is_cmyk ? job->cmyk : row;
        jpeg_read_scanlines(info, &target, 1);
        /* Adobe's CMYK files store inverted ink, as PIL assumes too. */
        if (is_cmyk) cmyk_row_to_rgb(job->cmyk, w, info->saw_Adobe_marker, row);
    }
    jpeg_finish_decompress(info);
    out->w = w;
    out->h = h;
    return ST_OK;
}

static int load_jpeg(const char *path, FILE *file, hx_image *out) {
    jpeg_job job;
    memset(&job, 0, sizeof job);
    int rc = decode_jpeg(&job, file, path, out);
    jpeg_destroy_decompress(&job.info);
    free(job.cmyk);
    if (rc) {
        free(job.pixels);
        out->w = out->h = 0;
        return rc;
    }
    out->rgb = job.pixels;
    return ST_OK;
}

int hx_image_load(const char *path, hx_image *out) {
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned char jpeg_magic[3] = {0xff, 0xd8, 0xff};
    memset(out, 0, sizeof *out);
    FILE *file;
    int rc = st_fopen_read(path, &file);
    if (rc) return rc;
    unsigned char head[8];
    size_t n = fread(head, 1, sizeof head, file);
    if (ferror(file)) {
        rc = st_fail(ST_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    } else if (n == 0) {
        rc = st_fail(ST_ERR_FORMAT, "%s: empty file, not a PNG or JPEG file", path);
    } else if (n == 8 && memcmp(head, png_magic, 8) == 0) {
        rewind(file);
        rc = vz_png_read_stream(file, path, &out->rgb, &out->w, &out->h);
    } else if (n >= 3 && memcmp(head, jpeg_magic, 3) == 0) {
        rewind(file);
        rc = load_jpeg(path, file, out);
    } else {
        rc = st_fail(ST_ERR_FORMAT, "%s: not a PNG or JPEG file", path);
    }
    fclose(file);
    return rc;
}

void hx_image_free(hx_image *img) {
    if (!img) return;
    free(img->rgb);
    img->rgb = NULL;
    img->w = img->h = 0;
}
