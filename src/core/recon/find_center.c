/* find_center.c — the rotation centre from the data.
 *
 * Vo's Fourier double-wedge method (Vo, Drakopoulos, Atwood, Reinhard,
 * Opt. Express 22, 2014): a 180° sinogram followed by its mirror image
 * shifted by 2 (c − (N−1)/2) is a 360° sinogram when c is the centre; the
 * 2-D spectrum of a consistent 360° sinogram is concentrated in a double
 * wedge |ω_angle| <= |ω_t| · R (R = object radius), so the energy outside
 * the wedge is smallest at the true centre. A coarse search in one-pixel
 * steps is refined in eighth-pixel steps; the shift is applied in Fourier
 * space (see vo_metric), so the whole search costs two 2-D FFTs.
 *
 * Phase correlation: the projection at θ0 + 180° is the mirror image of
 * the one at θ0 about the centre, so their shift is 2c − (N − 1). */
#include "recon.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct vo_ctx {
    size_t na, n, rows;  /* rows = 2 na */
    float *mask;         /* rows x n, in the FFT's natural order */
} vo_ctx;

/* TomoPy/Vo's double-wedge mask (ratio 0.5, drop 20 rows around ω_angle = 0),
 * stored in the FFT's natural (unshifted) order. */
static void make_mask(vo_ctx *v, double radius, int drop)
{
    size_t nrow = v->rows, ncol = v->n;
    double du = 1.0 / (double)ncol, dv = (double)(nrow - 1) / ((double)nrow * 2.0 * M_PI);
    long cen_row = (long)ceil(nrow / 2.0) - 1, cen_col = (long)ceil(ncol / 2.0) - 1;
    long dmax = (long)ceil(0.05 * (double)nrow);
    if (drop > dmax) drop = (int)dmax;
    memset(v->mask, 0, sizeof(float) * nrow * ncol);
    for (size_t i = 0; i < nrow; i++) {
        long pos = (long)ceil((((long)i - cen_row) * dv / radius) / du);
        long p1 = -pos + cen_col, p2 = pos + cen_col;
        if (p1 > p2) { long t = p1; p1 = p2; p2 = t; }
        if (p1 < 0) p1 = 0;
        if (p2 > (long)ncol - 1) p2 = (long)ncol - 1;
        if (labs((long)i - cen_row) <= drop) continue;
        for (long c = p1; c <= p2; c++) {
            if (labs(c - cen_col) <= 1) continue;
            /* shifted (i, c) -> natural index */
            size_t ni = (i + nrow - nrow / 2) % nrow, nc = ((size_t)c + ncol - ncol / 2) % ncol;
            v->mask[ni * ncol + nc] = 1.0f;
        }
    }
}

/* The spectrum of [sinogram; mirrored sinogram shifted by s] is A + B·e^{-2πi k s / n}
 * (A, B: spectra of [sinogram; 0] and [0; mirrored], k the detector
 * frequency), so each candidate costs one pass over the mask's cells
 * instead of a 2-D FFT, and sub-pixel shifts are exact (circular: the
 * detector edges are air in a scan whose object stays in the field of view). */
typedef struct vo_spec {
    size_t n, rows, n_idx;
    float *a, *b;        /* rows x n complex */
    uint32_t *idx, *col; /* the mask's cells and their detector frequency column */
    float *ph;           /* n complex: the phase ramp of the candidate */
} vo_spec;

static double vo_metric(vo_spec *v, double c)
{
    size_t n = v->n;
    double shift = 2.0 * (c - (double)(n - 1) / 2.0);
    for (size_t k = 0; k < n; k++) {
        double kf = (double)(k <= n / 2 ? (long)k : (long)k - (long)n);
        double ang = -2.0 * M_PI * kf * shift / (double)n;
        v->ph[2 * k] = (float)cos(ang);
        v->ph[2 * k + 1] = (float)sin(ang);
    }
    double sum = 0;
    for (size_t m = 0; m < v->n_idx; m++) {
        size_t i = v->idx[m];
        const float *p = v->ph + 2 * (size_t)v->col[m];
        float br = v->b[2 * i], bi = v->b[2 * i + 1];
        float re = v->a[2 * i] + br * p[0] - bi * p[1], im = v->a[2 * i + 1] + br * p[1] + bi * p[0];
        sum += sqrtf(re * re + im * im);
    }
    return sum / (double)(v->rows * n);
}

