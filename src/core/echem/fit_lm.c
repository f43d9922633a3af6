/* fit_lm.c — Levenberg–Marquardt with bounds and numerical Jacobian. */
#include "fit_lm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tl_lm_cholesky_solve(double *A, double *b, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        double d = A[j * k + j];
        for (size_t p = 0; p < j; p++) d -= A[j * k + p] * A[j * k + p];
        if (!(d > 0) || !isfinite(d)) return -1;
        d = sqrt(d);
        A[j * k + j] = d;
        for (size_t i = j + 1; i < k; i++) {
            double s = A[i * k + j];
            for (size_t p = 0; p < j; p++) s -= A[i * k + p] * A[j * k + p];
            A[i * k + j] = s / d;
        }
    }
    for (size_t i = 0; i < k; i++) { /* L y = b */
        double s = b[i];
        for (size_t p = 0; p < i; p++) s -= A[i * k + p] * b[p];
        b[i] = s / A[i * k + i];
    }
    for (size_t i = k; i-- > 0;) { /* Lᵀ x = y */
        double s = b[i];
        for (size_t p = i + 1; p < k; p++) s -= A[p * k + i] * b[p];
        b[i] = s / A[i * k + i];
    }
    return 0;
}

static double sum_sq(const double *r, size_t m)
{
    double s = 0;
    for (size_t i = 0; i < m; i++) s += r[i] * r[i];
    return s;
}

static double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* J (m×k, column-major: J[j*m + i] = ∂r_i/∂θ_j) by central differences. */
static int jacobian(tl_lm_residual_fn f, void *ctx, size_t k, size_t m, const double *theta, const double *r0,
                    const double *lower, const double *upper, double *J, double *rp, double *rm, tl_error *err)
{
    double th[TL_LM_MAX_PARAMS];
    for (size_t j = 0; j < k; j++) {
        memcpy(th, theta, k * sizeof *th);
        double h = 1e-6 * fmax(1.0, fabs(theta[j]));
        int up = theta[j] + h <= upper[j], down = theta[j] - h >= lower[j];
        if (up) { th[j] = theta[j] + h; if (f(th, rp, ctx, err)) return -1; }
        if (down) { th[j] = theta[j] - h; if (f(th, rm, ctx, err)) return -1; }
        for (size_t i = 0; i < m; i++) {
            if (up && down) J[j * m + i] = (rp[i] - rm[i]) / (2 * h);
            else if (up) J[j * m + i] = (rp[i] - r0[i]) / h;
            else if (down) J[j * m + i] = (r0[i] - rm[i]) / h;
            else J[j * m + i] = 0; /* bounds closer than h: parameter is pinned */
        }
    }
    return 0;
}

static void normal_equations(const double *J, const double *r, size_t k, size_t m, double *A, double *g)
{
    for (size_t a = 0; a < k; a++) {
        double s = 0;
        for (size_t i = 0; i < m; i++) s += J[a * m + i] * r[i];
        g[a] = s;
        for (size_t b = 0; b <= a; b++) {
            double t = 0;
            for (size_t i = 0; i < m; i++) t += J[a * m + i] * J[b * m + i];
            A[a * k + b] = A[b * k + a] = t;
        }
    }
}

