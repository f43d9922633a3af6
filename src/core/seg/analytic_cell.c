/* analytic_cell.c — an analytic interface band with exact ground truth, for
 * validating the column operators and for benchmarks (the full synthetic
 * cell lives in the phantom module; this one is small, exact and fast).
 *
 * Along the walk from the collector: steel | lithium up to a rough face
 * zi(y, x) (whole voxels) | two void pockets just behind the face (3 and 2
 * voxels high) | electrolyte, with pores >= 8 voxels beyond the highest
 * face; one pore deep inside the lithium; a corner of columns without Li.
 * Noise is Gaussian from a counter-based hash of (seed, voxel index), so
 * the volume is the same for any thread count. */
#include "seg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline double unit(uint64_t h) { return ((double)(h >> 11) + 0.5) * 0x1.0p-53; }

void tl_cell_truth_free(tl_cell_truth *t)
{
    tl_vol_unref(t->volume); tl_vol_unref(t->contact); tl_vol_unref(t->has_li);
    tl_vol_unref(t->thickness_um); tl_vol_unref(t->pores); tl_vol_unref(t->voids);
    memset(t, 0, sizeof *t);
}

typedef struct { double cy, cx, r; int h; } disc_t;

int tl_analytic_cell(const tl_cell_opts *o, tl_cell_truth *t, tl_error *err)
{
    memset(t, 0, sizeof *t);
    const size_t nz = o->nz, ny = o->ny, nx = o->nx;
    const long s = nz / 10 > 2 ? (long)(nz / 10) : 2;
    const long L = (long)((double)(nz - (size_t)s) * 0.4);
    const long A = L / 4 < 4 ? L / 4 : 4;
    if (nz < 40 || ny < 16 || nx < 16)
        return tl_err(err, "analytic_cell: shape (%zu, %zu, %zu) too small; need nz >= 40, ny and nx >= 16", nz, ny, nx);
    const long top_face = s + L + A, pore_z = top_face + 8;
    if (pore_z + 3 > (long)nz) return tl_err(err, "analytic_cell: nz %zu leaves no room for electrolyte pores", nz);
    t->volume = tl_vol_new(TL_F32, nz, ny, nx, err);
    t->pores = tl_vol_new(TL_U8, nz, ny, nx, err);
    t->voids = tl_vol_new(TL_U8, nz, ny, nx, err);
    t->contact = tl_vol_new(TL_U8, 1, ny, nx, err);
    t->has_li = tl_vol_new(TL_U8, 1, ny, nx, err);
    t->thickness_um = tl_vol_new(TL_F32, 1, ny, nx, err);
    if (!t->volume || !t->pores || !t->voids || !t->contact || !t->has_li || !t->thickness_um) { tl_cell_truth_free(t); return -1; }
    tl_volume *all[6] = {t->volume, t->pores, t->voids, t->contact, t->has_li, t->thickness_um};
    for (int k = 0; k < 6; k++) tl_vol_set_voxel(all[k], o->voxel_um, o->voxel_um, o->voxel_um);
    const double m = (double)(ny < nx ? ny : nx);
    const disc_t discs[2] = {{0.3 * ny, 0.3 * nx, 0.11 * m, 3}, {0.7 * ny, 0.6 * nx, 0.08 * m, 2}};
    /* 3x3x3 pores: one in the Li bulk, four in the electrolyte (one above a void pocket) */
    const long pz[5] = {s + 2, pore_z, pore_z, pore_z, pore_z};
    const long py[5] = {(long)(0.6 * ny), (long)(0.15 * ny), (long)(0.3 * ny), (long)(0.8 * ny), (long)(0.5 * ny)};
    const long px[5] = {(long)(0.6 * nx), (long)(0.15 * nx), (long)(0.33 * nx), (long)(0.5 * nx), (long)(0.8 * nx)};
    const int fwd = o->electrode == TL_ELECTRODE_TOP;
    float *v = t->volume->data;
    uint8_t *pm = t->pores->data, *vm = t->voids->data, *cm = t->contact->data, *hm = t->has_li->data;
    float *th = t->thickness_um->data;
    size_t nvoid = 0, ncontact = 0;
    #pragma omp parallel for schedule(static) reduction(+ : nvoid, ncontact)
    for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) {
            long zi = s + L + lround(A * sin(2 * M_PI * (double)x / 23.0) * cos(2 * M_PI * (double)y / 17.0));
            int noli = y < ny / 8 && x >= nx - nx / 8;
            if (noli) zi = s;
            int vh = 0;
            for (int d = 0; d < 2 && !noli; d++)
                if ((y - discs[d].cy) * (y - discs[d].cy) + (x - discs[d].cx) * (x - discs[d].cx) <= discs[d].r * discs[d].r) vh = discs[d].h;
            size_t i2 = y * nx + x;
            hm[i2] = !noli;
            cm[i2] = !noli && vh == 0;
            th[i2] = noli ? -1.0f : (float)((double)(zi - s) * o->voxel_um);
            nvoid += (size_t)vh;
            ncontact += cm[i2];
            for (long k = 0; k < (long)nz; k++) {
                float val = k < s ? o->steel : k < zi - vh ? o->li : k < zi ? o->void_level : o->sse;
                int pore = 0;
                for (int p = 0; p < 5; p++)
                    pore |= k >= pz[p] && k < pz[p] + 3 && (long)y >= py[p] && (long)y < py[p] + 3 && (long)x >= px[p] && (long)x < px[p] + 3;
                if (pore) val = o->void_level;
                size_t z = tl_walk_z((size_t)k, nz, fwd), i = (z * ny + y) * nx + x;
                if (o->noise > 0) {
                    uint64_t h = mix64(o->seed * 0x9e3779b97f4a7c15ull + 2 * i + 1), h2 = mix64(h ^ 0x5851f42d4c957f2dull);
                    val += (float)(o->noise * sqrt(-2 * log(unit(h))) * cos(2 * M_PI * unit(h2)));
                }
                v[i] = val;
                pm[i] = (uint8_t)pore;
                vm[i] = !pore && k >= zi - vh && k < zi;
            }
        }
    t->void_voxels = nvoid;
    t->void_volume_um3 = (double)nvoid * o->voxel_um * o->voxel_um * o->voxel_um;
    t->contact_pixels = ncontact;
    t->contact_mm2 = (double)ncontact * o->voxel_um * o->voxel_um * 1e-6;
    return 0;
}
