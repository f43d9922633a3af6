/* results_h5.c — records <-> HDF5 groups. */
#include "results_h5.h"

#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "h5util.h"
#include "provenance.h"

static int write_record(hid_t g, const tl_record *r, const char *where, tl_error *err);

/* A 1-D dataset of n elements of type t (an empty one has a null space). */
static int write_1d(hid_t g, const char *name, hid_t t, const void *data, size_t n, tl_error *err)
{
    hsize_t dim = n;
    hid_t sp = n ? H5Screate_simple(1, &dim, NULL) : H5Screate(H5S_NULL);
    hid_t d = H5Dcreate2(g, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = d < 0 ? -1 : (n ? H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0);
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    return st < 0 ? tl_err(err, "cannot write dataset '%s'", name) : 0;
}

static int write_volume(hid_t g, const char *name, const tl_volume *v, tl_error *err)
{
    hsize_t dims[3] = {v->nz, v->ny, v->nx};
    int rank = 3;
    if (v->nz == 1) { rank = 2; dims[0] = v->ny; dims[1] = v->nx; }
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (tl_vol_bytes(v) > (1u << 20)) { /* chunk + compress large maps and volumes */
        hsize_t chunk[3] = {1, v->ny, v->nx};
        if (rank == 2) { chunk[0] = v->ny; chunk[1] = v->nx; }
        H5Pset_chunk(dcpl, rank, chunk);
        H5Pset_deflate(dcpl, 4);
    }
    hid_t d = H5Dcreate2(g, name, tl_h5_type(v->dtype), sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    if (d < 0) return tl_err(err, "cannot create dataset '%s'", name);
    herr_t st = H5Dwrite(d, tl_h5_type(v->dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, v->data);
    int rc = st < 0 ? tl_err(err, "cannot write dataset '%s'", name) : 0;
    if (!rc) rc = tl_h5_attr_doubles(d, "voxel_um", v->voxel_um, 3, err);
    for (size_t i = 0; !rc && i < v->nmeta; i++) rc = tl_h5_attr_string(d, v->meta[i].key, v->meta[i].value, err);
    H5Dclose(d);
    return rc;
}

static int write_strings(hid_t g, const char *name, char *const *s, size_t n, tl_error *err)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    int rc = write_1d(g, name, t, s, n, err);
    H5Tclose(t);
    return rc;
}

static int write_scalar_attr(hid_t g, const char *name, const tl_value *v, tl_error *err)
{
    double x = v->type == TL_T_NUMBER ? v->u.num : v->type == TL_T_INT ? (double)v->u.i : (double)v->u.b;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t mt = v->type == TL_T_INT ? H5T_NATIVE_LLONG : v->type == TL_T_BOOL ? H5T_NATIVE_INT8 : H5T_NATIVE_DOUBLE;
    if (H5Aexists(g, name) > 0) H5Adelete(g, name);
    hid_t a = H5Acreate2(g, name, mt, sp, H5P_DEFAULT, H5P_DEFAULT);
    long long ix = v->type == TL_T_INT ? v->u.i : 0;
    signed char bx = (signed char)(v->type == TL_T_BOOL ? v->u.b : 0);
    herr_t st = a < 0 ? -1 : H5Awrite(a, mt, v->type == TL_T_INT ? (void *)&ix : v->type == TL_T_BOOL ? (void *)&bx : (void *)&x);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return st < 0 ? tl_err(err, "cannot write attribute '%s'", name) : 0;
}

static int write_record(hid_t g, const tl_record *r, const char *where, tl_error *err)
{
    for (size_t i = 0; i < r->n; i++) {
        const char *name = r->names[i];
        const tl_value *v = &r->vals[i];
        if (strchr(name, '/') || !name[0])
            return tl_err(err, "result name '%s' in %s cannot be an HDF5 name (no '/' or empty names)", name, where);
        int rc = 0;
        switch (v->type) {
        case TL_T_VOLUME: rc = write_volume(g, name, v->u.vol, err); break;
        case TL_T_NUMBERS: rc = write_1d(g, name, H5T_NATIVE_DOUBLE, v->u.nums.v, v->u.nums.n, err); break;
        case TL_T_STRINGS: rc = write_strings(g, name, v->u.strs.v, v->u.strs.n, err); break;
        case TL_T_NUMBER: case TL_T_INT: case TL_T_BOOL: rc = write_scalar_attr(g, name, v, err); break;
        case TL_T_STRING: case TL_T_CHOICE: rc = tl_h5_attr_string(g, name, v->u.str, err); break;
        case TL_T_RECORD: {
            hid_t sub = H5Gcreate2(g, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (sub < 0) return tl_err(err, "cannot create group '%s' in %s", name, where);
            char w[512];
            snprintf(w, sizeof w, "%s/%s", strcmp(where, "/") ? where : "", name);
            rc = write_record(sub, v->u.rec, w, err);
            H5Gclose(sub);
            break;
        }
        default:
            return tl_err(err, "result '%s' in %s is a %s, which a results file cannot hold", name, where,
                          tl_type_name(v->type));
        }
        if (rc) return tl_err_prefix(err, "%s: ", where);
    }
    return 0;
}

int tl_results_save(const char *path, const tl_record *rec, tl_error *err)
{
    tl_h5_quiet();
    char tmp[4200];
    if (tl_atomic_tmpname(path, tmp, sizeof tmp, err)) return -1;
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) return tl_err(err, "cannot create '%s'", path);
    int rc = write_record(f, rec, "/", err);
    if (!rc && tl_h5_write_provenance(f, NULL, err)) rc = tl_err(err, "cannot write the provenance attribute");
    if (H5Fclose(f) < 0 && !rc) rc = tl_err(err, "closing '%s' failed (disk full?)", path);
    if (rc) { tl_atomic_abort(tmp); return tl_err_prefix(err, "writing '%s': ", path); }
    return tl_atomic_commit(tmp, path, err);
}

/* ---- reading ---- */

typedef struct { tl_record *r; const char *path; tl_error *err; int rc; } walk_ctx;

static herr_t read_attr(hid_t obj, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    walk_ctx *c = data;
    if (c->rc || !strcmp(name, "tomolith_provenance")) return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    hid_t sp = H5Aget_space(a);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    H5T_class_t cls = H5Tget_class(t);
    if (cls == H5T_STRING && n == 1) {
        char *s = tl_h5_attr_read_string(a);
        if (s) tl_rec_string(c->r, name, s);
        free(s);
    } else if (cls == H5T_INTEGER && n == 1) {
        long long x = 0;
        H5Aread(a, H5T_NATIVE_LLONG, &x);
        if (H5Tget_size(t) == 1) tl_rec_bool(c->r, name, x != 0);
        else tl_rec_int(c->r, name, x);
    } else if (cls == H5T_FLOAT && n >= 1 && n <= 1 << 20) {
        double *x = malloc((size_t)n * sizeof *x);
        if (x && H5Aread(a, H5T_NATIVE_DOUBLE, x) >= 0) {
            if (n == 1) tl_rec_number(c->r, name, x[0]);
            else tl_rec_numbers(c->r, name, x, (size_t)n);
        }
        free(x);
    }
    H5Sclose(sp);
    H5Tclose(t);
    H5Aclose(a);
    return 0;
}

static tl_record *read_group(hid_t g, const char *path, tl_error *err);

static herr_t read_link(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    walk_ctx *c = data;
    if (c->rc) return 1;
    H5O_info_t oi;
    if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0) return 0;
    if (oi.type == H5O_TYPE_GROUP) {
        hid_t sub = H5Gopen2(g, name, H5P_DEFAULT);
        tl_record *r = read_group(sub, c->path, c->err);
        H5Gclose(sub);
        if (!r) { c->rc = -1; return 1; }
        tl_rec_record(c->r, name, r);
        return 0;
    }
    if (oi.type != H5O_TYPE_DATASET) return 0;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[3] = {1, 1, 1};
    if (rank >= 1 && rank <= 3) H5Sget_simple_extent_dims(sp, dims, NULL);
    hid_t t = H5Dget_type(d);
    if (H5Tget_class(t) == H5T_STRING && rank == 1) {
        char **s = calloc(dims[0] ? dims[0] : 1, sizeof *s);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t)); /* HDF5 does not convert between character sets */
        if (s && H5Tis_variable_str(t) && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) >= 0) {
            tl_rec_strings(c->r, name, (const char *const *)s, dims[0]);
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, s);
        }
        free(s);
        H5Tclose(mt);
    } else if (H5Sget_simple_extent_type(sp) == H5S_NULL) {
        tl_rec_numbers(c->r, name, NULL, 0);
    } else if (rank == 1) {
        double *x = malloc(dims[0] * sizeof *x);
        if (x && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) >= 0)
            tl_rec_numbers(c->r, name, x, dims[0]);
        free(x);
    } else if (rank == 2 || rank == 3) {
        tl_dtype dt;
        if (tl_h5_dtype_of(t, &dt, c->path, name, c->err)) c->rc = -1;
        else {
            tl_volume *v = rank == 2 ? tl_vol_new(dt, 1, dims[0], dims[1], c->err) : tl_vol_new(dt, dims[0], dims[1], dims[2], c->err);
            if (!v) c->rc = -1;
            else if (H5Dread(d, tl_h5_type(dt), H5S_ALL, H5S_ALL, H5P_DEFAULT, v->data) < 0) {
                tl_vol_unref(v);
                c->rc = tl_err(c->err, "'%s': cannot read dataset '%s'", c->path, name);
            } else {
                tl_h5_read_voxel(d, v);
                tl_rec_volume(c->r, name, v);
            }
        }
    }
    H5Tclose(t);
    H5Sclose(sp);
    H5Dclose(d);
    return c->rc ? 1 : 0;
}

static tl_record *read_group(hid_t g, const char *path, tl_error *err)
{
    tl_record *r = tl_record_new();
    if (!r) { tl_err(err, "out of memory"); return NULL; }
    walk_ctx c = {r, path, err, 0};
    hsize_t idx = 0;
    H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, &idx, read_attr, &c);
    idx = 0;
    H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, read_link, &c);
    if (c.rc) { tl_record_free(r); return NULL; }
    return r;
}

tl_record *tl_results_load(const char *path, tl_error *err)
{
    tl_h5_quiet();
    FILE *probe = fopen(path, "rb");
    if (!probe) { tl_err(err, "cannot open '%s': no such file or not readable", path); return NULL; }
    fclose(probe);
    if (H5Fis_hdf5(path) <= 0) { tl_err(err, "'%s' is not an HDF5 file (or it is corrupt)", path); return NULL; }
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) { tl_err(err, "cannot open HDF5 file '%s'", path); return NULL; }
    tl_record *r = read_group(f, path, err);
    H5Fclose(f);
    if (r) tl_prov_add_input(path);
    return r;
}
