/* fuzz_util.h — helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c). */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Fails the run (libFuzzer keeps the input) when an invariant of the code under test
 * does not hold; sanitizers catch the crashes, this catches wrong answers. */
#define FUZZ_CHECK(cond)                                                                \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
            abort();                                                                    \
        }                                                                               \
    } while (0)

/* The input as a file the code under test opens by path: an in-memory file (memfd),
 * so the real open/fstat/mmap/stdio path runs without touching the disk. Returns the
 * descriptor (close it after use) and writes "/proc/self/fd/N" into path. */
static inline int fuzz_file(const uint8_t *data, size_t size, char path[64]) {
    int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
    if (fd < 0) { perror("memfd_create"); abort(); }
    for (size_t done = 0; done < size;) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) { perror("write"); abort(); }
        done += (size_t)w;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    return fd;
}

/* The input as a NUL-terminated string (malloc'd; the caller frees). */
static inline char *fuzz_string(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}
#endif
