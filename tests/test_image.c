/* test_image.c — loading PNG and JPEG input (every PNG colour type and bit depth,
 * JPEG colour/grey/CMYK), refusal of bad, truncated and oversized files with a
 * message naming them, and the eval preprocessing (checked against Pillow). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tests/common/testutil.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>
#include <jpeglib.h>

#include "harness/image/image.h"
#include "variants/st_error.h"

static int group_setup(void **state) { return tu_tmpdir_create("image"); }
static int group_teardown(void **state) { return tu_tmpdir_remove(); }

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static unsigned char *read_bytes(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *data = malloc(*n);
    assert_int_equal(fread(data, 1, *n, f), *n);
    fclose(f);
    return data;
}

/* The load must fail with `code` and a message holding the path and `fragment`. */
static void expect_refused(const char *path, int code, const char *fragment) {
    hx_image img = {7, 7, (unsigned char *)"x"};
    int rc = hx_image_load(path, &img);
    if (rc != code) fail_msg("%s: got code %d, expected %d (%s)", path, rc, code, st_last_error());
    if (!strstr(st_last_error(), path) || !strstr(st_last_error(), fragment))
        fail_msg("message \"%s\" should name %s and say \"%s\"", st_last_error(), path, fragment);
    assert_null(img.rgb);
    assert_int_equal(img.w, 0);
    assert_int_equal(img.h, 0);
}

static uint32_t fnv1a(const unsigned char *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* ---- PNG files of every kind, written with libpng -------------------------------- */

typedef struct {
    int color_type, bit_depth, interlace, with_trns;
} png_kind;

static int channels_of(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    default: return 4;
    }
}

static unsigned pattern(int x, int y, int c) { return (unsigned)(x * 37 + y * 101 + c * 59 + 13); }

static void palette_entry(int i, unsigned char rgb[3]) {
    rgb[0] = (unsigned char)(i * 53 + 7), rgb[1] = (unsigned char)(i * 97 + 11), rgb[2] = (unsigned char)(i * 151 + 3);
}

/* The stored sample of channel c at (x, y): 8-bit patterns, with a noisy low byte
 * at 16 bits; at 1, 2 and 4 bits the pattern's low bits. */
static unsigned stored_sample(const png_kind *k, int x, int y, int c) {
    if (k->bit_depth == 16) return (pattern(x, y, c) % 256) * 256 + (unsigned)(x * 7 + y) % 256;
    return pattern(x, y, c) % (1u << k->bit_depth);
}

/* The RGB8 pixel the loader must produce for it: as PIL's convert("RGB"), the high
 * byte of 16-bit samples, except 16-bit grey (mode I;16), which is clipped to 255. */
static void expected_rgb(const png_kind *k, int x, int y, unsigned char rgb[3]) {
    if (k->color_type == PNG_COLOR_TYPE_PALETTE) {
        palette_entry((int)stored_sample(k, x, y, 0), rgb);
        return;
    }
    int grey = !(k->color_type & PNG_COLOR_MASK_COLOR);
    for (int c = 0; c < 3; c++) {
        unsigned s = stored_sample(k, x, y, grey ? 0 : c);
        if (k->bit_depth == 16 && k->color_type == PNG_COLOR_TYPE_GRAY) rgb[c] = (unsigned char)(s > 255 ? 255 : s);
        else rgb[c] = (unsigned char)(k->bit_depth == 16 ? s >> 8 : s * 255 / ((1u << k->bit_depth) - 1));
    }
}

