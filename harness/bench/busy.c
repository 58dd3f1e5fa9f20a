/* busy.c — the spinning process of `bench --busy-core` (see busy.h). */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness/bench/busy.h"
#include "variants/st_error.h"

/* The child: only async-signal-safe calls (the parent may run OpenMP threads). It
 * reports on `ready` whether it is pinned, then lets go of every file descriptor, so it
 * never holds the caller's pipes open, and spins until killed. */
static void spin(int cpu, pid_t parent, int ready, int max_fd) {
    signal(SIGINT, SIG_IGN);   /* Ctrl-C is for bench: it stops the spinner itself */
    char ok = 0;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) == 0 && getppid() == parent &&
        sched_setaffinity(0, sizeof one, &one) == 0)
        ok = 1;
    ssize_t ignored = write(ready, &ok, 1);
    (void)ignored;
    if (!ok) _exit(1);
    for (int fd = 0; fd < max_fd; fd++) close(fd);
    volatile unsigned long count = 0;
    for (;;) count++;
}

int hx_busy_start(hx_busy *b) {
    if (b->pid > 0) return st_fail(ST_ERR_ARG, "busy core: a spinner already runs (pid %d)", (int)b->pid);
    b->pid = 0;
    b->cpu = -1;
    cpu_set_t mask;
    if (sched_getaffinity(0, sizeof mask, &mask))
        return st_fail(ST_ERR_ARG, "busy core: cannot read the CPU affinity mask: %s", strerror(errno));
    int cpu = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &mask)) cpu = c;
    if (cpu < 0) return st_fail(ST_ERR_ARG, "busy core: the CPU affinity mask is empty");
    long open_max = sysconf(_SC_OPEN_MAX);
    int max_fd = open_max > 0 && open_max < 65536 ? (int)open_max : 65536;
    int fds[2];
    if (pipe(fds)) return st_fail(ST_ERR_ARG, "busy core: pipe: %s", strerror(errno));
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return st_fail(ST_ERR_ARG, "busy core: cannot start the spinning process: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        spin(cpu, parent, fds[1], max_fd);
    }
    close(fds[1]);
    char ok = 0;
    ssize_t got;
    while ((got = read(fds[0], &ok, 1)) < 0 && errno == EINTR) {}
    close(fds[0]);
    b->pid = pid;
    if (got != 1 || !ok) {
        hx_busy_stop(b);
        return st_fail(ST_ERR_ARG, "busy core: the spinning process could not pin itself to CPU %d", cpu);
    }
    b->cpu = cpu;
    return ST_OK;
}

void hx_busy_stop(hx_busy *b) {
    if (b->pid > 0) {
        kill(b->pid, SIGKILL);
        while (waitpid(b->pid, NULL, 0) < 0 && errno == EINTR) {}
    }
    b->pid = 0;
    b->cpu = -1;
}

static int parse_mode(const char *s, hx_busy_mode *mode) {
    static const char *const names[] = {"off", "on", "both"};
    for (int m = 0; m < 3; m++)
        if (!strcmp(s, names[m])) { *mode = (hx_busy_mode)m; return 1; }
    return 0;
}

int hx_busy_take_option(int *argc, char **argv, hx_busy_mode *mode) {
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {   /* the rest is positional: keep it as it is */
            while (i < *argc) argv[out++] = argv[i++];
            break;
        }
        if (!strcmp(a, "--busy-core")) {
            *mode = HX_BUSY_ON;
            if (i + 1 < *argc && argv[i + 1][0] != '-') {   /* bench takes no positional argument */
                if (!parse_mode(argv[i + 1], mode))
                    return st_fail(ST_ERR_ARG, "--busy-core: '%s' is not one of on, off, both", argv[i + 1]);
                i++;
            }
        } else if (!strncmp(a, "--busy-core=", 12)) {
            if (!parse_mode(a + 12, mode))
                return st_fail(ST_ERR_ARG, "--busy-core: '%s' is not one of on, off, both", a + 12);
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return ST_OK;
}

int hx_busy_expand_points(hx_busy_mode mode, hx_point **points, int count, int *total) {
    if (mode != HX_BUSY_BOTH || count == 0) return count;
    hx_point *twice = malloc(2 * (size_t)count * sizeof *twice);
    if (!twice) return st_fail(ST_ERR_NOMEM, "out of memory for %d points", 2 * count);
    for (int i = 0; i < count; i++)
        for (int busy = 0; busy < 2; busy++) {
            twice[2 * i + busy] = (*points)[i];
            twice[2 * i + busy].index = 2 * (*points)[i].index + busy;
        }
    free(*points);
    *points = twice;
    *total *= 2;
    return 2 * count;
}

int hx_busy_is_busy(hx_busy_mode mode, int i) {
    return mode == HX_BUSY_ON || (mode == HX_BUSY_BOTH && i % 2 == 1);
}

int hx_busy_prepare(hx_busy *b, hx_busy_mode mode, int i) {
    if (!hx_busy_is_busy(mode, i)) {
        hx_busy_stop(b);
        return ST_OK;
    }
    return b->pid > 0 ? ST_OK : hx_busy_start(b);
}

void hx_busy_to_row(hx_busy_mode mode, int i, double *quiet_img_s, hx_row *row) {
    int busy = hx_busy_is_busy(mode, i);
    double img_s = NAN;
    if (hx_row_get_num(row, "img_per_s", &img_s)) img_s = NAN;
    hx_row_bool(row, "busy_core", busy);
    if (mode == HX_BUSY_BOTH && !busy) *quiet_img_s = img_s;
    int have_ratio = mode == HX_BUSY_BOTH && busy && *quiet_img_s > 0 && isfinite(img_s);
    hx_row_num(row, "busy_ratio", have_ratio ? img_s / *quiet_img_s : NAN);
}
