/* npy.c — NumPy .npy files (format versions 1, 2 and 3).
 *
 * The header is a Python dict literal: {'descr': '<f4', 'fortran_order':
 * False, 'shape': (nz, ny, nx), }. 2-D arrays load as maps (nz = 1).
 * Fortran-order arrays are read correctly (z fastest in the file); any
 * byte order is accepted. Writes are version 1, C order, 3-D (nz, ny, nx),
 * with the voxel size and provenance in "<file>.provenance.json". */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_internal.h"
#include "provenance.h"

static int host_is_big(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 0;
}

typedef struct {
    char descr[64];
    int fortran;
    int rank;
    size_t shape[8];
    int have_descr, have_order, have_shape;
} npy_header;

static void skip_ws(const char **p) { while (isspace((unsigned char)**p)) (*p)++; }

static int parse_pystr(const char **p, char *out, size_t n)
{
    char q = **p;
    if (q != '\'' && q != '"') return -1;
    (*p)++;
    size_t k = 0;
    while (**p && **p != q) {
        if (k + 1 < n) out[k++] = **p;
        (*p)++;
    }
    if (**p != q) return -1;
    (*p)++;
    out[k] = 0;
    return 0;
}

/* Returns NULL on success, else what was wrong. */
static const char *parse_header(const char *h, npy_header *hd)
{
    const char *p = h;
    memset(hd, 0, sizeof *hd);
    skip_ws(&p);
    if (*p++ != '{') return "header is not a dict";
    for (;;) {
        skip_ws(&p);
        if (*p == '}') break;
        char key[64];
        if (parse_pystr(&p, key, sizeof key)) return "bad key in header";
        skip_ws(&p);
        if (*p++ != ':') return "expected ':' in header";
        skip_ws(&p);
        if (strcmp(key, "descr") == 0) {
            if (*p == '[') return "structured dtype (a list of fields) in 'descr'";
            if (parse_pystr(&p, hd->descr, sizeof hd->descr)) return "bad 'descr' value";
            hd->have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (strncmp(p, "True", 4) == 0) { hd->fortran = 1; p += 4; }
            else if (strncmp(p, "False", 5) == 0) { hd->fortran = 0; p += 5; }
            else return "bad 'fortran_order' value";
            hd->have_order = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (*p++ != '(') return "bad 'shape' value";
            for (;;) {
                skip_ws(&p);
                if (*p == ')') { p++; break; }
                if (!isdigit((unsigned char)*p)) return "bad number in 'shape'";
                errno = 0;
                char *end;
                unsigned long long x = strtoull(p, &end, 10);
                if (errno) return "number too large in 'shape'";
                p = end;
                if (hd->rank < 8) hd->shape[hd->rank] = (size_t)x;
                hd->rank++;
                skip_ws(&p);
                if (*p == ',') p++;
                else if (*p != ')') return "bad 'shape' value";
            }
            hd->have_shape = 1;
        } else {
            return "unknown key in header";
        }
        skip_ws(&p);
        if (*p == ',') { p++; continue; }
        skip_ws(&p);
        if (*p == '}') break;
        return "expected ',' or '}' in header";
    }
    if (!hd->have_descr || !hd->have_order || !hd->have_shape)
        return "header lacks 'descr', 'fortran_order' or 'shape'";
    return NULL;
}

