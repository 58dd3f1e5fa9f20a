/* test_viz_primitives.c — PNG round trip and atomic writes, colour maps and the
 * region palette, blending and normalisation, resizing, boundaries and boxes, the
 * figure layout with its text, colour bars, SVG wrapping and the index page. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tests/common/testutil.h"
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "variants/st_error.h"
#include "viz/blend.h"
#include "viz/colormap.h"
#include "viz/draw.h"
#include "viz/font.h"
#include "viz/html.h"
#include "viz/layout.h"
#include "viz/png.h"
#include "viz/resize.h"
#include "viz/svg.h"

static int group_setup(void **state) { return tu_tmpdir_create("viz"); }
static int group_teardown(void **state) { return tu_tmpdir_remove(); }

static int count_files(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static double colour_distance(const unsigned char a[3], const unsigned char b[3]) {
    double s = 0;
    for (int c = 0; c < 3; c++) s += (double)(a[c] - b[c]) * (a[c] - b[c]);
    return sqrt(s);
}

/* ---- PNG -------------------------------------------------------------------------- */

static void test_png_round_trip(void **state) {
    enum { W = 37, H = 23 };
    unsigned char img[H * W * 3];
    for (int i = 0; i < H * W * 3; i++) img[i] = (unsigned char)(i * 7 + i / 5);
    const char *path = tu_tmp_path("round.png");
    assert_int_equal(vz_png_write(path, img, W, H), ST_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    unsigned char *back;
    int w, h;
    if (vz_png_read(path, &back, &w, &h)) fail_msg("%s", st_last_error());
    assert_int_equal(w, W);
    assert_int_equal(h, H);
    assert_memory_equal(back, img, sizeof img);
    free(back);

    /* Overwriting replaces the file, and no temporary file is left behind. */
    img[0] ^= 0xff;
    assert_int_equal(vz_png_write(path, img, W, H), ST_OK);
    assert_int_equal(vz_png_read(path, &back, &w, &h), ST_OK);
    assert_memory_equal(back, img, sizeof img);
    free(back);
    assert_int_equal(count_files(tu_tmpdir()), 1);
    remove(path);
}

static void test_png_write_failures(void **state) {
    unsigned char px[3] = {1, 2, 3};
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/folder/x.png", tu_tmpdir());
    assert_int_equal(vz_png_write(missing, px, 1, 1), ST_ERR_IO);
    assert_non_null(strstr(st_last_error(), missing));
    assert_non_null(strstr(st_last_error(), "No such file"));

    assert_int_equal(vz_png_write(tu_tmp_path("empty.png"), px, 0, 1), ST_ERR_ARG);
    assert_int_equal(vz_png_write(tu_tmpdir(), px, 1, 1), ST_ERR_IO); /* a folder's name */
    assert_non_null(strstr(st_last_error(), tu_tmpdir()));
    assert_int_equal(count_files(tu_tmpdir()), 0); /* the temporary file was removed */

    if (geteuid() != 0) { /* root may write anywhere */
        char ro_dir[300], ro_file[320];
        snprintf(ro_dir, sizeof ro_dir, "%s/readonly", tu_tmpdir());
        snprintf(ro_file, sizeof ro_file, "%s/x.png", ro_dir);
        assert_int_equal(mkdir(ro_dir, 0500), 0);
        assert_int_equal(vz_png_write(ro_file, px, 1, 1), ST_ERR_IO);
        assert_non_null(strstr(st_last_error(), ro_file));
        rmdir(ro_dir);
    }

    unsigned char *rgb = (unsigned char *)"x";
    int w = 5, h = 5;
    FILE *f = fopen(tu_tmp_path("text.png"), "w");
    fputs("not a png at all", f);
    fclose(f);
    assert_int_equal(vz_png_read(tu_tmp_path("text.png"), &rgb, &w, &h), ST_ERR_FORMAT);
    assert_null(rgb);
    assert_int_equal(w, 0);
    remove(tu_tmp_path("text.png"));
}

/* ---- colours ------------------------------------------------------------------------- */

static double luminance(const unsigned char c[3]) { return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; }

static void expect_colour(vz_cmap map, float t, int r, int g, int b) {
    unsigned char c[3];
    vz_colormap(map, t, c);
    if (c[0] != r || c[1] != g || c[2] != b)
        fail_msg("map %d at %g: %d,%d,%d, expected %d,%d,%d", map, t, c[0], c[1], c[2], r, g, b);
}

static void test_colormaps(void **state) {
    expect_colour(VZ_CMAP_VIRIDIS, 0, 68, 1, 84); /* dark purple */
    expect_colour(VZ_CMAP_VIRIDIS, 1, 253, 231, 37); /* yellow */
    expect_colour(VZ_CMAP_VIRIDIS, -3, 68, 1, 84);
    expect_colour(VZ_CMAP_VIRIDIS, 7, 253, 231, 37);
    expect_colour(VZ_CMAP_VIRIDIS, NAN, 68, 1, 84);
    expect_colour(VZ_CMAP_JET, 0, 0, 0, 128);  /* dark blue */
    expect_colour(VZ_CMAP_JET, 1, 128, 0, 0);  /* dark red */
    expect_colour(VZ_CMAP_JET, 0.5f, 125, 255, 122); /* entry 128: x = 128/255 on the ramps */

    /* Viridis gets lighter: no step of the 8-bit table loses more than a level of
     * luminance to rounding, and every 4 steps gain. */
    unsigned char prev[3], cur[3], back4[3];
    vz_colormap(VZ_CMAP_VIRIDIS, 0, prev);
    for (int i = 1; i < 256; i++) {
        vz_colormap(VZ_CMAP_VIRIDIS, (i + 0.5f) / 256, cur);
        assert_true(luminance(cur) > luminance(prev) - 1);
        if (i >= 4) {
            vz_colormap(VZ_CMAP_VIRIDIS, (i - 4 + 0.5f) / 256, back4);
            assert_true(luminance(cur) > luminance(back4) + 1);
        }
        memcpy(prev, cur, 3);
    }
}

static void test_palettes(void **state) {
    unsigned char a[3], b[3];
    for (int i = 0; i < 2000; i++) {
        vz_palette(i, a);
        vz_palette(i + 1, b);
        if (colour_distance(a, b) < 100) fail_msg("palette %d and %d are too close", i, i + 1);
    }
    /* Every cell of a grid differs clearly from its 8 neighbours, for any width. */
    for (int r = 0; r < 120; r++)
        for (int c = 0; c < 120; c++) {
            vz_palette_cell(r, c, a);
            static const int step[4][2] = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};
            for (int s = 0; s < 4; s++) {
                if (c + step[s][1] < 0) continue;
                vz_palette_cell(r + step[s][0], c + step[s][1], b);
                if (colour_distance(a, b) < 100)
                    fail_msg("cells (%d,%d) and (%d,%d) are too close", r, c, r + step[s][0], c + step[s][1]);
            }
        }
}

