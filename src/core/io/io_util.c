/* io_util.c — element types, crops, strided array reading, provenance
 * text with the voxel size, file kinds and slice folders. */
#include "io_internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "atomic.h"
#include "json.h"
#include "provenance.h"

/* ---- element types ---- */

static const struct { const char *name; size_t size; tl_dtype dt; } elems[] = {
    [TL_E_U8] = {"u8", 1, TL_U8},     [TL_E_I8] = {"i8", 1, TL_I32},
    [TL_E_U16] = {"u16", 2, TL_U16},  [TL_E_I16] = {"i16", 2, TL_I32},
    [TL_E_U32] = {"u32", 4, TL_I32},  [TL_E_I32] = {"i32", 4, TL_I32},
    [TL_E_F32] = {"f32", 4, TL_F32},  [TL_E_F64] = {"f64", 8, TL_F64},
    [TL_E_BOOL] = {"bool", 1, TL_U8},
};

size_t tl_elem_size(tl_elem e) { return elems[e].size; }
const char *tl_elem_name(tl_elem e) { return elems[e].name; }
tl_dtype tl_elem_dtype(tl_elem e) { return elems[e].dt; }

int tl_elem_parse(const char *s, tl_elem *e)
{
    for (int i = 0; i <= TL_E_F64; i++)
        if (strcmp(s, elems[i].name) == 0) { *e = (tl_elem)i; return 0; }
    return -1;
}

static void swap_bytes(unsigned char *p, size_t n, size_t es)
{
    for (size_t i = 0; i < n; i++, p += es)
        for (size_t a = 0, b = es - 1; a < b; a++, b--) {
            unsigned char t = p[a]; p[a] = p[b]; p[b] = t;
        }
}

int tl_elem_convert(void *src, tl_elem e, int swap, size_t n, void *dst, tl_dtype dt)
{
    size_t es = elems[e].size;
    if (swap && es > 1) swap_bytes(src, n, es);
    if (elems[e].dt == dt && e != TL_E_BOOL && e != TL_E_U32 && e != TL_E_I8 && e != TL_E_I16) {
        memcpy(dst, src, n * es);
        return 0;
    }
    int32_t *o = dst;
    switch (e) {
    case TL_E_I8: for (size_t i = 0; i < n; i++) o[i] = ((const int8_t *)src)[i]; break;
    case TL_E_I16: { int16_t t; for (size_t i = 0; i < n; i++) { memcpy(&t, (const char *)src + 2 * i, 2); o[i] = t; } break; }
    case TL_E_U32: {
        uint32_t t;
        for (size_t i = 0; i < n; i++) {
            memcpy(&t, (const char *)src + 4 * i, 4);
            if (t > INT32_MAX) return -1;
            o[i] = (int32_t)t;
        }
        break;
    }
    case TL_E_BOOL: for (size_t i = 0; i < n; i++) ((uint8_t *)dst)[i] = ((const uint8_t *)src)[i] != 0; break;
    default: return -1; /* unreachable: every other type loads as itself */
    }
    return 0;
}

/* ---- crops ---- */

int tl_io_resolve_crops(const tl_io_crop crop[3], const size_t shape[3], const char *path,
                        const char *dataset, size_t lo[3], size_t hi[3], tl_error *err)
{
    static const char axis[] = "zyx";
    for (int a = 0; a < 3; a++) {
        if (!crop || !crop[a].set) { lo[a] = 0; hi[a] = shape[a]; continue; }
        if (crop[a].lo >= crop[a].hi)
            return tl_err(err, "load: crop %c={%zu, %zu} is empty (need 1 <= a <= b)", axis[a],
                          crop[a].lo + 1, crop[a].hi);
        if (crop[a].hi > shape[a])
            return tl_err(err, "load: crop %c={%zu, %zu} is outside '%s'%s%s%s of shape (%zu, %zu, %zu): %c runs 1..%zu",
                          axis[a], crop[a].lo + 1, crop[a].hi, path, dataset ? " dataset '" : "",
                          dataset ? dataset : "", dataset ? "'" : "", shape[0], shape[1], shape[2],
                          axis[a], shape[a]);
        lo[a] = crop[a].lo;
        hi[a] = crop[a].hi;
    }
    return 0;
}

/* ---- arrays in flat files (npy, raw) ---- */

