/* test_eval.c — accuracy evaluation: the labels file parser (both label sources, bad
 * lines with their line numbers, duplicates, pictures without labels), the image
 * listing, top-k bookkeeping on known scores, and whole runs over a small labelled
 * set made here: 12 synthetic pictures (PNG and JPEG) and the two bundled photos,
 * labelled from the golden tiny network's own predictions so that exactly half are
 * right. Sharded runs merged with stvit merge's library must give the same
 * predictions and accuracy as one run. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "harness/eval/eval.h"
#include "harness/image/image.h"
#include "harness/image/image.h"
#include "harness/eval/labels.h"
#include "harness/results/merge.h"
#include "harness/eval/topk.h"
#include "variants/st_error.h"
#include "viz/png.h"
#include "tests/common/evalset.h"

#define GOLDEN_WEIGHTS "tests/data/pub_tiny96.weights.safetensors"
#define RES 96
#define NSYNTH 12
#define MAX_SET 16

static char tmp_dir[64];   /* one folder per run, removed at the end */

static const char *tmp_path(const char *name) {
    static char path[8][512];   /* a few live at once */
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", tmp_dir, name);
    return p;
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void make_dirs(const char *rel) {   /* mkdir -p under tmp_dir */
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_dir, rel);
    for (char *s = path + strlen(tmp_dir) + 1; *s; s++)
        if (*s == '/') { *s = 0; mkdir(path, 0755); *s = '/'; }
    mkdir(path, 0755);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    return remove(path);
}

/* ---- the labelled set -------------------------------------------------------- */

/* The set, relative to tmp_dir/set; sorted as the listing sorts them. */
static struct {
    int n;
    char rel[MAX_SET][64];
    float logits[MAX_SET][10];   /* the tiny network at batch 1, the reference */
    int best[MAX_SET];           /* argmax of logits */
    int label[MAX_SET];          /* best for every other picture, else the 2nd..6th best */
    long top5_hits;              /* labels among the reference's top 5 */
} set;

static st_model *tiny;

static int cmp_rel(const void *a, const void *b) { return strcmp(a, b); }

static void copy_photo(const char *name, const char *rel) {
    char src[256];
    snprintf(src, sizeof src, "harness/images/%s", name);
    unsigned char *rgb;
    int w, h;
    if (vz_png_read(src, &rgb, &w, &h)) return;   /* photos not bundled: the synthetic set suffices */
    assert_int_equal(vz_png_write(tmp_path(rel), rgb, w, h), 0);
    free(rgb);
    snprintf(set.rel[set.n++], sizeof set.rel[0], "%s", rel + strlen("set/"));
}

/* Writes the pictures, runs the tiny network on each (batch 1) and chooses labels. */
static void make_set(void) {
    make_dirs("set/stripes");
    make_dirs("set/mixed/deeper");
    make_dirs("set/.hidden");
    unsigned char rgb[48 * 40 * 3];
    for (int k = 0; k < NSYNTH; k++) {
        tu_synth_picture(k, rgb, 40, 48);
        char rel[64];
        const char *folder = k % 3 == 0 ? "stripes" : k % 3 == 1 ? "mixed" : "mixed/deeper";
        int jpeg = k % 4 == 1;
        snprintf(rel, sizeof rel, "set/%s/synth%02d.%s", folder, k, jpeg ? "JPG" : "png");
        if (jpeg) assert_int_equal(tu_write_jpeg(tmp_path(rel), rgb, 40, 48), 0);
        else assert_int_equal(vz_png_write(tmp_path(rel), rgb, 40, 48), 0);
        snprintf(set.rel[set.n++], sizeof set.rel[0], "%s", rel + strlen("set/"));
    }
    copy_photo("chelsea.png", "set/chelsea.png");
    copy_photo("coffee.png", "set/mixed/coffee.png");
    /* Not pictures of the set: skipped by the listing. */
    write_text(tmp_path("set/notes.txt"), "not a picture\n");
    assert_int_equal(vz_png_write(tmp_path("set/.hidden/ghost.png"), rgb, 40, 48), 0);
    assert_int_equal(vz_png_write(tmp_path("set/.dotfile.png"), rgb, 40, 48), 0);
    qsort(set.rel, (size_t)set.n, sizeof set.rel[0], cmp_rel);

    assert_int_equal(st_model_plan(tiny, 1, RES, RES, 0), 0);
    float input[3 * RES * RES];
    for (int i = 0; i < set.n; i++) {
        hx_image img;
        char rel[128];
        snprintf(rel, sizeof rel, "set/%s", set.rel[i]);
        assert_int_equal(hx_image_load(tmp_path(rel), &img), 0);
        assert_int_equal(hx_preprocess(&img, RES, RES, input), 0);
        hx_image_free(&img);
        assert_int_equal(st_model_forward(tiny, input, set.logits[i]), 0);
        int rank[10];
        float val[10];
        hx_topk(set.logits[i], 10, 10, rank, val);
        /* A near tie could flip between batch sizes and make the expected counts fragile. */
        for (int j = 0; j < HX_TOPK; j++) assert_true(val[j] - val[j + 1] > 1e-4f);
        set.best[i] = rank[0];
        set.label[i] = tu_evalset_label(i, rank);
        for (int j = 0; j < HX_TOPK; j++) set.top5_hits += rank[j] == set.label[i];
    }
}

