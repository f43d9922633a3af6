/* synthetic_mpt.c — model voltage + seeded noise, written as EC-Lab GCPL. */
#include "synthetic_mpt.h"
#include "mpt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TL_VERSION
#define TL_VERSION "0.0.0"
#endif

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double tl_echem_gauss(uint64_t *state)
{
    /* Box–Muller; u1 in (0, 1] so the log is finite. */
    double u1 = ((double)(splitmix64(state) >> 11) + 1.0) * 0x1.0p-53;
    double u2 = (double)(splitmix64(state) >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

enum { C_MODE, C_OXRED, C_ERROR, C_CTRL, C_NSCH, C_COUNTER, C_NS, C_TIME, C_CONTROL, C_EWE, C_I, C_DQ, C_QQO,
       C_HALF, C_CYCLE, NCOLS };
static const char *const col_names[NCOLS] = {
    "mode", "ox/red", "error", "control changes", "Ns changes", "counter inc.", "Ns", "time/s", "control/mA",
    "Ewe/V", "I/mA", "dq/mA.h", "(Q-Qo)/mA.h", "half cycle", "cycle number",
};

static char *model_header(const tl_cell_inputs *in, const tl_cell_params *p, const tl_synthetic_opts *o)
{
    char *h = malloc(2048);
    if (!h) return NULL;
    snprintf(h, 2048,
             "Synthetic curve written by tomolith %s (not measured)\n"
             "Model : Butler-Volmer at both Li interfaces + ohmic drops in electrolyte and interphase\n"
             "i0 : %.9g mA/cm²\n"
             "alpha_a : %.9g\n"
             "alpha_c : %.9g\n"
             "T : %.9g K\n"
             "kappa electrolyte : %.9g S/cm\n"
             "kappa interphase : %.9g S/cm\n"
             "electrolyte thickness : %.9g µm\n"
             "contact scale : %.9g\n"
             "Noise : Ewe %.9g V, I %.9g mA (Gaussian, seed %llu)\n"
             "Cycle Definition : Charge/Discharge alternance\n",
             TL_VERSION, p->bv.i0, p->bv.alpha_a, p->bv.alpha_c, p->bv.T, p->kappa_electrolyte,
             p->kappa_interphase, in->electrolyte_thickness, in->contact_scale, o->noise_voltage, o->noise_current,
             (unsigned long long)o->seed);
    return h;
}

int tl_synthetic_mpt(const char *path, const tl_cell_inputs *in, const tl_cell_params *p,
                     const tl_synthetic_opts *o, double *voltage, double *clean, tl_error *err)
{
    if (!(o->noise_voltage >= 0) || !isfinite(o->noise_voltage))
        return tl_err(err, "synthetic_mpt: noise must be >= 0 V (got %g)", o->noise_voltage);
    if (!(o->noise_current >= 0) || !isfinite(o->noise_current))
        return tl_err(err, "synthetic_mpt: current_noise must be >= 0 mA (got %g)", o->noise_current);
    if (tl_cell_params_check(p, "synthetic_mpt", err)) return -1;
    tl_cell_state st;
    if (tl_cell_prepare(in, &st, err)) return tl_err_prefix(err, "synthetic_mpt: ");
    size_t n = in->n;
    tl_mpt t;
    if (tl_mpt_alloc(&t, NCOLS, n, err)) { tl_cell_state_free(&st); return -1; }
    int rc = -1;
    for (size_t c = 0; c < NCOLS; c++)
        if (tl_mpt_set_name(&t, c, col_names[c], err)) goto done;
    t.technique = strdup("Galvanostatic Cycling with Potential Limitation");
    t.header = o->header ? strdup(o->header) : model_header(in, p, o);
    if (!t.technique || !t.header) { tl_err(err, "synthetic_mpt: out of memory"); goto done; }

    double *model = t.cols[C_EWE];
    tl_cell_terms terms = {.voltage = model};
    tl_cell_eval(&st, p, 0, n, &terms);
    if (clean) memcpy(clean, model, n * sizeof *clean);

    /* Noise in sample order from one stream: the same seed gives the same file. */
    uint64_t rng = o->seed;
    double q = 0, last_nonzero = 0;
    long ns = 0, half = 0;
    for (size_t k = 0; k < n; k++) {
        double I = in->current[k];
        int new_step = k > 0 && I != in->current[k - 1];
        if (new_step) ns++;
        /* A change of sign starts a new half cycle; rests in between do not. */
        if (I != 0) {
            if (last_nonzero != 0 && (I > 0) != (last_nonzero > 0)) half++;
            last_nonzero = I;
        }
        double v_noise = o->noise_voltage > 0 ? o->noise_voltage * tl_echem_gauss(&rng) : 0;
        double i_noise = o->noise_current > 0 ? o->noise_current * tl_echem_gauss(&rng) : 0;
        double I_meas = I == 0 ? 0 : I + i_noise;
        model[k] += v_noise;
        t.cols[C_MODE][k] = I == 0 ? 3 : 1; /* EC-Lab: 1 galvanostatic, 3 rest */
        t.cols[C_OXRED][k] = I > 0 ? 1 : 0;
        t.cols[C_ERROR][k] = 0;
        t.cols[C_CTRL][k] = (k == 0 || new_step) ? 1 : 0;
        t.cols[C_NSCH][k] = new_step ? 1 : 0;
        t.cols[C_COUNTER][k] = 0;
        t.cols[C_NS][k] = (double)ns;
        t.cols[C_TIME][k] = in->time[k];
        t.cols[C_CONTROL][k] = I;
        t.cols[C_I][k] = I_meas;
        /* Step currents hold from their sample on: the charge since the
         * previous sample was carried at the previous sample's current. */
        double dq = k == 0 ? 0 : t.cols[C_I][k - 1] * (in->time[k] - in->time[k - 1]) / 3600.0;
        q += dq;
        t.cols[C_DQ][k] = dq;
        t.cols[C_QQO][k] = q;
        t.cols[C_HALF][k] = (double)half;
        t.cols[C_CYCLE][k] = (double)(half / 2);
    }
    if (voltage) memcpy(voltage, model, n * sizeof *voltage);
    tl_mpt_write_opts wo = {o->decimal_comma, 15, 1};
    rc = tl_mpt_write(path, &t, &wo, err);
    if (rc) tl_err_prefix(err, "synthetic_mpt: ");
done:
    tl_mpt_free(&t);
    tl_cell_state_free(&st);
    return rc;
}
