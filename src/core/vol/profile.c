/* profile.c — per-slice statistics along an axis (a depth profile). */
#include "../registry.h"
#include "vol_convert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One pass over the volume, per-slice partial sums per z row (so the
 * parallel loop writes disjoint rows): with centre == NULL, sums of the
 * values into ps and voxel counts into pc; else sums of squared deviations
 * from centre[k] into ps. Skips masked-out and NaN voxels. */
static void profile_pass(const tl_volume *v, const tl_volume *mask, int axis, size_t len, const double *centre,
                         double *ps, double *pc)
{
    #pragma omp parallel for schedule(static)
    for (size_t z = 0; z < v->nz; z++) {
        double *row = malloc(v->nx * sizeof *row);
        if (!row) continue;
        for (size_t y = 0; y < v->ny; y++) {
            size_t off = (z * v->ny + y) * v->nx;
            tl_load_f64(v->data, v->dtype, off, v->nx, row);
            const uint8_t *m = mask ? (const uint8_t *)mask->data + off : NULL;
            for (size_t x = 0; x < v->nx; x++) {
                if ((m && !m[x]) || isnan(row[x])) continue;
                size_t k = axis == 0 ? z : axis == 1 ? y : x;
                if (centre) {
                    double d = row[x] - centre[k];
                    ps[z * len + k] += d * d;
                } else {
                    ps[z * len + k] += row[x];
                    pc[z * len + k] += 1;
                }
            }
        }
        free(row);
    }
}

/* Mean and std of each slice normal to `axis` (0 = z, 1 = y, 2 = x),
 * counting only mask != 0 when a mask is given (NaN where a slice has no
 * voxel). Two passes (mean, then centred squares); per-z partials summed
 * in z order: thread-count independent. */
int tl_vol_profile(const tl_volume *v, const tl_volume *mask, int axis, double *mean, double *std, double *count,
                   tl_error *err)
{
    if (mask && tl_vol_check_same_shape(v, "volume", mask, "mask", err)) return -1;
    size_t n[3] = {v->nz, v->ny, v->nx}, len = n[axis];
    double *s1 = calloc(len, sizeof *s1), *s2 = calloc(len, sizeof *s2), *c = calloc(len, sizeof *c);
    double *ps = calloc(v->nz * len, sizeof *ps), *pc = calloc(v->nz * len, sizeof *pc);
    if (!s1 || !s2 || !c || !ps || !pc) {
        free(s1); free(s2); free(c); free(ps); free(pc);
        return tl_err(err, "profile: out of memory");
    }
    profile_pass(v, mask, axis, len, NULL, ps, pc);
    for (size_t z = 0; z < v->nz; z++)
        for (size_t k = 0; k < len; k++) { s1[k] += ps[z * len + k]; c[k] += pc[z * len + k]; }
    for (size_t k = 0; k < len; k++) mean[k] = c[k] > 0 ? s1[k] / c[k] : NAN;
    memset(ps, 0, v->nz * len * sizeof *ps);
    profile_pass(v, mask, axis, len, mean, ps, NULL);
    for (size_t z = 0; z < v->nz; z++)
        for (size_t k = 0; k < len; k++) s2[k] += ps[z * len + k];
    for (size_t k = 0; k < len; k++) {
        std[k] = c[k] > 0 ? sqrt(s2[k] / c[k]) : NAN;
        if (count) count[k] = c[k];
    }
    free(s1); free(s2); free(c); free(ps); free(pc);
    return 0;
}

static int run_profile(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *v = a[0].u.vol;
    int axis = tl_axis_arg(&a[1]);
    size_t n[3] = {v->nz, v->ny, v->nx}, len = n[axis];
    double *buf = malloc(4 * len * sizeof *buf);
    if (!buf) return tl_err(err, "profile: out of memory");
    double *mean = buf, *sd = buf + len, *cnt = buf + 2 * len, *pos = buf + 3 * len;
    if (tl_vol_profile(v, a[2].set ? a[2].u.vol : NULL, axis, mean, sd, cnt, err)) { free(buf); return -1; }
    for (size_t k = 0; k < len; k++) pos[k] = ((double)k + 0.5) * v->voxel_um[axis];
    tl_rec_numbers(out, "mean", mean, len);
    tl_rec_numbers(out, "std", sd, len);
    tl_rec_numbers(out, "count", cnt, len);
    tl_rec_numbers(out, "position_um", pos, len);
    free(buf);
    return 0;
}

static const tl_arg profile_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "volume to profile"},
    {.name = "axis", .type = TL_T_CHOICE, .def_str = "z", .choices = "z y x", .doc = "axis along which the profile runs (one value per slice normal to it)"},
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .dtypes = TL_DT(TL_U8), .doc = "only voxels where mask != 0"},
    {0},
};
static const tl_ret profile_rets[] = {
    {.name = "mean", .type = TL_T_NUMBERS, .doc = "mean per slice (NaN where a slice has no voxel)"},
    {.name = "std", .type = TL_T_NUMBERS, .doc = "standard deviation per slice"},
    {.name = "count", .type = TL_T_NUMBERS, .doc = "voxels counted per slice"},
    {.name = "position_um", .type = TL_T_NUMBERS, .unit = "µm", .doc = "centre of each slice from the volume's start"},
    {0},
};

const tl_op tl_ops_profile[] = {
    {.name = "profile", .group = "volume", .summary = "Mean and std of each slice along an axis (a depth profile)",
     .doc = "The z-profile of a cell shows its layers: steel (high attenuation), Li (low), electrolyte (middle). "
            "Sums run in a fixed order, so results do not depend on the thread count.",
     .args = profile_args, .rets = profile_rets, .example = "p = vol:profile(); print(p.mean[1], p.position_um[1])",
     .run = run_profile, .flags = TL_OP_METHOD},
    {0},
};