static void write_png_kind(const char *path, const png_kind *k, int w, int h) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) fail_msg("libpng could not write %s", path);
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, k->bit_depth, k->color_type, k->interlace, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    int n_palette = 1 << k->bit_depth;
    png_color palette[256];
    png_byte alphas[256];
    if (k->color_type == PNG_COLOR_TYPE_PALETTE) {
        for (int i = 0; i < n_palette; i++) {
            unsigned char rgb[3];
            palette_entry(i, rgb);
            palette[i] = (png_color){rgb[0], rgb[1], rgb[2]};
            alphas[i] = (png_byte)(i * 40);
        }
        png_set_PLTE(png, info, palette, n_palette);
        if (k->with_trns) png_set_tRNS(png, info, alphas, n_palette, NULL);
    } else if (k->with_trns) {
        png_color_16 transparent = {0, 13, 13, 13, 13};
        png_set_tRNS(png, info, NULL, 0, &transparent);
    }
    png_write_info(png, info);
    if (k->bit_depth < 8) png_set_packing(png); /* we give one sample per byte */
    int channels = channels_of(k->color_type), bytes = k->bit_depth == 16 ? 2 : 1;
    png_bytep *rows = malloc(h * sizeof *rows);
    for (int y = 0; y < h; y++) {
        rows[y] = malloc((size_t)w * channels * bytes);
        for (int x = 0; x < w; x++)
            for (int c = 0; c < channels; c++) {
                unsigned s = stored_sample(k, x, y, c);
                png_bytep p = rows[y] + ((size_t)x * channels + c) * bytes;
                if (bytes == 2) p[0] = (png_byte)(s >> 8), p[1] = (png_byte)s; /* big-endian */
                else p[0] = (png_byte)s;
            }
    }
    png_write_image(png, rows); /* handles the interlace passes */
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    for (int y = 0; y < h; y++) free(rows[y]);
    free(rows);
    assert_int_equal(fclose(f), 0);
}

static void test_png_every_kind(void **state) {
    enum { W = 13, H = 7 };
    const int G = PNG_COLOR_TYPE_GRAY, GA = PNG_COLOR_TYPE_GRAY_ALPHA, RGB = PNG_COLOR_TYPE_RGB,
              RGBA = PNG_COLOR_TYPE_RGB_ALPHA, P = PNG_COLOR_TYPE_PALETTE, ADAM7 = PNG_INTERLACE_ADAM7;
    const png_kind kinds[] = {
        {G, 1, 0, 0},    {G, 2, 0, 0},    {G, 4, 0, 0},     {G, 8, 0, 0},     {G, 16, 0, 0},
        {G, 8, 0, 1},    {GA, 8, 0, 0},   {GA, 16, 0, 0},   {RGB, 8, 0, 0},   {RGB, 16, 0, 0},
        {RGB, 8, 0, 1},  {RGBA, 8, 0, 0}, {RGBA, 16, 0, 0}, {P, 1, 0, 0},     {P, 2, 0, 0},
        {P, 4, 0, 1},    {P, 8, 0, 1},    {RGB, 8, ADAM7, 0}, {G, 2, ADAM7, 0}, {RGBA, 16, ADAM7, 0},
        {P, 8, ADAM7, 1},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        const png_kind *k = &kinds[i];
        char name[64];
        snprintf(name, sizeof name, "kind%zu_t%d_d%d_i%d.png", i, k->color_type, k->bit_depth, k->interlace);
        const char *path = tu_tmp_path(name);
        write_png_kind(path, k, W, H);
        hx_image img;
        if (hx_image_load(path, &img)) fail_msg("%s", st_last_error());
        assert_int_equal(img.w, W);
        assert_int_equal(img.h, H);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                unsigned char want[3];
                expected_rgb(k, x, y, want);
                if (memcmp(img.rgb + (y * W + x) * 3, want, 3))
                    fail_msg("%s: pixel (%d,%d) is %d,%d,%d, expected %d,%d,%d", name, x, y,
                             img.rgb[(y * W + x) * 3], img.rgb[(y * W + x) * 3 + 1],
                             img.rgb[(y * W + x) * 3 + 2], want[0], want[1], want[2]);
            }
        hx_image_free(&img);
        assert_null(img.rgb);
    }
}

/* 16-bit PNGs made with the pixels PIL's convert("RGB") gives them (tests/data/png16). */
static void test_png16_matches_pillow(void **state) {
    static const char *const names[] = {"grey16", "greyalpha16", "rgb16", "rgba16"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char png[128], raw[128];
        snprintf(png, sizeof png, "tests/data/png16/%s.png", names[i]);
        snprintf(raw, sizeof raw, "tests/data/png16/%s.rgb", names[i]);
        size_t n;
        unsigned char *want = read_bytes(raw, &n);
        hx_image img;
        if (hx_image_load(png, &img)) fail_msg("%s", st_last_error());
        assert_int_equal(img.w, 5);
        assert_int_equal(img.h, 3);
        assert_int_equal(n, (size_t)img.w * img.h * 3);
        for (size_t b = 0; b < n; b++)
            if (img.rgb[b] != want[b])
                fail_msg("%s: byte %zu (pixel %zu) is %d, Pillow gives %d", png, b, b / 3, img.rgb[b], want[b]);
        hx_image_free(&img);
        free(want);
    }
}

