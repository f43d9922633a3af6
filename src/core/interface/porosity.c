/* porosity.c — porosity profiles, maps, band and block porosity (seed 002).
 *
 * Porosity = pore voxels / phase voxels, where `pores` marks pore voxels
 * and the optional `roi` marks the phase being measured (e.g. the Li
 * electrode including its pores, or the electrolyte pellet); without roi
 * every voxel counts. Counts are integers, so results are exact and
 * thread-independent. */
#include "interface.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int check_pair(const tl_volume *pores, const tl_volume *roi, const char *who, tl_error *err)
{
    if (pores->dtype != TL_U8) return tl_err(err, "%s: pores must be a u8 mask, got %s", who, tl_dtype_name(pores->dtype));
    if (roi && roi->dtype != TL_U8) return tl_err(err, "%s: roi must be a u8 mask, got %s", who, tl_dtype_name(roi->dtype));
    if (roi && tl_vol_check_same_shape(pores, "pores", roi, "roi", err)) return tl_err_prefix(err, "%s: ", who);
    return 0;
}

void tl_profile_free(tl_profile *p)
{
    free(p->center_um); free(p->porosity); free(p->roi_voxels);
    memset(p, 0, sizeof *p);
}

int tl_porosity_profile(const tl_volume *pores, const tl_volume *roi, int axis, double bin_um, tl_profile *p, tl_error *err)
{
    memset(p, 0, sizeof *p);
    if (check_pair(pores, roi, "porosity_profile", err)) return -1;
    if (axis < 0 || axis > 2) return tl_err(err, "porosity_profile: axis must be z, y or x");
    size_t dims[3] = {pores->nz, pores->ny, pores->nx};
    double d = pores->voxel_um[axis];
    if (!(bin_um >= d * (1 - 1e-9)))
        return tl_err(err, "porosity_profile: bin_um %g is smaller than one voxel (%g µm)", bin_um, d);
    /* voxel i belongs to bin floor(i * d / bin_um) */
    size_t len = dims[axis], nb = (size_t)ceil(len * d / bin_um - 1e-9);
    if (nb == 0) nb = 1;
    double *pc = calloc(nb, sizeof *pc), *rc = calloc(nb, sizeof *rc);
    p->center_um = malloc(nb * sizeof *p->center_um);
    p->porosity = malloc(nb * sizeof *p->porosity);
    if (!pc || !rc || !p->center_um || !p->porosity) { free(pc); free(rc); tl_profile_free(p); return tl_err(err, "porosity_profile: out of memory"); }
    const uint8_t *P = pores->data, *R = roi ? roi->data : NULL;
    for (size_t z = 0; z < dims[0]; z++)
        for (size_t y = 0; y < dims[1]; y++) {
            size_t base = (z * dims[1] + y) * dims[2];
            for (size_t x = 0; x < dims[2]; x++) {
                size_t i = base + x;
                if (R && !R[i]) continue;
                size_t c = axis == 0 ? z : axis == 1 ? y : x;
                size_t b = (size_t)((double)c * d / bin_um + 1e-9);
                if (b >= nb) b = nb - 1;
                rc[b] += 1;
                pc[b] += P[i] != 0;
            }
        }
    int any = 0;
    for (size_t b = 0; b < nb; b++) {
        double a = b * bin_um, e = fmin((b + 1) * bin_um, len * d);
        p->center_um[b] = 0.5 * (a + e);
        p->porosity[b] = rc[b] > 0 ? pc[b] / rc[b] : NAN;
        any |= rc[b] > 0;
    }
    free(pc);
    p->roi_voxels = rc;
    p->n = nb;
    if (!any) { tl_profile_free(p); return tl_err(err, "porosity_profile: roi is empty"); }
    return 0;
}

