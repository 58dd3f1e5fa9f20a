/* labels.h — the true class of every image of an evaluation: from a labels file of
 * "filename class_index" lines (the ImageNet-val format, e.g.
 * "ILSVRC2012_val_00000001.JPEG 65"), or from one sub-folder per class. */
#ifndef HX_LABELS_H
#define HX_LABELS_H
#include <stddef.h>
#include "harness/eval/image_list.h"

typedef struct {
    char *name;   /* as written, without a leading "./" */
    int label;
    int line;     /* 1-based line of the labels file, for messages */
} hx_label_entry;

typedef struct {
    char *source;         /* the file's name, for messages */
    int n, cap;
    hx_label_entry *e;    /* [n] sorted by name (strcmp) */
} hx_labels;

/* Labels file format, one image per line:
 *   <filename><blanks><class index>
 * The class index is the last blank-separated field (a decimal integer >= 0), the
 * filename is everything before it (so it may contain spaces); blanks are spaces and
 * tabs; a trailing "\r" is ignored, as are a UTF-8 byte order mark, empty lines and
 * lines starting with '#'.
 * The filename is a path relative to the image folder or just the file's basename.
 * Errors name source:line: a line without a class index, a bad index, a name listed
 * twice (both lines). */
int hx_labels_parse(const char *text, size_t len, const char *source, hx_labels *out);
/* Reads and parses the file at path. */
int hx_labels_read(const char *path, hx_labels *out);
void hx_labels_free(hx_labels *l);

/* Class names for display (classify --labels): one name per line, line i naming class
 * i; a trailing "\r" is dropped, a last line without "\n" counts. *names = [classes]
 * malloc'd strings (free with hx_class_names_free). Refused: not a regular file (a
 * folder, a FIFO), an empty line, and a count other than classes (both counts named:
 * 3 names or 1001 for a 1000-class model is the wrong file, not a file to pad or cut). */
int hx_class_names_read(const char *path, int classes, char ***names);
void hx_class_names_free(char **names, int classes);

/* The entry for an image (path relative to the image folder): the entry with that
 * exact path, else the one named by its basename; NULL if none. */
const hx_label_entry *hx_labels_find(const hx_labels *l, const char *rel);

/* labels[i] = the class of images->path[i], every one in [0, classes). Errors: an
 * image that no entry names (names the first few and the count), an entry that two
 * images match by basename (names both), a class index >= classes (source:line).
 * *unused (may be NULL) = entries that match no image: not an error, a labels file
 * may cover more than the folder holds. */
int hx_labels_assign(const hx_labels *l, const hx_image_list *images, int classes, int *labels, int *unused);

/* The class folders of dir: its sub-folders (not starting with '.'), sorted by name
 * (strcmp), as torchvision's ImageFolder numbers them. Errors if there are none. */
int hx_class_folders(const char *dir, hx_image_list *classes);
/* labels[i] = index in classes of the first path component of images->path[i].
 * Errors: an image directly in the folder (not in a class folder), more class
 * folders than the model has classes. */
int hx_labels_from_folders(const hx_image_list *classes, const hx_image_list *images, int num_classes,
                           int *labels);
#endif
