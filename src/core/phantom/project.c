/* project.c — exact ray tracing through voxels (Siddon) with sub-rays
 * across each detector pixel, plus the same geometry on analytic ellipses
 * so the projector can be checked against a closed-form Radon transform.
 *
 * Speed: intersection lengths depend on (theta, s) but not on z, so each
 * detector column's rays are traced once and their weights applied to
 * all nz rows at once from a z-contiguous copy of the volume. */
#include "project.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tl_error.h"

size_t tl_siddon_2d(size_t ny, size_t nx, double v, double theta, double s, size_t *idx, double *len)
{
    double c = cos(theta), sn = sin(theta);
    double ox = s * c, oy = s * sn, dx = -sn, dy = c;
    /* voxel ix is centred on (ix - nx/2) v, nx/2 rounded down (TomoPy's convention) */
    double xmin = (-(double)(nx / 2) - 0.5) * v, xmax = xmin + (double)nx * v;
    double ymin = (-(double)(ny / 2) - 0.5) * v, ymax = ymin + (double)ny * v;
    double tmin = -INFINITY, tmax = INFINITY;
    /* slab clipping of the line against the grid's box */
    if (fabs(dx) > 1e-15) {
        double t1 = (xmin - ox) / dx, t2 = (xmax - ox) / dx;
        tmin = fmax(tmin, fmin(t1, t2)); tmax = fmin(tmax, fmax(t1, t2));
    } else if (ox < xmin || ox >= xmax) return 0;
    if (fabs(dy) > 1e-15) {
        double t1 = (ymin - oy) / dy, t2 = (ymax - oy) / dy;
        tmin = fmax(tmin, fmin(t1, t2)); tmax = fmin(tmax, fmax(t1, t2));
    } else if (oy < ymin || oy >= ymax) return 0;
    if (!(tmax > tmin)) return 0;
    /* next x and y grid planes after tmin, and the parametric step between planes */
    double tx = INFINITY, ty = INFINITY, stx = INFINITY, sty = INFINITY;
    long ix_next = 0, iy_next = 0, six = 0, siy = 0;
    if (fabs(dx) > 1e-15) {
        double xe = (ox + tmin * dx - xmin) / v;
        six = dx > 0 ? 1 : -1;
        ix_next = dx > 0 ? (long)floor(xe) + 1 : (long)ceil(xe) - 1;
        tx = (xmin + (double)ix_next * v - ox) / dx;
        stx = v / fabs(dx);
    }
    if (fabs(dy) > 1e-15) {
        double ye = (oy + tmin * dy - ymin) / v;
        siy = dy > 0 ? 1 : -1;
        iy_next = dy > 0 ? (long)floor(ye) + 1 : (long)ceil(ye) - 1;
        ty = (ymin + (double)iy_next * v - oy) / dy;
        sty = v / fabs(dy);
    }
    size_t n = 0;
    double t = tmin;
    for (;;) {
        double tn = fmin(fmin(tx, ty), tmax);
        if (tn > t) {
            double tm = 0.5 * (t + tn);
            long ix = (long)floor((ox + tm * dx - xmin) / v), iy = (long)floor((oy + tm * dy - ymin) / v);
            if (ix >= 0 && iy >= 0 && ix < (long)nx && iy < (long)ny) {
                idx[n] = (size_t)iy * nx + (size_t)ix;
                len[n++] = tn - t;
            }
            t = tn;
        }
        if (tn >= tmax) break;
        if (tx <= tn) { ix_next += six; tx += stx; (void)ix_next; }
        if (ty <= tn) { iy_next += siy; ty += sty; (void)iy_next; }
    }
    return n;
}

