/* test_faults.c — bad input given to the real command-line program (build/stvit, or
 * $STVIT_BIN), one process per case. Every case must end with a non-zero exit status,
 * one clear message on stderr naming the file (or option) and the problem, no crash
 * (no signal, no sanitizer report), no hang, and no output file left behind.
 *
 * The files are made in a temporary folder from the golden weights by truncating and
 * patching them. Commands are rows of a table with placeholders ({weights}, {image},
 * ...): a case swaps one placeholder for a bad file and runs every row that uses it,
 * so a new command joins every case that applies to it by adding one row. Commands not
 * linked into the binary (not listed by `stvit --help`) are skipped.
 * tests/ROBUSTNESS.md lists the cases. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "tests/common/testutil.h"
#include "tests/common/evalset.h"
#include "variants/formats/json.h"
#include "variants/formats/safetensors.h"
#include "viz/png.h"

#define GOLDEN_W "tests/data/pub_tiny96.weights.safetensors"
#define RUN_TIMEOUT_S 180 /* a case that takes longer hangs (sanitizer builds are slow) */
#define FIFO_TIMEOUT_S 60 /* a FIFO must be refused at once: do not wait 180 s per command */
static int run_timeout_s = RUN_TIMEOUT_S;
#define OUT_MAX (64 * 1024)

/* ---- running the program ---------------------------------------------------------- */

typedef struct {
    int exited, status;   /* normal exit and its status */
    int signal;           /* killed by this signal, else 0 */
    int timed_out;
    char out[OUT_MAX], err[OUT_MAX];
} run_result;

static const char *stvit_bin(void) {
    const char *b = getenv("STVIT_BIN");
    return b && *b ? b : "build/stvit";
}

/* Appends what fd has to buf (bounded); returns 0 at end of file. */
static int drain(int fd, char *buf, size_t *len) {
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return n < 0 && errno == EINTR;
    size_t room = OUT_MAX - 1 - *len, take = (size_t)n < room ? (size_t)n : room;
    memcpy(buf + *len, chunk, take);
    *len += take;
    buf[*len] = 0;
    return 1;
}

/* Runs stvit with args (NULL-terminated, without argv[0]), stdin from /dev/null,
 * capturing stdout and stderr; kills it (and anything it started) after the timeout. */
static void run_stvit(const char *const *args, run_result *r) {
    memset(r, 0, sizeof *r);
    const char *argv[64] = {stvit_bin()};
    int argc = 1;
    for (; args[argc - 1] && argc < 63; argc++) argv[argc] = args[argc - 1];
    argv[argc] = NULL;
    int po[2], pe[2];
    assert_int_equal(pipe(po), 0);
    assert_int_equal(pipe(pe), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0); /* its own group, so a timeout can end whatever it started */
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(pe[0]), close(po[1]), close(pe[1]), close(devnull);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t nout = 0, nerr = 0;
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int open_fds = 2;
    while (open_fds > 0) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        double left = run_timeout_s - (t.tv_sec - t0.tv_sec) - (t.tv_nsec - t0.tv_nsec) * 1e-9;
        if (left <= 0) {
            r->timed_out = 1;
            kill(-pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++)
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                !drain(fds[i].fd, i ? r->err : r->out, i ? &nerr : &nout)) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0) close(fds[i].fd);
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
    r->exited = WIFEXITED(ws);
    r->status = r->exited ? WEXITSTATUS(ws) : -1;
    r->signal = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
}

/* ---- the scratch folder -------------------------------------------------------------- */

static char scratch[1024];

/* scratch/name, in one of a ring of buffers (enough for the paths of one case). */
static const char *at(const char *fmt, ...) {
    static char ring[48][PATH_MAX];
    static int next;
    char name[PATH_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    char *p = ring[next++ % 48];
    snprintf(p, PATH_MAX, "%s/%s", scratch, name);
    return p;
}

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *read_bytes(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*n ? *n : 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    chmod(path, 0700); /* a read-only test folder must become removable */
    return remove(path);
}
static void remove_tree(const char *path) { nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* Regular files anywhere under path (0 if it does not exist); the first one into first. */
static int count_files(const char *path, char *first, size_t cap) {
    DIR *d = opendir(path);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(sub, &st)) continue;
        if (S_ISDIR(st.st_mode)) n += count_files(sub, first, cap);
        else if (n++ == 0 && first) snprintf(first, cap, "%s", sub);
    }
    closedir(d);
    return n;
}

/* ---- safetensors files built from the golden weights ------------------------------- */

#define FT_MAX 256
typedef struct {
    char name[128];
    char dtype[16];
    int ndim;
    int64_t shape[SFT_MAX_DIMS];
    const uint8_t *data;
    size_t bytes;
    int64_t offsets[2];  /* written instead of the real ones when custom_offsets */
    int custom_offsets;
} ft_tensor;

typedef struct {
    int n;
    ft_tensor t[FT_MAX];
    const char *config;  /* __metadata__.config text, or NULL: no metadata */
    const char *raw_meta; /* whole __metadata__ JSON value instead, when set */
} ft_file;

static ft_file golden;
static char *golden_config;

static void golden_load(void) {
    sft_file f;
    assert_int_equal(sft_open(&f, GOLDEN_W), 0);
    assert_true(f.count <= FT_MAX);
    golden.n = f.count;
    for (int i = 0; i < f.count; i++) {
        const sft_tensor *s = &f.tensors[i];
        ft_tensor *t = &golden.t[i];
        snprintf(t->name, sizeof t->name, "%s", s->name);
        snprintf(t->dtype, sizeof t->dtype, "%s", s->dtype_name);
        t->ndim = s->ndim;
        memcpy(t->shape, s->shape, sizeof t->shape);
        t->bytes = s->end - s->begin;
        uint8_t *copy = malloc(t->bytes ? t->bytes : 1);
        assert_non_null(copy);
        memcpy(copy, f.data + s->begin, t->bytes);
        t->data = copy;
    }
    golden_config = strdup(f.config_json);
    golden.config = golden_config;
    sft_close(&f);
}

static ft_tensor *ft_find(ft_file *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->t[i].name, name)) return &f->t[i];
    fail_msg("no tensor '%s' in the golden weights", name);
    return NULL;
}

static void ft_remove(ft_file *f, const char *name) {
    ft_tensor *t = ft_find(f, name);
    memmove(t, t + 1, (size_t)(f->t + f->n - (t + 1)) * sizeof *t);
    f->n--;
}