int tl_io_read_array(FILE *f, const char *path, uint64_t offset, const size_t shape[3], tl_elem e,
                     int swap, int fortran, const size_t lo[3], const size_t hi[3], tl_volume *out,
                     tl_error *err)
{
    size_t es = tl_elem_size(e), os = tl_dtype_size(out->dtype);
    /* File axes slowest to fastest: C order z, y, x; Fortran order x, y, z. */
    int ax[3] = {0, 1, 2};
    if (fortran) { ax[0] = 2; ax[2] = 0; }
    size_t run = hi[ax[2]] - lo[ax[2]];
    unsigned char *buf = malloc(run * es), *conv = malloc(run * os);
    if (!buf || !conv) { free(buf); free(conv); return tl_err(err, "load '%s': out of memory", path); }
    uint64_t pos = UINT64_MAX;
    int rc = 0;
    size_t ony = out->ny, onx = out->nx;
    /* Fast path: C order, no conversion, whole rows and columns: each
     * z-slice is one contiguous read straight into the volume. */
    int direct = !fortran && !(swap && es > 1) && tl_elem_dtype(e) == out->dtype &&
                 (e == TL_E_U8 || e == TL_E_U16 || e == TL_E_I32 || e == TL_E_F32 || e == TL_E_F64) &&
                 lo[1] == 0 && hi[1] == shape[1] && lo[2] == 0 && hi[2] == shape[2];
    for (size_t a = lo[0]; direct && a < hi[0] && rc == 0; a++) {
        size_t plane = shape[1] * shape[2];
        uint64_t at = offset + (uint64_t)a * plane * es;
        if ((at != pos && fseeko(f, (off_t)at, SEEK_SET) != 0) ||
            fread((char *)out->data + (a - lo[0]) * plane * os, es, plane, f) != plane)
            rc = tl_err(err, "load '%s': file is truncated (reading byte %llu of the data failed)", path,
                        (unsigned long long)at);
        pos = at + plane * es;
        tl_progress("load", a + 1 - lo[0], hi[0] - lo[0]);
        if (!rc && tl_check_interrupt(err)) rc = -1;
    }
    for (size_t a = lo[ax[0]]; !direct && a < hi[ax[0]] && rc == 0; a++) {
        if (tl_check_interrupt(err)) { rc = -1; break; }
        for (size_t b = lo[ax[1]]; b < hi[ax[1]]; b++) {
            uint64_t idx = ((uint64_t)a * shape[ax[1]] + b) * shape[ax[2]] + lo[ax[2]];
            uint64_t at = offset + idx * es;
            if (at != pos && fseeko(f, (off_t)at, SEEK_SET) != 0) {
                rc = tl_err(err, "load '%s': cannot seek to byte %llu: %s", path, (unsigned long long)at, strerror(errno));
                break;
            }
            if (fread(buf, es, run, f) != run) {
                rc = tl_err(err, "load '%s': file is truncated (reading byte %llu of the data failed)", path,
                            (unsigned long long)at);
                break;
            }
            pos = at + run * es;
            if (tl_elem_convert(buf, e, swap, run, conv, out->dtype)) {
                rc = tl_err(err, "load '%s': u32 value above 2147483647 does not fit the i32 volume", path);
                break;
            }
            size_t i[3];
            i[ax[0]] = a - lo[ax[0]];
            i[ax[1]] = b - lo[ax[1]];
            if (!fortran) {
                memcpy((char *)out->data + ((i[0] * ony + i[1]) * onx) * os, conv, run * os);
            } else {
                /* a run is along z: scatter with stride ny*nx */
                for (size_t k = 0; k < run; k++)
                    memcpy((char *)out->data + ((k * ony + i[1]) * onx + i[2]) * os, conv + k * os, os);
            }
        }
        tl_progress("load", a + 1 - lo[ax[0]], hi[ax[0]] - lo[ax[0]]);
    }
    free(buf);
    free(conv);
    return rc;
}

