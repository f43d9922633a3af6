/* seg_columns.c — column gathering and small statistics for the
 * per-column measurements (seg_columns.h). */
#include "seg_columns.h"

#include <math.h>
#include <stdlib.h>

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

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

double tl_median_float(float *x, size_t n)
{
    if (n == 0) return NAN;
    qsort(x, n, sizeof *x, cmp_float);
    return n % 2 ? x[n / 2] : 0.5 * ((double)x[n / 2 - 1] + x[n / 2]);
}
