/* thickness.c — thickness per column and interface height. */
#include "interface.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

tl_volume *tl_thickness_map(const tl_volume *mask, int axis, tl_error *err)
{
    if (mask->dtype != TL_U8) { tl_err(err, "thickness_map: mask must be u8, got %s", tl_dtype_name(mask->dtype)); return NULL; }
    if (axis < 0 || axis > 2) { tl_err(err, "thickness_map: axis must be z, y or x"); return NULL; }
    const size_t nz = mask->nz, ny = mask->ny, nx = mask->nx;
    const uint8_t *m = mask->data;
    tl_volume *t;
    double d = mask->voxel_um[axis];
    if (axis == 0) {
        t = tl_seg_map_like(mask, TL_F32, err);
        if (!t) return NULL;
        float *o = t->data;
        /* counts accumulate exactly in float (below 2^24 per column) */
        #pragma omp parallel for schedule(static)
        for (size_t y = 0; y < ny; y++) {
            float *c = o + y * nx;
            for (size_t z = 0; z < nz; z++) {
                const uint8_t *row = m + (z * ny + y) * nx;
                for (size_t x = 0; x < nx; x++) c[x] += (float)(row[x] != 0);
            }
            for (size_t x = 0; x < nx; x++) c[x] = (float)(c[x] * d);
        }
    } else {
        size_t rows = nz, cols = axis == 1 ? nx : ny;
        t = tl_vol_new(TL_F32, 1, rows, cols, err);
        if (!t) return NULL;
        tl_vol_set_voxel(t, mask->voxel_um[axis], mask->voxel_um[0], mask->voxel_um[axis == 1 ? 2 : 1]);
        float *o = t->data;
        #pragma omp parallel for schedule(static)
        for (size_t z = 0; z < nz; z++)
            for (size_t y = 0; y < ny; y++) {
                const uint8_t *row = m + (z * ny + y) * nx;
                if (axis == 1) /* one thread owns plane z, so += is race-free */
                    for (size_t x = 0; x < nx; x++) o[z * nx + x] += (float)((row[x] != 0) * d);
                else {
                    size_t c = 0;
                    for (size_t x = 0; x < nx; x++) c += row[x] != 0;
                    o[z * ny + y] = (float)(c * d);
                }
            }
    }
    return t;
}

int tl_interface_height(const tl_volume *mask, int from_top, tl_volume **height_um, tl_volume **valid, tl_error *err)
{
    *height_um = *valid = NULL;
    if (mask->dtype != TL_U8) return tl_err(err, "interface_height: mask must be u8, got %s", tl_dtype_name(mask->dtype));
    const size_t nz = mask->nz, ny = mask->ny, nx = mask->nx;
    tl_volume *h = tl_seg_map_like(mask, TL_F32, err), *v = tl_seg_map_like(mask, TL_U8, err);
    if (!h || !v) { tl_vol_unref(h); tl_vol_unref(v); return -1; }
    const uint8_t *m = mask->data;
    float *ho = h->data;
    uint8_t *vo = v->data;
    const double dz = mask->voxel_um[0];
    #pragma omp parallel for schedule(static)
    for (size_t y = 0; y < ny; y++) {
        for (size_t x = 0; x < nx; x++) ho[y * nx + x] = -1.0f;
        /* top: the highest mask voxel z gives face z+1, scanning all planes;
         * bottom: the lowest mask voxel z gives face z */
        for (size_t k = 0; k < nz; k++) {
            size_t z = from_top ? k : nz - 1 - k;
            const uint8_t *row = m + (z * ny + y) * nx;
            float face = (float)((from_top ? z + 1 : z) * dz);
            for (size_t x = 0; x < nx; x++)
                if (row[x]) { ho[y * nx + x] = face; vo[y * nx + x] = 1; }
        }
    }
    *height_um = h; *valid = v;
    return 0;
}
