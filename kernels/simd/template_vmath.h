/* template_vmath.h — exp, GELU and Swish on the vector vocabulary (vec_*.h).
 *
 * GELU is x * Phi(x), Phi(x) = (1 + erf(x/sqrt2))/2 = erfc(-x/sqrt2)/2. On [-0.75, 1.5]
 * it uses erf(x/sqrt2) = x R(x^2) (R degree 6, relative error 4e-9 before rounding);
 * elsewhere erfc, so that the negative tail keeps its relative accuracy (1 + erf
 * would cancel there):
 *   a = |x|/sqrt2,  t = 2/(2+a),  erfc(a) = t * exp(-a^2) * P(t),
 * P a degree-10 polynomial fitted (weighted least squares, Lawson iterations) to
 * erfc(a) exp(a^2) / t on a in [0, 9.5]: relative error 3e-9 before rounding.
 * exp(-a^2) takes a^2 = x^2/2 as a head and an fma-exact tail, so a^2's rounding
 * (relative error 2 a^2 eps in erfc otherwise) does not show. Max error is a few ulp
 * of GELU over all floats (tests/test_kernels.c checks it against double erf). */

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
    vf xx = v_mul(x, x);
    /* near 0: 1 + erf(x/sqrt2) does not cancel, erf(x/sqrt2) = x R(x^2) */
    vf r = v_set1(7.941690530247351e-07f);
    r = v_fma(r, xx, v_set1(-1.7248527559715028e-05f));
    r = v_fma(r, xx, v_set1(0.00022825686464191485f));
    r = v_fma(r, xx, v_set1(-0.0023724707047682006f));
    r = v_fma(r, xx, v_set1(0.0199462302737334f));
    r = v_fma(r, xx, v_set1(-0.13298062442100567f));
    r = v_fma(r, xx, v_set1(0.797884557349925f));
    vf hx = v_mul(x, v_set1(0.5f));
    vf near0 = v_fma(hx, v_mul(x, r), hx);

    /* elsewhere: from erfc(a), a = |x|/sqrt2 = ah + al */
    vf ax = v_abs(x);
    vf ah = v_mul(ax, v_set1(0.707106781186547524f));
    vf al = v_fma(ax, v_set1(1.21016175e-08f), v_fms(ax, v_set1(0.707106781186547524f), ah));
    /* (1 + 2a) exp(a^2) erfc(a) = 1 + G(q), q = (a-2)/(a+2): flat, so q's rounding is harmless */
    vf q = v_div(v_sub(ah, v_set1(2.0f)), v_add(ah, v_set1(2.0f)));
    vf p = v_set1(-0.0002508659412080902f);
    p = v_fma(p, q, v_set1(-0.0012659438351087457f));
    p = v_fma(p, q, v_set1(0.0011681249191382536f));
    p = v_fma(p, q, v_set1(0.008659701907266724f));
    p = v_fma(p, q, v_set1(-0.0080117656290005f));
    p = v_fma(p, q, v_set1(-0.054211432776636766f));
    p = v_fma(p, q, v_set1(0.16404936644848983f));
    p = v_fma(p, q, v_set1(-0.1660308092006331f));
    p = v_fma(p, q, v_set1(-0.09276378099423162f));
    p = v_fma(p, q, v_set1(0.2769783847347592f));
    /* f = (1 + G) / (1 + 2a), the quotient corrected by its residual */
    vf rcp = v_div(v_set1(1.0f), v_add(v_set1(1.0f), v_add(ah, ah)));
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
    vf phi = v_sel_neg(x, half_erfc, v_sub(v_set1(1.0f), half_erfc));
    vf tails = v_mul(x, phi);
    vf in_near0 = v_sel_gt(x, v_set1(-0.75f), v_sel_gt(x, v_set1(1.5f), v_zero(), v_set1(1.0f)), v_zero());
    return v_sel_gt(in_near0, v_set1(0.5f), near0, tails);
}

/* x * sigmoid(x) = x / (1 + exp(-x)) */
static inline vf v_swish(vf x) {
    return v_div(x, v_add(v_set1(1.0f), v_exp(v_sub(v_zero(), x))));
}

static inline vf v_act(kn_act act, vf x) {
    switch (act) {
    case KN_ACT_GELU: return v_gelu(x);
    case KN_ACT_SWISH: return v_swish(x);
    default: return x;
    }
}