/* Smallest metric over c = lo, lo + step, ... <= hi (within [1, n - 2]). */
static double vo_search(vo_spec *v, double lo, double hi, double step, double *best)
{
    double bm = INFINITY;
    lo = fmax(lo, 1.0);
    hi = fmin(hi, (double)v->n - 2.0);
    *best = lo;
    for (double c = lo; c <= hi + 1e-9; c += step) {
        double m = vo_metric(v, c);
        if (m < bm) { bm = m; *best = c; }
    }
    return bm;
}

int tl_find_center_vo(const float *sino, size_t n_angles, size_t n_cols, double smin, double smax,
                      double *center, tl_error *err)
{
    if (n_angles < 8 || n_cols < 16)
        return tl_err(err, "find_center: sinogram %zu x %zu is too small for Vo's method (>= 8 angles, 16 columns)",
                      n_angles, n_cols);
    double mid = (n_cols - 1) / 2.0;
    double lo = fmax(mid + smin, 1.0), hi = fmin(mid + smax, (double)n_cols - 2.0);
    if (!(hi >= lo))
        return tl_err(err, "find_center: search range [%g, %g] is outside the detector", mid + smin, mid + smax);
    size_t n = n_cols, rows = 2 * n_angles, tot = rows * n;
    if ((double)tot >= 4e9) return tl_err(err, "find_center: sinogram %zu x %zu is too large", n_angles, n_cols);
    void *plan = tl_fft_plan_2d(rows, n, -1, err);
    if (!plan) return -1;
    vo_ctx m = {.na = n_angles, .n = n, .rows = rows};
    vo_spec v = {.n = n, .rows = rows};
    m.mask = malloc(sizeof(float) * tot);
    v.a = tl_fft_alloc(tot);
    v.b = tl_fft_alloc(tot);
    v.ph = malloc(sizeof(float) * 2 * n);
    int rc = -1;
    if (!m.mask || !v.a || !v.b || !v.ph) { tl_err(err, "find_center: out of memory"); goto done; }
    for (size_t a = 0; a < n_angles; a++)
        for (size_t k = 0; k < n; k++) {
            v.a[2 * (a * n + k)] = sino[a * n + k];
            v.b[2 * ((n_angles + a) * n + k)] = sino[a * n + (n - 1 - k)]; /* mirrored */
        }
    tl_fft_exec(plan, v.a);
    tl_fft_exec(plan, v.b);
    make_mask(&m, 0.5 * 0.5 * (double)n, 20);
    for (size_t i = 0; i < tot; i++) v.n_idx += m.mask[i] != 0;
    v.idx = malloc(sizeof(uint32_t) * (v.n_idx ? v.n_idx : 1));
    v.col = malloc(sizeof(uint32_t) * (v.n_idx ? v.n_idx : 1));
    if (!v.idx || !v.col) { tl_err(err, "find_center: out of memory"); goto done; }
    for (size_t i = 0, k = 0; i < tot; i++)
        if (m.mask[i] != 0) { v.idx[k] = (uint32_t)i; v.col[k] = (uint32_t)(i % n); k++; }
    double coarse, best;
    vo_search(&v, floor(lo), hi, 1.0, &coarse);
    vo_search(&v, fmax(lo, coarse - 1.0), fmin(hi, coarse + 1.0), 0.125, &best);
    *center = best;
    rc = 0;
done:
    free(m.mask); tl_fft_free(v.a); tl_fft_free(v.b); free(v.ph); free(v.idx); free(v.col);
    return rc;
}

int tl_find_opposite(const double *theta_deg, size_t n_angles, size_t *best, tl_error *err)
{
    if (n_angles < 2) return tl_err(err, "find_center: phase correlation needs at least 2 angles, got %zu", n_angles);
    double t0 = theta_deg[0];
    size_t b = 0;
    for (size_t a = 1; a < n_angles; a++)
        if (fabs(theta_deg[a] - t0 - 180) < fabs(theta_deg[b] - t0 - 180)) b = a;
    double step = fabs(theta_deg[1] - t0);
    if (fabs(theta_deg[b] - t0 - 180) > fmax(step, 1.0))
        return tl_err(err, "find_center: no projection near %g° (180° after the first): phase correlation "
                      "needs a pair 180° apart; use method 'vo'", t0 + 180);
    *best = b;
    return 0;
}