static void test_bundled_photos(void **state) {
    static const struct {
        const char *path;
        int w, h;
        unsigned char first[3], at_200_150[3], last[3]; /* as Pillow reads them */
    } photos[] = {
        {"harness/images/chelsea.png", 451, 300, {143, 120, 104}, {125, 64, 35}, {162, 138, 128}},
        {"harness/images/coffee.png", 600, 400, {21, 13, 8}, {247, 235, 218}, {143, 60, 29}},
    };
    for (int i = 0; i < 2; i++) {
        hx_image img;
        if (hx_image_load(photos[i].path, &img)) fail_msg("%s", st_last_error());
        assert_int_equal(img.w, photos[i].w);
        assert_int_equal(img.h, photos[i].h);
        assert_memory_equal(img.rgb, photos[i].first, 3);
        assert_memory_equal(img.rgb + (150 * img.w + 200) * 3, photos[i].at_200_150, 3);
        assert_memory_equal(img.rgb + ((size_t)img.w * img.h - 1) * 3, photos[i].last, 3);
        hx_image_free(&img);
    }
}

/* ---- JPEG ------------------------------------------------------------------------- */

static void write_jpeg(const char *path, const unsigned char *px, int w, int h, int components,
                       J_COLOR_SPACE space) {
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr err;
    cinfo.err = jpeg_std_error(&err);
    jpeg_create_compress(&cinfo);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    jpeg_stdio_dest(&cinfo, f);
    cinfo.image_width = w, cinfo.image_height = h;
    cinfo.input_components = components, cinfo.in_color_space = space;
    jpeg_set_defaults(&cinfo); /* CMYK input gets an Adobe marker: samples are inverted ink */
    jpeg_set_quality(&cinfo, 95, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)px + (size_t)cinfo.next_scanline * w * components;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    assert_int_equal(fclose(f), 0);
}

/* Flat 16x16 blocks of known colours survive JPEG nearly unchanged. */
static void expect_block_colour(const hx_image *img, int bx, const unsigned char want[3], int tolerance) {
    for (int y = 4; y < 12; y++)
        for (int x = bx * 16 + 4; x < bx * 16 + 12; x++)
            for (int c = 0; c < 3; c++) {
                int got = img->rgb[((size_t)y * img->w + x) * 3 + c];
                if (abs(got - want[c]) > tolerance)
                    fail_msg("block %d pixel (%d,%d) channel %d: %d, expected %d", bx, x, y, c, got, want[c]);
            }
}

static void test_jpeg_colour_grey_cmyk(void **state) {
    enum { W = 48, H = 16 };
    static const unsigned char colours[3][3] = {{200, 30, 40}, {20, 180, 60}, {250, 250, 240}};
    unsigned char rgb[H][W][3], grey[H][W], cmyk[H][W][4];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const unsigned char *col = colours[x / 16];
            memcpy(rgb[y][x], col, 3);
            grey[y][x] = col[1];
            /* Ink for that colour with K = 0, stored inverted as Adobe does. */
            for (int c = 0; c < 3; c++) cmyk[y][x][c] = col[c];
            cmyk[y][x][3] = 255;
        }
    write_jpeg(tu_tmp_path("rgb.jpg"), &rgb[0][0][0], W, H, 3, JCS_RGB);
    write_jpeg(tu_tmp_path("grey.jpg"), &grey[0][0], W, H, 1, JCS_GRAYSCALE);
    write_jpeg(tu_tmp_path("cmyk.jpg"), &cmyk[0][0][0], W, H, 4, JCS_CMYK);

    hx_image img;
    if (hx_image_load(tu_tmp_path("rgb.jpg"), &img)) fail_msg("%s", st_last_error());
    assert_int_equal(img.w, W);
    assert_int_equal(img.h, H);
    for (int b = 0; b < 3; b++) expect_block_colour(&img, b, colours[b], 6);
    hx_image_free(&img);

    if (hx_image_load(tu_tmp_path("grey.jpg"), &img)) fail_msg("%s", st_last_error());
    for (int b = 0; b < 3; b++) {
        unsigned char g[3] = {colours[b][1], colours[b][1], colours[b][1]};
        expect_block_colour(&img, b, g, 2);
    }
    hx_image_free(&img);

    if (hx_image_load(tu_tmp_path("cmyk.jpg"), &img)) fail_msg("%s", st_last_error());
    for (int b = 0; b < 3; b++) expect_block_colour(&img, b, colours[b], 3);
    hx_image_free(&img);
}

