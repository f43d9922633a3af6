/* tiff.c — TIFF stacks: one multi-page file (a page per z-slice) or a
 * folder of single-page slices in natural name order (s2 before s10).
 *
 * Pages are 1 sample per pixel: 8/16/32-bit unsigned or signed integers,
 * 32/64-bit floats, strips or tiles, any compression libtiff decodes,
 * either byte order (libtiff swaps). i8/i16 load as i32; u32 as i32 when
 * every value fits. Crops read only the pages, strips and tiles they touch.
 *
 * Voxel size on reading: "voxel_um" in a tomolith ImageDescription;
 * else an ImageJ description (unit=, spacing=) with the resolution tags;
 * else XResolution/YResolution in pixels per centimetre (z then taken
 * equal to y: tomography voxels are cubic). Resolution in inches is
 * ignored: it is almost always a 72-dpi screen default, not a voxel size.
 * On writing: resolution tags in pixels per cm, and ImageDescription holds
 * the provenance JSON with "voxel_um". libtiff's messages are captured
 * into our error messages rather than printed. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <unistd.h>

#include "atomic.h"
#include "io_internal.h"
#include "provenance.h"

typedef struct { char msg[400]; } tiff_capture;

static int capture(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif; (void)module;
    tiff_capture *c = user;
    if (c && !c->msg[0]) vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    return 1; /* handled: do not print */
}

static int ignore(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

static TIFF *open_tiff(const char *path, const char *mode, tiff_capture *c)
{
    c->msg[0] = 0;
    TIFFOpenOptions *op = TIFFOpenOptionsAlloc();
    if (!op) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(op, capture, c);
    TIFFOpenOptionsSetWarningHandlerExtR(op, ignore, NULL);
    TIFF *t = TIFFOpenExt(path, mode, op);
    TIFFOpenOptionsFree(op);
    return t;
}

static const char *said(const tiff_capture *c) { return c->msg[0] ? c->msg : "no detail"; }

typedef struct {
    uint32_t w, h;
    tl_elem e;
} page_info;

static int page_info_get(TIFF *t, const char *path, size_t page, page_info *pi, tl_error *err)
{
    uint16_t bps = 1, spp = 1, fmt = SAMPLEFORMAT_UINT;
    if (!TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &pi->w) || !TIFFGetField(t, TIFFTAG_IMAGELENGTH, &pi->h))
        return tl_err(err, "load: TIFF '%s' page %zu has no image size (damaged file?)", path, page + 1);
    TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &fmt);
    if (spp != 1)
        return tl_err(err, "load: TIFF '%s' page %zu has %u samples per pixel (colour?); tomolith loads greyscale stacks",
                      path, page + 1, spp);
    if (pi->w == 0 || pi->h == 0) return tl_err(err, "load: TIFF '%s' page %zu is empty (%u x %u)", path, page + 1, pi->w, pi->h);
    int ok = 1;
    if (fmt == SAMPLEFORMAT_UINT || fmt == SAMPLEFORMAT_VOID) {
        if (bps == 8) pi->e = TL_E_U8; else if (bps == 16) pi->e = TL_E_U16; else if (bps == 32) pi->e = TL_E_U32; else ok = 0;
    } else if (fmt == SAMPLEFORMAT_INT) {
        if (bps == 8) pi->e = TL_E_I8; else if (bps == 16) pi->e = TL_E_I16; else if (bps == 32) pi->e = TL_E_I32; else ok = 0;
    } else if (fmt == SAMPLEFORMAT_IEEEFP) {
        if (bps == 32) pi->e = TL_E_F32; else if (bps == 64) pi->e = TL_E_F64; else ok = 0;
    } else ok = 0;
    if (!ok)
        return tl_err(err, "load: TIFF '%s' page %zu has %u-bit samples of format %u; tomolith loads 8/16/32-bit "
                           "integers and 32/64-bit floats", path, page + 1, bps, fmt);
    return 0;
}

/* Rows [y0, y1), columns [x0, x1) of the current page into dst (row stride
 * x1 - x0 elements of dtype dt). */