/* Labels file: basenames for some pictures, relative paths for the others. */
static void write_labels_file(const char *rel_file, int with_broken) {
    char text[4096] = "# made by test_eval\n";
    for (int i = 0; i < set.n; i++) {
        const char *name = set.rel[i], *slash = strrchr(name, '/');
        if (i % 3 == 0 && slash) name = slash + 1;
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s %d\n", name, set.label[i]);
    }
    if (with_broken) strcat(text, "broken.png 4\n");
    write_text(tmp_path(rel_file), text);
}

static int setup(void **state) {
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/stvit-eval-XXXXXX");
    if (!mkdtemp(tmp_dir)) return -1;
    /* One network thread: the tiny network gains nothing from more, and on a busy
     * machine spinning OpenMP/OpenBLAS threads would only slow the suite. The reader
     * threads still run beside it. */
    if (st_model_create_with(&tiny, NULL, GOLDEN_WEIGHTS, 0, &(st_model_opts){.threads = 1})) {
        fprintf(stderr, "%s\n", st_last_error());
        return -1;
    }
    make_set();
    write_labels_file("labels.txt", 0);
    return 0;
}

static int teardown(void **state) {
    st_model_free(tiny);
    nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* ---- labels files -------------------------------------------------------------- */

static void parse_ok(const char *text, hx_labels *l) {
    if (hx_labels_parse(text, strlen(text), "lab.txt", l)) fail_msg("refused: %s", st_last_error());
}

static void test_labels_parse(void **state) {
    hx_labels l;
    parse_ok("# ImageNet-val style\n"
             "ILSVRC2012_val_00000001.JPEG 65\r\n"
             "\n"
             "   \t\n"
             "  ILSVRC2012_val_00000002.JPEG\t\t970  \n"
             "./n01440764/fish one.JPEG 0\n"
             "b/c.png 999\n"
             "last_line_without_newline.png 7",
             &l);
    assert_int_equal(l.n, 5);
    const hx_label_entry *e = hx_labels_find(&l, "ILSVRC2012_val_00000001.JPEG");
    assert_non_null(e);
    assert_int_equal(e->label, 65);
    assert_int_equal(e->line, 2);
    /* A basename entry matches the picture in any folder. */
    e = hx_labels_find(&l, "val/ILSVRC2012_val_00000002.JPEG");
    assert_non_null(e);
    assert_int_equal(e->label, 970);
    assert_int_equal(e->line, 5);
    /* "./" dropped; names may hold spaces. */
    e = hx_labels_find(&l, "n01440764/fish one.JPEG");
    assert_non_null(e);
    assert_int_equal(e->label, 0);
    /* A path entry matches only that path. */
    assert_non_null(hx_labels_find(&l, "b/c.png"));
    assert_null(hx_labels_find(&l, "x/c.png"));
    assert_null(hx_labels_find(&l, "c.png"));
    e = hx_labels_find(&l, "last_line_without_newline.png");
    assert_non_null(e);
    assert_int_equal(e->label, 7);
    hx_labels_free(&l);
    /* A byte order mark (editors on Windows) is not part of the first name. */
    parse_ok("\xef\xbb\xbf" "first.JPEG 3\r\n", &l);
    assert_non_null(hx_labels_find(&l, "first.JPEG"));
    hx_labels_free(&l);
}

static void expect_bad(const char *text, const char *fragment) {
    hx_labels l;
    int rc = hx_labels_parse(text, strlen(text), "lab.txt", &l);
    if (rc != ST_ERR_FORMAT) fail_msg("accepted or wrong code %d for: %s", rc, text);
    if (!strstr(st_last_error(), fragment))
        fail_msg("message \"%s\" does not contain \"%s\"", st_last_error(), fragment);
    assert_int_equal(l.n, 0);
    assert_null(l.e);
}

static void test_labels_bad_lines(void **state) {
    expect_bad("a.png 1\nb.png\n", "lab.txt:2: expected 'filename class_index'");
    expect_bad("a.png 1\n\n# c\nb.png -3\n", "lab.txt:4: class index '-3'");
    expect_bad("a.png 1\nb.png two\n", "lab.txt:2: class index 'two'");
    expect_bad("a.png 1.5\n", "lab.txt:1: class index '1.5'");
    expect_bad("a.png 99999999999999999999\n", "lab.txt:1: class index");
    expect_bad("a.png 1\n./ 4\n", "lab.txt:2: empty filename");
    expect_bad("", "lab.txt: no 'filename class_index' lines");
    expect_bad("# only a comment\n\n", "no 'filename class_index' lines");
    hx_labels l;   /* a NUL inside a line (strlen would stop at it, so the length is given) */
    static const char nul[] = "a.png 1\nb\0.png 2\n";
    assert_int_equal(hx_labels_parse(nul, sizeof nul - 1, "lab.txt", &l), ST_ERR_FORMAT);
    assert_non_null(strstr(st_last_error(), "lab.txt:2: NUL byte"));
}

static void test_labels_duplicates(void **state) {
    expect_bad("a.png 1\nb.png 2\na.png 3\n", "lab.txt:3: 'a.png' is listed twice (also on line 1)");
    expect_bad("x/a.png 1\n./x/a.png 1\n", "lab.txt:2: 'x/a.png' is listed twice (also on line 1)");
    /* The same basename in two folders is two names. */
    hx_labels l;
    parse_ok("x/a.png 1\ny/a.png 2\n", &l);
    assert_int_equal(hx_labels_find(&l, "y/a.png")->label, 2);
    hx_labels_free(&l);
}

/* Every truncation and many byte changes of a good file: parsed or refused, never a crash. */
static void test_labels_mutations(void **state) {
    static const char good[] = "# c\nILSVRC2012_val_00000001.JPEG 65\r\nx/b c.png\t7\n\n./d.png 0\n";
    char buf[sizeof good];
    size_t len = sizeof good - 1;
    hx_labels l;
    for (size_t cut = 0; cut <= len; cut++) {
        int rc = hx_labels_parse(good, cut, "m.txt", &l);
        assert_true(rc == ST_OK || rc == ST_ERR_FORMAT);
        if (!rc) hx_labels_free(&l);
    }
    static const char bytes[] = {0, ' ', '\t', '\n', '\r', '#', '.', '/', '-', '9', 'x', (char)0xff};
    for (size_t at = 0; at < len; at++)
        for (size_t b = 0; b < sizeof bytes; b++) {
            memcpy(buf, good, len);
            buf[at] = bytes[b];
            int rc = hx_labels_parse(buf, len, "m.txt", &l);
            assert_true(rc == ST_OK || rc == ST_ERR_FORMAT);
            if (!rc) {
                for (int i = 0; i < l.n; i++) assert_true(l.e[i].name[0] && l.e[i].label >= 0);
                hx_labels_free(&l);
            }
        }
}

static void list_of(hx_image_list *list, const char *const *rel, int n) {
    memset(list, 0, sizeof *list);
    for (int i = 0; i < n; i++) assert_int_equal(hx_image_list_add(list, rel[i]), 0);
    hx_image_list_sort(list);
}

static void test_labels_assign(void **state) {
    hx_labels l;
    parse_ok("a.png 1\nx/b.png 2\nb.png 3\nunused.png 4\nalso/unused.png 5\n", &l);
    static const char *const rel[] = {"x/a.png", "x/b.png", "y/b.png"};
    hx_image_list images;
    list_of(&images, rel, 3);
    int labels[3], unused = -1;
    assert_int_equal(hx_labels_assign(&l, &images, 10, labels, &unused), 0);
    assert_int_equal(labels[0], 1);   /* x/a.png by its basename */
    assert_int_equal(labels[1], 2);   /* x/b.png by its path, before the basename entry */
    assert_int_equal(labels[2], 3);   /* y/b.png by its basename */
    assert_int_equal(unused, 2);
    /* Class index out of range for the model: the line is named. */
    assert_int_equal(hx_labels_assign(&l, &images, 3, labels, NULL), ST_ERR_RANGE);
    assert_non_null(strstr(st_last_error(), "lab.txt:3: class 3 is out of range for a 3-class model"));
    hx_image_list_free(&images);

    /* Pictures without a label: counted, the first named. */
    static const char *const more[] = {"x/a.png", "z/nolabel.png", "z/nolabel2.png"};
    list_of(&images, more, 3);
    assert_int_equal(hx_labels_assign(&l, &images, 10, labels, NULL), ST_ERR_FORMAT);
    assert_non_null(strstr(st_last_error(), "lab.txt: 2 images have no label, the first is z/nolabel.png"));
    hx_image_list_free(&images);

    /* One basename entry matching two pictures is ambiguous. */
    static const char *const twice[] = {"p/a.png", "q/a.png"};
    list_of(&images, twice, 2);
    assert_int_equal(hx_labels_assign(&l, &images, 10, labels, NULL), ST_ERR_FORMAT);
    assert_non_null(strstr(st_last_error(), "lab.txt:1: 'a.png' matches both p/a.png and q/a.png"));
    hx_image_list_free(&images);
    hx_labels_free(&l);

    assert_int_equal(hx_labels_read(tmp_path("no-such-labels.txt"), &l), ST_ERR_IO);
    assert_non_null(strstr(st_last_error(), "no-such-labels.txt"));
}

static void test_listing_and_folders(void **state) {
    hx_image_list list;
    assert_int_equal(hx_image_list_read(tmp_path("set"), &list), 0);
    assert_int_equal(list.n, set.n);   /* no .txt, no hidden files or folders */
    for (int i = 0; i < list.n; i++) assert_string_equal(list.path[i], set.rel[i]);
    hx_image_list_free(&list);
    assert_int_equal(hx_image_list_read(tmp_path("set/"), &list), 0);   /* trailing slash */
    assert_int_equal(list.n, set.n);
    hx_image_list_free(&list);
    assert_int_equal(hx_image_list_read(tmp_path("missing"), &list), ST_ERR_IO);
    assert_non_null(strstr(st_last_error(), "missing"));
    assert_true(hx_is_image_name("a.JPEG") && hx_is_image_name("b.Png") && hx_is_image_name("c.jpg"));
    assert_false(hx_is_image_name("png") || hx_is_image_name("a.gif") || hx_is_image_name(".png"));

    /* Class folders: sorted, hidden ones skipped; the set's top-level photo is not in one. */
    hx_image_list classes;
    assert_int_equal(hx_class_folders(tmp_path("set"), &classes), 0);
    assert_int_equal(classes.n, 2);
    assert_string_equal(classes.path[0], "mixed");
    assert_string_equal(classes.path[1], "stripes");
    static const char *const rel[] = {"mixed/deeper/x.png", "stripes/y.png", "mixed/z.jpg"};
    hx_image_list images;
    list_of(&images, rel, 3);
    int labels[3];
    assert_int_equal(hx_labels_from_folders(&classes, &images, 10, labels), 0);
    assert_int_equal(labels[0], 0);
    assert_int_equal(labels[1], 0);
    assert_int_equal(labels[2], 1);
    assert_int_equal(hx_labels_from_folders(&classes, &images, 1, labels), ST_ERR_RANGE);
    hx_image_list_free(&images);
    static const char *const loose[] = {"top.png"};
    list_of(&images, loose, 1);
    assert_int_equal(hx_labels_from_folders(&classes, &images, 10, labels), ST_ERR_FORMAT);
    assert_non_null(strstr(st_last_error(), "top.png is not inside a class folder"));
    hx_image_list_free(&images);
    hx_image_list_free(&classes);
}

/* ---- preprocessing with a crop fraction ------------------------------------------- */

static void test_preprocess_crop_pct(void **state) {
    assert_true(hx_reference_crop_pct(224) == 0.875);
    assert_true(hx_reference_crop_pct(96) == 0.875);
    assert_true(hx_reference_crop_pct(384) == 1.0);
    /* At 0.875 it is hx_preprocess, bit for bit, for wide, tall and square pictures. */
    static const int sizes[][2] = {{40, 48}, {48, 40}, {37, 37}, {451, 300}, {97, 13}, {5, 200}};
    static const int outs[][2] = {{32, 32}, {96, 96}, {224, 224}, {40, 56}};
    for (int s = 0; s < 6; s++) {
        hx_image img = {.w = sizes[s][0], .h = sizes[s][1]};
        img.rgb = malloc((size_t)img.w * img.h * 3);
        for (int i = 0; i < img.w * img.h * 3; i++) img.rgb[i] = (unsigned char)(i * 37 + i / 7);
        for (int o = 0; o < 4; o++) {
            int oh = outs[o][0], ow = outs[o][1];
            float *a = malloc(sizeof(float) * 3 * oh * ow), *b = malloc(sizeof(float) * 3 * oh * ow);
            assert_int_equal(hx_preprocess(&img, oh, ow, a), 0);
            assert_int_equal(hx_preprocess_pct(&img, oh, ow, 0.875, b), 0);
            if (memcmp(a, b, sizeof(float) * 3 * oh * ow))
                fail_msg("%dx%d picture to %dx%d: differs from hx_preprocess", img.w, img.h, ow, oh);
            free(a);
            free(b);
        }
        hx_image_free(&img);
    }
    /* At 1.0 a 40 x 48 picture cropped to 40 x 40 is not resized: rows 4..43, normalised. */
    hx_image img = {.w = 40, .h = 48};
    img.rgb = malloc(40 * 48 * 3);
    tu_synth_picture(5, img.rgb, 40, 48);
    float out[3 * 40 * 40];
    assert_int_equal(hx_preprocess_pct(&img, 40, 40, 1.0, out), 0);
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 40; y++)
            for (int x = 0; x < 40; x++) {
                float want = ((float)img.rgb[3 * ((y + 4) * 40 + x) + c] / 255.0f - mean[c]) / std[c];
                assert_true(out[(c * 40 + y) * 40 + x] == want);
            }
    assert_int_equal(hx_preprocess_pct(&img, 40, 40, 0, out), ST_ERR_ARG);
    assert_int_equal(hx_preprocess_pct(&img, 40, 40, 1.5, out), ST_ERR_ARG);
    hx_image_free(&img);
}

