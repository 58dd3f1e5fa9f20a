/* html.c — the picture index page. */
#include <dirent.h>
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

static void page_head(FILE *f, const char *title) {
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
    escaped(f, title);
    fputs("</title>\n<style>\n"
          "body { font-family: sans-serif; max-width: 1400px; margin: 1em auto; padding: 0 1em; }\n"
          "figure { display: inline-block; vertical-align: top; margin: 0 1em 1em 0; }\n"
          "figure img { image-rendering: pixelated; border: 1px solid #ccc; }\n"
          "figcaption { font-size: 0.85em; max-width: 60em; }\n"
          "img { max-width: 100%; height: auto; }\n"
          "</style></head><body>\n<h1>",
          f);
    escaped(f, title);
    fputs("</h1>\n", f);
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
    page_head(h->f, title);
    fputs(VZ_HTML_BODY_BEGIN "\n", h->f);
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
    if (width > 0) fprintf(h->f, "\" width=\"%d", width);
    fputs("\" alt=\"", h->f);
    escaped(h->f, caption);
    fputs("\"></a><figcaption>", h->f);
    escaped(h->f, caption);
    fputs("</figcaption></figure>\n", h->f);
}

int vz_html_end(vz_html *h) {
    fputs(VZ_HTML_BODY_END "\n</body></html>\n", h->f);
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

/* The text of a page between its body markers, malloc'ed; NULL if it has none. */
static char *page_body(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *text = NULL;
    size_t n = 0, cap = 0;
    for (int c; (c = fgetc(f)) != EOF;) {
        if (n + 2 > cap) {
            char *more = realloc(text, cap = cap ? 2 * cap : 1 << 16);
            if (!more) break;
            text = more;
        }
        text[n++] = (char)c;
    }
    fclose(f);
    if (!text) return NULL;
    text[n] = 0;
    char *begin = strstr(text, VZ_HTML_BODY_BEGIN), *end = begin ? strstr(begin, VZ_HTML_BODY_END) : NULL;
    if (!end) {
        free(text);
        return NULL;
    }
    *end = 0;
    memmove(text, begin + strlen(VZ_HTML_BODY_BEGIN), (size_t)(end - begin) - strlen(VZ_HTML_BODY_BEGIN) + 1);
    return text;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int vz_html_index(const char *dir, const char *title) {
    char path[4096], tmp[4200];
    DIR *d = opendir(dir);
    if (!d) return st_fail(ST_ERR_IO, "%s: cannot list the folder", dir);
    char *names[256];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 256;) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".html") && strcmp(e->d_name, "index.html") &&
            (names[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    snprintf(path, sizeof path, "%s/index.html", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = f ? ST_OK : st_fail(ST_ERR_IO, "%s: cannot create the page", path);
    if (f) {
        page_head(f, title);
        for (int i = 0; i < n; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            char *body = page_body(path);
            if (!body) continue; /* not a page of ours */
            fputs("<hr><p>From <a href=\"", f);
            escaped(f, names[i]);
            fputs("\">", f);
            escaped(f, names[i]);
            fputs("</a>:</p>\n", f);
            fputs(body, f);
            free(body);
        }
        fputs("</body></html>\n", f);
        int bad = ferror(f);
        bad |= fclose(f) != 0;
        snprintf(path, sizeof path, "%s/index.html", dir);
        if (bad || rename(tmp, path)) {
            remove(tmp);
            rc = st_fail(ST_ERR_IO, "%s: write failed", path);
        }
    }
    for (int i = 0; i < n; i++) free(names[i]);
    return rc;
}
