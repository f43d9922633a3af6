/* vol_registry.c — volume operators (also methods of every volume). */
#include "../registry.h"
#include "vol_convert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void range_or_all(const tl_value *a, size_t n, size_t *lo, size_t *hi)
{
    if (a->set) { *lo = (size_t)a->u.range.lo; *hi = (size_t)a->u.range.hi; }
    else { *lo = 0; *hi = n; }
}

static int run_crop(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *v = a[0].u.vol;
    size_t z0, z1, y0, y1, x0, x1;
    range_or_all(&a[1], v->nz, &z0, &z1);
    range_or_all(&a[2], v->ny, &y0, &y1);
    range_or_all(&a[3], v->nx, &x0, &x1);
    tl_volume *c = tl_vol_crop(v, z0, z1, y0, y1, x0, x1, err);
    return c ? tl_rec_volume(out, "volume", c) : -1;
}

static int run_slice(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_volume *s = tl_vol_slice(a[0].u.vol, tl_axis_arg(&a[1]), (size_t)(a[2].u.i - 1), err);
    return s ? tl_rec_volume(out, "slice", s) : -1;
}

static int run_astype(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_dtype d;
    tl_dtype_parse(a[1].u.str, &d);
    tl_volume *o = tl_vol_astype(a[0].u.vol, d, a[2].u.num, a[3].u.num, err);
    return o ? tl_rec_volume(out, "volume", o) : -1;
}

static int run_copy(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_volume *o = tl_vol_copy(a[0].u.vol, err);
    return o ? tl_rec_volume(out, "volume", o) : -1;
}

static int run_stats(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_stats s;
    const tl_volume *mask = a[1].set ? a[1].u.vol : NULL;
    if (tl_vol_stats(a[0].u.vol, mask, (size_t)a[2].u.i, &s, err)) return -1;
    tl_rec_number(out, "min", s.min);
    tl_rec_number(out, "max", s.max);
    tl_rec_number(out, "mean", s.mean);
    tl_rec_number(out, "std", s.std);
    tl_rec_int(out, "count", (long long)s.count);
    tl_rec_int(out, "nan_count", (long long)s.nan_count);
    if (s.nbins) {
        double *h = malloc(s.nbins * sizeof *h), *e = malloc((s.nbins + 1) * sizeof *e);
        if (!h || !e) { free(h); free(e); free(s.hist); return tl_err(err, "stats: out of memory"); }
        for (size_t i = 0; i < s.nbins; i++) h[i] = (double)s.hist[i];
        for (size_t i = 0; i <= s.nbins; i++) e[i] = s.hist_lo + (s.hist_hi - s.hist_lo) * (double)i / (double)s.nbins;
        tl_rec_numbers(out, "hist", h, s.nbins);
        tl_rec_numbers(out, "edges", e, s.nbins + 1);
        free(h); free(e); free(s.hist);
    }
    return 0;
}

/* voxel_um: one number (isotropic) or three (z, y, x). */
static int apply_voxel(tl_volume *v, const tl_value *a, tl_error *err)
{
    if (!a->set) return 0;
    size_t n = a->u.nums.n;
    if (n != 1 && n != 3) return tl_err(err, "voxel_um must hold 1 or 3 sizes (z, y, x), got %zu", n);
    for (size_t i = 0; i < n; i++)
        if (!(a->u.nums.v[i] > 0) || !isfinite(a->u.nums.v[i]))
            return tl_err(err, "voxel_um[%zu] = %g must be a positive size in µm", i + 1, a->u.nums.v[i]);
    if (n == 1) tl_vol_set_voxel(v, a->u.nums.v[0], a->u.nums.v[0], a->u.nums.v[0]);
    else tl_vol_set_voxel(v, a->u.nums.v[0], a->u.nums.v[1], a->u.nums.v[2]);
    return 0;
}

