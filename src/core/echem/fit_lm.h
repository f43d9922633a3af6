/* fit_lm.h — Levenberg–Marquardt least squares with box bounds.
 *
 * Minimises Σ r_i(θ)² over θ ∈ [lower, upper] (bounds may be ±inf).
 * Jacobian by central differences (one-sided at a bound); damping
 * (JᵀJ + λ diag(JᵀJ)) δ = −Jᵀr (Marquardt's scaling); steps are
 * projected onto the box. Callers that need a positive parameter fit its
 * logarithm. The covariance (JᵀJ)⁻¹ s², s² = SSR / (m − k), is evaluated
 * at the solution. */
#ifndef TL_FIT_LM_H
#define TL_FIT_LM_H

#include <stddef.h>

#include "../tl_error.h"

#define TL_LM_MAX_PARAMS 16

/* Fill r[0..m) for parameters theta[0..k); 0 or -1 with err filled. */
typedef int (*tl_lm_residual_fn)(const double *theta, double *r, void *ctx, tl_error *err);

typedef struct tl_lm_opts {
    int max_iter;  /* e.g. 200 */
    double xtol;   /* relative step size to stop, e.g. 1e-10 */
    double ftol;   /* relative decrease of SSR to stop, e.g. 1e-14 */
} tl_lm_opts;

typedef struct tl_lm_result {
    double ssr;                                    /* Σ r² at the solution */
    double cov[TL_LM_MAX_PARAMS * TL_LM_MAX_PARAMS]; /* k×k, row-major; NaN if singular */
    int iterations;
    int converged;  /* 1 if a tolerance was met, 0 if max_iter ran out */
} tl_lm_result;

int tl_lm_fit(tl_lm_residual_fn f, void *ctx, size_t k, size_t m, double *theta, const double *lower,
              const double *upper, const tl_lm_opts *o, tl_lm_result *res, tl_error *err);

/* Solve A x = b for symmetric positive definite A (k×k) by Cholesky;
 * -1 if A is not positive definite. A is overwritten. */
int tl_lm_cholesky_solve(double *A, double *b, size_t k);

#endif
