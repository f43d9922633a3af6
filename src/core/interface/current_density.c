/* current_density.c — local current density from the change of electrode
 * thickness between two scans (seed 002, eq. 3), and its hot spots.
 *
 * j = (t2 - t1) F / (Δt V_Li). With t in µm (1e-4 cm), Δt in s and
 * V_Li = 13.0 cm³/mol, j comes out in A/cm²; we report mA/cm².
 * Sign: j > 0 where the electrode thickened (Li plated onto it), j < 0
 * where it thinned (Li stripped). */
#include "interface.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int tl_current_density(const tl_volume *t1, const tl_volume *t2, double dt_s, const tl_volume *valid1,
                       const tl_volume *valid2, tl_volume **j, tl_volume **valid, double *mean_j, tl_error *err)
{
    *j = *valid = NULL;
    char s[64];
    if (t1->nz != 1) return tl_err(err, "current_density: t1 must be a 2D thickness map (nz = 1), got shape %s", tl_vol_shape_str(t1, s, sizeof s));
    if (tl_vol_check_same_shape(t1, "t1", t2, "t2", err)) return tl_err_prefix(err, "current_density: ");
    if (valid1 && tl_vol_check_same_shape(t1, "t1", valid1, "valid1", err)) return tl_err_prefix(err, "current_density: ");
    if (valid2 && tl_vol_check_same_shape(t1, "t1", valid2, "valid2", err)) return tl_err_prefix(err, "current_density: ");
    if (!(dt_s > 0) || !isfinite(dt_s)) return tl_err(err, "current_density: dt_s must be > 0 s (got %g)", dt_s);
    if (t1->dtype != TL_F32 || t2->dtype != TL_F32) return tl_err(err, "current_density: thickness maps must be f32");
    if ((valid1 && valid1->dtype != TL_U8) || (valid2 && valid2->dtype != TL_U8))
        return tl_err(err, "current_density: validity maps must be u8");
    tl_volume *J = tl_vol_new_like(t1, TL_F32, err), *V = tl_vol_new_like(t1, TL_U8, err);
    if (!J || !V) { tl_vol_unref(J); tl_vol_unref(V); return -1; }
    const double scale = 1e-4 * TL_FARADAY / (dt_s * TL_VM_LI_CM3) * 1e3; /* µm -> mA/cm² */
    const float *a = t1->data, *b = t2->data;
    const uint8_t *v1 = valid1 ? valid1->data : NULL, *v2 = valid2 ? valid2->data : NULL;
    float *o = J->data;
    uint8_t *vo = V->data;
    size_t n = tl_vol_count(t1), nv = 0;
    double sum = 0; /* sequential: the mean must not depend on the thread count */
    for (size_t i = 0; i < n; i++) {
        int ok = a[i] >= 0 && b[i] >= 0 && isfinite(a[i]) && isfinite(b[i]) && (!v1 || v1[i]) && (!v2 || v2[i]);
        if (!ok) continue;
        double jj = ((double)b[i] - (double)a[i]) * scale;
        o[i] = (float)jj;
        vo[i] = 1;
        sum += jj;
        nv++;
    }
    if (nv == 0) { tl_vol_unref(J); tl_vol_unref(V); return tl_err(err, "current_density: no pixel has lithium in both thickness maps"); }
    *j = J; *valid = V;
    *mean_j = sum / (double)nv;
    return 0;
}

void tl_hotspots_free(tl_hotspots *h)
{
    tl_regions_free(&h->hot);
    tl_regions_free(&h->cold);
}

int tl_hot_spots(const tl_volume *j, const tl_volume *valid, double k, int connectivity, double size_mm2,
                 tl_hotspots *h, tl_error *err)
{
    memset(h, 0, sizeof *h);
    char s[64];
    if (j->nz != 1) return tl_err(err, "hot_spots: j must be a 2D map (nz = 1), got shape %s", tl_vol_shape_str(j, s, sizeof s));
    if (j->dtype != TL_F32) return tl_err(err, "hot_spots: j must be f32, got %s", tl_dtype_name(j->dtype));
    if (valid && (tl_vol_check_same_shape(j, "j", valid, "valid", err))) return tl_err_prefix(err, "hot_spots: ");
    if (valid && valid->dtype != TL_U8) return tl_err(err, "hot_spots: valid must be u8");
    const float *J = j->data;
    const uint8_t *V = valid ? valid->data : NULL;
    size_t n = tl_vol_count(j), nv = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        if (!V || V[i]) {
            if (!isfinite(J[i])) return tl_err(err, "hot_spots: j holds NaN or infinity at pixel %zu", i + 1);
            sum += J[i]; nv++;
        }
    if (nv == 0) return tl_err(err, "hot_spots: no valid pixel");
    double mean = sum / (double)nv, q = 0;
    for (size_t i = 0; i < n; i++)
        if (!V || V[i]) q += ((double)J[i] - mean) * ((double)J[i] - mean);
    double sd = sqrt(q / (double)nv);
    h->mean = mean; h->std = sd; h->valid_pixels = nv;
    h->hi_cut = mean + k * sd; h->lo_cut = mean - k * sd;
    tl_volume *mh = tl_vol_new_like(j, TL_U8, err), *mc = tl_vol_new_like(j, TL_U8, err);
    if (!mh || !mc) { tl_vol_unref(mh); tl_vol_unref(mc); return -1; }
    uint8_t *ph = mh->data, *pc = mc->data;
    for (size_t i = 0; i < n; i++)
        if (!V || V[i]) { ph[i] = J[i] > h->hi_cut; pc[i] = J[i] < h->lo_cut; }
    int rc = tl_regions_2d(mh, connectivity, size_mm2, &h->hot, err);
    if (!rc) rc = tl_regions_2d(mc, connectivity, size_mm2, &h->cold, err);
    tl_vol_unref(mh); tl_vol_unref(mc);
    if (rc) { tl_hotspots_free(h); return tl_err_prefix(err, "hot_spots: "); }
    return 0;
}
