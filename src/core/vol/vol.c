/* vol.c — volume allocation, reference counting, metadata, element access. */
#include "vol.h"
#include "vol_convert.h"

#include "../util/bigbuf.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic size_t live_bytes = 0;

size_t tl_vol_live_bytes(void) { return atomic_load(&live_bytes); }

static const char *const dtype_names[TL_NDTYPES] = {"u8", "u16", "i32", "f32", "f64"};
static const size_t dtype_sizes[TL_NDTYPES] = {1, 2, 4, 4, 8};

const char *tl_dtype_name(tl_dtype d) { return (unsigned)d < TL_NDTYPES ? dtype_names[d] : "?"; }
size_t tl_dtype_size(tl_dtype d) { return (unsigned)d < TL_NDTYPES ? dtype_sizes[d] : 0; }

int tl_dtype_parse(const char *s, tl_dtype *d)
{
    for (int i = 0; i < TL_NDTYPES; i++)
        if (strcmp(s, dtype_names[i]) == 0) { *d = (tl_dtype)i; return 0; }
    return -1;
}

/* Large volumes come from tl_big_alloc: fresh ones are the kernel's zero
 * pages (untouched pages cost nothing), freed ones are reused by the next
 * volume of the same size instead of faulting new pages in. */
static tl_volume *vol_alloc(tl_dtype dtype, size_t nz, size_t ny, size_t nx, int zero, tl_error *err)
{
    if ((unsigned)dtype >= TL_NDTYPES) { tl_err(err, "unknown dtype %d", (int)dtype); return NULL; }
    if (nz == 0 || ny == 0 || nx == 0) {
        tl_err(err, "volume shape (%zu, %zu, %zu) has an empty axis", nz, ny, nx);
        return NULL;
    }
    size_t es = tl_dtype_size(dtype);
    if (ny > SIZE_MAX / nx || nz > SIZE_MAX / (ny * nx) || nz * ny * nx > SIZE_MAX / es / 2) {
        tl_err(err, "volume shape (%zu, %zu, %zu) is too large", nz, ny, nx);
        return NULL;
    }
    size_t bytes = nz * ny * nx * es;
    size_t padded = (bytes + 63) & ~(size_t)63;
    tl_volume *v = calloc(1, sizeof *v);
    void *data = v ? tl_big_alloc(padded, zero) : NULL;
    if (!data) {
        free(v);
        tl_err(err, "out of memory allocating a %s volume (%zu, %zu, %zu) of %.1f MB",
               tl_dtype_name(dtype), nz, ny, nx, (double)bytes / 1e6);
        return NULL;
    }
    v->refcount = 1;
    v->dtype = dtype;
    v->nz = nz; v->ny = ny; v->nx = nx;
    v->voxel_um[0] = v->voxel_um[1] = v->voxel_um[2] = 1.0;
    v->data = data;
    atomic_fetch_add(&live_bytes, padded);
    return v;
}

tl_volume *tl_vol_new(tl_dtype dtype, size_t nz, size_t ny, size_t nx, tl_error *err)
{
    return vol_alloc(dtype, nz, ny, nx, 1, err);
}

tl_volume *tl_vol_new_uninit(tl_dtype dtype, size_t nz, size_t ny, size_t nx, tl_error *err)
{
    return vol_alloc(dtype, nz, ny, nx, 0, err);
}

tl_volume *tl_vol_new_like(const tl_volume *like, tl_dtype dtype, tl_error *err)
{
    tl_volume *v = tl_vol_new(dtype, like->nz, like->ny, like->nx, err);
    if (v && tl_vol_copy_attrs(v, like, err) != 0) { tl_vol_unref(v); return NULL; }
    return v;
}

int tl_vol_copy_attrs(tl_volume *dst, const tl_volume *src, tl_error *err)
{
    memcpy(dst->voxel_um, src->voxel_um, sizeof dst->voxel_um);
    for (size_t i = 0; i < src->nmeta; i++)
        if (tl_vol_meta_set(dst, src->meta[i].key, src->meta[i].value, err) != 0) return -1;
    return 0;
}

tl_volume *tl_vol_copy(const tl_volume *v, tl_error *err)
{
    tl_volume *c = tl_vol_new_uninit(v->dtype, v->nz, v->ny, v->nx, err);
    if (c && tl_vol_copy_attrs(c, v, err)) { tl_vol_unref(c); return NULL; }
    if (c) memcpy(c->data, v->data, tl_vol_bytes(v));
    return c;
}