/* Writes f as scratch/name (header padded to 8 bytes as the format recommends). */
static const char *ft_write(const ft_file *f, const char *name) {
    js_text h = {0};
    js_text_append(&h, "{", 1);
    int first = 1;
    if (f->raw_meta || f->config) {
        js_text_append(&h, "\"__metadata__\":", 15);
        if (f->raw_meta) {
            js_text_append(&h, f->raw_meta, strlen(f->raw_meta));
        } else {
            js_text_append(&h, "{\"config\":", 10);
            js_text_string(&h, f->config);
            js_text_append(&h, "}", 1);
        }
        first = 0;
    }
    size_t offset = 0;
    for (int i = 0; i < f->n; i++) {
        const ft_tensor *t = &f->t[i];
        if (!first) js_text_append(&h, ",", 1);
        first = 0;
        js_text_string(&h, t->name);
        js_text_append(&h, ":{\"dtype\":", 10);
        js_text_string(&h, t->dtype);
        js_text_append(&h, ",\"shape\":[", 10);
        for (int d = 0; d < t->ndim; d++) js_text_printf(&h, "%s%lld", d ? "," : "", (long long)t->shape[d]);
        if (t->custom_offsets)
            js_text_printf(&h, "],\"data_offsets\":[%lld,%lld]}", (long long)t->offsets[0], (long long)t->offsets[1]);
        else
            js_text_printf(&h, "],\"data_offsets\":[%zu,%zu]}", offset, offset + t->bytes);
        offset += t->bytes;
    }
    js_text_append(&h, "}", 1);
    while ((8 + h.len) % 8) js_text_append(&h, " ", 1);
    assert_false(h.failed);
    const char *path = at("%s", name);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    uint8_t len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (uint8_t)((uint64_t)h.len >> (8 * i));
    fwrite(len8, 1, 8, out);
    fwrite(h.text, 1, h.len, out);
    for (int i = 0; i < f->n; i++) fwrite(f->t[i].data, 1, f->t[i].bytes, out);
    assert_int_equal(fclose(out), 0);
    js_text_free(&h);
    return path;
}

/* A file of 8-byte length field `len` followed by `text` (a broken header). */
static const char *raw_header_file(const char *name, uint64_t len, const char *text) {
    size_t n = strlen(text);
    uint8_t *b = malloc(8 + n);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(len >> (8 * i));
    memcpy(b + 8, text, n);
    const char *path = at("%s", name);
    write_bytes(path, b, 8 + n);
    free(b);
    return path;
}

/* The golden config with key set to the JSON text value (NULL: key removed). */
static char *config_with(const char *key, const char *value) {
    js_value root;
    assert_int_equal(js_parse(golden_config, strlen(golden_config), &root), 0);
    js_text t = {0};
    js_text_append(&t, "{", 1);
    int n = 0, seen = 0;
    for (int i = 0; i < root.count; i++) {
        int mine = !strcmp(root.keys[i], key);
        seen |= mine;
        if (mine && !value) continue;
        if (n++) js_text_append(&t, ", ", 2);
        js_text_string(&t, root.keys[i]);
        js_text_append(&t, ": ", 2);
        if (mine) js_text_append(&t, value, strlen(value));
        else js_text_value(&t, &root.items[i]);
    }
    if (!seen && value) js_text_printf(&t, "%s\"%s\": %s", n ? ", " : "", key, value);
    js_text_append(&t, "}", 1);
    js_free(&root);
    assert_false(t.failed);
    return t.text;
}

/* ---- images ---------------------------------------------------------------------------- */

static void make_png(const char *path, int w, int h) {
    unsigned char *rgb = malloc((size_t)w * h * 3);
    for (int i = 0; i < w * h * 3; i++) rgb[i] = (unsigned char)(i * 7 + i / 3);
    assert_int_equal(vz_png_write(path, rgb, w, h), 0);
    free(rgb);
}

static void make_jpeg(const char *path, int w, int h) {
    unsigned char *rgb = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w * 3; x++) rgb[(size_t)y * w * 3 + x] = (unsigned char)(x * 5 + y * 3);
    assert_int_equal(tu_write_jpeg(path, rgb, w, h), 0);
    free(rgb);
}

static uint32_t crc32_of(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c >> 1 ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}

static size_t png_chunk(uint8_t *out, const char *type, const uint8_t *data, uint32_t n) {
    uint8_t *p = out;
    *p++ = (uint8_t)(n >> 24), *p++ = (uint8_t)(n >> 16), *p++ = (uint8_t)(n >> 8), *p++ = (uint8_t)n;
    memcpy(p, type, 4);
    if (n) memcpy(p + 4, data, n);
    uint32_t crc = crc32_of(p, n + 4);
    p += 4 + n;
    *p++ = (uint8_t)(crc >> 24), *p++ = (uint8_t)(crc >> 16), *p++ = (uint8_t)(crc >> 8), *p++ = (uint8_t)crc;
    return (size_t)(p - out);
}