static int read_page(TIFF *t, const char *path, size_t page, const page_info *pi, size_t y0, size_t y1,
                     size_t x0, size_t x1, void *dst, tl_dtype dt, tiff_capture *c, tl_error *err)
{
    size_t es = tl_elem_size(pi->e), os = tl_dtype_size(dt), ow = x1 - x0;
    int rc = 0;
    if (!TIFFIsTiled(t)) {
        uint32_t rps = pi->h;
        TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
        if (rps == 0 || rps > pi->h) rps = pi->h;
        tmsize_t ss = TIFFStripSize(t);
        unsigned char *buf = ss > 0 ? malloc((size_t)ss) : NULL;
        if (!buf) return tl_err(err, "load: TIFF '%s' page %zu: bad strip size (damaged file?)", path, page + 1);
        for (uint32_t s = (uint32_t)(y0 / rps); (size_t)s * rps < y1; s++) {
            size_t r0 = (size_t)s * rps, r1 = r0 + rps > pi->h ? pi->h : r0 + rps;
            tmsize_t got = TIFFReadEncodedStrip(t, s, buf, -1);
            if (got < (tmsize_t)((r1 - r0) * pi->w * es)) {
                rc = tl_err(err, "load: TIFF '%s' page %zu: cannot read strip %u (file truncated or damaged: %s)",
                            path, page + 1, s + 1, said(c));
                break;
            }
            for (size_t y = r0 > y0 ? r0 : y0; y < r1 && y < y1; y++)
                if (tl_elem_convert(buf + ((y - r0) * pi->w + x0) * es, pi->e, 0, ow,
                                    (char *)dst + (y - y0) * ow * os, dt)) {
                    rc = tl_err(err, "load: TIFF '%s' page %zu holds u32 values above 2147483647, which do not fit i32", path, page + 1);
                    break;
                }
            if (rc) break;
        }
        free(buf);
        return rc;
    }
    uint32_t tw = 0, th = 0;
    TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
    tmsize_t ts = TIFFTileSize(t);
    if (!tw || !th || ts <= 0) return tl_err(err, "load: TIFF '%s' page %zu: bad tile size (damaged file?)", path, page + 1);
    unsigned char *buf = malloc((size_t)ts);
    if (!buf) return tl_err(err, "load: TIFF '%s': out of memory", path);
    for (size_t ty = y0 / th * th; ty < y1 && !rc; ty += th)
        for (size_t tx = x0 / tw * tw; tx < x1; tx += tw) {
            ttile_t k = TIFFComputeTile(t, (uint32_t)tx, (uint32_t)ty, 0, 0);
            if (TIFFReadEncodedTile(t, k, buf, ts) < ts) {
                rc = tl_err(err, "load: TIFF '%s' page %zu: cannot read tile %u (file truncated or damaged: %s)",
                            path, page + 1, (unsigned)k + 1, said(c));
                break;
            }
            size_t ya = ty > y0 ? ty : y0, yb = ty + th < y1 ? ty + th : y1;
            size_t xa = tx > x0 ? tx : x0, xb = tx + tw < x1 ? tx + tw : x1;
            for (size_t y = ya; y < yb; y++)
                if (tl_elem_convert(buf + ((y - ty) * tw + (xa - tx)) * es, pi->e, 0, xb - xa,
                                    (char *)dst + ((y - y0) * ow + (xa - x0)) * os, dt)) {
                    rc = tl_err(err, "load: TIFF '%s' page %zu holds u32 values above 2147483647, which do not fit i32", path, page + 1);
                    break;
                }
            if (rc) break;
        }
    free(buf);
    return rc;
}

