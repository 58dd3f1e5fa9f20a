/* image_list.c — recursive listing of picture files (see image_list.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "harness/eval/image_list.h"
#include "variants/st_error.h"

/* Deeper than any real dataset; stops a symbolic link loop. */
#define MAX_DEPTH 32

int hx_is_image_name(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot && dot != name &&
           (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

int hx_image_list_add(hx_image_list *l, const char *rel) {
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 256;
        char **p = realloc(l->path, (size_t)cap * sizeof *p);
        if (!p) return st_fail(ST_ERR_NOMEM, "listing images: out of memory");
        l->path = p;
        l->cap = cap;
    }
    if (!(l->path[l->n] = strdup(rel))) return st_fail(ST_ERR_NOMEM, "listing images: out of memory");
    l->n++;
    return ST_OK;
}

static int cmp_path(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void hx_image_list_sort(hx_image_list *l) {
    if (l->n > 1) qsort(l->path, (size_t)l->n, sizeof *l->path, cmp_path);
}

void hx_image_list_free(hx_image_list *l) {
    for (int i = 0; i < l->n; i++) free(l->path[i]);
    free(l->path);
    memset(l, 0, sizeof *l);
}

/* full = "<dir>/<rel>"; rel_at is where rel starts in full ("" at the top). */
static int walk(char *full, size_t rel_at, int depth, hx_image_list *out) {
    if (depth > MAX_DEPTH)
        return st_fail(ST_ERR_RANGE, "%s: folders nested deeper than %d (a link loop?)", full, MAX_DEPTH);
    DIR *d = opendir(full);
    if (!d) return st_fail(ST_ERR_IO, "%s: cannot open folder: %s", full, strerror(errno));
    size_t len = strlen(full);
    int rc = ST_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;   /* ., .., hidden files and folders */
        size_t nlen = strlen(e->d_name);
        if (len + 1 + nlen >= PATH_MAX) { rc = st_fail(ST_ERR_RANGE, "%s/%s: path too long", full, e->d_name); break; }
        full[len] = '/';
        memcpy(full + len + 1, e->d_name, nlen + 1);
        struct stat st;
        if (stat(full, &st)) {
            /* A dangling link is not a picture we were asked for; anything else is an error. */
            if (errno != ENOENT) rc = st_fail(ST_ERR_IO, "%s: %s", full, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(full, rel_at, depth + 1, out);
        } else if (S_ISREG(st.st_mode) && hx_is_image_name(e->d_name)) {
            rc = hx_image_list_add(out, full + rel_at);
        }
        full[len] = 0;
    }
    closedir(d);
    return rc;
}

int hx_image_list_read(const char *dir, hx_image_list *out) {
    memset(out, 0, sizeof *out);
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;   /* "imgs/" lists as "imgs" */
    if (len == 0 || len >= PATH_MAX) return st_fail(ST_ERR_ARG, "image folder name is empty or too long");
    char *full = malloc(PATH_MAX);
    if (!full) return st_fail(ST_ERR_NOMEM, "listing images: out of memory");
    memcpy(full, dir, len);
    full[len] = 0;
    int rc = walk(full, len + 1, 0, out);
    free(full);
    if (rc) { hx_image_list_free(out); return rc; }
    hx_image_list_sort(out);
    return ST_OK;
}
