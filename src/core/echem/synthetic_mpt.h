/* synthetic_mpt.h — a realistic galvanostatic .mpt from the cell model,
 * so a demo dataset goes through the same reader and fit as a real
 * experiment (issue 6, item 6). */
#ifndef TL_SYNTHETIC_MPT_H
#define TL_SYNTHETIC_MPT_H

#include <stdint.h>

#include "cell_model.h"

typedef struct tl_synthetic_opts {
    double noise_voltage; /* V, standard deviation of Gaussian noise on Ewe/V */
    double noise_current; /* mA, standard deviation on the measured I/mA */
    uint64_t seed;
    int decimal_comma;
    const char *header;   /* settings text; NULL: describe the model and its parameters */
} tl_synthetic_opts;

/* Writes path; voltage (noisy, as written) and clean (model) may be NULL,
 * else hold in->n values. */
int tl_synthetic_mpt(const char *path, const tl_cell_inputs *in, const tl_cell_params *p,
                     const tl_synthetic_opts *o, double *voltage, double *clean, tl_error *err);

/* Standard normal deviates from a splitmix64 state (deterministic). */
double tl_echem_gauss(uint64_t *state);

#endif
