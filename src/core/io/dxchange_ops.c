/* dxchange_ops.c — tl.dxchange(path) and the methods of a scan handle. */
#include <stdio.h>
#include <string.h>

#include "../registry.h"
#include "dxchange.h"

static void dx_free(void *p) { tl_dxchange_close(p); }

static void dx_describe(const void *p, char *buf, size_t n)
{
    const tl_dxchange_info *in = tl_dxchange_get_info(p);
    snprintf(buf, n, "dxchange '%s': %zu projections x %zu rows x %zu cols %s, %zu flats, %zu darks, pixel %g µm",
             in->path, in->n_angles, in->n_rows, in->n_cols, tl_dtype_name(in->dtype), in->n_flat, in->n_dark,
             in->pixel_um);
}

static int run_open(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_dxchange *d = tl_dxchange_open(a[0].u.str, err);
    if (!d) return -1;
    tl_object *o = tl_object_new(&tl_class_dxchange, d, err);
    return o ? tl_rec_object(out, "scan", o) : -1;
}

static int run_info(const tl_value *a, tl_record *out, tl_error *err)
{
    (void)err;
    tl_dxchange *d = a[0].u.obj->data;
    const tl_dxchange_info *in = tl_dxchange_get_info(d);
    tl_rec_string(out, "path", in->path);
    tl_rec_int(out, "n_angles", (long long)in->n_angles);
    tl_rec_int(out, "n_rows", (long long)in->n_rows);
    tl_rec_int(out, "n_cols", (long long)in->n_cols);
    tl_rec_int(out, "n_flat", (long long)in->n_flat);
    tl_rec_int(out, "n_dark", (long long)in->n_dark);
    tl_rec_string(out, "dtype", tl_dtype_name(in->dtype));
    tl_rec_number(out, "pixel_um", in->pixel_um);
    tl_rec_bool(out, "theta_from_file", in->theta_from_file);
    return tl_rec_numbers(out, "theta_deg", tl_dxchange_theta_deg(d), in->n_angles);
}

static int run_read(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_dxchange *d = a[0].u.obj->data;
    const tl_dxchange_info *in = tl_dxchange_get_info(d);
    const char *w = a[1].u.str;
    tl_dx_which which = !strcmp(w, "data") ? TL_DX_DATA : !strcmp(w, "data_white") ? TL_DX_WHITE : TL_DX_DARK;
    size_t r0 = 0, r1 = in->n_rows;
    if (a[2].set) { r0 = (size_t)a[2].u.range.lo; r1 = (size_t)a[2].u.range.hi; }
    tl_volume *v = tl_dxchange_read_rows(d, which, r0, r1, err);
    return v ? tl_rec_volume(out, "volume", v) : -1;
}

static const tl_arg self_arg[] = {
    {.name = "scan", .type = TL_T_OBJECT, .flags = TL_POSITIONAL | TL_REQUIRED, .cls = &tl_class_dxchange, .doc = "an open Data Exchange scan"},
    {0},
};
static const tl_ret info_rets[] = {
    {.name = "path", .type = TL_T_STRING, .doc = "file path"},
    {.name = "n_angles", .type = TL_T_INT, .doc = "number of projections"},
    {.name = "n_rows", .type = TL_T_INT, .doc = "detector rows (= z-slices)"},
    {.name = "n_cols", .type = TL_T_INT, .doc = "detector columns"},
    {.name = "n_flat", .type = TL_T_INT, .doc = "flat fields (0 if absent)"},
    {.name = "n_dark", .type = TL_T_INT, .doc = "dark fields (0 if absent)"},
    {.name = "dtype", .type = TL_T_STRING, .doc = "dtype of /exchange/data"},
    {.name = "pixel_um", .type = TL_T_NUMBER, .unit = "µm", .doc = "detector pixel size, 0 if the file does not say"},
    {.name = "theta_from_file", .type = TL_T_BOOL, .doc = "false when /exchange/theta is absent (evenly spaced over 180°)"},
    {.name = "theta_deg", .type = TL_T_NUMBERS, .unit = "°", .doc = "projection angles"},
    {0},
};
static const tl_arg read_args[] = {
    {.name = "scan", .type = TL_T_OBJECT, .flags = TL_POSITIONAL | TL_REQUIRED, .cls = &tl_class_dxchange, .doc = "an open Data Exchange scan"},
    {.name = "what", .type = TL_T_CHOICE, .def_str = "data", .choices = "data data_white data_dark", .doc = "which dataset under /exchange"},
    {.name = "rows", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "detector rows", .doc = "detector rows {a, b}, 1-based inclusive; all if absent"},
    {0},
};
static const tl_ret read_rets[] = {
    {.name = "volume", .type = TL_T_VOLUME, .doc = "f32 (images, rows, cols), as stored (no normalisation)"},
    {0},
};

static const tl_op dx_methods[] = {
    {.name = "dxchange.info", .group = "io", .summary = "Shapes, dtype, pixel size and angles of a Data Exchange scan",
     .args = self_arg, .rets = info_rets, .example = "print(scan:info().n_angles)", .run = run_info},
    {.name = "dxchange.read", .group = "io", .summary = "Read detector rows of projections, flats or darks by hyperslab",
     .doc = "Reads only the requested rows (a block of sinograms), as f32. Angles are in scan:info().theta_deg.",
     .args = read_args, .rets = read_rets, .example = "flats = scan:read{what = \"data_white\", rows = {100, 107}}",
     .run = run_read},
    {0},
};

const tl_class tl_class_dxchange = {
    .name = "dxchange", .free = dx_free, .describe = dx_describe, .methods = dx_methods,
};

static const tl_arg open_args[] = {
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "Data Exchange HDF5 file"},
    {0},
};
static const tl_ret open_rets[] = {
    {.name = "scan", .type = TL_T_OBJECT, .cls = &tl_class_dxchange, .doc = "a lazy handle: nothing is read until asked"},
    {0},
};

const tl_op tl_ops_dxchange[] = {
    {.name = "dxchange", .group = "io", .summary = "Open an APS Data Exchange scan lazily",
     .doc = "Projections /exchange/data (theta:y:x), flats /exchange/data_white, darks /exchange/data_dark, "
            "angles /exchange/theta in degrees (absent: evenly spaced over 180°), pixel size from "
            "/measurement/instrument/detector/pixel_size (its 'units' attribute is honoured).",
     .args = open_args, .rets = open_rets, .example = "scan = tl.dxchange(\"scan_0001.h5\"); print(scan)",
     .run = run_open},
    {0},
};
