/* template_ops.h — element, norm, depthwise and super-token loops on the vector
 * vocabulary (vec_*.h), vectorised along the contiguous axis (pixels). */
#include <string.h>

/* Loads / stores of the first n (1..VW) lanes, full vectors when n == VW. */
static inline vf v_ld_k(const float *p, int n) { return n == VW ? v_ld(p) : v_ld_n(p, n); }
static inline void v_st_k(float *p, vf v, int n) {
    if (n == VW) v_st(p, v);
    else v_st_n(p, v, n);
}
#define FOR_VEC(j, n, len) for (int j = 0, len; j < (n) && ((len = (n) - j < VW ? (n) - j : VW), 1); j += VW)

/* d[t] = xr[ix0 + t*s] where 0 <= ix0 + t*s < w, else 0, for t < n: one run of an
 * im2col row (pixels of one output row). The inside part as vector copies (stride 2
 * folded to the even lanes of pairs), its last vector masked so that nothing past the
 * row's last needed element is read. */
static inline int kn_div_s(int a, int s) { return s == 1 ? a : s == 2 ? a >> 1 : a / s; } /* a >= 0 */
static inline void KN_ISA(im2col_run)(int n, const float *xr, int ix0, int s, int w, float *d) {
    int tlo = ix0 >= 0 ? 0 : kn_div_s(-ix0 + s - 1, s), thi = ix0 >= w ? 0 : kn_div_s(w - 1 - ix0, s) + 1;
    if (thi > n) thi = n;
    if (tlo > thi) tlo = thi;
    const float *src = xr + ix0; /* pixel t reads src[t*s] */
    int t = 0;
    for (; t < tlo; t++) d[t] = 0.0f;
#if VW > 1
    if (s == 1) {
        for (; t + VW <= thi; t += VW) v_st(d + t, v_ld(src + t));
        if (t < thi) v_st_n(d + t, v_ld_n(src + t, thi - t), thi - t), t = thi;
    } else if (s == 2) {
        for (; t + VW < thi; t += VW) v_st(d + t, v_even(v_ld(src + 2 * t), v_ld(src + 2 * t + VW)));
        if (t < thi) { /* m pixels: 2m - 1 elements */
            int m = thi - t, e = 2 * m - 1;
            vf lo = v_ld_n(src + 2 * t, e < VW ? e : VW), hi = v_ld_n(src + 2 * t + VW, e > VW ? e - VW : 0);
            v_st_k(d + t, v_even(lo, hi), m), t = thi;
        }
    }
#endif
    for (; t < thi; t++) d[t] = src[(size_t)t * s];
    for (; t < n; t++) d[t] = 0.0f;
}

/* Row kg = (ci, ky, kx) of the im2col matrix of image x, output pixels [j0, j0+cols):
 * pixel j0+t goes to dst[(t / pw) * ps + t % pw] (panels of pw columns ps floats apart;
 * one contiguous row when pw >= cols). Runs along output rows, cut at panel edges. */
static void KN_ISA(im2col_row)(const kn_conv_args *cv, const float *x, int kg, int j0, int cols, int pw,
                               size_t ps, float *dst) {
    int kk = cv->k * cv->k, ow = (cv->w + 2 * cv->pad - cv->k) / cv->stride + 1, s = cv->stride;
    int ci = kg / kk, ky = (kg % kk) / cv->k, kx = kg % cv->k;
    const float *xc = x + (size_t)ci * cv->h * cv->w;
    int oy = j0 / ow, ox = j0 % ow;
    for (int j = 0, q = 0, off = 0; j < cols;) {
        int run = ow - ox; /* to the end of the output row, of the panel and of the range */
        if (run > pw - off) run = pw - off;
        if (run > cols - j) run = cols - j;
        float *d = dst + (size_t)q * ps + off;
        int iy = oy * s - cv->pad + ky;
        if (iy < 0 || iy >= cv->h) memset(d, 0, sizeof(float) * run);
        else KN_ISA(im2col_run)(run, xc + (size_t)iy * cv->w, ox * s - cv->pad + kx, s, cv->w, d);
        j += run, ox += run, off += run;
        if (ox == ow) ox = 0, oy++;
        if (off == pw) off = 0, q++;
    }
}

