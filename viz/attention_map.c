/* attention_map.c — anchor rows of STA's implied token-to-token attention, of global
 * attention and of window attention. */
#include <stdlib.h>
#include <string.h>

#include "variants/st_error.h"
#include "viz/attention_map.h"
#include "viz/token_grid.h"

static int check_head(const vz_attn_block *b, int head) {
    if (head < -1 || head >= b->heads)
        return st_fail(ST_ERR_ARG, "attention map: head %d of %d", head, b->heads);
    if (!b->attn)
        return st_fail(ST_ERR_ARG, "attention map: stage%d.block%d's attention was not recorded", b->stage,
                       b->block);
    return ST_OK;
}

int vz_sta_token_map(const vz_attn_block *b, int head, int p, float *row) {
    int rc = check_head(b, head);
    if (rc) return rc;
    if (b->kind != ST_ATTN_STA || !b->assoc || !b->z)
        return st_fail(ST_ERR_ARG, "attention map: stage%d.block%d has no super token association", b->stage,
                       b->block);
    size_t n = (size_t)b->h * b->w, m = (size_t)b->hh * b->ww;
    if (p < 0 || (size_t)p >= n) return st_fail(ST_ERR_ARG, "attention map: token %d of %zu", p, n);
    double *r = calloc(m, sizeof *r); /* [m] A[:, p] . Attn(S), head-averaged for head -1 */
    if (!r) return st_fail(ST_ERR_NOMEM, "attention map: out of memory");
    int h0 = head < 0 ? 0 : head, h1 = head < 0 ? b->heads : head + 1;
    int py = p / b->w, px = p % b->w;
    for (int h = h0; h < h1; h++)
        for (int k = 0; k < 9; k++) {
            int t = vz_stoken_neighbour(py / b->sh, px / b->sw, k, b->hh, b->ww);
            if (t < 0) continue;
            double a = b->assoc[k * n + p] / (double)(h1 - h0);
            const float *attn_row = b->attn + ((size_t)h * m + t) * m;
            for (size_t u = 0; u < m; u++) r[u] += a * attn_row[u];
        }
    for (size_t q = 0; q < n; q++) {
        int qy = (int)(q / b->w), qx = (int)(q % b->w);
        double acc = 0;
        for (int k = 0; k < 9; k++) {
            int u = vz_stoken_neighbour(qy / b->sh, qx / b->sw, k, b->hh, b->ww);
            if (u >= 0 && b->z[u] > 0) acc += b->assoc[k * n + q] * r[u] / b->z[u];
        }
        row[q] = (float)acc;
    }
    free(r);
    return ST_OK;
}

/* map[i] = the mean over heads h0..h1-1 of src[h * stride + i], i < count. */
static void head_mean(const float *src, size_t stride, int h0, int h1, size_t count, float *map) {
    for (size_t i = 0; i < count; i++) {
        double acc = 0;
        for (int h = h0; h < h1; h++) acc += src[h * stride + i];
        map[i] = (float)(acc / (h1 - h0));
    }
}

int vz_token_map(const vz_attn_block *b, int head, int ty, int tx, float *map) {
    int rc = check_head(b, head);
    if (rc) return rc;
    if (ty < 0 || ty >= b->h0 || tx < 0 || tx >= b->w0)
        return st_fail(ST_ERR_ARG, "attention map: token (%d, %d) outside the %dx%d grid", ty, tx, b->h0, b->w0);
    int h0 = head < 0 ? 0 : head, h1 = head < 0 ? b->heads : head + 1;
    switch (b->kind) {
    case ST_ATTN_STA: {
        float *row = malloc(sizeof(float) * b->h * b->w); /* [h][w] padded grid */
        if (!row) return st_fail(ST_ERR_NOMEM, "attention map: out of memory");
        rc = vz_sta_token_map(b, head, ty * b->w + tx, row);
        for (int y = 0; !rc && y < b->h0; y++)
            memcpy(map + (size_t)y * b->w0, row + (size_t)y * b->w, sizeof(float) * b->w0);
        free(row);
        return rc;
    }
    case ST_ATTN_GLOBAL: {
        size_t m = (size_t)b->h0 * b->w0; /* no padding: hh x ww = h0 x w0 */
        head_mean(b->attn + (size_t)(ty * b->w0 + tx) * m, m * m, h0, h1, m, map);
        return ST_OK;
    }
    case ST_ATTN_WINDOW: {
        int ws = b->window, nwx = b->w / ws, wy = ty / ws, wx = tx / ws;
        size_t T = (size_t)ws * ws, win = (size_t)wy * nwx + wx, i = (size_t)(ty % ws) * ws + tx % ws;
        float *local = malloc(sizeof(float) * T); /* [ws*ws] the window's row */
        if (!local) return st_fail(ST_ERR_NOMEM, "attention map: out of memory");
        head_mean(b->attn + (win * b->heads * T + i) * T, T * T, h0, h1, T, local);
        memset(map, 0, sizeof(float) * b->h0 * b->w0);
        for (size_t j = 0; j < T; j++) {
            int y = wy * ws + (int)(j / ws), x = wx * ws + (int)(j % ws);
            if (y < b->h0 && x < b->w0) map[(size_t)y * b->w0 + x] = local[j]; /* padding tokens are not drawn */
        }
        free(local);
        return ST_OK;
    }
    }
    return st_fail(ST_ERR_ARG, "attention map: unknown attention kind %d", (int)b->kind);
}
