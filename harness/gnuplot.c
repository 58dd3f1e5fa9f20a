#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness/gnuplot.h"
#include "harness/outputs.h"
#include "variants/st_error.h"

int hx_gnuplot(const char *script, const char *data, const char *png, const char *subtitle) {
    char tmp[4200], vars[13000];
    if (hx_atomic_tmp_name(png, tmp, sizeof tmp)) return ST_ERR_ARG;
    /* gnuplot single-quoted strings take everything but a quote literally */
    if (strchr(data, '\'') || strchr(tmp, '\'') || strchr(subtitle, '\''))
        return st_fail(ST_ERR_ARG, "%s: paths for gnuplot must not contain a single quote", png);
    snprintf(vars, sizeof vars, "file='%s'; out='%s'; subtitle='%s'", data, tmp, subtitle);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return st_fail(ST_ERR_IO, "fork: %s", strerror(errno));
    if (pid == 0) {
        execlp("gnuplot", "gnuplot", "-e", vars, script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return st_fail(ST_ERR_IO, "waitpid: %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        remove(tmp);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return st_fail(ST_ERR_IO, "gnuplot not found (Debian: apt install gnuplot-nox)");
        return st_fail(ST_ERR_IO, "gnuplot failed on %s (data %s)", script, data);
    }
    if (rename(tmp, png)) {
        int e = errno;
        remove(tmp);
        return st_fail(ST_ERR_IO, "%s: cannot rename the PNG into place: %s", png, strerror(e));
    }
    return ST_OK;
}