/* Four vectors per step: the activations are long dependency chains, and
 * independent ones side by side keep the FMA ports busy (latency-bound otherwise). */
static void KN_ISA(affine_row)(int n, const float *x, float scale, float shift, kn_act act, float *y) {
    vf s = v_set1(scale), b = v_set1(shift);
    int j = 0;
    for (; j + 4 * VW <= n; j += 4 * VW) {
        vf a0 = v_act(act, v_fma(v_ld(x + j), s, b)), a1 = v_act(act, v_fma(v_ld(x + j + VW), s, b));
        vf a2 = v_act(act, v_fma(v_ld(x + j + 2 * VW), s, b)), a3 = v_act(act, v_fma(v_ld(x + j + 3 * VW), s, b));
        v_st(y + j, a0), v_st(y + j + VW, a1), v_st(y + j + 2 * VW, a2), v_st(y + j + 3 * VW, a3);
    }
    FOR_VEC(i, n - j, len) v_st_k(y + j + i, v_act(act, v_fma(v_ld_k(x + j + i, len), s, b)), len);
}

/* y = (accumulate ? y : 0) + gamma * act(t + bias); t may be y when !accumulate. */
static void KN_ISA(epilogue_row)(int n, const float *t, float bias, kn_act act, float gamma,
                                 int accumulate, float *y) {
    vf b = v_set1(bias), g = v_set1(gamma);
    int j = 0;
    for (; j + 2 * VW <= n; j += 2 * VW) {
        vf a0 = v_mul(v_act(act, v_add(v_ld(t + j), b)), g);
        vf a1 = v_mul(v_act(act, v_add(v_ld(t + j + VW), b)), g);
        if (accumulate) a0 = v_add(a0, v_ld(y + j)), a1 = v_add(a1, v_ld(y + j + VW));
        v_st(y + j, a0), v_st(y + j + VW, a1);
    }
    FOR_VEC(i, n - j, len) {
        vf a = v_mul(v_act(act, v_add(v_ld_k(t + j + i, len), b)), g);
        if (accumulate) a = v_add(a, v_ld_k(y + j + i, len));
        v_st_k(y + j + i, a, len);
    }
}

static void KN_ISA(axpy_row)(int n, float g, const float *x, float *y) {
    vf gv = v_set1(g);
    FOR_VEC(j, n, len) v_st_k(y + j, v_fma(gv, v_ld_k(x + j, len), v_ld_k(y + j, len)), len);
}

static float KN_ISA(sum_row)(int n, const float *x) {
    vf s0 = v_zero(), s1 = v_zero();
    int j = 0;
    for (; j + 2 * VW <= n; j += 2 * VW) {
        s0 = v_add(s0, v_ld(x + j));
        s1 = v_add(s1, v_ld(x + j + VW));
    }
    FOR_VEC(i, n - j, len) s0 = v_add(s0, v_ld_k(x + j + i, len));
    return v_hsum(v_add(s0, s1));
}

static float KN_ISA(dot_row)(int n, const float *x, const float *y) {
    vf s0 = v_zero(), s1 = v_zero(), s2 = v_zero(), s3 = v_zero();
    int j = 0;
    for (; j + 4 * VW <= n; j += 4 * VW) {
        s0 = v_fma(v_ld(x + j), v_ld(y + j), s0);
        s1 = v_fma(v_ld(x + j + VW), v_ld(y + j + VW), s1);
        s2 = v_fma(v_ld(x + j + 2 * VW), v_ld(y + j + 2 * VW), s2);
        s3 = v_fma(v_ld(x + j + 3 * VW), v_ld(y + j + 3 * VW), s3);
    }
    FOR_VEC(i, n - j, len) s0 = v_fma(v_ld_k(x + j + i, len), v_ld_k(y + j + i, len), s0);
    return v_hsum(v_add(v_add(s0, s1), v_add(s2, s3)));
}