int tl_project_lines(const tl_volume *mu, const double *theta_deg, size_t a0, size_t a1, size_t ncols,
                     size_t nsub, float *out, tl_error *err)
{
    if (mu->dtype != TL_F32) return tl_err(err, "project: mu must be f32, got %s", tl_dtype_name(mu->dtype));
    if (fabs(mu->voxel_um[1] - mu->voxel_um[2]) > 1e-9 * mu->voxel_um[2])
        return tl_err(err, "project: voxels must be square in (y, x), got %g x %g µm", mu->voxel_um[1], mu->voxel_um[2]);
    size_t nz = mu->nz, ny = mu->ny, nx = mu->nx, m = ny * nx;
    double v = mu->voxel_um[2];
    /* z-contiguous copy: column idx holds mu[0..nz) of voxel column idx */
    float *T = malloc(m * nz * sizeof *T);
    unsigned char *nonzero = calloc(m, 1);
    if (!T || !nonzero) { free(T); free(nonzero); return tl_err(err, "project: out of memory for a %zu x %zu x %zu copy", nz, ny, nx); }
    const float *M = mu->data;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < m; i++)
        for (size_t z = 0; z < nz; z++) {
            float f = M[z * m + i];
            T[i * nz + z] = f;
            if (f != 0) nonzero[i] = 1;
        }
    size_t cap = 2 * (ny + nx) + 4, njobs = (a1 - a0) * ncols;
    int oom = 0;
    #pragma omp parallel reduction(|:oom)
    {
        size_t *idx = malloc(cap * sizeof *idx), *touched = malloc(m * sizeof *touched);
        double *len = malloc(cap * sizeof *len), *w = calloc(m, sizeof *w), *acc = malloc(nz * sizeof *acc);
        if (!idx || !touched || !len || !w || !acc) oom = 1;
        #pragma omp for schedule(dynamic, 8)
        for (size_t job = 0; job < njobs; job++) {
            if (oom) continue;
            size_t a = a0 + job / ncols, u = job % ncols;
            double th = theta_deg[a] * M_PI / 180.0;
            size_t nt = 0;
            for (size_t j = 0; j < nsub; j++) {
                double s = ((double)u - (double)(ncols / 2) - 0.5 + ((double)j + 0.5) / (double)nsub) * v;
                size_t ns = tl_siddon_2d(ny, nx, v, th, s, idx, len);
                for (size_t k = 0; k < ns; k++) {
                    if (!nonzero[idx[k]]) continue;
                    if (w[idx[k]] == 0) touched[nt++] = idx[k];
                    w[idx[k]] += len[k];
                }
            }
            memset(acc, 0, nz * sizeof *acc);
            for (size_t k = 0; k < nt; k++) {
                const float *col = T + touched[k] * nz;
                double wk = w[touched[k]];
                for (size_t z = 0; z < nz; z++) acc[z] += wk * col[z];
                w[touched[k]] = 0;
            }
            /* µm * 1/cm -> dimensionless, averaged over the sub-rays */
            double scale = 1e-4 / (double)nsub;
            for (size_t z = 0; z < nz; z++) out[((a - a0) * nz + z) * ncols + u] = (float)(acc[z] * scale);
        }
        free(idx); free(touched); free(len); free(w); free(acc);
    }
    free(T); free(nonzero);
    return oom ? tl_err(err, "project: out of memory") : 0;
}

/* Chord of the line x cos(th) + y sin(th) = s through an ellipse. */
static double ellipse_chord(const tl_ellipse *e, double th, double s)
{
    double sp = s - (e->cx * cos(th) + e->cy * sin(th));
    double g = th - e->phi_deg * M_PI / 180.0;
    double A2 = e->a * e->a * cos(g) * cos(g) + e->b * e->b * sin(g) * sin(g);
    if (sp * sp >= A2) return 0;
    return 2 * e->a * e->b * sqrt(A2 - sp * sp) / A2;
}

void tl_project_ellipses(const tl_ellipse *e, size_t ne, const double *theta_deg, size_t n_theta,
                         size_t ncols, double v, size_t nsub, double *out)
{
    for (size_t a = 0; a < n_theta; a++) {
        double th = theta_deg[a] * M_PI / 180.0;
        for (size_t u = 0; u < ncols; u++) {
            double p = 0;
            for (size_t j = 0; j < nsub; j++) {
                double s = ((double)u - (double)(ncols / 2) - 0.5 + ((double)j + 0.5) / (double)nsub) * v;
                for (size_t k = 0; k < ne; k++) p += e[k].mu * ellipse_chord(&e[k], th, s) * 1e-4;
            }
            out[a * ncols + u] = p / (double)nsub;
        }
    }
}

/* ∫ sqrt(A² - x²) dx with x clamped to [-A, A]. */
static double circ_antideriv(double x, double A)
{
    if (x <= -A) return -0.25 * M_PI * A * A;
    if (x >= A) return 0.25 * M_PI * A * A;
    return 0.5 * (x * sqrt(A * A - x * x) + A * A * asin(x / A));
}

void tl_radon_ellipses_pixel(const tl_ellipse *e, size_t ne, const double *theta_deg, size_t n_theta,
                             size_t ncols, double v, double *out)
{
    for (size_t a = 0; a < n_theta; a++) {
        double th = theta_deg[a] * M_PI / 180.0;
        for (size_t u = 0; u < ncols; u++) {
            double s0 = ((double)u - (double)(ncols / 2) - 0.5) * v, s1 = s0 + v, p = 0;
            for (size_t k = 0; k < ne; k++) {
                double c = e[k].cx * cos(th) + e[k].cy * sin(th);
                double g = th - e[k].phi_deg * M_PI / 180.0;
                double A2 = e[k].a * e[k].a * cos(g) * cos(g) + e[k].b * e[k].b * sin(g) * sin(g), A = sqrt(A2);
                double I = circ_antideriv(s1 - c, A) - circ_antideriv(s0 - c, A);
                p += e[k].mu * 2 * e[k].a * e[k].b / A2 * I * 1e-4;
            }
            out[a * ncols + u] = p / v;
        }
    }
}