/* Voxel size from the current page's tags (see the comment at the top). */
static void page_voxel(TIFF *t, tl_volume *v)
{
    char *desc = NULL;
    double vox[3];
    if (TIFFGetField(t, TIFFTAG_IMAGEDESCRIPTION, &desc) && desc) {
        if (desc[0] == '{' && tl_io_json_voxel(desc, vox)) { tl_vol_set_voxel(v, vox[0], vox[1], vox[2]); return; }
        if (strncmp(desc, "ImageJ=", 7) == 0) {
            double f = 0, spacing = 0;
            const char *u = strstr(desc, "\nunit=");
            if (u) {
                u += 6;
                if (!strncmp(u, "micron", 6) || !strncmp(u, "um", 2) || !strncmp(u, "\xc2\xb5m", 3) || !strncmp(u, "\\u00B5m", 7)) f = 1;
                else if (!strncmp(u, "mm", 2)) f = 1e3;
                else if (!strncmp(u, "nm", 2)) f = 1e-3;
                else if (!strncmp(u, "cm", 2)) f = 1e4;
            }
            const char *s = strstr(desc, "\nspacing=");
            if (s) spacing = strtod(s + 9, NULL);
            float xr = 0, yr = 0;
            if (f > 0 && TIFFGetField(t, TIFFTAG_XRESOLUTION, &xr) && TIFFGetField(t, TIFFTAG_YRESOLUTION, &yr) &&
                xr > 0 && yr > 0) {
                double vy = f / yr, vx = f / xr;
                tl_vol_set_voxel(v, spacing > 0 ? spacing * f : vy, vy, vx);
                return;
            }
        }
    }
    uint16_t unit = RESUNIT_INCH;
    float xr = 0, yr = 0;
    TIFFGetFieldDefaulted(t, TIFFTAG_RESOLUTIONUNIT, &unit);
    if (unit == RESUNIT_CENTIMETER && TIFFGetField(t, TIFFTAG_XRESOLUTION, &xr) && TIFFGetField(t, TIFFTAG_YRESOLUTION, &yr) &&
        xr > 0 && yr > 0 && isfinite(xr) && isfinite(yr))
        tl_vol_set_voxel(v, 1e4 / yr, 1e4 / yr, 1e4 / xr);
}

tl_volume *tl_tiff_load(const char *path, const tl_io_load_opts *o, tl_error *err)
{
    if (tl_io_check_file(path, err)) return NULL;
    tiff_capture c;
    TIFF *t = open_tiff(path, "r", &c);
    if (!t) return tl_err(err, "load: '%s' is not a readable TIFF file (%s)", path, said(&c)), NULL;
    tl_volume *v = NULL;
    page_info first, pi;
    tdir_t npages = TIFFNumberOfDirectories(t);
    if (npages == 0 || !TIFFSetDirectory(t, 0)) { tl_err(err, "load: TIFF '%s' has no readable page (%s)", path, said(&c)); goto done; }
    /* A cut file loses its last pages with their directories: libtiff then
     * complains while counting, or the page count we wrote says more. */
    uint16_t pg = 0, pg_total = 0;
    if (c.msg[0] || (TIFFGetField(t, TIFFTAG_PAGENUMBER, &pg, &pg_total) && pg_total > npages && pg_total < 65535)) {
        tl_err(err, "load: TIFF '%s' is truncated or damaged after page %u%s%s (%s)", path, (unsigned)npages,
               pg_total > npages ? " of " : "", pg_total > npages ? "the pages it announces" : "", said(&c));
        goto done;
    }
    if (page_info_get(t, path, 0, &first, err)) goto done;
    size_t shape[3] = {npages, first.h, first.w}, lo[3], hi[3];
    if (tl_io_resolve_crops(o ? o->crop : NULL, shape, path, NULL, lo, hi, err)) goto done;
    v = tl_vol_new(tl_elem_dtype(first.e), hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], err);
    if (!v) { tl_err_prefix(err, "load '%s': ", path); goto done; }
    page_voxel(t, v);
    size_t plane = v->ny * v->nx * tl_dtype_size(v->dtype);
    for (size_t z = lo[0]; z < hi[0]; z++) {
        if (!TIFFSetDirectory(t, (tdir_t)z)) {
            tl_err(err, "load: TIFF '%s': cannot read page %zu of %zu (file truncated or damaged: %s)", path, z + 1, shape[0], said(&c));
            goto fail;
        }
        if (page_info_get(t, path, z, &pi, err)) goto fail;
        if (pi.w != first.w || pi.h != first.h || pi.e != first.e) {
            tl_err(err, "load: TIFF '%s': page %zu is %u x %u %s but page 1 is %u x %u %s; a stack needs equal pages",
                   path, z + 1, pi.w, pi.h, tl_elem_name(pi.e), first.w, first.h, tl_elem_name(first.e));
            goto fail;
        }
        if (read_page(t, path, z, &pi, lo[1], hi[1], lo[2], hi[2], (char *)v->data + (z - lo[0]) * plane, v->dtype, &c, err))
            goto fail;
        tl_progress("load", z + 1 - lo[0], hi[0] - lo[0]);
        if (tl_check_interrupt(err)) goto fail;
    }
    goto done;
