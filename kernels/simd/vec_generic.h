/* vec_generic.h — the vector vocabulary the templates are written in, as plain C
 * scalars (width 1): the portable fallback. fmaf is exact but may be a libm call. */
#include <math.h>

typedef float vf;
#define VW 1
#define KN_ISA(name) name##__generic

static inline vf v_zero(void) { return 0.0f; }
static inline vf v_set1(float a) { return a; }
static inline vf v_ld(const float *p) { return *p; }
static inline void v_st(float *p, vf v) { *p = v; }
static inline vf v_ld_n(const float *p, int n) { return n > 0 ? *p : 0.0f; }
static inline void v_st_n(float *p, vf v, int n) { if (n > 0) *p = v; }
static inline vf v_ld_lanes(const float *p, int lo, int hi) { return lo < hi ? *p : 0.0f; }
static inline vf v_ld_stride(const float *p, int s, int n) { return n > 0 ? *p : 0.0f; }
static inline vf v_add(vf a, vf b) { return a + b; }
static inline vf v_sub(vf a, vf b) { return a - b; }
static inline vf v_mul(vf a, vf b) { return a * b; }
static inline vf v_div(vf a, vf b) { return a / b; }
static inline vf v_rcp_est(vf a) { return 1.0f / a; }
static inline vf v_fma(vf a, vf b, vf c) { return fmaf(a, b, c); }
static inline vf v_fnma(vf a, vf b, vf c) { return fmaf(-a, b, c); }
static inline vf v_fms(vf a, vf b, vf c) { return fmaf(a, b, -c); }
static inline vf v_max(vf a, vf b) { return a > b ? a : b; }
static inline vf v_min(vf a, vf b) { return a < b ? a : b; }
static inline vf v_abs(vf a) { return fabsf(a); }
static inline vf v_sqrt(vf a) { return sqrtf(a); }
static inline vf v_round(vf a) { return nearbyintf(a); }
static inline vf v_ldexp(vf a, vf n) { return ldexpf(a, (int)n); }
static inline vf v_sel_neg(vf x, vf a, vf b) { return x < 0 ? a : b; }
static inline vf v_sel_gt(vf x, vf t, vf a, vf b) { return x > t ? a : b; }
static inline float v_hsum(vf a) { return a; }
static inline float v_hmax(vf a) { return a; }