/* Two passes over the channels (mean, then centred variance), one to normalise. */
static void KN_ISA(layernorm_cols)(int c, int n, int p0, int p1, const float *x,
                                   const float *gamma, const float *beta, float eps, float *y) {
    vf inv_c = v_set1(1.0f / c);
    FOR_VEC(j, p1 - p0, len) {
        const float *xp = x + p0 + j;
        float *yp = y + p0 + j;
        vf s = v_zero();
        for (int ch = 0; ch < c; ch++) s = v_add(s, v_ld_k(xp + (size_t)ch * n, len));
        vf mean = v_mul(s, inv_c), ss = v_zero();
        for (int ch = 0; ch < c; ch++) {
            vf d = v_sub(v_ld_k(xp + (size_t)ch * n, len), mean);
            ss = v_fma(d, d, ss);
        }
        vf inv = v_div(v_set1(1.0f), v_sqrt(v_fma(ss, inv_c, v_set1(eps))));
        for (int ch = 0; ch < c; ch++) {
            vf d = v_mul(v_sub(v_ld_k(xp + (size_t)ch * n, len), mean), inv);
            v_st_k(yp + (size_t)ch * n, v_fma(d, v_set1(gamma[ch]), v_set1(beta[ch])), len);
        }
    }
}

/* Depthwise conv on one plane. Input rows are copied once into zero-padded ring
 * slots (k slots of a strip of up to DW_STRIP outputs plus the halo), so every tap
 * is a plain vector load; wide planes go in strips. */
#define DW_STRIP 512
#define DW_KMAX 7
/* 3x3 depthwise conv (pad 1) of `planes` planes wide enough for whole vectors (w >= 2 VW),
 * read in place, four output rows at a time: each input row's three column-shifted
 * vectors (zero past the edges) feed the up to three output rows they touch, 18 loads
 * per 36 FMAs instead of 36. The sum per pixel: bias, then the rows top to bottom, each
 * as w0 x[-1] + w1 x[0] + w2 x[+1] added last to first; then the input if add_input. */
/* Whether dwconv3_rows takes this plane: 3x3 taps, whole vectors across the row. */
static inline int KN_ISA(dwconv3_rows_fit)(int k, int w) { return k == 3 && w >= 2 * VW && VW > 1; }

static void KN_ISA(dwconv3_rows)(int h, int w, int planes, const float *x, const float *wt, const float *bias,
                                 int add_input, float *y) {
    for (int pl = 0; pl < planes; pl++) {
        const float *xp = x + (size_t)pl * h * w, *wp = wt + (size_t)pl * 9;
        float *yp = y + (size_t)pl * h * w;
        vf wk[9], b = v_set1(bias ? bias[pl] : 0.0f);
        for (int i = 0; i < 9; i++) wk[i] = v_set1(wp[i]);
        for (int y0 = 0; y0 < h; y0 += 4) {
            int R = h - y0 < 4 ? h - y0 : 4;
            FOR_VEC(j, w, len) {
                vf acc[4] = {b, b, b, b};
                int nr = w - 1 - j < len ? w - 1 - j : len; /* right neighbours inside the row */
#pragma GCC unroll 6
                for (int t = 0; t < 6; t++) { /* input row y0 - 1 + t */
                    int iy = y0 - 1 + t;
                    if (t > R + 1 || iy < 0 || iy >= h) continue;
                    const float *xr = xp + (size_t)iy * w + j;
                    vf xl = j > 0 ? v_ld_k(xr - 1, len) : v_ld_lanes(xr - 1, 1, len);
                    vf xc = v_ld_k(xr, len), xq = v_ld_n(xr + 1, nr);
#pragma GCC unroll 4
                    for (int o = 0; o < 4; o++) {
                        int dy = t - o; /* the tap row of output row y0 + o */
                        if (dy < 0 || dy > 2 || o >= R) continue;
                        acc[o] = v_fma(wk[dy * 3 + 2], xq, acc[o]);
                        acc[o] = v_fma(wk[dy * 3 + 1], xc, acc[o]);
                        acc[o] = v_fma(wk[dy * 3], xl, acc[o]);
                    }
                }
#pragma GCC unroll 4
                for (int o = 0; o < 4; o++) {
                    if (o >= R) continue;
                    size_t p = (size_t)(y0 + o) * w + j;
                    vf v = add_input ? v_add(acc[o], v_ld_k(xp + p, len)) : acc[o];
                    v_st_k(yp + p, v, len);
                }
            }
        }
    }
}

