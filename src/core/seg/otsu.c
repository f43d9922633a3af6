/* otsu.c — multi-class Otsu thresholds and the threshold proposal.
 *
 * Otsu: an exhaustive search over bin boundaries of a histogram for the
 * split into 2..4 classes that maximises the between-class variance
 * (sum over classes of S_k^2 / N_k with prefix sums; O(bins^(K-1))).
 * Counts are integers, so the result does not depend on the thread count. */
#include "seg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int region_check(const tl_volume *vol, const tl_otsu_opts *o, const char *who, tl_error *err)
{
    char s[64];
    if (o->z0 >= o->z1 || o->z1 > vol->nz || o->y0 >= o->y1 || o->y1 > vol->ny || o->x0 >= o->x1 || o->x1 > vol->nx)
        return tl_err(err, "%s: region z=[%zu,%zu] y=[%zu,%zu] x=[%zu,%zu] is empty or outside the volume %s", who,
                      o->z0 + 1, o->z1, o->y0 + 1, o->y1, o->x0 + 1, o->x1, tl_vol_shape_str(vol, s, sizeof s));
    if (o->mask) {
        if (o->mask->dtype != TL_U8) return tl_err(err, "%s: roi mask must be u8, got %s", who, tl_dtype_name(o->mask->dtype));
        if (tl_vol_check_same_shape(vol, "volume", o->mask, "roi", err)) return tl_err_prefix(err, "%s: ", who);
    }
    return 0;
}

/* Runs BODY for each finite voxel v of the region (and mask), planes in
 * parallel under PRAGMA (an "omp parallel for ..." with the reductions the
 * body needs: integer counts, min, max — all independent of the order). */
#define REGION_LOOP(vol, o, PRAGMA, BODY)                                                 \
    _Pragma(PRAGMA)                                                                       \
    for (size_t z = (o)->z0; z < (o)->z1; z++)                                            \
        for (size_t y = (o)->y0; y < (o)->y1; y++) {                                      \
            size_t base = (z * (vol)->ny + y) * (vol)->nx;                                \
            const uint8_t *mk = (o)->mask ? (const uint8_t *)(o)->mask->data + base : NULL; \
            float row[(o)->x1 - (o)->x0];                                                 \
            tl_load_f32((vol)->data, (vol)->dtype, base + (o)->x0, (o)->x1 - (o)->x0, row); \
            for (size_t x = (o)->x0; x < (o)->x1; x++) {                                  \
                if (mk && !mk[x]) continue;                                               \
                double v = row[x - (o)->x0];                                              \
                if (!isfinite(v)) continue;                                               \
                BODY                                                                      \
            }                                                                             \
        }

#include "../vol/vol_convert.h"

