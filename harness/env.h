/* env.h — the environment a result was measured in, recorded with every row so a
 * number can always be traced to its machine, build and library. */
#ifndef HX_ENV_H
#define HX_ENV_H
#include "harness/results.h"

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
} hx_env;

/* Fills e; every field gets a value ("unknown" where it cannot be found). */
void hx_env_collect(hx_env *e);
/* Adds the fields to a row as env_date, env_git, env_cpu, env_cpu_flags, env_cores,
 * env_compiler, env_cflags, env_blas, env_blas_threading. */
int hx_env_to_row(const hx_env *e, hx_row *row);
#endif
