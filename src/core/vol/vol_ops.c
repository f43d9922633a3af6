/* vol_ops.c — crop, slice, dtype conversion, statistics, element-wise maths. */
#include "vol.h"
#include "vol_convert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 4096

tl_volume *tl_vol_crop(const tl_volume *v, size_t z0, size_t z1, size_t y0, size_t y1,
                       size_t x0, size_t x1, tl_error *err)
{
    char s[64];
    if (z0 >= z1 || z1 > v->nz || y0 >= y1 || y1 > v->ny || x0 >= x1 || x1 > v->nx) {
        tl_err(err, "crop z=[%zu,%zu] y=[%zu,%zu] x=[%zu,%zu] (1-based, inclusive) is empty or outside the volume %s",
               z0 + 1, z1, y0 + 1, y1, x0 + 1, x1, tl_vol_shape_str(v, s, sizeof s));
        return NULL;
    }
    tl_volume *c = tl_vol_new_uninit(v->dtype, z1 - z0, y1 - y0, x1 - x0, err);
    if (!c || tl_vol_copy_attrs(c, v, err) != 0) { tl_vol_unref(c); return NULL; }
    size_t es = tl_dtype_size(v->dtype), row = (x1 - x0) * es;
    for (size_t z = z0; z < z1; z++)
        for (size_t y = y0; y < y1; y++)
            memcpy((char *)c->data + (((z - z0) * c->ny + (y - y0)) * c->nx) * es,
                   (const char *)v->data + ((z * v->ny + y) * v->nx + x0) * es, row);
    return c;
}

tl_volume *tl_vol_slice(const tl_volume *v, int axis, size_t index, tl_error *err)
{
    size_t len[3] = {v->nz, v->ny, v->nx};
    static const char *names = "zyx";
    if (axis < 0 || axis > 2) { tl_err(err, "slice: axis must be z, y or x"); return NULL; }
    if (index >= len[axis]) {
        tl_err(err, "slice: %c index %zu is outside 1..%zu", names[axis], index + 1, len[axis]);
        return NULL;
    }
    /* the slice's rows: (1, ny, nx) for z, (1, nz, nx) for y, (1, nz, ny) for x;
     * every element is written below, so no zeroing */
    const size_t es = tl_dtype_size(v->dtype);
    tl_volume *s = tl_vol_new_uninit(v->dtype, 1, axis == 0 ? v->ny : v->nz, axis == 2 ? v->ny : v->nx, err);
    if (!s) return NULL;
    if (tl_vol_copy_attrs(s, v, err)) { tl_vol_unref(s); return NULL; }
    if (axis == 0) {
        memcpy(s->data, (const char *)v->data + index * v->ny * v->nx * es, v->ny * v->nx * es);
    } else if (axis == 1) {
        for (size_t z = 0; z < v->nz; z++)
            memcpy((char *)s->data + z * v->nx * es, (const char *)v->data + ((z * v->ny + index) * v->nx) * es, v->nx * es);
        tl_vol_set_voxel(s, v->voxel_um[1], v->voxel_um[0], v->voxel_um[2]);
    } else {
        for (size_t z = 0; z < v->nz; z++)
            for (size_t y = 0; y < v->ny; y++)
                memcpy((char *)s->data + (z * v->ny + y) * es, (const char *)v->data + ((z * v->ny + y) * v->nx + index) * es, es);
        tl_vol_set_voxel(s, v->voxel_um[2], v->voxel_um[0], v->voxel_um[1]);
    }
    return s;
}

tl_volume *tl_vol_astype(const tl_volume *v, tl_dtype to, double scale, double offset, tl_error *err)
{
    if (!isfinite(scale) || !isfinite(offset)) { tl_err(err, "astype: scale and offset must be finite"); return NULL; }
    tl_volume *o = tl_vol_new_like(v, to, err);
    if (!o) return NULL;
    size_t n = tl_vol_count(v);
    #pragma omp parallel for schedule(static)
    for (size_t b = 0; b < n; b += BLOCK) {
        double buf[BLOCK];
        size_t m = n - b < BLOCK ? n - b : BLOCK;
        tl_load_f64(v->data, v->dtype, b, m, buf);
        if (scale != 1.0 || offset != 0.0)
            for (size_t k = 0; k < m; k++) buf[k] = buf[k] * scale + offset;
        tl_store_f64(o->data, to, b, m, buf);
    }
    return o;
}

/* Statistics: min/max/mean/std in double with a fixed block decomposition,
 * so the result does not depend on the number of threads. */
