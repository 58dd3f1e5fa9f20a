#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "tests/common/testutil.h"
#include "variants/formats/safetensors.h"

double tu_rel_l2(const float *a, const float *b, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    if (den == 0) return sqrt(num);
    return sqrt(num / den);
}

float *tu_load_tensor(const char *path, const char *name, size_t *count) {
    sft_file f;
    if (sft_open(&f, path)) return NULL;
    const sft_tensor *t = sft_find(&f, name);
    float *x = t ? malloc(sizeof(float) * (t->numel ? t->numel : 1)) : NULL;
    if (x && sft_read_f32(&f, t, x)) { free(x); x = NULL; }
    if (x && count) *count = (size_t)t->numel;
    sft_close(&f);
    return x;
}

void tu_fill_random(float *x, size_t n, unsigned seed) {
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        x[i] = (float)((s >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
    }
}

int tu_tensor_shape(const char *path, const char *name, long long shape[8]) {
    sft_file f;
    if (sft_open(&f, path)) return -1;
    const sft_tensor *t = sft_find(&f, name);
    int ndim = t ? t->ndim : -1;
    for (int i = 0; t && i < t->ndim; i++) shape[i] = t->shape[i];
    sft_close(&f);
    return ndim;
}

static char tu_dir[256];

int tu_tmpdir_create(const char *tag) {
    snprintf(tu_dir, sizeof tu_dir, "/tmp/stvit-test-%s-XXXXXX", tag);
    return mkdtemp(tu_dir) ? 0 : -1;
}

const char *tu_tmpdir(void) { return tu_dir; }

const char *tu_tmp_path(const char *name) {
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", tu_dir, name);
    return p;
}

static int make_writable(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    if (flag == FTW_D || flag == FTW_DNR) chmod(path, 0700);
    return 0;
}
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    return remove(path);
}

int tu_tmpdir_remove(void) {
    if (!tu_dir[0]) return 0;
    nftw(tu_dir, make_writable, 8, FTW_PHYS); /* so read-only subfolders can be emptied */
    return nftw(tu_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int tu_write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int bad = fputs(text, f) < 0;
    return fclose(f) || bad ? -1 : 0;
}

void tu_slurp(const char *path, char *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = 0;
    if (f) fclose(f);
}

int tu_run_in_tmpdir(const char *bin, const char *args, char *out, size_t out_cap, char *err, size_t err_cap) {
    size_t cap = strlen(bin) + strlen(args) + strlen(tu_dir) + 96;
    char *cmd = malloc(cap);
    if (!cmd) return -1;
    snprintf(cmd, cap, "cd '%s' && '%s' </dev/null %s >stdout.txt 2>stderr.txt", tu_dir, bin, args);
    int ws = system(cmd);
    free(cmd);
    tu_slurp(tu_tmp_path("stdout.txt"), out, out_cap);
    tu_slurp(tu_tmp_path("stderr.txt"), err, err_cap);
    remove(tu_tmp_path("stdout.txt"));
    remove(tu_tmp_path("stderr.txt"));
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}
