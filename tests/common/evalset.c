#include <stdio.h>
#include <jpeglib.h>
#include "tests/common/evalset.h"

void tu_synth_picture(int k, unsigned char *rgb, int w, int h) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v;
            switch (k % 3) {
            case 0: v = ((x + k * y / 3) / (2 + k % 5)) % 2; break;                    /* slanted stripes */
            case 1: v = ((x / (3 + k % 4)) + (y / (2 + k % 3))) % 2; break;             /* checks */
            default: v = ((x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2)) / (9 * (1 + k % 4)) % 2;   /* rings */
            }
            unsigned char *p = rgb + 3 * (y * w + x);
            p[0] = (unsigned char)(v ? 40 + 17 * k : 230 - 9 * k);
            p[1] = (unsigned char)(v ? 200 - 13 * k : 30 + 5 * k + x);
            p[2] = (unsigned char)((v ? 90 : 160) + 3 * y);
        }
}

int tu_write_jpeg(const char *path, const unsigned char *rgb, int w, int h) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 95, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)c.next_scanline * w * 3);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return fclose(f) ? -1 : 0;
}

int tu_evalset_label(int i, const int *rank) {
    return i % 2 ? rank[1 + (i / 2) % 5] : rank[0];
}
