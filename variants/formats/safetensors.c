/* safetensors.c — validating reader (mmap) and atomic F32 writer of the safetensors
 * format: u64 little-endian header length N, N bytes of JSON, then the data section.
 * The reader trusts nothing in the file: every offset and size is checked before use. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "variants/formats/json.h"
#include "variants/formats/safetensors.h"
#include "variants/st_error.h"
#include "variants/st_file.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c reads and writes tensor data in host order, which must be little-endian"
#endif

#define SFT_MAX_HEADER (100u << 20) /* the reference implementation's limit, 100 MB */

static const struct { const char *name; sft_dtype dtype; size_t size; } sft_dtypes[] = {
    {"F32", SFT_F32, 4},   {"F16", SFT_F16, 2},   {"BF16", SFT_BF16, 2},
    {"F64", SFT_OTHER, 8}, {"I64", SFT_OTHER, 8}, {"I32", SFT_OTHER, 4},
    {"I16", SFT_OTHER, 2}, {"I8", SFT_OTHER, 1},  {"U64", SFT_OTHER, 8},
    {"U32", SFT_OTHER, 4}, {"U16", SFT_OTHER, 2}, {"U8", SFT_OTHER, 1},
    {"BOOL", SFT_OTHER, 1}, {"F8_E4M3", SFT_OTHER, 1}, {"F8_E5M2", SFT_OTHER, 1},
};

/* Bytes per element of a dtype name, 0 if unknown. */
static size_t dtype_size(const char *name) {
    for (size_t i = 0; i < sizeof sft_dtypes / sizeof sft_dtypes[0]; i++)
        if (strcmp(sft_dtypes[i].name, name) == 0) return sft_dtypes[i].size;
    return 0;
}

static void format_shape(char *buf, size_t cap, int ndim, const int64_t *shape) {
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (n < cap) snprintf(buf + n, cap - n, "]");
}

/* numel and byte size of a shape; -1 when the product does not fit in 64 bits.
 * A zero dimension makes the tensor empty whatever the others are. */
static int shape_size(int ndim, const int64_t *shape, size_t elem, int64_t *numel, size_t *bytes) {
    int64_t n = 1;
    *numel = 0;
    *bytes = 0;
    for (int i = 0; i < ndim; i++)
        if (shape[i] == 0) n = 0;
    for (int i = 0; i < ndim && n; i++)
        if (__builtin_mul_overflow(n, shape[i], &n)) return -1;
    if (__builtin_mul_overflow((size_t)n, elem, bytes)) return -1;
    *numel = n;
    return 0;
}

/* st_fail formats into the buffer that st_last_error returns, so a message that wraps
 * the previous one must copy it first. */
static int fail_wrapping(int code, const char *path, const char *what) {
    char inner[768];
    snprintf(inner, sizeof inner, "%s", st_last_error());
    return st_fail(code, "%s: %s: %s", path, what, inner);
}

