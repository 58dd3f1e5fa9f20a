/* fuzz_config.c — libFuzzer target: st_config_from_json on arbitrary text. An accepted
 * config must be valid, survive st_config_to_json and back, and be countable (params
 * and FLOPs) without overflow at the sizes the network takes. */
#include "tests/fuzz/fuzz_util.h"
#include "variants/config.h"
#include "variants/count.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_string(data, size);
    st_config cfg;
    if (st_config_from_json(text, "fuzz", &cfg) == 0) {
        FUZZ_CHECK(st_config_validate(&cfg) == 0);
        char json[4096];
        int n = st_config_to_json(&cfg, json, sizeof json);
        FUZZ_CHECK(n > 0 && n < (int)sizeof json);
        st_config back;
        FUZZ_CHECK(st_config_from_json(json, "round trip", &back) == 0);
        back.init_values = cfg.init_values; /* written with %g: not exact */
        snprintf(back.name, sizeof back.name, "%s", cfg.name);
        FUZZ_CHECK(memcmp(&back, &cfg, sizeof cfg) == 0);
        static const int sides[][2] = {{ST_MIN_INPUT, ST_MIN_INPUT}, {224, 224}, {72, 88}};
        for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
            st_counts k;
            if (st_count(&cfg, sides[i][0], sides[i][1], &k) == 0) FUZZ_CHECK(k.params > 0 && k.flops > 0);
        }
    }
    free(text);
    return 0;
}
