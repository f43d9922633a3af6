/* fit_cell.c — Levenberg–Marquardt fit of the symmetric-cell model. */
#include "fit_cell.h"
#include "fit_lm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const param_names[TL_CELL_NPARAMS] = {
    "i0", "kappa_interphase", "kappa_electrolyte", "alpha_a", "alpha_c",
};

const char *tl_cell_param_name(int id) { return id >= 0 && id < TL_CELL_NPARAMS ? param_names[id] : "?"; }

int tl_cell_param_id(const char *name)
{
    for (int k = 0; k < TL_CELL_NPARAMS; k++)
        if (strcmp(name, param_names[k]) == 0) return k;
    return -1;
}

double tl_cell_param_get(const tl_cell_params *p, int id)
{
    switch (id) {
    case TL_CELL_I0: return p->bv.i0;
    case TL_CELL_KAPPA_INTERPHASE: return p->kappa_interphase;
    case TL_CELL_KAPPA_ELECTROLYTE: return p->kappa_electrolyte;
    case TL_CELL_ALPHA_A: return p->bv.alpha_a;
    case TL_CELL_ALPHA_C: return p->bv.alpha_c;
    default: return NAN;
    }
}

void tl_cell_param_set(tl_cell_params *p, int id, double v)
{
    switch (id) {
    case TL_CELL_I0: p->bv.i0 = v; break;
    case TL_CELL_KAPPA_INTERPHASE: p->kappa_interphase = v; break;
    case TL_CELL_KAPPA_ELECTROLYTE: p->kappa_electrolyte = v; break;
    case TL_CELL_ALPHA_A: p->bv.alpha_a = v; break;
    case TL_CELL_ALPHA_C: p->bv.alpha_c = v; break;
    default: break;
    }
}

typedef struct {
    const tl_cell_state *st;
    const double *measured;
    const tl_cell_fit_opts *o;
    tl_cell_params p;
    size_t lo, hi;
} fit_ctx;

static int residuals(const double *theta, double *r, void *vctx, tl_error *err)
{
    fit_ctx *c = vctx;
    tl_cell_params p = c->p;
    for (size_t j = 0; j < c->o->nfit; j++) tl_cell_param_set(&p, c->o->which[j], exp(theta[j]));
    tl_cell_terms t = {.voltage = r};
    tl_cell_eval(c->st, &p, c->lo, c->hi, &t);
    for (size_t i = 0; i < c->hi - c->lo; i++) {
        r[i] -= c->measured[c->lo + i];
        if (!isfinite(r[i])) return tl_err(err, "fit_cell: the model is not finite at t = %g s", c->st->time[c->lo + i]);
    }
    return 0;
}

void tl_cell_fit_result_free(tl_cell_fit_result *res)
{
    free(res->fitted);
    res->fitted = NULL;
}

int tl_cell_fit(const tl_cell_state *st, const double *measured, const tl_cell_params *start,
                const tl_cell_fit_opts *o, tl_cell_fit_result *res, tl_error *err)
{
    memset(res, 0, sizeof *res);
    if (o->nfit == 0) return tl_err(err, "fit_cell: no parameters to fit");
    for (size_t j = 0; j < o->nfit; j++) {
        if (o->which[j] < 0 || o->which[j] >= TL_CELL_NPARAMS)
            return tl_err(err, "fit_cell: unknown parameter id %d", o->which[j]);
        for (size_t q = 0; q < j; q++)
            if (o->which[q] == o->which[j])
                return tl_err(err, "fit_cell: parameter '%s' listed twice", tl_cell_param_name(o->which[j]));
    }
    if (tl_cell_params_check(start, "fit_cell (start values)", err)) return -1;
    for (size_t i = 0; i < st->n; i++)
        if (!isfinite(measured[i])) return tl_err(err, "fit_cell: voltage element %zu is not finite", i + 1);
    size_t lo = 0, hi;
    while (lo < st->n && st->time[lo] < o->t0) lo++;
    hi = lo;
    while (hi < st->n && st->time[hi] <= o->t1) hi++;
    if (hi - lo < o->nfit + 1)
        return tl_err(err, "fit_cell: the window %g..%g s holds %zu samples; fitting %zu parameters needs at least %zu",
                      o->t0, o->t1, hi - lo, o->nfit, o->nfit + 1);

    fit_ctx c = {st, measured, o, *start, lo, hi};
    double theta[TL_CELL_NPARAMS], lower[TL_CELL_NPARAMS], upper[TL_CELL_NPARAMS];
    for (size_t j = 0; j < o->nfit; j++) {
        double v = tl_cell_param_get(start, o->which[j]);
        lower[j] = o->lower[j] > 0 ? log(o->lower[j]) : -INFINITY;
        upper[j] = isfinite(o->upper[j]) && o->upper[j] > 0 ? log(o->upper[j]) : INFINITY;
        if (!(lower[j] <= upper[j]))
            return tl_err(err, "fit_cell: bounds of '%s' are empty (%g..%g)", tl_cell_param_name(o->which[j]),
                          o->lower[j], o->upper[j]);
        theta[j] = log(v);
    }
    tl_lm_opts lo_opts = {o->max_iter, 1e-10, 1e-15};
    tl_lm_result lm;
    if (tl_lm_fit(residuals, &c, o->nfit, hi - lo, theta, lower, upper, &lo_opts, &lm, err))
        return tl_err_prefix(err, "fit_cell: ");

    res->params = *start;
    for (size_t j = 0; j < o->nfit; j++) {
        double v = exp(theta[j]);
        tl_cell_param_set(&res->params, o->which[j], v);
        res->value[j] = v;
        res->std_error[j] = v * sqrt(lm.cov[j * o->nfit + j]);
    }
    res->rms = sqrt(lm.ssr / (double)(hi - lo));
    res->lo = lo; res->hi = hi;
    res->iterations = lm.iterations;
    res->converged = lm.converged;
    res->fitted = malloc((hi - lo) * sizeof(double));
    if (!res->fitted) return tl_err(err, "fit_cell: out of memory");
    tl_cell_terms t = {.voltage = res->fitted};
    tl_cell_eval(st, &res->params, lo, hi, &t);
    return 0;
}