/* A PNG whose header declares w x h RGB pixels, with (almost) no pixel data. */
static void make_png_header_only(const char *path, uint32_t w, uint32_t h) {
    uint8_t b[128], ihdr[13] = {(uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w,
                                (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h,
                                8, 2, 0, 0, 0};
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, idat[2] = {0x78, 0x9c};
    size_t n = 8;
    memcpy(b, sig, 8);
    n += png_chunk(b + n, "IHDR", ihdr, 13);
    n += png_chunk(b + n, "IDAT", idat, 2);
    n += png_chunk(b + n, "IEND", NULL, 0);
    write_bytes(path, b, n);
}

/* A small JPEG whose frame header (SOF0) is patched to declare w x h. */
static void make_jpeg_declaring(const char *path, int w, int h) {
    make_jpeg(path, 16, 16);
    size_t n;
    uint8_t *b = read_bytes(path, &n);
    size_t i = 2;
    while (i + 9 < n && !(b[i] == 0xff && b[i + 1] == 0xc0)) i++;
    assert_true(i + 9 < n);
    b[i + 5] = (uint8_t)(h >> 8), b[i + 6] = (uint8_t)h, b[i + 7] = (uint8_t)(w >> 8), b[i + 8] = (uint8_t)w;
    write_bytes(path, b, n);
    free(b);
}

/* The first n bytes of src, as dst. */
static void truncate_copy(const char *src, const char *dst, size_t n) {
    size_t len;
    uint8_t *b = read_bytes(src, &len);
    assert_true(n <= len);
    write_bytes(dst, b, n);
    free(b);
}

/* ---- the commands ---------------------------------------------------------------------- */

/* The files a command line is built from; a case replaces one of them with a bad one. */
typedef struct {
    const char *weights; /* safetensors weights */
    const char *input;   /* safetensors with tensor 'input' */
    const char *image;   /* a PNG or JPEG picture */
    const char *images;  /* a folder of pictures, a sub-folder per class */
    const char *csv;     /* a result file of stvit bench */
    const char *out;     /* the folder outputs go to */
} inputs;

typedef struct {
    const char *cmd;
    const char *args[24]; /* {weights} {input} {image} {images} {csv} {out} are replaced */
} cmd_row;

/* Every command that reads or writes a file, with small, fast, valid arguments. */
static const cmd_row rows[] = {
    {"infer", {"--weights", "{weights}", "--input", "{input}", "--output", "{out}/logits.safetensors"}},
    {"classify", {"--weights", "{weights}", "--res", "64", "{image}"}},
    {"viz", {"--weights", "{weights}", "--res", "64", "--quiet", "--out", "{out}/viz", "{image}"}},
    {"eval", {"--weights", "{weights}", "--res", "64", "--quiet", "--images", "{images}", "--out", "{out}"}},
    {"bench", {"--variant", "S", "--res", "32", "--backend", "naive", "--warmup", "0", "--min-runs", "1",
               "--min-time", "0", "--no-check", "--quiet", "--peak", "1", "--out", "{out}"}},
    {"ablate", {"--rows", "1", "--res", "32", "--warmup", "0", "--min-runs", "1", "--no-check", "--quiet", "--out",
                "{out}/ablate"}},
    {"merge", {"{out}/merged.csv", "{csv}"}},
    {"plot", {"{csv}", "--out", "{out}/plots"}},
    {"baselines", {"{csv}", "--out", "{out}/baselines"}},
};
#define NROWS (int)(sizeof rows / sizeof rows[0])

static int linked[NROWS]; /* the row's command is listed by stvit --help */
static char *help_text;   /* stvit --help */
static inputs good;
static int failures;       /* violations in the current test, each printed */

static int cmd_linked(const char *cmd) {
    char line[64];
    snprintf(line, sizeof line, "\n  %s ", cmd);
    return help_text && strstr(help_text, line) != NULL;
}

static int uses(const cmd_row *r, const char *token) {
    for (int i = 0; r->args[i]; i++)
        if (strstr(r->args[i], token)) return 1;
    return 0;
}

/* One argument with the placeholders replaced. */
static void expand(const char *arg, const inputs *in, char *out, size_t cap) {
    static const char *tokens[] = {"{weights}", "{input}", "{image}", "{images}", "{csv}", "{out}"};
    const char *values[] = {in->weights, in->input, in->image, in->images, in->csv, in->out};
    size_t n = 0;
    while (*arg && n + 1 < cap) {
        int hit = -1;
        for (int k = 0; k < 6 && hit < 0; k++)
            if (!strncmp(arg, tokens[k], strlen(tokens[k]))) hit = k;
        if (hit < 0) { out[n++] = *arg++; continue; }
        n += (size_t)snprintf(out + n, cap - n, "%s", values[hit] ? values[hit] : "(none)");
        if (n >= cap) n = cap - 1;
        arg += strlen(tokens[hit]);
    }
    out[n] = 0;
}

typedef struct {
    char buf[24][PATH_MAX];
    const char *argv[32];
    char text[4096]; /* the command line, for messages */
} cmd_line;

static void build(const cmd_row *r, const inputs *in, const char *const *extra, cmd_line *c) {
    int n = 0;
    c->argv[n++] = r->cmd;
    for (int i = 0; r->args[i]; i++) {
        expand(r->args[i], in, c->buf[i], sizeof c->buf[i]);
        c->argv[n++] = c->buf[i];
    }
    for (int i = 0; extra && extra[i]; i++) c->argv[n++] = extra[i];
    c->argv[n] = NULL;
    size_t len = (size_t)snprintf(c->text, sizeof c->text, "stvit");
    for (int i = 0; i < n && len < sizeof c->text; i++)
        len += (size_t)snprintf(c->text + len, sizeof c->text - len, " %s", c->argv[i]);
}

static int has_sanitizer_report(const run_result *r) {
    return strstr(r->err, "Sanitizer") || strstr(r->err, "runtime error:") || strstr(r->err, "LeakSanitizer");
}

static int lines_of(const char *s) {
    int n = 0;
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len) n++;
        p += len + (nl != NULL);
    }
    return n;
}

static void violation(const char *what, const cmd_line *c, const run_result *r, const char *problem) {
    failures++;
    print_error("FAULT CASE %s\n  run:    %s\n  result: %s (exit %d, signal %d%s)\n  stderr: %s\n", what, c->text,
                problem, r->status, r->signal, r->timed_out ? ", timed out" : "", r->err[0] ? r->err : "(empty)\n");
}

/* Every file under out is output left behind: reported and removed. */
static void expect_no_output(const char *what, const cmd_line *c, const run_result *r, const char *out) {
    char first[PATH_MAX] = "";
    if (!strncmp(out, "/proc", 5) || count_files(out, first, sizeof first) == 0) return;
    char msg[PATH_MAX + 64];
    snprintf(msg, sizeof msg, "left output behind: %s", first);
    violation(what, c, r, msg);
}

/* Empties the output folder for the next case, keeping the folder and its mode. */
static void clean_out(const inputs *in) {
    struct stat st;
    if (strncmp(in->out, scratch, strlen(scratch)) || stat(in->out, &st)) return;
    chmod(in->out, 0700);
    DIR *d = opendir(in->out);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", in->out, e->d_name);
        remove_tree(sub);
    }
    if (d) closedir(d);
    chmod(in->out, st.st_mode & 07777);
}

/* The run must have failed cleanly; the single stderr line must contain `name` (the
 * file's base name or the option) and, when given, `detail` (e.g. the tensor). */
static void check_failed(const char *what, const cmd_line *c, const run_result *r, const char *name,
                         const char *detail) {
    const char *base = strrchr(name, '/') && strrchr(name, '/')[1] ? strrchr(name, '/') + 1 : name;
    char problem[512];
    if (r->timed_out) violation(what, c, r, "hangs");
    else if (r->signal) violation(what, c, r, "killed by a signal (crash)");
    else if (has_sanitizer_report(r)) violation(what, c, r, "sanitizer report");
    else if (r->status == 0) violation(what, c, r, "exit status 0 on bad input");
    else if (lines_of(r->err) != 1) violation(what, c, r, "not exactly one message line on stderr");
    else if (!strstr(r->err, base)) {
        snprintf(problem, sizeof problem, "message does not name '%s'", base);
        violation(what, c, r, problem);
    } else if (detail && !strstr(r->err, detail)) {
        snprintf(problem, sizeof problem, "message does not say '%s'", detail);
        violation(what, c, r, problem);
    }
}

static void expect_failure(const char *what, const cmd_row *row, const inputs *in, const char *const *extra,
                           const char *name, const char *detail) {
    cmd_line c;
    run_result r;
    build(row, in, extra, &c);
    run_stvit(c.argv, &r);
    check_failed(what, &c, &r, name, detail);
    if (getenv("FAULTS_VERBOSE")) print_message("%-12s %-50.50s | %s", row->cmd, what, r.err);
    expect_no_output(what, &c, &r, in->out);
    clean_out(in);
}

static void expect_success(const char *what, const cmd_row *row, const inputs *in, const char *const *extra) {
    cmd_line c;
    run_result r;
    build(row, in, extra, &c);
    run_stvit(c.argv, &r);
    if (r.timed_out) violation(what, &c, &r, "hangs");
    else if (r.signal) violation(what, &c, &r, "killed by a signal (crash)");
    else if (has_sanitizer_report(&r)) violation(what, &c, &r, "sanitizer report");
    else if (r.status != 0) violation(what, &c, &r, "fails on good input");
    clean_out(in);
}