int tl_otsu(const tl_volume *vol, const tl_otsu_opts *o, tl_otsu_result *r, tl_error *err)
{
    memset(r, 0, sizeof *r);
    if (region_check(vol, o, "otsu", err)) return -1;
    if (o->classes < 2 || o->classes > 4) return tl_err(err, "otsu: classes must be 2, 3 or 4 (got %d)", o->classes);
    int nb = o->nbins;
    if (nb < o->classes || nb > 4096) return tl_err(err, "otsu: bins must be in [%d, 4096] (got %d)", o->classes, nb);
    double lo = INFINITY, hi = -INFINITY;
    size_t count = 0;
    REGION_LOOP(vol, o, "omp parallel for schedule(static) reduction(min : lo) reduction(max : hi) reduction(+ : count)",
                { if (v < lo) lo = v; if (v > hi) hi = v; count++; })
    if (count == 0) return tl_err(err, "otsu: the region holds no finite voxels (empty roi?)");
    if (!(hi > lo)) return tl_err(err, "otsu: all %zu voxels of the region equal %g; nothing to threshold", count, lo);
    double bw = (hi - lo) / nb;
    double *h = calloc((size_t)nb, sizeof *h);
    double *P = calloc((size_t)nb + 1, sizeof *P), *S = calloc((size_t)nb + 1, sizeof *S), *Q = calloc((size_t)nb + 1, sizeof *Q);
    if (!h || !P || !S || !Q) { free(h); free(P); free(S); free(Q); return tl_err(err, "otsu: out of memory"); }
    REGION_LOOP(vol, o, "omp parallel for schedule(static) reduction(+ : h[:nb])", {
        int b = (int)((v - lo) / bw);
        if (b >= nb) b = nb - 1;
        h[b] += 1;
    })
    for (int i = 0; i < nb; i++) {
        double c = lo + (i + 0.5) * bw;
        P[i + 1] = P[i] + h[i];
        S[i + 1] = S[i] + h[i] * c;
        Q[i + 1] = Q[i] + h[i] * c * c;
    }
    /* class [a, b) of bins: N = P[b]-P[a], score S^2/N */
#define CLS(a, b) (P[b] - P[a] > 0 ? (S[b] - S[a]) * (S[b] - S[a]) / (P[b] - P[a]) : -INFINITY)
    int K = o->classes, best[3] = {0, 0, 0};
    double bs = -INFINITY;
    if (K == 2) {
        for (int t1 = 1; t1 < nb; t1++) {
            double sc = CLS(0, t1) + CLS(t1, nb);
            if (sc > bs) { bs = sc; best[0] = t1; }
        }
    } else if (K == 3) {
        for (int t1 = 1; t1 < nb - 1; t1++) {
            double c0 = CLS(0, t1);
            if (c0 == -INFINITY) continue;
            for (int t2 = t1 + 1; t2 < nb; t2++) {
                double sc = c0 + CLS(t1, t2) + CLS(t2, nb);
                if (sc > bs) { bs = sc; best[0] = t1; best[1] = t2; }
            }
        }
    } else {
        for (int t1 = 1; t1 < nb - 2; t1++) {
            double c0 = CLS(0, t1);
            if (c0 == -INFINITY) continue;
            for (int t2 = t1 + 1; t2 < nb - 1; t2++) {
                double c1 = c0 + CLS(t1, t2);
                if (c1 == -INFINITY) continue;
                for (int t3 = t2 + 1; t3 < nb; t3++) {
                    double sc = c1 + CLS(t2, t3) + CLS(t3, nb);
                    if (sc > bs) { bs = sc; best[0] = t1; best[1] = t2; best[2] = t3; }
                }
            }
        }
    }
#undef CLS
    if (bs == -INFINITY) {
        free(h); free(P); free(S); free(Q);
        return tl_err(err, "otsu: the histogram has fewer than %d occupied intensity levels", K);
    }
    int edges[5] = {0};
    for (int k = 0; k < K - 1; k++) edges[k + 1] = best[k];
    edges[K] = nb;
    double mean_all = S[nb] / P[nb], var_all = Q[nb] / P[nb] - mean_all * mean_all, between = 0;
    for (int k = 0; k < K; k++) {
        double n = P[edges[k + 1]] - P[edges[k]], s = S[edges[k + 1]] - S[edges[k]], q = Q[edges[k + 1]] - Q[edges[k]];
        r->weights[k] = n / P[nb];
        r->means[k] = n > 0 ? s / n : NAN;
        r->stds[k] = n > 0 ? sqrt(fmax(0, q / n - r->means[k] * r->means[k])) : NAN;
        if (n > 0) between += r->weights[k] * (r->means[k] - mean_all) * (r->means[k] - mean_all);
        if (k < K - 1) r->thresholds[k] = lo + best[k] * bw;
    }
    r->separability = var_all > 0 ? between / var_all : 0;
    r->lo = lo; r->hi = hi; r->count = count;
    free(h); free(P); free(S); free(Q);
    return 0;
}

