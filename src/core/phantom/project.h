/* project.h — parallel-beam forward projection of a voxel volume.
 *
 * Geometry (also in docs/phantom.md): z is the rotation axis and detector
 * rows are z-slices. In a slice, voxel (iy, ix) is centred on
 * x = (ix - nx/2) v, y = (iy - ny/2) v (integer division, as TomoPy and
 * the recon module place the axis), so the rotation axis passes through
 * the centre of voxel (ny/2, nx/2). The projection at angle theta
 * integrates along (-sin theta, cos theta) the line
 *     x cos(theta) + y sin(theta) = s,
 * and detector column u is centred on s = (u - ncols/2) v: the rotation
 * centre is column ncols/2 (at theta = 0 a column sums over y at fixed x;
 * column u sees voxel column x = u when ncols = nx). Each detector pixel is the average of
 * `nsub` parallel sub-rays evenly spread across it; each sub-ray's
 * integral is exact through the voxels (Siddon: the ray's intersection
 * length with every voxel it crosses). This is not the adjoint of any
 * Fourier-gridding back-projector. */
#ifndef TL_PHANTOM_PROJECT_H
#define TL_PHANTOM_PROJECT_H

#include <stddef.h>

#include "../vol/vol.h"

typedef struct tl_proj_geom {
    size_t ny, nx, ncols, nsub;
    double voxel_um;
} tl_proj_geom;

/* Visit every (voxel index iy * nx + ix, length in voxel units... µm) of one
 * ray, exactly. Returns the number of segments written to idx/len
 * (capacity >= 2 * (ny + nx) + 2). */
size_t tl_siddon_2d(size_t ny, size_t nx, double voxel, double theta, double s, size_t *idx, double *len);

/* A volume prepared for projection (a z-contiguous copy), reused for
 * every block of angles of a scan. */
typedef struct tl_projector tl_projector;
tl_projector *tl_projector_new(const tl_volume *mu, tl_error *err);
void tl_projector_free(tl_projector *p);
int tl_projector_lines(const tl_projector *p, const double *theta_deg, size_t a0, size_t a1, size_t ncols,
                       size_t nsub, float *out, tl_error *err);

/* Line integrals (dimensionless: mu in 1/cm times path in cm) of an f32
 * volume in 1/cm for angles [a0, a1): out is (a1 - a0, nz, ncols) f32. */
int tl_project_lines(const tl_volume *mu, const double *theta_deg, size_t a0, size_t a1, size_t ncols,
                     size_t nsub, float *out, tl_error *err);

/* The same detector geometry applied to an analytic object: a sum of
 * uniform ellipses (cx, cy, a, b, phi_deg, mu per ellipse, in µm and 1/cm),
 * each sub-ray's integral being the exact chord length. out is
 * (n_theta, ncols) f64. */
typedef struct tl_ellipse { double cx, cy, a, b, phi_deg, mu; } tl_ellipse;
void tl_project_ellipses(const tl_ellipse *e, size_t ne, const double *theta_deg, size_t n_theta,
                         size_t ncols, double voxel_um, size_t nsub, double *out);
/* Reference: the Radon transform averaged exactly over each detector
 * pixel (closed-form integral of the chord length). */
void tl_radon_ellipses_pixel(const tl_ellipse *e, size_t ne, const double *theta_deg, size_t n_theta,
                             size_t ncols, double voxel_um, double *out);

#endif
