/* ops_elem.c — the non-GEMM ops of the simd backend: each splits its outer loop into
 * parts and runs the active ISA's row/plane kernels on its share. */
#include <math.h>
#include "kernels/simd/simd.h"
#include "kernels/naive/naive.h"

/* Rows [lo, hi) of batch*c rows of n floats: channel of row r is r % c. */
#define FOR_ROWS(r, rows, part, nparts)        \
    int r##_lo, r##_hi;                        \
    kn_split(rows, part, nparts, &r##_lo, &r##_hi); \
    for (int r = r##_lo; r < r##_hi; r++)

void kn_simd_activation_part(kn_ctx *ctx, size_t count, kn_act act, const float *x, float *y, int part, int nparts) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    const size_t chunk = 4096; /* split in whole chunks: parts never share a cache line */
    size_t chunks = (count + chunk - 1) / chunk;
    int lo, hi;
    kn_split((int)chunks, part, nparts, &lo, &hi);
    for (size_t i = (size_t)lo * chunk; i < (size_t)hi * chunk && i < count; i += chunk)
        isa->affine_row((int)(count - i < chunk ? count - i : chunk), x + i, 1.0f, 0.0f, act, y + i);
}

void kn_simd_scale_add_part(kn_ctx *ctx, int batch, int c, int n, const float *x, const float *gamma, float *y,
                            int part, int nparts) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    FOR_ROWS(r, batch * c, part, nparts)
        isa->axpy_row(n, gamma ? gamma[r % c] : 1.0f, x + (size_t)r * n, y + (size_t)r * n);
}

void kn_simd_affine_part(kn_ctx *ctx, int batch, int c, int n, const float *x, const float *scale,
                         const float *shift, kn_act act, float *y, int part, int nparts) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    FOR_ROWS(r, batch * c, part, nparts)
        isa->affine_row(n, x + (size_t)r * n, scale[r % c], shift[r % c], act, y + (size_t)r * n);
}

void kn_simd_batchnorm_part(kn_ctx *ctx, int batch, int c, int n, const float *x, const float *mean,
                            const float *var, const float *gamma, const float *beta,
                            float eps, kn_act act, float *y, int part, int nparts) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    FOR_ROWS(r, batch * c, part, nparts) {
        int ch = r % c;
        double inv = gamma[ch] / sqrt((double)var[ch] + eps);
        isa->affine_row(n, x + (size_t)r * n, (float)inv, (float)(beta[ch] - mean[ch] * inv), act,
                        y + (size_t)r * n);
    }
}

void kn_simd_avgpool_part(kn_ctx *ctx, int batch, int c, int n, const float *x, float *y, int part, int nparts) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    FOR_ROWS(r, batch * c, part, nparts) y[r] = isa->sum_row(n, x + (size_t)r * n) / n;
}

void kn_simd_layernorm_part(kn_ctx *ctx, int batch, int c, int n, const float *x, const float *gamma,
                            const float *beta, float eps, float *y, int part, int nparts) {
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    /* each part takes the same pixel range of every image, in 16-pixel units */
    int units = (n + 15) / 16, lo, hi;
    kn_split(units, part, nparts, &lo, &hi);
    int p0 = lo * 16, p1 = hi * 16 < n ? hi * 16 : n;
    if (p0 >= p1) return;
    for (int b = 0; b < batch; b++)
        isa->layernorm_cols(c, n, p0, p1, x + (size_t)b * c * n, gamma, beta, eps, y + (size_t)b * c * n);
}

/* Scratch of the flattened depthwise kernel (the part's ctx scratch, shared with the
 * GEMM packing buffers); bigger planes use the row kernel. */
#define KN_DW_BUF (64 * 1024)
_Static_assert(KN_DW_BUF <= KN_SIMD_SCRATCH, "the dwconv buffer lives in the simd scratch");

void kn_simd_dwconv_part(kn_ctx *ctx, const kn_dwconv_args *a, int part, int nparts) {
    if (a->k > 7) { /* the ISA kernels keep up to 7 taps per row in registers */
        if (part == 0) kn_dwconv__naive(ctx, a);
        return;
    }
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    size_t plane = (size_t)a->h * a->w;
    int lo, hi;
    kn_split(a->batch * a->c, part, nparts, &lo, &hi);
    if (KN_DW_BUF_FLOATS(a->h, a->w, a->k) <= KN_DW_BUF) {
        for (int r = lo; r < hi;) { /* runs of planes within one image */
            int ch = r % a->c, count = a->c - ch < hi - r ? a->c - ch : hi - r;
            isa->dwconv_planes(a->h, a->w, a->k, count, a->x + r * plane, a->wt.ref + (size_t)ch * a->k * a->k,
                               a->bias ? a->bias + ch : NULL, a->add_input, a->y + r * plane, kn_ctx_thread_scratch(ctx, part));
            r += count;
        }
        return;
    }
    for (int r = lo; r < hi; r++) {
        int ch = r % a->c;
        isa->dwconv_plane(a->h, a->w, a->k, a->x + r * plane, a->wt.ref + (size_t)ch * a->k * a->k,
                          a->bias ? a->bias[ch] : 0.0f, a->add_input, a->y + r * plane);
    }
}

