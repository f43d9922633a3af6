/* seg_columns.h — helpers shared by the per-column measurements that work
 * on whole columns in walk order (li_thickness.c, interphase.c). */
#ifndef TL_SEG_COLUMNS_H
#define TL_SEG_COLUMNS_H
#include <stddef.h>
#include <stdint.h>

#include "seg.h"

static inline double tl_clamp01(double f) { return f < 0 ? 0 : f > 1 ? 1 : f; }

/* Fraction of material a in a voxel of intensity v that mixes a (level la)
 * with b (level lb): linear partial volume, clamped to [0, 1]. */
static inline double tl_mix(double v, double la, double lb) { return tl_clamp01((lb - v) / (lb - la)); }

/* The Li boundary at the electrolyte side of a void-free run [s, e] in
 * walk order: the last run voxel darker than mid (the Li/partner midpoint),
 * s at the least. Past it the run holds the partner (an interphase darker
 * than li_max is in the Li mask too). */
static inline int tl_li_boundary(const float *v, int s, int e, double mid)
{
    int b = e;
    while (b > s && !(v[b] < mid)) b--;
    return b;
}

/* Rows [y, y + ncol / nx) of a volume, column-major in walk order (from the
 * collector: +z for TOP, -z for BOTTOM): buf[c * nz + k] = step k of column c.
 * Plane reads stay contiguous. */
void tl_gather_columns_f32(const tl_volume *vol, size_t y, size_t ncol, int fwd, float *buf);
void tl_gather_columns_u8(const tl_volume *vol, size_t y, size_t ncol, int fwd, uint8_t *buf);

/* For rows [y, y + ncol / nx) of a u8 mask: the walk step of each column's
 * last mask voxel along the walk (fwd as tl_walk_z), -1 where the column
 * has none. Reads one byte per voxel, plane by plane. */
void tl_last_in_walk(const tl_volume *mask, size_t y, size_t ncol, int fwd, int32_t *last);

/* One column in walk order: li and vd (may be NULL) masks of n voxels.
 * First and last Li voxel, first and last void voxel inside the run (-1 if
 * none). Returns 0 when the column holds no Li. */
int tl_column_runs(const uint8_t *li, const uint8_t *vd, int n, int *s, int *e, int *v0, int *v1);

/* Calls fn for every (y, x) column of vol with its voxels, Li mask and
 * void mask (NULL when voids is NULL) in walk order; col = y * nx + x.
 * Columns are gathered a chunk of rows at a time (contiguous plane reads)
 * and visited in parallel: fn must write only its own column's slots, so
 * the result is the same for any thread count. -1 when out of memory. */
typedef void (*tl_column_fn)(void *ctx, size_t col, const float *v, const uint8_t *li, const uint8_t *vd, int n);
int tl_for_each_column(const tl_volume *vol, const tl_volume *li, const tl_volume *voids, int fwd, tl_column_fn fn,
                       void *ctx);

/* A classifier's contact map overriding the void walk: a column in contact
 * holds no interfacial void, so its void-mask voxels are not used. contact
 * may be NULL (no override). */
static inline const uint8_t *tl_voids_unless_contact(const uint8_t *vd, const uint8_t *contact, size_t col)
{
    return contact && contact[col] ? NULL : vd;
}
/* The inputs of a per-column measurement: an f32 volume with columns along
 * z (nz >= 2), a u8 Li mask and an optional u8 void mask of its shape; op
 * names the operator in the error. */
int tl_check_column_inputs(const tl_volume *vol, const tl_volume *li, const tl_volume *voids, const char *op,
                           tl_error *err);

/* contact (may be NULL) must be a u8 (y, x) map of li's columns; op names
 * the operator in the error. */
int tl_check_contact_map(const tl_volume *contact, const tl_volume *li, const char *op, tl_error *err);

/* Median of n floats (reorders them); NaN when n = 0. */
double tl_median_float(float *x, size_t n);
#endif
