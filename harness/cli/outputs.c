/* outputs.c — output folders and atomic file writes (see outputs.h). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "harness/cli/outputs.h"
#include "variants/st_error.h"

int hx_make_dir(const char *dir) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return st_fail(ST_ERR_ARG, "%.40s...: path too long", dir);
    /* Each prefix ending at a '/', then the whole: "a/b/c" makes a, a/b, a/b/c. */
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p) continue;
        char keep = *p;
        *p = 0;
        struct stat st;
        if (mkdir(buf, 0777) && errno != EEXIST)
            return st_fail(ST_ERR_IO, "%s: cannot create the folder: %s", buf, strerror(errno));
        if (stat(buf, &st) || !S_ISDIR(st.st_mode))
            return st_fail(ST_ERR_IO, "%s: not a folder", buf);
        *p = keep;
        if (!keep) break;
        while (p[1] == '/') p++;
        if (!p[1]) break;   /* a trailing slash */
    }
    return ST_OK;
}

int hx_make_parent_dir(const char *path) {
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return st_fail(ST_ERR_ARG, "%.40s...: path too long", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return ST_OK;
    *slash = 0;
    return hx_make_dir(dir);
}

int hx_out_is_none(const char *out) { return out && !strcmp(out, "-"); }

int hx_out_names_file(const char *out) {
    static const char *const exts[] = {".csv", ".jsonl", ".json"};
    size_t n = out ? strlen(out) : 0;
    for (int i = 0; i < 3; i++) {
        size_t m = strlen(exts[i]);
        if (n > m && !strcmp(out + n - m, exts[i])) return 1;
    }
    return 0;
}

int hx_output_dir(const char *command, const char *out, int no_out, char *dir, size_t cap, int *none) {
    dir[0] = 0;
    *none = no_out || hx_out_is_none(out);
    if (*none) return ST_OK;
    if (out) {
        if (snprintf(dir, cap, "%s", out) >= (int)cap) return st_fail(ST_ERR_ARG, "--out: path too long");
        return hx_make_dir(dir);
    }
    int rc = hx_make_dir(HX_RUNS_DIR);
    if (rc) return rc;
    char date[32];
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(date, sizeof date, "%Y%m%d-%H%M%S", &utc);
    /* mkdir without EEXIST is the claim: two runs started in one second get -2, -3... */
    for (int k = 1; k < 1000; k++) {
        if (k == 1) snprintf(dir, cap, "%s/%s-%s", HX_RUNS_DIR, date, command);
        else snprintf(dir, cap, "%s/%s-%s-%d", HX_RUNS_DIR, date, command, k);
        if (!mkdir(dir, 0777)) return ST_OK;
        if (errno != EEXIST) return st_fail(ST_ERR_IO, "%s: cannot create the folder: %s", dir, strerror(errno));
    }
    return st_fail(ST_ERR_IO, "%s: no free run folder name", dir);
}

int hx_atomic_tmp_name(const char *path, char *out, size_t cap) {
    if (snprintf(out, cap, "%s.tmp.%ld", path, (long)getpid()) >= (int)cap)
        return st_fail(ST_ERR_ARG, "%.40s...: path too long", path);
    return ST_OK;
}

int hx_atomic_open(hx_atomic *a, const char *path, const char *mode) {
    memset(a, 0, sizeof *a);
    if (snprintf(a->path, sizeof a->path, "%s", path) >= (int)sizeof a->path)
        return st_fail(ST_ERR_ARG, "%.40s...: path too long", path);
    int rc = hx_atomic_tmp_name(path, a->tmp, sizeof a->tmp);
    if (!rc) rc = hx_make_parent_dir(path);
    if (rc) return rc;
    a->f = fopen(a->tmp, mode);
    if (!a->f) return st_fail(ST_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    return ST_OK;
}

int hx_atomic_commit(hx_atomic *a) {
    if (!a->f) return st_fail(ST_ERR_IO, "%s: not open", a->path);
    int bad = fflush(a->f) || ferror(a->f);
    int e = errno;
    if (fclose(a->f)) bad = 1, e = errno;
    a->f = NULL;
    if (bad) {
        remove(a->tmp);
        return st_fail(ST_ERR_IO, "%s: write failed: %s", a->path, strerror(e));
    }
    if (rename(a->tmp, a->path)) {
        e = errno;
        remove(a->tmp);
        return st_fail(ST_ERR_IO, "%s: cannot replace: %s", a->path, strerror(e));
    }
    return ST_OK;
}

void hx_atomic_abort(hx_atomic *a) {
    if (a->f) fclose(a->f);
    a->f = NULL;
    if (a->tmp[0]) remove(a->tmp);
}
