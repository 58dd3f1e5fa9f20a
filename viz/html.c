/* html.c — the picture index page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "variants/st_error.h"
#include "viz/html.h"

struct vz_html {
    FILE *f;
    char path[4096], tmp[4096 + 8];
};

static void escaped(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

int vz_html_begin(vz_html **out, const char *path, const char *title) {
    *out = NULL;
    vz_html *h = calloc(1, sizeof *h);
    if (!h) return st_fail(ST_ERR_NOMEM, "%s: out of memory", path);
    if (snprintf(h->path, sizeof h->path, "%s", path) >= (int)sizeof h->path) {
        free(h);
        return st_fail(ST_ERR_ARG, "%s: path too long", path);
    }
    snprintf(h->tmp, sizeof h->tmp, "%s.tmp", path);
    if (!(h->f = fopen(h->tmp, "w"))) {
        free(h);
        return st_fail(ST_ERR_IO, "%s: cannot create the page", path);
    }
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", h->f);
    escaped(h->f, title);
    fputs("</title>\n<style>\n"
          "body { font-family: sans-serif; max-width: 1400px; margin: 1em auto; padding: 0 1em; }\n"
          "figure { display: inline-block; vertical-align: top; margin: 0 1em 1em 0; }\n"
          "figure img { image-rendering: pixelated; border: 1px solid #ccc; }\n"
          "figcaption { font-size: 0.85em; max-width: 40em; }\n"
          "</style></head><body>\n<h1>",
          h->f);
    escaped(h->f, title);
    fputs("</h1>\n", h->f);
    *out = h;
    return ST_OK;
}

void vz_html_heading(vz_html *h, const char *text) {
    fputs("<h2>", h->f);
    escaped(h->f, text);
    fputs("</h2>\n", h->f);
}

void vz_html_text(vz_html *h, const char *text) {
    fputs("<p>", h->f);
    escaped(h->f, text);
    fputs("</p>\n", h->f);
}

void vz_html_figure(vz_html *h, const char *file, int width, const char *caption) {
    fputs("<figure><a href=\"", h->f);
    escaped(h->f, file);
    fputs("\"><img src=\"", h->f);
    escaped(h->f, file);
    fprintf(h->f, "\" width=\"%d\" alt=\"", width);
    escaped(h->f, caption);
    fputs("\"></a><figcaption>", h->f);
    escaped(h->f, caption);
    fputs("</figcaption></figure>\n", h->f);
}

int vz_html_end(vz_html *h) {
    fputs("</body></html>\n", h->f);
    int bad = ferror(h->f);
    bad |= fclose(h->f) != 0;
    int rc = ST_OK;
    if (bad) {
        remove(h->tmp);
        rc = st_fail(ST_ERR_IO, "%s: write failed", h->path);
    } else if (rename(h->tmp, h->path) != 0) {
        remove(h->tmp);
        rc = st_fail(ST_ERR_IO, "%s: cannot rename the finished page into place", h->path);
    }
    free(h);
    return rc;
}
