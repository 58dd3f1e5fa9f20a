/* bf16_gemm.c — the driver around a bf16 micro-kernel (bf16.h). K is never split: a
 * whole-K B panel of 32 columns (kpad * 64 bytes, in L2) is packed once and every row
 * strip of the weights runs over it with its sums in registers or tiles, so the
 * epilogue (activation, residual) sees finished sums. Loops: images -> 32-column
 * panels -> row strips. */
#include "kernels/amx/bf16.h"

static inline int imin(int a, int b) { return a < b ? a : b; }

void kn_bf16_gemm_run(const kn_bf16_problem *p, const kn_bf16_kernel *k, int b0, int b1,
                      int m0, int m1, int n0, int n1, kn_bf16 *panel) {
    if (b0 >= b1 || m0 >= m1 || n0 >= n1) return;
    const kn_bf16_weights *w = p->a;
    const int MR = k->mr, strips = (m1 - m0 + MR - 1) / MR;
    if (k->begin) k->begin();
    for (int b = b0; b < b1; b++) {
        float *C = p->c + (size_t)b * p->c_stride;
        for (int j = n0; j < n1; j += KN_BF16_NR) {
            int nc = imin(KN_BF16_NR, n1 - j);
            kn_bf16_pack_panel__avx512(p, b, j, nc, panel);
            for (int s = 0, r = m0; s < strips; s++) {
                /* aligned: full strips; else nearly equal heights (32 rows as 11+11+10) */
                int rows = k->aligned ? imin(MR, m1 - r) : (m1 - r + strips - s - 1) / (strips - s);
                kn_gemm_epi e = {.alpha = p->alpha, .beta = p->beta, .act = p->act,
                                 .bias = p->bias ? p->bias + r : NULL,
                                 .gamma = p->gamma ? p->gamma + r : NULL};
                k->gemm(rows, nc, w->kpad, w->w + (size_t)r * w->kpad, (size_t)w->kpad, panel,
                        C + (size_t)r * p->ldc + j, p->ldc, &e);
                r += rows;
            }
        }
    }
    if (k->end) k->end();
}

/* Cost share of the largest of nparts parts when `units` equal units are dealt out. */
static double imbalance(int units, int nparts) {
    int per = (units + nparts - 1) / nparts;
    return units <= 0 ? 1e9 : (double)per * nparts / units;
}

void kn_bf16_gemm_run_part(const kn_bf16_problem *p, const kn_bf16_kernel *k, int part,
                           int nparts, kn_bf16 *panel) {
    const int M = p->a->M, N = p->N;
    if (nparts <= 1) {
        kn_bf16_gemm_run(p, k, 0, p->batch, 0, M, 0, N, panel);
        return;
    }
    int mu = (M + k->mr - 1) / k->mr, nu = (N + KN_BF16_NR - 1) / KN_BF16_NR, lo, hi;
    /* panels first (each part packs only its own), then images, then rows (every
     * part packs every panel) */
    double by_n = imbalance(nu, nparts), by_b = imbalance(p->batch, nparts) + 0.02,
           by_m = imbalance(mu, nparts) + 0.04;
    if (by_n <= by_b && by_n <= by_m) {
        kn_split(nu, part, nparts, &lo, &hi);
        kn_bf16_gemm_run(p, k, 0, p->batch, 0, M, imin(lo * KN_BF16_NR, N), imin(hi * KN_BF16_NR, N), panel);
    } else if (by_b <= by_m) {
        kn_split(p->batch, part, nparts, &lo, &hi);
        kn_bf16_gemm_run(p, k, lo, hi, 0, M, 0, N, panel);
    } else {
        kn_split(mu, part, nparts, &lo, &hi);
        kn_bf16_gemm_run(p, k, 0, p->batch, imin(lo * k->mr, M), imin(hi * k->mr, M), 0, N, panel);
    }
}