/* --- super token attention ------------------------------------------------------ */

#define KN_STA_MMAX 8192 /* super tokens per image the stack z buffer holds */

static int sta_fits(const kn_sta_shape *g) {
    return g->w <= KN_STA_WMAX && (g->h / g->sh) * (g->w / g->sw) <= KN_STA_MMAX;
}

void kn_simd_sta_pool_part(kn_ctx *ctx, const kn_sta_shape *g, const float *x, float *s, int part, int nparts) {
    if (!sta_fits(g)) {
        if (part == 0) kn_sta_pool__naive(ctx, g, x, s);
        return;
    }
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    size_t n = (size_t)g->h * g->w, m = (size_t)(g->h / g->sh) * (g->w / g->sw);
    FOR_ROWS(r, g->batch * g->c, part, nparts) {
        int b = r / g->c, ch = r % g->c;
        isa->sta_pool_chans(g, ch, ch + 1, x + (size_t)b * g->c * n, s + (size_t)b * g->c * m);
    }
}

void kn_simd_sta_associate_part(kn_ctx *ctx, const kn_sta_shape *g, const float *x, const float *s,
                                float scale, float *a, int part, int nparts) {
    if (!sta_fits(g)) {
        if (part == 0) kn_sta_associate__naive(ctx, g, x, s, scale, a);
        return;
    }
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    int hh = g->h / g->sh;
    size_t n = (size_t)g->h * g->w, m = (size_t)hh * (g->w / g->sw);
    FOR_ROWS(r, g->batch * hh, part, nparts) {
        int b = r / hh, cy = r % hh;
        isa->sta_associate_rows(g, cy, cy + 1, x + (size_t)b * g->c * n, s + (size_t)b * g->c * m,
                                scale, a + (size_t)b * 9 * n);
    }
}

void kn_simd_sta_aggregate_part(kn_ctx *ctx, const kn_sta_shape *g, const float *x, const float *a, float *s,
                                float *z, int part, int nparts) {
    if (!sta_fits(g)) {
        if (part == 0) kn_sta_aggregate__naive(ctx, g, x, a, s, z);
        return;
    }
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    size_t n = (size_t)g->h * g->w, m = (size_t)(g->h / g->sh) * (g->w / g->sw);
    float zb[KN_STA_MMAX];
    int lo, hi, zb_image = -1;
    kn_split(g->batch * g->c, part, nparts, &lo, &hi);
    /* every part sums z for the images it touches (cheap: 1/c of the work); the part
     * holding an image's channel 0 also stores it */
    for (int r = lo; r < hi; r++) {
        int b = r / g->c, ch = r % g->c;
        if (b != zb_image) {
            isa->sta_z(g, a + (size_t)b * 9 * n, zb);
            zb_image = b;
            if (ch == 0)
                for (size_t t = 0; t < m; t++) z[(size_t)b * m + t] = zb[t];
        }
        isa->sta_aggregate_chans(g, ch, ch + 1, x + (size_t)b * g->c * n, a + (size_t)b * 9 * n, zb,
                                 s + (size_t)b * g->c * m);
    }
}

void kn_simd_sta_upsample_part(kn_ctx *ctx, const kn_sta_shape *g, const float *a, const float *s, float *y,
                               int part, int nparts) {
    if (!sta_fits(g)) {
        if (part == 0) kn_sta_upsample__naive(ctx, g, a, s, y);
        return;
    }
    const kn_simd_isa *isa = KN_SIMD_ISA(ctx);
    size_t n = (size_t)g->h * g->w, m = (size_t)(g->h / g->sh) * (g->w / g->sw);
    FOR_ROWS(r, g->batch * g->c, part, nparts) {
        int b = r / g->c, ch = r % g->c;
        isa->sta_upsample_chans(g, ch, ch + 1, a + (size_t)b * 9 * n, s + (size_t)b * g->c * m,
                                y + (size_t)b * g->c * n);
    }
}
