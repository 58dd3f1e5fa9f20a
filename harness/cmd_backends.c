/* stvit backends: the kernel backends built in and whether this CPU runs them. */
#include <stdio.h>
#include <string.h>
#include "harness/cli.h"
#include "harness/commands.h"
#include "harness/results.h"
#include "kernels/kernels.h"

int hx_cmd_backends(int argc, char **argv) {
    int json = 0;
    const hx_option opts[] = {
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "one JSON object per backend"},
    };
    const hx_usage usage = {"backends", "[--json]",
                            "Lists every kernel backend: name, base it starts from, whether this CPU\n"
                            "supports it, and what it uses. The default (--backend omitted) is marked with *.\n",
                            opts, HX_COUNT(opts), NULL};
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    if (rc) return hx_usage_exit(&usage, rc);
    const kn_backend *def = kn_backend_default();
    if (!json) printf("%-8s %-8s %-9s %s\n", "backend", "base", "supported", "uses");
    for (int i = 0; i < kn_backend_count(); i++) {
        const kn_backend *b = kn_backend_at(i);
        if (json) {
            hx_row row;
            hx_row_init(&row);
            hx_row_str(&row, "backend", b->name);
            hx_row_str(&row, "base", b->base);
            hx_row_bool(&row, "supported", b->supported());
            hx_row_bool(&row, "default", b == def);
            hx_row_str(&row, "uses", b->uses);
            hx_row_write_json(stdout, &row);
            putchar('\n');
            hx_row_free(&row);
            continue;
        }
        printf("%-8s %-8s %-9s %s%s\n", b->name, b->base ? b->base : "-", b->supported() ? "yes" : "no", b->uses,
               b == def ? " *" : "");
    }
    return 0;
}