/* Runs the case on every linked row that uses `token`, with that input replaced. */
static void each_row_failing(const char *what, const char *token, const inputs *in, const char *const *extra,
                             const char *name, const char *detail) {
    for (int i = 0; i < NROWS; i++)
        if (linked[i] && uses(&rows[i], token)) expect_failure(what, &rows[i], in, extra, name, detail);
}

static const cmd_row *row_named(const char *cmd) {
    for (int i = 0; i < NROWS; i++)
        if (!strcmp(rows[i].cmd, cmd)) return linked[i] ? &rows[i] : NULL;
    return NULL;
}

/* ---- setup ------------------------------------------------------------------------------ */

static int group_setup(void **state) {
    (void)state;
    snprintf(scratch, sizeof scratch, "%s/stvit-faults.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(scratch)) return -1;
    chmod(scratch, 0755);
    if (access(stvit_bin(), X_OK)) {
        fprintf(stderr, "test_faults: %s is not built (STVIT_BIN names another binary)\n", stvit_bin());
        return -1;
    }
    run_result *r = malloc(sizeof *r);
    run_stvit((const char *[]){"--help", NULL}, r);
    help_text = strdup(r->out);
    free(r);
    for (int i = 0; i < NROWS; i++) linked[i] = cmd_linked(rows[i].cmd);
    golden_load();

    good.weights = GOLDEN_W;
    good.out = strdup(at("out"));
    mkdir(good.out, 0755);
    float *x = malloc(sizeof(float) * 3 * 64 * 64);
    tu_fill_random(x, 3 * 64 * 64, 7);
    sft_entry e = {.name = "input", .ndim = 4, .shape = {1, 3, 64, 64}, .data = x};
    good.input = strdup(at("input.safetensors"));
    if (sft_write(good.input, &e, 1, NULL)) return -1;
    free(x);
    good.image = strdup(at("picture.png"));
    make_png(good.image, 80, 60);
    good.images = strdup(at("set"));
    mkdir(good.images, 0755);
    mkdir(at("set/0"), 0755);
    mkdir(at("set/1"), 0755);
    make_png(at("set/0/a.png"), 70, 50);
    make_jpeg(at("set/1/b.jpg"), 40, 60);
    /* a result file to merge and plot: one from stvit bench itself */
    const cmd_row *bench = row_named("bench");
    if (bench) {
        inputs in = good;
        in.out = scratch;
        cmd_line c;
        build(bench, &in, NULL, &c);
        run_result *br = malloc(sizeof *br);
        run_stvit(c.argv, br);
        if (br->status == 0) good.csv = strdup(at("bench.csv"));
        free(br);
    }
    for (int i = 0; i < NROWS; i++)
        if (uses(&rows[i], "{csv}") && !good.csv) linked[i] = 0;
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    for (int i = 0; i < golden.n; i++) free((void *)golden.t[i].data);
    free(golden_config);
    const char *made[] = {good.input, good.image, good.images, good.csv, good.out};
    for (int i = 0; i < 5; i++) free((char *)made[i]);
    free(help_text);
    if (scratch[0]) remove_tree(scratch);
    return 0;
}

static int test_setup(void **state) {
    (void)state;
    failures = 0;
    return 0;
}

#define FAILING(what, token, in, name, detail) each_row_failing(what, token, in, NULL, name, detail)
#define FAILING_WITH(what, token, in, extra, name, detail) each_row_failing(what, token, in, extra, name, detail)
#define DONE() assert_int_equal(failures, 0)

/* ---- the cases ------------------------------------------------------------------------- */

/* Every row must work on the good files, or its faults would fail for the wrong reason. */
static void test_good_inputs_work(void **state) {
    (void)state;
    int any = 0;
    for (int i = 0; i < NROWS; i++) {
        if (!linked[i]) {
            print_message("skipped %s: not linked into %s\n", rows[i].cmd, stvit_bin());
            continue;
        }
        any = 1;
        expect_success(rows[i].cmd, &rows[i], &good, NULL);
    }
    assert_true(any);
    DONE();
}

static void test_weights_unusable_files(void **state) {
    (void)state;
    inputs in = good;
    in.weights = at("w_missing.safetensors");
    FAILING("weights: missing file", "{weights}", &in, in.weights, NULL);
    in.weights = at("w_empty.safetensors");
    write_bytes(in.weights, "", 0);
    FAILING("weights: empty file", "{weights}", &in, in.weights, NULL);
    in.weights = at("w_folder.safetensors");
    mkdir(in.weights, 0755);
    FAILING("weights: a folder", "{weights}", &in, in.weights, NULL);
    in.weights = at("w_text.safetensors");
    const char *text = "this is a text file, not safetensors\n";
    write_bytes(in.weights, text, strlen(text));
    FAILING("weights: a text file", "{weights}", &in, in.weights, NULL);
    in.weights = at("w_picture.safetensors");
    size_t n;
    uint8_t *png = read_bytes(good.image, &n);
    write_bytes(in.weights, png, n);
    free(png);
    FAILING("weights: a PNG picture", "{weights}", &in, in.weights, NULL);
    DONE();
}

/* Root reads any file, so this only means something for other users. */
static void test_unreadable_files(void **state) {
    (void)state;
    if (geteuid() == 0) skip();
    inputs in = good;
    size_t n;
    const char *kinds[][2] = {{"{weights}", GOLDEN_W}, {"{input}", good.input}, {"{image}", good.image},
                              {"{csv}", good.csv}};
    for (int k = 0; k < 4 && kinds[k][1]; k++) {
        const char *path = at("unreadable_%d_%s", k, strrchr(kinds[k][1], '/') + 1);
        uint8_t *b = read_bytes(kinds[k][1], &n);
        write_bytes(path, b, n);
        free(b);
        chmod(path, 0);
        in = good;
        if (k == 0) in.weights = path;
        if (k == 1) in.input = path;
        if (k == 2) in.image = path;
        if (k == 3) in.csv = path;
        FAILING("unreadable file (chmod 000)", kinds[k][0], &in, path, NULL);
    }
    DONE();
}

/* Cut at every section boundary: inside and after the length field, inside and after
 * the JSON header, at tensor boundaries in the data, one byte short. */
static void test_weights_truncated(void **state) {
    (void)state;
    size_t size;
    uint8_t *b = read_bytes(GOLDEN_W, &size);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | b[i];
    size_t data = 8 + (size_t)hlen;
    size_t cuts[] = {1, 7, 8, 9, 8 + (size_t)hlen / 2, data - 1, data, data + 1, data + golden.t[0].bytes,
                     data + (size - data) / 2, size - golden.t[golden.n - 1].bytes, size - 1};
    inputs in = good;
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "weights: truncated to %zu of %zu bytes", cuts[i], size);
        in.weights = at("w_truncated_%zu.safetensors", cuts[i]);
        write_bytes(in.weights, b, cuts[i]);
        /* every command at a few cuts; infer (the quickest) at all of them */
        if (i % 4 == 0) FAILING(what, "{weights}", &in, in.weights, NULL);
        else if (row_named("infer")) expect_failure(what, row_named("infer"), &in, NULL, in.weights, NULL);
    }
    free(b);
    DONE();
}

