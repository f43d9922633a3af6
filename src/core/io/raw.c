/* raw.c — headerless binary volumes: the caller gives shape, dtype and
 * byte order (and optionally a header size to skip). A raw file written
 * by tomolith carries its shape, dtype and byte order in its sidecar
 * "<file>.provenance.json", so it loads back without options. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_internal.h"
#include "json.h"

static int host_is_big(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 0;
}

/* Shape/dtype/byte order from a tomolith sidecar; 0 if it has them. */
static int sidecar_layout(const char *side, size_t shape[3], tl_elem *e, int *big, double vox[3], int *has_vox)
{
    tl_json *j = tl_json_parse(side, "sidecar", NULL);
    const tl_json *raw = tl_json_get(j, "raw");
    const tl_json *sh = tl_json_get(raw, "shape"), *dt = tl_json_get(raw, "dtype"), *bo = tl_json_get(raw, "byteorder");
    int ok = sh && sh->type == TL_JSON_ARRAY && sh->n == 3 && dt && dt->type == TL_JSON_STRING &&
             tl_elem_parse(dt->str, e) == 0;
    for (size_t i = 0; ok && i < 3; i++) {
        ok = sh->items[i]->type == TL_JSON_NUMBER && sh->items[i]->num >= 1 && sh->items[i]->num < 1e15;
        if (ok) shape[i] = (size_t)sh->items[i]->num;
    }
    *big = bo && bo->type == TL_JSON_STRING && strcmp(bo->str, "big") == 0;
    tl_json_free(j);
    *has_vox = ok && tl_io_json_voxel(side, vox);
    return ok ? 0 : -1;
}

tl_volume *tl_raw_load(const char *path, const tl_io_load_opts *o, tl_error *err)
{
    if (tl_io_check_file(path, err)) return NULL;
    size_t shape[3] = {1, 1, 1};
    tl_elem e;
    int big = 0, has_vox = 0;
    double vox[3];
    if (o && (o->rank || o->dtype)) {
        if (!o->rank)
            return tl_err(err, "load: raw file '%s' needs shape={nz, ny, nx} (or {ny, nx}) as well as dtype", path), NULL;
        if (!o->dtype)
            return tl_err(err, "load: raw file '%s' needs dtype= (u8 i8 u16 i16 u32 i32 f32 f64) as well as shape", path), NULL;
        if (tl_elem_parse(o->dtype, &e))
            return tl_err(err, "load: argument 'dtype' must be one of u8 i8 u16 i16 u32 i32 f32 f64 (got '%s')", o->dtype), NULL;
        for (int i = 0; i < o->rank; i++) shape[3 - o->rank + i] = o->shape[i];
        big = o->big_endian;
    } else {
        char *side = tl_io_read_sidecar(path);
        int bad = !side || sidecar_layout(side, shape, &e, &big, vox, &has_vox);
        free(side);
        if (bad)
            return tl_err(err, "load: raw file '%s' needs shape={nz, ny, nx} and dtype= (no tomolith sidecar "
                               "'%s.provenance.json' describes it)", path, path), NULL;
    }
    struct stat st;
    if (stat(path, &st) != 0) return tl_err(err, "load: '%s': %s", path, strerror(errno)), NULL;
    size_t offset = o ? o->offset : 0;
    unsigned long long need = (unsigned long long)shape[0] * shape[1] * shape[2] * tl_elem_size(e);
    unsigned long long have = (unsigned long long)st.st_size > offset ? (unsigned long long)st.st_size - offset : 0;
    if (need != have)
        return tl_err(err, "load: raw file '%s' holds %llu bytes after the %zu-byte offset, but shape (%zu, %zu, %zu) "
                           "of %s needs %llu", path, have, offset, shape[0], shape[1], shape[2], tl_elem_name(e), need), NULL;
    size_t lo[3], hi[3];
    if (tl_io_resolve_crops(o ? o->crop : NULL, shape, path, NULL, lo, hi, err)) return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return tl_err(err, "load: cannot open '%s': %s", path, strerror(errno)), NULL;
    tl_volume *v = tl_vol_new(tl_elem_dtype(e), hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], err);
    if (!v) { fclose(f); tl_err_prefix(err, "load '%s': ", path); return NULL; }
    if (tl_io_read_array(f, path, offset, shape, e, big != host_is_big(), 0, lo, hi, v, err)) {
        tl_vol_unref(v);
        v = NULL;
    }
    fclose(f);
    if (v && has_vox) tl_vol_set_voxel(v, vox[0], vox[1], vox[2]);
    return v;
}

int tl_raw_save(const tl_volume *v, const char *path, const tl_io_save_opts *o, tl_error *err)
{
    int big = o && o->big_endian;
    char tmp[4300];
    FILE *f = tl_io_open_tmp(path, tmp, sizeof tmp, err);
    if (!f) return -1;
    int failed = tl_io_write_array(f, path, v, big != host_is_big(), err) != 0;
    if (tl_io_commit_tmp(f, tmp, path, failed, err)) return -1;
    char extra[256];
    snprintf(extra, sizeof extra, "\"raw\": {\"shape\": [%zu, %zu, %zu], \"dtype\": \"%s\", \"byteorder\": \"%s\"}",
             v->nz, v->ny, v->nx, tl_dtype_name(v->dtype), big ? "big" : "little");
    return tl_io_write_sidecar(path, v->voxel_um, extra, err);
}