static void KN_ISA(dwconv_plane)(int h, int w, int k, const float *x, const float *wt, float bias,
                                 int add_input, float *y) {
    if (KN_ISA(dwconv3_rows_fit)(k, w)) {
        KN_ISA(dwconv3_rows)(h, w, 1, x, wt, &bias, add_input, y);
        return;
    }
    int r = k / 2;
    float ring[DW_KMAX][DW_STRIP + 2 * DW_KMAX + 2 * VW] __attribute__((aligned(64)));
    for (int x0 = 0; x0 < w; x0 += DW_STRIP) {
        int sw = w - x0 < DW_STRIP ? w - x0 : DW_STRIP;
        int slot_row[DW_KMAX];
        for (int i = 0; i < k; i++) slot_row[i] = -1 - r - 1; /* no row loaded */
        for (int oy = 0; oy < h; oy++) {
            const float *rows[DW_KMAX];
            for (int ky = 0; ky < k; ky++) {
                int iy = oy + ky - r;
                if (iy < 0 || iy >= h) { rows[ky] = NULL; continue; }
                float *slot = ring[iy % k];
                if (slot_row[iy % k] != iy) { /* copy x[iy][x0 - r, x0 + sw + r) with zeros outside */
                    int lo = x0 - r, hi = x0 + sw + r;
                    for (int i = lo; i < hi + VW; i++)
                        slot[i - lo] = (i >= 0 && i < w && i < hi) ? x[(size_t)iy * w + i] : 0.0f;
                    slot_row[iy % k] = iy;
                }
                rows[ky] = slot;
            }
            float *yr = y + (size_t)oy * w + x0;
            const float *xr = x + (size_t)oy * w + x0;
            FOR_VEC(j, sw, len) {
                vf acc = v_set1(bias);
                if (add_input) acc = v_add(acc, v_ld_k(xr + j, len));
                for (int ky = 0; ky < k; ky++) {
                    if (!rows[ky]) continue;
                    const float *src = rows[ky] + j, *wk = wt + ky * k;
                    for (int kx = 0; kx < k; kx++) acc = v_fma(v_set1(wk[kx]), v_ld(src + kx), acc);
                }
                v_st_k(yr + j, acc, len);
            }
        }
    }
}

/* Depthwise conv of `planes` h x w planes (plane i: weights wt + i*k*k, bias[i]) on the
 * flattened plane: each plane is copied once between zero halos of r rows (+r), so
 * every tap is one vector load at a fixed offset; the taps that wrap around a row
 * edge are summed per column offset dx and masked once per output vector (masks of
 * 0/1 per dx, built once per call). buf: KN_DW_BUF_FLOATS(h, w, k) floats. */
