/* region_stats.c — per-label voxel count, volume, bounding box, centroid,
 * mean intensity. One sequential pass in raster order, so sums (and the
 * float mean) never depend on the thread count. */
#include "seg.h"
#include "../vol/vol_convert.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void tl_regionstats_free(tl_regionstats *s)
{
    free(s->voxels); free(s->volume_um3); free(s->centroid_um); free(s->bbox); free(s->mean_intensity);
    memset(s, 0, sizeof *s);
}

int tl_region_stats(const tl_volume *labels, const tl_volume *intensity, tl_regionstats *s, tl_error *err)
{
    memset(s, 0, sizeof *s);
    if (labels->dtype != TL_I32) return tl_err(err, "region_stats: labels must be i32 (from label), got %s", tl_dtype_name(labels->dtype));
    if (intensity && tl_vol_check_same_shape(labels, "labels", intensity, "intensity", err)) return tl_err_prefix(err, "region_stats: ");
    const size_t nz = labels->nz, ny = labels->ny, nx = labels->nx, N = tl_vol_count(labels);
    const int32_t *L = labels->data;
    int32_t maxl = 0;
    for (size_t i = 0; i < N; i++) {
        if (L[i] < 0) return tl_err(err, "region_stats: labels hold a negative value (%d) at voxel %zu", L[i], i + 1);
        if (L[i] > maxl) maxl = L[i];
    }
    size_t n = (size_t)maxl;
    s->n = n;
    if (n == 0) return 0;
    s->voxels = calloc(n, sizeof *s->voxels);
    s->volume_um3 = calloc(n, sizeof *s->volume_um3);
    s->centroid_um = calloc(3 * n, sizeof *s->centroid_um);
    s->bbox = malloc(6 * n * sizeof *s->bbox);
    s->mean_intensity = calloc(n, sizeof *s->mean_intensity);
    float *row = malloc(nx * sizeof *row);
    if (!s->voxels || !s->volume_um3 || !s->centroid_um || !s->bbox || !s->mean_intensity || !row) {
        free(row); tl_regionstats_free(s); return tl_err(err, "region_stats: out of memory for %zu labels", n);
    }
    for (size_t k = 0; k < n; k++) {
        long long *b = s->bbox + 6 * k;
        b[0] = b[2] = b[4] = LLONG_MAX; b[1] = b[3] = b[5] = -1;
    }
    for (size_t z = 0; z < nz; z++)
        for (size_t y = 0; y < ny; y++) {
            const int32_t *lr = L + (z * ny + y) * nx;
            if (intensity) tl_load_f32(intensity->data, intensity->dtype, (z * ny + y) * nx, nx, row);
            for (size_t x = 0; x < nx; x++) {
                if (!lr[x]) continue;
                size_t k = (size_t)lr[x] - 1;
                s->voxels[k]++;
                double *c = s->centroid_um + 3 * k;
                c[0] += (double)z; c[1] += (double)y; c[2] += (double)x;
                long long *b = s->bbox + 6 * k;
                if ((long long)z < b[0]) b[0] = (long long)z;
                if ((long long)z + 1 > b[1]) b[1] = (long long)z + 1;
                if ((long long)y < b[2]) b[2] = (long long)y;
                if ((long long)y + 1 > b[3]) b[3] = (long long)y + 1;
                if ((long long)x < b[4]) b[4] = (long long)x;
                if ((long long)x + 1 > b[5]) b[5] = (long long)x + 1;
                if (intensity) s->mean_intensity[k] += row[x];
            }
        }
    free(row);
    double vv = labels->voxel_um[0] * labels->voxel_um[1] * labels->voxel_um[2];
    for (size_t k = 0; k < n; k++) {
        double c = (double)s->voxels[k];
        s->volume_um3[k] = c * vv;
        for (int a = 0; a < 3; a++)
            s->centroid_um[3 * k + a] = c > 0 ? (s->centroid_um[3 * k + a] / c + 0.5) * labels->voxel_um[a] : NAN;
        s->mean_intensity[k] = intensity && c > 0 ? s->mean_intensity[k] / c : NAN;
    }
    return 0;
}
