/* raster.c — labels and attenuation of a cell, column by column.
 *
 * Each column is a stack of layers with boundaries in µm; a voxel gets
 * the label of the layer holding its centre. Pores (moved with the
 * pellet) and impurities (carried with their collector) are stamped on
 * top. Attenuation uses the exact overlap of each layer with each voxel
 * along z, so sub-voxel interface motion shows in the grey levels. */
#include "raster.h"

#include <stdlib.h>
#include <string.h>

enum { NB = 9 }; /* layer boundaries per column */

static const uint8_t layer_label[NB - 1] = {
    TL_PH_STEEL, TL_PH_LI, TL_PH_VOID, TL_PH_INTERPHASE, TL_PH_ELECTROLYTE,
    TL_PH_INTERPHASE, TL_PH_VOID, TL_PH_LI,
};

static void column_bounds(const tl_ph_cell *c, size_t i, double b[NB])
{
    double Z = (double)c->o.nz * c->o.voxel_um;
    double s0 = c->surface[0][i], s1 = c->surface[1][i];
    b[0] = 0;
    b[1] = c->collector[0];
    b[2] = s0 - c->void_h[0][i];
    b[3] = s0;
    b[4] = s0 + c->interphase[0][i];
    b[5] = s1 - c->interphase[1][i];
    b[6] = s1;
    b[7] = s1 + c->void_h[1][i];
    b[8] = c->collector[1];
    /* keep the layers ordered (an interphase thicker than the pellet) */
    for (int k = 1; k < NB; k++) if (b[k] < b[k - 1]) b[k] = b[k - 1];
    (void)Z;
}

double tl_ph_li_thickness(const tl_ph_cell *c, int e, size_t y, size_t x)
{
    size_t i = y * c->o.nx + x;
    if (!c->inside[i]) return 0;
    double t = e == 0 ? c->surface[0][i] - c->void_h[0][i] - c->collector[0]
                      : c->collector[1] - c->surface[1][i] - c->void_h[1][i];
    return t > 0 ? t : 0;
}

/* Voxel range [k0, k1) of the pellet where pores may be (away from the surfaces). */
static void pore_zone(const tl_ph_cell *c, size_t i, long *k0, long *k1)
{
    double vz = c->o.voxel_um;
    *k0 = tl_ph_kfirst(c->surface[0][i] + c->o.pore_margin_um, vz);
    *k1 = tl_ph_kfirst(c->surface[1][i] - c->o.pore_margin_um, vz);
}

/* Stamp pore p into column (y, x) of L (stride = ny * nx); returns voxels changed. */
static size_t stamp_column(const tl_ph_cell *c, const tl_ph_pore *p, size_t y, size_t x, uint8_t *L)
{
    const tl_ph_cell_opts *o = &c->o;
    size_t i = y * o->nx + x;
    if (!c->inside[i]) return 0;
    double vz = o->voxel_um;
    double dy = ((double)y + 0.5) * vz - p->y, dx = ((double)x + 0.5) * vz - p->x;
    double d2 = dy * dy + dx * dx, r2 = (double)p->r * p->r;
    if (d2 >= r2) return 0;
    double h = sqrt(r2 - d2), zc = p->z + c->u_total[i];
    long a = tl_ph_kfirst(zc - h, vz), b = tl_ph_kfirst(zc + h, vz), z0, z1;
    pore_zone(c, i, &z0, &z1);
    if (a < z0) a = z0;
    if (b > z1) b = z1;
    if (a < 0) a = 0;
    if (b > (long)o->nz) b = (long)o->nz;
    size_t n = 0, stride = o->ny * o->nx;
    for (long k = a; k < b; k++) {
        uint8_t *l = &L[(size_t)k * stride + i];
        if (*l == TL_PH_ELECTROLYTE) { *l = TL_PH_PORE; n++; }
    }
    return n;
}

size_t tl_ph_stamp_pore(const tl_ph_cell *c, const tl_ph_pore *p, uint8_t *labels)
{
    const tl_ph_cell_opts *o = &c->o;
    double vz = o->voxel_um;
    long y0 = (long)floor((p->y - p->r) / vz), y1 = (long)floor((p->y + p->r) / vz);
    long x0 = (long)floor((p->x - p->r) / vz), x1 = (long)floor((p->x + p->r) / vz);
    size_t n = 0;
    for (long y = y0 < 0 ? 0 : y0; y <= y1 && y < (long)o->ny; y++)
        for (long x = x0 < 0 ? 0 : x0; x <= x1 && x < (long)o->nx; x++)
            n += stamp_column(c, p, (size_t)y, (size_t)x, labels);
    return n;
}