static int read_tensor(const char *path, const char *name, const js_value *v, size_t data_size, sft_tensor *t) {
    if (v->type != JS_OBJECT) return st_fail(ST_ERR_FORMAT, "%s: tensor '%s': entry is not a JSON object", path, name);

    const js_value *dt = js_get(v, "dtype");
    if (!dt || dt->type != JS_STRING)
        return st_fail(ST_ERR_FORMAT, "%s: tensor '%s': missing or non-string \"dtype\"", path, name);
    size_t elem = dtype_size(dt->string);
    if (!elem) return st_fail(ST_ERR_FORMAT, "%s: tensor '%s': unknown dtype '%.32s'", path, name, dt->string);
    snprintf(t->dtype_name, sizeof t->dtype_name, "%s", dt->string);
    t->dtype = SFT_OTHER;
    for (size_t i = 0; i < sizeof sft_dtypes / sizeof sft_dtypes[0]; i++)
        if (strcmp(sft_dtypes[i].name, dt->string) == 0) t->dtype = sft_dtypes[i].dtype;

    const js_value *sh = js_get(v, "shape");
    if (!sh || sh->type != JS_ARRAY)
        return st_fail(ST_ERR_FORMAT, "%s: tensor '%s': missing or non-array \"shape\"", path, name);
    if (sh->count > SFT_MAX_DIMS)
        return st_fail(ST_ERR_RANGE, "%s: tensor '%s': shape has %d dimensions, more than %d", path, name,
                       sh->count, SFT_MAX_DIMS);
    t->ndim = sh->count;
    for (int i = 0; i < sh->count; i++)
        if (!js_to_int64(&sh->items[i], &t->shape[i]) || t->shape[i] < 0)
            return st_fail(ST_ERR_FORMAT, "%s: tensor '%s': shape entry %d is not an integer in [0, 2^53]", path,
                           name, i);
    char shape_txt[200];
    format_shape(shape_txt, sizeof shape_txt, t->ndim, t->shape);
    size_t bytes;
    if (shape_size(t->ndim, t->shape, elem, &t->numel, &bytes))
        return st_fail(ST_ERR_RANGE, "%s: tensor '%s': shape %s has too many elements (overflows 64 bits)", path,
                       name, shape_txt);

    const js_value *off = js_get(v, "data_offsets");
    int64_t b, e;
    if (!off || off->type != JS_ARRAY || off->count != 2 || !js_to_int64(&off->items[0], &b) ||
        !js_to_int64(&off->items[1], &e) || b < 0 || e < 0)
        return st_fail(ST_ERR_FORMAT, "%s: tensor '%s': \"data_offsets\" is not [begin, end] of non-negative integers",
                       path, name);
    if (b > e)
        return st_fail(ST_ERR_FORMAT, "%s: tensor '%s': data_offsets [%lld, %lld] end before they begin", path, name,
                       (long long)b, (long long)e);
    if ((uint64_t)e > data_size)
        return st_fail(ST_ERR_FORMAT, "%s: tensor '%s': data_offsets [%lld, %lld] outside the data section (%zu bytes)",
                       path, name, (long long)b, (long long)e, data_size);
    t->begin = (size_t)b;
    t->end = (size_t)e;
    if (t->end - t->begin != bytes)
        return st_fail(ST_ERR_SHAPE, "%s: tensor '%s': shape %s of %s needs %zu bytes but data_offsets [%zu, %zu] hold %zu",
                       path, name, shape_txt, t->dtype_name, bytes, t->begin, t->end, t->end - t->begin);
    return 0;
}

static int read_metadata(sft_file *f, const char *path, const js_value *m) {
    if (f->metadata_json) return st_fail(ST_ERR_FORMAT, "%s: \"__metadata__\" appears twice in the header", path);
    if (m->type != JS_OBJECT) return st_fail(ST_ERR_FORMAT, "%s: \"__metadata__\" is not a JSON object", path);
    const js_value *config = js_get(m, "config");
    if (config && config->type != JS_STRING)
        return st_fail(ST_ERR_FORMAT, "%s: \"__metadata__.config\" is not a string (it holds JSON text)", path);
    if (config && !(f->config_json = strdup(config->string)))
        return st_fail(ST_ERR_NOMEM, "%s: out of memory for the config", path);
    if (!(f->metadata_json = js_dump(m))) return st_fail(ST_ERR_NOMEM, "%s: out of memory for the metadata", path);
    return 0;
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const sft_tensor *)a)->name, ((const sft_tensor *)b)->name);
}

