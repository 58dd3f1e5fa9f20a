#include <strings.h>
#include "variants/ablation.h"
#include "variants/catalog.h"
#include "variants/st_error.h"

const char *st_config_names(void) { return "S, B, L, ablation-N (the rows of stvit ablate), deit-s, swin-t"; }

int st_config_named(const char *name, st_config *out) {
    if (!strncasecmp(name, "ablation-", 9)) return st_ablation_named(name, out);
    if (st_config_variant(name, out) == ST_OK) return ST_OK;
    if (st_config_baseline(name, out) == ST_OK) return ST_OK;
    return st_fail(ST_ERR_ARG, "unknown variant '%s' (known: %s)", name, st_config_names());
}
