/* noise.c — smooth 2-D Gaussian random fields (roughness, contact
 * patches, current hot spots). White noise comes from the counter-based
 * generator, one value per pixel, so the field does not depend on the
 * thread count; the filter is separable with mirrored edges. */
#include "phantom.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>

static size_t mirror(long i, size_t n)
{
    long m = (long)n;
    while (i < 0 || i >= m) i = i < 0 ? -i - 1 : 2 * m - i - 1;
    return (size_t)i;
}

int tl_ph_smooth_field(size_t ny, size_t nx, double sigma_px, uint64_t seed, uint64_t stream,
                       const uint8_t *mask, float *out, tl_error *err)
{
    size_t n = ny * nx;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    if (!a || !b) { free(a); free(b); return tl_err(err, "phantom: out of memory for a %zu x %zu field", ny, nx); }
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        tl_rng r = tl_rng_at(seed, stream, i);
        a[i] = tl_rng_normal(&r);
    }
    if (sigma_px > 0.3) {
        long h = (long)ceil(3.0 * sigma_px);
        double *k = malloc((size_t)(2 * h + 1) * sizeof *k);
        if (!k) { free(a); free(b); return tl_err(err, "phantom: out of memory"); }
        for (long j = -h; j <= h; j++) k[j + h] = exp(-0.5 * (double)(j * j) / (sigma_px * sigma_px));
        #pragma omp parallel for schedule(static)
        for (size_t y = 0; y < ny; y++)
            for (size_t x = 0; x < nx; x++) {
                double s = 0;
                for (long j = -h; j <= h; j++) s += k[j + h] * a[y * nx + mirror((long)x + j, nx)];
                b[y * nx + x] = s;
            }
        #pragma omp parallel for schedule(static)
        for (size_t y = 0; y < ny; y++)
            for (size_t x = 0; x < nx; x++) {
                double s = 0;
                for (long j = -h; j <= h; j++) s += k[j + h] * b[mirror((long)y + j, ny) * nx + x];
                a[y * nx + x] = s;
            }
        free(k);
    }
    /* standardise over the mask, summing in index order (deterministic) */
    double s = 0, q = 0, c = 0;
    for (size_t i = 0; i < n; i++)
        if (!mask || mask[i]) { s += a[i]; c++; }
    double mean = c > 0 ? s / c : 0;
    for (size_t i = 0; i < n; i++)
        if (!mask || mask[i]) q += (a[i] - mean) * (a[i] - mean);
    double sd = c > 1 && q > 0 ? sqrt(q / c) : 1;
    for (size_t i = 0; i < n; i++) out[i] = (float)((a[i] - mean) / sd);
    free(a); free(b);
    return 0;
}
