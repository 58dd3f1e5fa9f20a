/* rss.c — peak RSS (see rss.h). Writing "5" to /proc/self/clear_refs resets the
 * kernel's high-water mark VmHWM to the current RSS, so each sweep point gets its
 * own peak instead of the largest model's peak so far. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "harness/bench/rss.h"

int hx_peak_rss_reset(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return -1;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

double hx_peak_rss_mib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        long kib = -1;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
        fclose(f);
        if (kib >= 0) return kib / 1024.0;
    }
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024.0;   /* KiB on Linux */
}
