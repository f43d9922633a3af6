/* voids.c — interfacial voids by column traversal (seed 000, Methods).
 *
 * Each column is walked from the electrolyte end of the volume towards the
 * collector. A run of voxels below void_max is a candidate; when it ends,
 * the mean of the next `window` voxels decides: below sse_min (Li-like)
 * makes it an interfacial void and ends the column; otherwise it was a pore
 * in the electrolyte and is ignored. With max_gap > 0 the voxels right
 * behind the run must also reach the Li mask within max_gap voxels (a pore
 * closer than `window` to the interface sees Li in its window, but
 * electrolyte first). A run that reaches the collector end of the Li mask
 * is a void whatever lies behind it: the Li is stripped through to the
 * steel in that column; and the window never reaches past that end (a thin
 * Li layer left on the steel is judged by itself, not by the steel). The walk also ends, without a void, once it has
 * crossed a whole window of solid lithium (Li-mask voxels, not void-like, and
 * with li_level within as far above it as void_max is below),
 * so pores inside the lithium bulk are never taken for interfacial voids. A run
 * still open at the end of the column never met lithium and is dropped.
 *
 * Rows of columns are walked plane by plane (contiguous reads), OpenMP
 * over y; each column's result depends only on its own voxels. */
#include "seg.h"
#include "seg_columns.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Void fraction of a voxel of intensity v mixing void with a material of
 * level ref. Linear partial volume, clamped to [0, 1]. */
