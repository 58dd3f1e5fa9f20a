/* fuzz_cli.c — libFuzzer target: the command-line parsers of harness/cli/cli.h. The first
 * byte picks the parser, the rest is its text (for hx_parse_options: arguments split at
 * newlines). Whatever a parser accepts must lie in the range it was given. */
#include "harness/cli/cli.h"
#include "tests/fuzz/fuzz_util.h"

#define MAX_ARGS 32

static void options(char *text) {
    char *argv[MAX_ARGS + 1] = {"cmd"};
    int argc = 1;
    for (char *p = text; p && argc < MAX_ARGS;) {
        argv[argc++] = p;
        p = strchr(p, '\n');
        if (p) *p++ = 0;
    }
    int flag = 0;
    long n = 0;
    double d = 0;
    const char *s = NULL;
    hx_int_list ints = {0};
    hx_size_list sizes = {0};
    hx_str_list names = {0};
    hx_shard shard = {0};
    const hx_option opts[] = {
        {"--flag", HX_OPT_FLAG, &flag, 0, 0, NULL, "a flag"},
        {"--n", HX_OPT_INT, &n, -5, 1000, "N", "an integer"},
        {"--d", HX_OPT_DOUBLE, &d, 0, 1, "X", "a number"},
        {"--s", HX_OPT_STRING, &s, 0, 0, "S", "a string"},
        {"--ints", HX_OPT_INTS, &ints, 1, 64, "LIST", "integers"},
        {"--size", HX_OPT_SIZES, &sizes, 32, 8192, "HxW", "sizes"},
        {"--names", HX_OPT_STRINGS, &names, 0, 0, "LIST", "names"},
        {"--shard", HX_OPT_SHARD, &shard, 0, 0, "K/N", "a shard"},
    };
    const char *pos[4];
    int npos = 0;
    if (hx_parse_options(argc, argv, opts, HX_COUNT(opts), pos, 4, &npos) == 0) {
        FUZZ_CHECK(npos >= 0 && npos <= 4);
        FUZZ_CHECK(n >= -5 && n <= 1000 && d >= 0 && d <= 1);
        FUZZ_CHECK(ints.n >= 0 && ints.n <= HX_LIST_MAX && sizes.n >= 0 && sizes.n <= HX_LIST_MAX);
        for (int i = 0; i < ints.n; i++) FUZZ_CHECK(ints.v[i] >= 1 && ints.v[i] <= 64);
        for (int i = 0; i < sizes.n; i++)
            FUZZ_CHECK(sizes.v[i].h >= 32 && sizes.v[i].h <= 8192 && sizes.v[i].w >= 32 && sizes.v[i].w <= 8192);
        for (int i = 0; i < names.n; i++) FUZZ_CHECK(names.v[i][0] && strlen(names.v[i]) < HX_NAME_MAX);
        FUZZ_CHECK(shard.n == 0 || (shard.k >= 0 && shard.k < shard.n));
    }
    FILE *null = fopen("/dev/null", "w");
    if (null) { hx_print_options(null, opts, HX_COUNT(opts)); fclose(null); }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    char *text = fuzz_string(data + 1, size - 1);
    long n;
    double d;
    hx_size z;
    hx_int_list ints;
    hx_size_list sizes;
    hx_str_list names;
    hx_shard shard;
    switch (data[0] % 8) {
    case 0:
        if (!hx_parse_int("--n", text, -1000, 1000, &n)) FUZZ_CHECK(n >= -1000 && n <= 1000);
        break;
    case 1:
        if (!hx_parse_double("--d", text, -1, 1e6, &d)) FUZZ_CHECK(d >= -1 && d <= 1e6);
        break;
    case 2:
        if (!hx_parse_int_list("--l", text, 0, 100, &ints)) {
            FUZZ_CHECK(ints.n >= 1 && ints.n <= HX_LIST_MAX);
            for (int i = 0; i < ints.n; i++) FUZZ_CHECK(ints.v[i] >= 0 && ints.v[i] <= 100);
        }
        break;
    case 3:
        if (!hx_parse_size("--size", text, 32, 8192, &z)) FUZZ_CHECK(z.h >= 32 && z.h <= 8192 && z.w >= 32 && z.w <= 8192);
        break;
    case 4:
        if (!hx_parse_size_list("--sizes", text, 1, 100, &sizes)) FUZZ_CHECK(sizes.n >= 1 && sizes.n <= HX_LIST_MAX);
        break;
    case 5:
        if (!hx_parse_str_list("--names", text, &names)) FUZZ_CHECK(names.n >= 1 && names.n <= HX_LIST_MAX);
        break;
    case 6:
        if (!hx_parse_shard("--shard", text, &shard)) FUZZ_CHECK(shard.n >= 1 && shard.k >= 0 && shard.k < shard.n);
        break;
    default:
        options(text);
    }
    free(text);
    return 0;
}
