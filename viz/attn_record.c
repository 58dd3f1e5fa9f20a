/* attn_record.c — the capture hook's buffers copied out for later drawing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "variants/st_error.h"
#include "viz/attn_record.h"

void vz_recorder_init(vz_recorder *r, const st_config *cfg, int image) {
    memset(r, 0, sizeof *r);
    for (int i = 0; i < ST_STAGES; i++) r->depths[i] = cfg->depths[i];
    r->image = image;
}

int vz_block_index(const int depths[ST_STAGES], int stage, int block) {
    if (stage < 0 || stage >= ST_STAGES || block < 0 || block >= depths[stage]) return -1;
    int index = block;
    for (int i = 0; i < stage; i++) index += depths[i];
    return index;
}

static int total_blocks(const int depths[ST_STAGES]) {
    int n = 0;
    for (int i = 0; i < ST_STAGES; i++) n += depths[i];
    return n;
}

int vz_parse_block(const int depths[ST_STAGES], const char *text, int *index) {
    int stage, block, used = 0, total = total_blocks(depths);
    if (sscanf(text, "stage%d.block%d%n", &stage, &block, &used) == 2 && text[used] == 0) {
        *index = vz_block_index(depths, stage, block);
        if (*index < 0) return st_fail(ST_ERR_ARG, "block '%s': the network has no such block", text);
        return ST_OK;
    }
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || text[0] == '-' || text[0] == '+')
        return st_fail(ST_ERR_ARG, "block '%s' is neither an index nor stageK.blockJ", text);
    if (v >= total) return st_fail(ST_ERR_ARG, "block %ld: the network has %d blocks (0..%d)", v, total, total - 1);
    *index = (int)v;
    return ST_OK;
}

int vz_recorder_keep(vz_recorder *r, int index) {
    if (index < 0 || index >= total_blocks(r->depths))
        return st_fail(ST_ERR_ARG, "block %d: the network has %d blocks", index, total_blocks(r->depths));
    for (int i = 0; i < r->nkeep; i++)
        if (r->keep[i] == index) return ST_OK;
    if (r->nkeep == r->keep_cap) {
        int cap = r->keep_cap ? 2 * r->keep_cap : 8;
        int *k = realloc(r->keep, sizeof *k * cap);
        if (!k) return st_fail(ST_ERR_NOMEM, "recorder: out of memory");
        r->keep = k;
        r->keep_cap = cap;
    }
    r->keep[r->nkeep++] = index;
    return ST_OK;
}

void vz_recorder_clear(vz_recorder *r) {
    for (int i = 0; i < r->n; i++) {
        free(r->blocks[i].assoc);
        free(r->blocks[i].z);
        free(r->blocks[i].attn);
    }
    r->n = 0;
    r->rc = ST_OK;
}

void vz_recorder_free(vz_recorder *r) {
    vz_recorder_clear(r);
    free(r->blocks);
    free(r->keep);
    memset(r, 0, sizeof *r);
}

const vz_attn_block *vz_recorder_find(const vz_recorder *r, int index) {
    for (int i = 0; i < r->n; i++)
        if (r->blocks[i].index == index) return &r->blocks[i];
    return NULL;
}

/* A malloc'ed copy of count floats (src NULL: uninitialised), or NULL (and r->rc set)
 * when out of memory. */
static float *copy_floats(vz_recorder *r, const float *src, size_t count) {
    float *dst = malloc(sizeof(float) * count);
    if (!dst) {
        r->rc = st_fail(ST_ERR_NOMEM, "recorder: out of memory copying %zu floats", count);
        return NULL;
    }
    if (src) memcpy(dst, src, sizeof(float) * count);
    return dst;
}

void vz_record_attention(void *ud, const st_attn_capture *cap) {
    vz_recorder *r = ud;
    if (r->rc) return;
    int index = vz_block_index(r->depths, cap->stage, cap->block), kept = 0;
    for (int i = 0; i < r->nkeep; i++) kept |= r->keep[i] == index;
    int sta = cap->kind == ST_ATTN_STA;
    if (index < 0 || !(kept || (r->keep_assoc && sta))) return;
    if (r->image >= cap->batch) {
        r->rc = st_fail(ST_ERR_ARG, "recorder: image %d of a batch of %d", r->image, cap->batch);
        return;
    }
    if (r->n == r->cap) {
        int ncap = r->cap ? 2 * r->cap : 16;
        vz_attn_block *b = realloc(r->blocks, sizeof *b * ncap);
        if (!b) { r->rc = st_fail(ST_ERR_NOMEM, "recorder: out of memory"); return; }
        r->blocks = b;
        r->cap = ncap;
    }
    vz_attn_block *b = &r->blocks[r->n++];
    *b = (vz_attn_block){.stage = cap->stage, .block = cap->block, .index = index, .kind = cap->kind,
                         .heads = cap->heads, .h0 = cap->h0, .w0 = cap->w0, .h = cap->h, .w = cap->w,
                         .sh = cap->sh, .sw = cap->sw, .hh = cap->hh, .ww = cap->ww, .window = cap->window};
    size_t img = (size_t)r->image, n = (size_t)cap->h * cap->w, m = (size_t)cap->hh * cap->ww;
    if (sta && cap->assoc && cap->z) {
        b->assoc = copy_floats(r, cap->assoc + img * 9 * n, 9 * n);
        b->z = copy_floats(r, cap->z + img * m, m);
    }
    if (kept && cap->attn && (cap->shift_h || cap->shift_w)) {
        r->rc = st_fail(ST_ERR_ARG, "recorder: stage%d.block%d has shifted windows, which are not drawn", cap->stage,
                        cap->block);
        return;
    }
    if (kept && cap->attn && cap->cls) {
        /* DeiT: token 0 is the class token; the map is token to token over the patch grid
         * (the class token's row and column left out), as a GLOBAL block of h0 x w0 */
        size_t mc = m, np = (size_t)cap->h0 * cap->w0, per_image = (size_t)cap->heads * mc * mc;
        b->kind = ST_ATTN_GLOBAL;
        b->h = b->hh = cap->h0;
        b->w = b->ww = cap->w0;
        b->attn = copy_floats(r, NULL, (size_t)cap->heads * np * np);
        if (!b->attn) return;
        const float *src = cap->attn + img * per_image;
        for (int hd = 0; hd < cap->heads; hd++)
            for (size_t i = 0; i < np; i++)
                memcpy(b->attn + ((size_t)hd * np + i) * np, src + ((size_t)hd * mc + 1 + i) * mc + 1,
                       sizeof(float) * np);
        return;
    }
    if (kept && cap->attn) {
        /* GLOBAL and STA: one m x m softmax per head; WINDOW: one per window and head */
        size_t groups = cap->kind == ST_ATTN_WINDOW ? (size_t)(cap->h / cap->window) * (cap->w / cap->window) : 1;
        size_t per_image = groups * cap->heads * m * m;
        b->attn = copy_floats(r, cap->attn + img * per_image, per_image);
    }
}