/* ---- top-k ----------------------------------------------------------------------- */

static void test_topk(void **state) {
    const float s[8] = {0.5f, 2.0f, -1.0f, 2.0f, 0.5f, 3.0f, 0.5f, -7.0f};
    int idx[8];
    float val[8];
    assert_int_equal(hx_topk(s, 8, 5, idx, val), 5);
    const int want[5] = {5, 1, 3, 0, 4};   /* ties (2.0; 0.5) keep the lower class first */
    for (int j = 0; j < 5; j++) {
        assert_int_equal(idx[j], want[j]);
        assert_true(val[j] == s[want[j]]);
    }
    /* k beyond the class count is clamped. */
    assert_int_equal(hx_topk(s, 3, 5, idx, NULL), 3);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 0);
    assert_int_equal(idx[2], 2);
    /* All equal: the classes in order. */
    const float flat[6] = {1, 1, 1, 1, 1, 1};
    assert_int_equal(hx_topk(flat, 6, 5, idx, NULL), 5);
    for (int j = 0; j < 5; j++) assert_int_equal(idx[j], j);
    /* NaN ranks last. */
    const float nan_s[4] = {NAN, -1, NAN, 0};
    assert_int_equal(hx_topk(nan_s, 4, 4, idx, NULL), 4);
    assert_int_equal(idx[0], 3);
    assert_int_equal(idx[1], 1);
    assert_int_equal(idx[2], 0);
    assert_int_equal(idx[3], 2);

    /* Softmax: known values, no overflow for large logits. */
    const float big[3] = {1000.0f, 1001.0f, 0.0f};
    float p[3];
    hx_softmax(big, 3, p);
    assert_float_equal(p[0], 1 / (1 + M_E), 1e-7);
    assert_float_equal(p[1], M_E / (1 + M_E), 1e-7);
    assert_float_equal(p[2], 0.0, 1e-30);

    /* Hits: top-1 needs the first, top-5 any of the first five. */
    hx_accuracy a = {0};
    const int top[5] = {4, 7, 1, 9, 0};
    hx_accuracy_add(&a, 4, top, 5);
    hx_accuracy_add(&a, 0, top, 5);
    hx_accuracy_add(&a, 2, top, 5);
    hx_accuracy_add(&a, 7, top, 1);   /* only one class known: not in the top 5 */
    assert_int_equal(a.images, 4);
    assert_int_equal(a.top1, 1);
    assert_int_equal(a.top5, 2);
    assert_float_equal(hx_accuracy_top1(&a), 25.0, 1e-12);
    assert_float_equal(hx_accuracy_top5(&a), 50.0, 1e-12);
    hx_accuracy none = {0};
    assert_float_equal(hx_accuracy_top1(&none), 0.0, 0);
}

