/* zproject.c — Fiji's "Z Project": one statistic per (y, x) column. */
#include "../registry.h"
#include "vol_convert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum { ZP_MAX, ZP_MIN, ZP_MEAN, ZP_SUM, ZP_STD } zp_stat;

static int run_zproject(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *v = a[0].u.vol;
    const char *s = a[1].u.str;
    zp_stat st = !strcmp(s, "max") ? ZP_MAX : !strcmp(s, "min") ? ZP_MIN : !strcmp(s, "mean") ? ZP_MEAN
               : !strcmp(s, "sum") ? ZP_SUM : ZP_STD;
    size_t z0 = 0, z1 = v->nz;
    if (a[2].set) {
        z0 = (size_t)a[2].u.range.lo; z1 = (size_t)a[2].u.range.hi;
        if (z1 > v->nz) return tl_err(err, "zproject: z range {%zu, %zu} is outside 1..%zu", z0 + 1, z1, v->nz);
    }
    tl_volume *o = tl_vol_new_uninit(TL_F32, 1, v->ny, v->nx, err);
    if (!o) return -1;
    tl_vol_copy_attrs(o, v, err);
    float *res = o->data; /* sums run in double per column, stored once as f32 */
    size_t plane = v->ny * v->nx;
    /* rows of the map in parallel; each column reduced in z order: deterministic */
    #pragma omp parallel for schedule(static)
    for (size_t y = 0; y < v->ny; y++) {
        double *acc = calloc(2 * v->nx, sizeof *acc), *row = malloc(v->nx * sizeof *row);
        if (!acc || !row) { free(acc); free(row); continue; }
        double *acc2 = acc + v->nx;
        for (size_t x = 0; x < v->nx; x++) acc[x] = st == ZP_MAX ? -INFINITY : st == ZP_MIN ? INFINITY : 0;
        for (size_t z = z0; z < z1; z++) {
            tl_load_f64(v->data, v->dtype, z * plane + y * v->nx, v->nx, row);
            for (size_t x = 0; x < v->nx; x++) {
                double q = row[x];
                switch (st) {
                case ZP_MAX: if (q > acc[x]) acc[x] = q; break;
                case ZP_MIN: if (q < acc[x]) acc[x] = q; break;
                default: acc[x] += q; acc2[x] += q * q; break;
                }
            }
        }
        double n = (double)(z1 - z0);
        for (size_t x = 0; x < v->nx; x++) {
            double r = acc[x];
            if (st == ZP_MEAN) r = acc[x] / n;
            else if (st == ZP_STD) { double m = acc[x] / n; r = sqrt(fmax(0, acc2[x] / n - m * m)); }
            res[y * v->nx + x] = (float)r;
        }
        free(acc); free(row);
    }
    return tl_rec_volume(out, "map", o);
}

static const tl_arg zproject_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "volume to project along z"},
    {.name = "stat", .type = TL_T_CHOICE, .def_str = "max", .choices = "max min mean sum std", .doc = "statistic of each (y, x) column"},
    {.name = "z", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "z range {a, b}, 1-based inclusive; all if absent"},
    {0},
};
static const tl_ret zproject_rets[] = {{.name = "map", .type = TL_T_VOLUME, .doc = "f32 map (1, ny, nx)"}, {0}};

const tl_op tl_ops_zproject[] = {
    {.name = "zproject", .group = "volume", .summary = "One statistic per (y, x) column: Fiji's Z Project",
     .doc = "max, min, mean, sum or std of each column along z (optionally over a z range). The max projection "
            "of a band holding the current collector is the cell's footprint: footprint = band:zproject():ge(steel_min).",
     .args = zproject_args, .rets = zproject_rets,
     .example = "foot = band:zproject{stat = \"max\"}:ge(th.steel_min)", .run = run_zproject, .flags = TL_OP_METHOD},
    {0},
};