static inline __attribute__((always_inline)) void
KN_ISA(dwconv_planes_k)(const int k, int h, int w, int planes, const float *x, const float *wt,
                        const float *bias, int add_input, float *y, float *buf) {
    int n = h * w, r = k / 2, halo = r * w + r;
    float *mask = buf, *pad = buf + (size_t)k * n;
    for (int dx = -r; dx <= r; dx++) /* row by row: no division per pixel */
        for (int py = 0; py < h; py++) {
            float *m = mask + (size_t)(dx + r) * n + (size_t)py * w;
            for (int col = 0; col < w; col++) m[col] = (col + dx >= 0 && col + dx < w) ? 1.0f : 0.0f;
        }
    for (int i = 0; i < halo; i++) pad[i] = 0.0f;
    for (int i = halo + n; i < 2 * halo + n + VW; i++) pad[i] = 0.0f;
    const float *center = pad + halo;
    for (int pl = 0; pl < planes; pl++) {
        const float *xp = x + (size_t)pl * n, *wp = wt + (size_t)pl * k * k;
        float *yp = y + (size_t)pl * n;
        memcpy(pad + halo, xp, sizeof(float) * n);
        vf b = v_set1(bias ? bias[pl] : 0.0f);
        FOR_VEC(p0, n, len) {
            vf acc[DW_KMAX];
            for (int dx = 0; dx < k; dx++) acc[dx] = v_zero();
            for (int dy = 0; dy < k; dy++) {
                const float *src = center + p0 + (dy - r) * w - r;
                for (int dx = 0; dx < k; dx++) acc[dx] = v_fma(v_set1(wp[dy * k + dx]), v_ld(src + dx), acc[dx]);
            }
            vf o = v_add(acc[r], b);
            if (add_input) o = v_add(o, v_ld_k(xp + p0, len));
            for (int dx = 0; dx < k; dx++)
                if (dx != r) o = v_fma(v_ld(mask + (size_t)dx * n + p0), acc[dx], o);
            v_st_k(yp + p0, o, len);
        }
    }
}

/* k = 3 and 5 get their own copies, so the tap loops unroll and acc stays in registers. */
static void KN_ISA(dwconv_planes)(int h, int w, int k, int planes, const float *x, const float *wt,
                                  const float *bias, int add_input, float *y, float *buf) {
    if (KN_ISA(dwconv3_rows_fit)(k, w)) KN_ISA(dwconv3_rows)(h, w, planes, x, wt, bias, add_input, y);
    else if (k == 3) KN_ISA(dwconv_planes_k)(3, h, w, planes, x, wt, bias, add_input, y, buf);
    else if (k == 5) KN_ISA(dwconv_planes_k)(5, h, w, planes, x, wt, bias, add_input, y, buf);
    else KN_ISA(dwconv_planes_k)(k, h, w, planes, x, wt, bias, add_input, y, buf);
}

/* Row softmax in place: x = softmax(x + bias) per row (bias rows with stride ldb, or NULL). */
static void KN_ISA(softmax_rows)(int rows, int n, float *x, size_t ld, const float *bias, size_t ldb) {
    int nv = n - n % VW, tail = n % VW;
    for (int i = 0; i < rows; i++) {
        float *row = x + (size_t)i * ld;
        const float *brow = bias ? bias + (size_t)i * ldb : NULL;
        vf mx = v_set1(-INFINITY);
        for (int j = 0; j < nv; j += VW) {
            vf v = v_ld(row + j);
            if (brow) v_st(row + j, v = v_add(v, v_ld(brow + j)));
            mx = v_max(mx, v);
        }
        float m = v_hmax(mx);
        for (int j = nv; j < n; j++) {
            if (brow) row[j] += brow[j];
            m = row[j] > m ? row[j] : m;
        }
        vf mv = v_set1(m), sum = v_zero();
        for (int j = 0; j < nv; j += VW) {
            vf e = v_exp(v_sub(v_ld(row + j), mv));
            v_st(row + j, e);
            sum = v_add(sum, e);
        }
        if (tail) {
            v_st_n(row + nv, v_exp(v_sub(v_ld_n(row + nv, tail), mv)), tail);
            sum = v_add(sum, v_ld_n(row + nv, tail)); /* dead lanes read as 0 */
        }
        vf inv = v_set1(1.0f / v_hsum(sum));
        FOR_VEC(j, n, len) v_st_k(row + j, v_mul(v_ld_k(row + j, len), inv), len);
    }
}

