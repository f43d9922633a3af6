/* contact.c — the contact map of seed 000 (Methods, "Contact area mapping").
 *
 * For each column the `depth` voxels at the electrolyte-side edge of the
 * lithium are inspected; any voxel below void_max means a void separates Li
 * from the electrolyte there (no contact). Columns without Li have no
 * contact. Per row of columns (OpenMP over y, contiguous reads): a first
 * pass over the Li mask only finds each column's electrolyte-side Li voxel;
 * a second reads intensities only in the planes that hold some column's
 * edge window, so most of the f32 band is never touched. NaN is reported
 * when it lies in a voxel that is read. */
#include "interface.h"
#include "../seg/seg_columns.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void tl_contact_result_free(tl_contact_result *r)
{
    tl_vol_unref(r->contact); tl_vol_unref(r->edge_vox);
    memset(r, 0, sizeof *r);
}

int tl_contact_map(const tl_volume *vol, const tl_volume *li, const tl_contact_opts *o,
                   tl_contact_result *r, tl_error *err)
{
    memset(r, 0, sizeof *r);
    if (vol->dtype != TL_F32) return tl_err(err, "contact_map: volume must be f32, got %s", tl_dtype_name(vol->dtype));
    if (li->dtype != TL_U8) return tl_err(err, "contact_map: li mask must be u8, got %s", tl_dtype_name(li->dtype));
    if (tl_vol_check_same_shape(vol, "volume", li, "li", err)) return tl_err_prefix(err, "contact_map: ");
    if (o->depth < 1) return tl_err(err, "contact_map: depth must be >= 1 (got %d)", o->depth);
    const size_t nz = vol->nz, ny = vol->ny, nx = vol->nx;
    char sh[64];
    if (nz < 2) return tl_err(err, "contact_map: volume must be 3D (columns along z), got a 2D map of shape %s", tl_vol_shape_str(vol, sh, sizeof sh));
    if (tl_mask_is_empty(li)) return tl_err(err, "contact_map: li mask is empty (no lithium found: check the thresholds and the electrode side)");
    if (nz > INT32_MAX) return tl_err(err, "contact_map: nz %zu too large", nz);
    r->contact = tl_seg_map_like(vol, TL_U8, err);
    r->edge_vox = tl_seg_map_like(vol, TL_I32, err);
    if (!r->contact || !r->edge_vox) { tl_contact_result_free(r); return -1; }
    const int fwd = o->electrode == TL_ELECTRODE_TOP; /* walk from the collector */
    const float void_max = (float)o->void_max;
    const int32_t depth = o->depth;
    const float *data = vol->data;
    size_t ncontact = 0, nli = 0;
    int oom = 0, nan_found = 0;

    /* columns are walked a chunk of rows at a time (about 32 kB of f32 per
     * plane), so each plane read is long and contiguous even when planes are
     * megabytes apart */
    const size_t rows = nx >= 8192 ? 1 : 8192 / nx, nch = (ny + rows - 1) / rows, cw = rows * nx;
    #pragma omp parallel reduction(+ : ncontact, nli) reduction(| : oom, nan_found)
    {
        int32_t *last = malloc(cw * sizeof *last);
        uint8_t *hit = malloc(cw);
        if (!last || !hit) oom = 1;
        #pragma omp for schedule(dynamic, 1)
        for (size_t ch = 0; ch < nch; ch++) {
            /* a chunk of whole rows: contiguous in every plane */
            const size_t y = ch * rows, ncol = (ny - y < rows ? ny - y : rows) * nx;
            if (!last || !hit) continue;
            /* pass 1, masks only (1 byte per voxel): the electrolyte-side Li
             * voxel of every column, as a walk step from the collector */
            tl_last_in_walk(li, y, ncol, fwd, last);
            /* pass 2: only the planes holding some column's edge window */
            int32_t kmin = INT32_MAX, kmax = -1;
            for (size_t x = 0; x < ncol; x++) {
                if (last[x] < 0) continue;
                if (last[x] - depth + 1 < kmin) kmin = last[x] - depth + 1;
                if (last[x] > kmax) kmax = last[x];
            }
            if (kmin < 0) kmin = 0;
            memset(hit, 0, ncol);
            int bad = 0;
            for (int32_t k = kmin; k <= kmax; k++) {
                const float *row = data + (tl_walk_z((size_t)k, nz, fwd) * ny + y) * nx;
                #pragma omp simd reduction(| : bad)
                for (size_t x = 0; x < ncol; x++) {
                    int in = k <= last[x] && k > last[x] - depth;
                    float v = row[x];
                    hit[x] |= (uint8_t)(in && v < void_max);
                    bad |= in && v != v;
                }
            }
            if (bad) nan_found = 1;
            uint8_t *c = (uint8_t *)r->contact->data + y * nx;
            int32_t *ev = (int32_t *)r->edge_vox->data + y * nx;
            for (size_t x = 0; x < ncol; x++) {
                if (last[x] < 0) { ev[x] = -1; continue; }
                nli++;
                ev[x] = (int32_t)tl_walk_z((size_t)last[x], nz, fwd);
                c[x] = (uint8_t)!hit[x];
                ncontact += !hit[x];
            }
        }
        free(last); free(hit);
    }
    if (oom) { tl_contact_result_free(r); return tl_err(err, "contact_map: out of memory"); }
    if (nan_found) { tl_contact_result_free(r); return tl_err(err, "contact_map: volume holds NaN voxels"); }
    double px_mm2 = vol->voxel_um[1] * vol->voxel_um[2] * 1e-6;
    r->contact_pixels = ncontact;
    r->li_pixels = nli;
    r->pixels = ny * nx;
    r->contact_mm2 = (double)ncontact * px_mm2;
    r->map_mm2 = (double)(ny * nx) * px_mm2;
    r->contact_fraction = (double)ncontact / (double)(ny * nx);
    return 0;
}

