/* threshold_columns.c — lithium by column traversal (seed 000, Methods).
 *
 * Each column along z is walked from the current collector towards the
 * electrolyte: with `collector`, the walk waits for the steel and skips it
 * (>= steel_min; a column that never meets steel, e.g. outside the cell,
 * holds no Li), then voxels are
 * lithium while intensity < li_max, and the walk stops where the mean of the
 * next `window` voxels exceeds sse_min, or (max_gap > 0) where max_gap
 * voxels in a row since the last Li voxel are not Li-like: the window alone
 * walks on through the electrolyte when a pore lies closer than `window`
 * voxels to the interface, and would take that pore for Li. Voids at the Li edge are darker
 * than Li, so they belong to the Li run; interfacial_voids and contact_map
 * find them afterwards.
 *
 * Speed: one thread owns a chunk of whole y rows and walks all its columns
 * together, plane by plane, so every read is a contiguous run of floats.
 * A chunk stops as soon as all its columns have met the electrolyte. */
#include "seg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void tl_li_result_free(tl_li_result *r)
{
    tl_vol_unref(r->li); tl_vol_unref(r->has_li);
    tl_vol_unref(r->start_vox); tl_vol_unref(r->end_vox);
    tl_vol_unref(r->start_um); tl_vol_unref(r->end_um); tl_vol_unref(r->thickness_um);
    memset(r, 0, sizeof *r);
}