int tl_find_center_pc(const float *p0, const float *p180, size_t n, double *center, tl_error *err)
{
    if (n < 8) return tl_err(err, "find_center: projections of %zu columns are too short", n);
    size_t L = tl_fft_good_size(2 * n);
    void *fwd = tl_fft_plan_1d(L, -1, err), *inv = fwd ? tl_fft_plan_1d(L, +1, err) : NULL;
    if (!inv) return -1;
    float *a = tl_fft_alloc(L), *b = tl_fft_alloc(L);
    if (!a || !b) { tl_fft_free(a); tl_fft_free(b); return tl_err(err, "find_center: out of memory"); }
    /* subtract the straight line through the two ends (means of 4 samples)
     * so neither profile steps at the zero padding: such steps correlate
     * with each other at lag 0 whatever the centre */
    size_t e = n >= 16 ? 4 : 1;
    double a0 = 0, a1 = 0, b0 = 0, b1 = 0;
    for (size_t k = 0; k < e; k++) { a0 += p0[k]; a1 += p0[n - 1 - k]; b0 += p180[n - 1 - k]; b1 += p180[k]; }
    a0 /= (double)e; a1 /= (double)e; b0 /= (double)e; b1 /= (double)e;
    for (size_t k = 0; k < n; k++) {
        double f = (double)k / (double)(n - 1);
        a[2 * k] = (float)(p0[k] - (a0 + f * (a1 - a0)));
        b[2 * k] = (float)(p180[n - 1 - k] - (b0 + f * (b1 - b0))); /* mirrored */
    }
    tl_fft_exec(fwd, a);
    tl_fft_exec(fwd, b);
    /* cross-power spectrum A · conj(B), whitened */
    double peak = 0;
    for (size_t k = 0; k < L; k++) {
        double re = (double)a[2 * k] * b[2 * k] + (double)a[2 * k + 1] * b[2 * k + 1];
        double im = (double)a[2 * k + 1] * b[2 * k] - (double)a[2 * k] * b[2 * k + 1];
        double m = hypot(re, im);
        if (m > peak) peak = m;
        a[2 * k] = (float)re; a[2 * k + 1] = (float)im;
    }
    for (size_t k = 0; k < L; k++) {
        double m = hypot(a[2 * k], a[2 * k + 1]) + 1e-3 * peak;
        a[2 * k] = (float)(a[2 * k] / m); a[2 * k + 1] = (float)(a[2 * k + 1] / m);
    }
    tl_fft_exec(inv, a);
    /* r[s] = Σ a[k] b[k - s]: q = mirrored p180 equals p0 shifted by s = 2c − (n − 1) */
    size_t kbest = 0;
    for (size_t k = 1; k < L; k++)
        if (a[2 * k] > a[2 * kbest]) kbest = k;
    double y0 = a[2 * ((kbest + L - 1) % L)], y1 = a[2 * kbest], y2 = a[2 * ((kbest + 1) % L)];
    double den = y0 - 2 * y1 + y2, frac = den != 0 ? 0.5 * (y0 - y2) / den : 0;
    double s = (double)kbest + frac;
    if (s > (double)L / 2) s -= (double)L;
    tl_fft_free(a); tl_fft_free(b);
    *center = (s + (double)(n - 1)) / 2.0;
    if (*center < 0 || *center > (double)(n - 1))
        return tl_err(err, "find_center: phase correlation gave centre %g, outside the detector (0..%zu): "
                      "are the two projections 180° apart?", *center, n - 1);
    return 0;
}

int tl_find_center_sino(const float *sino, size_t n_angles, size_t n_cols, const double *theta_deg,
                        tl_center_method method, double smin, double smax, double *center, tl_error *err)
{
    if (method == TL_CENTER_VO) return tl_find_center_vo(sino, n_angles, n_cols, smin, smax, center, err);
    size_t best = n_angles - 1;
    if (theta_deg && tl_find_opposite(theta_deg, n_angles, &best, err)) return -1;
    return tl_find_center_pc(sino, sino + best * n_cols, n_cols, center, err);
}