/* Column softmax in place: each of `cols` columns of an n x cols block (row stride ld)
 * becomes softmax over its n entries; vectorised along the columns. */
static void KN_ISA(softmax_cols)(int n, int cols, float *x, size_t ld) {
    FOR_VEC(j, cols, len) {
        vf mx = v_set1(-INFINITY), sum = v_zero();
        for (int i = 0; i < n; i++) mx = v_max(mx, v_ld_k(x + (size_t)i * ld + j, len));
        for (int i = 0; i < n; i++) {
            vf e = v_exp(v_sub(v_ld_k(x + (size_t)i * ld + j, len), mx));
            v_st_k(x + (size_t)i * ld + j, e, len);
            sum = v_add(sum, e);
        }
        vf inv = v_div(v_set1(1.0f), sum);
        for (int i = 0; i < n; i++) v_st_k(x + (size_t)i * ld + j, v_mul(v_ld_k(x + (size_t)i * ld + j, len), inv), len);
    }
}

/* --- super token attention, one image at a time (see kernels.h for the layout) --- */

/* e[px] = srow[px / sw] for 0 <= px < ww*sw, and 0 for px in [-sw, 0) and past the end
 * (e has sw floats before it and sw + VW after it): the super tokens of one grid row
 * spread over the pixels of their cells, so neighbour dx is the pointer e + dx*sw. */
static void KN_ISA(sta_expand)(int ww, int sw, const float *srow, float *e) {
    int w = ww * sw;
    FOR_VEC(i, sw, len) v_st_k(e - sw + i, v_zero(), len);
    FOR_VEC(i, sw + VW, len) v_st_k(e + w + i, v_zero(), len);
    for (int cx = 0; cx < ww; cx++) {
        vf v = v_set1(srow[cx]);
        FOR_VEC(i, sw, len) v_st_k(e + cx * sw + i, v, len);
    }
}

/* Segment sums of a row: out[cx] = sum of r[cx*sw .. cx*sw + sw) */
static inline void KN_ISA(sta_cell_sums)(int ww, int sw, const float *r, float *out) {
    for (int cx = 0; cx < ww; cx++) {
        float t = 0.0f;
        for (int i = 0; i < sw; i++) t += r[cx * sw + i];
        out[cx] = t;
    }
}

static void KN_ISA(sta_pool_chans)(const kn_sta_shape *g, int c0, int c1, const float *x, float *s) {
    int hh = g->h / g->sh, ww = g->w / g->sw, n = g->h * g->w, w = g->w;
    float r[KN_STA_WMAX] __attribute__((aligned(64)));
    float inv = 1.0f / (g->sh * g->sw);
    for (int c = c0; c < c1; c++)
        for (int cy = 0; cy < hh; cy++) {
            const float *xr = x + (size_t)c * n + (size_t)cy * g->sh * w;
            FOR_VEC(j, w, len) {
                vf acc = v_zero();
                for (int yy = 0; yy < g->sh; yy++) acc = v_add(acc, v_ld_k(xr + (size_t)yy * w + j, len));
                v_st_k(r + j, acc, len);
            }
            float *srow = s + (size_t)c * hh * ww + (size_t)cy * ww;
            KN_ISA(sta_cell_sums)(ww, g->sw, r, srow);
            for (int cx = 0; cx < ww; cx++) srow[cx] *= inv;
        }
}

/* Logits of the 9 neighbours per pixel, then a 9-way softmax. Channels go in blocks of
 * up to 4 whose super-token rows are spread over the pixels first (sta_expand: three
 * rows per channel, one per dy); per pixel vector the 9 logits stay in registers through
 * a block (one load and one store of `a` per block, not per channel). Same sums in the
 * same order as channel by channel. */