tl_volume *tl_vol_ref(tl_volume *v)
{
    if (v) v->refcount++;
    return v;
}

void tl_vol_unref(tl_volume *v)
{
    if (!v || --v->refcount > 0) return;
    size_t padded = (tl_vol_bytes(v) + 63) & ~(size_t)63;
    atomic_fetch_sub(&live_bytes, padded);
    tl_big_free(v->data);
    for (size_t i = 0; i < v->nmeta; i++) { free(v->meta[i].key); free(v->meta[i].value); }
    free(v->meta);
    free(v);
}

void tl_vol_set_voxel(tl_volume *v, double z_um, double y_um, double x_um)
{
    v->voxel_um[0] = z_um; v->voxel_um[1] = y_um; v->voxel_um[2] = x_um;
}

int tl_vol_meta_set(tl_volume *v, const char *key, const char *value, tl_error *err)
{
    for (size_t i = 0; i < v->nmeta; i++) {
        if (strcmp(v->meta[i].key, key) == 0) {
            char *nv = strdup(value);
            if (!nv) return tl_err(err, "out of memory setting metadata '%s'", key);
            free(v->meta[i].value);
            v->meta[i].value = nv;
            return 0;
        }
    }
    tl_meta_item *m = realloc(v->meta, (v->nmeta + 1) * sizeof *m);
    if (!m) return tl_err(err, "out of memory setting metadata '%s'", key);
    v->meta = m;
    m[v->nmeta].key = strdup(key);
    m[v->nmeta].value = strdup(value);
    if (!m[v->nmeta].key || !m[v->nmeta].value) {
        free(m[v->nmeta].key); free(m[v->nmeta].value);
        return tl_err(err, "out of memory setting metadata '%s'", key);
    }
    v->nmeta++;
    return 0;
}

const char *tl_vol_meta_get(const tl_volume *v, const char *key)
{
    for (size_t i = 0; i < v->nmeta; i++)
        if (strcmp(v->meta[i].key, key) == 0) return v->meta[i].value;
    return NULL;
}

/* One element through the dtype-run converters, so rounding and clamping
 * are the ones every operator uses. */
double tl_vol_get(const tl_volume *v, size_t z, size_t y, size_t x)
{
    double d = NAN; /* an unknown dtype */
    tl_load_f64(v->data, v->dtype, (z * v->ny + y) * v->nx + x, 1, &d);
    return d;
}

void tl_vol_put(tl_volume *v, size_t z, size_t y, size_t x, double value)
{
    tl_store_f64(v->data, v->dtype, (z * v->ny + y) * v->nx + x, 1, &value);
}

const char *tl_vol_shape_str(const tl_volume *v, char *buf, size_t n)
{
    snprintf(buf, n, "(%zu, %zu, %zu)", v->nz, v->ny, v->nx);
    return buf;
}

int tl_vol_check_same_shape(const tl_volume *a, const char *aname, const tl_volume *b,
                            const char *bname, tl_error *err)
{
    if (a->nz == b->nz && a->ny == b->ny && a->nx == b->nx) return 0;
    char sa[64], sb[64];
    return tl_err(err, "shape mismatch: %s is %s but %s is %s", aname,
                  tl_vol_shape_str(a, sa, sizeof sa), bname, tl_vol_shape_str(b, sb, sizeof sb));
}

int tl_vol_check_finite(const tl_volume *v, const char *name, tl_error *err)
{
    size_t n = tl_vol_count(v), bad = n;
    if (v->dtype != TL_F32 && v->dtype != TL_F64) return 0;
    /* the first bad index, whatever the thread count: a min-reduction; one
     * loop per dtype, so the common f32 case reads floats without a
     * per-element conversion and dtype branch */
    if (v->dtype == TL_F32) {
        const float *p = v->data;
        #pragma omp parallel for schedule(static) reduction(min : bad)
        for (size_t i = 0; i < n; i++)
            if (!isfinite(p[i]) && i < bad) bad = i;
    } else {
        const double *p = v->data;
        #pragma omp parallel for schedule(static) reduction(min : bad)
        for (size_t i = 0; i < n; i++)
            if (!isfinite(p[i]) && i < bad) bad = i;
    }
    if (bad == n) return 0;
    size_t x = bad % v->nx, y = (bad / v->nx) % v->ny, z = bad / (v->nx * v->ny);
    return tl_err(err, "%s holds a non-finite value (NaN or infinity) at z=%zu, y=%zu, x=%zu (1-based)",
                  name, z + 1, y + 1, x + 1);
}