fail:
    tl_vol_unref(v);
    v = NULL;
done:
    TIFFClose(t);
    return v;
}

tl_volume *tl_tiff_load_dir(const char *dir, const tl_io_load_opts *o, tl_error *err)
{
    char **names;
    size_t n;
    if (tl_io_list_slices(dir, &names, &n, err)) return NULL;
    tl_volume *v = NULL;
    tiff_capture c;
    page_info first, pi;
    size_t lo[3], hi[3];
    TIFF *t = open_tiff(names[0], "r", &c);
    if (!t) { tl_err(err, "load: slice '%s' of folder '%s' is not a readable TIFF (%s)", names[0], dir, said(&c)); goto done; }
    int bad = page_info_get(t, names[0], 0, &first, err);
    size_t shape[3] = {n, first.h, first.w};
    if (!bad) bad = tl_io_resolve_crops(o ? o->crop : NULL, shape, dir, NULL, lo, hi, err);
    if (!bad && !(v = tl_vol_new(tl_elem_dtype(first.e), hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], err)))
        bad = tl_err_prefix(err, "load '%s': ", dir);
    if (!bad) page_voxel(t, v);
    TIFFClose(t);
    if (bad) goto done;
    size_t plane = v->ny * v->nx * tl_dtype_size(v->dtype);
    for (size_t z = lo[0]; z < hi[0]; z++) {
        t = open_tiff(names[z], "r", &c);
        if (!t) { tl_err(err, "load: slice '%s' of folder '%s' is not a readable TIFF (%s)", names[z], dir, said(&c)); goto fail; }
        bad = page_info_get(t, names[z], 0, &pi, err);
        if (!bad && (pi.w != first.w || pi.h != first.h || pi.e != first.e))
            bad = tl_err(err, "load: TIFF folder '%s': slice '%s' is %u x %u %s but '%s' is %u x %u %s; all slices must match",
                         dir, names[z], pi.w, pi.h, tl_elem_name(pi.e), names[0], first.w, first.h, tl_elem_name(first.e));
        if (!bad)
            bad = read_page(t, names[z], 0, &pi, lo[1], hi[1], lo[2], hi[2], (char *)v->data + (z - lo[0]) * plane, v->dtype, &c, err);
        TIFFClose(t);
        if (bad) goto fail;
        tl_prov_add_input(names[z]);
        tl_progress("load", z + 1 - lo[0], hi[0] - lo[0]);
        if (tl_check_interrupt(err)) goto fail;
    }
    goto done;
fail:
    tl_vol_unref(v);
    v = NULL;
done:
    tl_io_free_list(names, n);
    return v;
}

char *tl_tiff_read_description(const char *path, tl_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        char **names;
        size_t n;
        if (tl_io_list_slices(path, &names, &n, err)) return NULL;
        char *d = tl_tiff_read_description(names[0], err);
        tl_io_free_list(names, n);
        return d;
    }
    if (tl_io_check_file(path, err)) return NULL;
    tiff_capture c;
    TIFF *t = open_tiff(path, "r", &c);
    if (!t) return tl_err(err, "provenance: '%s' is not a readable TIFF file (%s)", path, said(&c)), NULL;
    char *desc = NULL, *out = NULL;
    if (TIFFGetField(t, TIFFTAG_IMAGEDESCRIPTION, &desc) && desc) out = strdup(desc);
    TIFFClose(t);
    if (!out) tl_err(err, "provenance: TIFF '%s' has no ImageDescription (not written by tomolith?)", path);
    return out;
}

/* ---- writing ---- */

