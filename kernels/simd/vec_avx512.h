/* vec_avx512.h — the vector vocabulary the templates are written in, for AVX-512F
 * (16 floats). Included only by files built with the AVX-512 flags. */
#include <immintrin.h>

typedef __m512 vf;
#define VW 16
#define KN_ISA(name) name##__avx512

static inline vf v_zero(void) { return _mm512_setzero_ps(); }
static inline vf v_set1(float a) { return _mm512_set1_ps(a); }
static inline vf v_ld(const float *p) { return _mm512_loadu_ps(p); }
static inline void v_st(float *p, vf v) { _mm512_storeu_ps(p, v); }
static inline __mmask16 v_tail_mask(int n) { return (__mmask16)((1u << n) - 1u); }
/* First n < VW lanes; the others read as 0 / are not written. */
static inline vf v_ld_n(const float *p, int n) { return _mm512_maskz_loadu_ps(v_tail_mask(n), p); }
static inline void v_st_n(float *p, vf v, int n) { _mm512_mask_storeu_ps(p, v_tail_mask(n), v); }
/* Lanes [lo, hi) of p (0 <= lo <= hi <= VW), 0 in the others, which are not read. */
static inline vf v_ld_lanes(const float *p, int lo, int hi) {
    return _mm512_maskz_loadu_ps((__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u)), p);
}
/* p[0], p[s], ..., p[(n-1)s] in the first n lanes (0 < n <= VW), 0 in the others */
static inline vf v_ld_stride(const float *p, int s, int n) {
    __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                     _mm512_set1_epi32(s));
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), v_tail_mask(n), idx, p, 4);
}
static inline vf v_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf v_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf v_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf v_div(vf a, vf b) { return _mm512_div_ps(a, b); }
/* 1/a to at least 14 bits, for a Newton step by the caller (no divider) */
static inline vf v_rcp_est(vf a) { return _mm512_rcp14_ps(a); }
static inline vf v_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }   /* a*b + c */
static inline vf v_fnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); } /* c - a*b */
static inline vf v_fms(vf a, vf b, vf c) { return _mm512_fmsub_ps(a, b, c); }   /* a*b - c */
static inline vf v_max(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf v_min(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf v_abs(vf a) { return _mm512_abs_ps(a); }
static inline vf v_sqrt(vf a) { return _mm512_sqrt_ps(a); }
static inline vf v_round(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/* a * 2^n for integral n (n within exponent range after the caller's clamping) */
static inline vf v_ldexp(vf a, vf n) { return _mm512_scalef_ps(a, n); }
/* lanes where x < 0 take a, the others b */
static inline vf v_sel_neg(vf x, vf a, vf b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), b, a);
}
/* lanes where x > t take a, the others b */
static inline vf v_sel_gt(vf x, vf t, vf a, vf b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, t, _CMP_GT_OQ), b, a);
}
/* lanes 0, 2, 4, ... of a, then those of b (a stride-2 gather of 2 VW floats) */
static inline vf v_even(vf a, vf b) {
    const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(a, idx, b);
}
static inline float v_hsum(vf a) { return _mm512_reduce_add_ps(a); }
static inline float v_hmax(vf a) { return _mm512_reduce_max_ps(a); }
