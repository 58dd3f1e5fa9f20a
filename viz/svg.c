/* svg.c — PNG-in-SVG wrapping. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "variants/st_error.h"
#include "viz/svg.h"

static void base64(FILE *f, const unsigned char *p, size_t n) {
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        fputc(digits[v >> 18 & 63], f);
        fputc(digits[v >> 12 & 63], f);
        fputc(i + 1 < n ? digits[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? digits[v & 63] : '=', f);
    }
}

int vz_svg_embed_png(const char *png_path, const char *svg_path, int w, int h, const char *title) {
    FILE *in = fopen(png_path, "rb");
    if (!in) return st_fail(ST_ERR_IO, "%s: cannot read: %s", png_path, strerror(errno));
    unsigned char *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            unsigned char *more = realloc(data, cap = cap ? 2 * cap : 1 << 16);
            if (!more) {
                free(data);
                fclose(in);
                return st_fail(ST_ERR_NOMEM, "%s: out of memory", png_path);
            }
            data = more;
        }
        size_t got = fread(data + n, 1, cap - n, in);
        if (!got) break;
        n += got;
    }
    int bad = ferror(in);
    fclose(in);
    if (bad) {
        free(data);
        return st_fail(ST_ERR_IO, "%s: read failed", png_path);
    }
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", svg_path) >= (int)sizeof tmp) {
        free(data);
        return st_fail(ST_ERR_ARG, "%s: path too long", svg_path);
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        free(data);
        return st_fail(ST_ERR_IO, "%s: cannot write: %s", svg_path, strerror(errno));
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
               "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n<title>", w, h, w, h);
    for (const char *c = title; *c; c++) {
        if (*c == '<') fputs("&lt;", f);
        else if (*c == '>') fputs("&gt;", f);
        else if (*c == '&') fputs("&amp;", f);
        else fputc(*c, f);
    }
    fprintf(f, "</title>\n<image width=\"%d\" height=\"%d\" style=\"image-rendering:pixelated\" "
               "xlink:href=\"data:image/png;base64,", w, h);
    base64(f, data, n);
    fputs("\"/>\n</svg>\n", f);
    free(data);
    bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, svg_path)) {
        remove(tmp);
        return st_fail(ST_ERR_IO, "%s: write failed", svg_path);
    }
    return ST_OK;
}
