/* stvit infer: exact tensors in, logits out (how tests and other tools drive the network). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness/cli/commands.h"
#include "harness/cli/model_opts.h"
#include "variants/formats/safetensors.h"
#include "variants/st_error.h"

/* Collects every named intermediate for --intermediates. */
typedef struct {
    int n, cap;
    sft_entry *e;
    int failed;
} dump_ctx;

static void dump_tensor(void *ud, const char *name, const float *x, int batch, int c, int h, int w) {
    dump_ctx *d = ud;
    if (d->failed || !strcmp(name, "logits")) return;
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 32;
        sft_entry *e = realloc(d->e, sizeof *e * cap);
        if (!e) { d->failed = 1; return; }
        d->e = e;
        d->cap = cap;
    }
    size_t count = (size_t)batch * c * h * w;
    float *copy = malloc(count * sizeof(float));
    char *nm = strdup(name);
    if (!copy || !nm) { free(copy); free(nm); d->failed = 1; return; }
    memcpy(copy, x, count * sizeof(float));
    sft_entry *e = &d->e[d->n++];
    memset(e, 0, sizeof *e);
    e->name = nm;
    e->data = copy;
    int flat = !strcmp(name, "features");
    e->ndim = flat ? 2 : 4;
    e->shape[0] = batch; e->shape[1] = c; e->shape[2] = h; e->shape[3] = w;
}

int hx_cmd_infer(int argc, char **argv) {
    hx_model_opts mo = {0};
    const char *input = NULL, *output = NULL;
    int intermediates = 0;
    const hx_option opts[] = {
        {"--input", HX_OPT_STRING, &input, 0, 0, "IN", "safetensors with tensor 'input' (B x 3 x H x W)"},
        {"--output", HX_OPT_STRING, &output, 0, 0, "OUT", "safetensors to write tensor 'logits' (B x classes) to"},
        {"--intermediates", HX_OPT_FLAG, &intermediates, 0, 0, NULL, "also write every named intermediate"},
        HX_MODEL_OPTIONS(mo),
    };
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), NULL, 0, NULL);
    if (!rc && (!input || !output)) rc = st_fail(ST_ERR_ARG, "--input and --output are required");
    if (rc) {
        const hx_usage usage = {"infer", "--input IN.safetensors --output OUT.safetensors [options]",
                                "Runs the network on the exact tensor 'input' and writes 'logits'.\n", opts,
                                HX_COUNT(opts), NULL};
        return hx_usage_exit(&usage, rc);
    }
    sft_file in;
    st_model *m = NULL;
    float *x = NULL, *logits = NULL;
    dump_ctx dump = {0};
    int status = 1;
    if ((rc = sft_open(&in, input))) { fprintf(stderr, "stvit infer: %s\n", st_last_error()); return 1; }
    const sft_tensor *t = sft_find(&in, "input");
    if (!t) { fprintf(stderr, "stvit infer: %s: no tensor named 'input'\n", input); goto done; }
    if (t->ndim != 4 || t->shape[1] != 3) {
        fprintf(stderr, "stvit infer: %s: tensor 'input' must be B x 3 x H x W\n", input);
        goto done;
    }
    int B = (int)t->shape[0], H = (int)t->shape[2], W = (int)t->shape[3];
    if (t->shape[0] < 1 || t->shape[0] > 4096 || t->shape[2] > ST_MAX_INPUT || t->shape[3] > ST_MAX_INPUT) {
        fprintf(stderr, "stvit infer: %s: tensor 'input' has an unsupported size\n", input);
        goto done;
    }
    x = malloc(sizeof(float) * t->numel);
    if (!x) { fprintf(stderr, "stvit infer: out of memory\n"); goto done; }
    if ((rc = sft_read_f32(&in, t, x)) || (rc = hx_model_open(&mo, &m))) {
        fprintf(stderr, "stvit infer: %s\n", st_last_error());
        status = hx_exit_code(rc);
        goto done;
    }
    if ((rc = st_model_plan(m, B, H, W, 0))) { /* a size the network cannot take: the input's fault */
        fprintf(stderr, "stvit infer: %s: %s\n", input, st_last_error());
        goto done;
    }
    int classes = st_model_config(m)->num_classes;
    logits = malloc(sizeof(float) * B * classes);
    if (!logits) { fprintf(stderr, "stvit infer: out of memory\n"); goto done; }
    if (intermediates) st_model_set_hooks(m, &(st_hooks){.tensor = dump_tensor, .ud = &dump});
    if ((rc = st_model_forward(m, x, logits))) {
        fprintf(stderr, "stvit infer: %s: %s\n", input, st_last_error());
        goto done;
    }
    if (dump.failed) { fprintf(stderr, "stvit infer: out of memory keeping intermediates\n"); goto done; }
    sft_entry *entries = realloc(dump.e, sizeof(sft_entry) * (dump.n + 1));
    if (!entries) { fprintf(stderr, "stvit infer: out of memory\n"); goto done; }
    dump.e = entries;
    entries[dump.n] = (sft_entry){.name = "logits", .ndim = 2, .shape = {B, classes}, .data = logits};
    if ((rc = sft_write(output, entries, dump.n + 1, NULL))) {
        fprintf(stderr, "stvit infer: %s\n", st_last_error());
        goto done;
    }
    status = 0;
done:
    for (int i = 0; i < dump.n; i++) { free((char *)dump.e[i].name); free((float *)dump.e[i].data); }
    free(dump.e);
    free(logits);
    free(x);
    st_model_free(m);
    sft_close(&in);
    return status;
}