int tl_threshold_columns(const tl_volume *vol, const tl_li_opts *o, tl_li_result *r, tl_error *err)
{
    memset(r, 0, sizeof *r);
    if (vol->dtype != TL_F32) return tl_err(err, "threshold_columns: volume must be f32, got %s", tl_dtype_name(vol->dtype));
    if (o->window < 1) return tl_err(err, "threshold_columns: window must be >= 1 (got %d)", o->window);
    if (!(o->li_max <= o->sse_min))
        return tl_err(err, "threshold_columns: li_max (%g) must not exceed sse_min (%g)", o->li_max, o->sse_min);
    if (!(o->sse_min < o->steel_min))
        return tl_err(err, "threshold_columns: sse_min (%g) must be below steel_min (%g)", o->sse_min, o->steel_min);
    const size_t nz = vol->nz, ny = vol->ny, nx = vol->nx;
    char sh[64];
    if (nz < 2) return tl_err(err, "threshold_columns: volume must be 3D (columns along z), got a 2D map of shape %s", tl_vol_shape_str(vol, sh, sizeof sh));
    if (nz > INT32_MAX) return tl_err(err, "threshold_columns: nz %zu too large", nz);
    r->li = tl_vol_new_like(vol, TL_U8, err);
    r->has_li = tl_seg_map_like(vol, TL_U8, err);
    r->start_vox = tl_seg_map_like(vol, TL_I32, err);
    r->end_vox = tl_seg_map_like(vol, TL_I32, err);
    r->start_um = tl_seg_map_like(vol, TL_F32, err);
    r->end_um = tl_seg_map_like(vol, TL_F32, err);
    r->thickness_um = tl_seg_map_like(vol, TL_F32, err);
    if (!r->li || !r->has_li || !r->start_vox || !r->end_vox || !r->start_um || !r->end_um || !r->thickness_um) {
        tl_li_result_free(r);
        return -1;
    }
    const int fwd = o->electrode == TL_ELECTRODE_TOP;
    const float li_max = (float)o->li_max, sse_min = (float)o->sse_min, steel_min = (float)o->steel_min;
    const size_t w = (size_t)o->window;
    const int32_t max_gap = o->max_gap;
    const double dz = vol->voxel_um[0];
    const float *data = vol->data;
    uint8_t *mask = r->li->data;
    int nan_found = 0, oom = 0;
    size_t li_vox = 0, li_cols = 0;

    /* columns are walked a chunk of rows at a time (about 32 kB of f32 per
     * plane), so each plane read is long and contiguous even when planes are
     * megabytes apart */
    const size_t rows = nx >= 8192 ? 1 : 8192 / nx, nch = (ny + rows - 1) / rows, cw = rows * nx;
    #pragma omp parallel reduction(+ : li_vox, li_cols) reduction(| : nan_found, oom)
    {
        uint8_t *state = malloc(cw);
        int32_t *first = malloc(cw * sizeof *first), *last = malloc(cw * sizeof *last);
        float *wsum = malloc(cw * sizeof *wsum);
        if (!state || !first || !last || !wsum) oom = 1;
        #pragma omp for schedule(dynamic, 1)
        for (size_t ch = 0; ch < nch; ch++) {
            /* a chunk of whole rows: contiguous in every plane */
            const size_t y = ch * rows, ncol = (ny - y < rows ? ny - y : rows) * nx;
            if (!state || !first || !last || !wsum) continue;
            /* with a collector the walk waits for it (state 3): columns that
             * never meet steel (outside the cell) hold no Li */
            memset(state, o->collector ? 3 : 0, ncol);
            for (size_t x = 0; x < ncol; x++) first[x] = last[x] = -1;
            size_t active = ncol, nli = 0;
            for (size_t k = 0; k < nz && active; k++) {
                const float *row = data + (tl_walk_z(k, nz, fwd) * ny + y) * nx;
                uint8_t *mrow = mask + (tl_walk_z(k, nz, fwd) * ny + y) * nx;
                /* window sum over the next w planes (fewer at the column end),
                 * kept as a running sum: drop the plane left behind, add the
                 * one entering (same order for every column and thread count) */
                size_t wn = nz - k < w ? nz - k : w;
                if (k == 0) {
                    memcpy(wsum, row, ncol * sizeof *wsum);
                    for (size_t j = 1; j < wn; j++) {
                        const float *rj = data + (tl_walk_z(j, nz, fwd) * ny + y) * nx;
                        for (size_t x = 0; x < ncol; x++) wsum[x] += rj[x];
                    }
                } else {
                    const float *gone = data + (tl_walk_z(k - 1, nz, fwd) * ny + y) * nx;
                    if (k + w - 1 < nz) {
                        const float *in = data + (tl_walk_z(k + w - 1, nz, fwd) * ny + y) * nx;
                        #pragma omp simd
                        for (size_t x = 0; x < ncol; x++) wsum[x] = wsum[x] - gone[x] + in[x];
                    } else {
                        #pragma omp simd
                        for (size_t x = 0; x < ncol; x++) wsum[x] -= gone[x];
                    }
                }
                const float stop_at = sse_min * (float)wn;
                const int32_t kk = (int32_t)k;
                size_t stopped = 0;
                int bad = 0;
                /* the per-column state machine: 3 = before the collector,
                 * 0 = in the collector (or at the start without one), 4.. =
                 * partial voxels of the steel face, 1 = walking Li, 2 = done.
                 * Branches, not selects: most columns sit in one state for
                 * long stretches, and done ones cost one byte read */
                for (size_t x = 0; x < ncol; x++) {
                    uint8_t st = state[x];
                    if (st == 2) continue;
                    float v = row[x];
                    if (st != 1) {
                        if (st == 3) {
                            if (!(v >= steel_min)) { bad |= v != v; continue; }
                            st = 0;
                        }
                        /* past the steel: with max_gap, up to max_gap partial
                         * voxels of the steel face (neither steel nor Li-like)
                         * are skipped and the walk starts at the first Li-like
                         * voxel; more than that and the electrolyte touches
                         * the steel (no Li) */
                        if (v >= steel_min) { state[x] = 0; continue; }
                        if (v != v) { bad = 1; continue; }
                        if (max_gap > 0 && !(v < li_max)) {
                            int k_face = st >= 4 ? st - 3 : 0;
                            if (k_face + 1 > max_gap) { state[x] = 2; stopped++; }
                            else state[x] = (uint8_t)(4 + k_face);
                            continue;
                        }
                        st = 1;
                    }
                    float ws = wsum[x];
                    if (ws != ws || v != v) { bad = 1; continue; }
                    /* the paper's stop, or max_gap non-Li voxels since the last Li one */
                    if (ws > stop_at || (max_gap > 0 && first[x] >= 0 && !(v < li_max) && kk - last[x] >= max_gap)) {
                        state[x] = 2;
                        stopped++;
                        continue;
                    }
                    state[x] = 1;
                    if (v < li_max) {
                        mrow[x] = 1;
                        if (first[x] < 0) first[x] = kk;
                        last[x] = kk;
                        nli++;
                    }
                }
                if (bad) { nan_found = 1; break; }
                active -= stopped;
            }
            int32_t *sv = (int32_t *)r->start_vox->data + y * nx, *ev = (int32_t *)r->end_vox->data + y * nx;
            float *su = (float *)r->start_um->data + y * nx, *eu = (float *)r->end_um->data + y * nx;
            float *th = (float *)r->thickness_um->data + y * nx;
            uint8_t *hl = (uint8_t *)r->has_li->data + y * nx;
            for (size_t x = 0; x < ncol; x++) {
                if (first[x] < 0) {
                    sv[x] = ev[x] = -1;
                    su[x] = eu[x] = th[x] = -1.0f;
                    continue;
                }
                /* walk steps -> z faces: top walks +z (faces k), bottom walks -z */
                int32_t a = fwd ? first[x] : (int32_t)nz - first[x];
                int32_t b = fwd ? last[x] + 1 : (int32_t)nz - 1 - last[x];
                sv[x] = a; ev[x] = b;
                su[x] = (float)(a * dz); eu[x] = (float)(b * dz);
                th[x] = (float)((last[x] + 1 - first[x]) * dz);
                hl[x] = 1;
                li_cols++;
            }
            li_vox += nli;
        }
        free(state); free(first); free(last); free(wsum);
    }
    if (oom) { tl_li_result_free(r); return tl_err(err, "threshold_columns: out of memory"); }
    if (nan_found) { tl_li_result_free(r); return tl_err(err, "threshold_columns: volume holds NaN voxels"); }
    r->li_voxels = li_vox;
    r->li_columns = li_cols;
    return 0;
}
