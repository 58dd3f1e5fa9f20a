/* safetensors.h — read and write the safetensors format (8-byte little-endian
 * header length, JSON header, raw little-endian data). Reading maps the file. */
#ifndef ST_SAFETENSORS_H
#define ST_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

typedef enum { SFT_F32 = 0, SFT_F16, SFT_BF16, SFT_OTHER } sft_dtype;

#define SFT_MAX_DIMS 8
typedef struct {
    char *name;
    sft_dtype dtype;
    char dtype_name[16];          /* as written in the file, e.g. "F32", "I64" */
    int ndim;
    int64_t shape[SFT_MAX_DIMS];
    int64_t numel;
    size_t begin, end;            /* byte offsets into the data section */
} sft_tensor;

typedef struct {
    char path[512];
    void *map; size_t map_size;   /* the whole file, mapped read-only */
    const uint8_t *data;          /* start of the data section */
    size_t data_size;
    int count;
    sft_tensor *tensors;          /* sorted by name */
    char *config_json;            /* __metadata__.config string, or NULL */
    char *metadata_json;          /* the whole __metadata__ object as JSON text, or NULL */
} sft_file;

/* Opens and validates: header size, JSON, dtypes, shapes vs byte sizes, offsets in
 * range, and tensors tiling the data section exactly (no overlap, no gap, no trailing
 * bytes: the reference reader refuses those too). Anything but a regular file is
 * refused without blocking (st_file.h). On error returns ST_ERR_* with a message
 * naming the file. */
int sft_open(sft_file *f, const char *path);
void sft_close(sft_file *f);
const sft_tensor *sft_find(const sft_file *f, const char *name);
/* Converts a F32/F16/BF16 tensor to float32 into dst (numel floats). */
int sft_read_f32(const sft_file *f, const sft_tensor *t, float *dst);

typedef struct {
    const char *name;
    int ndim;
    int64_t shape[SFT_MAX_DIMS];
    const float *data;            /* written as F32 */
} sft_entry;
/* Writes path atomically (temp file + rename). metadata: NULL or a JSON object text
 * of string values, e.g. {"config": "{...}"}. */
int sft_write(const char *path, const sft_entry *entries, int count, const char *metadata);
#endif
