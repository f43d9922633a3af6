/* h5_volume.c — volumes in HDF5 files.
 *
 * Reading selects the crop as a hyperslab of the file dataspace, so only
 * the requested slices, rows and columns are read (in blocks of z-slices,
 * so Ctrl-C and progress work on large crops). HDF5 converts byte order
 * and widens i8/i16 to i32 itself. HDF5's own error stack printing is
 * switched off: every failure becomes one message naming file and dataset.
 * Writing creates "<dir>/.<name>.tmp-..." and renames it on success; the
 * dataset gets the attribute voxel_um (3 doubles, z y x) and the root
 * group the attribute tomolith_provenance (JSON). */
#include <errno.h>
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "h5_writer.h"
#include "h5util.h"
#include "io_internal.h"
#include "provenance.h"

typedef struct { char list[600]; int count; char only[512]; int nvol; } visit_acc;

static herr_t visit_cb(hid_t obj, const char *name, const H5O_info_t *info, void *data)
{
    visit_acc *a = data;
    if (info->type != H5O_TYPE_DATASET) return 0;
    hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
    if (d < 0) return 0;
    hid_t s = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(s);
    hsize_t dims[8] = {0};
    if (rank > 0 && rank <= 8) H5Sget_simple_extent_dims(s, dims, NULL);
    H5Sclose(s);
    H5Dclose(d);
    char item[160];
    if (rank == 3) snprintf(item, sizeof item, "/%s (%llu, %llu, %llu)", name, (unsigned long long)dims[0],
                            (unsigned long long)dims[1], (unsigned long long)dims[2]);
    else if (rank == 2) snprintf(item, sizeof item, "/%s (%llu, %llu)", name, (unsigned long long)dims[0], (unsigned long long)dims[1]);
    else snprintf(item, sizeof item, "/%s (%d-D)", name, rank);
    if (rank == 2 || rank == 3) {
        if (a->nvol++ == 0) snprintf(a->only, sizeof a->only, "/%s", name);
    }
    size_t used = strlen(a->list);
    if (a->count < 8 && used + strlen(item) + 3 < sizeof a->list)
        snprintf(a->list + used, sizeof a->list - used, "%s%s", a->count ? ", " : "", item);
    else if (a->count == 8 && used + 6 < sizeof a->list)
        strcat(a->list, ", ...");
    a->count++;
    return 0;
}

static void list_datasets(hid_t file, visit_acc *a)
{
    memset(a, 0, sizeof *a);
    H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_NATIVE, visit_cb, a, H5O_INFO_BASIC);
}

/* The file's element type, or an error naming what it is. */
static int h5_elem(hid_t type, const char *path, const char *ds, tl_elem *e, tl_error *err)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    if (cls == H5T_INTEGER) {
        int sgn = H5Tget_sign(type) == H5T_SGN_2;
        if (size == 1) { *e = sgn ? TL_E_I8 : TL_E_U8; return 0; }
        if (size == 2) { *e = sgn ? TL_E_I16 : TL_E_U16; return 0; }
        if (size == 4) { *e = sgn ? TL_E_I32 : TL_E_U32; return 0; }
        return tl_err(err, "load: dataset '%s' in '%s' holds %zu-bit %s integers, which tomolith does not load "
                           "(u8 i8 u16 i16 u32 i32 f32 f64 are supported)", ds, path, 8 * size, sgn ? "signed" : "unsigned");
    }
    if (cls == H5T_FLOAT) {
        if (size == 4) { *e = TL_E_F32; return 0; }
        if (size == 8) { *e = TL_E_F64; return 0; }
        return tl_err(err, "load: dataset '%s' in '%s' holds %zu-bit floats; tomolith loads 32- and 64-bit floats", ds, path, 8 * size);
    }
    const char *what = cls == H5T_STRING ? "strings" : cls == H5T_COMPOUND ? "compound records (complex numbers?)"
                     : cls == H5T_ENUM ? "enums" : cls == H5T_ARRAY ? "array elements" : cls == H5T_VLEN ? "variable-length data"
                     : cls == H5T_OPAQUE ? "opaque bytes" : cls == H5T_REFERENCE ? "references" : "an unknown type";
    return tl_err(err, "load: dataset '%s' in '%s' holds %s, not numbers tomolith can load "
                       "(u8 i8 u16 i16 u32 i32 f32 f64)", ds, path, what);
}

