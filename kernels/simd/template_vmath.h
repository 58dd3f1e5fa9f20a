/* template_vmath.h — exp, GELU and Swish on the vector vocabulary (vec_*.h).
 *
 * GELU is x * Phi(x), Phi(x) = (1 + erf(x/sqrt2))/2 = erfc(-x/sqrt2)/2, computed from
 * erfc so that the negative tail keeps its relative accuracy (1 + erf would cancel):
 * with a = |x|/sqrt2, r = 1/(a+2) and q = 1 - 4r = (a-2)/(a+2) (Juffa's erfcf argument),
 *   exp(a^2) erfc(a) / 2 = r H(q),
 * H a degree-10 polynomial fitted here (weighted least squares, Lawson iterations) on
 * a in [0, 9.4]: relative error 3e-9 before rounding. r takes a Newton step on the
 * exact a + 2, and exp(-a^2) takes a^2 = x^2/2 as a head plus an fma-exact tail, so
 * neither a + 2's rounding nor a^2's shows; x Phi(x) = max(x, 0) - |x| erfc(a)/2 in one
 * fma. 39 vector ops, no divisions, max error 4.5 ulp of GELU; tests/test_kernels.c
 * sweeps the float range against double erfc. */

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
    /* a = |x|/sqrt2, r = 1/(a+2), q = 1 - 4r; |x| clamped to 12.9, where erfc(a)/2 = 2.2e-38
     * is still a normal float (a denormal anywhere below costs a microcode assist per
     * vector: 10x slower) and |x| erfc(a)/2 < 1e-36 stands for ~0 */
    vf xc = v_min(v_set1(12.9f), v_abs(x)); /* NaN stays NaN: min takes the second operand */
    vf a = v_mul(xc, v_set1(0.707106781186547524f));
    vf r = v_rcp_est(v_add(a, v_set1(2.0f)));
    /* one Newton step on the exact a + 2 (a + 2 rounds by up to 2^-23, which would shift
     * q and H); 1 - 2r is exact, r being close to 1/2 or below */
    r = v_fma(r, v_fnma(r, a, v_fnma(v_set1(2.0f), r, v_set1(1.0f))), r);
    vf q = v_fnma(v_set1(4.0f), r, v_set1(1.0f));
    /* erfc(a) exp(a^2) / 2 = r H(q) */
    vf h = v_set1(3.327439481e-05f);
    h = v_fma(h, q, v_set1(2.064018190e-05f));
    h = v_fma(h, q, v_set1(-2.963619190e-04f));
    h = v_fma(h, q, v_set1(-4.136123753e-04f));
    h = v_fma(h, q, v_set1(1.532035414e-03f));
    h = v_fma(h, q, v_set1(3.237247001e-03f));
    h = v_fma(h, q, v_set1(-1.075309701e-02f));
    h = v_fma(h, q, v_set1(-1.822081581e-02f));
    h = v_fma(h, q, v_set1(1.397359073e-01f));
    h = v_fma(h, q, v_set1(-3.435803652e-01f));
    h = v_fma(h, q, v_set1(5.107913613e-01f));
    /* exp(-a^2), a^2 = x^2/2 = (xx + lo)/2 with lo exact: -lo/2 joins the reduced
     * argument; degree-6 minimax on |f| <= ln2/2 (2e-9 relative) */
    vf xx = v_mul(xc, xc), lo = v_fms(xc, xc, xx);
    vf t = v_mul(xx, v_set1(-0.5f));
    vf n = v_round(v_mul(t, v_set1(1.44269504088896341f)));
    vf f = v_fnma(n, v_set1(0.693145751953125f), t);
    f = v_fnma(n, v_set1(1.42860682030941723e-6f), f);
    f = v_fnma(v_set1(0.5f), lo, f);
    vf e = v_set1(1.384271192e-03f);
    e = v_fma(e, f, v_set1(8.374964818e-03f));
    e = v_fma(e, f, v_set1(4.166805744e-02f));
    e = v_fma(e, f, v_set1(1.666642129e-01f));
    e = v_fma(e, f, v_set1(4.999999404e-01f));
    e = v_fma(e, f, v_set1(1.0f));
    e = v_fma(e, f, v_set1(1.0f));
    vf half_erfc = v_mul(v_mul(r, h), v_ldexp(e, n));
    /* x Phi(x) = x erfc(a)/2 below 0, x (1 - erfc(a)/2) above: both max(x, 0) - |x| erfc(a)/2
     * (|x| clamped: GELU(inf) = inf, and below -12.9 -2.9e-37 for ~0) */
    return v_fnma(xc, half_erfc, v_max(x, v_zero()));
}

/* x * sigmoid(x); with t = exp(-|x|) (no overflow), sigmoid is 1/(1+t) or t/(1+t) */
static inline vf v_swish(vf x) {
    vf t = v_exp(v_sub(v_zero(), v_abs(x)));
    vf sig = v_div(v_sel_neg(x, t, v_set1(1.0f)), v_add(v_set1(1.0f), t));
    return v_mul(v_max(v_set1(-100.0f), x), sig); /* -inf * 0 would be NaN; NaN stays NaN */
}

static inline vf v_act(kn_act act, vf x) {
    switch (act) {
    case KN_ACT_GELU: return v_gelu(x);
    case KN_ACT_SWISH: return v_swish(x);
    default: return x;
    }
}