static void test_weights_bad_header(void **state) {
    (void)state;
    inputs in = good;
    in.weights = raw_header_file("w_header_too_long.safetensors", 1ull << 40, "{}");
    FAILING("weights: header length beyond the file", "{weights}", &in, in.weights, NULL);
    in.weights = raw_header_file("w_header_not_json.safetensors", 19, "{\"head.bias\": {dtyp");
    FAILING("weights: header is not JSON", "{weights}", &in, in.weights, NULL);
    in.weights = raw_header_file("w_header_array.safetensors", 8, "[1, 2]  ");
    FAILING("weights: header is not an object", "{weights}", &in, in.weights, NULL);

    ft_file f = golden;
    ft_tensor *t = ft_find(&f, "head.bias");
    t->custom_offsets = 1;
    t->offsets[0] = 1 << 24;
    t->offsets[1] = (1 << 24) + (int64_t)t->bytes;
    in.weights = ft_write(&f, "w_offsets_outside.safetensors");
    FAILING("weights: data_offsets outside the file", "{weights}", &in, in.weights, "head.bias");

    f = golden;
    t = ft_find(&f, "head.bias");
    t->custom_offsets = 1;
    t->offsets[0] = 40;
    t->offsets[1] = 0;
    in.weights = ft_write(&f, "w_offsets_reversed.safetensors");
    FAILING("weights: data_offsets end before begin", "{weights}", &in, in.weights, "head.bias");

    /* two tensors of the same size pointing at the same bytes */
    f = golden;
    ft_tensor *a = ft_find(&f, "norm.running_mean"), *c = ft_find(&f, "norm.running_var");
    size_t off = 0;
    for (int i = 0; i < f.n && &f.t[i] != a; i++) off += f.t[i].bytes;
    c->custom_offsets = 1;
    c->offsets[0] = (int64_t)off;
    c->offsets[1] = (int64_t)(off + a->bytes);
    in.weights = ft_write(&f, "w_offsets_overlap.safetensors");
    FAILING("weights: overlapping data_offsets", "{weights}", &in, in.weights, "overlap");

    f = golden;
    snprintf(ft_find(&f, "head.bias")->dtype, 16, "Q7");
    in.weights = ft_write(&f, "w_dtype_unknown.safetensors");
    FAILING("weights: unknown dtype", "{weights}", &in, in.weights, "Q7");

    /* I64 data of the right byte size: the file is valid, the network cannot use it */
    f = golden;
    t = ft_find(&f, "head.bias");
    int64_t ints[64] = {0};
    assert_true(t->shape[0] <= 64);
    snprintf(t->dtype, 16, "I64");
    t->data = (const uint8_t *)ints;
    t->bytes = (size_t)t->shape[0] * 8;
    in.weights = ft_write(&f, "w_dtype_i64.safetensors");
    FAILING("weights: I64 weight", "{weights}", &in, in.weights, "I64");

    f = golden;
    t = ft_find(&f, "head.weight");
    t->shape[1] -= 1; /* no longer matches its bytes */
    in.weights = ft_write(&f, "w_shape_vs_bytes.safetensors");
    FAILING("weights: shape does not match the data size", "{weights}", &in, in.weights, "head.weight");
    DONE();
}

static void test_weights_not_matching_config(void **state) {
    (void)state;
    inputs in = good;
    ft_file f = golden;
    ft_tensor *t = ft_find(&f, "head.weight");
    int64_t rows0 = t->shape[0];
    t->shape[0] = t->shape[1]; /* same bytes, transposed shape */
    t->shape[1] = rows0;
    in.weights = ft_write(&f, "w_shape_vs_config.safetensors");
    FAILING("weights: shape does not match the config", "{weights}", &in, in.weights, "head.weight");

    f = golden;
    ft_remove(&f, "layers.2.blocks.1.mlp2.fc2.bias");
    in.weights = ft_write(&f, "w_missing_tensor.safetensors");
    FAILING("weights: a tensor is missing", "{weights}", &in, in.weights, "layers.2.blocks.1.mlp2.fc2.bias");

    f = golden;
    f.t[f.n] = *ft_find(&f, "head.bias");
    snprintf(f.t[f.n++].name, 128, "head.extra_bias");
    in.weights = ft_write(&f, "w_extra_tensor.safetensors");
    FAILING("weights: an unexpected tensor", "{weights}", &in, in.weights, "head.extra_bias");
    DONE();
}

/* Sizes a config must refuse before anything is allocated for them. */
static void test_config_faults(void **state) {
    (void)state;
    static const struct { const char *key, *value, *detail; } cases[] = {
        {"embed_dim", "[1e9, 64, 128, 256]", "embed_dim"},
        {"embed_dim", "[0, 64, 128, 256]", "embed_dim"},
        {"embed_dim", "[-32, 64, 128, 256]", "embed_dim"},
        {"embed_dim", "1e300", "embed_dim"},                       /* fuzz_config: (int)1e300 */
        {"embed_dim", "[16384, 16384, 16384, 16384]", NULL},       /* valid sizes, 100s of GB */
        {"depths", "[-1, 1, 2, 1]", "depths"},
        {"depths", "[1, 1, 100000, 1]", "depths"},
        {"num_heads", "[0, 2, 4, 8]", "num_heads"},
        {"num_heads", "[3, 2, 4, 8]", "num_heads"},
        {"stoken_size", "[0, 4, 1, 1]", "stoken"},
        {"stoken_size", "[[1e300, 2], 4, 1, 1]", "stoken_size"},   /* fuzz_config: (int)1e300 */
        {"stoken_size", "[[8, 1e300], 4, 1, 1]", "stoken_size"},   /* fuzz_config: (int)1e300 */
        {"n_iter", "[0, 1, 1, 1]", "n_iter"},
        {"mlp_ratio", "0", "mlp_ratio"},
        {"mlp_ratio", "-4", "mlp_ratio"},
        {"projection", "-1", "projection"},
        {"num_classes", "0", "num_classes"},
        {"num_classes", "1e12", "num_classes"},
        {"init_values", "1e55", "init_values"},                    /* fuzz_config: inf in the JSON */
        {"layerscale", "[false, false, 2, true]", "layerscale"},   /* fuzz_config: not a bool */
        {"depths", NULL, "depths"},                                /* a required key missing */
        {"embed_dim", "\"wide\"", "embed_dim"},
        {"n_iters", "[2, 2, 1, 1]", "did you mean 'n_iter'"},      /* unknown: once n_iter 1, logits off 7e-3 */
        {"stoken", "[8, 4, 1, 1]", "'stoken' is unknown"},
        {"drop_path", "0.1", "'drop_path' is unknown"},
    };
    inputs in = good;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ft_file f = golden;
        char *config = config_with(cases[i].key, cases[i].value);
        f.config = config;
        char what[160];
        snprintf(what, sizeof what, "config %s = %s", cases[i].key, cases[i].value ? cases[i].value : "(missing)");
        char name[64];
        snprintf(name, sizeof name, "w_config_%zu.safetensors", i);
        in.weights = ft_write(&f, name);
        FAILING(what, "{weights}", &in, in.weights, cases[i].detail);
        free(config);
    }
    /* everything at the upper limits at once: refused before allocating, not by malloc */
    ft_file f = golden;
    f.config = "{\"embed_dim\": [16384, 16384, 16384, 16384], \"depths\": [256, 256, 256, 256], "
               "\"num_heads\": [1, 1, 1, 1], \"mlp_ratio\": 64, \"projection\": 65536, \"num_classes\": 1000000}";
    in.weights = ft_write(&f, "w_config_everything_huge.safetensors");
    FAILING("config at every upper limit", "{weights}", &in, in.weights, NULL);

    f = golden;
    f.config = "{\"embed_dim\": [32, 64";
    in.weights = ft_write(&f, "w_config_not_json.safetensors");
    FAILING("config is not JSON", "{weights}", &in, in.weights, NULL);
    f.config = "[32, 64, 128, 256]";
    in.weights = ft_write(&f, "w_config_array.safetensors");
    FAILING("config is not an object", "{weights}", &in, in.weights, NULL);
    f.config = NULL;
    in.weights = ft_write(&f, "w_config_none.safetensors");
    FAILING("no config in the metadata", "{weights}", &in, in.weights, NULL);
    f.raw_meta = "{\"config\": 5}";
    in.weights = ft_write(&f, "w_config_number.safetensors");
    FAILING("config metadata is not a string", "{weights}", &in, in.weights, "config");
    DONE();
}