static void stamp_impurities(const tl_ph_cell *c, size_t y, size_t x, uint8_t *L)
{
    const tl_ph_cell_opts *o = &c->o;
    double vz = o->voxel_um;
    size_t i = y * o->nx + x, stride = o->ny * o->nx;
    for (size_t k = 0; k < c->n_imp; k++) {
        const tl_ph_impurity *m = &c->imp[k];
        double dy = ((double)y + 0.5) * vz - m->y, dx = ((double)x + 0.5) * vz - m->x;
        double d2 = dy * dy + dx * dx, r2 = (double)m->r * m->r;
        if (d2 >= r2) continue;
        double h = sqrt(r2 - d2);
        double zc = m->electrode == 0 ? c->collector[0] + m->dz : c->collector[1] - m->dz;
        long a = tl_ph_kfirst(zc - h, vz), b = tl_ph_kfirst(zc + h, vz);
        if (a < 0) a = 0;
        if (b > (long)o->nz) b = (long)o->nz;
        for (long z = a; z < b; z++)
            if (L[(size_t)z * stride + i] == TL_PH_LI) L[(size_t)z * stride + i] = TL_PH_IMPURITY;
    }
}

tl_volume *tl_ph_labels(const tl_ph_cell *c, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    tl_volume *v = tl_vol_new(TL_U8, o->nz, o->ny, o->nx, err);
    if (!v) return NULL;
    tl_vol_set_voxel(v, o->voxel_um, o->voxel_um, o->voxel_um);
    uint8_t *L = v->data;
    size_t stride = o->ny * o->nx;
    double vz = o->voxel_um;
    #pragma omp parallel for schedule(dynamic, 4)
    for (size_t y = 0; y < o->ny; y++)
        for (size_t x = 0; x < o->nx; x++) {
            size_t i = y * o->nx + x;
            if (!c->inside[i]) continue; /* background, already 0 */
            double b[NB];
            column_bounds(c, i, b);
            long prev = 0;
            for (int j = 0; j < NB - 1; j++) {
                long k1 = tl_ph_kfirst(b[j + 1], vz);
                if (k1 > (long)o->nz) k1 = (long)o->nz;
                for (long k = prev; k < k1; k++) L[(size_t)k * stride + i] = layer_label[j];
                if (k1 > prev) prev = k1;
            }
            for (long k = prev; k < (long)o->nz; k++) L[(size_t)k * stride + i] = TL_PH_STEEL;
            if (c->bucket_start) {
                size_t bk = (y / c->bucket) * c->nbx + x / c->bucket;
                for (uint32_t q = c->bucket_start[bk]; q < c->bucket_start[bk + 1]; q++)
                    stamp_column(c, &c->pores[c->bucket_items[q]], y, x, L);
            }
            stamp_impurities(c, y, x, L);
        }
    return v;
}

tl_volume *tl_ph_mu(const tl_ph_cell *c, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    tl_volume *lab = tl_ph_labels(c, err);
    if (!lab) return NULL;
    tl_volume *v = tl_vol_new(TL_F32, o->nz, o->ny, o->nx, err);
    if (!v) { tl_vol_unref(lab); return NULL; }
    tl_vol_set_voxel(v, o->voxel_um, o->voxel_um, o->voxel_um);
    tl_vol_meta_set(v, "units", "1/cm", err);
    const uint8_t *L = lab->data;
    float *M = v->data;
    size_t stride = o->ny * o->nx;
    double vz = o->voxel_um, Z = (double)o->nz * vz;
    int oom = 0;
    #pragma omp parallel for schedule(dynamic, 4) reduction(|:oom)
    for (size_t y = 0; y < o->ny; y++) {
        double *col = malloc(o->nz * sizeof *col);
        if (!col) oom = 1;
        for (size_t x = 0; x < o->nx && col; x++) {
            size_t i = y * o->nx + x;
            if (!c->inside[i]) {
                for (size_t k = 0; k < o->nz; k++) M[k * stride + i] = (float)o->mu[TL_PH_BACKGROUND];
                continue;
            }
            double b[NB + 1];
            column_bounds(c, i, b);
            b[NB] = Z;
            memset(col, 0, o->nz * sizeof *col);
            for (int j = 0; j < NB; j++) {
                double lo = b[j], hi = b[j + 1], mu = o->mu[j == NB - 1 ? TL_PH_STEEL : layer_label[j]];
                if (hi <= lo) continue;
                long k0 = (long)floor(lo / vz), k1 = (long)ceil(hi / vz);
                if (k0 < 0) k0 = 0;
                if (k1 > (long)o->nz) k1 = (long)o->nz;
                for (long k = k0; k < k1; k++) {
                    double a = fmax(lo, (double)k * vz), e = fmin(hi, (double)(k + 1) * vz);
                    if (e > a) col[k] += mu * (e - a) / vz;
                }
            }
            for (size_t k = 0; k < o->nz; k++) {
                uint8_t l = L[k * stride + i];
                M[k * stride + i] = (float)(l == TL_PH_PORE || l == TL_PH_IMPURITY ? o->mu[l] : col[k]);
            }
        }
        free(col);
    }
    tl_vol_unref(lab);
    if (oom) { tl_vol_unref(v); tl_err(err, "phantom: out of memory rasterising the attenuation"); return NULL; }
    return v;
}
