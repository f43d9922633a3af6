/* dxchange.c — APS Data Exchange files, read lazily by detector rows. */
#include "dxchange.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "h5util.h"
#include "provenance.h"

struct tl_dxchange {
    tl_dxchange_info info;
    hid_t file;
    double *theta;
};

static const char *const dataset_of[3] = {"/exchange/data", "/exchange/data_white", "/exchange/data_dark"};

/* Shape of a 3-D dataset, or 0 with *present = 0 when absent. */
static int shape3(hid_t f, const char *path, const char *dset, hsize_t dims[3], int *present, tl_error *err)
{
    *present = tl_h5_exists(f, dset);
    if (!*present) return 0;
    hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
    if (d < 0) return tl_err(err, "'%s': cannot open dataset '%s'", path, dset);
    hid_t s = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(s);
    int rc = 0;
    if (rank != 3) rc = tl_err(err, "'%s': dataset '%s' has rank %d; Data Exchange projections are 3-D (theta, y, x)",
                               path, dset, rank);
    else H5Sget_simple_extent_dims(s, dims, NULL);
    H5Sclose(s);
    H5Dclose(d);
    return rc;
}

/* Pixel size in µm from /measurement/instrument/detector/pixel_size, using
 * its "units" attribute when present; values below 1e-3 without a unit are
 * taken as metres (some writers store SI). 0 when absent. */
static double read_pixel_um(hid_t f)
{
    const char *p = "/measurement/instrument/detector/pixel_size";
    if (!tl_h5_exists(f, p)) return 0;
    hid_t d = H5Dopen2(f, p, H5P_DEFAULT);
    if (d < 0) return 0;
    double v = 0;
    hid_t s = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(s);
    H5Sclose(s);
    if (n >= 1) {
        double buf[8];
        if (n <= 8 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0) v = buf[0];
    }
    char unit[32] = "";
    if (H5Aexists(d, "units") > 0) {
        hid_t a = H5Aopen(d, "units", H5P_DEFAULT);
        hid_t t = H5Aget_type(a);
        if (H5Tget_class(t) == H5T_STRING && !H5Tis_variable_str(t) && H5Tget_size(t) < sizeof unit) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, sizeof unit);
            H5Aread(a, mt, unit);
            H5Tclose(mt);
        }
        H5Tclose(t);
        H5Aclose(a);
    }
    H5Dclose(d);
    if (!(v > 0) || !isfinite(v)) return 0;
    if (!strcasecmp(unit, "m")) return v * 1e6;
    if (!strcasecmp(unit, "mm")) return v * 1e3;
    if (!strcasecmp(unit, "nm")) return v * 1e-3;
    if (!unit[0] && v < 1e-3) return v * 1e6;
    return v;
}

tl_dxchange *tl_dxchange_open(const char *path, tl_error *err)
{
    tl_h5_quiet();
    FILE *probe = fopen(path, "rb");
    if (!probe) { tl_err(err, "cannot open '%s': no such file or not readable", path); return NULL; }
    fclose(probe);
    if (H5Fis_hdf5(path) <= 0) {
        tl_err(err, "'%s' is not an HDF5 file (or it is corrupt)", path);
        return NULL;
    }
    tl_dxchange *d = calloc(1, sizeof *d);
    if (!d) { tl_err(err, "out of memory"); return NULL; }
    snprintf(d->info.path, sizeof d->info.path, "%s", path);
    d->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (d->file < 0) { tl_err(err, "cannot open HDF5 file '%s'", path); free(d); return NULL; }
    hsize_t dims[3] = {0, 0, 0}, wd[3] = {0, 0, 0}, dk[3] = {0, 0, 0};
    int has_data, has_white, has_dark;
    if (shape3(d->file, path, dataset_of[0], dims, &has_data, err)) goto fail;
    if (!has_data) { tl_err(err, "'%s' has no dataset '/exchange/data': not a Data Exchange scan", path); goto fail; }
    if (shape3(d->file, path, dataset_of[1], wd, &has_white, err)) goto fail;
    if (shape3(d->file, path, dataset_of[2], dk, &has_dark, err)) goto fail;
    if ((has_white && (wd[1] != dims[1] || wd[2] != dims[2])) || (has_dark && (dk[1] != dims[1] || dk[2] != dims[2]))) {
        tl_err(err, "'%s': flats (%llu x %llu) or darks (%llu x %llu) do not match projections' detector (%llu x %llu)",
               path, (unsigned long long)wd[1], (unsigned long long)wd[2], (unsigned long long)dk[1],
               (unsigned long long)dk[2], (unsigned long long)dims[1], (unsigned long long)dims[2]);
        goto fail;
    }
    d->info.n_angles = dims[0]; d->info.n_rows = dims[1]; d->info.n_cols = dims[2];
    d->info.n_flat = has_white ? wd[0] : 0;
    d->info.n_dark = has_dark ? dk[0] : 0;
    {
        hid_t ds = H5Dopen2(d->file, dataset_of[0], H5P_DEFAULT);
        hid_t t = H5Dget_type(ds);
        int rc = tl_h5_dtype_of(t, &d->info.dtype, path, dataset_of[0], err);
        H5Tclose(t);
        H5Dclose(ds);
        if (rc) goto fail;
    }
    d->theta = malloc(d->info.n_angles * sizeof *d->theta);
    if (!d->theta) { tl_err(err, "out of memory"); goto fail; }
    if (tl_h5_exists(d->file, "/exchange/theta")) {
        hid_t ds = H5Dopen2(d->file, "/exchange/theta", H5P_DEFAULT);
        hid_t s = H5Dget_space(ds);
        hssize_t n = H5Sget_simple_extent_npoints(s);
        H5Sclose(s);
        herr_t st = -1;
        if (n == (hssize_t)d->info.n_angles)
            st = H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d->theta);
        H5Dclose(ds);
        if (n != (hssize_t)d->info.n_angles) {
            tl_err(err, "'%s': /exchange/theta has %lld angles but /exchange/data has %zu projections", path,
                   (long long)n, d->info.n_angles);
            goto fail;
        }
        if (st < 0) { tl_err(err, "'%s': cannot read /exchange/theta", path); goto fail; }
        for (size_t i = 0; i < d->info.n_angles; i++)
            if (!isfinite(d->theta[i])) { tl_err(err, "'%s': /exchange/theta[%zu] is not finite", path, i + 1); goto fail; }
        d->info.theta_from_file = 1;
    } else {
        for (size_t i = 0; i < d->info.n_angles; i++) d->theta[i] = 180.0 * (double)i / (double)d->info.n_angles;
    }
    d->info.pixel_um = read_pixel_um(d->file);
    tl_prov_add_input(path);
    return d;