/* A noisy JPEG, so that half of the file is half of the scan data. */
static void write_noisy_jpeg(const char *path, int w, int h) {
    unsigned char *px = malloc((size_t)w * h * 3);
    uint32_t s = 12345;
    for (size_t i = 0; i < (size_t)w * h * 3; i++) s = s * 1664525u + 1013904223u, px[i] = (unsigned char)(s >> 24);
    write_jpeg(path, px, w, h, 3, JCS_RGB);
    free(px);
}

static void test_truncated_files(void **state) {
    size_t n;
    unsigned char *png = read_bytes("harness/images/chelsea.png", &n);
    const size_t png_cuts[] = {8, 20, 40, 1000, n / 2, n - 5};
    for (size_t i = 0; i < sizeof png_cuts / sizeof *png_cuts; i++) {
        write_bytes(tu_tmp_path("cut.png"), png, png_cuts[i]);
        expect_refused(tu_tmp_path("cut.png"), ST_ERR_FORMAT, "PNG");
    }
    free(png);

    write_noisy_jpeg(tu_tmp_path("noisy.jpg"), 64, 64);
    unsigned char *jpg = read_bytes(tu_tmp_path("noisy.jpg"), &n);
    const size_t jpg_cuts[] = {3, 10, 100, n / 2, n - 2};
    for (size_t i = 0; i < sizeof jpg_cuts / sizeof *jpg_cuts; i++) {
        write_bytes(tu_tmp_path("cut.jpg"), jpg, jpg_cuts[i]);
        expect_refused(tu_tmp_path("cut.jpg"), ST_ERR_FORMAT, "JPEG");
    }
    free(jpg);
}

static void test_not_images(void **state) {
    write_bytes(tu_tmp_path("notes.txt"), "hello, not a picture\n", 21);
    expect_refused(tu_tmp_path("notes.txt"), ST_ERR_FORMAT, "not a PNG or JPEG file");
    write_bytes(tu_tmp_path("empty.png"), "", 0);
    expect_refused(tu_tmp_path("empty.png"), ST_ERR_FORMAT, "empty file");
    write_bytes(tu_tmp_path("short.png"), "\x89PN", 3);
    expect_refused(tu_tmp_path("short.png"), ST_ERR_FORMAT, "not a PNG or JPEG file");
    expect_refused(tu_tmp_path("missing.png"), ST_ERR_IO, "No such file");
}

/* Damaged files (random bytes changed) load or fail cleanly; none crashes. */
static void test_mutated_files_do_not_crash(void **state) {
    const png_kind kind = {PNG_COLOR_TYPE_PALETTE, 4, PNG_INTERLACE_ADAM7, 1};
    write_png_kind(tu_tmp_path("m.png"), &kind, 13, 7);
    write_noisy_jpeg(tu_tmp_path("m.jpg"), 24, 16);
    const char *sources[2] = {"m.png", "m.jpg"};
    uint32_t s = 99;
    for (int f = 0; f < 2; f++) {
        size_t n;
        unsigned char *orig = read_bytes(tu_tmp_path(sources[f]), &n), *data = malloc(n);
        for (int trial = 0; trial < 300; trial++) {
            memcpy(data, orig, n);
            for (int k = 0; k < 1 + trial % 4; k++) {
                s = s * 1664525u + 1013904223u;
                size_t at = 2 + (s >> 8) % (n - 2); /* keep the magic bytes */
                data[at] = (unsigned char)(s >> 3);
            }
            write_bytes(tu_tmp_path("mutant"), data, n);
            hx_image img;
            int rc = hx_image_load(tu_tmp_path("mutant"), &img);
            if (rc == ST_OK) {
                assert_true(img.w >= 1 && img.h >= 1 && img.rgb);
                hx_image_free(&img);
            } else {
                assert_non_null(strstr(st_last_error(), tu_tmp_path("mutant")));
            }
        }
        free(orig);
        free(data);
    }
}

