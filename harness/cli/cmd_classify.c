/* stvit classify: top-5 classes of PNG/JPEG images (the reference eval preprocessing). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness/cli/commands.h"
#include "harness/image/image.h"
#include "harness/eval/labels.h"
#include "harness/cli/model_opts.h"
#include "harness/results/results.h"
#include "harness/eval/topk.h"
#include "variants/st_error.h"

#define MAX_IMAGES 4096   /* on the command line; --list streams any number */

/* The images to classify: the command line's, then the lines of --list (a file, or
 * "-" for stdin), read as they are needed so a list of any length streams. */
typedef struct {
    const char *const *paths;
    int npaths, next;
    FILE *list;
    char line[4096];
} image_source;

/* The next path, or NULL at the end. */
static const char *next_image(image_source *s) {
    if (s->next < s->npaths) return s->paths[s->next++];
    while (s->list && fgets(s->line, sizeof s->line, s->list)) {
        s->line[strcspn(s->line, "\r\n")] = 0;
        if (s->line[0] && s->line[0] != '#') return s->line;
    }
    return NULL;
}

typedef enum { OUT_TEXT, OUT_JSON, OUT_CSV } out_format;

static void print_result(out_format fmt, const char *path, const float *l, int classes, char **names) {
    int top[HX_TOPK];
    float prob[HX_TOPK];
    int k = hx_topk(l, classes, HX_TOPK, top, NULL);
    double mx = l[top[0]], sum = 0;
    for (int c = 0; c < classes; c++) sum += exp(l[c] - mx);
    for (int t = 0; t < k; t++) prob[t] = (float)(exp(l[top[t]] - mx) / sum);
    if (fmt == OUT_JSON) {
        fputs("{\"image\": ", stdout);
        hx_json_string(stdout, path);
        fputs(", \"top5\": [", stdout);
    } else if (fmt == OUT_CSV) {
        hx_row row;
        hx_row_init(&row);
        hx_row_str(&row, "image", path);
        for (int t = 0; t < HX_TOPK; t++) {
            char key[32];
            snprintf(key, sizeof key, "top%d_class", t + 1);
            if (t < k) hx_row_int(&row, key, top[t]); else hx_row_missing(&row, key);
            snprintf(key, sizeof key, "top%d_prob", t + 1);
            hx_row_num(&row, key, t < k ? prob[t] : NAN);
            snprintf(key, sizeof key, "top%d_name", t + 1);
            hx_row_str(&row, key, t < k && names && names[top[t]] ? names[top[t]] : "");
        }
        hx_row_write_csv(stdout, &row);
        hx_row_free(&row);
        return;
    } else {
        printf("%s\n", path);
    }
    for (int t = 0; t < k; t++) {
        const char *name = names && names[top[t]] ? names[top[t]] : "";
        if (fmt == OUT_JSON) {
            printf("%s{\"class\": %d, \"prob\": %.6f", t ? ", " : "", top[t], prob[t]);
            if (names) fputs(", \"name\": ", stdout), hx_json_string(stdout, name);
            putchar('}');
        } else {
            printf("  %2d. class %4d  %6.2f%%  %s\n", t + 1, top[t], 100 * prob[t], name);
        }
    }
    if (fmt == OUT_JSON) printf("]}\n");
}

static const char about[] =
    "Top-5 class indices and probabilities of each PNG/JPEG image, after the reference\n"
    "evaluation preprocessing (shorter side resized to N/crop bicubic, centre N x N crop,\n"
    "normalised; crop 0.875 at 224 and below, 1.0 above, as stvit eval and viz). Images are\n"
    "given as arguments and/or listed one per line in --list FILE (- for stdin), and run\n"
    "--batch at a time, so a list of any length streams. --csv prints one CSV row per image.\n"
    "Without --weights the weights are random (seeded): the classes mean nothing.\n";

