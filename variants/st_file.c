/* st_file.c — see st_file.h. The file is opened with O_NONBLOCK, so opening a FIFO
 * with no writer returns at once; fstat on the descriptor (not stat on the name, which
 * could change in between) then decides, and O_NONBLOCK is cleared for the reads. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "variants/st_error.h"
#include "variants/st_file.h"

static const char *kind_of(mode_t m) {
    if (S_ISDIR(m)) return "a folder";
    if (S_ISFIFO(m)) return "a FIFO (named pipe)";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
    return "not a regular file";
}

int st_open_read(const char *path, int *fd_out, off_t *size) {
    *fd_out = -1;
    if (!path) return st_fail(ST_ERR_ARG, "no file name given");
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return st_fail(ST_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int rc = ST_OK, flags;
    if (fstat(fd, &st)) rc = st_fail(ST_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode)) rc = st_fail(ST_ERR_IO, "%s: is %s, not a regular file", path, kind_of(st.st_mode));
    else if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
        rc = st_fail(ST_ERR_IO, "%s: cannot set up reading: %s", path, strerror(errno));
    if (rc) { close(fd); return rc; }
    *fd_out = fd;
    if (size) *size = st.st_size;
    return ST_OK;
}

int st_fopen_read(const char *path, FILE **out) {
    *out = NULL;
    int fd, rc = st_open_read(path, &fd, NULL);
    if (rc) return rc;
    if (!(*out = fdopen(fd, "rb"))) {
        rc = st_fail(ST_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return rc;
}
