/* template_vmath.h — exp, GELU and Swish on the vector vocabulary (vec_*.h).
 *
 * GELU is x * Phi(x), Phi(x) = (1 + erf(x/sqrt2))/2 = erfc(-x/sqrt2)/2, computed from
 * erfc so that the negative tail keeps its relative accuracy (1 + erf would cancel):
 * with a = |x|/sqrt2 and q = (a-2)/(a+2) (Juffa's erfcf argument reduction),
 *   (1 + 2a) exp(a^2) erfc(a) = 1 + G(q),
 * G a degree-10 polynomial fitted here (weighted least squares, Lawson iterations) on
 * a in [0, 9.5]: relative error 8e-9 before rounding. The division by 1 + 2a is
 * corrected by its residual, and exp(-a^2) takes a^2 = x^2/2 as a head plus an
 * fma-exact tail, so neither a's rounding nor a^2's shows. Max error ~3 ulp of GELU;
 * tests/test_kernels.c sweeps the float range against double erfc. No divisions. */

/* exp(x) for x in [-87.3, 88.3] (clamped), ~1 ulp: Cody-Waite reduction by ln2 and a
 * degree-7 Taylor polynomial on |r| <= ln2/2. Inputs below -87.3 give 0. */
static inline vf v_exp(vf x) {
    vf xc = v_max(v_min(x, v_set1(88.3f)), v_set1(-87.3f));
    vf n = v_round(v_mul(xc, v_set1(1.44269504088896341f)));
    vf r = v_fnma(n, v_set1(0.693145751953125f), xc);   /* ln2 head: exact product */
    r = v_fnma(n, v_set1(1.42860682030941723e-6f), r);   /* ln2 tail */
    vf p = v_set1(1.0f / 5040);
    p = v_fma(p, r, v_set1(1.0f / 720));
    p = v_fma(p, r, v_set1(1.0f / 120));
    p = v_fma(p, r, v_set1(1.0f / 24));
    p = v_fma(p, r, v_set1(1.0f / 6));
    p = v_fma(p, r, v_set1(0.5f));
    p = v_fma(p, r, v_set1(1.0f));
    p = v_fma(p, r, v_set1(1.0f));
    return v_sel_gt(v_set1(-87.3f), x, v_zero(), v_ldexp(p, n));
}

static inline vf v_gelu(vf x) {
    /* a = |x|/sqrt2 = ah + al */
    vf ax = v_abs(x), xx = v_mul(x, x);
    vf ah = v_mul(ax, v_set1(0.707106781186547524f));
    vf al = v_fma(ax, v_set1(1.21016175e-08f), v_fms(ax, v_set1(0.707106781186547524f), ah));
    /* (1 + 2a) exp(a^2) erfc(a) = 1 + G(q), q = (a-2)/(a+2): flat, so q's rounding is harmless */
    vf q = v_mul(v_sub(ah, v_set1(2.0f)), v_rcp(v_add(ah, v_set1(2.0f))));
    vf p = v_set1(1.8450799519844178e-05f);
    p = v_fma(p, q, v_set1(-0.0003815582364971088f));
    p = v_fma(p, q, v_set1(-0.001256256044233979f));
    p = v_fma(p, q, v_set1(0.001286880799161897f));
    p = v_fma(p, q, v_set1(0.00864441084323524f));
    p = v_fma(p, q, v_set1(-0.008048047722266584f));
    p = v_fma(p, q, v_set1(-0.054206936140518906f));
    p = v_fma(p, q, v_set1(0.16405347263481274f));
    p = v_fma(p, q, v_set1(-0.16603120820234754f));
    p = v_fma(p, q, v_set1(-0.0927639041137318f));
    p = v_fma(p, q, v_set1(0.276978390151917f));
    /* f = (1 + G) / (1 + 2a), the quotient corrected by its residual (so an approximate
     * reciprocal is enough: no divider on the path) */
    vf rcp = v_rcp(v_add(v_set1(1.0f), v_add(ah, ah)));
    vf f = v_fma(p, rcp, rcp);
    vf twof = v_add(f, f);
    vf res = v_add(v_sub(p, f), v_fnma(twof, ah, v_set1(1.0f)));
    res = v_fnma(twof, al, res);
    f = v_fma(res, rcp, f);
    /* erfc(a) = f exp(-a^2), a^2 = x^2/2 = (xx + lo)/2 with lo exact */
    vf lo = v_fms(x, x, xx);
    vf e = v_exp(v_mul(xx, v_set1(-0.5f)));
    e = v_fnma(v_mul(lo, v_set1(0.5f)), e, e);
    vf half_erfc = v_mul(v_mul(f, v_set1(0.5f)), e);
    /* Phi(x) = erfc(a)/2 below 0, 1 - erfc(a)/2 above */
    return v_mul(x, v_sel_neg(x, half_erfc, v_sub(v_set1(1.0f), half_erfc)));
}

/* x * sigmoid(x); with t = exp(-|x|) (no overflow), sigmoid is 1/(1+t) or t/(1+t) */
static inline vf v_swish(vf x) {
    vf t = v_exp(v_sub(v_zero(), v_abs(x)));
    vf sig = v_div(v_sel_neg(x, t, v_set1(1.0f)), v_add(v_set1(1.0f), t));
    return v_mul(x, sig);
}

static inline vf v_act(kn_act act, vf x) {
    switch (act) {
    case KN_ACT_GELU: return v_gelu(x);
    case KN_ACT_SWISH: return v_swish(x);
    default: return x;
    }
}
