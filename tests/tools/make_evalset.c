/* make_evalset — writes a small labelled image set with known accuracy for a test
 * outside the cmocka suite (make slurm-test):
 *
 *   build/tests/tools/make_evalset DIR
 *
 * DIR/images/ gets the 12 synthetic pictures of tests/test_eval.c (PNG and JPEG) and
 * the bundled photos; DIR/labels.txt labels them from the golden tiny network's own
 * ranking at RES (tests/common/evalset.h), so `stvit eval --weights WEIGHTS --res 96
 * --images DIR/images --ground-truth DIR/labels.txt` gets exactly every other picture right.
 * Prints "pictures N top1 T top5 F": the counts that eval must report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "harness/image/image.h"
#include "harness/eval/topk.h"
#include "tests/common/evalset.h"
#include "variants/model.h"
#include "variants/st_error.h"
#include "viz/png.h"

#define WEIGHTS "tests/data/pub_tiny96.weights.safetensors"
#define RES 96
#define NSYNTH 12
#define CLASSES 10

static int fail(const char *what, const char *path) {
    fprintf(stderr, "make_evalset: %s: %s\n", path, what);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: make_evalset DIR   (run from the project root)\n");
        return 2;
    }
    char dir[3000], path[4096];
    snprintf(dir, sizeof dir, "%s/images", argv[1]);
    mkdir(argv[1], 0755);
    if (mkdir(dir, 0755)) return fail("cannot create the folder (or it exists)", dir);

    char names[NSYNTH + 2][32];
    int n = 0;
    unsigned char rgb[48 * 40 * 3];
    for (int k = 0; k < NSYNTH; k++, n++) {   /* sorted names: the listing's order */
        tu_synth_picture(k, rgb, 40, 48);
        int jpeg = k % 4 == 1;
        snprintf(names[n], sizeof names[n], "synth%02d.%s", k, jpeg ? "jpg" : "png");
        snprintf(path, sizeof path, "%s/%s", dir, names[n]);
        if (jpeg ? tu_write_jpeg(path, rgb, 40, 48) : vz_png_write(path, rgb, 40, 48))
            return fail("cannot write the picture", path);
    }
    static const char *const photos[] = {"chelsea.png", "coffee.png"};
    for (int i = 0; i < 2; i++) {   /* "z" sorts them after the synthetic ones */
        unsigned char *photo;
        int w, h;
        snprintf(path, sizeof path, "harness/images/%s", photos[i]);
        if (vz_png_read(path, &photo, &w, &h)) continue;   /* not bundled: the synthetic set suffices */
        snprintf(names[n], sizeof names[n], "z%s", photos[i]);
        snprintf(path, sizeof path, "%s/%s", dir, names[n++]);
        int rc = vz_png_write(path, photo, w, h);
        free(photo);
        if (rc) return fail("cannot write the picture", path);
    }

    st_model *tiny = NULL;
    float *input = malloc(sizeof(float) * 3 * RES * RES), logits[CLASSES];
    if (!input || st_model_create(&tiny, NULL, WEIGHTS, 0, NULL) || st_model_plan(tiny, 1, RES, RES, 0))
        return fail(input ? st_last_error() : "out of memory", WEIGHTS);
    snprintf(path, sizeof path, "%s/labels.txt", argv[1]);
    FILE *f = fopen(path, "w");
    if (!f) return fail("cannot write the labels", path);
    long top1 = 0, top5 = 0;
    for (int i = 0; i < n; i++) {
        char pic[4096];
        snprintf(pic, sizeof pic, "%s/%s", dir, names[i]);
        hx_image img;
        if (hx_image_load(pic, &img)) return fail(st_last_error(), pic);
        int rc = hx_preprocess(&img, RES, RES, input);
        hx_image_free(&img);
        if (rc || st_model_forward(tiny, input, logits)) return fail(st_last_error(), pic);
        int rank[CLASSES];
        float val[CLASSES];
        hx_topk(logits, CLASSES, CLASSES, rank, val);
        for (int j = 0; j < HX_TOPK; j++)   /* a near tie could flip with the batch size */
            if (val[j] - val[j + 1] <= 1e-4f) return fail("near tie in the top 5: not a stable test picture", pic);
        int label = tu_evalset_label(i, rank);
        top1 += rank[0] == label;
        for (int j = 0; j < HX_TOPK; j++) top5 += rank[j] == label;
        fprintf(f, "%s %d\n", names[i], label);
    }
    if (fclose(f)) return fail("cannot write the labels", path);
    st_model_free(tiny);
    free(input);
    printf("pictures %d top1 %ld top5 %ld\n", n, top1, top5);
    return 0;
}
