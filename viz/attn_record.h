/* attn_record.h — copies of what the network's attention capture hook
 * (st_hooks.attention, planned with ST_CAPTURE_ATTN) shows, for one image, kept
 * after the forward pass for the super token and attention map pictures.
 *
 *   vz_recorder rec;
 *   vz_recorder_init(&rec, st_model_config(m), 0);   // image 0 of the batch
 *   rec.keep_assoc = 1;                               // every STA block's association
 *   vz_recorder_keep(&rec, 2);                        // full attention of block 2
 *   st_model_set_hooks(m, &(st_hooks){.attention = vz_record_attention, .ud = &rec});
 *   st_model_forward(...); if (rec.rc) ...;           // then vz_recorder_find(&rec, 2)
 *
 * The hook allocates the copies: capture is a picture-drawing run, not a timed one. */
#ifndef VZ_ATTN_RECORD_H
#define VZ_ATTN_RECORD_H
#include "variants/model.h"

/* One block's attention of one image. Grid sizes as in st_attn_capture. */
typedef struct {
    int stage, block, index;   /* index: the block's position counting through the network */
    st_attn_kind kind;
    int heads;
    int h0, w0;                /* the block's token grid */
    int h, w;                  /* padded (STA: to the cells; WINDOW: to the windows) */
    int sh, sw, hh, ww;        /* STA cells and super token grid (GLOBAL: 1, 1, h0, w0) */
    int window;                /* WINDOW: window side */
    float *assoc;              /* STA: [9][h*w] association A (k-major), else NULL */
    float *z;                  /* STA: [hh*ww] association sums Z, else NULL */
    float *attn;               /* softmax (query, key), NULL unless the block was kept:
                                  STA/GLOBAL [heads][m][m], m = hh*ww;
                                  WINDOW [nwin][heads][ws*ws][ws*ws], windows row-major */
} vz_attn_block;

typedef struct {
    int depths[ST_STAGES];     /* of the network, to number its blocks */
    int image;                 /* which image of the batch is copied */
    int keep_assoc;            /* copy assoc and z of every STA block */
    int nkeep, keep_cap;
    int *keep;                 /* block indices whose attention is copied in full */
    int n, cap;
    vz_attn_block *blocks;     /* the recorded blocks, in network order */
    int rc;                    /* ST_OK, or the first error (st_last_error says which) */
} vz_recorder;

void vz_recorder_init(vz_recorder *r, const st_config *cfg, int image);
/* Asks for block `index`'s full attention (and association). ST_ERR_ARG if the
 * network has no such block. */
int vz_recorder_keep(vz_recorder *r, int index);
/* Drops the recorded copies (before the next image), keeps what to record. */
void vz_recorder_clear(vz_recorder *r);
void vz_recorder_free(vz_recorder *r);
/* The st_hooks.attention callback; ud is the vz_recorder. */
void vz_record_attention(void *ud, const st_attn_capture *cap);
/* The recorded block with this index, or NULL. */
const vz_attn_block *vz_recorder_find(const vz_recorder *r, int index);

/* Index of stage `stage` block `block` counting through the network (stage 0's
 * blocks first), or -1 if there is no such block. */
int vz_block_index(const int depths[ST_STAGES], int stage, int block);
/* Parses a block name: a global index ("2") or "stageK.blockJ" ("stage1.block0").
 * ST_ERR_ARG naming the text if it is neither or the network has no such block. */
int vz_parse_block(const int depths[ST_STAGES], const char *text, int *index);
#endif
