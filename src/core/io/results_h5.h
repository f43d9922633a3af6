/* results_h5.h — a record of results (maps, series, numbers, strings,
 * nested tables) as one HDF5 file: volumes and maps become datasets with
 * a voxel_um attribute, arrays of numbers 1-D float64 datasets, numbers
 * and strings attributes of their group, nested records groups. Read back
 * into the same shape. Written atomically, with provenance on the root. */
#ifndef TL_RESULTS_H5_H
#define TL_RESULTS_H5_H

#include "../registry.h"

int tl_results_save(const char *path, const tl_record *rec, tl_error *err);
/* The whole file as a record (datasets as volumes, 1-D datasets as arrays). */
tl_record *tl_results_load(const char *path, tl_error *err);

#endif
