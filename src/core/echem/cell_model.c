/* cell_model.c — symmetric-cell voltage: BV kinetics at both interfaces
 * plus ohmic drops through electrolyte and interphase. */
#include "cell_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tl_series_check(const tl_series *s, const char *what, int nonneg, tl_error *err)
{
    if (s->n == 0) return tl_err(err, "%s: series is empty", what);
    for (size_t k = 0; k < s->n; k++) {
        if (!isfinite(s->t[k])) return tl_err(err, "%s: time element %zu is not finite", what, k + 1);
        if (!isfinite(s->y[k])) return tl_err(err, "%s: element %zu is not finite (%g)", what, k + 1, s->y[k]);
        if (nonneg && s->y[k] < 0) return tl_err(err, "%s: element %zu is negative (%g)", what, k + 1, s->y[k]);
        if (k && s->t[k] < s->t[k - 1])
            return tl_err(err, "%s: times must not decrease (element %zu: %g s after %g s)", what, k + 1, s->t[k],
                          s->t[k - 1]);
    }
    return 0;
}

double tl_series_at(const tl_series *s, double t)
{
    if (t <= s->t[0]) return s->y[0];
    if (t >= s->t[s->n - 1]) return s->y[s->n - 1];
    size_t lo = 0, hi = s->n - 1; /* t[lo] < t < t[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->t[mid] <= t) lo = mid; else hi = mid;
    }
    double w = (t - s->t[lo]) / (s->t[hi] - s->t[lo]);
    return s->y[lo] + w * (s->y[hi] - s->y[lo]);
}

void tl_cell_state_free(tl_cell_state *st)
{
    free(st->i_top); free(st->i_bottom); free(st->i_app); free(st->l_int);
    memset(st, 0, sizeof *st);
}

int tl_cell_params_check(const tl_cell_params *p, const char *who, tl_error *err)
{
    if (tl_bv_check(&p->bv, who, err)) return -1;
    if (!(p->kappa_electrolyte > 0) || !isfinite(p->kappa_electrolyte))
        return tl_err(err, "%s: kappa_electrolyte must be > 0 S/cm (got %g)", who, p->kappa_electrolyte);
    if (!(p->kappa_interphase > 0) || !isfinite(p->kappa_interphase))
        return tl_err(err, "%s: kappa_interphase must be > 0 S/cm (got %g)", who, p->kappa_interphase);
    return 0;
}

int tl_cell_prepare(const tl_cell_inputs *in, tl_cell_state *st, tl_error *err)
{
    memset(st, 0, sizeof *st);
    if (in->n == 0) return tl_err(err, "cell model: the time series is empty");
    for (size_t k = 0; k < in->n; k++) {
        if (!isfinite(in->time[k])) return tl_err(err, "cell model: time element %zu is not finite", k + 1);
        if (k && in->time[k] < in->time[k - 1])
            return tl_err(err, "cell model: time must not decrease (element %zu: %g s after %g s)", k + 1,
                          in->time[k], in->time[k - 1]);
        if (!isfinite(in->current[k]))
            return tl_err(err, "cell model: current element %zu is not finite", k + 1);
    }
    if (tl_series_check(&in->area_top, "cell model: contact_top", 1, err)) return -1;
    if (tl_series_check(&in->area_bottom, "cell model: contact_bottom", 1, err)) return -1;
    if (in->interphase.n && tl_series_check(&in->interphase, "cell model: interphase_thickness", 1, err)) return -1;
    if (!(in->contact_scale > 0) || !isfinite(in->contact_scale))
        return tl_err(err, "cell model: contact_scale must be > 0 (got %g)", in->contact_scale);
    if (!(in->electrolyte_thickness >= 0) || !isfinite(in->electrolyte_thickness))
        return tl_err(err, "cell model: electrolyte_thickness must be >= 0 µm (got %g)", in->electrolyte_thickness);

    size_t n = in->n;
    st->n = n;
    st->time = in->time;
    st->l_e = in->electrolyte_thickness;
    st->i_top = malloc(n * sizeof(double));
    st->i_bottom = malloc(n * sizeof(double));
    st->i_app = malloc(n * sizeof(double));
    st->l_int = malloc(n * sizeof(double));
    if (!st->i_top || !st->i_bottom || !st->i_app || !st->l_int) {
        tl_cell_state_free(st);
        return tl_err(err, "cell model: out of memory for %zu samples", n);
    }
    for (size_t k = 0; k < n; k++) {
        double t = in->time[k], I = in->current[k];
        double a_top = tl_series_at(&in->area_top, t) * in->contact_scale;
        double a_bot = tl_series_at(&in->area_bottom, t) * in->contact_scale;
        if (I != 0 && (a_top <= 0 || a_bot <= 0)) {
            tl_cell_state_free(st);
            return tl_err(err, "cell model: %s contact area is 0 mm² at t = %g s (sample %zu) while the current is "
                          "%g mA", a_top <= 0 ? "top" : "bottom", t, k + 1, I);
        }
        /* mA / mm² -> mA/cm²: × 100. */
        st->i_top[k] = I == 0 ? 0 : 100.0 * I / a_top;
        st->i_bottom[k] = I == 0 ? 0 : -100.0 * I / a_bot;
        st->i_app[k] = 0.5 * (st->i_top[k] - st->i_bottom[k]);
        st->l_int[k] = in->interphase.n ? tl_series_at(&in->interphase, t) : 0.0;
    }
    return 0;
}