int tl_io_write_array(FILE *f, const char *path, const tl_volume *v, int swap, tl_error *err)
{
    size_t es = tl_dtype_size(v->dtype), row = v->nx, nrows = v->nz * v->ny;
    unsigned char *buf = swap && es > 1 ? malloc(row * es) : NULL;
    if (swap && es > 1 && !buf) return tl_err(err, "save '%s': out of memory", path);
    int rc = 0;
    for (size_t r = 0; r < nrows; r++) {
        const unsigned char *src = (const unsigned char *)v->data + r * row * es;
        if (buf) { memcpy(buf, src, row * es); swap_bytes(buf, row, es); src = buf; }
        if (fwrite(src, es, row, f) != row) { rc = tl_err(err, "save '%s': write failed: %s", path, strerror(errno)); break; }
        if (r % 4096 == 0 && tl_check_interrupt(err)) { rc = -1; break; }
    }
    free(buf);
    return rc;
}

/* ---- provenance with the voxel size ---- */

char *tl_io_prov_json(const double voxel_um[3], const char *extra, tl_error *err)
{
    char *base = tl_prov_json(err);
    if (!base) return NULL;
    char vox[160] = "";
    if (voxel_um)
        snprintf(vox, sizeof vox, "\"voxel_um\": [%.17g, %.17g, %.17g], ", voxel_um[0], voxel_um[1], voxel_um[2]);
    size_t n = strlen(base) + strlen(vox) + (extra ? strlen(extra) + 2 : 0) + 1;
    char *out = malloc(n);
    if (!out) { free(base); tl_err(err, "out of memory writing provenance"); return NULL; }
    /* base starts with '{': splice our members right after it */
    snprintf(out, n, "{%s%s%s%s", vox, extra ? extra : "", extra ? ", " : "", base + 1);
    free(base);
    return out;
}

int tl_io_write_sidecar(const char *path, const double voxel_um[3], const char *extra, tl_error *err)
{
    char side[4096], tmp[4200];
    if (snprintf(side, sizeof side, "%s.provenance.json", path) >= (int)sizeof side)
        return tl_err(err, "save: path '%s' is too long", path);
    if (tl_atomic_tmpname(side, tmp, sizeof tmp, err)) return -1;
    char *json = tl_io_prov_json(voxel_um, extra, err);
    if (!json) return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) { free(json); return tl_err(err, "save: cannot write '%s': %s", side, strerror(errno)); }
    int bad = fputs(json, f) < 0 || fputc('\n', f) == EOF;
    bad |= fclose(f) != 0;
    free(json);
    if (bad) { tl_atomic_abort(tmp); return tl_err(err, "save: cannot write '%s'", side); }
    return tl_atomic_commit(tmp, side, err);
}

char *tl_io_read_sidecar(const char *path)
{
    char side[4096];
    if (snprintf(side, sizeof side, "%s.provenance.json", path) >= (int)sizeof side) return NULL;
    FILE *f = fopen(side, "rb");
    if (!f) return NULL;
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            if (cap > (64u << 20)) { free(text); fclose(f); return NULL; } /* not a sidecar of ours */
            char *t = realloc(text, cap);
            if (!t) { free(text); fclose(f); return NULL; }
            text = t;
        }
        size_t k = fread(text + len, 1, 4096, f);
        len += k;
        if (k < 4096) break;
    }
    fclose(f);
    text[len] = 0;
    return text;
}

int tl_io_json_voxel(const char *json, double voxel_um[3])
{
    tl_json *j = tl_json_parse(json, "provenance", NULL);
    const tl_json *v = tl_json_get(j, "voxel_um");
    int ok = v && v->type == TL_JSON_ARRAY && v->n == 3;
    for (size_t i = 0; ok && i < 3; i++)
        ok = v->items[i]->type == TL_JSON_NUMBER && v->items[i]->num > 0 && isfinite(v->items[i]->num);
    if (ok)
        for (size_t i = 0; i < 3; i++) voxel_um[i] = v->items[i]->num;
    tl_json_free(j);
    return ok;
}

/* ---- file kinds ---- */

int tl_io_has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), m = strlen(ext);
    return n > m && strcasecmp(path + n - m, ext) == 0;
}

