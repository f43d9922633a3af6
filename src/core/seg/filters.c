/* filters.c — 3D median (box of side 2r+1, 2r_z+1 along z) and separable Gaussian.
 * Borders replicate the edge voxel. Output f32. Each output voxel depends
 * only on its neighbourhood, summed in a fixed order: thread-independent. */
#include "seg.h"
#include "../vol/vol_convert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float select_kth(float *a, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        float p = a[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { float t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return a[k];
    }
    return a[k];
}

static inline size_t clampi(long i, size_t n) { return i < 0 ? 0 : (size_t)i >= n ? n - 1 : (size_t)i; }

tl_volume *tl_median3d(const tl_volume *vol, int radius, int radius_z, tl_error *err)
{
    if (radius < 1 || radius > 5) { tl_err(err, "median3d: radius must be in [1, 5] voxels (got %d)", radius); return NULL; }
    if (radius_z < 0) radius_z = radius;
    if (radius_z > 5) { tl_err(err, "median3d: radius_z must be in [0, 5] voxels (got %d)", radius_z); return NULL; }
    tl_volume *in = vol->dtype == TL_F32 ? tl_vol_ref((tl_volume *)vol) : tl_vol_astype(vol, TL_F32, 1, 0, err);
    if (!in) return NULL;
    if (tl_vol_check_finite(in, "volume", err)) { tl_vol_unref(in); tl_err_prefix(err, "median3d: "); return NULL; }
    tl_volume *out = tl_vol_new_like(vol, TL_F32, err);
    if (!out) { tl_vol_unref(in); return NULL; }
    const size_t nz = vol->nz, ny = vol->ny, nx = vol->nx;
    const int rz = nz > 1 ? radius_z : 0, side = 2 * radius + 1, n = (2 * rz + 1) * side * side;
    const float *a = in->data;
    float *o = out->data;
    int oom = 0;
    #pragma omp parallel reduction(| : oom)
    {
        float *buf = malloc((size_t)n * sizeof *buf);
        if (!buf) oom = 1;
        #pragma omp for schedule(static)
        for (size_t q = 0; q < nz * ny; q++) {
            if (!buf) continue;
            long z = (long)(q / ny), y = (long)(q % ny);
            for (size_t x = 0; x < nx; x++) {
                int k = 0;
                for (long dz = -rz; dz <= rz; dz++)
                    for (long dy = -radius; dy <= radius; dy++) {
                        const float *row = a + (clampi(z + dz, nz) * ny + clampi(y + dy, ny)) * nx;
                        for (long dx = -radius; dx <= radius; dx++) buf[k++] = row[clampi((long)x + dx, nx)];
                    }
                o[q * nx + x] = select_kth(buf, n, n / 2);
            }
        }
        free(buf);
    }
    tl_vol_unref(in);
    if (oom) { tl_vol_unref(out); tl_err(err, "median3d: out of memory"); return NULL; }
    return out;
}

/* In-place 1D Gaussian along one axis; -1 when out of memory. */
static int gauss_axis(float *v, size_t nz, size_t ny, size_t nx, int axis, double sigma)
{
    int R = (int)ceil(4 * sigma);
    if (R < 1) return 0;
    float *k = malloc((size_t)(2 * R + 1) * sizeof *k);
    if (!k) return -1;
    int oom = 0;
    double sum = 0;
    for (int i = -R; i <= R; i++) sum += exp(-0.5 * i * i / (sigma * sigma));
    for (int i = -R; i <= R; i++) k[i + R] = (float)(exp(-0.5 * i * i / (sigma * sigma)) / sum);
    size_t len = axis == 0 ? nz : axis == 1 ? ny : nx;
    size_t stride = axis == 0 ? ny * nx : axis == 1 ? nx : 1;
    size_t nlines = nz * ny * nx / len;
    #pragma omp parallel reduction(| : oom)
    {
        float *line = malloc(len * sizeof *line), *res = malloc(len * sizeof *res);
        if (!line || !res) oom = 1;
        #pragma omp for schedule(static)
        for (size_t l = 0; l < nlines; l++) {
            if (!line || !res) continue;
            /* line l -> its first element */
            size_t base;
            if (axis == 0) base = l;                                   /* l = y*nx + x */
            else if (axis == 1) base = (l / nx) * ny * nx + (l % nx);  /* l = z*nx + x */
            else base = l * nx;                                        /* l = z*ny + y */
            for (size_t i = 0; i < len; i++) line[i] = v[base + i * stride];
            for (size_t i = 0; i < len; i++) {
                float acc = 0;
                for (int j = -R; j <= R; j++) acc += k[j + R] * line[clampi((long)i + j, len)];
                res[i] = acc;
            }
            for (size_t i = 0; i < len; i++) v[base + i * stride] = res[i];
        }
        free(line); free(res);
    }
    free(k);
    return oom ? -1 : 0;
}

