/* cell_model.h — voltage of a Li | solid electrolyte | Li symmetric cell
 * under galvanostatic current (seed 000, Methods):
 *
 *   V = η_top(i_top) − η_bottom(i_bottom) + i_app (l_e / κ_e + l_int(t) / κ_int)
 *
 * with i_top = +I / A_top(t) and i_bottom = −I / A_bottom(t) (mA/cm²),
 * A_j the measured contact area of interface j (interpolated in time),
 * i_app = (|i_top| + |i_bottom|) / 2 · sign(I) (the paper's "average of the
 * current densities at the top and bottom interfaces"), η from
 * Butler–Volmer at each interface, U_Li = 0.
 *
 * Sign convention: I > 0 strips (oxidises) lithium at the top electrode
 * and reduces at the bottom one; the cell voltage is φ_top − φ_bottom, so
 * it has the sign of I. The first half-cycle of seed 000 is I > 0 (top
 * strips), the second I < 0 (bottom strips). */
#ifndef TL_CELL_MODEL_H
#define TL_CELL_MODEL_H

#include <stddef.h>

#include "../tl_error.h"
#include "butler_volmer.h"

/* A measured series y(t), interpolated linearly and held constant
 * outside [t[0], t[n-1]]. t non-decreasing. */
typedef struct tl_series {
    const double *t;
    const double *y;
    size_t n;
} tl_series;

int tl_series_check(const tl_series *s, const char *what, int nonneg, tl_error *err);
double tl_series_at(const tl_series *s, double t);

typedef struct tl_cell_inputs {
    const double *time;           /* s, n samples, non-decreasing */
    size_t n;
    const double *current;        /* applied current I, mA, n samples */
    tl_series area_top;           /* contact area, mm² */
    tl_series area_bottom;        /* contact area, mm² */
    tl_series interphase;         /* total interphase thickness, µm; n == 0: none */
    double contact_scale;         /* multiplies both contact areas (1 = measured) */
    double electrolyte_thickness; /* µm */
} tl_cell_inputs;

typedef struct tl_cell_params {
    tl_bv_params bv;          /* i0 (mA/cm²), alpha_a, alpha_c, T (K) */
    double kappa_electrolyte; /* S/cm */
    double kappa_interphase;  /* S/cm */
} tl_cell_params;

/* Current densities and thickness on the time grid, independent of the
 * fitted parameters (computed once for a fit). */
typedef struct tl_cell_state {
    size_t n;
    const double *time;
    double *i_top, *i_bottom, *i_app; /* mA/cm² */
    double *l_int;                    /* µm */
    double l_e;                       /* µm */
} tl_cell_state;

int tl_cell_prepare(const tl_cell_inputs *in, tl_cell_state *st, tl_error *err);
void tl_cell_state_free(tl_cell_state *st);
int tl_cell_params_check(const tl_cell_params *p, const char *who, tl_error *err);

/* Each term over samples [lo, hi) of the state; arrays hold hi − lo values.
 * Any pointer but voltage may be NULL. */
typedef struct tl_cell_terms {
    double *voltage;         /* V */
    double *eta_top;         /* V, BV overpotential at the top interface */
    double *eta_bottom;      /* V, at the bottom interface */
    double *ohm_electrolyte; /* V */
    double *ohm_interphase;  /* V */
} tl_cell_terms;

void tl_cell_eval(const tl_cell_state *st, const tl_cell_params *p, size_t lo, size_t hi, tl_cell_terms *out);

/* I(t) from galvanostatic steps: step k holds current[k] (mA) from
 * start[k] (s) until start[k+1]; zero before start[0]. */
int tl_current_from_steps(const double *time, size_t n, const double *start, const double *current,
                          size_t nsteps, double *out, tl_error *err);

/* Fraction of the charge that stripped lithium metal (seed 000, §5):
 *   (ΔV_Li / V_m · F) / (|I| · Δt)
 * volume_loss in µm³, current in mA, duration in s, molar volume in
 * cm³/mol (13.0 for Li). */
int tl_current_fraction(double volume_loss_um3, double current_mA, double duration_s, double molar_volume,
                        double *fraction, tl_error *err);

#endif