void tl_cell_eval(const tl_cell_state *st, const tl_cell_params *p, size_t lo, size_t hi, tl_cell_terms *out)
{
    /* Ohm's law in API units: mA/cm² · µm / (S/cm) = 1e-3 A/cm² · 1e-4 cm / (S/cm) = 1e-7 V. */
    const double unit = 1e-7;
    /* Samples are independent: any schedule gives the same numbers. */
#pragma omp parallel for schedule(static) if (hi - lo > 4096)
    for (size_t k = lo; k < hi; k++) {
        size_t j = k - lo;
        double eta_t = tl_bv_overpotential(&p->bv, st->i_top[k]);
        double eta_b = tl_bv_overpotential(&p->bv, st->i_bottom[k]);
        double ohm_e = unit * st->i_app[k] * st->l_e / p->kappa_electrolyte;
        double ohm_i = unit * st->i_app[k] * st->l_int[k] / p->kappa_interphase;
        out->voltage[j] = (eta_t - eta_b) + (ohm_e + ohm_i);
        if (out->eta_top) out->eta_top[j] = eta_t;
        if (out->eta_bottom) out->eta_bottom[j] = eta_b;
        if (out->ohm_electrolyte) out->ohm_electrolyte[j] = ohm_e;
        if (out->ohm_interphase) out->ohm_interphase[j] = ohm_i;
    }
}

int tl_current_from_steps(const double *time, size_t n, const double *start, const double *current,
                          size_t nsteps, double *out, tl_error *err)
{
    if (nsteps == 0) return tl_err(err, "current steps: no steps given");
    for (size_t s = 0; s < nsteps; s++) {
        if (!isfinite(start[s]) || !isfinite(current[s]))
            return tl_err(err, "current steps: step %zu is not finite", s + 1);
        if (s && !(start[s] > start[s - 1]))
            return tl_err(err, "current steps: step start times must increase (step %zu starts at %g s, step %zu at "
                          "%g s)", s + 1, start[s], s, start[s - 1]);
    }
    size_t s = 0;
    for (size_t k = 0; k < n; k++) {
        if (k && time[k] < time[k - 1])
            return tl_err(err, "current steps: time must not decrease (element %zu)", k + 1);
        while (s < nsteps && start[s] <= time[k]) s++;
        out[k] = s == 0 ? 0.0 : current[s - 1];
    }
    return 0;
}

int tl_current_fraction(double volume_loss_um3, double current_mA, double duration_s, double molar_volume,
                        double *fraction, tl_error *err)
{
    if (!isfinite(volume_loss_um3)) return tl_err(err, "current_fraction: volume_loss is not finite");
    if (!(fabs(current_mA) > 0) || !isfinite(current_mA))
        return tl_err(err, "current_fraction: current must be finite and non-zero (got %g mA)", current_mA);
    if (!(duration_s > 0) || !isfinite(duration_s))
        return tl_err(err, "current_fraction: duration must be > 0 s (got %g)", duration_s);
    if (!(molar_volume > 0) || !isfinite(molar_volume))
        return tl_err(err, "current_fraction: molar_volume must be > 0 cm³/mol (got %g)", molar_volume);
    double moles = volume_loss_um3 * 1e-12 / molar_volume; /* µm³ -> cm³ */
    double charge_li = moles * TL_FARADAY;                  /* C */
    double charge = fabs(current_mA) * 1e-3 * duration_s;   /* C */
    *fraction = charge_li / charge;
    return 0;
}