int tl_porosity_map(const tl_volume *pores, const tl_volume *roi, double start_um, double depth_um,
                    tl_volume **map, tl_volume **valid, tl_error *err)
{
    *map = *valid = NULL;
    if (check_pair(pores, roi, "porosity_map", err)) return -1;
    const size_t nz = pores->nz, ny = pores->ny, nx = pores->nx;
    double dz = pores->voxel_um[0];
    if (!(start_um >= 0) || !(depth_um > 0)) return tl_err(err, "porosity_map: need start_um >= 0 and depth_um > 0 (got %g, %g)", start_um, depth_um);
    /* planes whose centre lies in [start, start + depth) */
    long z0 = (long)ceil(start_um / dz - 0.5 - 1e-9), z1 = (long)ceil((start_um + depth_um) / dz - 0.5 - 1e-9);
    if (z0 < 0) z0 = 0;
    if (z1 > (long)nz) z1 = (long)nz;
    if (z1 <= z0) return tl_err(err, "porosity_map: depth [%g, %g) µm holds no z plane of the %zu-plane volume", start_um, start_um + depth_um, nz);
    tl_volume *M = tl_seg_map_like(pores, TL_F32, err), *V = tl_seg_map_like(pores, TL_U8, err);
    if (!M || !V) { tl_vol_unref(M); tl_vol_unref(V); return -1; }
    const uint8_t *P = pores->data, *R = roi ? roi->data : NULL;
    float *m = M->data;
    uint8_t *v = V->data;
    int any = 0, oom = 0;
    /* per row of columns, planes read whole and in order (contiguous) */
    #pragma omp parallel reduction(| : any, oom)
    {
        uint32_t *pc = malloc(nx * sizeof *pc), *rc = malloc(nx * sizeof *rc);
        if (!pc || !rc) oom = 1;
        #pragma omp for schedule(static)
        for (size_t y = 0; y < ny; y++) {
            if (!pc || !rc) continue;
            memset(pc, 0, nx * sizeof *pc);
            memset(rc, 0, nx * sizeof *rc);
            for (long z = z0; z < z1; z++) {
                size_t base = ((size_t)z * ny + y) * nx;
                for (size_t x = 0; x < nx; x++) {
                    uint32_t in = R ? R[base + x] != 0 : 1;
                    rc[x] += in;
                    pc[x] += in & (P[base + x] != 0);
                }
            }
            for (size_t x = 0; x < nx; x++) {
                m[y * nx + x] = rc[x] ? (float)((double)pc[x] / rc[x]) : -1.0f;
                v[y * nx + x] = rc[x] > 0;
                any |= rc[x] > 0;
            }
        }
        free(pc); free(rc);
    }
    if (oom) { tl_vol_unref(M); tl_vol_unref(V); return tl_err(err, "porosity_map: out of memory"); }
    if (!any) { tl_vol_unref(M); tl_vol_unref(V); return tl_err(err, "porosity_map: roi is empty in the chosen depth"); }
    *map = M; *valid = V;
    return 0;
}

int tl_interface_porosity(const tl_volume *pores, const tl_volume *electrode, tl_electrode side, double band_um,
                          tl_band_porosity *b, tl_error *err)
{
    memset(b, 0, sizeof *b);
    if (check_pair(pores, electrode, "interface_porosity", err)) return -1;
    if (!electrode) return tl_err(err, "interface_porosity: electrode mask is required");
    if (!(band_um > 0)) return tl_err(err, "interface_porosity: band_um must be > 0 (got %g)", band_um);
    const size_t nz = pores->nz, ny = pores->ny, nx = pores->nx;
    const double dz = pores->voxel_um[0];
    const long band = (long)ceil(band_um / dz - 1e-9);
    const uint8_t *P = pores->data, *E = electrode->data;
    size_t bp = 0, bn = 0, kp = 0, kn = 0;
    int oom = 0;
    /* per row of columns: pass 1 finds each column's electrolyte-side edge
     * (a walk step from the collector), pass 2 counts band and bulk voxels;
     * both read whole planes in order */
    #pragma omp parallel reduction(+ : bp, bn, kp, kn) reduction(| : oom)
    {
        long *edge = malloc(nx * sizeof *edge);
        if (!edge) oom = 1;
        #pragma omp for schedule(static)
        for (size_t y = 0; y < ny; y++) {
            if (!edge) continue;
            for (size_t x = 0; x < nx; x++) edge[x] = -1;
            for (size_t k = 0; k < nz; k++) {
                const uint8_t *er = E + (tl_walk_z(k, nz, side == TL_ELECTRODE_TOP) * ny + y) * nx;
                for (size_t x = 0; x < nx; x++) edge[x] = er[x] ? (long)k : edge[x];
            }
            for (size_t k = 0; k < nz; k++) {
                size_t base = (tl_walk_z(k, nz, side == TL_ELECTRODE_TOP) * ny + y) * nx;
                for (size_t x = 0; x < nx; x++) {
                    if (!E[base + x] || (long)k > edge[x]) continue;
                    size_t pore = P[base + x] != 0;
                    if ((long)k > edge[x] - band) { bn++; bp += pore; }
                    else { kn++; kp += pore; }
                }
            }
        }
        free(edge);
    }
    if (oom) return tl_err(err, "interface_porosity: out of memory");
    if (bn == 0) return tl_err(err, "interface_porosity: electrode mask is empty");
    b->band = (double)bp / (double)bn;
    b->bulk = kn ? (double)kp / (double)kn : NAN;
    b->band_voxels = bn; b->bulk_voxels = kn;
    return 0;
}

