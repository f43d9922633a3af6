/* li_thickness.c — sub-voxel lithium thickness per column.
 *
 * threshold_columns counts voxels, so a thickness is only known to ±½
 * voxel at each end, and a thin interphase whose level sits near li_max
 * (seed 000's interphase is between Li and the electrolyte in brightness)
 * is counted as Li wherever noise pushes it below the threshold. This
 * estimate keeps the Li run's interior as counted and replaces each end by
 * linear partial volume between the two materials that meet there (the
 * z-slices are reconstructed independently, so along z a voxel is a box
 * average of what it holds):
 *
 * - collector end: steel and Li. The first Li voxel and the one before it
 *   each hold (steel_level − v) / (steel_level − li_level) of Li.
 * - electrolyte end without a void: Li meets the "partner" (the interphase
 *   or the electrolyte, whichever lies there). The Li boundary is the last
 *   voxel of the run darker than the midpoint (li_level + partner) / 2; it
 *   and the voxel after it hold (partner − v) / (partner − li_level) of Li.
 * - with an interfacial void: Li ends where the void begins. The last
 *   non-void voxel and the first void voxel hold (v − void_level) /
 *   (li_level − void_level) of Li; nothing beyond holds Li.
 *
 * Without a void level (too few void voxels for the histogram to show one)
 * the Li/void boundary is counted, not unmixed. Fractions are clamped to [0, 1]; the interior counts one voxel each
 * (bright impurities inside the Li included, as in the count).
 *
 * The partner level, unless given, is the median over the band of the
 * voxel right after each void-free Li run: what the Li actually meets.
 *
 * Columns are gathered a chunk of rows at a time into contiguous buffers
 * (plane reads stay contiguous); each column's result depends only on its
 * own voxels, so any thread count gives the same map. */
#include "seg.h"
#include "seg_columns.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Li fraction of a voxel between Li and void; without a void level (no
 * void class seen in the histogram) a voxel above void_max counts whole. */
static inline double li_vs_void(double v, double L, double V, int is_void)
{
    return isfinite(V) ? tl_clamp01((v - V) / (L - V)) : is_void ? 0.0 : 1.0;
}

/* Li content (voxels) of one column; see the header comment. */
static double column_li(const float *v, int n, int s, int e, int v0, double L, double S, double V, double P)
{
    double li = s > 0 ? tl_mix(v[s - 1], L, S) : 0; /* steel-side partner of the first Li voxel */
    if (v0 >= 0) {
        /* an interfacial void: Li ends where it begins */
        if (v0 == s) return li + li_vs_void(v[s], L, V, 1);
        double fs = tl_mix(v[s], L, S);
        if (v0 == s + 1) {
            double fv = li_vs_void(v[s], L, V, 0);
            li += fs < fv ? fs : fv;
        } else {
            li += fs + (double)(v0 - s - 2) + li_vs_void(v[v0 - 1], L, V, 0);
        }
        return li + li_vs_void(v[v0], L, V, 1);
    }
    /* no void: the Li boundary is the last run voxel darker than the Li/partner midpoint */
    const int b = tl_li_boundary(v, s, e, 0.5 * (L + P));
    if (b == s) {
        /* one Li voxel: it mixes with steel on one side and the partner on the other */
        double fs = tl_mix(v[s], L, S), fp = tl_mix(v[s], L, P);
        li += fs < fp ? fs : fp;
    } else {
        li += tl_mix(v[s], L, S) + (double)(b - s - 1) + tl_mix(v[b], L, P);
    }
    if (b + 1 < n) li += tl_mix(v[b + 1], L, P);
    return li;
}

typedef struct {
    double L, S, V, P;
    const uint8_t *contact; /* optional (y, x) map: 1 = in contact, the void mask is not used there */
    float *after; /* pass 1: the voxel after each void-free run, NaN elsewhere */
    float *th;    /* pass 2: Li content in voxels, -1 without Li */
} li_ctx;

static void after_run(void *ctx, size_t col, const float *v, const uint8_t *li, const uint8_t *vd, int n)
{
    li_ctx *c = ctx;
    int s, e, v0, v1;
    c->after[col] = NAN;
    vd = tl_voids_unless_contact(vd, c->contact, col);
    if (tl_column_runs(li, vd, n, &s, &e, &v0, &v1) && v0 < 0 && e + 1 < n) c->after[col] = v[e + 1];
}

