/* stvit backends: the kernel backends built in (ISA variants included) and whether this
 * CPU runs them, and why not. */
#include <stdio.h>
#include <string.h>
#include "harness/commands.h"
#include "kernels/kernels.h"

int hx_cmd_backends(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: stvit backends\nLists every kernel backend: name, base it starts from, the ISA it runs\n"
               "(\"best\": the best this CPU has), its declared precision, whether this CPU runs it (and\n"
               "why not), and what it uses. The default (--backend omitted) is marked with *.\n"
               "ISA variants (simd-avx2, omp-avx512, ...) are picked like any backend: --backend NAME.\n");
        return 0;
    }
    const kn_backend *def = kn_backend_default();
    printf("%-13s %-6s %-8s %-5s %-4s %s\n", "backend", "base", "isa", "prec", "runs", "uses");
    for (int i = 0; i < kn_backend_count(); i++) {
        const kn_backend *b = kn_backend_at(i);
        char why[160] = "";
        int runs = kn_backend_runs(b, why, sizeof why);
        const char *isa = b->isa ? b->isa : b->flags & KN_FOLD_BN ? "best" : "-";
        printf("%-13s %-6s %-8s %-5s %-4s %s%s", b->name, b->base ? b->base : "-", isa, kn_backend_precision(b),
               runs ? "yes" : "no", b->uses, b == def ? " *" : "");
        if (!runs) printf(" [does not run here: %s]", why);
        putchar('\n');
    }
    return 0;
}