static inline double frac(double v, double ref, double void_level)
{
    if (!(ref > void_level)) return 0.0;
    double f = (ref - v) / (ref - void_level);
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

void tl_void_result_free(tl_void_result *r)
{
    tl_vol_unref(r->voids); tl_vol_unref(r->height_um); tl_vol_unref(r->height_vox); tl_vol_unref(r->height_subvoxel_um);
    memset(r, 0, sizeof *r);
}

int tl_interfacial_voids(const tl_volume *vol, const tl_volume *li, const tl_void_opts *o,
                         tl_void_result *r, tl_error *err)
{
    memset(r, 0, sizeof *r);
    if (vol->dtype != TL_F32) return tl_err(err, "interfacial_voids: volume must be f32, got %s", tl_dtype_name(vol->dtype));
    if (li->dtype != TL_U8) return tl_err(err, "interfacial_voids: li mask must be u8, got %s", tl_dtype_name(li->dtype));
    if (tl_vol_check_same_shape(vol, "volume", li, "li", err)) return tl_err_prefix(err, "interfacial_voids: ");
    if (o->window < 1) return tl_err(err, "interfacial_voids: window must be >= 1 (got %d)", o->window);
    if (!(o->void_max < o->sse_min))
        return tl_err(err, "interfacial_voids: void_max (%g) must be below sse_min (%g)", o->void_max, o->sse_min);
    const size_t nz = vol->nz, ny = vol->ny, nx = vol->nx;
    char sh[64];
    if (nz < 2) return tl_err(err, "interfacial_voids: volume must be 3D (columns along z), got a 2D map of shape %s", tl_vol_shape_str(vol, sh, sizeof sh));
    if (tl_mask_is_empty(li)) return tl_err(err, "interfacial_voids: li mask is empty (no lithium found: check the thresholds and the electrode side)");
    if (nz > INT32_MAX) return tl_err(err, "interfacial_voids: nz %zu too large", nz);
    r->voids = tl_vol_new_like(vol, TL_U8, err);
    r->height_um = tl_seg_map_like(vol, TL_F32, err);
    r->height_vox = tl_seg_map_like(vol, TL_I32, err);
    r->height_subvoxel_um = tl_seg_map_like(vol, TL_F32, err);
    if (!r->voids || !r->height_um || !r->height_vox || !r->height_subvoxel_um) { tl_void_result_free(r); return -1; }

    /* the electrolyte is at the far end from the collector: a top electrode
     * (collector at low z) is walked from high z downwards */
    const int fwd = o->electrode == TL_ELECTRODE_BOTTOM;
    const float void_max = (float)o->void_max, sse_min = (float)o->sse_min;
    const size_t w = (size_t)o->window;
    const int max_gap = o->max_gap;
    const int subvox = isfinite(o->li_level) && isfinite(o->void_level) && o->li_level > o->void_level;
    const double li_level = o->li_level, void_level = o->void_level;
    const float void_mid_w = subvox ? (float)(0.5 * (li_level + void_level) * (double)o->window) : 0;
    const float solid_max = isfinite(li_level) && li_level > o->void_max ? (float)(2 * li_level - o->void_max) : INFINITY;
    double subsum = 0;
    const double dz = vol->voxel_um[0];
    const float *data = vol->data;
    const uint8_t *lim = li->data;
    uint8_t *out = r->voids->data;
    size_t nvox = 0, nvcol = 0, npore = 0;
    int oom = 0, nan_found = 0;

    /* columns are walked a chunk of rows at a time (about 32 kB of f32 per
     * plane), so each plane read is long and contiguous even when planes are
     * megabytes apart */
    const size_t rows = nx >= 8192 ? 1 : 8192 / nx, nch = (ny + rows - 1) / rows, cw = rows * nx;
    #pragma omp parallel reduction(+ : nvox, nvcol, npore, subsum) reduction(| : oom, nan_found)
    {
        uint8_t *done = malloc(cw);
        int32_t *run0 = malloc(cw * sizeof *run0), *runlen = malloc(cw * sizeof *runlen), *solid = malloc(cw * sizeof *solid);
        int32_t *li_end = malloc(cw * sizeof *li_end);
        if (!done || !run0 || !runlen || !solid || !li_end) oom = 1;
        #pragma omp for schedule(dynamic, 1)
        for (size_t ch = 0; ch < nch; ch++) {
            /* a chunk of whole rows: contiguous in every plane */
            const size_t y = ch * rows, ncol = (ny - y < rows ? ny - y : rows) * nx;
            if (!done || !run0 || !runlen || !solid || !li_end) continue;
            /* the last Li-mask voxel of each column along this walk: its
             * collector end (-1 without Li) */
            tl_last_in_walk(li, y, ncol, fwd, li_end);
            memset(done, 0, ncol);
            memset(runlen, 0, ncol * sizeof *runlen);
            memset(solid, 0, ncol * sizeof *solid);
            int32_t *hv = (int32_t *)r->height_vox->data + y * nx;
            float *hs = (float *)r->height_subvoxel_um->data + y * nx;
            size_t active = ncol;
            for (size_t k = 0; k < nz && active; k++) {
                size_t z = tl_walk_z(k, nz, fwd);
                const float *row = data + (z * ny + y) * nx;
                const uint8_t *lrow = lim + (z * ny + y) * nx;
                for (size_t x = 0; x < ncol; x++) {
                    if (done[x]) continue;
                    float v = row[x];
                    if (v != v) { nan_found = 1; done[x] = 1; active--; continue; }
                    if (v < void_max) {
                        solid[x] = 0;
                        if (runlen[x] == 0) run0[x] = (int32_t)k;
                        runlen[x]++;
                        continue;
                    }
                    if (runlen[x] > 0) {
                        size_t wn = nz - k < w ? nz - k : w;
                        /* the window stops at the collector end of the Li mask:
                         * a thin Li layer left between a deep void and the steel
                         * must not be judged by the steel behind it */
                        if (li_end[x] >= (int32_t)k && (size_t)(li_end[x] - (int32_t)k + 1) < wn)
                            wn = (size_t)(li_end[x] - (int32_t)k + 1);
                        float s = 0;
                        for (size_t j = 0; j < wn; j++) s += data[(tl_walk_z(k + j, nz, fwd) * ny + y) * nx + x];
                        /* a noisy voxel inside a deep void, not its end: the
                         * window from here is still darker than the Li/void
                         * midpoint, so the run goes on through it */
                        if (void_mid_w > 0 && wn == w && s < void_mid_w) { runlen[x]++; continue; }
                        /* Li-like window, and (max_gap) lithium right behind the run:
                         * a pore a few voxels into the electrolyte also sees Li in its
                         * window, but electrolyte first */
                        int near_li = max_gap == 0;
                        for (size_t j = 0; j < (size_t)max_gap && k + j < nz && !near_li; j++)
                            near_li = lim[(tl_walk_z(k + j, nz, fwd) * ny + y) * nx + x] != 0;
                        /* a run that reaches the collector end of the Li mask has
                         * no Li behind it: the electrode is stripped through to
                         * the steel there, and the whole run is void (the window
                         * then sees steel, and would call it a pore) */
                        const int depleted = li_end[x] >= 0 && (int32_t)k - 1 >= li_end[x];
                        if ((s < sse_min * (float)wn && near_li) || depleted) {
                            for (int32_t q = run0[x]; q < run0[x] + runlen[x]; q++)
                                out[(tl_walk_z((size_t)q, nz, fwd) * ny + y) * nx + x] = 1;
                            hv[x] = runlen[x];
                            if (subvox) {
#define VAT(q) data[(tl_walk_z((size_t)(q), nz, fwd) * ny + y) * nx + x]
                                /* void fraction by linear partial volume: voxels on
                                 * the Li side mix with Li, those on the electrolyte
                                 * side with whatever lies beyond (the voxel two
                                 * steps out); the run's inside counts against Li */
                                int32_t a = run0[x], b = run0[x] + runlen[x]; /* [a, b) in walk steps */
                                double ref_e = li_level;
                                if (a >= 1) {
                                    double v1 = VAT(a - 1), v2 = a >= 2 ? VAT(a - 2) : v1;
                                    ref_e = v2 > v1 ? v2 : v1;
                                }
                                double h = 0;
                                for (int32_t q = a; q < b; q++) {
                                    double ref = q > a ? li_level : b - a == 1 ? 0.5 * (ref_e + li_level) : ref_e;
                                    h += frac(VAT(q), ref, void_level);
                                }
                                h += frac(VAT(b), li_level, void_level);
                                if (a >= 1) h += frac(VAT(a - 1), ref_e, void_level);
#undef VAT
                                hs[x] = (float)(h * dz);
                                subsum += h;
                            }
                            nvox += (size_t)runlen[x];
                            nvcol++;
                            done[x] = 1; active--;
                            continue;
                        }
                        npore++;
                        runlen[x] = 0;
                    }
                    /* solid lithium reached: a whole window of Li-mask voxels
                     * that are not void-like (one such voxel is not enough: the
                     * partial voxel between a void and the interphase looks Li),
                     * and, with a Li level, no brighter than it by as much as
                     * void_max is darker: an interphase just below li_max is in
                     * the Li mask but is not solid Li, and a void lies behind it */
                    solid[x] = lrow[x] && v <= solid_max ? solid[x] + 1 : 0;
                    if (solid[x] >= (int32_t)w) { done[x] = 1; active--; }
                }
            }
            float *hu = (float *)r->height_um->data + y * nx;
            for (size_t x = 0; x < ncol; x++) hu[x] = (float)(hv[x] * dz);
        }
        free(done); free(run0); free(runlen); free(solid); free(li_end);
    }
    if (oom) { tl_void_result_free(r); return tl_err(err, "interfacial_voids: out of memory"); }
    if (nan_found) { tl_void_result_free(r); return tl_err(err, "interfacial_voids: volume holds NaN voxels"); }
    r->void_voxels = nvox;
    r->void_columns = nvcol;
    r->pore_runs = npore;
    r->void_volume_um3 = (double)nvox * vol->voxel_um[0] * vol->voxel_um[1] * vol->voxel_um[2];
    r->void_volume_subvoxel_um3 = subvox ? subsum * vol->voxel_um[0] * vol->voxel_um[1] * vol->voxel_um[2] : NAN;
    return 0;
}