/* ---- blending ------------------------------------------------------------------------ */

static void test_blend(void **state) {
    unsigned char base[6] = {0, 100, 200, 255, 10, 20}, over[6] = {255, 0, 100, 0, 10, 220}, img[6];
    memcpy(img, base, 6);
    vz_blend(img, over, 2, 1, 0);
    assert_memory_equal(img, base, 6);
    vz_blend(img, over, 2, 1, 1);
    assert_memory_equal(img, over, 6);
    memcpy(img, base, 6);
    vz_blend(img, over, 2, 1, 0.5f);
    const unsigned char half[6] = {128, 50, 150, 128, 10, 120}; /* halves round to even */
    assert_memory_equal(img, half, 6);

    /* A heat map is normalised to its maximum: the largest value gets the top colour. */
    const float values[4] = {0, 2, 4, NAN};
    unsigned char heat[12], top[3], bottom[3], middle[3];
    vz_heatmap(values, 4, 1, VZ_CMAP_VIRIDIS, heat);
    vz_colormap(VZ_CMAP_VIRIDIS, 1, top);
    vz_colormap(VZ_CMAP_VIRIDIS, 0, bottom);
    vz_colormap(VZ_CMAP_VIRIDIS, 0.5f, middle);
    assert_memory_equal(heat, bottom, 3);
    assert_memory_equal(heat + 3, middle, 3);
    assert_memory_equal(heat + 6, top, 3);
    assert_memory_equal(heat + 9, bottom, 3); /* NaN */

    unsigned char photo[12] = {0};
    vz_heatmap_blend(photo, values, 4, 1, VZ_CMAP_VIRIDIS, 1);
    assert_memory_equal(photo, heat, 12);
    const float zeros[2] = {0, 0};
    vz_heatmap(zeros, 2, 1, VZ_CMAP_JET, heat);
    vz_colormap(VZ_CMAP_JET, 0, bottom);
    assert_memory_equal(heat, bottom, 3);
    assert_memory_equal(heat + 3, bottom, 3);
}