static hid_t open_file(const char *path, tl_error *err)
{
    tl_h5_quiet();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) tl_err(err, "load: '%s' is not a readable HDF5 file (not HDF5, or damaged/truncated)", path);
    return f;
}

/* Read [lo, hi) of a rank-2 or rank-3 dataset into v, by z-blocks. */
static int read_slab(hid_t d, int rank, tl_elem e, const size_t lo[3], const size_t hi[3], tl_volume *v,
                     const char *path, const char *ds, tl_error *err)
{
    hid_t fs = H5Dget_space(d);
    size_t es = tl_dtype_size(v->dtype), plane = v->ny * v->nx;
    size_t bz = plane ? (size_t)(64u << 20) / (plane * es) : 1;
    if (bz < 1) bz = 1;
    uint32_t *u32 = NULL;
    int rc = 0;
    if (e == TL_E_U32 && !(u32 = malloc((bz < v->nz ? bz : v->nz) * plane * 4)))
        rc = tl_err(err, "load '%s': out of memory", path);
    for (size_t z = lo[0]; z < hi[0] && rc == 0; z += bz) {
        size_t nz = hi[0] - z < bz ? hi[0] - z : bz;
        hsize_t start[3], count[3];
        int k = 0;
        if (rank == 3) { start[k] = z; count[k++] = nz; }
        start[k] = lo[1]; count[k++] = hi[1] - lo[1];
        start[k] = lo[2]; count[k++] = hi[2] - lo[2];
        /* memory space of the same shape as the selection: HDF5 copies
         * whole rows then, rather than element by element */
        hid_t ms = H5Screate_simple(k, count, NULL);
        void *dst = (char *)v->data + (z - lo[0]) * plane * es;
        herr_t st = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
        if (st >= 0) st = H5Dread(d, u32 ? H5T_NATIVE_UINT32 : tl_h5_type(v->dtype), ms, fs, H5P_DEFAULT, u32 ? (void *)u32 : dst);
        H5Sclose(ms);
        if (st < 0) {
            rc = tl_err(err, "load: reading slices %zu..%zu of dataset '%s' in '%s' failed (file damaged or truncated?)",
                        z + 1, z + nz, ds, path);
            break;
        }
        if (u32 && tl_elem_convert(u32, TL_E_U32, 0, nz * plane, dst, TL_I32)) {
            rc = tl_err(err, "load: dataset '%s' in '%s' holds u32 values above 2147483647, which do not fit i32", ds, path);
            break;
        }
        tl_progress("load", z + nz - lo[0], hi[0] - lo[0]);
        if (tl_check_interrupt(err)) { rc = -1; break; }
    }
    free(u32);
    H5Sclose(fs);
    return rc;
}

