/* project_write.h — a simulated synchrotron scan: projections, flats and
 * darks with photon noise, detector gain errors and zingers, written as
 * APS Data Exchange HDF5 block by block, or returned in memory. */
#ifndef TL_PHANTOM_PROJECT_WRITE_H
#define TL_PHANTOM_PROJECT_WRITE_H

#include <stdint.h>

#include "../vol/vol.h"

typedef struct tl_scan_opts {
    const double *theta_deg; size_t n_angles; /* theta_deg NULL: evenly over [0, 180) */
    size_t ncols;          /* detector columns; 0 = nx */
    size_t nsub;           /* sub-rays per detector pixel */
    double photons;        /* mean counts per pixel in a flat field */
    double dark_counts;    /* mean dark counts (added to every frame) */
    size_t n_flat, n_dark;
    double gain_spread;    /* std of the fixed per-pixel gain (flats correct it) */
    double gain_error;     /* std of the per-pixel gain drift between flats and data: ring artefacts */
    double zingers;        /* probability per pixel per projection */
    double zinger_counts;  /* counts a zinger adds */
    int noise;             /* 0: expected counts, rounded (no Poisson noise) */
    size_t block;          /* projections per block */
    uint64_t seed;
} tl_scan_opts;

void tl_scan_defaults(tl_scan_opts *o);

typedef struct tl_scan {
    tl_volume *data, *white, *dark; /* u16 (n, nz, ncols) */
    double *theta_deg; size_t n_angles;
} tl_scan;

/* In memory (path == NULL) into *scan, or to a Data Exchange file. */
int tl_scan_simulate(const tl_volume *mu, const tl_scan_opts *o, const char *path, tl_scan *scan, tl_error *err);
void tl_scan_free(tl_scan *s);

#endif