/* ---- resizing ------------------------------------------------------------------------- */

static void test_nearest_resize_of_labels(void **state) {
    enum { G = 7, F = 32, N = G * F }; /* a 7x7 super-token grid drawn at 224x224 */
    int grid[G * G], *big = malloc(N * N * sizeof *big), count[G * G] = {0};
    for (int i = 0; i < G * G; i++) grid[i] = i;
    assert_int_equal(vz_resize_nearest_int(grid, G, G, big, N, N), ST_OK);
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            assert_int_equal(big[y * N + x], (y / F) * G + x / F); /* exact 32x32 blocks */
            count[big[y * N + x]]++;
        }
    for (int i = 0; i < G * G; i++) assert_int_equal(count[i], F * F);
    free(big);

    /* Non-integer factors keep the labels and every source pixel still appears. */
    int small[6] = {1, 2, 3, 4, 5, 6}, out[7 * 5], seen[7] = {0};
    assert_int_equal(vz_resize_nearest_int(small, 3, 2, out, 7, 5), ST_OK);
    for (int i = 0; i < 35; i++) {
        assert_in_range(out[i], 1, 6);
        seen[out[i]] = 1;
    }
    for (int l = 1; l <= 6; l++) assert_true(seen[l]);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[34], 6);

    /* Shrinking picks pixel centres: 4 -> 2 takes source pixels 1 and 3. */
    const float row[4] = {10, 11, 12, 13};
    float half[2];
    assert_int_equal(vz_resize_nearest_float(row, 4, 1, half, 2, 1), ST_OK);
    assert_float_equal(half[0], 11, 0);
    assert_float_equal(half[1], 13, 0);

    unsigned char rgb_in[6] = {1, 2, 3, 4, 5, 6}, rgb_out[12];
    assert_int_equal(vz_resize_nearest_rgb(rgb_in, 2, 1, rgb_out, 2, 2), ST_OK);
    assert_memory_equal(rgb_out, rgb_in, 6);
    assert_memory_equal(rgb_out + 6, rgb_in, 6);
    assert_int_equal(vz_resize_nearest_int(small, 0, 2, out, 7, 5), ST_ERR_ARG);
}

static void test_bilinear_resize(void **state) {
    const float two[2] = {0, 1};
    float four[4];
    assert_int_equal(vz_resize_bilinear_float(two, 2, 1, four, 4, 1), ST_OK);
    const float want[4] = {0, 0.25f, 0.75f, 1}; /* half-pixel centres, edges clamped */
    for (int i = 0; i < 4; i++) assert_float_equal(four[i], want[i], 1e-6);

    float flat[9], big[25];
    for (int i = 0; i < 9; i++) flat[i] = 0.3f;
    assert_int_equal(vz_resize_bilinear_float(flat, 3, 3, big, 5, 5), ST_OK);
    for (int i = 0; i < 25; i++) assert_float_equal(big[i], 0.3f, 1e-6);

    const unsigned char rgb[6] = {0, 0, 0, 200, 100, 40};
    unsigned char out[12];
    assert_int_equal(vz_resize_bilinear_rgb(rgb, 2, 1, out, 4, 1), ST_OK);
    const unsigned char want_rgb[12] = {0, 0, 0, 50, 25, 10, 150, 75, 30, 200, 100, 40};
    assert_memory_equal(out, want_rgb, 12);
    assert_int_equal(vz_resize_bilinear_rgb(rgb, 2, 1, out, 4, 0), ST_ERR_ARG);
}

/* ---- drawing ---------------------------------------------------------------------------- */

static const unsigned char red[3] = {255, 0, 0};

static int is_red(const unsigned char *img, int w, int x, int y) { return !memcmp(img + (y * w + x) * 3, red, 3); }

