/* env.h — the environment a result was measured in, recorded with every row so a
 * number can always be traced to its machine, build and library. */
#ifndef HX_ENV_H
#define HX_ENV_H
#include "harness/results/results.h"

typedef struct {
    char date[32];          /* UTC, ISO 8601: 2025-01-31T12:00:00Z */
    char git[64];           /* `git rev-parse --short HEAD`, "-dirty" if tracked files changed, or "unknown" */
    char cpu[128];          /* /proc/cpuinfo "model name" */
    char cpu_flags[64];     /* those of interest present: "avx2 avx512f fma amx" */
    int cores;              /* online processors */
    char compiler[96];      /* "gcc 12.2.0" */
    char cflags[256];       /* the flags the build used (the Makefile passes them) */
    char blas[192];         /* openblas_get_config() */
    char blas_threading[16];/* "sequential", "pthreads" or "openmp" */
    char cmdline[2048];     /* the command line, shell-quoted (hx_env_set_cmdline) */
    char os[128];           /* /etc/os-release PRETTY_NAME */
    char kernel[192];       /* uname: "Linux 6.1.0-18-amd64 x86_64" */
    char omp_vars[512];     /* OMP_* variables set: "OMP_NUM_THREADS=2 OMP_PROC_BIND=close", or "" */
    char openblas_vars[256];/* OPENBLAS_* / GOTO_* variables set, or "" */
} hx_env;

/* Remembers the process's command line for env_cmdline (main calls it once). */
void hx_env_set_cmdline(int argc, char **argv);
/* The 1-minute load average now, or -1 when unknown. */
double hx_env_loadavg(void);

/* Fills e; every field gets a value ("unknown" where it cannot be found). */
void hx_env_collect(hx_env *e);
/* Adds the fields to a row as env_date, env_git, env_cmdline, env_os, env_kernel,
 * env_cpu, env_cpu_flags, env_cores, env_compiler, env_cflags, env_blas,
 * env_blas_threading, env_omp_vars, env_openblas_vars; env_date and env_loadavg are
 * read now (when the row was measured). */
int hx_env_to_row(const hx_env *e, hx_row *row);
#endif
