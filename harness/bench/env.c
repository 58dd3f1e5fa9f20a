/* env.c — collects the environment recorded with results (see env.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <cblas.h>
#include "harness/bench/env.h"
#include "variants/st_error.h"

/* The Makefile passes the build's flags; a build without it says so. */
#ifndef HX_CFLAGS
#ifdef __OPTIMIZE__
#define HX_CFLAGS "unknown (optimized)"
#else
#define HX_CFLAGS "unknown (not optimized)"
#endif
#endif

extern char **environ;
static char cmdline[2048];

/* Quoted for a POSIX shell when it holds anything but safe characters. */
static void append_arg(char *buf, size_t cap, const char *a) {
    size_t n = strlen(buf);
    int safe = *a != 0;
    for (const char *c = a; *c && safe; c++)
        safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
               strchr("-_./,:=+@%", *c);
    if (n && n + 1 < cap) buf[n++] = ' ', buf[n] = 0;
    if (safe) { snprintf(buf + n, cap - n, "%s", a); return; }
    if (n + 1 < cap) buf[n++] = '\'', buf[n] = 0;
    for (const char *c = a; *c && n + 5 < cap; c++) {
        if (*c == '\'') { memcpy(buf + n, "'\\''", 4); n += 4; }
        else buf[n++] = *c;
    }
    if (n + 1 < cap) buf[n++] = '\'';
    buf[n < cap ? n : cap - 1] = 0;
}

void hx_env_set_cmdline(int argc, char **argv) {
    cmdline[0] = 0;
    for (int i = 0; i < argc; i++) append_arg(cmdline, sizeof cmdline, argv[i]);
}

double hx_env_loadavg(void) {
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1) load = -1;
        fclose(f);
    }
    return load;
}

/* The variables named prefix* (for each prefix), "NAME=value" joined by spaces. */
static void collect_vars(const char *const *prefixes, int n, char *buf, size_t cap) {
    buf[0] = 0;
    for (char **e = environ; e && *e; e++)
        for (int i = 0; i < n; i++)
            if (!strncmp(*e, prefixes[i], strlen(prefixes[i]))) {
                size_t len = strlen(buf);
                snprintf(buf + len, cap - len, "%s%s", len ? " " : "", *e);
                break;
            }
}

static void collect_os(hx_env *e) {
    snprintf(e->os, sizeof e->os, "unknown");
    FILE *f = fopen("/etc/os-release", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "PRETTY_NAME=", 12)) {
            char *v = line + 12;
            v[strcspn(v, "\r\n")] = 0;
            size_t n = strlen(v);
            if (n >= 2 && v[0] == '"' && v[n - 1] == '"') v[n - 1] = 0, v++;
            snprintf(e->os, sizeof e->os, "%.120s", v);
        }
    if (f) fclose(f);
    struct utsname u;
    if (!uname(&u)) snprintf(e->kernel, sizeof e->kernel, "%.40s %.100s %.40s", u.sysname, u.release, u.machine);
    else snprintf(e->kernel, sizeof e->kernel, "unknown");
}

/* First line of a shell command's output, newline stripped; 0 if it printed one. */
static int command_line(const char *cmd, char *buf, size_t cap) {
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    buf[0] = 0;
    int got = fgets(buf, (int)cap, p) != NULL;
    while (got && fgetc(p) != EOF) {}   /* drain, so the child is not killed by SIGPIPE */
    int status = pclose(p);
    buf[strcspn(buf, "\r\n")] = 0;
    return got && status == 0 && buf[0] ? 0 : -1;
}

static void collect_git(hx_env *e) {
    char rev[48], dirty[8];
    if (command_line("git rev-parse --short HEAD 2>/dev/null", rev, sizeof rev)) {
        snprintf(e->git, sizeof e->git, "unknown");
        return;
    }
    /* Any line of porcelain output = a tracked file differs from HEAD. */
    int is_dirty = !command_line("git status --porcelain --untracked-files=no 2>/dev/null", dirty,
                                 sizeof dirty);
    snprintf(e->git, sizeof e->git, "%s%s", rev, is_dirty ? "-dirty" : "");
}