/* The blurred copy's starting point: sigmas checked, the volume as f32,
 * finite. NULL + message otherwise. */
static tl_volume *gaussian_input(const tl_volume *vol, const double sigma_vox[3], tl_error *err)
{
    for (int a = 0; a < 3; a++)
        if (!(sigma_vox[a] >= 0) || sigma_vox[a] > 1000) { tl_err(err, "gaussian: sigma along axis %d is %g voxels; must be in [0, 1000]", a, sigma_vox[a]); return NULL; }
    tl_volume *out = vol->dtype == TL_F32 ? tl_vol_copy(vol, err) : tl_vol_astype(vol, TL_F32, 1, 0, err);
    if (!out) return NULL;
    if (tl_vol_check_finite(out, "volume", err)) { tl_vol_unref(out); tl_err_prefix(err, "gaussian: "); return NULL; }
    return out;
}

/* The separable blur along every axis with a sigma (z only when nz > 1). */
static int gauss_all(float *v, size_t nz, size_t ny, size_t nx, const double sigma_vox[3])
{
    for (int a = 0; a < 3; a++)
        if (sigma_vox[a] > 0 && (a > 0 || nz > 1) && gauss_axis(v, nz, ny, nx, a, sigma_vox[a])) return -1;
    return 0;
}

tl_volume *tl_gaussian(const tl_volume *vol, const double sigma_vox[3], tl_error *err)
{
    tl_volume *out = gaussian_input(vol, sigma_vox, err);
    if (out && gauss_all(out->data, out->nz, out->ny, out->nx, sigma_vox)) {
        tl_vol_unref(out);
        tl_err(err, "gaussian: out of memory");
        return NULL;
    }
    return out;
}

/* Normalised convolution: inside the mask, the Gaussian average of the
 * voxels inside the mask only (G*(v m) / G*m); outside, v unchanged. A cell
 * surrounded by air then keeps its level up to its rim instead of taking
 * in the dark outside, which a plain Gaussian does over ~2 sigma. A plane
 * mask's weights are the same in every plane, so they are blurred once, in
 * (y, x). */
tl_volume *tl_gaussian_masked(const tl_volume *vol, const tl_volume *mask, const double sigma_vox[3], tl_error *err)
{
    char s1[64], s2[64];
    if (mask->dtype != TL_U8) { tl_err(err, "gaussian: mask must be u8, got %s", tl_dtype_name(mask->dtype)); return NULL; }
    const int plane = mask->nz == 1 && vol->nz > 1;
    if (mask->ny != vol->ny || mask->nx != vol->nx || (!plane && mask->nz != vol->nz)) {
        tl_err(err, "gaussian: mask of shape %s matches neither the volume %s nor one of its planes",
               tl_vol_shape_str(mask, s1, sizeof s1), tl_vol_shape_str(vol, s2, sizeof s2));
        return NULL;
    }
    tl_volume *out = gaussian_input(vol, sigma_vox, err);
    if (!out) return NULL;
    const size_t nz = out->nz, ny = out->ny, nx = out->nx, n = nz * ny * nx, np = ny * nx, nw = plane ? np : n;
    const double sigma_yx[3] = {0, sigma_vox[1], sigma_vox[2]};
    float *num = malloc(n * sizeof *num), *den = malloc(nw * sizeof *den);
    const uint8_t *m = mask->data;
    float *o = out->data;
    int oom = !num || !den;
    if (!oom) {
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) num[i] = m[plane ? i % np : i] ? o[i] : 0.0f;
        for (size_t i = 0; i < nw; i++) den[i] = m[i] ? 1.0f : 0.0f;
        oom = gauss_all(num, nz, ny, nx, sigma_vox) ||
              (plane ? gauss_all(den, 1, ny, nx, sigma_yx) : gauss_all(den, nz, ny, nx, sigma_vox));
    }
    if (oom) {
        free(num); free(den); tl_vol_unref(out);
        tl_err(err, "gaussian: out of memory");
        return NULL;
    }
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        size_t w = plane ? i % np : i;
        if (m[w] && den[w] > 0) o[i] = num[i] / den[w];
    }
    free(num); free(den);
    return out;
}
