/* fit_cell.h — fit cell-model parameters to a measured voltage curve
 * (seed 000: i0 and κ_interphase on the first half-cycle). */
#ifndef TL_FIT_CELL_H
#define TL_FIT_CELL_H

#include "cell_model.h"

typedef enum {
    TL_CELL_I0 = 0,          /* mA/cm² */
    TL_CELL_KAPPA_INTERPHASE, /* S/cm */
    TL_CELL_KAPPA_ELECTROLYTE, /* S/cm */
    TL_CELL_ALPHA_A,
    TL_CELL_ALPHA_C,
    TL_CELL_NPARAMS
} tl_cell_param;

const char *tl_cell_param_name(int id); /* "i0", "kappa_interphase", ... */
int tl_cell_param_id(const char *name); /* -1 if unknown */
double tl_cell_param_get(const tl_cell_params *p, int id);
void tl_cell_param_set(tl_cell_params *p, int id, double v);

typedef struct tl_cell_fit_opts {
    int which[TL_CELL_NPARAMS]; /* ids of the fitted parameters */
    size_t nfit;
    double lower[TL_CELL_NPARAMS], upper[TL_CELL_NPARAMS]; /* per fitted parameter, natural units, > 0 */
    double t0, t1;  /* window in s (inclusive) */
    int max_iter;
} tl_cell_fit_opts;

typedef struct tl_cell_fit_result {
    tl_cell_params params;            /* start values with the fitted ones replaced */
    double value[TL_CELL_NPARAMS];    /* per fitted parameter */
    double std_error[TL_CELL_NPARAMS];
    double rms;                       /* V, root mean square residual */
    size_t lo, hi;                    /* window samples [lo, hi) */
    double *fitted;                   /* V, hi − lo values (malloc'ed) */
    int iterations, converged;
} tl_cell_fit_result;

/* Positive parameters are fitted as logarithms (bounds become finite
 * intervals of the log); std errors by the delta method, p · σ(log p). */
int tl_cell_fit(const tl_cell_state *st, const double *measured, const tl_cell_params *start,
                const tl_cell_fit_opts *o, tl_cell_fit_result *res, tl_error *err);
void tl_cell_fit_result_free(tl_cell_fit_result *res);

#endif