static void test_boundaries(void **state) {
    enum { W = 10, H = 6 };
    int labels[W * H];
    unsigned char img[W * H * 3];
    /* Two regions side by side: the line is the column left of the split. */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) labels[y * W + x] = x < 4 ? 3 : 8;
    memset(img, 0, sizeof img);
    vz_draw_boundaries(img, W, H, labels, red);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) assert_int_equal(is_red(img, W, x, y), x == 3);

    /* A 2x2 block of region 1 in region 0: the pixels just above and just left of
     * the block, and the block's own right column and bottom row. */
    for (int i = 0; i < W * H; i++) labels[i] = 0;
    labels[2 * W + 5] = labels[2 * W + 6] = labels[3 * W + 5] = labels[3 * W + 6] = 1;
    memset(img, 0, sizeof img);
    vz_draw_boundaries(img, W, H, labels, red);
    static const int drawn[][2] = {{5, 1}, {6, 1}, {4, 2}, {6, 2}, {4, 3}, {5, 3}, {6, 3}};
    int n_red = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) n_red += is_red(img, W, x, y);
    assert_int_equal(n_red, 7);
    for (int i = 0; i < 7; i++) assert_true(is_red(img, W, drawn[i][0], drawn[i][1]));
}

static void test_rectangles_and_labels(void **state) {
    enum { W = 10, H = 10 };
    unsigned char img[W * H * 3] = {0};
    vz_draw_rect(img, W, H, 2, 3, 5, 4, 1, red); /* x 2..6, y 3..6 */
    int n_red = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int on_edge = (x == 2 || x == 6) && y >= 3 && y <= 6;
            on_edge |= (y == 3 || y == 6) && x >= 2 && x <= 6;
            assert_int_equal(is_red(img, W, x, y), on_edge);
            n_red += on_edge;
        }
    assert_int_equal(n_red, 14);

    /* Partly outside the image: the visible part only, no crash. */
    memset(img, 0, sizeof img);
    vz_draw_rect(img, W, H, -3, 8, 6, 6, 2, red);
    assert_true(is_red(img, W, 0, 8));
    assert_true(is_red(img, W, 2, 9));
    assert_false(is_red(img, W, 3, 9));
    vz_draw_rect(img, W, H, 100, 100, 5, 5, 1, red);

    int labels[4] = {0, 1, 2, -1};
    unsigned char painted[12], want[3];
    vz_paint_labels(labels, 4, 1, 2, painted); /* a grid 2 cells wide */
    vz_palette_cell(0, 1, want);
    assert_memory_equal(painted + 3, want, 3);
    vz_palette_cell(1, 0, want);
    assert_memory_equal(painted + 6, want, 3);
    const unsigned char black[3] = {0, 0, 0};
    assert_memory_equal(painted + 9, black, 3);
}

/* ---- figure layout, text, colour bars --------------------------------------------------- */

static void test_layout_grid(void **state) {
    enum { TW = 4, TH = 3, ROWS = 2, COLS = 3, M = 2 };
    unsigned char tiles[ROWS * COLS][TH * TW * 3];
    const unsigned char *ptrs[ROWS * COLS];
    for (int t = 0; t < ROWS * COLS; t++) {
        for (int i = 0; i < TH * TW * 3; i++) tiles[t][i] = (unsigned char)(10 * t + i % 7);
        ptrs[t] = tiles[t];
    }
    ptrs[4] = NULL; /* an empty cell */
    unsigned char *out;
    int w, h;
    vz_layout l = {.tiles = ptrs, .tile_w = TW, .tile_h = TH, .rows = ROWS, .cols = COLS, .text_scale = 1, .margin = M};
    assert_int_equal(vz_layout_draw(&l, &out, &w, &h), ST_OK); /* no text: a plain grid */
    assert_int_equal(w, COLS * TW + (COLS + 1) * M);
    assert_int_equal(h, ROWS * TH + (ROWS + 1) * M);
    int tile_pixels = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *p = out + ((size_t)y * w + x) * 3;
            int c = (x - M) / (TW + M), r = (y - M) / (TH + M);
            int tx = (x - M) % (TW + M), ty = (y - M) % (TH + M);
            int in_tile = x >= M && y >= M && tx < TW && ty < TH && ptrs[r * COLS + c];
            if (in_tile) {
                assert_memory_equal(p, ptrs[r * COLS + c] + (ty * TW + tx) * 3, 3);
                tile_pixels++;
            } else {
                assert_int_equal(p[0] & p[1] & p[2], 255);
            }
        }
    assert_int_equal(tile_pixels, (ROWS * COLS - 1) * TW * TH);
    free(out);
    l.rows = 0;
    assert_int_equal(vz_layout_draw(&l, &out, &w, &h), ST_ERR_ARG);
    assert_null(out);

    /* Title, headings and row labels: room for each, in black, tiles still intact. */
    const char *cols[COLS] = {"a", "bb", "c"}, *rows[ROWS] = {"row one", "two\nlines"};
    l = (vz_layout){.tiles = ptrs, .tile_w = TW, .tile_h = TH, .rows = ROWS, .cols = COLS, .title = "A title",
                    .col_labels = cols, .row_labels = rows, .text_scale = 2, .margin = M};
    assert_int_equal(vz_layout_draw(&l, &out, &w, &h), ST_OK);
    int label_w = vz_text_width("row one", 2) + 2 * 3 * 2;
    assert_true(w >= label_w + COLS * TW + (COLS + 1) * M);
    assert_true(w >= vz_text_width("A title", 2));
    assert_true(h >= vz_text_height("A title", 2) + vz_text_height("a", 2) + ROWS * TH);
    long black = 0;
    for (long i = 0; i < (long)w * h; i++) black += !(out[3 * i] | out[3 * i + 1] | out[3 * i + 2]);
    assert_true(black > 50);
    /* the last tile sits at the bottom right, below and right of the text */
    const unsigned char *last = out + ((size_t)(h - M - TH) * w + (w - M - TW)) * 3;
    assert_memory_equal(last, tiles[5], TW * 3);
    free(out);
}

