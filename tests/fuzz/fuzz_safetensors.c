/* fuzz_safetensors.c — libFuzzer target: sft_open on arbitrary bytes, then every
 * tensor read as float32 and the config parsed, as loading weights does.
 * Checks that an accepted file keeps the promises of safetensors.h. */
#include "tests/fuzz/fuzz_util.h"
#include "variants/config.h"
#include "variants/formats/safetensors.h"

/* Reads no tensor larger than this: the point is the bounds checks, not memcpy speed. */
#define READ_MAX_ELEMS (1 << 22)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    int fd = fuzz_file(data, size, path);
    sft_file f;
    if (sft_open(&f, path) == 0) {
        FUZZ_CHECK(f.data_size <= f.map_size);
        for (int i = 0; i < f.count; i++) {
            const sft_tensor *t = &f.tensors[i];
            FUZZ_CHECK(t->begin <= t->end && t->end <= f.data_size);
            FUZZ_CHECK(i == 0 || strcmp(f.tensors[i - 1].name, t->name) < 0); /* sorted, unique */
            FUZZ_CHECK(sft_find(&f, t->name) == t);
            if (t->numel > READ_MAX_ELEMS) continue;
            float *x = malloc(sizeof(float) * (t->numel ? (size_t)t->numel : 1));
            FUZZ_CHECK(x);
            int rc = sft_read_f32(&f, t, x);
            FUZZ_CHECK((rc == 0) == (t->dtype != SFT_OTHER));
            free(x);
        }
        if (f.config_json) {
            st_config cfg;
            st_config_from_json(f.config_json, path, &cfg);
        }
        sft_close(&f);
    }
    close(fd);
    return 0;
}
