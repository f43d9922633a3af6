/* fbp_reference.c — slow, simple filtered back-projection, for the tests.
 *
 * Written to share nothing with Gridrec but the filter's window: the
 * filter is a spatial convolution with the band-limited kernel
 * h(n) = ∫ |ω| window(ω) cos(2πωn) dω (ω in cycles/pixel, |ω| <= 1/2,
 * integrated numerically), the back-projection a sum over angles with
 * linear interpolation between detector columns. O(n_angles · N²). */
#include "recon.h"

#include <math.h>
#include <stdlib.h>

static double window_of(tl_filter f, double x)
{
    /* same windows as filters.c with TomoPy's default cutoff 0.5, order 8 */
    switch (f) {
    case TL_FILTER_SHEPP: return x == 0 ? 1.0 : sin(M_PI * x) / (M_PI * x);
    case TL_FILTER_PARZEN: return pow(1.0 - fabs(x) / 0.5, 3);
    case TL_FILTER_HANN: return 0.5 * (1.0 + cos(2.0 * M_PI * x / 0.5));
    case TL_FILTER_HAMMING: return 0.54 + 0.46 * cos(2.0 * M_PI * x / 0.5);
    case TL_FILTER_COSINE: return cos(M_PI * x);
    case TL_FILTER_BUTTERWORTH: return 1.0 / (1.0 + pow(x / 0.5, 16));
    default: return 1.0;
    }
}

int tl_fbp_reference(const float *sino, size_t n_angles, size_t n_cols, const double *theta_rad,
                     double center, tl_filter filter, float *out, tl_error *err)
{
    size_t N = n_cols, nk = 2 * N - 1;
    if (n_angles < 1 || N < 2) return tl_err(err, "fbp_reference: empty sinogram");
    double *h = malloc(sizeof(double) * nk), *q = malloc(sizeof(double) * N);
    if (!h || !q) { free(h); free(q); return tl_err(err, "fbp_reference: out of memory"); }
    const int M = 4096; /* Simpson intervals over [0, 1/2] */
    for (size_t i = 0; i < nk; i++) {
        double n = (double)i - (double)(N - 1), s = 0;
        if (filter == TL_FILTER_NONE) { h[i] = n == 0 ? 0.5 : 0.0; continue; }
        for (int k = 0; k <= M; k++) {
            double w = 0.5 * k / M, wt = (k == 0 || k == M) ? 1 : (k & 1) ? 4 : 2;
            s += wt * w * window_of(filter, w) * cos(2 * M_PI * w * n);
        }
        h[i] = 2.0 * s * (0.5 / M) / 3.0; /* even integrand: twice [0, 1/2] */
    }
    for (size_t i = 0; i < N * N; i++) out[i] = 0;
    for (size_t a = 0; a < n_angles; a++) {
        const float *p = sino + a * N;
        for (size_t c = 0; c < N; c++) {
            double s = 0;
            for (size_t c2 = 0; c2 < N; c2++) s += p[c2] * h[c + (N - 1) - c2];
            q[c] = s;
        }
        double cs = cos(theta_rad[a]), sn = sin(theta_rad[a]);
        for (size_t iy = 0; iy < N; iy++) {
            double y = (double)iy - (double)(N / 2);
            for (size_t ix = 0; ix < N; ix++) {
                double x = (double)ix - (double)(N / 2);
                double t = x * cs + y * sn + center;
                if (t < 0 || t > (double)(N - 1)) continue;
                size_t i0 = (size_t)t;
                double f = t - (double)i0;
                double v = i0 + 1 < N ? q[i0] * (1 - f) + q[i0 + 1] * f : q[i0];
                out[iy * N + ix] += (float)(v * M_PI / (double)n_angles);
            }
        }
    }
    free(h); free(q);
    return 0;
}