/* Robust level and spread of the region's voxels below `cut` (the Li class), from a fine histogram. */
static int robust_level(const tl_volume *vol, const tl_otsu_opts *o, double lo, double cut,
                        double *median, double *sigma, double *count, tl_error *err)
{
    enum { NB = 8192 };
    double *h = calloc(NB, sizeof *h);
    if (!h) return tl_err(err, "out of memory");
    double bw = (cut - lo) / NB, n = 0;
    REGION_LOOP(vol, o, "omp parallel for schedule(static) reduction(+ : h[:NB], n)", {
        if (v >= cut) continue;
        int b = (int)((v - lo) / bw);
        if (b >= NB) b = NB - 1;
        if (b < 0) b = 0;
        h[b] += 1; n += 1;
    })
    if (n == 0) { free(h); return tl_err(err, "no voxels in the lithium class"); }
    /* level = median, spread = 1.4826 x the MAD of the voxels at or above
     * it: voids (and pores) pull the lower tail of the Li class far down
     * once an electrode strips, while the upper tail is noise. The median
     * is then taken again without the voxels more than 3 spreads below it
     * (the voids), and the spread with it. */
    double *d = calloc(NB, sizeof *d);
    if (!d) { free(h); return tl_err(err, "out of memory"); }
    double med = lo, mad = 0, floor_v = -INFINITY;
    for (int pass = 0; pass < 2; pass++) {
        int b0 = floor_v > lo ? (int)((floor_v - lo) / bw) : 0;
        double nn = 0, acc = 0;
        for (int b = b0; b < NB; b++) nn += h[b];
        if (nn <= 0) break;
        for (int b = b0; b < NB; b++) {
            if (acc + h[b] >= nn / 2) { med = lo + (b + (nn / 2 - acc) / (h[b] > 0 ? h[b] : 1)) * bw; break; }
            acc += h[b];
        }
        memset(d, 0, NB * sizeof *d);
        double nu = 0;
        int bm = (int)((med - lo) / bw); /* the median's own bin counts as distance 0 */
        if (bm >= NB) bm = NB - 1;
        for (int b = bm > b0 ? bm : b0; b < NB; b++) {
            d[b - bm] += h[b];
            nu += h[b];
        }
        acc = 0;
        for (int b = 0; b < NB; b++) {
            if (acc + d[b] >= nu / 2) { mad = (b + (nu / 2 - acc) / (d[b] > 0 ? d[b] : 1)) * bw; break; }
            acc += d[b];
        }
        floor_v = med - 3 * 1.4826 * mad;
    }
    free(h); free(d);
    *median = med;
    *sigma = 1.4826 * mad;
    if (count) *count = n;
    return 0;
}

/* A u8 mask of the region's voxels below `cut` in columns that hold a voxel
 * >= cut (and inside the caller's mask); the mean of the voxels >= cut. */
static tl_volume *cell_columns(const tl_volume *vol, const tl_otsu_opts *o, double cut, double *bright_mean, tl_error *err)
{
    const size_t ny = vol->ny, nx = vol->nx;
    uint8_t *col = calloc(ny * nx, 1);
    tl_volume *m = tl_vol_new(TL_U8, vol->nz, ny, nx, err);
    if (!col || !m) { free(col); tl_vol_unref(m); if (m) tl_err(err, "propose_thresholds: out of memory"); return NULL; }
    /* columns in parallel over y (each thread owns its columns); the bright
     * sum per row, added up in row order afterwards */
    size_t ncol = 0;
    double *rs = calloc(ny, sizeof *rs), *rn = calloc(ny, sizeof *rn);
    if (!rs || !rn) { free(rs); free(rn); free(col); tl_vol_unref(m); tl_err(err, "propose_thresholds: out of memory"); return NULL; }
    #pragma omp parallel for schedule(static) reduction(+ : ncol)
    for (size_t y = o->y0; y < o->y1; y++) {
        float row[o->x1 - o->x0];
        for (size_t z = o->z0; z < o->z1; z++) {
            size_t base = (z * ny + y) * nx;
            const uint8_t *mk = o->mask ? (const uint8_t *)o->mask->data + base : NULL;
            tl_load_f32(vol->data, vol->dtype, base + o->x0, o->x1 - o->x0, row);
            for (size_t x = o->x0; x < o->x1; x++) {
                double v = row[x - o->x0];
                if ((mk && !mk[x]) || !isfinite(v) || v < cut) continue;
                rs[y] += v; rn[y] += 1;
                if (!col[y * nx + x]) { col[y * nx + x] = 1; ncol++; }
            }
        }
    }
    double bs = 0, bn = 0;
    for (size_t y = o->y0; y < o->y1; y++) { bs += rs[y]; bn += rn[y]; }
    free(rs); free(rn);
    if (ncol == 0) {
        free(col); tl_vol_unref(m);
        tl_err(err, "propose_thresholds: no column reaches a collector (no voxel >= %g); give collector = false or the thresholds", cut);
        return NULL;
    }
    *bright_mean = bs / bn;
    uint8_t *d = m->data;
    #pragma omp parallel for schedule(static)
    for (size_t z = o->z0; z < o->z1; z++)
        for (size_t y = o->y0; y < o->y1; y++) {
            size_t base = (z * ny + y) * nx;
            float row[o->x1 - o->x0];
            tl_load_f32(vol->data, vol->dtype, base + o->x0, o->x1 - o->x0, row);
            for (size_t x = o->x0; x < o->x1; x++)
                d[base + x] = col[y * nx + x] && row[x - o->x0] < cut && (!o->mask || ((const uint8_t *)o->mask->data)[base + x]);
        }
    free(col);
    return m;
}

