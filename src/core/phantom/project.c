/* project.c — exact ray tracing through voxels (Siddon) with sub-rays
 * across each detector pixel, plus the same geometry on analytic ellipses
 * so the projector can be checked against a closed-form Radon transform.
 *
 * Speed: intersection lengths depend on (theta, s) but not on z, so each
 * detector pixel's rays are traced once and their weights applied to all
 * rows, block of slices by block of slices (see tl_projector). */
#include "project.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tl_error.h"

/* Clip the line o + t d (one axis) to the slab [lo, hi): narrows
 * [tmin, tmax]; 0 if a line parallel to the slab misses it. */
static int clip_slab(double o, double d, double lo, double hi, double *tmin, double *tmax)
{
    if (fabs(d) > 1e-15) {
        double t1 = (lo - o) / d, t2 = (hi - o) / d;
        *tmin = fmax(*tmin, fmin(t1, t2)); *tmax = fmin(*tmax, fmax(t1, t2));
        return 1;
    }
    return !(o < lo || o >= hi);
}

/* The first grid plane of one axis crossed after tmin (*tnext) and the
 * parametric step between planes; both stay infinite along a parallel line. */
static void first_plane(double o, double d, double tmin, double lo, double v, double *tnext, double *step)
{
    if (!(fabs(d) > 1e-15)) return;
    double e = (o + tmin * d - lo) / v;
    long next = d > 0 ? (long)floor(e) + 1 : (long)ceil(e) - 1;
    *tnext = (lo + (double)next * v - o) / d;
    *step = v / fabs(d);
}

size_t tl_siddon_2d(size_t ny, size_t nx, double v, double theta, double s, size_t *idx, double *len)
{
    double c = cos(theta), sn = sin(theta);
    double ox = s * c, oy = s * sn, dx = -sn, dy = c;
    /* voxel ix is centred on (ix - nx/2) v, nx/2 rounded down (TomoPy's convention) */
    double xmin = (-(double)(nx / 2) - 0.5) * v, xmax = xmin + (double)nx * v;
    double ymin = (-(double)(ny / 2) - 0.5) * v, ymax = ymin + (double)ny * v;
    double tmin = -INFINITY, tmax = INFINITY;
    if (!clip_slab(ox, dx, xmin, xmax, &tmin, &tmax) || !clip_slab(oy, dy, ymin, ymax, &tmin, &tmax)) return 0;
    if (!(tmax > tmin)) return 0;
    double tx = INFINITY, ty = INFINITY, stx = INFINITY, sty = INFINITY;
    first_plane(ox, dx, tmin, xmin, v, &tx, &stx);
    first_plane(oy, dy, tmin, ymin, v, &ty, &sty);
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
        if (tx <= tn) tx += stx;
        if (ty <= tn) ty += sty;
    }
    return n;
}

/* The volume is re-laid out in z-blocks of ZB slices, each block
 * voxel-column-major: [block][column][ZB]. One block of a 256² slice stack
 * is 4 MB, so while every ray of a group of angles is applied to one block
 * its data stays in cache; the rays' weights are traced once per group and
 * streamed sequentially for each block. */
#define ZB 16

struct tl_projector {
    size_t nz, ny, nx, nzb;
    double voxel;
    float *T;               /* [nzb][ny * nx][ZB], zero-padded past nz */
    unsigned char *nonzero; /* columns that are not all zero (skipped) */
};

typedef struct { uint32_t idx; float w; } ray_weight;

tl_projector *tl_projector_new(const tl_volume *mu, tl_error *err)
{
    if (mu->dtype != TL_F32) { tl_err(err, "project: mu must be f32, got %s", tl_dtype_name(mu->dtype)); return NULL; }
    if (fabs(mu->voxel_um[1] - mu->voxel_um[2]) > 1e-9 * mu->voxel_um[2]) {
        tl_err(err, "project: voxels must be square in (y, x), got %g x %g µm", mu->voxel_um[1], mu->voxel_um[2]);
        return NULL;
    }
    size_t m = mu->ny * mu->nx, nz = mu->nz, nzb = (nz + ZB - 1) / ZB;
    if (m > UINT32_MAX) { tl_err(err, "project: slices of %zu x %zu voxels are too large", mu->ny, mu->nx); return NULL; }
    tl_projector *p = calloc(1, sizeof *p);
    if (p) { p->T = calloc(nzb * m * ZB, sizeof *p->T); p->nonzero = calloc(m, 1); }
    if (!p || !p->T || !p->nonzero) {
        tl_projector_free(p);
        tl_err(err, "project: out of memory for a %zu x %zu x %zu copy", nz, mu->ny, mu->nx);
        return NULL;
    }
    p->nz = nz; p->ny = mu->ny; p->nx = mu->nx; p->nzb = nzb; p->voxel = mu->voxel_um[2];
    const float *M = mu->data;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < m; i++)
        for (size_t z = 0; z < nz; z++) {
            float f = M[z * m + i];
            p->T[((z / ZB) * m + i) * ZB + z % ZB] = f;
            if (f != 0) p->nonzero[i] = 1;
        }
    return p;
}