static int write_page(TIFF *t, const tl_volume *v, size_t z, size_t npages, const char *desc, int compression,
                      const char *path, tiff_capture *c, tl_error *err)
{
    uint16_t bps = (uint16_t)(8 * tl_dtype_size(v->dtype));
    uint16_t fmt = v->dtype == TL_F32 ? SAMPLEFORMAT_IEEEFP : v->dtype == TL_I32 ? SAMPLEFORMAT_INT : SAMPLEFORMAT_UINT;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)v->nx);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)v->ny);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, bps);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)1);
    TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, fmt);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, compression > 0 ? COMPRESSION_ADOBE_DEFLATE : COMPRESSION_NONE);
    if (compression > 0) {
        TIFFSetField(t, TIFFTAG_ZIPQUALITY, compression);
        TIFFSetField(t, TIFFTAG_PREDICTOR, fmt == SAMPLEFORMAT_IEEEFP ? PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL);
    }
    TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
    TIFFSetField(t, TIFFTAG_XRESOLUTION, (float)(1e4 / v->voxel_um[2]));
    TIFFSetField(t, TIFFTAG_YRESOLUTION, (float)(1e4 / v->voxel_um[1]));
    if (npages > 1) {
        TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
        TIFFSetField(t, TIFFTAG_PAGENUMBER, (uint16_t)(z < 65535 ? z : 65535), (uint16_t)(npages < 65535 ? npages : 65535));
    }
    if (desc) TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, desc);
    uint32_t rps = TIFFDefaultStripSize(t, 0);
    if (rps == 0 || rps > v->ny) rps = (uint32_t)v->ny;
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rps);
    size_t row = v->nx * tl_dtype_size(v->dtype);
    const char *plane = (const char *)v->data + z * v->ny * row;
    /* libtiff byte-swaps (big-endian files) and applies the predictor in
     * the caller's buffer, so each strip goes through a scratch copy */
    char *scratch = malloc(rps * row);
    if (!scratch) return tl_err(err, "save: out of memory writing TIFF '%s'", path);
    for (uint32_t s = 0; (size_t)s * rps < v->ny; s++) {
        size_t r0 = (size_t)s * rps, nr = v->ny - r0 < rps ? v->ny - r0 : rps;
        memcpy(scratch, plane + r0 * row, nr * row);
        if (TIFFWriteEncodedStrip(t, s, scratch, (tmsize_t)(nr * row)) < 0) {
            free(scratch);
            return tl_err(err, "save: writing TIFF '%s' failed at slice %zu (%s)", path, z + 1, said(c));
        }
    }
    free(scratch);
    if (!TIFFWriteDirectory(t)) return tl_err(err, "save: writing TIFF '%s' failed at slice %zu (%s)", path, z + 1, said(c));
    return 0;
}

static int check_dtype(const tl_volume *v, const char *path, tl_error *err)
{
    if (v->dtype == TL_F64)
        return tl_err(err, "save: TIFF '%s' is written as u8, u16, i32 or f32, not f64 (Fiji reads 32-bit floats); "
                           "convert with vol:astype(\"f32\")", path);
    return 0;
}

static const char *tiff_mode(const tl_volume *v, const tl_io_save_opts *o, size_t nslices)
{
    int big = o && o->big_endian;
    int bigtiff = (double)tl_vol_bytes(v) / (double)v->nz * (double)nslices > 3.9e9;
    return bigtiff ? (big ? "w8b" : "w8l") : (big ? "wb" : "wl");
}

int tl_tiff_save(const tl_volume *v, const char *path, const tl_io_save_opts *o, tl_error *err)
{
    if (check_dtype(v, path, err)) return -1;
    char tmp[4300];
    if (tl_io_check_target(path, err) || tl_atomic_tmpname(path, tmp, sizeof tmp, err)) return tl_err_prefix(err, "save: ");
    char *desc = tl_io_prov_json(v->voxel_um, NULL, err);
    if (!desc) return -1;
    tiff_capture c;
    TIFF *t = open_tiff(tmp, tiff_mode(v, o, v->nz), &c);
    if (!t) {
        free(desc);
        return tl_err(err, "save: cannot create '%s' (writing its temporary '%s'): %s", path, tmp, errno ? strerror(errno) : said(&c));
    }
    int rc = 0;
    for (size_t z = 0; z < v->nz && !rc; z++) {
        rc = write_page(t, v, z, v->nz, z == 0 ? desc : NULL, o ? o->compression : 0, path, &c, err);
        if (!rc) rc = tl_check_interrupt(err);
        tl_progress("save", z + 1, v->nz);
    }
    free(desc);
    TIFFClose(t);
    if (rc) { tl_atomic_abort(tmp); return -1; }
    return tl_atomic_commit(tmp, path, err);
}