static void test_nonfinite_weights(void **state) {
    (void)state;
    static const struct { const char *tensor; float value; } cases[] = {
        {"layers.2.blocks.0.mlp2.fc1.weight", NAN},
        {"head.weight", INFINITY},
        {"patch_embed.proj.2.running_var", -INFINITY},
    };
    inputs in = good;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ft_file f = golden;
        ft_tensor *t = ft_find(&f, cases[i].tensor);
        uint8_t *copy = malloc(t->bytes);
        memcpy(copy, t->data, t->bytes);
        memcpy(copy + 4 * 5, &cases[i].value, 4);
        t->data = copy;
        char what[160];
        snprintf(what, sizeof what, "weights: %g in %s", cases[i].value, cases[i].tensor);
        char name[64];
        snprintf(name, sizeof name, "w_nonfinite_%zu.safetensors", i);
        in.weights = ft_write(&f, name);
        FAILING(what, "{weights}", &in, in.weights, cases[i].tensor);
        free(copy);
    }
    DONE();
}

/* --allow-nonfinite loads them; the forward pass must then say where NaN appeared. */
static void test_nonfinite_forward_names_layer(void **state) {
    (void)state;
    ft_file f = golden;
    ft_tensor *t = ft_find(&f, "layers.2.blocks.0.mlp2.fc1.weight");
    uint8_t *copy = malloc(t->bytes);
    memcpy(copy, t->data, t->bytes);
    float nan = NAN;
    for (size_t i = 0; i < t->bytes / 4; i += 7) memcpy(copy + 4 * i, &nan, 4);
    t->data = copy;
    inputs in = good;
    in.weights = ft_write(&f, "w_nan_fc1.safetensors");
    const char *allow[] = {"--allow-nonfinite", NULL};
    FAILING_WITH("forward pass with NaN weights (--allow-nonfinite)", "{weights}", &in, allow, "stage2.block0", NULL);
    free(copy);
    DONE();
}

