/* compare.c — how close a measured map or mask is to a reference: the
 * numbers every validation against ground truth reports. */
#include "../registry.h"
#include "vol_convert.h"

#include <math.h>
#include <stdlib.h>

#define BLOCK 4096

/* Accumulators per fixed block, summed in block order: the result does
 * not depend on the thread count. */
enum { S_N, S_A, S_B, S_AA, S_BB, S_AB, S_ABS, S_D2, S_TP, S_FP, S_FN, S_TN, S_MAX_ABS, NS };

/* Block ib of a and b as doubles in x and y, and the mask's block in *mk
 * (NULL without a mask); returns the block's length. */
static size_t load_block(const tl_volume *a, const tl_volume *b, const tl_volume *m, size_t n, size_t ib, double *x,
                         double *y, const uint8_t **mk)
{
    size_t s = ib * BLOCK, k = n - s < BLOCK ? n - s : BLOCK;
    tl_load_f64(a->data, a->dtype, s, k, x);
    tl_load_f64(b->data, b->dtype, s, k, y);
    *mk = m ? (const uint8_t *)m->data + s : NULL;
    return k;
}

/* Voxel i is left out: masked out, or NaN in either input. */
static inline int skip(const uint8_t *mk, const double *x, const double *y, size_t i)
{
    return (mk && !mk[i]) || isnan(x[i]) || isnan(y[i]);
}

static int run_compare(const tl_value *args, tl_record *out, tl_error *err)
{
    const tl_volume *a = args[0].u.vol, *b = args[1].u.vol, *m = args[2].set ? args[2].u.vol : NULL;
    if (tl_vol_check_same_shape(a, "measured", b, "reference", err)) return -1;
    if (m && tl_vol_check_same_shape(a, "measured", m, "mask", err)) return -1;
    size_t n = tl_vol_count(a), nblk = (n + BLOCK - 1) / BLOCK;
    double *acc = calloc(nblk * NS, sizeof *acc);
    if (!acc) return tl_err(err, "compare: out of memory");
    #pragma omp parallel for schedule(static)
    for (size_t ib = 0; ib < nblk; ib++) {
        double x[BLOCK], y[BLOCK];
        const uint8_t *mk;
        size_t k = load_block(a, b, m, n, ib, x, y, &mk);
        double *r = acc + ib * NS;
        for (size_t i = 0; i < k; i++) {
            if (skip(mk, x, y, i)) continue;
            double d = x[i] - y[i];
            r[S_N] += 1; r[S_A] += x[i]; r[S_B] += y[i];
            r[S_ABS] += fabs(d); r[S_D2] += d * d;
            if (fabs(d) > r[S_MAX_ABS]) r[S_MAX_ABS] = fabs(d);
            int pa = x[i] != 0, pb = y[i] != 0;
            r[pa && pb ? S_TP : pa ? S_FP : pb ? S_FN : S_TN] += 1;
        }
    }
    double t[NS] = {0};
    for (size_t ib = 0; ib < nblk; ib++)
        for (int j = 0; j < NS; j++) {
            if (j == S_MAX_ABS) { if (acc[ib * NS + j] > t[j]) t[j] = acc[ib * NS + j]; }
            else t[j] += acc[ib * NS + j];
        }
    if (t[S_N] == 0) { free(acc); return tl_err(err, "compare: no voxel to compare (empty mask, or NaN everywhere)"); }
    double ma = t[S_A] / t[S_N], mb = t[S_B] / t[S_N];
    /* second pass for centred sums: a correlation of large offsets stays exact */
    #pragma omp parallel for schedule(static)
    for (size_t ib = 0; ib < nblk; ib++) {
        double x[BLOCK], y[BLOCK];
        const uint8_t *mk;
        size_t k = load_block(a, b, m, n, ib, x, y, &mk);
        double *r = acc + ib * NS;
        for (size_t i = 0; i < k; i++) {
            if (skip(mk, x, y, i)) continue;
            double da = x[i] - ma, db = y[i] - mb;
            r[S_AA] += da * da; r[S_BB] += db * db; r[S_AB] += da * db;
        }
    }
    double saa = 0, sbb = 0, sab = 0;
    for (size_t ib = 0; ib < nblk; ib++) { saa += acc[ib * NS + S_AA]; sbb += acc[ib * NS + S_BB]; sab += acc[ib * NS + S_AB]; }
    free(acc);
    tl_rec_int(out, "count", (long long)t[S_N]);
    tl_rec_number(out, "mae", t[S_ABS] / t[S_N]);
    tl_rec_number(out, "rmse", sqrt(t[S_D2] / t[S_N]));
    tl_rec_number(out, "bias", ma - mb);
    tl_rec_number(out, "max_abs", t[S_MAX_ABS]);
    tl_rec_number(out, "correlation", saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN);
    tl_rec_number(out, "mean_measured", ma);
    tl_rec_number(out, "mean_reference", mb);
    double tp = t[S_TP], fp = t[S_FP], fn = t[S_FN], tn = t[S_TN];
    tl_rec_number(out, "iou", tp + fp + fn > 0 ? tp / (tp + fp + fn) : NAN);
    tl_rec_number(out, "dice", 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : NAN);
    tl_rec_number(out, "accuracy", (tp + tn) / t[S_N]);
    tl_rec_number(out, "fraction_measured", (tp + fp) / t[S_N]);
    tl_rec_number(out, "fraction_reference", (tp + fn) / t[S_N]);
    return 0;
}

