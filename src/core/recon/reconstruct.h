/* reconstruct.h — the streaming driver behind tl.reconstruct. */
#ifndef TL_RECONSTRUCT_H
#define TL_RECONSTRUCT_H

#include "../io/dxchange.h"
#include "recon.h"

typedef enum { TL_STRIPE_NONE = 0, TL_STRIPE_SORT, TL_STRIPE_LARGE, TL_STRIPE_DEAD, TL_STRIPE_FW } tl_stripe_method;
#define TL_STRIPE_NAMES "none sort large dead fw"

typedef struct tl_stripe_opts {
    tl_stripe_method method;
    size_t size;     /* median window (sort, large, dead) */
    double snr;      /* detection threshold (large, dead) */
    int level, db;   /* fw: decomposition levels (0 = auto), Daubechies order */
    double sigma;    /* fw: damping width */
} tl_stripe_opts;
void tl_stripe_defaults(tl_stripe_opts *o);
int tl_stripe_parse(const char *name, tl_stripe_method *m, tl_error *err);
/* Make the FFT plans a method needs, before a parallel region uses them. */
int tl_stripe_prepare(size_t n_angles, size_t n_cols, const tl_stripe_opts *o, tl_error *err);
int tl_remove_stripes(float *sino, size_t n_angles, size_t n_cols, const tl_stripe_opts *o, tl_error *err);

/* Where projections come from: a Data Exchange file, or volumes in memory
 * (projections (n_angles, rows, cols), flats/darks (k, rows, cols), any dtype). */
typedef struct tl_recon_source {
    tl_dxchange *dx;
    const tl_volume *proj, *flat, *dark;
    const double *theta_deg; /* memory: n_angles angles */
    size_t n_theta;
} tl_recon_source;

typedef struct tl_recon_opts {
    size_t r0, r1;            /* detector rows [r0, r1); r1 == 0: all */
    tl_gridrec_opts grid;     /* grid.center NaN: find it */
    tl_center_method center_method;
    tl_stripe_opts stripes;
    int phase;                /* Paganin on when set */
    tl_paganin_opts paganin;  /* pixel_um filled in by the driver */
    double pixel_um;          /* 0: from the file / projections */
    double floor_value;
    size_t block;             /* rows per block */
    const char *output;       /* HDF5 path, or NULL for a volume */
} tl_recon_opts;

void tl_recon_defaults(tl_recon_opts *o);
/* On success *vol is the volume (output == NULL) and *center the centre used. */
int tl_reconstruct(const tl_recon_source *src, const tl_recon_opts *o, tl_volume **vol, double *center,
                   tl_error *err);
/* Normalised (-log) sinograms of rows [r0, r1) (r1 == 0: all) as a
 * volume (rows, angles, cols). */
tl_volume *tl_recon_sinograms(const tl_recon_source *src, size_t r0, size_t r1, double floor_value, tl_error *err);
/* Normalised (-log) sinogram of one detector row: (n_angles, n_cols), malloc'ed. */
float *tl_recon_sinogram_row(const tl_recon_source *src, size_t row, double floor_value, size_t *n_angles,
                             size_t *n_cols, tl_error *err);

#endif