int hx_cmd_classify(int argc, char **argv) {
    hx_model_opts mo = {.seed = HX_DEFAULT_SEED};
    long res = 224, batch = 16;
    double crop_pct = 0;
    const char *labels = NULL, *list = NULL;
    int json = 0, csv = 0;
    const char *paths[MAX_IMAGES];
    int npaths = 0;
    const hx_option opts[] = {
        {"--res", HX_OPT_INT, &res, ST_MIN_INPUT, ST_MAX_INPUT, "N", "input side after preprocessing (default 224)"},
        {"--crop-pct", HX_OPT_DOUBLE, &crop_pct, 0.05, 1, "F", "resize to N/F before the crop (default 0.875 to 224, 1 above)"},
        {"--labels", HX_OPT_STRING, &labels, 0, 0, "FILE", "class names, one per line (e.g. ImageNet's 1000)"},
        {"--list", HX_OPT_STRING, &list, 0, 0, "FILE", "more images, one path per line (- for stdin)"},
        {"--batch", HX_OPT_INT, &batch, 1, 1024, "N", "images per forward pass (default 16)"},
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "one JSON object per image"},
        {"--csv", HX_OPT_FLAG, &csv, 0, 0, NULL, "one CSV row per image (header first)"},
        HX_MODEL_OPTIONS(mo),
    };
    const hx_usage usage = {"classify", "IMAGE... [--list FILE] [options]", about, opts, HX_COUNT(opts), NULL};
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), paths, MAX_IMAGES, &npaths);
    if (rc == ST_ERR_ARG && !strncmp(st_last_error(), "more than", 9))
        rc = st_fail(ST_ERR_ARG, "more than %d images on the command line: list them in a file, --list FILE",
                     MAX_IMAGES);
    if (!rc && npaths == 0 && !list) rc = st_fail(ST_ERR_ARG, "no image given");
    if (!rc && json && csv) rc = st_fail(ST_ERR_ARG, "--json and --csv: choose one");
    if (rc) return hx_usage_exit(&usage, rc);
    out_format fmt = json ? OUT_JSON : csv ? OUT_CSV : OUT_TEXT;
    image_source src = {.paths = paths, .npaths = npaths};
    if (list && !(src.list = strcmp(list, "-") ? fopen(list, "r") : stdin)) {
        fprintf(stderr, "stvit classify: %s: cannot open the list: %s\n", list, strerror(errno));
        return HX_EXIT_FAIL;
    }
    st_model *m = NULL;
    float *input = NULL, *logits = NULL;
    char **names = NULL;
    char (*batch_paths)[4096] = NULL;
    int status = HX_EXIT_FAIL, classes = 0, r = (int)res, nb = (int)batch;
    double pct = crop_pct ? crop_pct : hx_reference_crop_pct(r);
    hx_note_seeded(&mo, "classify");
    if ((rc = hx_model_open(&mo, &m))) {
        fprintf(stderr, "stvit classify: %s\n", st_last_error());
        status = hx_exit_code(rc);
        goto done;
    }
    classes = st_model_config(m)->num_classes;
    if (labels && (rc = hx_class_names_read(labels, classes, &names))) { fprintf(stderr, "stvit classify: %s\n", st_last_error()); goto done; }
    size_t per = (size_t)3 * r * r;
    input = malloc(sizeof(float) * per * nb);
    logits = malloc(sizeof(float) * classes * nb);
    batch_paths = malloc(sizeof *batch_paths * nb);
    if (!input || !logits || !batch_paths) { fprintf(stderr, "stvit classify: out of memory\n"); goto done; }
    if (fmt == OUT_CSV) {   /* the header, from the columns of a row */
        printf("image");
        for (int t = 1; t <= HX_TOPK; t++) printf(",top%d_class,top%d_prob,top%d_name", t, t, t);
        putchar('\n');
    }
    for (;;) {
        int n = 0;
        const char *path;
        while (n < nb && (path = next_image(&src))) {
            snprintf(batch_paths[n], sizeof batch_paths[n], "%s", path);
            hx_image img;
            if ((rc = hx_image_load(batch_paths[n], &img))) { fprintf(stderr, "stvit classify: %s\n", st_last_error()); goto done; }
            rc = hx_preprocess_pct(&img, r, r, pct, input + per * n);
            hx_image_free(&img);
            if (rc) { fprintf(stderr, "stvit classify: %s: %s\n", batch_paths[n], st_last_error()); goto done; }
            n++;
        }
        if (n == 0) break;
        if ((rc = st_model_plan(m, n, r, r, 0)) || (rc = st_model_forward(m, input, logits))) {
            fprintf(stderr, "stvit classify: %s\n", st_last_error());
            goto done;
        }
        for (int i = 0; i < n; i++) print_result(fmt, batch_paths[i], logits + (size_t)i * classes, classes, names);
        fflush(stdout);
    }
    status = 0;
done:
    if (src.list && src.list != stdin) fclose(src.list);
    hx_class_names_free(names, classes);
    free(input);
    free(logits);
    free(batch_paths);
    st_model_free(m);
    return status;
}