void tl_projector_free(tl_projector *p)
{
    if (!p) return;
    free(p->T); free(p->nonzero); free(p);
}

/* The merged weights of one detector pixel's sub-rays: every crossed,
 * non-empty voxel column once, with its total length (µm). */
static ray_weight *trace_pixel(const tl_projector *P, double th, size_t u, size_t ncols, size_t nsub,
                               size_t *idx, double *len, size_t *touched, double *w, size_t *n_out)
{
    double v = P->voxel;
    size_t nt = 0;
    for (size_t j = 0; j < nsub; j++) {
        double s = ((double)u - (double)(ncols / 2) - 0.5 + ((double)j + 0.5) / (double)nsub) * v;
        size_t ns = tl_siddon_2d(P->ny, P->nx, v, th, s, idx, len);
        for (size_t k = 0; k < ns; k++) {
            if (!P->nonzero[idx[k]]) continue;
            if (w[idx[k]] == 0) touched[nt++] = idx[k];
            w[idx[k]] += len[k];
        }
    }
    ray_weight *r = malloc((nt ? nt : 1) * sizeof *r);
    if (r)
        for (size_t k = 0; k < nt; k++) r[k] = (ray_weight){(uint32_t)touched[k], (float)w[touched[k]]};
    for (size_t k = 0; k < nt; k++) w[touched[k]] = 0;
    *n_out = nt;
    return r;
}

static int lines_group(const tl_projector *P, const double *theta_deg, size_t a0, size_t a1, size_t ncols,
                       size_t nsub, float *out, tl_error *err)
{
    size_t nz = P->nz, m = P->ny * P->nx;
    size_t cap = 2 * (P->ny + P->nx) + 4, njobs = (a1 - a0) * ncols;
    ray_weight **rays = calloc(njobs, sizeof *rays);
    size_t *nray = calloc(njobs, sizeof *nray);
    if (!rays || !nray) { free(rays); free(nray); return tl_err(err, "project: out of memory"); }
    int oom = 0;
    #pragma omp parallel reduction(|:oom)
    {
        size_t *idx = malloc(cap * sizeof *idx), *touched = malloc(m * sizeof *touched);
        double *len = malloc(cap * sizeof *len), *w = calloc(m, sizeof *w);
        if (!idx || !touched || !len || !w) oom = 1;
        #pragma omp for schedule(dynamic, 8)
        for (size_t job = 0; job < njobs; job++) {
            if (oom) continue;
            double th = theta_deg[a0 + job / ncols] * M_PI / 180.0;
            rays[job] = trace_pixel(P, th, job % ncols, ncols, nsub, idx, len, touched, w, &nray[job]);
            if (!rays[job]) oom = 1;
        }
        free(idx); free(touched); free(len); free(w);
    }
    /* µm * 1/cm -> dimensionless, averaged over the sub-rays */
    float scale = (float)(1e-4 / (double)nsub);
    for (size_t b = 0; b < P->nzb && !oom; b++) {
        const float *Tb = P->T + b * m * ZB;
        size_t zn = nz - b * ZB < ZB ? nz - b * ZB : ZB;
        #pragma omp parallel for schedule(dynamic, 16)
        for (size_t job = 0; job < njobs; job++) {
            float acc[ZB] = {0};
            const ray_weight *r = rays[job];
            for (size_t k = 0; k < nray[job]; k++) {
                const float *col = Tb + (size_t)r[k].idx * ZB;
                float wk = r[k].w;
                for (int z = 0; z < ZB; z++) acc[z] += wk * col[z];
            }
            size_t a = job / ncols, u = job % ncols;
            for (size_t z = 0; z < zn; z++) out[(a * nz + b * ZB + z) * ncols + u] = acc[z] * scale;
        }
    }
    for (size_t j = 0; j < njobs; j++) free(rays[j]);
    free(rays); free(nray);
    return oom ? tl_err(err, "project: out of memory") : 0;
}

int tl_projector_lines(const tl_projector *P, const double *theta_deg, size_t a0, size_t a1, size_t ncols,
                       size_t nsub, float *out, tl_error *err)
{
    /* traced weights of a group take ~ angles x ncols x 2 (ny + nx) x 8 bytes:
     * keep a group near 64 MB whatever the caller's block */
    size_t per_angle = ncols * 2 * (P->ny + P->nx) * sizeof(ray_weight);
    size_t group = per_angle ? (64u << 20) / per_angle : 1;
    if (group < 1) group = 1;
    for (size_t g = a0; g < a1; g += group) {
        size_t g1 = g + group < a1 ? g + group : a1;
        if (lines_group(P, theta_deg, g, g1, ncols, nsub, out + (g - a0) * P->nz * ncols, err)) return -1;
    }
    return 0;
}

int tl_project_lines(const tl_volume *mu, const double *theta_deg, size_t a0, size_t a1, size_t ncols,
                     size_t nsub, float *out, tl_error *err)
{
    tl_projector *p = tl_projector_new(mu, err);
    if (!p) return -1;
    int rc = tl_projector_lines(p, theta_deg, a0, a1, ncols, nsub, out, err);
    tl_projector_free(p);
    return rc;
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