static int by_begin(const void *a, const void *b) {
    const sft_tensor *x = *(const sft_tensor *const *)a, *y = *(const sft_tensor *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Tensors may come in any order, but taken by their offsets they must tile the data
 * section exactly: no byte in two tensors, no gap, nothing after the last one. This is
 * the reference reader's rule (Python's safetensors: sorted by offsets, each must start
 * where the previous ended, and the last must end at the end of the file), so a file it
 * refuses is refused here too, and an empty tensor must sit where the previous ended. */
static int check_layout(const sft_file *f, const char *path) {
    const sft_tensor **order = malloc(((size_t)f->count + 1) * sizeof *order);
    if (!order) return st_fail(ST_ERR_NOMEM, "%s: out of memory", path);
    for (int i = 0; i < f->count; i++) order[i] = &f->tensors[i];
    qsort(order, (size_t)f->count, sizeof *order, by_begin);
    int rc = 0;
    for (int i = 1; i < f->count && !rc; i++) /* overlaps first: the more telling message */
        if (order[i]->begin < order[i - 1]->end)
            rc = st_fail(ST_ERR_FORMAT, "%s: tensors '%s' [%zu, %zu] and '%s' [%zu, %zu] overlap in the data section",
                         path, order[i - 1]->name, order[i - 1]->begin, order[i - 1]->end, order[i]->name,
                         order[i]->begin, order[i]->end);
    size_t end = 0;
    for (int i = 0; i < f->count && !rc; i++) {
        const sft_tensor *t = order[i];
        if (t->begin > end)
            rc = st_fail(ST_ERR_FORMAT, "%s: a gap in the data section: bytes [%zu, %zu) before tensor '%s' belong "
                         "to no tensor", path, end, t->begin, t->name);
        end = t->end;
    }
    if (!rc && end != f->data_size)
        rc = st_fail(ST_ERR_FORMAT, "%s: %zu trailing bytes after the last tensor (the data section is %zu bytes, "
                     "its tensors cover %zu)", path, f->data_size - end, f->data_size, end);
    free(order);
    return rc;
}

static int parse_header(sft_file *f, const char *path, const char *text, size_t len) {
    js_value root;
    if (js_parse(text, len, &root)) return fail_wrapping(ST_ERR_FORMAT, path, "header is not valid JSON");
    int rc = 0;
    if (root.type != JS_OBJECT) {
        rc = st_fail(ST_ERR_FORMAT, "%s: header is not a JSON object", path);
        goto out;
    }
    if (!(f->tensors = calloc((size_t)root.count + 1, sizeof *f->tensors))) {
        rc = st_fail(ST_ERR_NOMEM, "%s: out of memory for %d tensor entries", path, root.count);
        goto out;
    }
    for (int i = 0; i < root.count && !rc; i++) {
        const char *key = root.keys[i];
        if (strcmp(key, "__metadata__") == 0) {
            rc = read_metadata(f, path, &root.items[i]);
            continue;
        }
        sft_tensor *t = &f->tensors[f->count];
        if (!(t->name = strdup(key))) {
            rc = st_fail(ST_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        f->count++; /* counted now so that sft_close frees the name on failure */
        rc = read_tensor(path, key, &root.items[i], f->data_size, t);
    }
    if (rc) goto out;
    qsort(f->tensors, (size_t)f->count, sizeof *f->tensors, by_name); /* unique: js_parse refuses a key twice */
    if (!rc) rc = check_layout(f, path);
out:
    js_free(&root);
    return rc;
}

int sft_open(sft_file *f, const char *path) {
    if (!f) return st_fail(ST_ERR_ARG, "sft_open: no sft_file");
    memset(f, 0, sizeof *f);
    if (!path) return st_fail(ST_ERR_ARG, "sft_open: no path");
    snprintf(f->path, sizeof f->path, "%s", path);

    int fd;
    off_t file_size;
    int rc = st_open_read(path, &fd, &file_size);
    if (rc) return rc;
    if (file_size < 8) {
        close(fd);
        return st_fail(ST_ERR_FORMAT, "%s: file is %lld bytes, too short for the 8-byte header length", path,
                       (long long)file_size);
    }
    size_t size = (size_t)file_size;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int map_err = errno;
    close(fd); /* the mapping stays valid */
    if (map == MAP_FAILED) return st_fail(ST_ERR_IO, "%s: cannot map %zu bytes: %s", path, size, strerror(map_err));
    f->map = map;
    f->map_size = size;

    const uint8_t *bytes = map;
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; i--) header_len = header_len << 8 | bytes[i];
    if (header_len > SFT_MAX_HEADER)
        rc = st_fail(ST_ERR_RANGE, "%s: header length %llu is larger than the 100 MB limit", path,
                     (unsigned long long)header_len);
    else if (header_len > size - 8)
        rc = st_fail(ST_ERR_FORMAT, "%s: header length %llu is larger than the rest of the file (%zu bytes): truncated?",
                     path, (unsigned long long)header_len, size - 8);
    if (!rc) {
        f->data = bytes + 8 + header_len;
        f->data_size = size - 8 - (size_t)header_len;
        rc = parse_header(f, path, (const char *)bytes + 8, (size_t)header_len);
    }
    if (rc) sft_close(f);
    return rc;
}

void sft_close(sft_file *f) {
    if (!f) return;
    if (f->map) munmap(f->map, f->map_size);
    for (int i = 0; i < f->count; i++) free(f->tensors[i].name);
    free(f->tensors);
    free(f->config_json);
    free(f->metadata_json);
    memset(f, 0, sizeof *f);
}

static int name_vs_tensor(const void *key, const void *t) {
    return strcmp((const char *)key, ((const sft_tensor *)t)->name);
}

const sft_tensor *sft_find(const sft_file *f, const char *name) {
    if (!f || !name || !f->count) return NULL;
    return bsearch(name, f->tensors, (size_t)f->count, sizeof *f->tensors, name_vs_tensor);
}

/* IEEE half -> float, exact for every input (subnormals, infinities, NaN payloads). */
static float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1Fu, mant = h & 0x3FFu, bits;
    if (exp == 0) {
        float v = (float)mant * 0x1p-24f; /* subnormal or zero: mant * 2^-24 */
        return sign ? -v : v;
    }
    if (exp == 31) bits = sign | 0x7F800000u | mant << 13;
    else bits = sign | (exp + 112) << 23 | mant << 13; /* rebias 15 -> 127 */
    float v;
    memcpy(&v, &bits, 4);
    return v;
}

static float bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float v;
    memcpy(&v, &bits, 4);
    return v;
}

