/* interphase.c — interphase thickness per column (seed 000: the interphase
 * between Li and LSPS has intermediate contrast; its volume and mean
 * thickness over time feed the cell model's ohmic drop).
 *
 * The interphase is thin (one to a few voxels), so it is measured by what
 * it takes away from the electrolyte rather than by counting voxels. Past
 * the lithium — from the Li/partner boundary voxel (as li_thickness finds
 * it) or from the voxel after an interfacial void — up to and including
 * the first voxel brighter than the interphase/electrolyte midpoint, every
 * voxel holds some mix of Li or void, interphase and electrolyte. With the
 * Li (or void) content of the first voxels known by partial volume, the
 * rest of the deficit below the electrolyte level is interphase:
 *
 *   t = (Σ (E − v) − a_Li (E − L) − a_void (E − V)) / (E − X)   voxels
 *
 * with L, V, X, E the Li, void, interphase and electrolyte levels. No
 * clamping: a pure electrolyte voxel adds zero on average, so the mean over
 * the interface is unbiased, and single columns carry the noise (they can
 * be slightly negative where there is no interphase).
 *
 * Levels not given are measured: E is the median of the electrolyte voxels
 * just past each zone whose neighbours are electrolyte too (no pores, no
 * partial voxels); X is the median of the zone voxels whose neighbours along z
 * are also between the Li/interphase and interphase/electrolyte midpoints —
 * the interior of the layer, which exists only where it is at least ~2
 * voxels thick (the count is returned; with few such voxels the estimate is
 * biased towards the electrolyte, and a series should use the level from
 * its thickest interphase). */
#include "seg.h"
#include "seg_columns.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double L, V, X, E; /* levels; V may be NaN */
} levels;

/* The zone of one column: [start, end] in walk steps, and the Li and void
 * content of its first voxels. Returns 0 when the zone is outside the band. */
static int column_zone(const float *v, int n, int s, int e, int v1, const levels *lv, int *start, int *end,
                       double *a_li, double *a_void)
{
    const double mid_lx = 0.5 * (lv->L + lv->X), mid_xe = 0.5 * (lv->X + lv->E);
    *a_li = *a_void = 0;
    if (v1 >= 0) {
        *start = v1 + 1;
        if (*start + 1 >= n) return 0;
        if (isfinite(lv->V)) *a_void = tl_mix(v[*start], lv->V, lv->X);
    } else {
        const int b = tl_li_boundary(v, s, e, mid_lx);
        *start = b;
        if (b + 1 >= n) return 0;
        *a_li = tl_mix(v[b], lv->L, lv->X) + tl_mix(v[b + 1], lv->L, lv->X);
    }
    /* up to the first electrolyte-bright voxel; a pore right behind the
     * layer (darker than the Li/interphase midpoint) also ends it, before
     * the pore */
    int c = *start + 1;
    while (c < n - 1 && !(v[c] > mid_xe) && !(c > *start + 1 && v[c] < mid_lx)) c++;
    if (c > *start + 1 && v[c] < mid_lx) c--;
    *end = c;
    return 1;
}

enum pass { PASS_AFTER, PASS_DEEP, PASS_INTERIOR, PASS_PAST, PASS_THICKNESS };

typedef struct {
    levels lv;
    enum pass which;
    float *samples; /* per-pass samples (up to per_col per column), NaN = none */
    size_t per_col;
    float *thickness; /* PASS_THICKNESS: the map, in voxels, NaN where not measured */
    const uint8_t *contact; /* optional (y, x) map: columns in contact hold no void */
} pass_ctx;

