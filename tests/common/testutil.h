/* testutil.h — small helpers shared by the cmocka tests (linked into every test). */
#ifndef TU_TESTUTIL_H
#define TU_TESTUTIL_H
#include <stddef.h>

/* ||a - b|| / ||b|| over n floats (0 when both are zero). */
double tu_rel_l2(const float *a, const float *b, size_t n);
/* Reads tensor `name` of a safetensors file into a malloc'd float array; *count gets
 * its element count. NULL if the file or tensor is missing. */
float *tu_load_tensor(const char *path, const char *name, size_t *count);
/* The shape of tensor `name` into shape[0..8); returns ndim, or -1. */
int tu_tensor_shape(const char *path, const char *name, long long shape[8]);
/* Deterministic values in [-1, 1). */
void tu_fill_random(float *x, size_t n, unsigned seed);
/* A temporary folder per test program: cmocka group setup creates it
 * (/tmp/stvit-test-TAG-XXXXXX), teardown removes it with everything inside, read-only
 * subfolders included. 0 or -1, as cmocka's group fixtures want. */
int tu_tmpdir_create(const char *tag);
int tu_tmpdir_remove(void);
const char *tu_tmpdir(void);
/* TMPDIR/name; four rotating buffers, so a few may be used in one expression. */
const char *tu_tmp_path(const char *name);
/* Writes text to path: 0 or -1. */
int tu_write_text(const char *path, const char *text);
/* A file's first cap - 1 bytes, NUL-terminated ("" when it cannot be read). */
void tu_slurp(const char *path, char *buf, size_t cap);
/* Runs "BIN ARGS" (ARGS: a shell command line; stdin /dev/null unless it redirects it) in
 * the temporary folder; its stdout and stderr into out and err. The exit status, -1 when
 * it was killed by a signal. */
int tu_run_in_tmpdir(const char *bin, const char *args, char *out, size_t out_cap, char *err, size_t err_cap);
#endif