static int run_full(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_dtype d;
    tl_dtype_parse(a[4].u.str, &d);
    double value = a[3].u.num;
    size_t nz = (size_t)a[0].u.i, ny = (size_t)a[1].u.i, nx = (size_t)a[2].u.i;
    tl_volume *v = value == 0 ? tl_vol_new(d, nz, ny, nx, err) : tl_vol_new_uninit(d, nz, ny, nx, err);
    if (!v) return -1;
    if (apply_voxel(v, &a[5], err)) { tl_vol_unref(v); return -1; }
    if (value != 0) {
        /* one converted element, copied along: the store rounds and clamps once */
        size_t n = tl_vol_count(v), es = tl_dtype_size(d);
        tl_store_f64(v->data, d, 0, 1, &value);
        for (size_t k = 1; k < n; k *= 2) /* doubling copies: a few large memcpys, not n small ones */
            memcpy((char *)v->data + k * es, v->data, (k < n - k ? k : n - k) * es);
    }
    return tl_rec_volume(out, "volume", v);
}

static const tl_arg full_args[] = {
    {.name = "nz", .type = TL_T_INT, .flags = TL_POSITIONAL | TL_REQUIRED, .min = 1, .max = 1e9, .unit = "voxels", .doc = "slices along z (1 for a 2D map)"},
    {.name = "ny", .type = TL_T_INT, .flags = TL_POSITIONAL | TL_REQUIRED, .min = 1, .max = 1e9, .unit = "voxels", .doc = "rows along y"},
    {.name = "nx", .type = TL_T_INT, .flags = TL_POSITIONAL | TL_REQUIRED, .min = 1, .max = 1e9, .unit = "voxels", .doc = "columns along x"},
    {.name = "value", .type = TL_T_NUMBER, .flags = TL_POSITIONAL, .def = 0, .doc = "fill value (rounded and clamped for integer dtypes)"},
    {.name = "dtype", .type = TL_T_CHOICE, .def_str = "f32", .choices = "u8 u16 i32 f32 f64", .doc = "element type"},
    {.name = "voxel_um", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "µm", .doc = "voxel size: one number, or {z, y, x}; default 1"},
    {0},
};

/* Volumes given as a Lua array arrive as a record keyed "1", "2", ... */
static int run_stack(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_record *r = a[0].u.rec;
    if (r->n == 0) return tl_err(err, "stack: no volumes given");
    size_t nz = 0;
    const tl_volume *first = NULL;
    for (size_t i = 0; i < r->n; i++) {
        if (r->vals[i].type != TL_T_VOLUME)
            return tl_err(err, "stack: item %s is not a volume (it is of type %s)", r->names[i], tl_type_name(r->vals[i].type));
        const tl_volume *v = r->vals[i].u.vol;
        if (!first) first = v;
        else if (v->ny != first->ny || v->nx != first->nx || v->dtype != first->dtype) {
            char s1[64], s2[64];
            return tl_err(err, "stack: item %s is %s %s but item 1 is %s %s (same ny, nx and dtype needed)",
                          r->names[i], tl_vol_shape_str(v, s1, sizeof s1), tl_dtype_name(v->dtype),
                          tl_vol_shape_str(first, s2, sizeof s2), tl_dtype_name(first->dtype));
        }
        nz += v->nz;
    }
    tl_volume *o = tl_vol_new(first->dtype, nz, first->ny, first->nx, err);
    if (!o) return -1;
    tl_vol_copy_attrs(o, first, err);
    size_t off = 0;
    for (size_t i = 0; i < r->n; i++) {
        const tl_volume *v = r->vals[i].u.vol;
        memcpy((char *)o->data + off, v->data, tl_vol_bytes(v));
        off += tl_vol_bytes(v);
    }
    return tl_rec_volume(out, "volume", o);
}

static const tl_arg stack_args[] = {
    {.name = "volumes", .type = TL_T_RECORD, .flags = TL_POSITIONAL | TL_REQUIRED,
     .doc = "array of maps or volumes with the same (ny, nx) and dtype, stacked along z in order"},
    {0},
};

static const tl_arg crop_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "volume to crop"},
    {.name = "z", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "z range {a, b}, 1-based inclusive; all if absent"},
    {.name = "y", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "y range {a, b}, 1-based inclusive; all if absent"},
    {.name = "x", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "x range {a, b}, 1-based inclusive; all if absent"},
    {0},
};
static const tl_ret vol_ret[] = {{.name = "volume", .type = TL_T_VOLUME, .doc = "a new volume"}, {0}};