static void test_text(void **state) {
    assert_int_equal(vz_text_width("", 1), 0);
    assert_int_equal(vz_text_width("ab", 1), 2 * VZ_GLYPH_W - 1);
    assert_int_equal(vz_text_width("abc\nd", 3), (3 * VZ_GLYPH_W - 1) * 3);
    assert_int_equal(vz_text_height("x\ny", 2), (2 * VZ_GLYPH_H - 1) * 2);
    /* "I" of the 5x7 font: a vertical bar in the middle column, serifs at top and bottom */
    unsigned char img[10 * 10 * 3];
    memset(img, 255, sizeof img);
    const unsigned char red[3] = {255, 0, 0};
    vz_draw_text(img, 10, 10, 1, 1, "I", 1, red);
    int on[7][5];
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 5; x++) on[y][x] = !memcmp(img + ((size_t)(y + 1) * 10 + x + 1) * 3, red, 3);
    for (int y = 0; y < 7; y++) assert_true(on[y][2]);
    assert_true(on[0][1] && on[0][3] && on[6][1] && on[6][3]);
    assert_false(on[3][0] || on[3][4] || on[3][1]);
    /* scale 2 doubles every font pixel; text off the picture is clipped, not written outside */
    memset(img, 255, sizeof img);
    vz_draw_text(img, 10, 10, 6, -4, "W\x01", 2, red);
    assert_int_equal(img[0], 255);
}

static void test_norm_and_colour_bar(void **state) {
    const float v[6] = {0, 0.2f, 0.4f, 0.6f, 1.0f, NAN};
    float r[2];
    vz_norm norm;
    assert_int_equal(vz_norm_parse("minmax", &norm), ST_OK);
    assert_int_equal(vz_norm_range(v, 6, norm, r), ST_OK);
    assert_float_equal(r[0], 0.2f, 1e-7); /* exact zeros are "no attention", not the low end */
    assert_float_equal(r[1], 1.0f, 1e-7);
    assert_int_equal(vz_norm_parse("max", &norm), ST_OK);
    vz_norm_range(v, 6, norm, r);
    assert_float_equal(r[0], 0, 0);
    assert_float_equal(r[1], 1.0f, 1e-7);
    float many[101];
    for (int i = 0; i <= 100; i++) many[i] = (float)(i + 1);
    many[100] = 1e6f; /* an outlier the percentile range ignores */
    assert_int_equal(vz_norm_parse("percentile", &norm), ST_OK);
    vz_norm_range(many, 101, norm, r);
    assert_float_equal(r[0], 3, 0);
    assert_float_equal(r[1], 99, 0);
    assert_int_equal(vz_norm_parse("log", &norm), ST_ERR_ARG);
    assert_non_null(strstr(st_last_error(), "minmax"));
    const float flat[3] = {0.5f, 0.5f, 0.5f}, none[2] = {0, 0};
    vz_norm_range(flat, 3, VZ_NORM_MINMAX, r);
    assert_true(r[1] > r[0]);
    vz_norm_range(none, 2, VZ_NORM_MINMAX, r);
    assert_true(r[0] == 0 && r[1] == 0);

    /* blending over a range: the ends get the colour map's ends, zeros grey */
    unsigned char img[3 * 3] = {0}, lo[3], hi[3];
    const float three[3] = {0.2f, 1.0f, 0};
    const float range[2] = {0.2f, 1.0f};
    vz_heatmap_blend_range(img, three, 3, 1, VZ_CMAP_VIRIDIS, 1, range);
    vz_colormap(VZ_CMAP_VIRIDIS, 0, lo);
    vz_colormap(VZ_CMAP_VIRIDIS, 1, hi);
    assert_memory_equal(img, lo, 3);
    assert_memory_equal(img + 3, hi, 3);
    assert_true(img[6] == 128 && img[7] == 128 && img[8] == 128);

    /* the bar: the colour map left to right inside a frame, the two values under it */
    enum { W = 120, S = 1 };
    int bh = vz_colour_bar_height(S);
    unsigned char *bar = malloc((size_t)W * bh * 3);
    vz_colour_bar(bar, W, S, VZ_CMAP_VIRIDIS, range);
    const unsigned char *left = bar + ((size_t)5 * W + 1) * 3, *right = bar + ((size_t)5 * W + W - 2) * 3;
    assert_true(colour_distance(left, lo) < 10);
    assert_true(colour_distance(right, hi) < 10);
    long dark = 0;
    for (int y = 11 * S; y < bh; y++)
        for (int x = 0; x < W; x++) dark += bar[((size_t)y * W + x) * 3] == 0;
    assert_true(dark > 20); /* "0.2" and "1" */
    free(bar);
}