/* One column of one pass; writes only this column's slots. */
static void visit(void *ctx, size_t col, const float *v, const uint8_t *li, const uint8_t *vd, int n)
{
    pass_ctx *p = ctx;
    float *smp = p->samples ? p->samples + col * p->per_col : NULL;
    if (smp)
        for (size_t j = 0; j < p->per_col; j++) smp[j] = NAN;
    if (p->which == PASS_THICKNESS) p->thickness[col] = NAN;
    int s, e, v0, v1;
    vd = tl_voids_unless_contact(vd, p->contact, col);
    if (!tl_column_runs(li, vd, n, &s, &e, &v0, &v1)) return;
    if (p->which == PASS_AFTER || p->which == PASS_DEEP) {
        /* void-free runs: the voxel after the run (what Li meets), or voxels
         * 3-6 steps past it (electrolyte, save a few pores) */
        if (v0 >= 0) return;
        if (p->which == PASS_AFTER) {
            if (e + 1 < n) smp[0] = v[e + 1];
        } else {
            for (int j = 0; j < 4 && e + 3 + j < n; j++) smp[j] = v[e + 3 + j];
        }
        return;
    }
    int start, end;
    double a_li, a_void;
    if (!column_zone(v, n, s, e, v1, &p->lv, &start, &end, &a_li, &a_void)) return;
    if (p->which == PASS_INTERIOR) {
        const double lo = 0.5 * (p->lv.L + p->lv.X), hi = 0.5 * (p->lv.X + p->lv.E);
        size_t j = 0;
        for (int q = start + 1; q < end && j < p->per_col; q++)
            if (v[q - 1] > lo && v[q - 1] < hi && v[q] > lo && v[q] < hi && v[q + 1] > lo && v[q + 1] < hi) smp[j++] = v[q];
    } else if (p->which == PASS_PAST) {
        /* electrolyte voxels whose neighbours are electrolyte too: not a
         * pore, not a partial voxel at the layer's face */
        const double hi = 0.5 * (p->lv.X + p->lv.E);
        size_t j = 0;
        for (int q = end + 1; q < end + 7 && q + 1 < n && j < p->per_col; q++)
            if (v[q - 1] > hi && v[q] > hi && v[q + 1] > hi) smp[j++] = v[q];
    } else {
        double deficit = 0;
        for (int q = start; q <= end; q++) deficit += p->lv.E - v[q];
        deficit -= a_li * (p->lv.E - p->lv.L);
        if (a_void > 0) deficit -= a_void * (p->lv.E - p->lv.V);
        p->thickness[col] = (float)(deficit / (p->lv.E - p->lv.X));
    }
}

static int run_pass(pass_ctx *p, const tl_volume *vol, const tl_volume *li, const tl_volume *voids, int fwd,
                    enum pass which)
{
    p->which = which;
    return tl_for_each_column(vol, li, voids, fwd, visit, p);
}

/* Median of the non-NaN samples of a pass (compacted in place); sets *count. */
static double samples_median(float *smp, size_t total, size_t *count)
{
    size_t m = 0;
    for (size_t i = 0; i < total; i++)
        if (!isnan(smp[i])) smp[m++] = smp[i];
    *count = m;
    return tl_median_float(smp, m);
}

void tl_interphase_result_free(tl_interphase_result *r)
{
    tl_vol_unref(r->thickness_um);
    tl_vol_unref(r->valid);
    memset(r, 0, sizeof *r);
}