int tl_vol_stats(const tl_volume *v, const tl_volume *mask, size_t nbins, tl_stats *out, tl_error *err)
{
    memset(out, 0, sizeof *out);
    if (mask && tl_vol_check_same_shape(v, "volume", mask, "mask", err)) return -1;
    if (mask && mask->dtype != TL_U8) return tl_err(err, "stats: mask must be u8, got %s", tl_dtype_name(mask->dtype));
    size_t n = tl_vol_count(v), nblk = (n + BLOCK - 1) / BLOCK;
    double *bs = calloc(nblk * 5, sizeof *bs); /* per block: count, sum, min, max, nan */
    if (!bs) return tl_err(err, "stats: out of memory");
    #pragma omp parallel for schedule(static)
    for (size_t ib = 0; ib < nblk; ib++) {
        double buf[BLOCK];
        size_t b = ib * BLOCK, m = n - b < BLOCK ? n - b : BLOCK;
        tl_load_f64(v->data, v->dtype, b, m, buf);
        const uint8_t *mk = mask ? (const uint8_t *)mask->data + b : NULL;
        double c = 0, s = 0, lo = INFINITY, hi = -INFINITY, nn = 0;
        for (size_t k = 0; k < m; k++) {
            if (mk && !mk[k]) continue;
            double x = buf[k];
            if (isnan(x)) { nn++; continue; }
            c++; s += x;
            if (x < lo) lo = x;
            if (x > hi) hi = x;
        }
        double *r = bs + 5 * ib;
        r[0] = c; r[1] = s; r[2] = lo; r[3] = hi; r[4] = nn;
    }
    double c = 0, s = 0, lo = INFINITY, hi = -INFINITY, nn = 0;
    for (size_t ib = 0; ib < nblk; ib++) {
        double *r = bs + 5 * ib;
        c += r[0]; s += r[1]; nn += r[4];
        if (r[2] < lo) lo = r[2];
        if (r[3] > hi) hi = r[3];
    }
    out->count = (size_t)c;
    out->nan_count = (size_t)nn;
    if (c == 0) {
        free(bs);
        return tl_err(err, "stats: no voxels to measure (empty mask or all NaN)");
    }
    double mean = s / c;
    /* second pass for the variance: numerically safer than sum of squares */
    #pragma omp parallel for schedule(static)
    for (size_t ib = 0; ib < nblk; ib++) {
        double buf[BLOCK];
        size_t b = ib * BLOCK, m = n - b < BLOCK ? n - b : BLOCK;
        tl_load_f64(v->data, v->dtype, b, m, buf);
        const uint8_t *mk = mask ? (const uint8_t *)mask->data + b : NULL;
        double q = 0;
        for (size_t k = 0; k < m; k++) {
            if ((mk && !mk[k]) || isnan(buf[k])) continue;
            double d = buf[k] - mean;
            q += d * d;
        }
        bs[5 * ib] = q;
    }
    double q = 0;
    for (size_t ib = 0; ib < nblk; ib++) q += bs[5 * ib];
    free(bs);
    out->min = lo; out->max = hi; out->mean = mean;
    out->std = sqrt(q / c);
    if (nbins > 0) {
        out->hist = calloc(nbins, sizeof *out->hist);
        if (!out->hist) return tl_err(err, "stats: out of memory for %zu bins", nbins);
        out->nbins = nbins;
        out->hist_lo = lo; out->hist_hi = hi;
        double w = hi > lo ? (hi - lo) / (double)nbins : 1.0;
        for (size_t b = 0; b < n; b += BLOCK) {
            double buf[BLOCK];
            size_t m = n - b < BLOCK ? n - b : BLOCK;
            tl_load_f64(v->data, v->dtype, b, m, buf);
            const uint8_t *mk = mask ? (const uint8_t *)mask->data + b : NULL;
            for (size_t k = 0; k < m; k++) {
                if ((mk && !mk[k]) || isnan(buf[k])) continue;
                size_t i = (size_t)((buf[k] - lo) / w);
                out->hist[i >= nbins ? nbins - 1 : i]++;
            }
        }
    }
    return 0;
}

static double apply(tl_binop op, double a, double b)
{
    switch (op) {
    case TL_OP_ADD: return a + b;
    case TL_OP_SUB: return a - b;
    case TL_OP_MUL: return a * b;
    case TL_OP_DIV: return a / b;
    case TL_OP_LT: return a < b;
    case TL_OP_LE: return a <= b;
    case TL_OP_GT: return a > b;
    case TL_OP_GE: return a >= b;
    case TL_OP_EQ: return a == b;
    case TL_OP_NE: return a != b;
    }
    return NAN;
}

static tl_dtype result_dtype(tl_binop op, tl_dtype a, tl_dtype b)
{
    if (op >= TL_OP_LT) return TL_U8;
    return (a == TL_F64 || b == TL_F64) ? TL_F64 : TL_F32;
}

tl_volume *tl_vol_binop(const tl_volume *a, const tl_volume *b, tl_binop op, tl_error *err)
{
    if (tl_vol_check_same_shape(a, "left operand", b, "right operand", err)) return NULL;
    tl_volume *o = tl_vol_new_like(a, result_dtype(op, a->dtype, b->dtype), err);
    if (!o) return NULL;
    size_t n = tl_vol_count(a);
    #pragma omp parallel for schedule(static)
    for (size_t s = 0; s < n; s += BLOCK) {
        double x[BLOCK], y[BLOCK];
        size_t m = n - s < BLOCK ? n - s : BLOCK;
        tl_load_f64(a->data, a->dtype, s, m, x);
        tl_load_f64(b->data, b->dtype, s, m, y);
        for (size_t k = 0; k < m; k++) x[k] = apply(op, x[k], y[k]);
        tl_store_f64(o->data, o->dtype, s, m, x);
    }
    return o;
}

tl_volume *tl_vol_binop_scalar(const tl_volume *a, double sc, tl_binop op, int scalar_first, tl_error *err)
{
    tl_volume *o = tl_vol_new_like(a, result_dtype(op, a->dtype, TL_F32), err);
    if (!o) return NULL;
    size_t n = tl_vol_count(a);
    #pragma omp parallel for schedule(static)
    for (size_t s = 0; s < n; s += BLOCK) {
        double x[BLOCK];
        size_t m = n - s < BLOCK ? n - s : BLOCK;
        tl_load_f64(a->data, a->dtype, s, m, x);
        for (size_t k = 0; k < m; k++) x[k] = scalar_first ? apply(op, sc, x[k]) : apply(op, x[k], sc);
        tl_store_f64(o->data, o->dtype, s, m, x);
    }
    return o;
}
