/* seg_columns.c — column gathering and small statistics for the
 * per-column measurements (seg_columns.h). */
#include "seg_columns.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "../util/sort.h"

void tl_gather_columns_f32(const tl_volume *vol, size_t y, size_t ncol, int fwd, float *buf)
{
    const size_t nz = vol->nz, ny = vol->ny, nx = vol->nx;
    for (size_t k = 0; k < nz; k++) {
        const float *row = (const float *)vol->data + (tl_walk_z(k, nz, fwd) * ny + y) * nx;
        for (size_t c = 0; c < ncol; c++) buf[c * nz + k] = row[c];
    }
}

void tl_gather_columns_u8(const tl_volume *vol, size_t y, size_t ncol, int fwd, uint8_t *buf)
{
    const size_t nz = vol->nz, ny = vol->ny, nx = vol->nx;
    for (size_t k = 0; k < nz; k++) {
        const uint8_t *row = (const uint8_t *)vol->data + (tl_walk_z(k, nz, fwd) * ny + y) * nx;
        for (size_t c = 0; c < ncol; c++) buf[c * nz + k] = row[c];
    }
}

void tl_last_in_walk(const tl_volume *mask, size_t y, size_t ncol, int fwd, int32_t *last)
{
    const size_t nz = mask->nz, ny = mask->ny, nx = mask->nx;
    for (size_t x = 0; x < ncol; x++) last[x] = -1;
    for (size_t k = 0; k < nz; k++) {
        const uint8_t *row = (const uint8_t *)mask->data + (tl_walk_z(k, nz, fwd) * ny + y) * nx;
        const int32_t kk = (int32_t)k;
        #pragma omp simd
        for (size_t x = 0; x < ncol; x++) last[x] = row[x] ? kk : last[x];
    }
}

int tl_column_runs(const uint8_t *li, const uint8_t *vd, int n, int *s, int *e, int *v0, int *v1)
{
    *s = *e = *v0 = *v1 = -1;
    for (int k = 0; k < n; k++)
        if (li[k]) {
            if (*s < 0) *s = k;
            *e = k;
        }
    if (*s < 0) return 0;
    if (vd)
        for (int k = *s; k <= *e; k++)
            if (vd[k]) {
                if (*v0 < 0) *v0 = k;
                *v1 = k;
            }
    return 1;
}

int tl_for_each_column(const tl_volume *vol, const tl_volume *li, const tl_volume *voids, int fwd, tl_column_fn fn,
                       void *ctx)
{
    const size_t nz = vol->nz, ny = vol->ny, nx = vol->nx;
    const size_t rows = nx >= 4096 ? 1 : 4096 / nx, nch = (ny + rows - 1) / rows, cw = rows * nx;
    int oom = 0;
    #pragma omp parallel reduction(| : oom)
    {
        float *vb = malloc(cw * nz * sizeof *vb);
        uint8_t *lb = malloc(cw * nz), *db = voids ? malloc(cw * nz) : NULL;
        const int ok = vb && lb && (!voids || db);
        if (!ok) oom = 1;
        #pragma omp for schedule(dynamic, 1)
        for (size_t ch = 0; ch < nch; ch++) {
            if (!ok) continue;
            const size_t y = ch * rows, ncol = (ny - y < rows ? ny - y : rows) * nx;
            tl_gather_columns_f32(vol, y, ncol, fwd, vb);
            tl_gather_columns_u8(li, y, ncol, fwd, lb);
            if (voids) tl_gather_columns_u8(voids, y, ncol, fwd, db);
            for (size_t c = 0; c < ncol; c++)
                fn(ctx, y * nx + c, vb + c * nz, lb + c * nz, db ? db + c * nz : NULL, (int)nz);
        }
        free(vb); free(lb); free(db);
    }
    return oom ? -1 : 0;
}

double tl_median_float(float *x, size_t n)
{
    if (n == 0) return NAN;
    qsort(x, n, sizeof *x, tl_cmp_float);
    return n % 2 ? x[n / 2] : 0.5 * ((double)x[n / 2 - 1] + x[n / 2]);
}

int tl_check_column_inputs(const tl_volume *vol, const tl_volume *li, const tl_volume *voids, const char *op,
                           tl_error *err)
{
    char sh[64];
    if (vol->dtype != TL_F32) return tl_err(err, "%s: volume must be f32, got %s", op, tl_dtype_name(vol->dtype));
    if (li->dtype != TL_U8) return tl_err(err, "%s: li mask must be u8, got %s", op, tl_dtype_name(li->dtype));
    if (tl_vol_check_same_shape(vol, "volume", li, "li", err)) return tl_err_prefix(err, "%s: ", op);
    if (voids) {
        if (voids->dtype != TL_U8) return tl_err(err, "%s: voids mask must be u8, got %s", op, tl_dtype_name(voids->dtype));
        if (tl_vol_check_same_shape(vol, "volume", voids, "voids", err)) return tl_err_prefix(err, "%s: ", op);
    }
    if (vol->nz < 2)
        return tl_err(err, "%s: volume must be 3D (columns along z), got a 2D map of shape %s", op,
                      tl_vol_shape_str(vol, sh, sizeof sh));
    if (vol->nz > INT32_MAX) return tl_err(err, "%s: nz %zu too large", op, vol->nz);
    return 0;
}

int tl_check_contact_map(const tl_volume *contact, const tl_volume *li, const char *op, tl_error *err)
{
    if (!contact) return 0;
    if (contact->dtype != TL_U8 || contact->nz != 1 || contact->ny != li->ny || contact->nx != li->nx) {
        char cs[64], ls[64];
        return tl_err(err, "%s: contact must be a u8 (y, x) map of the band's %s, got %s %s", op,
                      tl_vol_shape_str(li, ls, sizeof ls), tl_dtype_name(contact->dtype),
                      tl_vol_shape_str(contact, cs, sizeof cs));
    }
    return 0;
}