static const tl_arg compare_args[] = {
    {.name = "measured", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "map, mask or volume to judge"},
    {.name = "reference", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "the truth, same shape"},
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .dtypes = TL_DT(TL_U8), .doc = "compare only where mask != 0"},
    {0},
};
static const tl_ret compare_rets[] = {
    {.name = "count", .type = TL_T_INT, .doc = "voxels compared (masked, both not NaN)"},
    {.name = "mae", .type = TL_T_NUMBER, .doc = "mean absolute error, in the maps' unit"},
    {.name = "rmse", .type = TL_T_NUMBER, .doc = "root mean square error"},
    {.name = "bias", .type = TL_T_NUMBER, .doc = "mean(measured) - mean(reference)"},
    {.name = "max_abs", .type = TL_T_NUMBER, .doc = "largest absolute difference"},
    {.name = "correlation", .type = TL_T_NUMBER, .doc = "Pearson correlation (NaN when either map is constant)"},
    {.name = "mean_measured", .type = TL_T_NUMBER, .doc = "mean of measured"},
    {.name = "mean_reference", .type = TL_T_NUMBER, .doc = "mean of reference"},
    {.name = "iou", .type = TL_T_NUMBER, .doc = "as masks (non-zero = in): intersection over union"},
    {.name = "dice", .type = TL_T_NUMBER, .doc = "as masks: Dice coefficient"},
    {.name = "accuracy", .type = TL_T_NUMBER, .doc = "as masks: fraction of voxels classified alike"},
    {.name = "fraction_measured", .type = TL_T_NUMBER, .doc = "as masks: fraction of voxels in measured"},
    {.name = "fraction_reference", .type = TL_T_NUMBER, .doc = "as masks: fraction of voxels in reference"},
    {0},
};

const tl_op tl_ops_compare[] = {
    {.name = "compare", .group = "volume", .summary = "Error metrics of a measured map or mask against a reference",
     .doc = "MAE, RMSE, bias and Pearson correlation of the values, and IoU, Dice and accuracy of the two read as "
            "masks (non-zero = inside). NaN voxels in either input are skipped. Sums run per fixed block in order, "
            "so results do not depend on the thread count.",
     .args = compare_args, .rets = compare_rets,
     .example = "c = tl.compare(j_measured, j_truth, {mask = valid}); print(c.correlation)", .run = run_compare},
    {0},
};
