/* stvit backends: the kernel backends built in (ISA variants included) and whether this
 * CPU runs them, and why not. */
#include <stdio.h>
#include <string.h>
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/results/results.h"
#include "kernels/kernels.h"

int hx_cmd_backends(int argc, char **argv) {
    int json = 0;
    const hx_option opts[] = {
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "one JSON object per backend"},
    };
    const hx_usage usage = {"backends", "[--json]",
                            "Lists every kernel backend: name, base it starts from, the ISA it runs (\"best\":\n"
                            "the best this CPU has), its declared precision, whether this CPU runs it (and why\n"
                            "not), and what it uses. The default (--backend omitted) is marked with *. ISA\n"
                            "variants (simd-avx2, omp-avx512, ...) are picked like any backend: --backend NAME.\n",
                            opts, HX_COUNT(opts), NULL};
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    if (rc) return hx_usage_exit(&usage, rc);
    const kn_backend *def = kn_backend_default();
    if (!json) printf("%-13s %-6s %-8s %-5s %-9s %s\n", "backend", "base", "isa", "prec", "supported", "uses");
    for (int i = 0; i < kn_backend_count(); i++) {
        const kn_backend *b = kn_backend_at(i);
        char why[160] = "";
        int runs = kn_backend_runs(b, why, sizeof why);
        const char *isa = b->isa ? b->isa : b->flags & KN_FOLD_BN ? "best" : "-";
        if (json) {
            hx_row row;
            hx_row_init(&row);
            hx_row_str(&row, "backend", b->name);
            hx_row_str(&row, "base", b->base);
            hx_row_str(&row, "isa", isa);
            hx_row_str(&row, "precision", kn_backend_precision(b));
            hx_row_bool(&row, "supported", runs);
            hx_row_str(&row, "why_not", runs ? "" : why);
            hx_row_bool(&row, "default", b == def);
            hx_row_str(&row, "uses", b->uses);
            hx_row_write_json(stdout, &row);
            putchar('\n');
            hx_row_free(&row);
            continue;
        }
        printf("%-13s %-6s %-8s %-5s %-9s %s%s", b->name, b->base ? b->base : "-", isa, kn_backend_precision(b),
               runs ? "yes" : "no", b->uses, b == def ? " *" : "");
        if (!runs) printf(" [does not run here: %s]", why);
        putchar('\n');
    }
    return 0;
}