/* ---- whole runs ----------------------------------------------------------------- */

typedef struct {
    int failed_calls;
    char failed_file[128];
    int batches;
    int stop_after;         /* set *stop after this many batches (0: never) */
    volatile sig_atomic_t *stop;
} run_log;

static void log_failed(void *ud, const char *file, const char *why) {
    run_log *l = ud;
    l->failed_calls++;
    snprintf(l->failed_file, sizeof l->failed_file, "%s", file);
    assert_non_null(strstr(why, file));   /* the message names the picture */
}

static void log_batch(void *ud, const hx_eval_result *r) {
    run_log *l = ud;
    l->batches++;
    if (l->stop_after && l->batches == l->stop_after) *l->stop = 1;
}

/* The paths a run's options point to, owned by the caller. */
typedef struct { char images[256], labels[256], out[256]; } run_paths;

static hx_eval_opts opts_for(run_paths *p, const char *images, const char *labels, const char *out, int batch,
                             int readers, run_log *log) {
    snprintf(p->images, sizeof p->images, "%s", tmp_path(images));
    if (labels) snprintf(p->labels, sizeof p->labels, "%s", tmp_path(labels));
    if (out) snprintf(p->out, sizeof p->out, "%s", tmp_path(out));
    return (hx_eval_opts){.images = p->images, .labels = labels ? p->labels : NULL, .res = RES, .batch = batch,
                          .readers = readers, .shard = {0, 1}, .out = out ? p->out : NULL,
                          .on_failed = log_failed, .on_batch = log_batch, .ud = log};
}

