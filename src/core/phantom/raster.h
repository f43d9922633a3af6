/* raster.h — turning the column description of a cell into voxels. */
#ifndef TL_PHANTOM_RASTER_H
#define TL_PHANTOM_RASTER_H

#include <math.h>

#include "phantom.h"

/* First voxel whose centre (k + 0.5) * vz is >= z. A layer [a, b) owns
 * voxels tl_ph_kfirst(a) .. tl_ph_kfirst(b) - 1: one rule for labels and
 * for every voxel count, so targets met on counts hold on the labels. */
static inline long tl_ph_kfirst(double z, double vz) { return (long)ceil(z / vz - 0.5); }
static inline size_t tl_ph_ncentres(double a, double b, double vz)
{
    long n = tl_ph_kfirst(b, vz) - tl_ph_kfirst(a, vz);
    return n > 0 ? (size_t)n : 0;
}

/* Stamp a pore into a label volume under construction (pellet frame =
 * current frame: no displacement yet); returns the voxels it turned from
 * electrolyte to pore. */
size_t tl_ph_stamp_pore(const tl_ph_cell *c, const tl_ph_pore *p, uint8_t *labels);
int tl_ph_build_buckets(tl_ph_cell *c, tl_error *err);

#endif
