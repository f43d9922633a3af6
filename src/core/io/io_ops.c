/* io_ops.c — registry table of the io module: load, save, provenance. */
#include <string.h>

#include "../registry.h"
#include "io.h"

enum { L_PATH, L_DATASET, L_Z, L_Y, L_X, L_SHAPE, L_DTYPE, L_BYTEORDER, L_OFFSET, L_VOXEL };

static int run_load(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_io_load_opts o = {0};
    o.dataset = a[L_DATASET].set ? a[L_DATASET].u.str : NULL;
    for (int k = 0; k < 3; k++)
        if (a[L_Z + k].set) {
            o.crop[k].set = 1;
            o.crop[k].lo = (size_t)a[L_Z + k].u.range.lo;
            o.crop[k].hi = (size_t)a[L_Z + k].u.range.hi;
        }
    if (a[L_SHAPE].set) {
        size_t n = a[L_SHAPE].u.nums.n;
        if (n != 2 && n != 3)
            return tl_err(err, "load: argument 'shape' must be {nz, ny, nx} or {ny, nx} (got %zu numbers)", n);
        for (size_t i = 0; i < n; i++) {
            double x = a[L_SHAPE].u.nums.v[i];
            if (!(x >= 1 && x <= 1e12 && x == (double)(long long)x))
                return tl_err(err, "load: argument 'shape' element %zu must be a positive whole number (got %g)", i + 1, x);
            o.shape[i] = (size_t)x;
        }
        o.rank = (int)n;
    }
    o.dtype = a[L_DTYPE].set ? a[L_DTYPE].u.str : NULL;
    o.big_endian = strcmp(a[L_BYTEORDER].u.str, "big") == 0;
    o.offset = (size_t)a[L_OFFSET].u.i;
    if (a[L_VOXEL].set) {
        size_t n = a[L_VOXEL].u.nums.n;
        if (n != 1 && n != 3)
            return tl_err(err, "load: argument 'voxel_um' must be one size or {z, y, x} in µm (got %zu numbers)", n);
        for (int i = 0; i < 3; i++) o.voxel_um[i] = a[L_VOXEL].u.nums.v[n == 1 ? 0 : i];
        o.has_voxel = 1;
    }
    tl_volume *v = tl_io_load(a[L_PATH].u.str, &o, err);
    return v ? tl_rec_volume(out, "volume", v) : -1;
}

static const tl_arg load_args[] = {
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED,
     .doc = "file (.h5 .hdf5 .nxs .tif .tiff .npy .raw .bin .png) or a folder of TIFF slices"},
    {.name = "dataset", .type = TL_T_STRING, .flags = TL_OPTIONAL,
     .doc = "HDF5 dataset; default /volume, else /exchange/data, else the file's only 2-D/3-D dataset"},
    {.name = "z", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "slices {a, b} to read, 1-based inclusive; all if absent"},
    {.name = "y", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "rows {a, b} to read, 1-based inclusive; all if absent"},
    {.name = "x", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "columns {a, b} to read, 1-based inclusive; all if absent"},
    {.name = "shape", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "raw files: {nz, ny, nx} or {ny, nx}"},
    {.name = "dtype", .type = TL_T_CHOICE, .flags = TL_OPTIONAL, .choices = "u8 i8 u16 i16 u32 i32 f32 f64",
     .doc = "raw files: element type (i8/i16 load as i32; u32 as i32 when every value fits)"},
    {.name = "byteorder", .type = TL_T_CHOICE, .def_str = "little", .choices = "little big", .doc = "raw files: byte order"},
    {.name = "offset", .type = TL_T_INT, .def = 0, .min = 0, .max = 1e15, .unit = "bytes", .doc = "raw files: header bytes to skip"},
    {.name = "voxel_um", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "µm",
     .doc = "voxel size {z, y, x} (or one number) overriding what the file says"},
    {0},
};
static const tl_ret load_ret[] = {{.name = "volume", .type = TL_T_VOLUME, .doc = "the (cropped) volume; a 2-D file gives nz = 1"}, {0}};

enum { S_VOL, S_PATH, S_DATASET, S_COMPRESSION, S_COLORMAP, S_RANGE, S_BYTEORDER };

static int run_save(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_io_save_opts o = {0};
    o.dataset = a[S_DATASET].u.str;
    o.compression = (int)a[S_COMPRESSION].u.i;
    o.colormap = a[S_COLORMAP].set ? a[S_COLORMAP].u.str : NULL;
    if (a[S_RANGE].set) {
        if (a[S_RANGE].u.nums.n != 2)
            return tl_err(err, "save: argument 'range' must be {lo, hi} (got %zu numbers)", a[S_RANGE].u.nums.n);
        o.has_range = 1;
        o.range[0] = a[S_RANGE].u.nums.v[0];
        o.range[1] = a[S_RANGE].u.nums.v[1];
    }
    o.big_endian = strcmp(a[S_BYTEORDER].u.str, "big") == 0;
    if (tl_io_save(a[S_VOL].u.vol, a[S_PATH].u.str, &o, err)) return -1;
    return tl_rec_string(out, "path", a[S_PATH].u.str);
}