static int run(const hx_eval_opts *o, hx_eval_result *r) {
    hx_eval_set s;
    int rc = hx_eval_prepare(o, 10, &s);
    if (rc) fail_msg("prepare: %s", st_last_error());
    rc = hx_eval_run(tiny, &s, o, r);
    if (rc) fail_msg("run: %s", st_last_error());
    hx_eval_set_free(&s);
    return rc;
}

static int row_class(const hx_row *row, const char *key) {
    double v;
    assert_int_equal(hx_row_get_num(row, key, &v), 0);
    return (int)v;
}

/* The largest difference between a row's five probabilities and picture k's reference. */
static double prob_distance(const hx_row *row, int k) {
    float p[10];
    hx_softmax(set.logits[k], 10, p);
    double d = 0;
    for (int j = 1; j <= HX_TOPK; j++) {
        char key[8];
        double v;
        snprintf(key, sizeof key, "top%d", j);
        int c = row_class(row, key);
        snprintf(key, sizeof key, "prob%d", j);
        assert_int_equal(hx_row_get_num(row, key, &v), 0);
        d = fmax(d, fabs(v - p[c]));
    }
    return d;
}

/* Every row of a predictions table against the batch-1 reference. */
static void check_rows(const hx_table *t, int expect_rows) {
    assert_int_equal(t->n, expect_rows);
    for (int r = 0; r < t->n; r++) {
        const hx_row *row = &t->rows[r];
        const char *file = hx_row_get(row, "file");
        if (!strcmp(file, "broken.png")) {
            assert_string_equal(hx_row_get(row, "top1"), "");
            assert_non_null(strstr(hx_row_get(row, "error"), "broken.png"));
            continue;
        }
        assert_string_equal(hx_row_get(row, "error"), "");
        int k = -1;
        for (int j = 0; j < set.n; j++) if (!strcmp(set.rel[j], file)) k = j;
        assert_true(k >= 0);
        assert_int_equal(row_class(row, "label"), set.label[k]);
        int top[HX_TOPK];
        hx_topk(set.logits[k], 10, HX_TOPK, top, NULL);
        double prev = 1;
        for (int j = 0; j < HX_TOPK; j++) {
            char key[8];
            double p;
            snprintf(key, sizeof key, "top%d", j + 1);
            assert_int_equal(row_class(row, key), top[j]);   /* make_set checked there are no near ties */
            snprintf(key, sizeof key, "prob%d", j + 1);
            assert_int_equal(hx_row_get_num(row, key, &p), 0);
            assert_true(p <= prev);
            prev = p;
        }
        /* The tiny network ranks every picture alike, so the probabilities tell the rows
         * apart: each row must be nearest to its own picture's reference (catches rows
         * swapped within a batch), and near it in absolute terms. */
        double own = prob_distance(row, k);
        assert_true(own < 2e-6);
        for (int j = 0; j < set.n; j++)
            if (j != k && prob_distance(row, j) <= own) fail_msg("row of %s is nearer to %s", file, set.rel[j]);
    }
}