int tl_interphase(const tl_volume *vol, const tl_volume *li, const tl_volume *voids, const tl_interphase_opts *o,
                  tl_interphase_result *r, tl_error *err)
{
    memset(r, 0, sizeof *r);
    if (tl_check_column_inputs(vol, li, voids, "interphase", err)) return -1;
    const size_t ny = vol->ny, nx = vol->nx;
    char sh[64];
    if (vol->nz < 3) return tl_err(err, "interphase: volume must be 3D with columns along z, got shape %s", tl_vol_shape_str(vol, sh, sizeof sh));
    if (!isfinite(o->li_level)) return tl_err(err, "interphase: li_level must be a finite number");
    if (isfinite(o->void_level) && !(o->void_level < o->li_level))
        return tl_err(err, "interphase: void_level (%g) must be below li_level (%g)", o->void_level, o->li_level);
    if (!isnan(o->interphase_level) && !(isfinite(o->interphase_level) && o->interphase_level > o->li_level))
        return tl_err(err, "interphase: interphase_level (%g) must be above li_level (%g)", o->interphase_level, o->li_level);
    if (!isnan(o->electrolyte_level) && !(isfinite(o->electrolyte_level) && o->electrolyte_level > o->li_level))
        return tl_err(err, "interphase: electrolyte_level (%g) must be above li_level (%g)", o->electrolyte_level, o->li_level);
    if (tl_mask_is_empty(li)) return tl_err(err, "interphase: li mask is empty (no lithium found: check the thresholds and the electrode side)");

    const size_t ncol = ny * nx, per_col = 4;
    const int fwd = o->electrode == TL_ELECTRODE_TOP;
    if (tl_check_contact_map(o->contact, li, "interphase", err)) return -1;
    pass_ctx p = {{o->li_level, o->void_level, o->interphase_level, o->electrolyte_level}, PASS_AFTER, NULL, per_col, NULL,
                  o->contact ? (const uint8_t *)o->contact->data : NULL};
    p.samples = malloc(ncol * per_col * sizeof *p.samples);
    r->thickness_um = tl_seg_map_like(vol, TL_F32, err);
    r->valid = tl_seg_map_like(vol, TL_U8, err);
    if (!p.samples || !r->thickness_um || !r->valid) {
        free(p.samples);
        tl_interphase_result_free(r);
        return tl_err(err, "interphase: out of memory");
    }
    size_t cnt;
    const char *what = NULL;
    /* first guesses: what the Li meets, and the electrolyte a few voxels on */
    double x0 = p.lv.X, e0 = p.lv.E;
    if (isnan(x0) && !run_pass(&p, vol, li, voids, fwd, PASS_AFTER)) x0 = samples_median(p.samples, ncol * per_col, &cnt);
    if (isnan(e0) && !run_pass(&p, vol, li, voids, fwd, PASS_DEEP)) e0 = samples_median(p.samples, ncol * per_col, &cnt);
    if (!(x0 > p.lv.L) || !(e0 > x0)) what = "cannot tell the interphase from the electrolyte past the Li runs";
    p.lv.X = x0;
    p.lv.E = e0;
    /* the interphase level from the layer's interior, twice (the range
     * moves with the level); then the electrolyte past each zone */
    for (int it = 0; !what && isnan(o->interphase_level) && it < 2; it++) {
        if (run_pass(&p, vol, li, voids, fwd, PASS_INTERIOR)) { what = "out of memory"; break; }
        double x = samples_median(p.samples, ncol * per_col, &cnt);
        r->interior_voxels = cnt;
        if (cnt > 0) p.lv.X = x;
    }
    if (!what && isnan(o->electrolyte_level)) {
        if (run_pass(&p, vol, li, voids, fwd, PASS_PAST)) what = "out of memory";
        else {
            double e = samples_median(p.samples, ncol * per_col, &cnt);
            if (cnt > 0) p.lv.E = e;
        }
    }
    if (!what && !(p.lv.E > p.lv.X && p.lv.X > p.lv.L)) what = "the levels are not ordered Li < interphase < electrolyte";
    free(p.samples);
    p.samples = NULL;
    p.thickness = r->thickness_um->data;
    if (!what && run_pass(&p, vol, li, voids, fwd, PASS_THICKNESS)) what = "out of memory";
    if (what) {
        tl_err(err, "interphase: %s (Li %g, interphase %g, electrolyte %g): check the electrode side, or give "
               "interphase_level and electrolyte_level", what, p.lv.L, p.lv.X, p.lv.E);
        tl_interphase_result_free(r);
        return -1;
    }
    const double dz = vol->voxel_um[0];
    float *t = r->thickness_um->data;
    uint8_t *ok = r->valid->data;
    double sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < ncol; i++) { /* serial: the same sum for any thread count */
        if (isnan(t[i])) continue;
        ok[i] = 1;
        t[i] = (float)(t[i] * dz);
        sum += t[i];
        m++;
    }
    r->columns = m;
    r->mean_um = m ? sum / (double)m : NAN;
    r->volume_um3 = sum * vol->voxel_um[1] * vol->voxel_um[2];
    r->interphase_level = p.lv.X;
    r->electrolyte_level = p.lv.E;
    return 0;
}
