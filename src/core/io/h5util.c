/* h5util.c — HDF5 conveniences. */
#include "h5util.h"
#include "io_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tl_h5_quiet(void)
{
    static atomic_int done;
    if (!atomic_exchange(&done, 1)) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

hid_t tl_h5_type(tl_dtype dt)
{
    switch (dt) {
    case TL_U8: return H5T_NATIVE_UINT8;
    case TL_U16: return H5T_NATIVE_UINT16;
    case TL_I32: return H5T_NATIVE_INT32;
    case TL_F32: return H5T_NATIVE_FLOAT;
    case TL_F64: return H5T_NATIVE_DOUBLE;
    default: return -1;
    }
}

int tl_h5_dtype_of(hid_t type, tl_dtype *dt, const char *file, const char *dataset, tl_error *err)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    if (cls == H5T_FLOAT) {
        if (size == 4) { *dt = TL_F32; return 0; }
        if (size == 8) { *dt = TL_F64; return 0; }
    } else if (cls == H5T_INTEGER) {
        H5T_sign_t sign = H5Tget_sign(type);
        /* signed integers up to 32 bits widen exactly to i32 */
        if (size == 1 && sign == H5T_SGN_NONE) { *dt = TL_U8; return 0; }
        if (size == 2 && sign == H5T_SGN_NONE) { *dt = TL_U16; return 0; }
        if (size <= 4 && sign == H5T_SGN_2) { *dt = TL_I32; return 0; }
    }
    return tl_err(err, "'%s': dataset '%s' has an unsupported type (%s of %zu bytes); tomolith reads "
                  "u8, u16, i8/i16/i32 (as i32), f32 and f64", file, dataset,
                  cls == H5T_INTEGER ? "integer" : cls == H5T_FLOAT ? "float" : cls == H5T_STRING ? "string"
                  : cls == H5T_COMPOUND ? "compound" : "non-numeric", size);
}

int tl_h5_exists(hid_t file, const char *path)
{
    char buf[1024];
    if (strlen(path) >= sizeof buf) return 0;
    strcpy(buf, path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (H5Lexists(file, buf, H5P_DEFAULT) <= 0) return 0;
            if (c == 0) return 1;
            *p = c;
        }
    }
}

int tl_h5_attr_string(hid_t obj, const char *name, const char *value, tl_error *err)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, strlen(value) + 1);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hid_t space = H5Screate(H5S_SCALAR);
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = a < 0 ? -1 : H5Awrite(a, type, value);
    if (a >= 0) H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
    return st < 0 ? tl_err(err, "cannot write attribute '%s'", name) : 0;
}

char *tl_h5_attr_read_string(hid_t attr)
{
    hid_t t = H5Aget_type(attr);
    if (t < 0) return NULL;
    char *out = NULL;
    if (H5Tget_class(t) == H5T_STRING) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (H5Tis_variable_str(t) > 0) {
            char *vs = NULL;
            H5Tset_size(mt, H5T_VARIABLE);
            if (H5Aread(attr, mt, &vs) >= 0 && vs) { out = strdup(vs); H5free_memory(vs); }
        } else {
            size_t sz = H5Tget_size(t);
            H5Tset_size(mt, sz + 1);
            out = calloc(1, sz + 1);
            if (out && H5Aread(attr, mt, out) < 0) { free(out); out = NULL; }
        }
        H5Tclose(mt);
    }
    H5Tclose(t);
    return out;
}

int tl_h5_attr_doubles(hid_t obj, const char *name, const double *v, size_t n, tl_error *err)
{
    hsize_t dim = n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_DOUBLE, v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(space);
    return st < 0 ? tl_err(err, "cannot write attribute '%s'", name) : 0;
}

void tl_h5_read_voxel(hid_t d, tl_volume *v)
{
    if (H5Aexists(d, "voxel_um") <= 0) return;
    hid_t a = H5Aopen(d, "voxel_um", H5P_DEFAULT);
    if (a < 0) return;
    hid_t s = H5Aget_space(a);
    double vox[3];
    if (H5Sget_simple_extent_npoints(s) == 3 && H5Aread(a, H5T_NATIVE_DOUBLE, vox) >= 0 &&
        vox[0] > 0 && vox[1] > 0 && vox[2] > 0)
        tl_vol_set_voxel(v, vox[0], vox[1], vox[2]);
    H5Sclose(s);
    H5Aclose(a);
}

int tl_h5_write_provenance(hid_t file, const double voxel_um[3], tl_error *err)
{
    char *json = tl_io_prov_json(voxel_um, NULL, err);
    if (!json) return -1;
    int rc = tl_h5_attr_string(file, "tomolith_provenance", json, err);
    free(json);
    return rc;
}