static void test_eval_labels_file(void **state) {
    run_log log = {0};
    run_paths p;
    hx_eval_opts o = opts_for(&p, "set", "labels.txt", "pred.csv", 4, 2, &log);
    hx_eval_result r;
    run(&o, &r);
    assert_int_equal(r.total, set.n);
    assert_int_equal(r.failed, 0);
    assert_false(r.interrupted);
    assert_int_equal(r.acc.images, set.n);
    assert_int_equal(r.acc.top1, set.n / 2);   /* every other label is the network's own answer */
    assert_int_equal(r.acc.top5, set.top5_hits);
    assert_int_equal(log.batches, (set.n + 3) / 4);
    hx_table t;
    assert_int_equal(hx_table_read(o.out, &t), 0);
    check_rows(&t, set.n);
    for (int i = 0; i < t.n; i++) assert_int_equal(row_class(&t.rows[i], "point"), i);   /* listing order */
    hx_accuracy a;
    long failed;
    assert_int_equal(hx_eval_table_accuracy(&t, &a, &failed), 0);
    assert_int_equal(a.images, r.acc.images);
    assert_int_equal(a.top1, r.acc.top1);
    assert_int_equal(a.top5, r.acc.top5);
    assert_int_equal(failed, 0);
    hx_table_free(&t);
}

