/* vol_convert.h — moving runs of voxels between any dtype and double.
 * Operators that accept every dtype work on double blocks through these,
 * so each kernel is written once. */
#ifndef TL_VOL_CONVERT_H
#define TL_VOL_CONVERT_H

#include "vol.h"

/* dst[k] = element (start + k) of data, for k < n. */
void tl_load_f64(const void *data, tl_dtype dt, size_t start, size_t n, double *dst);
/* Element (start + k) = src[k]; integers round to nearest and clamp. */
void tl_store_f64(void *data, tl_dtype dt, size_t start, size_t n, const double *src);
/* Same for float32, the working type of most image operators. */
void tl_load_f32(const void *data, tl_dtype dt, size_t start, size_t n, float *dst);

#endif
