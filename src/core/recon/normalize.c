/* normalize.c — flat/dark correction and -log, on blocks of projections. */
#include "recon.h"

#include <math.h>
#include <stdlib.h>

int tl_average_frames(const float *frames, size_t k, size_t npix, float *avg, tl_error *err)
{
    if (k == 0) return tl_err(err, "normalize: no frames to average");
    /* double accumulation in frame order: the same for any thread count */
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < npix; i++) {
        double s = 0;
        for (size_t f = 0; f < k; f++) s += frames[f * npix + i];
        avg[i] = (float)(s / (double)k);
    }
    return 0;
}

int tl_normalize_block(float *proj, size_t n_angles, size_t n_rows, size_t n_cols,
                       const float *flat, const float *dark, double floor_value,
                       int take_log, size_t row0, tl_error *err)
{
    size_t npix = n_rows * n_cols;
    if (!(floor_value > 0)) return tl_err(err, "normalize: floor must be > 0 (got %g)", floor_value);
    for (size_t i = 0; i < npix; i++) {
        float d = dark ? dark[i] : 0.0f;
        if (!(flat[i] - d > 0))
            return tl_err(err, "normalize: flat - dark is %g at detector row %zu, column %zu (1-based; "
                          "flat %g, dark %g): the flat field must be brighter than the dark",
                          (double)(flat[i] - d), row0 + i / n_cols + 1, i % n_cols + 1, (double)flat[i], (double)d);
    }
    float fl = (float)floor_value;
    #pragma omp parallel for schedule(static)
    for (size_t a = 0; a < n_angles; a++) {
        float *p = proj + a * npix;
        for (size_t i = 0; i < npix; i++) {
            float d = dark ? dark[i] : 0.0f;
            float v = (p[i] - d) / (flat[i] - d);
            if (!(v > fl)) v = fl; /* also catches NaN */
            p[i] = take_log ? -logf(v) : v;
        }
    }
    return 0;
}