/* A corrupt picture is reported by name, skipped and counted; the rest is evaluated. */
static void test_eval_broken_picture(void **state) {
    write_text(tmp_path("set/broken.png"), "\x89PNG\r\n\x1a\n this is not really a PNG");
    write_labels_file("labels_broken.txt", 1);
    run_log log = {0};
    run_paths p;
    hx_eval_opts o = opts_for(&p, "set", "labels_broken.txt", "pred_broken.csv", 3, 1, &log);
    hx_eval_result r;
    run(&o, &r);
    remove(tmp_path("set/broken.png"));
    assert_int_equal(r.total, set.n + 1);
    assert_int_equal(r.failed, 1);
    assert_int_equal(log.failed_calls, 1);
    assert_string_equal(log.failed_file, "broken.png");
    assert_int_equal(r.acc.images, set.n);
    assert_int_equal(r.acc.top1, set.n / 2);
    hx_table t;
    assert_int_equal(hx_table_read(o.out, &t), 0);
    check_rows(&t, set.n + 1);
    hx_accuracy a;
    long failed;
    assert_int_equal(hx_eval_table_accuracy(&t, &a, &failed), 0);
    assert_int_equal(failed, 1);
    assert_int_equal(a.top1, set.n / 2);
    hx_table_free(&t);
}