fail:
    tl_dxchange_close(d);
    return NULL;
}

void tl_dxchange_close(tl_dxchange *d)
{
    if (!d) return;
    if (d->file > 0) H5Fclose(d->file);
    free(d->theta);
    free(d);
}

const tl_dxchange_info *tl_dxchange_get_info(const tl_dxchange *d) { return &d->info; }
const double *tl_dxchange_theta_deg(const tl_dxchange *d) { return d->theta; }

/* Rows in dataset `which`: its frame count k, or an error naming the file. */
static int rows_count(const tl_dxchange *d, tl_dx_which which, size_t r0, size_t r1, size_t *k, tl_error *err)
{
    const tl_dxchange_info *in = &d->info;
    *k = which == TL_DX_DATA ? in->n_angles : which == TL_DX_WHITE ? in->n_flat : in->n_dark;
    if (*k == 0) return tl_err(err, "'%s' has no dataset '%s'", in->path, dataset_of[which]);
    if (r0 >= r1 || r1 > in->n_rows)
        return tl_err(err, "'%s': rows {%zu, %zu} are outside the detector's 1..%zu rows", in->path, r0 + 1, r1, in->n_rows);
    return 0;
}

static int read_hyperslab(tl_dxchange *d, tl_dx_which which, size_t r0, size_t r1, size_t k, float *dst, tl_error *err)
{
    const tl_dxchange_info *in = &d->info;
    hid_t ds = H5Dopen2(d->file, dataset_of[which], H5P_DEFAULT);
    hid_t fs = H5Dget_space(ds);
    hsize_t start[3] = {0, r0, 0}, count[3] = {k, r1 - r0, in->n_cols};
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t ms = H5Screate_simple(3, count, NULL);
    herr_t st = H5Dread(ds, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, dst);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(ds);
    if (st < 0)
        return tl_err(err, "'%s': reading rows %zu..%zu of '%s' failed (truncated or corrupt file?)", in->path, r0 + 1,
                      r1, dataset_of[which]);
    return 0;
}

int tl_dxchange_read_rows_into(tl_dxchange *d, tl_dx_which which, size_t r0, size_t r1, float *dst, tl_error *err)
{
    size_t k;
    if (rows_count(d, which, r0, r1, &k, err)) return -1;
    return read_hyperslab(d, which, r0, r1, k, dst, err);
}

tl_volume *tl_dxchange_read_rows(tl_dxchange *d, tl_dx_which which, size_t r0, size_t r1, tl_error *err)
{
    const tl_dxchange_info *in = &d->info;
    size_t k;
    if (rows_count(d, which, r0, r1, &k, err)) return NULL;
    tl_volume *v = tl_vol_new(TL_F32, k, r1 - r0, in->n_cols, err);
    if (!v) return NULL;
    if (in->pixel_um > 0) tl_vol_set_voxel(v, 1.0, in->pixel_um, in->pixel_um);
    if (read_hyperslab(d, which, r0, r1, k, v->data, err)) { tl_vol_unref(v); return NULL; }
    return v;
}