static const tl_arg save_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "volume or 2D map to write"},
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED,
     .doc = "output file (.h5 .tif .npy .raw .png) or a folder ending in '/' for TIFF slices; replaced atomically"},
    {.name = "dataset", .type = TL_T_STRING, .def_str = "/volume", .doc = "HDF5 dataset to write (parent groups are created)"},
    {.name = "compression", .type = TL_T_INT, .def = 0, .min = 0, .max = 9, .doc = "deflate level for HDF5 and TIFF; 0 = none"},
    {.name = "colormap", .type = TL_T_CHOICE, .flags = TL_OPTIONAL, .choices = "gray viridis",
     .doc = "PNG: map values through this colormap (needs range); default gray when range is given"},
    {.name = "range", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .doc = "PNG: values {lo, hi} mapped to the ends of the colormap (in the map's unit)"},
    {.name = "byteorder", .type = TL_T_CHOICE, .def_str = "little", .choices = "little big", .doc = "TIFF, npy, raw: byte order written"},
    {0},
};
static const tl_ret save_ret[] = {{.name = "path", .type = TL_T_STRING, .doc = "the path written"}, {0}};

static int run_provenance(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_record *r = tl_io_provenance(a[0].u.str, err);
    if (!r) return -1;
    /* move each field into out: add a slot with the public adder, then
     * hand the value over (the record keeps no reference to it) */
    for (size_t i = 0; i < r->n; i++) {
        if (tl_rec_bool(out, r->names[i], 0)) { tl_record_free(r); return tl_err(err, "provenance: out of memory"); }
        out->vals[out->n - 1] = r->vals[i];
        memset(&r->vals[i], 0, sizeof r->vals[i]);
    }
    tl_record_free(r);
    return 0;
}

static const tl_arg prov_args[] = {
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "a file (or folder of slices) tomolith wrote"},
    {0},
};
static const tl_ret prov_ret[] = {
    {.name = "version", .type = TL_T_STRING, .doc = "tomolith version that wrote the file"},
    {.name = "created_utc", .type = TL_T_STRING, .doc = "when, ISO 8601 UTC"},
    {.name = "recipe", .type = TL_T_RECORD, .doc = "{path, text} of the recipe that ran"},
    {.name = "parameters", .type = TL_T_RECORD, .doc = "recipe parameters {name = value}"},
    {.name = "inputs", .type = TL_T_RECORD, .doc = "input files {{path, sha256}, ...}"},
    {.name = "voxel_um", .type = TL_T_NUMBERS, .unit = "µm", .doc = "voxel size {z, y, x} when the file records it"},
    {0},
};

const tl_op tl_ops_io[] = {
    {.name = "load", .group = "io", .summary = "Read a volume or map (HDF5, TIFF, npy, raw, PNG), optionally a crop",
     .doc = "The format follows the extension; a folder is a stack of TIFF slices in natural name order. "
            "Crops are read from the file, never the whole array (HDF5 hyperslabs, TIFF pages and strips, "
            "npy/raw by seeking). 2-D files give maps (nz = 1). i8/i16 load as i32, u32 as i32 when every value "
            "fits, bool as u8; 64-bit integers, complex and strings are refused. The voxel size comes from the "
            "HDF5 attribute voxel_um, the TIFF description/resolution, or a tomolith sidecar; otherwise 1 µm. "
            "The file is recorded as a provenance input. See docs/io.md.",
     .args = load_args, .rets = load_ret,
     .example = "v = tl.load(\"scan.h5\", {dataset = \"/exchange/data\", z = {100, 180}})",
     .run = run_load},
    {.name = "save", .group = "io", .summary = "Write a volume or map (HDF5, TIFF, npy, raw, PNG) atomically with provenance",
     .doc = "The format follows the extension; a path ending in '/' (or an existing folder) gets one TIFF per "
            "slice. The file is written under a temporary name and renamed when complete, so a failure leaves "
            "no partial file. Provenance (version, recipe, parameters, inputs with SHA-256, UTC time) and the "
            "voxel size go in the HDF5 attributes, the TIFF ImageDescription or the PNG text, or a sidecar "
            "<file>.provenance.json for npy and raw. PNG holds 2D maps: u8/u16 grey as is, or any dtype "
            "through a colormap over range. See docs/io.md.",
     .args = save_args, .rets = save_ret,
     .example = "vol:save(\"out.h5\"); tl.save(map, \"contact.png\", {colormap = \"viridis\", range = {0, 1}})",
     .run = run_save, .flags = TL_OP_METHOD},
    {.name = "provenance", .group = "io", .summary = "Read back the provenance recorded in a file tomolith wrote",
     .doc = "Looks for a sidecar <file>.provenance.json, then the HDF5 root attribute tomolith_provenance, "
            "the TIFF ImageDescription (first slice of a folder) or the PNG text chunk.",
     .args = prov_args, .rets = prov_ret,
     .example = "p = tl.provenance(\"out.h5\"); print(p.created_utc, p.inputs[1].path)",
     .run = run_provenance},
    {0},
};