/* Remove a folder holding only files (our temporaries and replaced stacks). */
static void remove_flat_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        char p[4600];
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

/* 1 if every entry of dir is a slice_*.tif tomolith wrote (so replacing the
 * folder loses nothing else); else 0 and the first other name in `other`. */
static int only_our_slices(const char *dir, char *other, size_t n)
{
    DIR *d = opendir(dir);
    if (!d) { snprintf(other, n, "(unreadable)"); return 0; }
    struct dirent *de;
    int ok = 1;
    while ((de = readdir(d)) && ok)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            !(strncmp(de->d_name, "slice_", 6) == 0 && tl_io_has_ext(de->d_name, ".tif"))) {
            snprintf(other, n, "%s", de->d_name);
            ok = 0;
        }
    closedir(d);
    return ok;
}

int tl_tiff_save_dir(const tl_volume *v, const char *dir_in, const tl_io_save_opts *o, tl_error *err)
{
    if (check_dtype(v, dir_in, err)) return -1;
    char dir[4096], tmp[4300], old[4400], name[4400];
    size_t len = strlen(dir_in);
    while (len > 1 && dir_in[len - 1] == '/') len--;
    if (len >= sizeof dir) return tl_err(err, "save: path '%s' is too long", dir_in);
    memcpy(dir, dir_in, len);
    dir[len] = 0;
    struct stat st;
    int exists = stat(dir, &st) == 0;
    if (exists && !S_ISDIR(st.st_mode)) return tl_err(err, "save: '%s' is a file, not a folder of TIFF slices", dir);
    if (exists && !only_our_slices(dir, name, sizeof name))
        return tl_err(err, "save: folder '%s' exists and holds '%s'; tomolith replaces only folders of its own slice_*.tif files",
                      dir, name);
    if (tl_atomic_tmpname(dir, tmp, sizeof tmp, err)) return tl_err_prefix(err, "save: ");
    if (mkdir(tmp, 0777) != 0) return tl_err(err, "save: cannot create folder '%s' (as its temporary '%s'): %s", dir, tmp, strerror(errno));
    char *desc = tl_io_prov_json(v->voxel_um, NULL, err);
    int rc = desc ? 0 : -1;
    int digits = 5;
    for (size_t k = v->nz; k >= 100000; k /= 10) digits++;
    for (size_t z = 0; z < v->nz && !rc; z++) {
        if (snprintf(name, sizeof name, "%s/slice_%0*zu.tif", tmp, digits & 31, z + 1) >= (int)sizeof name) {
            rc = tl_err(err, "save: path '%s' is too long", dir);
            break;
        }
        tiff_capture c;
        TIFF *t = open_tiff(name, tiff_mode(v, o, 1), &c);
        if (!t) { rc = tl_err(err, "save: cannot create slice '%s' of '%s': %s", name, dir, said(&c)); break; }
        rc = write_page(t, v, z, 1, desc, o ? o->compression : 0, dir, &c, err);
        TIFFClose(t);
        if (!rc) rc = tl_check_interrupt(err);
        tl_progress("save", z + 1, v->nz);
    }
    free(desc);
    if (rc) { remove_flat_dir(tmp); return -1; }
    if (exists) {
        /* swap: old folder aside, new one in, then delete the old slices */
        snprintf(old, sizeof old, "%s.old", tmp);
        if (rename(dir, old) != 0) {
            int e = errno;
            remove_flat_dir(tmp);
            return tl_err(err, "save: cannot replace folder '%s': %s", dir, strerror(e));
        }
        if (rename(tmp, dir) != 0) {
            int e = errno;
            rename(old, dir);
            remove_flat_dir(tmp);
            return tl_err(err, "save: cannot move finished slices into place as '%s': %s", dir, strerror(e));
        }
        remove_flat_dir(old);
        return 0;
    }
    if (rename(tmp, dir) != 0) {
        int e = errno;
        remove_flat_dir(tmp);
        return tl_err(err, "save: cannot move finished slices into place as '%s': %s", dir, strerror(e));
    }
    return 0;
}