tl_volume *tl_h5_load(const char *path, const tl_io_load_opts *o, tl_error *err)
{
    if (tl_io_check_file(path, err)) return NULL;
    hid_t f = open_file(path, err);
    if (f < 0) return NULL;
    tl_volume *v = NULL;
    hid_t d = -1, type = -1, space = -1;
    char ds[1024];
    visit_acc acc;
    const char *want = o ? o->dataset : NULL;
    if (want && want[0]) {
        snprintf(ds, sizeof ds, "%s%s", want[0] == '/' ? "" : "/", want);
        if (!tl_h5_exists(f, ds)) {
            list_datasets(f, &acc);
            tl_err(err, "load: dataset '%s' not found in '%s' (it holds: %s)", ds, path, acc.count ? acc.list : "no datasets");
            goto done;
        }
    } else if (tl_h5_exists(f, "/volume")) strcpy(ds, "/volume");
    else if (tl_h5_exists(f, "/exchange/data")) strcpy(ds, "/exchange/data");
    else {
        list_datasets(f, &acc);
        if (acc.nvol != 1) {
            tl_err(err, "load: '%s' has %s; say which with dataset= (it holds: %s)", path,
                   acc.nvol ? "several 2-D/3-D datasets" : "no 2-D or 3-D dataset", acc.count ? acc.list : "no datasets");
            goto done;
        }
        snprintf(ds, sizeof ds, "%s", acc.only);
    }
    H5O_info_t info;
    if (H5Oget_info_by_name2(f, ds, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0 || info.type != H5O_TYPE_DATASET) {
        tl_err(err, "load: '%s' in '%s' is a group, not a dataset", ds, path);
        goto done;
    }
    d = H5Dopen2(f, ds, H5P_DEFAULT);
    if (d < 0) { tl_err(err, "load: cannot open dataset '%s' in '%s' (damaged file?)", ds, path); goto done; }
    type = H5Dget_type(d);
    space = H5Dget_space(d);
    tl_elem e = TL_E_U8;
    if (h5_elem(type, path, ds, &e, err)) goto done;
    int rank = H5Sget_simple_extent_ndims(space);
    hsize_t dims[H5S_MAX_RANK];
    if (rank > 0) H5Sget_simple_extent_dims(space, dims, NULL);
    if (rank != 2 && rank != 3) {
        char s[200] = "";
        for (int i = 0; i < rank && i < 6; i++)
            snprintf(s + strlen(s), sizeof s - strlen(s), "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
        tl_err(err, "load: dataset '%s' in '%s' is %d-D (%s%s); tomolith loads 2-D maps (ny, nx) and 3-D volumes (nz, ny, nx)",
               ds, path, rank, s, rank == 1 ? "," : "");
        goto done;
    }
    size_t shape[3] = {1, 1, 1};
    for (int i = 0; i < rank; i++) shape[3 - rank + i] = (size_t)dims[i];
    if (!shape[0] || !shape[1] || !shape[2]) {
        tl_err(err, "load: dataset '%s' in '%s' has an empty axis: shape (%zu, %zu, %zu)", ds, path, shape[0], shape[1], shape[2]);
        goto done;
    }
    size_t lo[3], hi[3];
    if (tl_io_resolve_crops(o ? o->crop : NULL, shape, path, ds, lo, hi, err)) goto done;
    v = tl_vol_new(tl_elem_dtype(e), hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], err);
    if (!v) { tl_err_prefix(err, "load: dataset '%s' in '%s': ", ds, path); goto done; }
    if (read_slab(d, rank, e, lo, hi, v, path, ds, err)) { tl_vol_unref(v); v = NULL; goto done; }
    tl_h5_read_voxel(d, v);
    tl_vol_meta_set(v, "source", path, NULL);
    tl_vol_meta_set(v, "dataset", ds, NULL);
done:
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    if (d >= 0) H5Dclose(d);
    H5Fclose(f);
    return v;
}

/* A whole volume in one go: the block writer with one block (same
 * chunking, provenance with the voxel size, atomic rename). */
int tl_h5_save(const tl_volume *v, const char *path, const tl_io_save_opts *o, tl_error *err)
{
    char ds[1024];
    const char *want = o && o->dataset && o->dataset[0] ? o->dataset : "/volume";
    snprintf(ds, sizeof ds, "%s%s", want[0] == '/' ? "" : "/", want);
    if (strcmp(ds, "/") == 0 || ds[strlen(ds) - 1] == '/')
        return tl_err(err, "save: dataset name '%s' for '%s' must name a dataset, not a group", want, path);
    if (tl_io_check_target(path, err)) return tl_err_prefix(err, "save: ");
    tl_h5_writer *w = tl_h5_writer_open_deflate(path, ds, v->dtype, v->nz, v->ny, v->nx, v->voxel_um,
                                                o ? o->compression : 0, err);
    if (!w) return tl_err_prefix(err, "save: ");
    if (tl_h5_writer_put(w, 0, v, err)) {
        tl_h5_writer_abort(w);
        return tl_err_prefix(err, "save: ");
    }
    return tl_h5_writer_close(w, err) ? tl_err_prefix(err, "save: ") : 0;
}

char *tl_h5_read_provenance(const char *path, tl_error *err)
{
    if (tl_io_check_file(path, err)) return NULL;
    hid_t f = open_file(path, err);
    if (f < 0) return NULL;
    char *text = NULL;
    if (H5Aexists(f, "tomolith_provenance") <= 0) {
        tl_err(err, "provenance: '%s' has no attribute 'tomolith_provenance' on its root group (not written by tomolith?)", path);
        H5Fclose(f);
        return NULL;
    }
    hid_t a = H5Aopen(f, "tomolith_provenance", H5P_DEFAULT);
    if (a >= 0) {
        text = tl_h5_attr_read_string(a);
        H5Aclose(a);
    }
    H5Fclose(f);
    if (!text) tl_err(err, "provenance: cannot read attribute 'tomolith_provenance' of '%s'", path);
    return text;
}