static void collect_cpu(hx_env *e) {
    snprintf(e->cpu, sizeof e->cpu, "unknown");
    e->cpu_flags[0] = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[8192];
    int have_model = 0, have_flags = 0;
    while ((!have_model || !have_flags) && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon) continue;
        char *value = colon + 1 + (colon[1] == ' ');
        value[strcspn(value, "\n")] = 0;
        if (!have_model && !strncmp(line, "model name", 10)) {
            snprintf(e->cpu, sizeof e->cpu, "%s", value);
            have_model = 1;
        } else if (!have_flags && !strncmp(line, "flags", 5)) {
            /* Whole words only: "fma" must not match "avx512ifma". */
            static const char *const wanted[] = {"avx2", "avx512f", "fma", "amx_tile"};
            static const char *const shown[] = {"avx2", "avx512f", "fma", "amx"};
            char padded[8200];
            snprintf(padded, sizeof padded, " %s ", value);
            for (int i = 0; i < 4; i++) {
                char word[32];
                snprintf(word, sizeof word, " %s ", wanted[i]);
                if (strstr(padded, word)) {
                    size_t n = strlen(e->cpu_flags);
                    snprintf(e->cpu_flags + n, sizeof e->cpu_flags - n, "%s%s", n ? " " : "", shown[i]);
                }
            }
            have_flags = 1;
        }
    }
    fclose(f);
    if (!e->cpu_flags[0]) snprintf(e->cpu_flags, sizeof e->cpu_flags, "none");
}

void hx_env_collect(hx_env *e) {
    memset(e, 0, sizeof *e);
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(e->date, sizeof e->date, "%Y-%m-%dT%H:%M:%SZ", &utc);
    collect_git(e);
    collect_cpu(e);
    collect_os(e);
    snprintf(e->cmdline, sizeof e->cmdline, "%s", cmdline);
    static const char *const omp[] = {"OMP_", "GOMP_", "KMP_"}, *const blas[] = {"OPENBLAS_", "GOTO_"};
    collect_vars(omp, 3, e->omp_vars, sizeof e->omp_vars);
    collect_vars(blas, 2, e->openblas_vars, sizeof e->openblas_vars);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    e->cores = cores > 0 ? (int)cores : 1;
#if defined(__clang__)
    snprintf(e->compiler, sizeof e->compiler, "clang %s", __clang_version__);
#elif defined(__GNUC__)
    snprintf(e->compiler, sizeof e->compiler, "gcc %s", __VERSION__);
#else
    snprintf(e->compiler, sizeof e->compiler, "unknown");
#endif
    snprintf(e->cflags, sizeof e->cflags, "%s", HX_CFLAGS);
    const char *config = openblas_get_config();
    snprintf(e->blas, sizeof e->blas, "%s", config ? config : "unknown");
    /* Trailing blanks in OpenBLAS's config string would be lost by CSV readers that trim. */
    for (size_t n = strlen(e->blas); n && e->blas[n - 1] == ' '; n--) e->blas[n - 1] = 0;
    static const char *const modes[] = {"sequential", "pthreads", "openmp"};
    int mode = openblas_get_parallel();
    snprintf(e->blas_threading, sizeof e->blas_threading, "%s",
             mode >= 0 && mode <= 2 ? modes[mode] : "unknown");
}

int hx_env_to_row(const hx_env *e, hx_row *row) {
    char now[32];   /* when this row was measured, not when the run started */
    time_t t = time(NULL);
    struct tm utc;
    gmtime_r(&t, &utc);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &utc);
    hx_row_str(row, "env_date", e->date[0] ? now : "");
    hx_row_str(row, "env_git", e->git);
    hx_row_str(row, "env_cmdline", e->cmdline);
    hx_row_str(row, "env_os", e->os);
    hx_row_str(row, "env_kernel", e->kernel);
    hx_row_str(row, "env_cpu", e->cpu);
    hx_row_str(row, "env_cpu_flags", e->cpu_flags);
    hx_row_int(row, "env_cores", e->cores);
    hx_row_str(row, "env_compiler", e->compiler);
    hx_row_str(row, "env_cflags", e->cflags);
    hx_row_str(row, "env_blas", e->blas);
    hx_row_str(row, "env_blas_threading", e->blas_threading);
    hx_row_str(row, "env_omp_vars", e->omp_vars);
    hx_row_str(row, "env_openblas_vars", e->openblas_vars);
    double load = hx_env_loadavg();
    hx_row_num(row, "env_loadavg", load >= 0 ? load : NAN);
    return row->failed ? ST_ERR_NOMEM : ST_OK;
}
