/* edge_profiles.c — each column's voxels around the electrolyte-side end of
 * its lithium run, aligned, as a stack of maps.
 *
 * Channel j of the result holds, for every (y, x), the voxel `j - before`
 * steps past the last Li voxel of that column in walk order (from the
 * collector): channel `before` is the last Li voxel itself, the ones before
 * it lie inside the electrode, the ones after it in the interphase or the
 * electrolyte. Whatever the interface's height in each column, the same
 * channel then holds the same place relative to it, so a classifier working
 * on (y, x) maps (tl.operando.classify_contact's network) sees the interface's z profile
 * as channels and its in-plane neighbourhood as pixels.
 *
 * Steps outside the column repeat its first or last voxel. With both levels
 * given, values are scaled so that void_level -> 0 and li_level -> 1, which
 * makes a trained network independent of the beamline's grey scale.
 * Columns without Li take `fill` in every channel. Each column writes only
 * its own slots: the result is the same for any thread count. */
#include "seg.h"
#include "seg_columns.h"

#include <math.h>

typedef struct {
    const tl_edge_profile_opts *o;
    float *out;
    size_t plane;
    double scale, offset;
} edge_ctx;

static void edge_column(void *ctx, size_t col, const float *v, const uint8_t *li, const uint8_t *vd, int n)
{
    (void)vd;
    edge_ctx *c = ctx;
    const int before = c->o->before, k = c->o->before + c->o->after + 1;
    int s, e, v0, v1;
    if (!tl_column_runs(li, NULL, n, &s, &e, &v0, &v1)) {
        for (int j = 0; j < k; j++) c->out[(size_t)j * c->plane + col] = (float)c->o->fill;
        return;
    }
    for (int j = 0; j < k; j++) {
        int q = e - before + j;
        q = q < 0 ? 0 : q >= n ? n - 1 : q;
        c->out[(size_t)j * c->plane + col] = (float)((v[q] - c->offset) * c->scale);
    }
}

tl_volume *tl_edge_profiles(const tl_volume *vol, const tl_volume *li, const tl_edge_profile_opts *o, tl_error *err)
{
    if (tl_check_column_inputs(vol, li, NULL, "edge_profiles", err)) return NULL;
    if (o->before < 0 || o->after < 0 || o->before + o->after + 1 > 1024) {
        tl_err(err, "edge_profiles: before (%d) and after (%d) must be >= 0 with at most 1024 channels", o->before, o->after);
        return NULL;
    }
    const int levels = !isnan(o->li_level) || !isnan(o->void_level);
    if (levels && !(isfinite(o->li_level) && isfinite(o->void_level) && o->li_level > o->void_level)) {
        tl_err(err, "edge_profiles: li_level (%g) and void_level (%g) go together, with li_level above void_level",
               o->li_level, o->void_level);
        return NULL;
    }
    if (tl_vol_check_finite(vol, "volume", err)) { tl_err_prefix(err, "edge_profiles: "); return NULL; }
    const size_t k = (size_t)(o->before + o->after + 1);
    tl_volume *out = tl_vol_new(TL_F32, k, vol->ny, vol->nx, err);
    if (!out) return NULL;
    if (tl_vol_copy_attrs(out, vol, err)) { tl_vol_unref(out); return NULL; }
    edge_ctx c = {o, out->data, vol->ny * vol->nx, levels ? 1.0 / (o->li_level - o->void_level) : 1.0,
                  levels ? o->void_level : 0.0};
    if (tl_for_each_column(vol, li, NULL, o->electrode == TL_ELECTRODE_TOP, edge_column, &c)) {
        tl_vol_unref(out);
        tl_err(err, "edge_profiles: out of memory");
        return NULL;
    }
    return out;
}