int tl_lm_fit(tl_lm_residual_fn f, void *ctx, size_t k, size_t m, double *theta, const double *lower,
              const double *upper, const tl_lm_opts *o, tl_lm_result *res, tl_error *err)
{
    memset(res, 0, sizeof *res);
    if (k == 0 || k > TL_LM_MAX_PARAMS) return tl_err(err, "fit: %zu parameters (1..%d allowed)", k, TL_LM_MAX_PARAMS);
    if (m < k) return tl_err(err, "fit: %zu data points cannot determine %zu parameters", m, k);
    for (size_t j = 0; j < k; j++) {
        if (!(lower[j] <= upper[j])) return tl_err(err, "fit: parameter %zu has lower bound > upper bound", j + 1);
        if (!isfinite(theta[j])) return tl_err(err, "fit: start value of parameter %zu is not finite", j + 1);
        theta[j] = clampd(theta[j], lower[j], upper[j]);
    }
    double *r = malloc(m * sizeof *r), *rn = malloc(m * sizeof *rn), *J = malloc(k * m * sizeof *J);
    double *rp = malloc(m * sizeof *rp), *rm = malloc(m * sizeof *rm);
    int rc = -1;
    if (!r || !rn || !J || !rp || !rm) { tl_err(err, "fit: out of memory for %zu points", m); goto done; }
    if (f(theta, r, ctx, err)) goto done;
    double cost = sum_sq(r, m);
    if (!isfinite(cost)) { tl_err(err, "fit: the model is not finite at the start values"); goto done; }

    double A[TL_LM_MAX_PARAMS * TL_LM_MAX_PARAMS], g[TL_LM_MAX_PARAMS], M[TL_LM_MAX_PARAMS * TL_LM_MAX_PARAMS];
    double d[TL_LM_MAX_PARAMS], th[TL_LM_MAX_PARAMS];
    double lambda = 1e-3;
    int need_jac = 1;
    for (res->iterations = 0; res->iterations < o->max_iter; res->iterations++) {
        if (tl_check_interrupt(err)) goto done;
        if (need_jac) {
            if (jacobian(f, ctx, k, m, theta, r, lower, upper, J, rp, rm, err)) goto done;
            normal_equations(J, r, k, m, A, g);
            need_jac = 0;
        }
        if (cost == 0) { res->converged = 1; break; }
        memcpy(M, A, k * k * sizeof *M);
        for (size_t j = 0; j < k; j++) {
            M[j * k + j] += lambda * fmax(A[j * k + j], 1e-300);
            d[j] = -g[j];
        }
        if (tl_lm_cholesky_solve(M, d, k)) { lambda *= 10; if (lambda > 1e16) break; continue; }
        double step = 0, size = 0;
        for (size_t j = 0; j < k; j++) {
            th[j] = clampd(theta[j] + d[j], lower[j], upper[j]);
            step += (th[j] - theta[j]) * (th[j] - theta[j]);
            size += theta[j] * theta[j];
        }
        if (f(th, rn, ctx, err)) goto done;
        double cost_new = sum_sq(rn, m);
        if (isfinite(cost_new) && cost_new < cost) {
            double decrease = (cost - cost_new) / cost;
            memcpy(theta, th, k * sizeof *th);
            memcpy(r, rn, m * sizeof *r);
            cost = cost_new;
            lambda = fmax(lambda / 10, 1e-12);
            need_jac = 1;
            if (sqrt(step) <= o->xtol * (sqrt(size) + o->xtol) || decrease <= o->ftol) {
                res->converged = 1;
                res->iterations++;
                break;
            }
        } else {
            lambda *= 10;
            /* No damping finds a lower cost: θ is a minimum to working precision. */
            if (lambda > 1e16 || sqrt(step) <= o->xtol * (sqrt(size) + o->xtol)) { res->converged = 1; break; }
        }
    }
    res->ssr = cost;

    /* Covariance at the solution. The loop leaves JᵀJ at theta unless its
     * last step was accepted (need_jac); only then evaluate it again. */
    if (need_jac) {
        if (jacobian(f, ctx, k, m, theta, r, lower, upper, J, rp, rm, err)) goto done;
        normal_equations(J, r, k, m, A, g);
    }
    double s2 = m > k ? cost / (double)(m - k) : NAN;
    for (size_t c = 0; c < k; c++) {
        double e[TL_LM_MAX_PARAMS] = {0};
        e[c] = 1;
        memcpy(M, A, k * k * sizeof *M);
        if (tl_lm_cholesky_solve(M, e, k)) {
            for (size_t j = 0; j < k * k; j++) res->cov[j] = NAN;
            break;
        }
        for (size_t j = 0; j < k; j++) res->cov[j * k + c] = e[j] * s2;
    }
    rc = 0;
done:
    free(r); free(rn); free(J); free(rp); free(rm);
    return rc;
}
