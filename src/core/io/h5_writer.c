/* h5_writer.c — a volume written to HDF5 one z-block at a time, under a
 * temporary name until it is complete. */
#include "h5_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "h5util.h"
#include "io_internal.h"

struct tl_h5_writer {
    char path[4096], tmp[4200];
    hid_t file, dset;
    tl_dtype dtype;
    size_t nz, ny, nx;
    double voxel_um[3];
    int has_voxel;
};

static hid_t create_link_plist(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    return lcpl;
}

/* Groups made on the way (/exchange, /measurement/...) carry no time stamps either. */
static hid_t create_file(const char *tmp)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_obj_track_times(fcpl, 0);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    return f;
}

tl_h5_writer *tl_h5_writer_open(const char *path, const char *dataset, tl_dtype dtype, size_t nz,
                                size_t ny, size_t nx, const double voxel_um[3], tl_error *err)
{
    return tl_h5_writer_open_deflate(path, dataset, dtype, nz, ny, nx, voxel_um, 0, err);
}

tl_h5_writer *tl_h5_writer_open_deflate(const char *path, const char *dataset, tl_dtype dtype, size_t nz, size_t ny,
                                        size_t nx, const double voxel_um[3], int deflate, tl_error *err)
{
    tl_h5_quiet();
    if (nz == 0 || ny == 0 || nx == 0) {
        tl_err(err, "'%s': cannot write dataset '%s' of shape (%zu, %zu, %zu)", path, dataset, nz, ny, nx);
        return NULL;
    }
    tl_h5_writer *w = calloc(1, sizeof *w);
    if (!w) { tl_err(err, "out of memory"); return NULL; }
    if (strlen(path) >= sizeof w->path) { free(w); tl_err(err, "output path '%s' is too long", path); return NULL; }
    strcpy(w->path, path);
    if (tl_atomic_tmpname(path, w->tmp, sizeof w->tmp, err)) { free(w); return NULL; }
    w->file = w->dset = -1;
    w->dtype = dtype; w->nz = nz; w->ny = ny; w->nx = nx;
    if (voxel_um) {
        memcpy(w->voxel_um, voxel_um, sizeof w->voxel_um);
        w->has_voxel = 1;
    }
    errno = 0;
    w->file = create_file(w->tmp);
    if (w->file < 0) {
        tl_err(err, "cannot create HDF5 file for '%s'%s%s", path, errno ? ": " : "", errno ? strerror(errno) : "");
        free(w);
        return NULL;
    }
    hsize_t dims[3] = {nz, ny, nx};
    /* Chunks of whole slices (a few MB) suit both slab writes and z-crops. */
    hsize_t chunk[3] = {1, ny, nx};
    size_t slice_bytes = ny * nx * tl_dtype_size(dtype);
    if (slice_bytes < (1u << 20)) {
        hsize_t k = (1u << 20) / (slice_bytes ? slice_bytes : 1);
        chunk[0] = k > nz ? nz : k;
    }
    /* HDF5 refuses chunks of 4 GB or more: a slice that large (32768^2 f32)
     * is cut along y */
    while ((double)chunk[1] * (double)nx * (double)tl_dtype_size(dtype) > 2e9) chunk[1] = (chunk[1] + 1) / 2;
    hid_t space = H5Screate_simple(3, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 3, chunk);
    if (deflate > 0) {
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, (unsigned)deflate);
    }
    H5Pset_obj_track_times(dcpl, 0); /* same inputs, same bytes */
    hid_t lcpl = create_link_plist();
    w->dset = H5Dcreate2(w->file, dataset, tl_h5_type(dtype), space, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    if (w->dset < 0) {
        tl_err(err, "'%s': cannot create dataset '%s'", path, dataset);
        tl_h5_writer_abort(w);
        return NULL;
    }
    if (voxel_um && tl_h5_attr_doubles(w->dset, "voxel_um", voxel_um, 3, err)) {
        tl_h5_writer_abort(w);
        return NULL;
    }
    return w;
}

