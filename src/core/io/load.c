/* load.c — tl_io_load / tl_io_save: choose the format by the path. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "io_internal.h"
#include "provenance.h"

static const char *known = ".h5 .hdf5 .nxs (HDF5), .tif .tiff or a folder (TIFF), .npy, .raw .bin, .png";

tl_volume *tl_io_load(const char *path, const tl_io_load_opts *opts, tl_error *err)
{
    tl_io_load_opts none = {0};
    const tl_io_load_opts *o = opts ? opts : &none;
    if (!path || !path[0]) return tl_err(err, "load: argument 'path' is empty"), NULL;
    if (o->has_voxel && !(o->voxel_um[0] > 0 && o->voxel_um[1] > 0 && o->voxel_um[2] > 0 &&
                          isfinite(o->voxel_um[0]) && isfinite(o->voxel_um[1]) && isfinite(o->voxel_um[2])))
        return tl_err(err, "load: argument 'voxel_um' must be positive finite sizes in µm (got {%g, %g, %g})",
                      o->voxel_um[0], o->voxel_um[1], o->voxel_um[2]), NULL;
    struct stat st;
    if (stat(path, &st) != 0) return tl_err(err, "load: '%s': %s", path, strerror(errno)), NULL;
    tl_format fmt = tl_io_format(path, 0);
    /* a folder named like a file (scan.h5) is not a TIFF folder */
    tl_format named = fmt == TL_FMT_TIFF_DIR && S_ISDIR(st.st_mode) ? tl_io_format(path, 1) : TL_FMT_UNKNOWN;
    if (named != TL_FMT_TIFF_DIR && named != TL_FMT_TIFF && named != TL_FMT_UNKNOWN)
        return tl_err(err, "load: '%s' is a folder, not a file", path), NULL;
    tl_volume *v = NULL;
    switch (fmt) {
    case TL_FMT_H5: v = tl_h5_load(path, o, err); break;
    case TL_FMT_TIFF: v = tl_tiff_load(path, o, err); break;
    case TL_FMT_TIFF_DIR: v = tl_tiff_load_dir(path, o, err); break;
    case TL_FMT_NPY: v = tl_npy_load(path, o, err); break;
    case TL_FMT_RAW: v = tl_raw_load(path, o, err); break;
    case TL_FMT_PNG: v = tl_png_load(path, o, err); break;
    default:
        return tl_err(err, "load: cannot tell the format of '%s' from its extension (known: %s)", path, known), NULL;
    }
    if (!v) return NULL;
    if (fmt != TL_FMT_TIFF_DIR) tl_prov_add_input(path); /* a folder records each slice it read */
    if (o->has_voxel) tl_vol_set_voxel(v, o->voxel_um[0], o->voxel_um[1], o->voxel_um[2]);
    if (!tl_vol_meta_get(v, "source")) tl_vol_meta_set(v, "source", path, NULL);
    return v;
}

int tl_io_save(const tl_volume *v, const char *path, const tl_io_save_opts *opts, tl_error *err)
{
    tl_io_save_opts none = {0};
    const tl_io_save_opts *o = opts ? opts : &none;
    if (!path || !path[0]) return tl_err(err, "save: argument 'path' is empty");
    if (o->compression < 0 || o->compression > 9)
        return tl_err(err, "save: argument 'compression' must be 0..9 (got %d)", o->compression);
    tl_format fmt = tl_io_format(path, 1);
    if ((o->colormap || o->has_range) && fmt != TL_FMT_PNG)
        return tl_err(err, "save: colormap= and range= apply to .png maps only, not '%s'", path);
    switch (fmt) {
    case TL_FMT_H5: return tl_h5_save(v, path, o, err);
    case TL_FMT_TIFF: return tl_tiff_save(v, path, o, err);
    case TL_FMT_TIFF_DIR: return tl_tiff_save_dir(v, path, o, err);
    case TL_FMT_NPY: return tl_npy_save(v, path, o, err);
    case TL_FMT_RAW: return tl_raw_save(v, path, o, err);
    case TL_FMT_PNG: return tl_png_save(v, path, o, err);
    default:
        return tl_err(err, "save: cannot tell the format of '%s' from its extension (known: %s; end a folder of "
                           "TIFF slices with '/')", path, known);
    }
}
