/* morphology.c — binary erosion/dilation with a ball, opening, closing,
 * hole filling, removal of small objects.
 *
 * A ball of radius r is, per (dz, dy) offset, an x interval of half-width
 * w = floor(sqrt(r² - dz² - dy²)). Each row gets the distance from every
 * voxel to the nearest foreground voxel of that row (capped), so a dilated
 * voxel is "some offset row has distance <= w": O(r²) byte compares per
 * voxel, contiguous, and independent per output row (deterministic). */
#include "seg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* d[x] = distance to the nearest x' with (m[x'] != 0) == want, capped at cap. */
static void row_distance(const uint8_t *m, size_t nx, int want, uint8_t cap, uint8_t *d)
{
    uint8_t run = cap;
    for (size_t x = 0; x < nx; x++) {
        if ((m[x] != 0) == want) run = 0;
        else if (run < cap) run++;
        d[x] = run;
    }
    run = cap;
    for (size_t x = nx; x-- > 0;) {
        if ((m[x] != 0) == want) run = 0;
        else if (run < cap) run++;
        if (run < d[x]) d[x] = run;
    }
}

/* Dilation of the set {voxels equal to `want`}; outside counts as not in the set.
 * Returns a u8 volume holding 1 where the dilated set is. */
static tl_volume *dilate_set(const tl_volume *mask, int want, int r, tl_error *err)
{
    const size_t nz = mask->nz, ny = mask->ny, nx = mask->nx, nrows = nz * ny;
    uint8_t *dist = malloc(nrows * nx);
    tl_volume *out = tl_vol_new_like(mask, TL_U8, err);
    if (!dist || !out) { free(dist); tl_vol_unref(out); if (out) tl_err(err, "morphology: out of memory"); return NULL; }
    const uint8_t cap = (uint8_t)(r + 1);
    const uint8_t *m = mask->data;
    #pragma omp parallel for schedule(static)
    for (size_t q = 0; q < nrows; q++) row_distance(m + q * nx, nx, want, cap, dist + q * nx);
    /* offsets of the ball: (dz, dy, w); in 2D maps only dz = 0 */
    int maxoff = (2 * r + 1) * (2 * r + 1), noff = 0;
    int *odz = malloc((size_t)maxoff * sizeof *odz), *ody = malloc((size_t)maxoff * sizeof *ody);
    uint8_t *ow = malloc((size_t)maxoff);
    if (!odz || !ody || !ow) { free(dist); free(odz); free(ody); free(ow); tl_vol_unref(out); tl_err(err, "morphology: out of memory"); return NULL; }
    int rz = nz > 1 ? r : 0;
    for (int dz = -rz; dz <= rz; dz++)
        for (int dy = -r; dy <= r; dy++) {
            int rem = r * r - dz * dz - dy * dy;
            if (rem < 0) continue;
            odz[noff] = dz; ody[noff] = dy; ow[noff] = (uint8_t)floor(sqrt((double)rem) + 1e-9);
            noff++;
        }
    uint8_t *o = out->data;
    #pragma omp parallel for schedule(static)
    for (size_t q = 0; q < nrows; q++) {
        long z = (long)(q / ny), y = (long)(q % ny);
        uint8_t *orow = o + q * nx;
        for (int k = 0; k < noff; k++) {
            long zz = z + odz[k], yy = y + ody[k];
            if (zz < 0 || zz >= (long)nz || yy < 0 || yy >= (long)ny) continue;
            const uint8_t *d = dist + ((size_t)zz * ny + (size_t)yy) * nx;
            uint8_t w = ow[k];
            for (size_t x = 0; x < nx; x++) orow[x] |= d[x] <= w;
        }
    }
    free(dist); free(odz); free(ody); free(ow);
    return out;
}

static tl_volume *erode_or_dilate(const tl_volume *mask, int erode, int r, tl_error *err)
{
    if (!erode) return dilate_set(mask, 1, r, err);
    /* erosion = complement of the dilated background; outside the volume is
     * not background, so the crop boundary does not eat the object */
    tl_volume *bg = dilate_set(mask, 0, r, err);
    if (!bg) return NULL;
    uint8_t *p = bg->data;
    size_t n = tl_vol_count(bg);
    for (size_t i = 0; i < n; i++) p[i] = !p[i];
    return bg;
}