static void li_content(void *ctx, size_t col, const float *v, const uint8_t *li, const uint8_t *vd, int n)
{
    li_ctx *c = ctx;
    int s, e, v0, v1;
    vd = tl_voids_unless_contact(vd, c->contact, col);
    c->th[col] = tl_column_runs(li, vd, n, &s, &e, &v0, &v1) ? (float)column_li(v, n, s, e, v0, c->L, c->S, c->V, c->P)
                                                             : -1.0f;
}

int tl_li_thickness(const tl_volume *vol, const tl_volume *li, const tl_volume *voids, const tl_li_thickness_opts *o,
                    tl_li_thickness_result *r, tl_error *err)
{
    memset(r, 0, sizeof *r);
    if (tl_check_column_inputs(vol, li, voids, "li_thickness", err)) return -1;
    const size_t ncol = vol->ny * vol->nx;
    if (tl_check_contact_map(o->contact, li, "li_thickness", err)) return -1;
    li_ctx c = {o->li_level, o->steel_level, o->void_level, o->partner_level,
                o->contact ? (const uint8_t *)o->contact->data : NULL, NULL, NULL};
    if (!isfinite(c.L) || !isfinite(c.S) || !(c.S > c.L))
        return tl_err(err, "li_thickness: steel_level (%g) must be above li_level (%g)", c.S, c.L);
    /* V NaN: the Li/void boundary is counted, not unmixed */
    if (isfinite(c.V) && !(c.V < c.L))
        return tl_err(err, "li_thickness: void_level (%g) must be below li_level (%g)", c.V, c.L);
    if (!isnan(c.P) && !(isfinite(c.P) && c.P > c.L))
        return tl_err(err, "li_thickness: partner_level (%g) must be above li_level (%g)", c.P, c.L);
    if (tl_mask_is_empty(li)) return tl_err(err, "li_thickness: li mask is empty (no lithium found: check the thresholds and the electrode side)");
    r->thickness_um = tl_seg_map_like(vol, TL_F32, err);
    if (!r->thickness_um) return -1;
    const int fwd = o->electrode == TL_ELECTRODE_TOP;
    if (isnan(c.P)) {
        c.after = malloc(ncol * sizeof *c.after);
        if (!c.after || tl_for_each_column(vol, li, voids, fwd, after_run, &c)) {
            free(c.after);
            tl_li_thickness_result_free(r);
            return tl_err(err, "li_thickness: out of memory");
        }
        size_t m = 0;
        for (size_t i = 0; i < ncol; i++)
            if (!isnan(c.after[i])) c.after[m++] = c.after[i];
        c.P = m ? tl_median_float(c.after, m) : INFINITY; /* INFINITY: every column ends in a void */
        free(c.after);
        c.after = NULL;
        if (isfinite(c.P) && !(c.P > c.L)) {
            tl_li_thickness_result_free(r);
            return tl_err(err, "li_thickness: the voxels after the Li runs (median %g) are not brighter than li_level (%g): "
                          "check li_level and the electrode side, or give partner_level", c.P, c.L);
        }
    }
    c.th = r->thickness_um->data;
    if (tl_for_each_column(vol, li, voids, fwd, li_content, &c)) {
        tl_li_thickness_result_free(r);
        return tl_err(err, "li_thickness: out of memory");
    }
    /* voxels -> µm, and the total in a fixed order (any thread count, same sum) */
    const double dz = vol->voxel_um[0];
    double total = 0;
    size_t cols = 0;
    for (size_t i = 0; i < ncol; i++)
        if (c.th[i] >= 0) {
            total += c.th[i];
            c.th[i] = (float)(c.th[i] * dz);
            cols++;
        }
    r->partner_level = c.P;
    r->li_columns = cols;
    r->li_volume_um3 = total * vol->voxel_um[0] * vol->voxel_um[1] * vol->voxel_um[2];
    return 0;
}

void tl_li_thickness_result_free(tl_li_thickness_result *r)
{
    tl_vol_unref(r->thickness_um);
    memset(r, 0, sizeof *r);
}