/* ---- oversized images are refused from their header ---------------------------------- */

static uint32_t crc32_png(const unsigned char *p, size_t n) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* A PNG signature, a valid IHDR chunk for an RGB8 w x h image and an empty IDAT
 * chunk (libpng reads the header up to the first IDAT). */
static void write_png_header_only(const char *path, uint32_t w, uint32_t h) {
    unsigned char file[8 + 25 + 12] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char *chunk = file + 8;
    put_be32(chunk, 13);
    memcpy(chunk + 4, "IHDR", 4);
    put_be32(chunk + 8, w);
    put_be32(chunk + 12, h);
    chunk[16] = 8, chunk[17] = PNG_COLOR_TYPE_RGB, chunk[18] = chunk[19] = chunk[20] = 0;
    put_be32(chunk + 21, crc32_png(chunk + 4, 17));
    unsigned char *idat = chunk + 25;
    put_be32(idat, 0);
    memcpy(idat + 4, "IDAT", 4);
    put_be32(idat + 8, crc32_png(idat + 4, 4));
    write_bytes(path, file, sizeof file);
}

static void test_oversized_images(void **state) {
    write_png_header_only(tu_tmp_path("huge.png"), 20000, 20000);
    expect_refused(tu_tmp_path("huge.png"), ST_ERR_RANGE,
                   "image of 20000x20000 pixels is larger than the 100-megapixel limit");
    write_png_header_only(tu_tmp_path("wide.png"), 40000, 10);
    expect_refused(tu_tmp_path("wide.png"), ST_ERR_RANGE, "image of 40000x10 pixels has a side longer than 32768");
    write_png_header_only(tu_tmp_path("zero.png"), 0, 10); /* libpng itself refuses a zero width */
    expect_refused(tu_tmp_path("zero.png"), ST_ERR_FORMAT, "IHDR");

    /* A small JPEG whose frame header is patched to 20000 x 20000. */
    write_noisy_jpeg(tu_tmp_path("small.jpg"), 16, 16);
    size_t n;
    unsigned char *jpg = read_bytes(tu_tmp_path("small.jpg"), &n);
    size_t sof = 2;
    while (sof + 9 < n && !(jpg[sof] == 0xff && jpg[sof + 1] == 0xc0)) sof++;
    assert_true(sof + 9 < n);
    jpg[sof + 5] = jpg[sof + 7] = 20000 >> 8;
    jpg[sof + 6] = jpg[sof + 8] = 20000 & 0xff;
    write_bytes(tu_tmp_path("huge.jpg"), jpg, n);
    free(jpg);
    expect_refused(tu_tmp_path("huge.jpg"), ST_ERR_RANGE,
                   "image of 20000x20000 pixels is larger than the 100-megapixel limit");
}

/* ---- preprocessing -------------------------------------------------------------------- */

static const float mean[3] = {0.485f, 0.456f, 0.406f}, stdev[3] = {0.229f, 0.224f, 0.225f};

/* Preprocesses into a buffer with guard values after it: all of [3][h][w] must be
 * written with `want(c)` (if given) and nothing past it. */
static void expect_constant_output(const hx_image *img, int out_h, int out_w, const unsigned char rgb[3]) {
    size_t n = (size_t)3 * out_h * out_w, guard = 64;
    float *out = malloc((n + guard) * sizeof *out);
    for (size_t i = 0; i < n + guard; i++) out[i] = NAN;
    if (hx_preprocess(img, out_h, out_w, out)) fail_msg("%s", st_last_error());
    for (int c = 0; c < 3; c++) {
        float want = ((float)rgb[c] / 255.0f - mean[c]) / stdev[c];
        for (size_t i = 0; i < (size_t)out_h * out_w; i++)
            if (out[c * (size_t)out_h * out_w + i] != want)
                fail_msg("%dx%d: channel %d element %zu is %g, expected %g", out_h, out_w, c, i,
                         out[c * (size_t)out_h * out_w + i], want);
    }
    for (size_t i = n; i < n + guard; i++) assert_true(isnan(out[i]));
    free(out);
}