#define KN_STA_EBUF (9 * KN_STA_WMAX + 6 * VW)
static void KN_ISA(sta_associate_rows)(const kn_sta_shape *g, int cy0, int cy1, const float *x,
                                       const float *s, float scale, float *a) {
    int hh = g->h / g->sh, ww = g->w / g->sw, m = hh * ww, n = g->h * g->w, w = g->w, sh = g->sh, sw = g->sw;
    float ebuf[KN_STA_EBUF] __attribute__((aligned(64)));
    int er = w + 2 * sw + VW; /* floats per expanded row: sw zeros, w pixels, sw + VW zeros */
    int cb_max = KN_STA_EBUF / (3 * er);
    if (cb_max > 4) cb_max = 4;
    for (int cy = cy0; cy < cy1; cy++) {
        size_t row0 = (size_t)cy * sh * w; /* first pixel of this cell row */
        for (int k = 0; k < 9; k++) memset(a + (size_t)k * n + row0, 0, sizeof(float) * sh * w);
        int dy0 = cy > 0 ? -1 : 0, dy1 = cy < hh - 1 ? 1 : 0; /* rows outside: logits stay 0 */
        for (int c0 = 0; c0 < g->c; c0 += cb_max) {
            int cb = g->c - c0 < cb_max ? g->c - c0 : cb_max;
            for (int i = 0; i < cb; i++)
                for (int dy = dy0; dy <= dy1; dy++)
                    KN_ISA(sta_expand)(ww, sw, s + (size_t)(c0 + i) * m + (size_t)(cy + dy) * ww,
                                       ebuf + (size_t)(i * 3 + dy + 1) * er + sw);
            for (int yy = 0; yy < sh; yy++)
                FOR_VEC(j, w, len) {
                    size_t p = row0 + (size_t)yy * w + j;
                    vf l[9];
#pragma GCC unroll 9
                    for (int k = 0; k < 9; k++) l[k] = v_ld_k(a + (size_t)k * n + p, len);
                    for (int i = 0; i < cb; i++) {
                        vf xv = v_ld_k(x + (size_t)(c0 + i) * n + p, len);
#pragma GCC unroll 3
                        for (int dy = -1; dy <= 1; dy++) { /* unrolled: l[] indexed by constants */
                            if (dy < dy0 || dy > dy1) continue;
                            const float *e = ebuf + (size_t)(i * 3 + dy + 1) * er + sw + j;
#pragma GCC unroll 3
                            for (int dx = -1; dx <= 1; dx++) {
                                int k = (dy + 1) * 3 + dx + 1;
                                l[k] = v_fma(xv, v_ld_k(e + dx * sw, len), l[k]);
                            }
                        }
                    }
#pragma GCC unroll 9
                    for (int k = 0; k < 9; k++) v_st_k(a + (size_t)k * n + p, l[k], len);
                }
        }
        vf sc = v_set1(scale);
        FOR_VEC(j, sh * w, len) {
            vf l[9], mx = v_set1(-INFINITY), sum = v_zero();
            for (int k = 0; k < 9; k++) {
                l[k] = v_mul(v_ld_k(a + (size_t)k * n + row0 + j, len), sc);
                mx = v_max(mx, l[k]);
            }
            for (int k = 0; k < 9; k++) sum = v_add(sum, l[k] = v_exp(v_sub(l[k], mx)));
            vf inv = v_div(v_set1(1.0f), sum);
            for (int k = 0; k < 9; k++) v_st_k(a + (size_t)k * n + row0 + j, v_mul(l[k], inv), len);
        }
    }
}

/* z (sums of the associations into each super token, m floats) of one image. */
static void KN_ISA(sta_z)(const kn_sta_shape *g, const float *a, float *z) {
    int hh = g->h / g->sh, ww = g->w / g->sw, n = g->h * g->w, w = g->w, sh = g->sh, sw = g->sw;
    float r[KN_STA_WMAX] __attribute__((aligned(64))), cell[KN_STA_WMAX];
    memset(z, 0, sizeof(float) * hh * ww);
    for (int cy = 0; cy < hh; cy++)
        for (int k = 0; k < 9; k++) {
            int ty = cy + k / 3 - 1, dx = k % 3 - 1;
            if (ty < 0 || ty >= hh) continue;
            const float *ak = a + (size_t)k * n + (size_t)cy * sh * w;
            FOR_VEC(j, w, len) {
                vf acc = v_zero();
                for (int yy = 0; yy < sh; yy++) acc = v_add(acc, v_ld_k(ak + (size_t)yy * w + j, len));
                v_st_k(r + j, acc, len);
            }
            KN_ISA(sta_cell_sums)(ww, sw, r, cell);
            for (int cx = 0; cx < ww; cx++)
                if (cx + dx >= 0 && cx + dx < ww) z[ty * ww + cx + dx] += cell[cx];
        }
}

