/* catalog.h — every configuration a name selects: the paper's variants (config.c)
 * and the ablation rows built on them (ablation.c). It sits above both, so neither
 * needs the other's names. */
#ifndef ST_CATALOG_H
#define ST_CATALOG_H
#include "variants/config.h"

/* "S", "B", "L" or "ablation-N" (case-insensitive). 0 or ST_ERR_ARG. */
int st_config_named(const char *name, st_config *out);
/* Lists the names st_config_named knows, for --help. */
const char *st_config_names(void);
#endif