static void test_input_tensor_faults(void **state) {
    (void)state;
    const cmd_row *infer = row_named("infer");
    if (!infer) skip();
    inputs in = good;
    in.input = at("in_missing.safetensors");
    expect_failure("input: missing file", infer, &in, NULL, in.input, NULL);
    in.input = at("in_empty.safetensors");
    write_bytes(in.input, "", 0);
    expect_failure("input: empty file", infer, &in, NULL, in.input, NULL);
    size_t n;
    free(read_bytes(good.input, &n));
    in.input = at("in_truncated.safetensors");
    truncate_copy(good.input, in.input, n - 100);
    expect_failure("input: truncated", infer, &in, NULL, in.input, NULL);

    static const struct { const char *what, *name, *dtype; int ndim; int64_t shape[4]; float value; } cases[] = {
        {"no tensor named input", "x", "F32", 4, {1, 3, 64, 64}, 0},
        {"input of rank 3", "input", "F32", 3, {3, 64, 64}, 0},
        {"input with 4 channels", "input", "F32", 4, {1, 4, 64, 64}, 0},
        {"input as I64", "input", "I64", 4, {1, 3, 64, 32}, 0},
        {"input smaller than the network takes", "input", "F32", 4, {1, 3, 16, 16}, 0},
        {"input of zero height", "input", "F32", 4, {1, 3, 0, 64}, 0},
        {"input of batch 0", "input", "F32", 4, {0, 3, 64, 64}, 0},
        {"input holding NaN", "input", "F32", 4, {1, 3, 64, 64}, NAN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ft_file f = {.n = 1};
        ft_tensor *t = &f.t[0];
        snprintf(t->name, sizeof t->name, "%s", cases[i].name);
        snprintf(t->dtype, sizeof t->dtype, "%s", cases[i].dtype);
        t->ndim = cases[i].ndim;
        int64_t numel = 1;
        for (int d = 0; d < t->ndim; d++) numel *= (t->shape[d] = cases[i].shape[d]);
        t->bytes = (size_t)numel * (strcmp(cases[i].dtype, "I64") ? 4 : 8);
        float *x = calloc(1, t->bytes + 4);
        if (isnan(cases[i].value)) x[numel / 2] = cases[i].value;
        t->data = (const uint8_t *)x;
        char name[64];
        snprintf(name, sizeof name, "in_case_%zu.safetensors", i);
        in.input = ft_write(&f, name);
        expect_failure(cases[i].what, infer, &in, NULL, in.input, NULL);
        free(x);
    }
    DONE();
}

static void test_image_faults(void **state) {
    (void)state;
    inputs in = good;
    in.image = at("img_missing.png");
    FAILING("image: missing file", "{image}", &in, in.image, NULL);
    in.image = at("img_empty.png");
    write_bytes(in.image, "", 0);
    FAILING("image: empty file", "{image}", &in, in.image, NULL);
    in.image = at("img_folder.png");
    mkdir(in.image, 0755);
    FAILING("image: a folder", "{image}", &in, in.image, NULL);
    in.image = at("img_text.png");
    const char *text = "GIF89a? no: a text file\n";
    write_bytes(in.image, text, strlen(text));
    FAILING("image: not an image", "{image}", &in, in.image, NULL);
    in.image = at("img_weights.jpg");
    truncate_copy(GOLDEN_W, in.image, 4096);
    FAILING("image: a safetensors file", "{image}", &in, in.image, NULL);

    size_t n;
    free(read_bytes(good.image, &n));
    in.image = at("img_truncated.png");
    truncate_copy(good.image, in.image, n / 2);
    FAILING("image: truncated PNG", "{image}", &in, in.image, NULL);
    in.image = at("img_truncated_header.png");
    truncate_copy(good.image, in.image, 20);
    FAILING("image: PNG cut inside its header", "{image}", &in, in.image, NULL);
    uint8_t *png = read_bytes(good.image, &n);
    for (size_t i = n / 2; i < n / 2 + 16; i++) png[i] ^= 0x5a;
    in.image = at("img_corrupt.png");
    write_bytes(in.image, png, n);
    free(png);
    FAILING("image: corrupt PNG data", "{image}", &in, in.image, NULL);

    const char *jpg = at("img_good.jpg");
    make_jpeg(jpg, 64, 48);
    free(read_bytes(jpg, &n));
    in.image = at("img_truncated.jpg");
    truncate_copy(jpg, in.image, n / 2);
    FAILING("image: truncated JPEG", "{image}", &in, in.image, NULL);

    in.image = at("img_huge.png");
    make_png_header_only(in.image, 20000, 20000);
    FAILING("image: PNG declaring 20000x20000", "{image}", &in, in.image, "20000x20000");
    in.image = at("img_huge.jpg");
    make_jpeg_declaring(in.image, 20000, 20000);
    FAILING("image: JPEG declaring 20000x20000", "{image}", &in, in.image, "20000x20000");
    in.image = at("img_zero_width.png");
    make_png_header_only(in.image, 0, 10);
    FAILING("image: PNG declaring 0x10", "{image}", &in, in.image, NULL);
    DONE();
}

/* A 1x1 picture is resized up like any other: it must classify, not fail. */
static void test_one_pixel_image_works(void **state) {
    (void)state;
    inputs in = good;
    in.image = at("one_pixel.png");
    make_png(in.image, 1, 1);
    in.images = at("one_pixel_set");
    mkdir(in.images, 0755);
    mkdir(at("one_pixel_set/0"), 0755);
    make_png(at("one_pixel_set/0/dot.png"), 1, 1);
    make_jpeg(at("one_pixel_set/0/dot.jpg"), 1, 1);
    for (int i = 0; i < NROWS; i++)
        if (linked[i] && (uses(&rows[i], "{image}") || uses(&rows[i], "{images}")))
            expect_success("1x1 PNG", &rows[i], &in, NULL);
    in.image = at("one_pixel.jpg");
    make_jpeg(in.image, 1, 1);
    if (row_named("classify")) expect_success("1x1 JPEG", row_named("classify"), &in, NULL);
    DONE();
}

/* eval goes on past a picture it cannot read (one bad file in 50000 should not lose the
 * run) but names it and exits non-zero; a folder with nothing to evaluate is an error. */
static void test_image_folder_faults(void **state) {
    (void)state;
    const cmd_row *eval = row_named("eval");
    if (!eval) skip();
    inputs in = good;
    in.images = at("set_missing");
    expect_failure("images: missing folder", eval, &in, NULL, in.images, NULL);
    in.images = at("set_empty");
    mkdir(in.images, 0755);
    expect_failure("images: empty folder", eval, &in, NULL, in.images, NULL);

    in.images = at("set_bad");
    mkdir(in.images, 0755);
    mkdir(at("set_bad/0"), 0755);
    make_png(at("set_bad/0/fine.png"), 50, 40);
    truncate_copy(good.image, at("set_bad/0/cut.png"), 100);
    cmd_line c;
    run_result r;
    build(eval, &in, NULL, &c);
    run_stvit(c.argv, &r);
    if (r.timed_out || r.signal || has_sanitizer_report(&r) || r.status == 0 || !strstr(r.err, "cut.png"))
        violation("images: a truncated picture in the folder", &c, &r,
                  "expected a non-zero exit naming cut.png, without a crash");
    clean_out(&in);
    DONE();
}

/* The result files merge and plot read, and classify's class names. */
static void test_other_input_files(void **state) {
    (void)state;
    inputs in = good;
    in.csv = at("results_missing.csv");
    FAILING("results: missing file", "{csv}", &in, in.csv, NULL);
    in.csv = at("results_empty.csv");
    write_bytes(in.csv, "", 0);
    FAILING("results: empty file", "{csv}", &in, in.csv, NULL);
    in.csv = at("results_picture.csv");
    size_t n;
    uint8_t *png = read_bytes(good.image, &n);
    write_bytes(in.csv, png, n);
    free(png);
    FAILING("results: a PNG, not CSV", "{csv}", &in, in.csv, NULL);
    in.csv = at("results_other.csv");
    const char *other = "a,b\n1,2\n";
    write_bytes(in.csv, other, strlen(other));
    FAILING("results: a CSV of something else", "{csv}", &in, in.csv, NULL);

    const cmd_row *classify = row_named("classify");
    if (classify) {
        const char *labels[] = {"--labels", at("labels_missing.txt"), NULL};
        expect_failure("classify: missing labels file", classify, &good, labels, labels[1], NULL);
    }
    DONE();
}

/* A FIFO (named pipe) where a file is read: opening it blocks until a writer comes, so
 * each reader must refuse it without opening it blocking (variants/st_file.c). */
static void test_fifo_inputs(void **state) {
    (void)state;
    run_timeout_s = FIFO_TIMEOUT_S;
    inputs in = good;
    in.weights = at("w_fifo.safetensors");
    assert_int_equal(mkfifo(in.weights, 0600), 0);
    FAILING("weights: a FIFO", "{weights}", &in, in.weights, "FIFO");
    in = good;
    in.input = at("in_fifo.safetensors");
    assert_int_equal(mkfifo(in.input, 0600), 0);
    FAILING("infer --input: a FIFO", "{input}", &in, in.input, "FIFO");
    in = good;
    in.image = at("img_fifo.png");
    assert_int_equal(mkfifo(in.image, 0600), 0);
    FAILING("image: a FIFO", "{image}", &in, in.image, "FIFO");
    in = good;
    in.csv = at("results_fifo.csv");
    assert_int_equal(mkfifo(in.csv, 0600), 0);
    FAILING("results: a FIFO", "{csv}", &in, in.csv, "FIFO");
    const char *fifo = at("labels_fifo.txt");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* classify's class names and eval's ground truth */
    const char *labels[] = {"--labels", fifo, NULL}, *truth[] = {"--ground-truth", fifo, NULL};
    if (row_named("classify")) expect_failure("classify --labels: a FIFO", row_named("classify"), &good, labels, fifo, "FIFO");
    if (row_named("eval")) expect_failure("eval --ground-truth: a FIFO", row_named("eval"), &good, truth, fifo, "FIFO");
    run_timeout_s = RUN_TIMEOUT_S;
    DONE();
}

/* A config key given twice (unknown keys are cases of test_config_faults). */
static void test_config_key_twice(void **state) {
    (void)state;
    inputs in = good;
    /* n_iter twice: Python's json (which wrote it) takes the last, the first would be used */
    ft_file f = golden;
    char *base = config_with("n_iter", "[1, 1, 1, 1]");
    size_t n = strlen(base);
    char *twice = malloc(n + 32);
    snprintf(twice, n + 32, "%.*s, \"n_iter\": [2, 2, 1, 1]}", (int)(n - 1), base);
    f.config = twice;
    in.weights = ft_write(&f, "w_config_key_twice.safetensors");
    FAILING("config with n_iter twice", "{weights}", &in, in.weights, "appears twice");
    free(base);
    free(twice);
    DONE();
}

/* classify --labels: the wrong number of names, a folder; eval --ground-truth: a folder. */
static void test_labels_files(void **state) {
    (void)state;
    const cmd_row *classify = row_named("classify"), *eval = row_named("eval");
    char ten[256] = "", *end = ten;
    for (int i = 0; i < 11; i++) end += sprintf(end, "class %d\n", i);
    const char *three = at("labels_3.txt"), *eleven = at("labels_11.txt"), *folder = at("labels_folder");
    write_bytes(three, "cat\ndog\nbird\n", 13);
    write_bytes(eleven, ten, strlen(ten));
    mkdir(folder, 0755);
    if (classify) {
        const char *a3[] = {"--labels", three, NULL}, *a11[] = {"--labels", eleven, NULL},
                   *adir[] = {"--labels", folder, NULL};
        expect_failure("classify: 3 names for 10 classes", classify, &good, a3, three, "3 class names, but the model has 10");
        expect_failure("classify: 11 names for 10 classes", classify, &good, a11, eleven, "11 class names");
        expect_failure("classify: labels is a folder", classify, &good, adir, folder, "folder");
    }
    if (eval) {
        const char *adir[] = {"--ground-truth", folder, NULL};
        expect_failure("eval: ground truth is a folder", eval, &good, adir, folder, "folder");
    }
    DONE();
}

/* --n-iter / --stoken with more values than the 4 stages: refused, not cut. */
static void test_stage_list_options(void **state) {
    (void)state;
    const char *n_iter[] = {"--n-iter", "2,2,1,1,3", NULL}, *stoken[] = {"--stoken", "8,4,1,1,1", NULL};
    FAILING_WITH("--n-iter with 5 values", "{weights}", &good, n_iter, "--n-iter", "5 values");
    FAILING_WITH("--stoken with 5 values", "{weights}", &good, stoken, "--stoken", "5 values");
    DONE();
}

/* Sizes the network cannot take, given as options: the message names the option. */
static void test_resolution_faults(void **state) {
    (void)state;
    static const char *const cases[][8] = {
        {"flops", "--res", "16", NULL},
        {"flops", "--res", "0", NULL},
        {"flops", "--res", "-224", NULL},
        {"flops", "--size", "0x96", NULL},
        {"flops", "--size", "96x16", NULL},
        {"flops", "--res", "100000", NULL},
        {"classify", "--res", "16", "{image}", NULL},
        {"classify", "--res", "0", "{image}", NULL},
        {"viz", "--res", "8", "{image}", NULL},
        {"eval", "--res", "0", "--images", "{images}", NULL},
        {"bench", "--res", "16", NULL},
        {"ablate", "--res", "0", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (!cmd_linked(cases[i][0])) continue;
        cmd_row row = {.cmd = cases[i][0]};
        for (int a = 1; cases[i][a]; a++) row.args[a - 1] = cases[i][a];
        cmd_line c;
        run_result r;
        build(&row, &good, NULL, &c);
        run_stvit(c.argv, &r);
        /* an option error may be followed by the usage; its first line is the message */
        char first[1024];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(r.err, "\n"), r.err);
        if (r.timed_out || r.signal || has_sanitizer_report(&r) || r.status == 0 || !strstr(first, cases[i][1]) ||
            !strstr(first, cases[i][2]))
            violation("resolution the network cannot take", &c, &r,
                      "expected a non-zero exit whose first line names the option and value");
        clean_out(&good);
    }
    DONE();
}

static void test_output_folder_faults(void **state) {
    (void)state;
    /* a missing folder: making it is as right as refusing cleanly */
    inputs in = good;
    in.out = at("missing/deeper");
    for (int i = 0; i < NROWS; i++) {
        if (!linked[i] || !uses(&rows[i], "{out}")) continue;
        cmd_line c;
        run_result r;
        build(&rows[i], &in, NULL, &c);
        run_stvit(c.argv, &r);
        if (r.timed_out || r.signal || has_sanitizer_report(&r) || r.status != 0) {
            check_failed("output in a missing folder", &c, &r, "missing/deeper", NULL);
            expect_no_output("output in a missing folder", &c, &r, at("missing"));
        }
        remove_tree(at("missing"));
    }
    /* root writes into a chmod 555 folder, but nobody creates files in /proc */
    if (geteuid() == 0) {
        in.out = "/proc/stvit-faults";
    } else {
        in.out = at("read_only");
        mkdir(in.out, 0555);
    }
    FAILING("output in a read-only folder", "{out}", &in, in.out, NULL);

    const cmd_row *infer = row_named("infer");
    if (infer) { /* the output path is a folder */
        in = good;
        in.out = at("out_is_dir");
        mkdir(in.out, 0755);
        mkdir(at("out_is_dir/logits.safetensors"), 0755);
        expect_failure("output path is a folder", infer, &in, NULL, "logits.safetensors", NULL);
    }
    DONE();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_good_inputs_work, test_setup),
        cmocka_unit_test_setup(test_weights_unusable_files, test_setup),
        cmocka_unit_test_setup(test_unreadable_files, test_setup),
        cmocka_unit_test_setup(test_weights_truncated, test_setup),
        cmocka_unit_test_setup(test_weights_bad_header, test_setup),
        cmocka_unit_test_setup(test_weights_not_matching_config, test_setup),
        cmocka_unit_test_setup(test_config_faults, test_setup),
        cmocka_unit_test_setup(test_nonfinite_weights, test_setup),
        cmocka_unit_test_setup(test_nonfinite_forward_names_layer, test_setup),
        cmocka_unit_test_setup(test_input_tensor_faults, test_setup),
        cmocka_unit_test_setup(test_image_faults, test_setup),
        cmocka_unit_test_setup(test_one_pixel_image_works, test_setup),
        cmocka_unit_test_setup(test_image_folder_faults, test_setup),
        cmocka_unit_test_setup(test_other_input_files, test_setup),
        cmocka_unit_test_setup(test_fifo_inputs, test_setup),
        cmocka_unit_test_setup(test_config_key_twice, test_setup),
        cmocka_unit_test_setup(test_labels_files, test_setup),
        cmocka_unit_test_setup(test_stage_list_options, test_setup),
        cmocka_unit_test_setup(test_resolution_faults, test_setup),
        cmocka_unit_test_setup(test_output_folder_faults, test_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