/* Copies a picture of the set byte for byte. */
static void copy_file(const char *from_rel, const char *to_rel) {
    FILE *in = fopen(tmp_path(from_rel), "rb"), *out = fopen(tmp_path(to_rel), "wb");
    assert_true(in && out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* Without a labels file the class is the index of the sorted class folder: pictures
 * k = 0..8 of the set go to folder c<k % 3>; an empty folder still takes its index
 * (as torchvision's ImageFolder), a hidden one does not. */
static void test_eval_class_folders(void **state) {
    make_dirs("classes/c0");
    make_dirs("classes/c1");
    make_dirs("classes/c2");
    make_dirs("classes/b_empty");   /* sorts first: class 0, so c0..c2 are 1..3 */
    make_dirs("classes/.cache");
    int folder_of[9];
    for (int k = 0; k < 9; k++) {
        char from[96], to[96];
        const char *ext = strrchr(set.rel[k], '.');
        snprintf(from, sizeof from, "set/%s", set.rel[k]);
        snprintf(to, sizeof to, "classes/c%d/p%d%s", k % 3, k, ext);
        copy_file(from, to);
        folder_of[k] = 1 + k % 3;
    }
    run_log log = {0};
    run_paths p;
    hx_eval_opts o = opts_for(&p, "classes", NULL, "pred_folders.csv", 5, 1, &log);
    hx_eval_set s;
    /* A picture outside every class folder is refused, by name. */
    copy_file("set/stripes/synth00.png", "classes/loose.png");
    assert_int_equal(hx_eval_prepare(&o, 10, &s), ST_ERR_FORMAT);
    assert_non_null(strstr(st_last_error(), "loose.png is not inside a class folder"));
    assert_non_null(strstr(st_last_error(), p.images));
    remove(tmp_path("classes/loose.png"));
    /* More class folders than the model has classes. */
    assert_int_equal(hx_eval_prepare(&o, 3, &s), ST_ERR_RANGE);

    assert_int_equal(hx_eval_prepare(&o, 10, &s), 0);
    assert_int_equal(s.nwork, 9);
    long expect_top1 = 0, expect_top5 = 0;
    for (int k = 0; k < 9; k++) {
        int top[HX_TOPK];
        hx_topk(set.logits[k], 10, HX_TOPK, top, NULL);
        expect_top1 += top[0] == folder_of[k];
        for (int j = 0; j < HX_TOPK; j++) expect_top5 += top[j] == folder_of[k];
    }
    for (int i = 0; i < s.images.n; i++) {
        int k = atoi(strrchr(s.images.path[i], '/') + 2);   /* "c1/p4.png" -> 4 */
        assert_int_equal(s.labels[i], folder_of[k]);
    }
    hx_eval_result r;
    assert_int_equal(hx_eval_run(tiny, &s, &o, &r), 0);
    assert_int_equal(r.acc.images, 9);
    assert_int_equal(r.acc.top1, expect_top1);
    assert_int_equal(r.acc.top5, expect_top5);
    hx_eval_set_free(&s);
}

/* Shards 0/3, 1/3, 2/3 (different batch sizes), merged, equal one run. */
static void test_eval_shards_merge(void **state) {
    run_log log = {0};
    run_paths pw, ps[3];
    hx_eval_opts whole = opts_for(&pw, "set", "labels.txt", "whole.csv", 4, 1, &log);
    hx_eval_result rw;
    run(&whole, &rw);
    const char *parts[3];
    hx_accuracy sum = {0};
    for (int k = 0; k < 3; k++) {
        char name[32];
        snprintf(name, sizeof name, "shard%d.csv", k);
        hx_eval_opts o = opts_for(&ps[k], "set", "labels.txt", name, 1 + k, 1 + k % 2, &log);
        o.shard = (hx_shard){k, 3};
        hx_eval_result r;
        run(&o, &r);
        assert_int_equal(r.total, (set.n - k + 2) / 3);
        sum.images += r.acc.images;
        sum.top1 += r.acc.top1;
        sum.top5 += r.acc.top5;
        parts[k] = o.out;
    }
    assert_int_equal(sum.images, rw.acc.images);
    assert_int_equal(sum.top1, rw.acc.top1);
    assert_int_equal(sum.top5, rw.acc.top5);

    /* Joined the way `stvit merge` joins them (in any order of the inputs). */
    const char *shuffled[3] = {parts[2], parts[0], parts[1]};
    hx_table merged, single;
    int missing = -1;
    assert_int_equal(hx_merge_files(shuffled, 3, &merged, &missing), 0);
    assert_int_equal(missing, 0);
    assert_int_equal(hx_table_read(whole.out, &single), 0);
    assert_int_equal(merged.n, single.n);
    check_rows(&merged, set.n);
    for (int i = 0; i < single.n; i++) {
        assert_string_equal(hx_row_get(&merged.rows[i], "file"), hx_row_get(&single.rows[i], "file"));
        assert_string_equal(hx_row_get(&merged.rows[i], "label"), hx_row_get(&single.rows[i], "label"));
        for (int j = 1; j <= HX_TOPK; j++) {
            char key[8];
            snprintf(key, sizeof key, "top%d", j);
            assert_string_equal(hx_row_get(&merged.rows[i], key), hx_row_get(&single.rows[i], key));
        }
    }
    hx_accuracy am, as;
    assert_int_equal(hx_eval_table_accuracy(&merged, &am, NULL), 0);
    assert_int_equal(hx_eval_table_accuracy(&single, &as, NULL), 0);
    assert_int_equal(am.images, as.images);
    assert_int_equal(am.top1, as.top1);
    assert_int_equal(am.top5, as.top5);
    assert_int_equal(am.top1, set.n / 2);
    hx_table_free(&merged);
    hx_table_free(&single);

    /* Two shards only: the merge reports the missing third. */
    assert_int_equal(hx_merge_files(parts, 2, &merged, &missing), 0);
    assert_int_equal(missing, set.n / 3);
    hx_table_free(&merged);

    /* An empty shard is an error, not a silent 0%. */
    run_paths pe;
    hx_eval_opts o = opts_for(&pe, "set", "labels.txt", NULL, 1, 1, &log);
    o.shard = (hx_shard){set.n + 1, set.n + 2};
    hx_eval_set s;
    assert_int_equal(hx_eval_prepare(&o, 10, &s), ST_ERR_ARG);
    assert_non_null(strstr(st_last_error(), "is empty"));
}

/* Stopping (as Ctrl-C does) after the second batch keeps exactly the finished rows. */
static void test_eval_stop(void **state) {
    volatile sig_atomic_t stop = 0;
    run_log log = {.stop_after = 2, .stop = &stop};
    run_paths p;
    hx_eval_opts o = opts_for(&p, "set", "labels.txt", "pred_stop.csv", 3, 2, &log);
    o.stop = &stop;
    hx_eval_result r;
    run(&o, &r);
    assert_true(r.interrupted);
    assert_int_equal(log.batches, 2);
    assert_int_equal(r.acc.images, 6);
    hx_table t;
    assert_int_equal(hx_table_read(o.out, &t), 0);
    check_rows(&t, 6);
    hx_accuracy a;
    assert_int_equal(hx_eval_table_accuracy(&t, &a, NULL), 0);
    assert_int_equal(a.top1, r.acc.top1);
    assert_int_equal(a.top5, r.acc.top5);
    hx_table_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels_parse),
        cmocka_unit_test(test_labels_bad_lines),
        cmocka_unit_test(test_labels_duplicates),
        cmocka_unit_test(test_labels_mutations),
        cmocka_unit_test(test_labels_assign),
        cmocka_unit_test(test_listing_and_folders),
        cmocka_unit_test(test_preprocess_crop_pct),
        cmocka_unit_test(test_topk),
        cmocka_unit_test(test_eval_labels_file),
        cmocka_unit_test(test_eval_broken_picture),
        cmocka_unit_test(test_eval_class_folders),
        cmocka_unit_test(test_eval_shards_merge),
        cmocka_unit_test(test_eval_stop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
