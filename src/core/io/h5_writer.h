/* h5_writer.h — write a large volume to HDF5 block by block along z.
 *
 * The file is created under a temporary name and renamed by
 * tl_h5_writer_close, which also records provenance; a writer that is
 * aborted (or a process that dies) leaves no partial file at `path`.
 * Peak memory is the caller's block, never the whole volume. */
#ifndef TL_H5_WRITER_H
#define TL_H5_WRITER_H

#include "../vol/vol.h"

typedef struct tl_h5_writer tl_h5_writer;

/* dataset: e.g. "/volume" or "/exchange/data"; chunked by whole z-slices
 * (about 1 MB per chunk, or one slice when a slice is larger). */
tl_h5_writer *tl_h5_writer_open(const char *path, const char *dataset, tl_dtype dtype,
                                size_t nz, size_t ny, size_t nx, const double voxel_um[3],
                                tl_error *err);
/* The same with deflate (1..9, shuffled; 0 = none) on the main dataset. */
tl_h5_writer *tl_h5_writer_open_deflate(const char *path, const char *dataset, tl_dtype dtype, size_t nz, size_t ny,
                                        size_t nx, const double voxel_um[3], int deflate, tl_error *err);
/* Write block (bz, ny, nx) at z offset z0; block dtype must match. */
int tl_h5_writer_put(tl_h5_writer *w, size_t z0, const tl_volume *block, tl_error *err);
/* Add another dataset in the same file (small: a table, angles, a map). */
int tl_h5_writer_add(tl_h5_writer *w, const char *dataset, const tl_volume *v, tl_error *err);
/* Store a string attribute on the dataset ("units" = "1/cm"). */
int tl_h5_writer_attr(tl_h5_writer *w, const char *name, const char *value, tl_error *err);
/* Flush, write provenance (with the voxel size) on the root group, rename
 * into place. Frees w. */
int tl_h5_writer_close(tl_h5_writer *w, tl_error *err);
/* Remove the temporary file. Frees w. */
void tl_h5_writer_abort(tl_h5_writer *w);

#endif