int tl_effective_current_density(double j_nominal, double contact_mm2, double nominal_mm2,
                                 double *j_eff, tl_error *err)
{
    if (!(contact_mm2 > 0))
        return tl_err(err, "effective_current_density: contact area is %g mm²; no contact carries no current", contact_mm2);
    if (!(nominal_mm2 > 0)) return tl_err(err, "effective_current_density: nominal area must be > 0 (got %g)", nominal_mm2);
    if (contact_mm2 > nominal_mm2 * (1 + 1e-12))
        return tl_err(err, "effective_current_density: contact area %g mm² exceeds the nominal area %g mm²", contact_mm2, nominal_mm2);
    *j_eff = j_nominal * nominal_mm2 / contact_mm2;
    return 0;
}

int tl_contact_change(const tl_volume *c1, const tl_volume *c2, tl_contact_change_result *r, tl_error *err)
{
    memset(r, 0, sizeof *r);
    char sh[64];
    if (c1->nz != 1) return tl_err(err, "contact_change: c1 must be a 2D contact map (nz = 1), got shape %s", tl_vol_shape_str(c1, sh, sizeof sh));
    if (tl_vol_check_same_shape(c1, "c1", c2, "c2", err)) return tl_err_prefix(err, "contact_change: ");
    if (c1->dtype != TL_U8 || c2->dtype != TL_U8) return tl_err(err, "contact_change: contact maps must be u8");
    r->change = tl_vol_new_like(c1, TL_U8, err);
    if (!r->change) return -1;
    const uint8_t *a = c1->data, *b = c2->data;
    uint8_t *o = r->change->data;
    size_t n = tl_vol_count(c1), n1 = 0, n2 = 0, lost = 0, gained = 0;
    for (size_t i = 0; i < n; i++) {
        int p = a[i] != 0, q = b[i] != 0;
        n1 += (size_t)p; n2 += (size_t)q;
        lost += (size_t)(p && !q); gained += (size_t)(!p && q);
        o[i] = (uint8_t)(p && q ? 1 : p ? 2 : q ? 3 : 0);
    }
    if (n1 == 0) { tl_vol_unref(r->change); r->change = NULL; return tl_err(err, "contact_change: c1 has no contact; the change in percent is undefined"); }
    double px = c1->voxel_um[1] * c1->voxel_um[2] * 1e-6;
    r->area1_mm2 = (double)n1 * px;
    r->area2_mm2 = (double)n2 * px;
    r->lost_mm2 = (double)lost * px;
    r->gained_mm2 = (double)gained * px;
    r->change_percent = 100.0 * ((double)n2 - (double)n1) / (double)n1;
    return 0;
}
