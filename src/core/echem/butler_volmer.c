/* butler_volmer.c — Butler–Volmer current and its inverse. */
#include "butler_volmer.h"

#include <math.h>

int tl_bv_check(const tl_bv_params *p, const char *who, tl_error *err)
{
    if (!(p->i0 > 0) || !isfinite(p->i0))
        return tl_err(err, "%s: i0 must be a finite number > 0 mA/cm² (got %g)", who, p->i0);
    if (!(p->alpha_a > 0) || !isfinite(p->alpha_a))
        return tl_err(err, "%s: alpha_a must be > 0 (got %g)", who, p->alpha_a);
    if (!(p->alpha_c > 0) || !isfinite(p->alpha_c))
        return tl_err(err, "%s: alpha_c must be > 0 (got %g)", who, p->alpha_c);
    if (!(p->T > 0) || !isfinite(p->T))
        return tl_err(err, "%s: T must be > 0 K (got %g)", who, p->T);
    return 0;
}

/* expm1 keeps the difference accurate near η = 0, where both exponentials
 * are close to 1 and a plain exp(a) − exp(b) would cancel. */
static double bv_shape(double a, double c, double eta)
{
    return expm1(a * eta) - expm1(-c * eta);
}

double tl_bv_current(const tl_bv_params *p, double eta)
{
    double f_rt = TL_FARADAY / (TL_GAS_CONSTANT * p->T);
    return p->i0 * bv_shape(p->alpha_a * f_rt, p->alpha_c * f_rt, eta);
}

double tl_bv_overpotential(const tl_bv_params *p, double i)
{
    if (i == 0) return 0;
    double f_rt = TL_FARADAY / (TL_GAS_CONSTANT * p->T);
    double a = p->alpha_a * f_rt, c = p->alpha_c * f_rt;
    double x = i / p->i0; /* solve g(η) = bv_shape(η) − x = 0, g increasing */
    /* Bracket: for x > 0, g(0) < 0 and g(log1p(x)/a) >= 0 because
     * e^{aη} − e^{−cη} >= e^{aη} − 1; mirror for x < 0. */
    double lo, hi;
    if (x > 0) { lo = 0; hi = log1p(x) / a; }
    else { lo = -log1p(-x) / c; hi = 0; }
    /* Start from the Tafel branch or the linear regime, whichever is closer. */
    double eta = x > 0 ? fmin(hi, x / (a + c)) : fmax(lo, x / (a + c));
    for (int it = 0; it < 200; it++) {
        double ea = exp(a * eta), ec = exp(-c * eta);
        double g = bv_shape(a, c, eta) - x;
        if (g == 0) return eta;
        if (g < 0) lo = eta; else hi = eta;
        double dg = a * ea + c * ec;
        double next = eta - g / dg;
        /* Safeguard: a Newton step leaving the bracket becomes bisection. */
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        if (next == eta || fabs(next - eta) <= 2e-16 * fabs(eta) || hi - lo <= 4e-16 * fabs(eta)) return next;
        eta = next;
    }
    return eta;
}

/* One loop for both directions: `who` names the operator, `what` its input. */
static int bv_map(const tl_bv_params *p, double (*fn)(const tl_bv_params *, double), const char *who,
                  const char *what, const double *in, double *out, size_t n, tl_error *err)
{
    if (tl_bv_check(p, who, err)) return -1;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(in[k])) return tl_err(err, "%s: %s element %zu is not finite (%g)", who, what, k + 1, in[k]);
        out[k] = fn(p, in[k]);
    }
    return 0;
}

int tl_bv_current_n(const tl_bv_params *p, const double *eta, double *out, size_t n, tl_error *err)
{
    return bv_map(p, tl_bv_current, "bv.current", "eta", eta, out, n, err);
}

int tl_bv_overpotential_n(const tl_bv_params *p, const double *i, double *out, size_t n, tl_error *err)
{
    return bv_map(p, tl_bv_overpotential, "bv.overpotential", "current", i, out, n, err);
}