int tl_h5_writer_put(tl_h5_writer *w, size_t z0, const tl_volume *b, tl_error *err)
{
    if (b->dtype != w->dtype)
        return tl_err(err, "'%s': block is %s but the dataset is %s", w->path, tl_dtype_name(b->dtype),
                      tl_dtype_name(w->dtype));
    if (b->ny != w->ny || b->nx != w->nx || z0 + b->nz > w->nz)
        return tl_err(err, "'%s': block (%zu, %zu, %zu) at z %zu does not fit dataset (%zu, %zu, %zu)",
                      w->path, b->nz, b->ny, b->nx, z0, w->nz, w->ny, w->nx);
    hsize_t start[3] = {z0, 0, 0}, count[3] = {b->nz, b->ny, b->nx};
    hid_t fspace = H5Dget_space(w->dset);
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t mspace = H5Screate_simple(3, count, NULL);
    herr_t st = H5Dwrite(w->dset, tl_h5_type(w->dtype), mspace, fspace, H5P_DEFAULT, b->data);
    H5Sclose(mspace);
    H5Sclose(fspace);
    return st < 0 ? tl_err(err, "'%s': write of z block %zu..%zu failed (disk full?)", w->path, z0, z0 + b->nz) : 0;
}

int tl_h5_writer_add(tl_h5_writer *w, const char *dataset, const tl_volume *v, tl_error *err)
{
    /* Keep the natural rank: a 1-D series is stored 1-D, a map 2-D. */
    hsize_t dims[3];
    int rank;
    if (v->nz == 1 && v->ny == 1) { rank = 1; dims[0] = v->nx; }
    else if (v->nz == 1) { rank = 2; dims[0] = v->ny; dims[1] = v->nx; }
    else { rank = 3; dims[0] = v->nz; dims[1] = v->ny; dims[2] = v->nx; }
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t lcpl = create_link_plist();
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0);
    hid_t d = H5Dcreate2(w->file, dataset, tl_h5_type(v->dtype), space, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Pclose(lcpl);
    H5Sclose(space);
    if (d < 0) return tl_err(err, "'%s': cannot create dataset '%s' (exists already?)", w->path, dataset);
    herr_t st = H5Dwrite(d, tl_h5_type(v->dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, v->data);
    if (st >= 0 && rank > 1) st = tl_h5_attr_doubles(d, "voxel_um", v->voxel_um, 3, err);
    H5Dclose(d);
    return st < 0 ? tl_err(err, "'%s': cannot write dataset '%s'", w->path, dataset) : 0;
}

int tl_h5_writer_attr(tl_h5_writer *w, const char *name, const char *value, tl_error *err)
{
    return tl_h5_attr_string(w->dset, name, value, err);
}

/* The root attribute tomolith_provenance: the session's provenance with the
 * voxel size, so tl.provenance reports it for every format. */
static int write_provenance(tl_h5_writer *w, tl_error *err)
{
    return tl_h5_write_provenance(w->file, w->has_voxel ? w->voxel_um : NULL, err)
               ? tl_err_prefix(err, "'%s': provenance: ", w->path) : 0;
}

int tl_h5_writer_close(tl_h5_writer *w, tl_error *err)
{
    int rc = write_provenance(w, err);
    H5Dclose(w->dset);
    if (H5Fclose(w->file) < 0 && rc == 0) rc = tl_err(err, "'%s': closing the file failed (disk full?)", w->path);
    if (rc == 0) rc = tl_atomic_commit(w->tmp, w->path, err);
    else tl_atomic_abort(w->tmp);
    free(w);
    return rc;
}

void tl_h5_writer_abort(tl_h5_writer *w)
{
    if (!w) return;
    if (w->dset >= 0) H5Dclose(w->dset);
    if (w->file >= 0) H5Fclose(w->file);
    tl_atomic_abort(w->tmp);
    free(w);
}
