/* vol.h — the volume: a dense 3D array (nz, ny, nx), x fastest.
 *
 * z is the cell's stack axis and the rotation axis. A 2D map is a volume
 * with nz == 1; a 1-D series is f64 with nz == ny == 1. Memory is 64-byte
 * aligned. Volumes are reference-counted: tl_vol_new returns one
 * reference; tl_vol_unref drops one and frees at zero. */
#ifndef TL_VOL_H
#define TL_VOL_H

#include <stddef.h>
#include <stdint.h>

#include "../tl_error.h"

typedef enum { TL_U8 = 0, TL_U16, TL_I32, TL_F32, TL_F64, TL_NDTYPES } tl_dtype;

/* Bitmask helpers for "which dtypes does this argument accept". */
#define TL_DT(d) (1u << (d))
#define TL_DT_ANY 0u
#define TL_DT_INT (TL_DT(TL_U8) | TL_DT(TL_U16) | TL_DT(TL_I32))
#define TL_DT_REAL (TL_DT(TL_F32) | TL_DT(TL_F64))

typedef struct tl_meta_item {
    char *key;
    char *value;
} tl_meta_item;

typedef struct tl_volume {
    int refcount;
    tl_dtype dtype;
    size_t nz, ny, nx;
    double voxel_um[3]; /* size along z, y, x in micrometres */
    void *data;         /* 64-byte aligned, nz*ny*nx elements */
    tl_meta_item *meta; /* small string dictionary (units, source, ...) */
    size_t nmeta;
} tl_volume;

const char *tl_dtype_name(tl_dtype d);       /* "u8", "u16", "i32", "f32", "f64" */
int tl_dtype_parse(const char *s, tl_dtype *d); /* 0 ok, -1 unknown */
size_t tl_dtype_size(tl_dtype d);

/* New zero-filled volume with voxel size 1 µm. NULL + message on failure
 * (bad shape, out of memory). */
tl_volume *tl_vol_new(tl_dtype dtype, size_t nz, size_t ny, size_t nx, tl_error *err);
/* The same without zeroing: for outputs every voxel of which is written. */
tl_volume *tl_vol_new_uninit(tl_dtype dtype, size_t nz, size_t ny, size_t nx, tl_error *err);
/* Same shape, voxel size and metadata as `like`, given dtype, zero-filled. */
tl_volume *tl_vol_new_like(const tl_volume *like, tl_dtype dtype, tl_error *err);
tl_volume *tl_vol_copy(const tl_volume *v, tl_error *err);
tl_volume *tl_vol_ref(tl_volume *v);
void tl_vol_unref(tl_volume *v);

static inline size_t tl_vol_count(const tl_volume *v) { return v->nz * v->ny * v->nx; }
static inline size_t tl_vol_bytes(const tl_volume *v) { return tl_vol_count(v) * tl_dtype_size(v->dtype); }
static inline int tl_vol_is_2d(const tl_volume *v) { return v->nz == 1; }
void tl_vol_set_voxel(tl_volume *v, double z_um, double y_um, double x_um);
/* Copy voxel size and metadata from src to dst. */
int tl_vol_copy_attrs(tl_volume *dst, const tl_volume *src, tl_error *err);

/* Bytes currently held by all live volumes (for the host's GC pacing). */
size_t tl_vol_live_bytes(void);

/* Metadata dictionary. */
int tl_vol_meta_set(tl_volume *v, const char *key, const char *value, tl_error *err);
const char *tl_vol_meta_get(const tl_volume *v, const char *key); /* NULL if absent */

/* Element access as double, with index z,y,x (0-based). */
double tl_vol_get(const tl_volume *v, size_t z, size_t y, size_t x);
void tl_vol_put(tl_volume *v, size_t z, size_t y, size_t x, double value);

/* Shapes: "(nz, ny, nx)" into buf; returns buf. */
const char *tl_vol_shape_str(const tl_volume *v, char *buf, size_t n);
/* Error unless a and b have the same shape; names the arguments. */
int tl_vol_check_same_shape(const tl_volume *a, const char *aname,
                            const tl_volume *b, const char *bname, tl_error *err);
/* Error if the volume holds NaN or infinity (f32/f64 only). */
int tl_vol_check_finite(const tl_volume *v, const char *name, tl_error *err);

/* Sub-volume [z0,z1) x [y0,y1) x [x0,x1) (0-based, half-open). */
tl_volume *tl_vol_crop(const tl_volume *v, size_t z0, size_t z1, size_t y0, size_t y1,
                       size_t x0, size_t x1, tl_error *err);
/* One slice as a 2D volume (nz = 1): axis 0 = z, 1 = y, 2 = x. For y and x
 * the result's rows are z: a y-slice is (1, nz, nx), an x-slice (1, nz, ny). */
tl_volume *tl_vol_slice(const tl_volume *v, int axis, size_t index, tl_error *err);
/* Convert dtype: out = in * scale + offset, rounded and clamped for integers. */
tl_volume *tl_vol_astype(const tl_volume *v, tl_dtype to, double scale, double offset, tl_error *err);

typedef struct tl_stats {
    double min, max, mean, std;
    size_t count, nan_count;
    size_t nbins;
    double hist_lo, hist_hi;
    size_t *hist; /* nbins counts over [hist_lo, hist_hi], caller frees */
} tl_stats;
/* Stats over all voxels, or only where mask != 0 if mask is given.
 * nbins 0 = no histogram. Deterministic for any thread count. */
int tl_vol_stats(const tl_volume *v, const tl_volume *mask, size_t nbins, tl_stats *out, tl_error *err);

/* Element-wise arithmetic and comparisons. */
typedef enum { TL_OP_ADD, TL_OP_SUB, TL_OP_MUL, TL_OP_DIV, TL_OP_LT, TL_OP_LE, TL_OP_GT,
               TL_OP_GE, TL_OP_EQ, TL_OP_NE } tl_binop;
/* a op b for two volumes of the same shape. Arithmetic gives f32 (f64 if either
 * is f64); comparisons give u8 masks (0/1). */
tl_volume *tl_vol_binop(const tl_volume *a, const tl_volume *b, tl_binop op, tl_error *err);
/* a op s (scalar_first = 0) or s op a (scalar_first = 1). */
tl_volume *tl_vol_binop_scalar(const tl_volume *a, double s, tl_binop op, int scalar_first, tl_error *err);

#endif