static void test_preprocess_constant_colour(void **state) {
    const unsigned char colour[3] = {200, 100, 50};
    hx_image img = {301, 203, malloc(301 * 203 * 3)};
    for (int i = 0; i < 301 * 203; i++) memcpy(img.rgb + 3 * i, colour, 3);
    expect_constant_output(&img, 224, 224, colour);
    expect_constant_output(&img, 72, 88, colour);
    expect_constant_output(&img, 88, 72, colour);
    hx_image_free(&img);
}

static void test_one_pixel_image(void **state) {
    const png_kind rgb8 = {PNG_COLOR_TYPE_RGB, 8, 0, 0};
    write_png_kind(tu_tmp_path("one.png"), &rgb8, 1, 1);
    hx_image img;
    if (hx_image_load(tu_tmp_path("one.png"), &img)) fail_msg("%s", st_last_error());
    assert_int_equal(img.w, 1);
    assert_int_equal(img.h, 1);
    unsigned char want[3];
    expected_rgb(&rgb8, 0, 0, want);
    assert_memory_equal(img.rgb, want, 3);
    expect_constant_output(&img, 224, 224, want);
    hx_image_free(&img);
}

/* Reference hashes of the resized, cropped RGB8 picture from Pillow 9.4:
 * Image.resize((rw, rh), Image.BICUBIC).crop(centre), with rw, rh as documented in
 * image.h (for 224: torchvision's Resize(256) + CenterCrop(224)). */
static void expect_crop_hash(const hx_image *img, int out_h, int out_w, uint32_t want) {
    unsigned char *rgb = malloc((size_t)out_h * out_w * 3);
    if (hx_eval_crop_rgb(img, out_h, out_w, rgb)) fail_msg("%s", st_last_error());
    uint32_t got = fnv1a(rgb, (size_t)out_h * out_w * 3);
    free(rgb);
    if (got != want) fail_msg("%dx%d crop hash 0x%08x, Pillow gives 0x%08x", out_h, out_w, got, want);
}

static void test_preprocess_matches_pillow(void **state) {
    hx_image img;
    if (hx_image_load("harness/images/chelsea.png", &img)) fail_msg("%s", st_last_error());
    expect_crop_hash(&img, 224, 224, 0x6572c35du); /* shrinks: antialiased */
    hx_image_free(&img);
    if (hx_image_load("harness/images/coffee.png", &img)) fail_msg("%s", st_last_error());
    expect_crop_hash(&img, 72, 88, 0x1923bf10u);
    hx_image_free(&img);

    /* 13 x 9 pattern enlarged to 88 wide: bicubic overshoot clamped to 0..255. */
    hx_image small = {13, 9, malloc(13 * 9 * 3)};
    for (int y = 0; y < 9; y++)
        for (int x = 0; x < 13; x++)
            for (int c = 0; c < 3; c++) small.rgb[(y * 13 + x) * 3 + c] = (unsigned char)(pattern(x, y, c) % 256);
    expect_crop_hash(&small, 72, 88, 0x87f7aa60u);
    hx_image_free(&small);
}

static void test_preprocess_bad_arguments(void **state) {
    hx_image img = {2, 2, (unsigned char[12]){0}};
    float out[3];
    assert_int_equal(hx_preprocess(&img, 0, 224, out), ST_ERR_ARG);
    assert_int_equal(hx_preprocess(&img, 224, -1, out), ST_ERR_ARG);
    hx_image empty = {0, 0, NULL};
    assert_int_equal(hx_preprocess(&empty, 1, 1, out), ST_ERR_ARG);
    unsigned char dst[3];
    assert_int_equal(hx_resize_crop_bicubic(img.rgb, 2, 2, 4, 4, 3, 0, dst, 2, 1), ST_ERR_ARG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundled_photos),
        cmocka_unit_test(test_png_every_kind),
        cmocka_unit_test(test_png16_matches_pillow),
        cmocka_unit_test(test_jpeg_colour_grey_cmyk),
        cmocka_unit_test(test_truncated_files),
        cmocka_unit_test(test_not_images),
        cmocka_unit_test(test_mutated_files_do_not_crash),
        cmocka_unit_test(test_oversized_images),
        cmocka_unit_test(test_one_pixel_image),
        cmocka_unit_test(test_preprocess_constant_colour),
        cmocka_unit_test(test_preprocess_matches_pillow),
        cmocka_unit_test(test_preprocess_bad_arguments),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
