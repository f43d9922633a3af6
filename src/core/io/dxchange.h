/* dxchange.h — APS Data Exchange scans, opened lazily.
 *
 * Layout (as written at 2-BM and by TomoPy): /exchange/data (theta:y:x,
 * usually u16), /exchange/data_white, /exchange/data_dark (flats and
 * darks, same y:x), /exchange/theta in degrees (missing: evenly spaced
 * over 180°), pixel size at /measurement/instrument/detector/pixel_size
 * (in the file's unit; converted to µm where the unit is known). Nothing
 * is read until asked: a 20 GB scan is opened in microseconds and read as
 * blocks of detector rows (= sinogram rows = reconstructed z-slices). */
#ifndef TL_DXCHANGE_H
#define TL_DXCHANGE_H

#include "../registry.h"

typedef struct tl_dxchange tl_dxchange;

typedef struct tl_dxchange_info {
    char path[4096];
    size_t n_angles, n_rows, n_cols; /* /exchange/data shape */
    size_t n_flat, n_dark;           /* 0 if the dataset is absent */
    tl_dtype dtype;                  /* of /exchange/data */
    double pixel_um;                 /* 0 if the file does not say */
    int theta_from_file;             /* 0: evenly spaced over 180° */
} tl_dxchange_info;

tl_dxchange *tl_dxchange_open(const char *path, tl_error *err);
void tl_dxchange_close(tl_dxchange *d);
const tl_dxchange_info *tl_dxchange_get_info(const tl_dxchange *d);
/* n_angles angles in degrees. */
const double *tl_dxchange_theta_deg(const tl_dxchange *d);

typedef enum { TL_DX_DATA = 0, TL_DX_WHITE, TL_DX_DARK } tl_dx_which;

/* Detector rows [r0, r1) of data/flats/darks as f32 (k, r1 - r0, n_cols),
 * k = n_angles, n_flat or n_dark; read by hyperslab, nothing else. */
tl_volume *tl_dxchange_read_rows(tl_dxchange *d, tl_dx_which which, size_t r0, size_t r1, tl_error *err);
/* The same into dst (room for k * (r1 - r0) * n_cols floats): a caller
 * with its own buffer reads without a volume in between. */
int tl_dxchange_read_rows_into(tl_dxchange *d, tl_dx_which which, size_t r0, size_t r1, float *dst, tl_error *err);

/* The Lua-visible class ("dxchange"), whose methods are read and info. */
extern const tl_class tl_class_dxchange;

#endif