tl_volume *tl_morphology(const tl_volume *mask, tl_morph_op op, int radius, tl_error *err)
{
    if (mask->dtype != TL_U8) { tl_err(err, "morphology: mask must be u8, got %s", tl_dtype_name(mask->dtype)); return NULL; }
    if (radius < 0 || radius > 100) { tl_err(err, "morphology: radius must be in [0, 100] voxels (got %d)", radius); return NULL; }
    if (radius == 0) {
        tl_volume *c = tl_vol_copy(mask, err);
        if (c) { uint8_t *p = c->data; for (size_t i = 0, n = tl_vol_count(c); i < n; i++) p[i] = p[i] != 0; }
        return c;
    }
    switch (op) {
    case TL_MORPH_ERODE: return erode_or_dilate(mask, 1, radius, err);
    case TL_MORPH_DILATE: return erode_or_dilate(mask, 0, radius, err);
    case TL_MORPH_OPEN:
    case TL_MORPH_CLOSE: {
        int first_erode = op == TL_MORPH_OPEN;
        tl_volume *a = erode_or_dilate(mask, first_erode, radius, err);
        if (!a) return NULL;
        tl_volume *b = erode_or_dilate(a, !first_erode, radius, err);
        tl_vol_unref(a);
        return b;
    }
    }
    tl_err(err, "morphology: unknown operation");
    return NULL;
}

tl_volume *tl_fill_holes(const tl_volume *mask, tl_error *err)
{
    if (mask->dtype != TL_U8) { tl_err(err, "fill_holes: mask must be u8, got %s", tl_dtype_name(mask->dtype)); return NULL; }
    const size_t nz = mask->nz, ny = mask->ny, nx = mask->nx, n = tl_vol_count(mask);
    tl_volume *inv = tl_vol_new_like(mask, TL_U8, err);
    if (!inv) return NULL;
    const uint8_t *m = mask->data;
    uint8_t *iv = inv->data;
    for (size_t i = 0; i < n; i++) iv[i] = !m[i];
    size_t nl = 0;
    tl_volume *lab = tl_label(inv, 6, &nl, err);
    tl_vol_unref(inv);
    if (!lab) return NULL;
    uint8_t *border = calloc(nl + 1, 1);
    tl_volume *out = tl_vol_new_like(mask, TL_U8, err);
    if (!border || !out) { free(border); tl_vol_unref(lab); tl_vol_unref(out); if (out) tl_err(err, "fill_holes: out of memory"); return NULL; }
    const int32_t *L = lab->data;
    for (size_t z = 0; z < nz; z++)
        for (size_t y = 0; y < ny; y++) {
            const int32_t *row = L + (z * ny + y) * nx;
            if (y == 0 || y == ny - 1 || (nz > 1 && (z == 0 || z == nz - 1)))
                for (size_t x = 0; x < nx; x++) border[row[x]] = 1; /* a whole boundary row */
            else { border[row[0]] = 1; border[row[nx - 1]] = 1; }
        }
    uint8_t *o = out->data;
    for (size_t i = 0; i < n; i++) o[i] = m[i] ? 1 : (L[i] > 0 && !border[L[i]]);
    free(border);
    tl_vol_unref(lab);
    return out;
}

tl_volume *tl_remove_small(const tl_volume *mask, size_t min_voxels, int connectivity, size_t *removed, tl_error *err)
{
    size_t nl = 0;
    tl_volume *lab = tl_label(mask, connectivity, &nl, err);
    if (!lab) return NULL;
    size_t *cnt = malloc((nl + 1) * sizeof *cnt);
    tl_volume *out = tl_vol_new_like(mask, TL_U8, err);
    if (!cnt || !out) { free(cnt); tl_vol_unref(lab); tl_vol_unref(out); if (out) tl_err(err, "remove_small: out of memory"); return NULL; }
    tl_label_counts(lab, nl, cnt, err);
    size_t rm = 0;
    for (size_t k = 0; k < nl; k++) rm += cnt[k] < min_voxels;
    const int32_t *L = lab->data;
    uint8_t *o = out->data;
    size_t n = tl_vol_count(mask);
    for (size_t i = 0; i < n; i++) o[i] = L[i] > 0 && cnt[L[i] - 1] >= min_voxels;
    free(cnt);
    tl_vol_unref(lab);
    if (removed) *removed = rm;
    return out;
}
