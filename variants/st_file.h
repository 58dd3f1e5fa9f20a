/* st_file.h — opening a file the user named, for reading. Anything but a regular file
 * (a folder, a FIFO, a socket, a device) is refused, and opening never blocks: a FIFO
 * given by mistake as weights, a picture or a labels file fails at once instead of
 * waiting forever for a writer. Every reader of a user-named file goes through here. */
#ifndef ST_FILE_H
#define ST_FILE_H
#include <stdio.h>
#include <sys/types.h>

/* *fd = a blocking read-only descriptor of the regular file at path, *size (may be NULL)
 * its size. On failure *fd = -1 and the message names path and the problem. */
int st_open_read(const char *path, int *fd, off_t *size);
/* The same as a stdio stream ("rb"); *out = NULL on failure. */
int st_fopen_read(const char *path, FILE **out);
#endif
