/* attention_map.h — one anchor token's attention over every token of a block (Figure 2
 * of the paper), from the attention the network recorded (viz/attn_record.h).
 *
 * For super token attention the token-to-token attention is never formed by the
 * network; it is W = Q . Attn(S) . (Q diag(1/Z))^T (spec, "Super token attention"),
 * with Q the N x m association matrix (Q[p][t] = A[k][p] where t is neighbour k of
 * p's cell), Z its column sums and Attn(S) the m x m attention among super tokens.
 * One row costs O(9 m + 9 N), never N x N: with r[u] = sum_k A[k][p] Attn(S)[t_k(p)][u]
 * (m values, once per row), W[p][q] = sum_k' A[k'][q] r[t_k'(q)] / Z[t_k'(q)]. */
#ifndef VZ_ATTENTION_MAP_H
#define VZ_ATTENTION_MAP_H
#include "viz/attn_record.h"

/* Row p of W for an STA block over its padded h x w grid (p = y*w + x):
 *   row[q] = sum_k A[k][p] sum_u Attn(S)[t_k(p)][u] Q[q][u] / Z[u],
 * t_k(p) the k-th super token around p's cell (out-of-grid ones contribute nothing).
 * head: 0..heads-1, or -1 for the mean over heads. row: [h*w].
 * ST_ERR_ARG if b is not an STA block with assoc, z and attn recorded, or p or head
 * is out of range; ST_ERR_NOMEM. */
int vz_sta_token_map(const vz_attn_block *b, int head, int p, float *row);

/* The attention of token (ty, tx) of the block's h0 x w0 grid over every token,
 * map: [h0][w0]. STA: the row of W (cropped from the padded grid); GLOBAL: the
 * softmax row; WINDOW: the softmax row of the token's window, zero outside it.
 * head as above. ST_ERR_ARG if the block's attention was not recorded. */
int vz_token_map(const vz_attn_block *b, int head, int ty, int tx, float *map);
#endif
