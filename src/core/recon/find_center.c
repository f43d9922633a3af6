/* find_center.c — the rotation centre from the data.
 *
 * Vo's Fourier double-wedge method (Vo, Drakopoulos, Atwood, Reinhard,
 * Opt. Express 22, 2014): a 180° sinogram followed by its mirror image
 * shifted by 2 (c − (N−1)/2) is a 360° sinogram when c is the centre; the
 * 2-D spectrum of a consistent 360° sinogram is concentrated in a double
 * wedge |ω_angle| <= |ω_t| · R (R = object radius), so the energy outside
 * the wedge is smallest at the true centre. A coarse search in one-pixel
 * steps (on 4 x 4 block means for sinograms over 4 Mpixel, as TomoPy) is
 * refined in eighth-pixel steps with linear interpolation.
 *
 * Phase correlation: the projection at θ0 + 180° is the mirror image of
 * the one at θ0 about the centre, so their shift is 2c − (N − 1). */
#include "recon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct vo_ctx {
    size_t na, n, rows;  /* rows = 2 na */
    const float *sino;
    float *mask;         /* rows x n, in fftshifted layout */
    float *buf;          /* rows x n complex */
    size_t *idx, n_idx;  /* the mask's cells, in increasing order */
    void *plan;
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

static double vo_metric(vo_ctx *v, double c)
{
    size_t na = v->na, n = v->n;
    double shift = 2.0 * (c - (n - 1) / 2.0);
    float *b = v->buf;
    for (size_t a = 0; a < na; a++) {
        const float *s = v->sino + a * n;
        float *r0 = b + 2 * a * n, *r1 = b + 2 * (na + a) * n;
        const float *comp = v->sino + (na - 1 - a) * n; /* flipud: avoids local minima */
        for (size_t k = 0; k < n; k++) {
            r0[2 * k] = s[k]; r0[2 * k + 1] = 0;
            /* mirrored row, rolled by shift: value at k is flip[k - shift] */
            double src = (double)k - shift;
            double m = (double)(n - 1) - src; /* flip[x] = s[n-1-x] */
            float val;
            if (src < 0 || src > (double)(n - 1)) val = comp[k];
            else {
                size_t i0 = (size_t)floor(m);
                double f = m - (double)i0;
                val = i0 + 1 < n ? (float)((1 - f) * s[i0] + f * s[i0 + 1]) : s[i0];
            }
            r1[2 * k] = val; r1[2 * k + 1] = 0;
        }
    }
    tl_fft_exec(v->plan, b);
    double sum = 0;
    for (size_t k = 0; k < v->n_idx; k++) {
        size_t i = v->idx[k];
        sum += sqrtf(b[2 * i] * b[2 * i] + b[2 * i + 1] * b[2 * i + 1]);
    }
    return sum / (double)(v->rows * n);
}

static int vo_init(vo_ctx *v, const float *sino, size_t na, size_t n, tl_error *err)
{
    *v = (vo_ctx){.na = na, .n = n, .rows = 2 * na, .sino = sino};
    v->plan = tl_fft_plan_2d(v->rows, n, -1, err);
    if (!v->plan) return -1;
    v->mask = malloc(sizeof(float) * v->rows * n);
    v->buf = tl_fft_alloc(v->rows * n);
    if (!v->mask || !v->buf) {
        free(v->mask); tl_fft_free(v->buf);
        return tl_err(err, "find_center: out of memory");
    }
    make_mask(v, 0.5 * 0.5 * (double)n, 20);
    size_t tot = v->rows * n;
    v->n_idx = 0;
    for (size_t i = 0; i < tot; i++) v->n_idx += v->mask[i] != 0;
    v->idx = malloc(sizeof(size_t) * (v->n_idx ? v->n_idx : 1));
    if (!v->idx) { free(v->mask); tl_fft_free(v->buf); return tl_err(err, "find_center: out of memory"); }
    for (size_t i = 0, k = 0; i < tot; i++)
        if (v->mask[i] != 0) v->idx[k++] = i;
    return 0;
}

static void vo_free(vo_ctx *v) { free(v->mask); free(v->idx); tl_fft_free(v->buf); }

/* Smallest metric over c = lo, lo + step, ... <= hi (within [1, n - 2]). */
static double vo_search(vo_ctx *v, double lo, double hi, double step, double *best)
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
    vo_ctx v;
    double coarse;
    if ((double)n_angles * (double)n_cols > 4e6 && n_angles >= 64 && n_cols >= 256) {
        /* large sinograms (as TomoPy): the coarse search on 4 x 4 block means
         * (a block of columns 4k..4k+3 is centred on 4k + 1.5), then a
         * full-resolution search +-3 px around it */
        size_t f = 4, nad = n_angles / f, ncd = n_cols / f;
        float *ds = malloc(sizeof(float) * nad * ncd);
        if (!ds) return tl_err(err, "find_center: out of memory");
        for (size_t a = 0; a < nad; a++)
            for (size_t c = 0; c < ncd; c++) {
                double acc = 0;
                for (size_t i = 0; i < f; i++)
                    for (size_t j = 0; j < f; j++) acc += sino[(a * f + i) * n_cols + c * f + j];
                ds[a * ncd + c] = (float)(acc / (double)(f * f));
            }
        if (vo_init(&v, ds, nad, ncd, err)) { free(ds); return -1; }
        double cd;
        vo_search(&v, floor((lo - 1.5) / f), (hi - 1.5) / f, 0.5, &cd);
        vo_free(&v);
        free(ds);
        double c0 = cd * (double)f + 1.5;
        if (vo_init(&v, sino, n_angles, n_cols, err)) return -1;
        vo_search(&v, fmax(lo, c0 - 3.0), fmin(hi, c0 + 3.0), 0.5, &coarse);
    } else {
        if (vo_init(&v, sino, n_angles, n_cols, err)) return -1;
        vo_search(&v, floor(lo), hi, 1.0, &coarse);
    }
    double best, r = (double)n_angles * (double)n_cols > 4e6 ? 0.5 : 1.0;
    vo_search(&v, fmax(lo, coarse - r), fmin(hi, coarse + r), 0.125, &best);
    vo_free(&v);
    *center = best;
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
