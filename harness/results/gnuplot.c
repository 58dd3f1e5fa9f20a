/* gnuplot.c — runs the plot scripts (see gnuplot.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness/results/gnuplot.h"
#include "harness/cli/outputs.h"
#include "variants/st_error.h"

int hx_gnuplot_run(const char *script, const char *data, const char *out, const char *fmt, const char *vars) {
    char tmp[4200], dir[4096];
    if (hx_atomic_tmp_name(out, tmp, sizeof tmp)) return ST_ERR_ARG;
    const char *slash = strrchr(script, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - script) : 1, slash ? script : ".");
    /* gnuplot single-quoted strings take everything but a quote literally */
    if (strchr(data, '\'') || strchr(tmp, '\'') || strchr(dir, '\''))
        return st_fail(ST_ERR_ARG, "%s: paths for gnuplot must not contain a single quote", out);
    size_t cap = strlen(vars) + strlen(data) + strlen(tmp) + strlen(dir) + 128;
    char *all = malloc(cap);
    if (!all) return st_fail(ST_ERR_NOMEM, "out of memory");
    snprintf(all, cap, "file='%s'; out='%s'; fmt='%s'; scripts='%s'; %s", data, tmp, fmt, dir, vars);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        free(all);
        return st_fail(ST_ERR_IO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        execlp("gnuplot", "gnuplot", "-e", all, script, (char *)NULL);
        _exit(127);
    }
    free(all);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return st_fail(ST_ERR_IO, "waitpid: %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        remove(tmp);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return st_fail(ST_ERR_IO, "gnuplot not found (Debian: apt install gnuplot-nox)");
        return st_fail(ST_ERR_IO, "gnuplot failed on %s (data %s)", script, data);
    }
    if (rename(tmp, out)) {
        int e = errno;
        remove(tmp);
        return st_fail(ST_ERR_IO, "%s: cannot rename the picture into place: %s", out, strerror(e));
    }
    return ST_OK;
}

int hx_gnuplot(const char *script, const char *data, const char *png, const char *subtitle) {
    if (strchr(subtitle, '\''))
        return st_fail(ST_ERR_ARG, "%s: a subtitle for gnuplot must not contain a single quote", png);
    char vars[1024];
    snprintf(vars, sizeof vars, "subtitle='%s'", subtitle);
    return hx_gnuplot_run(script, data, png, "png", vars);
}

int hx_gnuplot_scripts(const char *given, char *dir, size_t cap) {
    char exe[PATH_MAX], probe[PATH_MAX + 64];
    const char *env = getenv("STVIT_PLOTS");
    if (given || (env && *env)) {
        snprintf(dir, cap, "%s", given ? given : env);
        return ST_OK;
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
        static const char *const rel[] = {"/../viz/plots", "/plots", "/../share/stvit/plots"};
        for (int i = 0; i < 3; i++) {
            snprintf(probe, sizeof probe, "%s%s/common.gp", exe, rel[i]);
            if (!access(probe, R_OK)) {
                snprintf(dir, cap, "%s%s", exe, rel[i]);
                return ST_OK;
            }
        }
    }
    if (!access("viz/plots/common.gp", R_OK)) {
        snprintf(dir, cap, "viz/plots");
        return ST_OK;
    }
    return st_fail(ST_ERR_IO, "cannot find the gnuplot scripts (viz/plots beside the program); give --scripts DIR");
}