static const tl_arg slice_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "volume to slice"},
    {.name = "axis", .type = TL_T_CHOICE, .flags = TL_POSITIONAL, .def_str = "z", .choices = "z y x", .doc = "axis normal to the slice"},
    {.name = "index", .type = TL_T_INT, .flags = TL_POSITIONAL | TL_REQUIRED, .min = 1, .max = 1e15, .unit = "voxels", .doc = "slice index, 1-based"},
    {0},
};
static const tl_ret slice_ret[] = {{.name = "slice", .type = TL_T_VOLUME, .doc = "2D map (nz = 1); a y or x slice has z as its rows"}, {0}};

static const tl_arg astype_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "volume to convert"},
    {.name = "dtype", .type = TL_T_CHOICE, .flags = TL_POSITIONAL | TL_REQUIRED, .choices = "u8 u16 i32 f32 f64", .doc = "target dtype"},
    {.name = "scale", .type = TL_T_NUMBER, .def = 1, .doc = "out = in * scale + offset, then rounded and clamped for integer dtypes"},
    {.name = "offset", .type = TL_T_NUMBER, .def = 0, .doc = "added after scaling"},
    {0},
};

static const tl_arg copy_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "volume to copy"},
    {0},
};

static const tl_arg stats_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "volume to measure"},
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .dtypes = TL_DT(TL_U8), .doc = "only voxels where mask != 0"},
    {.name = "bins", .type = TL_T_INT, .def = 0, .min = 0, .max = 1 << 20, .doc = "histogram bins over [min, max]; 0 for none"},
    {0},
};
static const tl_ret stats_ret[] = {
    {.name = "min", .type = TL_T_NUMBER, .doc = "smallest value (NaN ignored)"},
    {.name = "max", .type = TL_T_NUMBER, .doc = "largest value"},
    {.name = "mean", .type = TL_T_NUMBER, .doc = "mean"},
    {.name = "std", .type = TL_T_NUMBER, .doc = "population standard deviation"},
    {.name = "count", .type = TL_T_INT, .doc = "voxels measured"},
    {.name = "nan_count", .type = TL_T_INT, .doc = "NaN voxels skipped"},
    {.name = "hist", .type = TL_T_NUMBERS, .doc = "counts per bin (when bins > 0)"},
    {.name = "edges", .type = TL_T_NUMBERS, .doc = "bins + 1 bin edges (when bins > 0)"},
    {0},
};

const tl_op tl_ops_vol[] = {
    {.name = "full", .group = "volume", .summary = "A new volume filled with one value (0 by default)",
     .args = full_args, .rets = vol_ret, .example = "mask = tl.full(1, 256, 256, 1, {dtype = \"u8\", voxel_um = 1.7})",
     .run = run_full},
    {.name = "stack", .group = "volume", .summary = "Stack maps (or volumes) along z into one volume",
     .doc = "A series of 2D maps becomes one volume with one z-slice per map, e.g. for tl.show_maps.",
     .args = stack_args, .rets = vol_ret, .example = "s = tl.stack({contact_00, contact_01, contact_02})",
     .run = run_stack},
    {.name = "crop", .group = "volume", .summary = "Sub-volume by 1-based inclusive index ranges",
     .args = crop_args, .rets = vol_ret, .example = "band = vol:crop{z = {100, 180}}",
     .run = run_crop, .flags = TL_OP_METHOD},
    {.name = "slice", .group = "volume", .summary = "One slice as a 2D map",
     .args = slice_args, .rets = slice_ret, .example = "s = vol:slice(\"z\", 40)",
     .run = run_slice, .flags = TL_OP_METHOD},
    {.name = "astype", .group = "volume", .summary = "Convert to another dtype, with optional linear scaling",
     .args = astype_args, .rets = vol_ret, .example = "v8 = vol:astype(\"u8\", {scale = 255 / vol:stats().max})",
     .run = run_astype, .flags = TL_OP_METHOD},
    {.name = "copy", .group = "volume", .summary = "Deep copy (voxels, voxel size, metadata)",
     .args = copy_args, .rets = vol_ret, .example = "b = vol:copy()", .run = run_copy, .flags = TL_OP_METHOD},
    {.name = "stats", .group = "volume", .summary = "Min, max, mean, std and an optional histogram",
     .doc = "Results do not depend on the number of threads (fixed block reduction order).",
     .args = stats_args, .rets = stats_ret, .example = "s = vol:stats{bins = 256}; print(s.mean, s.std)",
     .run = run_stats, .flags = TL_OP_METHOD},
    {0},
};