tl_format tl_io_format(const char *path, int for_write)
{
    size_t n = strlen(path);
    struct stat st;
    if (n && path[n - 1] == '/') return TL_FMT_TIFF_DIR;
    if (!for_write && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return TL_FMT_TIFF_DIR;
    if (tl_io_has_ext(path, ".h5") || tl_io_has_ext(path, ".hdf5") || tl_io_has_ext(path, ".hdf") ||
        tl_io_has_ext(path, ".nxs"))
        return TL_FMT_H5;
    if (tl_io_has_ext(path, ".tif") || tl_io_has_ext(path, ".tiff")) return TL_FMT_TIFF;
    if (tl_io_has_ext(path, ".npy")) return TL_FMT_NPY;
    if (tl_io_has_ext(path, ".raw") || tl_io_has_ext(path, ".bin")) return TL_FMT_RAW;
    if (tl_io_has_ext(path, ".png")) return TL_FMT_PNG;
    if (for_write && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return TL_FMT_TIFF_DIR;
    return TL_FMT_UNKNOWN;
}

int tl_io_check_file(const char *path, tl_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) return tl_err(err, "load: '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return tl_err(err, "load: '%s' is a folder, not a file", path);
    if (!S_ISREG(st.st_mode)) return tl_err(err, "load: '%s' is not a regular file", path);
    if (st.st_size == 0) return tl_err(err, "load: '%s' is empty (0 bytes)", path);
    return 0;
}

/* Digit runs compare by value, so slice_2.tif comes before slice_10.tif. */
int tl_io_natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            while (*a == '0') a++;
            while (*b == '0') b++;
            size_t la = 0, lb = 0;
            while (a[la] >= '0' && a[la] <= '9') la++;
            while (b[lb] >= '0' && b[lb] <= '9') lb++;
            if (la != lb) return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c) return c;
            a += la; b += lb;
            continue;
        }
        if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++; b++;
    }
    return *a ? 1 : *b ? -1 : 0;
}

static int cmp_names(const void *x, const void *y)
{
    return tl_io_natural_cmp(*(char *const *)x, *(char *const *)y);
}

void tl_io_free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

int tl_io_list_slices(const char *dir, char ***names, size_t *n, tl_error *err)
{
    *names = NULL; *n = 0;
    DIR *d = opendir(dir);
    if (!d) return tl_err(err, "load: cannot open folder '%s': %s", dir, strerror(errno));
    char **v = NULL;
    size_t k = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue; /* hidden files and our own temporaries */
        if (!tl_io_has_ext(de->d_name, ".tif") && !tl_io_has_ext(de->d_name, ".tiff")) continue;
        if (k == cap) {
            cap = cap ? 2 * cap : 64;
            char **t = realloc(v, cap * sizeof *t);
            if (!t) { closedir(d); tl_io_free_list(v, k); return tl_err(err, "load '%s': out of memory", dir); }
            v = t;
        }
        v[k] = strdup(de->d_name);
        if (!v[k]) { closedir(d); tl_io_free_list(v, k); return tl_err(err, "load '%s': out of memory", dir); }
        k++;
    }
    closedir(d);
    if (k == 0) { free(v); return tl_err(err, "load: folder '%s' holds no .tif/.tiff slices", dir); }
    qsort(v, k, sizeof *v, cmp_names);
    size_t dl = strlen(dir);
    int slash = dl && dir[dl - 1] == '/';
    for (size_t i = 0; i < k; i++) {
        size_t len = dl + 1 + strlen(v[i]) + 1;
        char *full = malloc(len);
        if (!full) { tl_io_free_list(v, k); return tl_err(err, "load '%s': out of memory", dir); }
        snprintf(full, len, "%s%s%s", dir, slash ? "" : "/", v[i]);
        free(v[i]);
        v[i] = full;
    }
    *names = v;
    *n = k;
    return 0;
}

/* ---- atomic output files ---- */

int tl_io_check_target(const char *path, tl_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return tl_err(err, "save: '%s' is an existing folder, not a file name", path);
    return 0;
}

FILE *tl_io_open_tmp(const char *path, char *tmp, size_t n, tl_error *err)
{
    if (tl_io_check_target(path, err) || tl_atomic_tmpname(path, tmp, n, err)) {
        tl_err_prefix(err, "save: ");
        return NULL;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) tl_err(err, "save: cannot create '%s' (writing its temporary '%s'): %s", path, tmp, strerror(errno));
    return f;
}

int tl_io_commit_tmp(FILE *f, const char *tmp, const char *path, int failed, tl_error *err)
{
    int bad = fflush(f) != 0;
    int e = errno;
    bad |= fclose(f) != 0;
    if (failed) { tl_atomic_abort(tmp); return -1; }
    if (bad) {
        tl_atomic_abort(tmp);
        return tl_err(err, "save: writing '%s' failed: %s", path, strerror(e ? e : errno));
    }
    return tl_atomic_commit(tmp, path, err);
}
