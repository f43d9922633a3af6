/* butler_volmer.h — Butler–Volmer kinetics at a Li/electrolyte interface.
 *
 *   i = i0 (exp(αa F η / RT) − exp(−αc F η / RT))
 *
 * PyBaMM's convention: positive current is anodic (oxidation, Li
 * stripping), positive η drives it. Current densities in mA/cm², η in V,
 * T in K. U_Li = 0, so η is the interface's potential step. */
#ifndef TL_BUTLER_VOLMER_H
#define TL_BUTLER_VOLMER_H

#include <stddef.h>

#include "../tl_error.h"

/* CODATA 2018, the values PyBaMM uses. */
#define TL_FARADAY 96485.33212     /* C/mol */
#define TL_GAS_CONSTANT 8.314462618 /* J/(mol K) */

typedef struct tl_bv_params {
    double i0;      /* exchange current density, mA/cm², > 0 */
    double alpha_a; /* anodic charge-transfer coefficient, > 0 */
    double alpha_c; /* cathodic charge-transfer coefficient, > 0 */
    double T;       /* temperature, K, > 0 */
} tl_bv_params;

/* "bv: i0 must be > 0 (got ...)" etc. */
int tl_bv_check(const tl_bv_params *p, const char *who, tl_error *err);

/* Current density (mA/cm²) at overpotential eta (V). */
double tl_bv_current(const tl_bv_params *p, double eta);

/* Overpotential (V) that carries current density i (mA/cm²): safeguarded
 * Newton inside a sign-change bracket; converges to a few ulp for any
 * finite i and positive α's. Parameters must have passed tl_bv_check. */
double tl_bv_overpotential(const tl_bv_params *p, double i);

/* Vectorised forms over n values (out may alias in). */
int tl_bv_current_n(const tl_bv_params *p, const double *eta, double *out, size_t n, tl_error *err);
int tl_bv_overpotential_n(const tl_bv_params *p, const double *i, double *out, size_t n, tl_error *err);

#endif