static void test_svg_embeds_png(void **state) {
    unsigned char rgb[4 * 3 * 3];
    for (int i = 0; i < 36; i++) rgb[i] = (unsigned char)(i * 7);
    char png[4200], svg[4200];
    snprintf(png, sizeof png, "%s", tu_tmp_path("fig.png"));
    snprintf(svg, sizeof svg, "%s", tu_tmp_path("fig.svg"));
    assert_int_equal(vz_png_write(png, rgb, 4, 3), ST_OK);
    assert_int_equal(vz_svg_embed_png(png, svg, 4, 3, "a <title> & more"), ST_OK);
    FILE *f = fopen(svg, "r");
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    assert_non_null(strstr(text, "width=\"4\" height=\"3\""));
    assert_non_null(strstr(text, "a &lt;title&gt; &amp; more"));
    const char *b64 = strstr(text, "base64,");
    assert_non_null(b64);
    /* base64 of the PNG signature 89 50 4E 47 0D 0A 1A 0A */
    assert_memory_equal(b64 + 7, "iVBORw0KGgo", 11);
    assert_int_equal(vz_svg_embed_png(tu_tmp_path("missing.png"), svg, 4, 3, ""), ST_ERR_IO);
}

static void test_html_index_gathers_pages(void **state) {
    char dir[4200], page[4300];
    snprintf(dir, sizeof dir, "%s", tu_tmp_path("pages"));
    mkdir(dir, 0755);
    const char *names[2] = {"b_run", "a_run"};
    for (int i = 0; i < 2; i++) {
        vz_html *h;
        snprintf(page, sizeof page, "%s/%s.html", dir, names[i]);
        assert_int_equal(vz_html_begin(&h, page, "t"), ST_OK);
        vz_html_figure(h, names[i], 0, "caption <x>");
        assert_int_equal(vz_html_end(h), ST_OK);
    }
    assert_int_equal(vz_html_index(dir, "all"), ST_OK);
    snprintf(page, sizeof page, "%s/index.html", dir);
    FILE *f = fopen(page, "r");
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    char *a = strstr(text, "src=\"a_run\""), *b = strstr(text, "src=\"b_run\"");
    assert_true(a && b && a < b); /* both, by name */
    assert_non_null(strstr(text, "caption &lt;x&gt;"));
    assert_null(strstr(text, "width=")); /* width 0: the picture's own size */
    assert_int_equal(vz_html_index(tu_tmp_path("no-such-folder"), "x"), ST_ERR_IO);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_round_trip),
        cmocka_unit_test(test_png_write_failures),
        cmocka_unit_test(test_colormaps),
        cmocka_unit_test(test_palettes),
        cmocka_unit_test(test_blend),
        cmocka_unit_test(test_nearest_resize_of_labels),
        cmocka_unit_test(test_bilinear_resize),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_rectangles_and_labels),
        cmocka_unit_test(test_layout_grid),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_norm_and_colour_bar),
        cmocka_unit_test(test_svg_embeds_png),
        cmocka_unit_test(test_html_index_gathers_pages),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
