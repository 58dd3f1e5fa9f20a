/* test_inputs.c — user inputs that must be refused (or read as the reference reads
 * them) rather than hang or give silently wrong numbers: a FIFO, folder or device
 * where a file is expected, for every reader; unknown and repeated config keys; class
 * name files of the wrong length; --n-iter / --stoken lists longer than the stages.
 * A reader that blocks fails its test through alarm() instead of hanging the suite. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness/image/image.h"
#include "harness/eval/image_list.h"
#include "harness/eval/labels.h"
#include "harness/cli/model_opts.h"
#include "harness/results/results.h"
#include "tests/common/testutil.h"
#include "variants/config.h"
#include "variants/formats/safetensors.h"
#include "variants/st_error.h"
#include "variants/st_file.h"
#include "viz/png.h"

#define HANG_S 10 /* no reader needs more than a moment to refuse a file */

static const char *what_now = "?";

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "test_inputs: a reader blocked for 10 s (hangs) on: ";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    ignored = write(2, what_now, strlen(what_now));
    ignored = write(2, "\n", 1);
    (void)ignored;
    _exit(1);
}

static int group_setup(void **state) {
    signal(SIGALRM, on_alarm);
    return tu_tmpdir_create("inputs");
}
static int group_teardown(void **state) { return tu_tmpdir_remove(); }

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* rc must be an error whose message names path and says fragment. */
static void expect_refused(int rc, const char *who, const char *path, const char *fragment) {
    const char *msg = st_last_error();
    if (rc == ST_OK) fail_msg("%s accepted %s", who, path);
    if (!strstr(msg, path) || !strstr(msg, fragment))
        fail_msg("%s on %s: message \"%s\" should name the file and say \"%s\"", who, path, msg, fragment);
}

/* Every reader of a user-named file, on path; each must fail at once. */
static void every_reader_refuses(const char *path, const char *fragment) {
    sft_file f;
    hx_image img;
    unsigned char *rgb;
    int w, h, fd;
    hx_labels labels;
    hx_table table;
    char **names;
    FILE *stream;
    what_now = path;
    alarm(HANG_S);
    expect_refused(st_open_read(path, &fd, NULL), "st_open_read", path, fragment);
    expect_refused(st_fopen_read(path, &stream), "st_fopen_read", path, fragment);
    expect_refused(sft_open(&f, path), "sft_open (weights, --input)", path, fragment);
    expect_refused(hx_image_load(path, &img), "hx_image_load (pictures)", path, fragment);
    expect_refused(vz_png_read(path, &rgb, &w, &h), "vz_png_read", path, fragment);
    expect_refused(hx_labels_read(path, &labels), "hx_labels_read (eval --ground-truth)", path, fragment);
    expect_refused(hx_class_names_read(path, 10, &names), "hx_class_names_read (classify --labels)", path, fragment);
    expect_refused(hx_table_read(path, &table), "hx_table_read (merge, plot)", path, fragment);
    alarm(0);
    assert_int_equal(fd, -1);
    assert_null(stream);
}