/* s[c] = (sum A x_c) / (z + 1e-12) for channels [c0, c1) of one image; z given. */
static void KN_ISA(sta_aggregate_chans)(const kn_sta_shape *g, int c0, int c1, const float *x,
                                        const float *a, const float *z, float *s) {
    int hh = g->h / g->sh, ww = g->w / g->sw, m = hh * ww, n = g->h * g->w, w = g->w, sh = g->sh, sw = g->sw;
    float r[KN_STA_WMAX] __attribute__((aligned(64))), cell[KN_STA_WMAX];
    for (int c = c0; c < c1; c++) {
        float *sc = s + (size_t)c * m;
        memset(sc, 0, sizeof(float) * m);
        for (int cy = 0; cy < hh; cy++) {
            const float *xc = x + (size_t)c * n + (size_t)cy * sh * w;
            for (int k = 0; k < 9; k++) {
                int ty = cy + k / 3 - 1, dx = k % 3 - 1;
                if (ty < 0 || ty >= hh) continue;
                const float *ak = a + (size_t)k * n + (size_t)cy * sh * w;
                FOR_VEC(j, w, len) {
                    vf acc = v_zero();
                    for (int yy = 0; yy < sh; yy++) {
                        size_t p = (size_t)yy * w + j;
                        acc = v_fma(v_ld_k(ak + p, len), v_ld_k(xc + p, len), acc);
                    }
                    v_st_k(r + j, acc, len);
                }
                KN_ISA(sta_cell_sums)(ww, sw, r, cell);
                for (int cx = 0; cx < ww; cx++)
                    if (cx + dx >= 0 && cx + dx < ww) sc[ty * ww + cx + dx] += cell[cx];
            }
        }
        for (int t = 0; t < m; t++) sc[t] /= z[t] + 1e-12f;
    }
}

static void KN_ISA(sta_upsample_chans)(const kn_sta_shape *g, int c0, int c1, const float *a,
                                       const float *s, float *y) {
    int hh = g->h / g->sh, ww = g->w / g->sw, m = hh * ww, n = g->h * g->w, w = g->w, sh = g->sh, sw = g->sw;
    float ebuf[3][3 * KN_STA_WMAX + 2 * VW] __attribute__((aligned(64)));
    for (int c = c0; c < c1; c++)
        for (int cy = 0; cy < hh; cy++) {
            const float *se[9] = {0};
            for (int dy = -1; dy <= 1; dy++) {
                int ty = cy + dy;
                if (ty < 0 || ty >= hh) continue;
                float *e = ebuf[dy + 1] + sw;
                KN_ISA(sta_expand)(ww, sw, s + (size_t)c * m + (size_t)ty * ww, e);
                for (int dx = -1; dx <= 1; dx++) se[(dy + 1) * 3 + dx + 1] = e + dx * sw;
            }
            size_t row0 = (size_t)cy * sh * w;
            for (int yy = 0; yy < sh; yy++)
                FOR_VEC(j, w, len) {
                    size_t p = row0 + (size_t)yy * w + j;
                    vf acc = v_zero();
                    for (int k = 0; k < 9; k++)
                        if (se[k]) acc = v_fma(v_ld_k(a + (size_t)k * n + p, len), v_ld_k(se[k] + j, len), acc);
                    v_st_k(y + (size_t)c * n + p, acc, len);
                }
        }
}
