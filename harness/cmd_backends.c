/* stvit backends: the kernel backends built in and whether this CPU runs them. */
#include <stdio.h>
#include <string.h>
#include "harness/commands.h"
#include "kernels/kernels.h"

int hx_cmd_backends(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: stvit backends\nLists every kernel backend: name, base it starts from, whether this CPU\n"
               "supports it, and what it uses. The default (--backend omitted) is marked with *.\n");
        return 0;
    }
    const kn_backend *def = kn_backend_default();
    printf("%-10s %-8s %-9s %-9s %s\n", "backend", "base", "precision", "supported", "uses");
    for (int i = 0; i < kn_backend_count(); i++) {
        const kn_backend *b = kn_backend_at(i);
        const char *why = b->supported() || !b->missing ? NULL : b->missing();
        printf("%-10s %-8s %-9s %-9s %s%s%s%s\n", b->name, b->base ? b->base : "-", kn_backend_precision(b),
               b->supported() ? "yes" : "no", b->uses, b == def ? " *" : "", why ? "; unsupported: " : "",
               why ? why : "");
    }
    return 0;
}