static void test_fifo_is_refused_without_blocking(void **state) {
    const char *fifo = tu_tmp_path("input.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    every_reader_refuses(fifo, "FIFO");
    /* a FIFO inside a picture folder is not a picture, and the folder lists without it */
    const char *dir = tu_tmp_path("pictures");
    assert_int_equal(mkdir(dir, 0700), 0);
    char inner[512];
    snprintf(inner, sizeof inner, "%s/blocked.png", dir);
    assert_int_equal(mkfifo(inner, 0600), 0);
    hx_image_list list;
    alarm(HANG_S);
    int rc = hx_image_list_read(dir, &list);
    alarm(0);
    assert_int_equal(rc, ST_OK);
    assert_int_equal(list.n, 0);
    hx_image_list_free(&list);
}

static void test_folder_and_device_are_refused(void **state) {
    const char *dir = tu_tmp_path("a_folder.safetensors");
    assert_int_equal(mkdir(dir, 0700), 0);
    every_reader_refuses(dir, "is a folder");
    if (access("/dev/zero", R_OK) == 0) every_reader_refuses("/dev/zero", "device"); /* endless: must not be read */
}

static void test_regular_file_reads(void **state) {
    const char *path = tu_tmp_path("plain.txt");
    write_text(path, "hello");
    int fd;
    off_t size;
    assert_int_equal(st_open_read(path, &fd, &size), ST_OK);
    assert_int_equal(size, 5);
    char buf[8];
    assert_int_equal(read(fd, buf, sizeof buf), 5); /* blocking reads work as usual */
    close(fd);
    expect_refused(st_open_read(tu_tmp_path("absent.txt"), &fd, NULL), "st_open_read", "absent.txt", "cannot open");
}

/* ---- configuration keys ---- */

#define GOOD_CFG "\"embed_dim\": [32, 64, 128, 256], \"depths\": [1, 1, 2, 1], \"num_heads\": [1, 2, 4, 8]"

static void expect_config_refused(const char *json, const char *fragment) {
    st_config c;
    int rc = st_config_from_json(json, "w.safetensors", &c);
    if (rc == ST_OK) fail_msg("config accepted: %s", json);
    if (!strstr(st_last_error(), "w.safetensors") || !strstr(st_last_error(), fragment))
        fail_msg("config %s: message \"%s\" should name the file and say \"%s\"", json, st_last_error(), fragment);
}

static void test_config_unknown_key_is_an_error(void **state) {
    st_config c;
    assert_int_equal(st_config_from_json("{" GOOD_CFG ", \"n_iter\": 2}", "w.safetensors", &c), ST_OK);
    assert_int_equal(c.n_iter[3], 2);
    /* the misspelling that once gave wrong logits: n_iter stayed 1 */
    expect_config_refused("{" GOOD_CFG ", \"n_iters\": 2}", "config key 'n_iters' is unknown (did you mean 'n_iter'?)");
    expect_config_refused("{" GOOD_CFG ", \"stoken\": [8, 4, 1, 1]}", "'stoken' is unknown");
    expect_config_refused("{" GOOD_CFG ", \"num_head\": 1}", "did you mean 'num_heads'");
    expect_config_refused("{" GOOD_CFG ", \"mpl_ratio\": 4}", "did you mean 'mlp_ratio'");
    expect_config_refused("{" GOOD_CFG ", \"drop_path_rate\": 0.1}", "'drop_path_rate' is unknown (known: embed_dim");
    expect_config_refused("{" GOOD_CFG ", \"N_ITER\": 2}", "'N_ITER' is unknown");
}

static void test_config_duplicate_key_is_an_error(void **state) {
    /* Python's json takes the last n_iter, the first would be used here: refused */
    expect_config_refused("{" GOOD_CFG ", \"n_iter\": 1, \"n_iter\": 2}", "\"n_iter\" appears twice");
    expect_config_refused("{" GOOD_CFG ", \"depths\": [1, 1, 1, 1]}", "\"depths\" appears twice");
}

/* ---- class names for classify --labels ---- */

static void test_class_names_count_must_match(void **state) {
    const char *path = tu_tmp_path("names.txt");
    char **names;
    write_text(path, "cat\ndog\r\nbird");
    assert_int_equal(hx_class_names_read(path, 3, &names), ST_OK);
    assert_string_equal(names[0], "cat");
    assert_string_equal(names[1], "dog");
    assert_string_equal(names[2], "bird");
    hx_class_names_free(names, 3);
    write_text(path, "cat\ndog\nbird\n");
    assert_int_equal(hx_class_names_read(path, 3, &names), ST_OK);
    hx_class_names_free(names, 3);
    expect_refused(hx_class_names_read(path, 1000, &names), "3 names", path,
                   "3 class names, but the model has 1000 classes");
    /* 1001 lines for 1000 classes (a header line, an off-by-one file) */
    char *big = malloc(1001 * 8 + 1), *at = big;
    for (int i = 0; i < 1001; i++) at += sprintf(at, "c%d\n", i);
    write_text(path, big);
    free(big);
    expect_refused(hx_class_names_read(path, 1000, &names), "1001 names", path, "1001 class names, but the model has 1000");
    assert_int_equal(hx_class_names_read(path, 1001, &names), ST_OK);
    hx_class_names_free(names, 1001);
    write_text(path, "cat\n\nbird\n");
    expect_refused(hx_class_names_read(path, 3, &names), "an empty line", path, ":2: empty class name");
    write_text(path, "");
    expect_refused(hx_class_names_read(path, 3, &names), "an empty file", path, "0 class names");
}

/* ---- --n-iter / --stoken ---- */

static void test_stage_lists_longer_than_stages(void **state) {
    hx_model_opts o = {.variant = "S"};
    st_config c;
    assert_int_equal(hx_parse_int_list("--n-iter", "2,2,1,1", 1, 64, &o.n_iter), ST_OK);
    assert_int_equal(hx_model_config(&o, &c), ST_OK);
    assert_int_equal(c.n_iter[0], 2);
    assert_int_equal(c.n_iter[3], 1);
    assert_int_equal(hx_parse_int_list("--n-iter", "3", 1, 64, &o.n_iter), ST_OK); /* one value: every stage */
    assert_int_equal(hx_model_config(&o, &c), ST_OK);
    assert_int_equal(c.n_iter[3], 3);
    assert_int_equal(hx_parse_int_list("--n-iter", "2,2,1,1,5", 1, 64, &o.n_iter), ST_OK);
    assert_int_equal(hx_model_config(&o, &c), ST_ERR_ARG);
    assert_non_null(strstr(st_last_error(), "--n-iter: 5 values, but the network has 4 stages"));
    o.n_iter.n = 0;
    assert_int_equal(hx_parse_int_list("--stoken", "8,4,1,1,1,1", 1, 256, &o.stoken), ST_OK);
    assert_int_equal(hx_model_config(&o, &c), ST_ERR_ARG);
    assert_non_null(strstr(st_last_error(), "--stoken: 6 values, but the network has 4 stages"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_is_refused_without_blocking),
        cmocka_unit_test(test_folder_and_device_are_refused),
        cmocka_unit_test(test_regular_file_reads),
        cmocka_unit_test(test_config_unknown_key_is_an_error),
        cmocka_unit_test(test_config_duplicate_key_is_an_error),
        cmocka_unit_test(test_class_names_count_must_match),
        cmocka_unit_test(test_stage_lists_longer_than_stages),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
