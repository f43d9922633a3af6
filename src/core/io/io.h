/* io.h — reading and writing volumes: HDF5, TIFF (one multi-page file or a
 * folder of slices), NumPy .npy, raw binary and PNG maps, chosen by the
 * path's extension; and reading back the provenance tomolith wrote.
 *
 * Crops are read from the file, never the whole array then cut: HDF5 by
 * hyperslab, TIFF page by page and strip by strip, npy/raw by seeking.
 * Every load records the file as a provenance input; every save is
 * atomic (temporary name, rename) and records provenance in the file
 * (HDF5 attribute, TIFF ImageDescription, PNG tEXt) or a sidecar
 * "<file>.provenance.json" (npy, raw). See docs/io.md. */
#ifndef TL_IO_H
#define TL_IO_H

#include <stddef.h>

#include "../registry.h"

/* A crop along one axis: [lo, hi) 0-based half-open, used when set. */
typedef struct tl_io_crop {
    int set;
    size_t lo, hi;
} tl_io_crop;

typedef struct tl_io_load_opts {
    const char *dataset;   /* HDF5 dataset path; NULL: /volume, /exchange/data or the only one */
    tl_io_crop crop[3];    /* z, y, x */
    size_t shape[3];       /* raw: (nz, ny, nx); rank 0 = not given */
    int rank;              /* raw: 2 (ny, nx) or 3 */
    const char *dtype;     /* raw: u8 i8 u16 i16 u32 i32 f32 f64; NULL = not given */
    int big_endian;        /* raw byte order */
    size_t offset;         /* raw: header bytes to skip */
    int has_voxel;         /* override the file's voxel size */
    double voxel_um[3];    /* z, y, x */
} tl_io_load_opts;

typedef struct tl_io_save_opts {
    const char *dataset;   /* HDF5 dataset; NULL = "/volume" */
    int compression;       /* 0 none, 1..9 deflate level (HDF5, TIFF) */
    const char *colormap;  /* PNG: NULL (grey as is), "gray", "viridis" */
    int has_range;         /* PNG: value range mapped onto the colormap */
    double range[2];
    int big_endian;        /* TIFF, npy, raw */
} tl_io_save_opts;

/* opts may be NULL (defaults). Returns a new volume or NULL + message. */
tl_volume *tl_io_load(const char *path, const tl_io_load_opts *opts, tl_error *err);
int tl_io_save(const tl_volume *v, const char *path, const tl_io_save_opts *opts, tl_error *err);

/* Provenance of a file tomolith wrote, as a record: tomolith_version,
 * created_utc, recipe {path, text}, parameters {name = value},
 * inputs {1 = {path, sha256}, ...}, and voxel_um {z, y, x} when stored. */
tl_record *tl_io_provenance(const char *path, tl_error *err);

/* Colormaps for PNG maps: "gray", "viridis". rgb gets 3 bytes for t in [0, 1]. */
int tl_colormap_lookup(const char *name, double t, unsigned char rgb[3]);

#endif