/* k with P(N < -k) = p for a standard normal N (bisection on erfc). */
static double normal_quantile_low(double p)
{
    double lo = 0, hi = 40;
    for (int i = 0; i < 100; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(mid / sqrt(2.0)) > p) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

int tl_propose_thresholds(const tl_volume *vol, const tl_otsu_opts *o, double k_void, int with_steel, int window, int depth,
                          tl_threshold_proposal *p, tl_error *err)
{
    if (window < 1) return tl_err(err, "propose_thresholds: window must be >= 1 (got %d)", window);
    memset(p, 0, sizeof *p);
    tl_otsu_opts oo = *o;
    tl_volume *cell = NULL;
    double steel_mean = NAN;
    if (with_steel) {
        /* first the collector: steel is by far the brightest phase, so a
         * 2-class Otsu over everything splits it off. Only columns that reach
         * it are cell (outside: air or holder, which would swamp the Li
         * class), and only their voxels below it go into the next split —
         * a 3-class Otsu would rather cut the wide steel/impurity range than
         * separate Li from electrolyte. */
        tl_otsu_result s2;
        oo.classes = 2;
        if (tl_otsu(vol, &oo, &s2, err)) return tl_err_prefix(err, "propose_thresholds: ");
        cell = cell_columns(vol, o, s2.thresholds[0], &steel_mean, err);
        if (!cell) return -1;
        oo.mask = cell;
    }
    /* then Li | electrolyte. Partial voxels at the steel face (between the
     * electrolyte and the steel cut) can form a thin bright class that Otsu
     * splits off instead; Li and electrolyte each fill a good part of an
     * interface crop, so while the upper class holds under 6% of the voxels
     * it is cut away and the split redone. */
    oo.classes = 2;
    int rc = tl_otsu(vol, &oo, &p->otsu, err);
    for (int it = 0; it < 4 && !rc && p->otsu.weights[1] < 0.06; it++) {
        double cut = p->otsu.thresholds[0];
        tl_volume *m2 = tl_vol_new(TL_U8, vol->nz, vol->ny, vol->nx, err);
        if (!m2) { rc = -1; break; }
        uint8_t *d = m2->data;
        const uint8_t *prev = oo.mask ? (const uint8_t *)oo.mask->data : NULL;
        #pragma omp parallel for schedule(static)
        for (size_t z = o->z0; z < o->z1; z++)
            for (size_t y = o->y0; y < o->y1; y++) {
                size_t base = (z * vol->ny + y) * vol->nx;
                float row[o->x1 - o->x0];
                tl_load_f32(vol->data, vol->dtype, base + o->x0, o->x1 - o->x0, row);
                for (size_t x = o->x0; x < o->x1; x++)
                    d[base + x] = (!prev || prev[base + x]) && row[x - o->x0] < cut;
            }
        tl_vol_unref(cell);
        cell = m2;
        oo.mask = cell;
        rc = tl_otsu(vol, &oo, &p->otsu, err);
    }
    if (!rc) {
        tl_otsu_opts ro = oo;
        double nli = 0;
        rc = robust_level(vol, &ro, p->otsu.lo, p->otsu.thresholds[0], &p->li_mean, &p->li_std, &nli, err);
        /* the void level, when voids or pores are visible well below the Li
         * (>= 0.1% of the Li class, 6 spreads down), for sub-voxel void
         * heights. (A midway void_max was tried: on the phantom's thin voids
         * it loses more contact columns than it saves in void volume.) */
        double gap = (p->otsu.means[1] - p->li_mean) / 20, sp = p->li_std > gap ? p->li_std : gap;
        double vcut = p->li_mean - 6 * sp, vn = 0;
        p->void_level = NAN;
        if (!rc && vcut > p->otsu.lo) {
            double vm, vs;
            tl_error e2;
            if (robust_level(vol, &ro, p->otsu.lo, vcut, &vm, &vs, &vn, &e2) == 0 && vn >= 1e-3 * nli) p->void_level = vm;
        }
    }
    tl_vol_unref(cell);
    if (rc) return tl_err_prefix(err, "propose_thresholds: ");
    const tl_otsu_result *r = &p->otsu;
    double med = p->li_mean, sig = p->li_std;
    p->sse_mean = r->means[1];
    p->steel_mean = steel_mean;
    /* Otsu finds the class levels; the cut-offs sit between levels, since
     * an Otsu boundary leans towards the larger class */
    p->li_max = 0.5 * (med + r->means[1]);
    /* "the mean of the next `window` voxels is above the electrolyte
     * threshold" must fire on a window of electrolyte only, not on one that
     * still holds one Li voxel: halfway between those two window means */
    p->sse_min = r->means[1] - (r->means[1] - med) / (2.0 * window);
    if (p->sse_min < p->li_max) p->sse_min = p->li_max;
    /* without a collector in the region nothing is skipped as steel */
    p->steel_min = with_steel ? 0.5 * (r->means[1] + steel_mean) : r->hi + fmax(1.0, fabs(r->hi));
    /* a noiseless or quantised Li class can have MAD 0; the spread is then
     * floored at 1/20 of the Li-electrolyte gap, so void_max stays below Li */
    if (sig < (r->means[1] - med) / 20) sig = (r->means[1] - med) / 20;
    p->li_std = sig;
    p->void_max = med - k_void * sig;
    /* contact_map tests `depth` voxels per column and fails a column on any
     * one of them: the same chance of a false void per column as one voxel
     * at k_void needs k with depth P(N < -k) = P(N < -k_void) (Bonferroni:
     * 3.46 for k_void 3 and depth 5) */
    p->k_contact = normal_quantile_low(0.5 * erfc(k_void / sqrt(2.0)) / (depth > 1 ? depth : 1));
    p->contact_void_max = med - p->k_contact * sig;
    if (!(p->void_max < p->li_max && p->li_max <= p->sse_min && p->sse_min < p->steel_min))
        return tl_err(err, "propose_thresholds: classes do not separate (void_max %g, li_max %g, sse_min %g, steel_min %g); "
                      "crop the region to the interface or give the thresholds", p->void_max, p->li_max, p->sse_min, p->steel_min);
    return 0;
}

int tl_propose_thresholds_whole(const tl_volume *vol, int with_steel, int window, int depth, tl_threshold_proposal *p,
                                tl_error *err)
{
    tl_otsu_opts o = {0, vol->nz, 0, vol->ny, 0, vol->nx, NULL, 3, 256};
    return tl_propose_thresholds(vol, &o, 3.0, with_steel, window, depth, p, err);
}