/* descr like "<f4": byte order, kind, size. */
static int descr_elem(const char *path, const char *d, tl_elem *e, int *big, tl_error *err)
{
    char order = d[0], kind = d[0] ? d[1] : 0;
    long size = kind ? strtol(d + 2, NULL, 10) : 0;
    *big = order == '>' || (order == '=' && host_is_big());
    if (!strchr("<>|=", order) || !kind)
        return tl_err(err, "load: npy '%s' has a malformed dtype descr '%s'", path, d);
    const char *hint = NULL;
    switch (kind) {
    case 'u':
        if (size == 1) { *e = TL_E_U8; return 0; }
        if (size == 2) { *e = TL_E_U16; return 0; }
        if (size == 4) { *e = TL_E_U32; return 0; }
        hint = "64-bit unsigned integer: convert with a.astype(np.uint16) or np.int32";
        break;
    case 'i':
        if (size == 1) { *e = TL_E_I8; return 0; }
        if (size == 2) { *e = TL_E_I16; return 0; }
        if (size == 4) { *e = TL_E_I32; return 0; }
        hint = "64-bit integer: convert with a.astype(np.int32)";
        break;
    case 'f':
        if (size == 4) { *e = TL_E_F32; return 0; }
        if (size == 8) { *e = TL_E_F64; return 0; }
        hint = size == 2 ? "half-precision float: convert with a.astype(np.float32)"
                         : "extended float: convert with a.astype(np.float32)";
        break;
    case 'b': if (size == 1) { *e = TL_E_BOOL; return 0; } break;
    case 'c': hint = "complex: save np.abs(a) or a.real as float32"; break;
    case 'U': case 'S': hint = "text strings"; break;
    case 'O': hint = "Python objects"; break;
    case 'M': case 'm': hint = "dates/times"; break;
    case 'V': hint = "raw void records"; break;
    }
    return tl_err(err, "load: npy '%s' has unsupported dtype '%s'%s%s%s (tomolith reads u1 i1 u2 i2 u4 i4 f4 f8 b1)",
                  path, d, hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
}

tl_volume *tl_npy_load(const char *path, const tl_io_load_opts *o, tl_error *err)
{
    if (tl_io_check_file(path, err)) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) { tl_err(err, "load: cannot open '%s': %s", path, strerror(errno)); return NULL; }
    struct stat st;
    fstat(fileno(f), &st);
    unsigned char pre[12];
    size_t got = fread(pre, 1, sizeof pre, f);
    tl_volume *v = NULL;
    char *h = NULL;
    if (got < 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        tl_err(err, "load: '%s' is not a NumPy .npy file (bad magic: the file must start with \\x93NUMPY)", path);
        goto done;
    }
    unsigned major = pre[6];
    size_t hlen, hstart;
    if (major == 1) { hlen = pre[8] | (size_t)pre[9] << 8; hstart = 10; }
    else if (major == 2 || major == 3) {
        if (got < 12) { tl_err(err, "load: npy '%s' is truncated inside its header", path); goto done; }
        hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        hstart = 12;
    } else {
        tl_err(err, "load: npy '%s' has format version %u.%u; tomolith reads versions 1, 2 and 3", path, major, pre[7]);
        goto done;
    }
    if (hstart + hlen > (size_t)st.st_size) {
        tl_err(err, "load: npy '%s' is truncated inside its header (%zu header bytes announced, file has %lld bytes)",
               path, hlen, (long long)st.st_size);
        goto done;
    }
    if (hlen > (16u << 20)) { tl_err(err, "load: npy '%s' header is implausibly long (%zu bytes)", path, hlen); goto done; }
    h = malloc(hlen + 1);
    if (!h) { tl_err(err, "load: out of memory reading '%s'", path); goto done; }
    if (fseeko(f, (off_t)hstart, SEEK_SET) != 0 || fread(h, 1, hlen, f) != hlen) {
        tl_err(err, "load: npy '%s' is truncated inside its header", path);
        goto done;
    }
    h[hlen] = 0;
    npy_header hd;
    const char *why = parse_header(h, &hd);
    if (why) { tl_err(err, "load: npy '%s' has a bad header: %s", path, why); goto done; }
    tl_elem e = TL_E_U8;
    int big;
    if (descr_elem(path, hd.descr, &e, &big, err)) goto done;
    if (hd.rank < 2 || hd.rank > 3) {
        char s[128] = "(";
        for (int i = 0; i < hd.rank && i < 8; i++)
            snprintf(s + strlen(s), sizeof s - strlen(s), "%s%zu", i ? ", " : "", hd.shape[i]);
        strcat(s, hd.rank == 1 ? ",)" : ")");
        tl_err(err, "load: npy '%s' is %d-D with shape %s; tomolith loads 2-D maps (ny, nx) and 3-D volumes (nz, ny, nx)",
               path, hd.rank, s);
        goto done;
    }
    size_t shape[3] = {1, 1, 1};
    for (int i = 0; i < hd.rank; i++) shape[3 - hd.rank + i] = hd.shape[i];
    if (!shape[0] || !shape[1] || !shape[2]) {
        tl_err(err, "load: npy '%s' has an empty axis: shape (%zu, %zu, %zu)", path, shape[0], shape[1], shape[2]);
        goto done;
    }
    unsigned long long need = (unsigned long long)shape[0] * shape[1] * shape[2] * tl_elem_size(e);
    unsigned long long have = (unsigned long long)st.st_size - hstart - hlen;
    if (need > have) {
        tl_err(err, "load: npy '%s' is truncated: shape (%zu, %zu, %zu) of %s needs %llu data bytes, the file holds %llu",
               path, shape[0], shape[1], shape[2], hd.descr, need, have);
        goto done;
    }
    size_t lo[3], hi[3];
    if (tl_io_resolve_crops(o ? o->crop : NULL, shape, path, NULL, lo, hi, err)) goto done;
    v = tl_vol_new(tl_elem_dtype(e), hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], err);
    if (!v) { tl_err_prefix(err, "load '%s': ", path); goto done; }
    if (tl_io_read_array(f, path, hstart + hlen, shape, e, big != host_is_big(), hd.fortran, lo, hi, v, err)) {
        tl_vol_unref(v);
        v = NULL;
        goto done;
    }
    char *side = tl_io_read_sidecar(path);
    if (side) {
        double vox[3];
        if (tl_io_json_voxel(side, vox)) tl_vol_set_voxel(v, vox[0], vox[1], vox[2]);
        free(side);
    }
done:
    free(h);
    fclose(f);
    return v;
}

int tl_npy_save(const tl_volume *v, const char *path, const tl_io_save_opts *o, tl_error *err)
{
    static const char *codes[] = {"u1", "u2", "i4", "f4", "f8"};
    int big = o && o->big_endian;
    char dict[256];
    int k = snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': False, 'shape': (%zu, %zu, %zu), }",
                     v->dtype == TL_U8 ? '|' : big ? '>' : '<', codes[v->dtype], v->nz, v->ny, v->nx);
    /* pad so that the data starts at a multiple of 64 bytes, as numpy does */
    size_t total = ((size_t)k + 1 + 10 + 63) / 64 * 64, hlen = total - 10;
    char hdr[320];
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    hdr[8] = (char)(hlen & 0xff);
    hdr[9] = (char)(hlen >> 8);
    memcpy(hdr + 10, dict, (size_t)k);
    memset(hdr + 10 + k, ' ', hlen - (size_t)k - 1);
    hdr[total - 1] = '\n';
    char tmp[4300];
    FILE *f = tl_io_open_tmp(path, tmp, sizeof tmp, err);
    if (!f) return -1;
    int failed = fwrite(hdr, 1, total, f) != total;
    if (failed) tl_err(err, "save: writing '%s' failed: %s", path, strerror(errno));
    else failed = tl_io_write_array(f, path, v, big != host_is_big(), err) != 0;
    if (tl_io_commit_tmp(f, tmp, path, failed, err)) return -1;
    return tl_io_write_sidecar(path, v->voxel_um, NULL, err);
}
