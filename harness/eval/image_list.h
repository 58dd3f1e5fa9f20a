/* image_list.h — the picture files under a folder, in a fixed order, so that every
 * run (and every shard of a run) sees the same list. */
#ifndef HX_IMAGE_LIST_H
#define HX_IMAGE_LIST_H

typedef struct {
    int n, cap;
    char **path;   /* [n] paths relative to the folder, '/'-separated, sorted by strcmp */
} hx_image_list;

/* Every PNG/JPEG file (.png .jpg .jpeg, any case) under dir, recursively, following
 * symbolic links up to a depth of 32 folders. Names starting with '.' (files and
 * folders) are skipped. Sorted by relative path, byte-wise (strcmp). An empty list
 * is not an error here; the caller decides. */
int hx_image_list_read(const char *dir, hx_image_list *out);
/* Appends a copy of rel (for building lists by hand, e.g. in tests). */
int hx_image_list_add(hx_image_list *l, const char *rel);
void hx_image_list_sort(hx_image_list *l);
void hx_image_list_free(hx_image_list *l);

/* 1 if name ends in .png, .jpg or .jpeg (case-insensitive). */
int hx_is_image_name(const char *name);
#endif
