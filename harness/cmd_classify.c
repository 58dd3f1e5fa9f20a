/* stvit classify: top-5 classes of PNG/JPEG images (ImageNet eval preprocessing). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness/commands.h"
#include "harness/image.h"
#include "harness/labels.h"
#include "harness/model_opts.h"
#include "variants/st_error.h"

#define MAX_IMAGES 256

int hx_cmd_classify(int argc, char **argv) {
    hx_model_opts mo = {0};
    long res = 224;
    const char *labels = NULL;
    int json = 0;
    const char *paths[MAX_IMAGES];
    int npaths = 0;
    const hx_option opts[] = {
        {"--res", HX_OPT_INT, &res, ST_MIN_INPUT, ST_MAX_INPUT, "N", "input side after preprocessing (default 224)"},
        {"--labels", HX_OPT_STRING, &labels, 0, 0, "FILE", "class names, one per line (e.g. ImageNet's 1000)"},
        {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "one JSON object per image"},
        HX_MODEL_OPTIONS(mo),
    };
    int rc = hx_parse_options(argc, argv, opts, HX_COUNT(opts), paths, MAX_IMAGES, &npaths);
    if (rc || npaths == 0) {
        FILE *f = rc == HX_HELP ? stdout : stderr;
        if (rc && rc != HX_HELP) fprintf(stderr, "stvit classify: %s\n", st_last_error());
        else if (rc != HX_HELP) fprintf(stderr, "stvit classify: no image given\n");
        fprintf(f, "usage: stvit classify IMAGE... [options]\n"
                   "Top-5 class indices and probabilities of each PNG/JPEG image, after the ImageNet\n"
                   "evaluation preprocessing (resize to res/0.875 bicubic, centre crop, normalise).\n"
                   "Without --weights the weights are random (seeded): the classes mean nothing.\n");
        hx_print_options(f, opts, HX_COUNT(opts));
        return rc == HX_HELP ? 0 : 2;
    }
    st_model *m = NULL;
    float *input = NULL, *logits = NULL;
    char **names = NULL;
    int status = 1, classes = 0, n = npaths, r = (int)res;
    if ((rc = hx_model_open(&mo, &m))) { fprintf(stderr, "stvit classify: %s\n", st_last_error()); return 1; }
    classes = st_model_config(m)->num_classes;
    if (labels && (rc = hx_class_names_read(labels, classes, &names))) { fprintf(stderr, "stvit classify: %s\n", st_last_error()); goto done; }
    size_t per = (size_t)3 * r * r;
    input = malloc(sizeof(float) * per * n);
    logits = malloc(sizeof(float) * classes * n);
    if (!input || !logits) { fprintf(stderr, "stvit classify: out of memory\n"); goto done; }
    for (int i = 0; i < n; i++) {
        hx_image img;
        if ((rc = hx_image_load(paths[i], &img))) { fprintf(stderr, "stvit classify: %s\n", st_last_error()); goto done; }
        rc = hx_preprocess(&img, r, r, input + per * i);
        hx_image_free(&img);
        if (rc) { fprintf(stderr, "stvit classify: %s: %s\n", paths[i], st_last_error()); goto done; }
    }
    if ((rc = st_model_plan(m, n, r, r, 0)) || (rc = st_model_forward(m, input, logits))) {
        fprintf(stderr, "stvit classify: %s\n", st_last_error());
        goto done;
    }
    for (int i = 0; i < n; i++) {
        float *l = logits + (size_t)i * classes;
        double mx = -INFINITY, sum = 0;
        for (int c = 0; c < classes; c++) mx = l[c] > mx ? l[c] : mx;
        for (int c = 0; c < classes; c++) sum += exp(l[c] - mx);
        int top[5], k = classes < 5 ? classes : 5;
        for (int t = 0; t < k; t++) { /* selection: highest first, ties to the lower index */
            int best = -1;
            for (int c = 0; c < classes; c++) {
                int used = 0;
                for (int u = 0; u < t; u++) used |= top[u] == c;
                if (!used && (best < 0 || l[c] > l[best])) best = c;
            }
            top[t] = best;
        }
        if (json) printf("{\"image\": \"%s\", \"top5\": [", paths[i]);
        else printf("%s\n", paths[i]);
        for (int t = 0; t < k; t++) {
            double p = exp(l[top[t]] - mx) / sum;
            const char *name = names && names[top[t]] ? names[top[t]] : "";
            if (json) printf("%s{\"class\": %d, \"prob\": %.6f}", t ? ", " : "", top[t], p);
            else printf("  %2d. class %4d  %6.2f%%  %s\n", t + 1, top[t], 100 * p, name);
        }
        if (json) printf("]}\n");
    }
    status = 0;
done:
    hx_class_names_free(names, classes);
    free(input);
    free(logits);
    st_model_free(m);
    return status;
}