int sft_read_f32(const sft_file *f, const sft_tensor *t, float *dst) {
    if (!f || !t || !dst) return st_fail(ST_ERR_ARG, "sft_read_f32: missing argument");
    size_t elem = dtype_size(t->dtype_name);
    if (t->end > f->data_size || t->begin > t->end || !elem || t->numel < 0 ||
        t->end - t->begin != (size_t)t->numel * elem)
        return st_fail(ST_ERR_ARG, "%s: tensor '%s' does not belong to this file", f->path, t->name);
    const uint8_t *src = f->data + t->begin; /* not necessarily aligned: read with memcpy */
    size_t n = (size_t)t->numel;
    switch (t->dtype) {
    case SFT_F32:
        memcpy(dst, src, n * 4);
        return 0;
    case SFT_F16:
    case SFT_BF16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            dst[i] = t->dtype == SFT_F16 ? f16_to_f32(h) : bf16_to_f32(h);
        }
        return 0;
    default:
        return st_fail(ST_ERR_FORMAT, "%s: tensor '%s': dtype %s cannot be read as float32 (only F32, F16, BF16)",
                       f->path, t->name, t->dtype_name);
    }
}

/* ---- writer ---- */

static int write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int by_name_ptr(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Bytes of an entry's data (F32); call only after check_entries accepted it. */
static size_t entry_bytes(const sft_entry *e) {
    int64_t numel;
    size_t bytes;
    shape_size(e->ndim, e->shape, 4, &numel, &bytes);
    return bytes;
}

/* Everything that can be wrong with the arguments, checked before any file is made. */
static int check_entries(const char *path, const sft_entry *entries, int count, const js_value *meta) {
    if (count < 0 || (count > 0 && !entries)) return st_fail(ST_ERR_ARG, "%s: no tensors given to write", path);
    if (meta && meta->type != JS_OBJECT) return st_fail(ST_ERR_ARG, "%s: metadata is not a JSON object", path);
    for (int i = 0; meta && i < meta->count; i++)
        if (meta->items[i].type != JS_STRING)
            return st_fail(ST_ERR_ARG, "%s: metadata value '%s' is not a string", path, meta->keys[i]);
    for (int i = 0; i < count; i++) {
        const sft_entry *e = &entries[i];
        if (!e->name || !e->name[0] || strcmp(e->name, "__metadata__") == 0)
            return st_fail(ST_ERR_ARG, "%s: tensor %d has no usable name", path, i);
        if (e->ndim < 0 || e->ndim > SFT_MAX_DIMS)
            return st_fail(ST_ERR_ARG, "%s: tensor '%s': %d dimensions (0..%d allowed)", path, e->name, e->ndim,
                           SFT_MAX_DIMS);
        for (int d = 0; d < e->ndim; d++)
            if (e->shape[d] < 0) return st_fail(ST_ERR_ARG, "%s: tensor '%s': negative dimension", path, e->name);
        int64_t numel;
        size_t bytes;
        if (shape_size(e->ndim, e->shape, 4, &numel, &bytes))
            return st_fail(ST_ERR_RANGE, "%s: tensor '%s': shape too large", path, e->name);
        if (numel && !e->data) return st_fail(ST_ERR_ARG, "%s: tensor '%s': no data", path, e->name);
    }
    if (count < 2) return 0;
    const char **names = malloc((size_t)count * sizeof *names);
    if (!names) return st_fail(ST_ERR_NOMEM, "%s: out of memory", path);
    for (int i = 0; i < count; i++) names[i] = entries[i].name;
    qsort(names, (size_t)count, sizeof *names, by_name_ptr);
    int rc = 0;
    for (int i = 1; i < count && !rc; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            rc = st_fail(ST_ERR_ARG, "%s: tensor '%s' given twice", path, names[i]);
    free(names);
    return rc;
}

#define js_text_lit(b, s) js_text_append((b), (s), sizeof(s) - 1)

/* The JSON header, padded with spaces so the data section starts 8-byte aligned. */
static int build_header(const char *path, const sft_entry *entries, int count, const js_value *meta, js_text *h) {
    js_text_lit(h, "{");
    if (meta) {
        js_text_lit(h, "\"__metadata__\":");
        js_text_value(h, meta);
    }
    size_t offset = 0;
    for (int i = 0; i < count; i++) {
        const sft_entry *e = &entries[i];
        size_t bytes = entry_bytes(e);
        if (i || meta) js_text_lit(h, ",");
        js_text_string(h, e->name);
        js_text_lit(h, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < e->ndim; d++) js_text_printf(h, "%s%lld", d ? "," : "", (long long)e->shape[d]);
        size_t end;
        if (__builtin_add_overflow(offset, bytes, &end))
            return st_fail(ST_ERR_RANGE, "%s: total data size overflows", path);
        js_text_printf(h, "],\"data_offsets\":[%zu,%zu]}", offset, end);
        offset = end;
    }
    js_text_lit(h, "}");
    while (!h->failed && (8 + h->len) % 8) js_text_lit(h, " ");
    if (h->failed) return st_fail(ST_ERR_NOMEM, "%s: out of memory for the header", path);
    return 0;
}

int sft_write(const char *path, const sft_entry *entries, int count, const char *metadata) {
    if (!path || !path[0]) return st_fail(ST_ERR_ARG, "sft_write: no path");
    js_value meta = {0};
    if (metadata && js_parse(metadata, strlen(metadata), &meta))
        return fail_wrapping(ST_ERR_ARG, path, "metadata is not JSON");
    js_text header = {0};
    int rc = check_entries(path, entries, count, metadata ? &meta : NULL);
    if (!rc) rc = build_header(path, entries, count, metadata ? &meta : NULL, &header);
    js_free(&meta);
    if (rc) {
        js_text_free(&header);
        return rc;
    }

    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16), *dir = strdup(path);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        js_text_free(&header);
        return st_fail(ST_ERR_NOMEM, "%s: out of memory", path);
    }
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    const char *folder = dirname(dir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = st_fail(ST_ERR_IO, "%s: cannot create a file in folder '%s': %s", path, folder, strerror(errno));
        goto done;
    }
    uint8_t len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (uint8_t)((uint64_t)header.len >> (8 * i));
    int ok = write_all(fd, len8, 8) == 0 && write_all(fd, header.text, header.len) == 0;
    for (int i = 0; ok && i < count; i++) {
        size_t bytes = entry_bytes(&entries[i]);
        ok = bytes == 0 || write_all(fd, entries[i].data, bytes) == 0;
    }
    if (ok) ok = fchmod(fd, 0644) == 0 && fsync(fd) == 0;
    int err = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        rc = st_fail(ST_ERR_IO, "%s: cannot replace it with the written file: %s", path, strerror(errno));
        unlink(tmp);
    } else if (!ok) {
        rc = st_fail(ST_ERR_IO, "%s: write failed: %s", path, strerror(err));
        unlink(tmp);
    } else {
        int dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* make the rename durable */
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
done:
    free(tmp);
    free(dir);
    js_text_free(&header);
    return rc;
}