void tl_block_porosity_free(tl_block_porosity *b)
{
    free(b->porosity); free(b->hist);
    memset(b, 0, sizeof *b);
}

int tl_porosity_blocks(const tl_volume *pores, const tl_volume *roi, double block_um, int bins,
                       tl_block_porosity *b, tl_error *err)
{
    memset(b, 0, sizeof *b);
    if (check_pair(pores, roi, "porosity_histogram", err)) return -1;
    if (bins < 1 || bins > 10000) return tl_err(err, "porosity_histogram: bins must be in [1, 10000] (got %d)", bins);
    size_t dims[3] = {pores->nz, pores->ny, pores->nx}, bs[3], nbk[3];
    for (int a = 0; a < 3; a++) {
        double s = block_um / pores->voxel_um[a];
        bs[a] = (size_t)floor(s + 1e-9);
        if (bs[a] < 1) return tl_err(err, "porosity_histogram: block_um %g is smaller than one voxel along axis %c", block_um, "zyx"[a]);
        if (bs[a] > dims[a]) bs[a] = dims[a]; /* a thin axis: one block spans it */
        nbk[a] = dims[a] / bs[a];
    }
    size_t nblk = nbk[0] * nbk[1] * nbk[2];
    b->porosity = malloc(nblk * sizeof *b->porosity);
    b->hist = calloc((size_t)bins, sizeof *b->hist);
    if (!b->porosity || !b->hist) { tl_block_porosity_free(b); return tl_err(err, "porosity_histogram: out of memory"); }
    const uint8_t *P = pores->data, *R = roi ? roi->data : NULL;
    size_t n = 0, full = bs[0] * bs[1] * bs[2];
    for (size_t bz = 0; bz < nbk[0]; bz++)
        for (size_t by = 0; by < nbk[1]; by++)
            for (size_t bx = 0; bx < nbk[2]; bx++) {
                size_t pc = 0, rc = 0;
                for (size_t z = bz * bs[0]; z < (bz + 1) * bs[0]; z++)
                    for (size_t y = by * bs[1]; y < (by + 1) * bs[1]; y++)
                        for (size_t x = bx * bs[2]; x < (bx + 1) * bs[2]; x++) {
                            size_t i = (z * dims[1] + y) * dims[2] + x;
                            if (R && !R[i]) continue;
                            rc++; pc += P[i] != 0;
                        }
                if (2 * rc < full) continue; /* mostly outside the phase */
                double ph = (double)pc / (double)rc;
                b->porosity[n++] = ph;
                int k = (int)(ph * bins);
                if (k >= bins) k = bins - 1;
                b->hist[k] += 1;
            }
    if (n == 0) { tl_block_porosity_free(b); return tl_err(err, "porosity_histogram: no block of %g µm lies mostly inside the roi", block_um); }
    b->n = n;
    b->nbins = (size_t)bins;
    return 0;
}
