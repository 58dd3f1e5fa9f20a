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
#endif
