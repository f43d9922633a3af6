/* stripes.c — removing stripes from sinograms (ring artefacts).
 *
 * A detector pixel with a wrong gain adds a constant along the angle axis
 * of its sinogram column: a stripe, which becomes a ring. Methods:
 * - sort (Vo, Atwood, Drakopoulos, Opt. Express 26, 2018, algorithm 3):
 *   sort each column along the angles, median-filter the sorted image
 *   across columns, unsort. Removes partial and full stripes of small width.
 * - large (algorithm 5): detect wide stripes from the ratio of sorted to
 *   smoothed column means, normalise by that ratio, and replace the
 *   detected columns by the smoothed sorted values.
 * - dead (algorithm 6): detect unresponsive/fluctuating columns, replace
 *   them by linear interpolation across the detector, then run 'large'.
 * - fw (Münch, Trtik, Marone, Stampanoni, Opt. Express 17, 2009): wavelet
 *   decomposition; the vertical detail bands are damped near zero
 *   frequency along the angle axis (1 − exp(−k²/2σ²)); reconstruct.
 * Defaults follow Vo's sarepy and TomoPy (size 21 / 51, snr 3, db5, σ 2). */
#include "reconstruct.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../util/sort.h"

void tl_stripe_defaults(tl_stripe_opts *o)
{
    o->method = TL_STRIPE_NONE;
    o->size = 0; /* per method: 21 (sort), 51 (large, dead) */
    o->snr = 3.0;
    o->level = 0;
    o->db = 5;
    o->sigma = 2.0;
}

int tl_stripe_parse(const char *name, tl_stripe_method *m, tl_error *err)
{
    static const char *names[] = {"none", "sort", "large", "dead", "fw"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, names[i])) { *m = (tl_stripe_method)i; return 0; }
    return tl_err(err, "stripes: method '%s' is unknown (one of: %s)", name, TL_STRIPE_NAMES);
}

/* k-th smallest of a[0..n) (Hoare's selection; reorders a). */
static float select_kth(float *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                float t = a[i]; a[i] = a[j]; a[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else break;
    }
    return a[k];
}

/* Median over a window of `size` with reflected edges (scipy's 'reflect'). */
static void median1d(const float *in, size_t n, size_t stride, size_t size, float *out, size_t ostride, float *win)
{
    long h = (long)size / 2;
    for (long i = 0; i < (long)n; i++) {
        for (long k = -h; k <= h; k++) {
            long j = i + k;
            while (j < 0 || j >= (long)n) j = j < 0 ? -j - 1 : 2 * (long)n - j - 1;
            win[k + h] = in[(size_t)j * stride];
        }
        out[(size_t)i * ostride] = select_kth(win, 2 * (size_t)h + 1, (size_t)h);
    }
}

typedef struct idx_val { float v; unsigned i; } idx_val;
static int cmp_iv(const void *a, const void *b)
{
    const idx_val *x = a, *y = b;
    if (x->v != y->v) return (x->v > y->v) - (x->v < y->v);
    return (x->i > y->i) - (x->i < y->i); /* stable: same result on every platform */
}

/* sorted[k * nc + c] = k-th smallest of column c; rank[a * nc + c] = rank of (a, c). */
static int sort_columns(const float *s, size_t na, size_t nc, float *sorted, unsigned *rank)
{
    idx_val *col = malloc(sizeof *col * na);
    if (!col) return -1;
    for (size_t c = 0; c < nc; c++) {
        for (size_t a = 0; a < na; a++) col[a] = (idx_val){s[a * nc + c], (unsigned)a};
        qsort(col, na, sizeof *col, cmp_iv);
        for (size_t k = 0; k < na; k++) {
            sorted[k * nc + c] = col[k].v;
            if (rank) rank[col[k].i * nc + c] = (unsigned)k;
        }
    }
    free(col);
    return 0;
}

/* Median filter of every row of an (na, nc) image across columns. */
static int median_rows(const float *in, size_t na, size_t nc, size_t size, float *out)
{
    float *win = malloc(sizeof(float) * (size + 1));
    if (!win) return -1;
    for (size_t a = 0; a < na; a++) median1d(in + a * nc, nc, 1, size, out + a * nc, 1, win);
    free(win);
    return 0;
}

int tl_stripe_sort(float *s, size_t na, size_t nc, size_t size, tl_error *err)
{
    if (size < 3 || size % 2 == 0) return tl_err(err, "stripes: size %zu must be odd and >= 3", size);
    float *sorted = malloc(sizeof(float) * na * nc), *smooth = malloc(sizeof(float) * na * nc);
    unsigned *rank = malloc(sizeof(unsigned) * na * nc);
    int rc = (sorted && smooth && rank) ? 0 : -1;
    if (rc == 0) rc = sort_columns(s, na, nc, sorted, rank);
    if (rc == 0) rc = median_rows(sorted, na, nc, size, smooth);
    if (rc == 0)
        for (size_t a = 0; a < na; a++)
            for (size_t c = 0; c < nc; c++) s[a * nc + c] = smooth[rank[a * nc + c] * nc + c];
    free(sorted); free(smooth); free(rank);
    return rc ? tl_err(err, "stripes: out of memory for a %zu x %zu sinogram", na, nc) : 0;
}

/* Vo's detect_stripe: 1 where the normalised profile is an outlier. */
static void detect_stripe(const float *fact, size_t n, double snr, unsigned char *mask)
{
    float *srt = malloc(sizeof(float) * n);
    memset(mask, 0, n);
    if (!srt || n < 8) { free(srt); return; }
    memcpy(srt, fact, sizeof(float) * n);
    qsort(srt, n, sizeof(float), tl_cmp_float);
    /* descending order, straight-line fit to the middle half */
    size_t nd = n / 4, lo = nd, hi = n - nd - 1; /* fit on x in [lo, hi) */
    double sx = 0, sy = 0, sxx = 0, sxy = 0, m = (double)(hi - lo);
    for (size_t i = lo; i < hi; i++) {
        double x = (double)i, y = srt[n - 1 - i];
        sx += x; sy += y; sxx += x * x; sxy += x * y;
    }
    double slope = (m * sxy - sx * sy) / (m * sxx - sx * sx), icpt = (sy - slope * sx) / m;
    double t1 = icpt + slope * (double)(n - 1);
    double noise = fmax(fabs(t1 - icpt), 1e-6);
    double v1 = fabs(srt[n - 1] - icpt) / noise, v2 = fabs(srt[0] - t1) / noise;
    for (size_t i = 0; i < n; i++) {
        if (v1 >= snr && fact[i] > icpt + noise * snr * 0.5) mask[i] = 1;
        if (v2 >= snr && fact[i] <= t1 - noise * snr * 0.5) mask[i] = 1;
    }
    free(srt);
}

static void dilate(unsigned char *mask, size_t n)
{
    unsigned char prev = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char cur = mask[i];
        if (!cur && (prev || (i + 1 < n && mask[i + 1] == 1))) mask[i] = 2;
        prev = cur;
    }
    for (size_t i = 0; i < n; i++) mask[i] = mask[i] != 0;
}

int tl_stripe_large(float *s, size_t na, size_t nc, double snr, size_t size, double drop_ratio, tl_error *err)
{
    if (size < 3 || size % 2 == 0) return tl_err(err, "stripes: size %zu must be odd and >= 3", size);
    size_t ndrop = (size_t)(0.5 * fmin(fmax(drop_ratio, 0), 0.8) * (double)na);
    float *sorted = malloc(sizeof(float) * na * nc), *smooth = malloc(sizeof(float) * na * nc);
    unsigned *rank = malloc(sizeof(unsigned) * na * nc);
    float *fact = malloc(sizeof(float) * nc);
    unsigned char *mask = malloc(nc);
    int rc = (sorted && smooth && rank && fact && mask) ? 0 : -1;
    if (rc == 0) rc = sort_columns(s, na, nc, sorted, NULL);
    if (rc == 0) rc = median_rows(sorted, na, nc, size, smooth);
    if (rc == 0) {
        for (size_t c = 0; c < nc; c++) {
            double m1 = 0, m2 = 0;
            for (size_t k = ndrop; k < na - ndrop; k++) { m1 += sorted[k * nc + c]; m2 += smooth[k * nc + c]; }
            fact[c] = m2 != 0 ? (float)(m1 / m2) : 1.0f;
        }
        detect_stripe(fact, nc, snr, mask);
        dilate(mask, nc);
        for (size_t a = 0; a < na; a++)
            for (size_t c = 0; c < nc; c++) s[a * nc + c] /= fact[c] != 0 ? fact[c] : 1.0f;
        rc = sort_columns(s, na, nc, sorted, rank);
    }
    if (rc == 0)
        for (size_t a = 0; a < na; a++)
            for (size_t c = 0; c < nc; c++)
                if (mask[c]) s[a * nc + c] = smooth[rank[a * nc + c] * nc + c];
    free(sorted); free(smooth); free(rank); free(fact); free(mask);
    return rc ? tl_err(err, "stripes: out of memory for a %zu x %zu sinogram", na, nc) : 0;
}

int tl_stripe_dead(float *s, size_t na, size_t nc, double snr, size_t size, tl_error *err)
{
    if (size < 3 || size % 2 == 0) return tl_err(err, "stripes: size %zu must be odd and >= 3", size);
    float *sm = calloc(na * nc, sizeof(float)), *med = malloc(sizeof(float) * na * nc);
    float *diff = calloc(nc, sizeof(float)), *bck = malloc(sizeof(float) * nc), *win = malloc(sizeof(float) * (size + 1));
    unsigned char *mask = malloc(nc);
    if (!sm || !med || !diff || !bck || !win || !mask) {
        free(sm); free(med); free(diff); free(bck); free(win); free(mask);
        return tl_err(err, "stripes: out of memory for a %zu x %zu sinogram", na, nc);
    }
    int rc = 0;
    {
        /* smooth along the angles (uniform filter of 10, reflected edges) */
        for (size_t c = 0; c < nc; c++)
            for (size_t a = 0; a < na; a++) {
                double acc = 0;
                for (long k = -5; k < 5; k++) {
                    long j = (long)a + k;
                    while (j < 0 || j >= (long)na) j = j < 0 ? -j - 1 : 2 * (long)na - j - 1;
                    acc += s[(size_t)j * nc + c];
                }
                sm[a * nc + c] = (float)(acc / 10);
            }
        rc = median_rows(sm, na, nc, size, med);
    }
    if (rc == 0) {
        for (size_t c = 0; c < nc; c++) {
            double d = 0;
            for (size_t a = 0; a < na; a++) d += fabsf(sm[a * nc + c] - med[a * nc + c]);
            diff[c] = (float)d;
        }
        median1d(diff, nc, 1, size, bck, 1, win);
        for (size_t c = 0; c < nc; c++) bck[c] = bck[c] != 0 ? diff[c] / bck[c] : 1.0f;
        detect_stripe(bck, nc, snr, mask);
        dilate(mask, nc);
        if (nc > 4) { mask[0] = mask[1] = mask[nc - 1] = mask[nc - 2] = 0; }
        /* linear interpolation across the detector between good columns */
        for (size_t c = 0; c < nc; c++) {
            if (!mask[c]) continue;
            size_t l = c, r = c;
            while (l > 0 && mask[l]) l--;
            while (r < nc - 1 && mask[r]) r++;
            double f = (double)(c - l) / (double)(r - l);
            for (size_t a = 0; a < na; a++)
                s[a * nc + c] = (float)((1 - f) * s[a * nc + l] + f * s[a * nc + r]);
        }
    }
    free(sm); free(med); free(diff); free(bck); free(win); free(mask);
    if (rc) return tl_err(err, "stripes: out of memory for a %zu x %zu sinogram", na, nc);
    return tl_stripe_large(s, na, nc, snr, size, 0.1, err);
}

/* One 2-D level on the top-left (r, c) corner of a (.., ld) image: after
 * it, the corner holds [LL LH; HL HH] quadrants with rows = angles:
 * LH (top right) = low-pass along angles, high-pass across columns: the
 * band where vertical stripes live. */
static void dwt2_level(double *img, size_t r, size_t c, size_t ld, const double *h, size_t L, double *t1, double *t2)
{
    for (size_t i = 0; i < r; i++) {
        tl_dwt1(img + i * ld, c, h, L, t1, t1 + c / 2);
        memcpy(img + i * ld, t1, sizeof(double) * c);
    }
    for (size_t j = 0; j < c; j++) {
        for (size_t i = 0; i < r; i++) t2[i] = img[i * ld + j];
        tl_dwt1(t2, r, h, L, t1, t1 + r / 2);
        for (size_t i = 0; i < r; i++) img[i * ld + j] = t1[i];
    }
}

static void idwt2_level(double *img, size_t r, size_t c, size_t ld, const double *h, size_t L, double *t1, double *t2)
{
    for (size_t j = 0; j < c; j++) {
        for (size_t i = 0; i < r; i++) t2[i] = img[i * ld + j];
        tl_idwt1(t2, t2 + r / 2, r, h, L, t1);
        for (size_t i = 0; i < r; i++) img[i * ld + j] = t1[i];
    }
    for (size_t i = 0; i < r; i++) {
        tl_idwt1(img + i * ld, img + i * ld + c / 2, c, h, L, t1);
        memcpy(img + i * ld, t1, sizeof(double) * c);
    }
}

/* Levels and padded size (R angles x C columns) of the Fourier-wavelet filter. */
static int fw_geometry(size_t na, size_t nc, int *level, int db, size_t *L, size_t *R, size_t *C, tl_error *err)
{
    const double *h;
    if (tl_db_filter(db, &h, L)) return tl_err(err, "stripes: wavelet db%d is not available (db1..db10)", db);
    if (*level <= 0) {
        /* deep, like TomoPy (log2 of the size): a narrow stripe also has
         * energy in the coarse bands; stop while a band keeps 4 rows */
        size_t m = na < nc ? na : nc;
        *level = 0;
        while ((m >> (*level + 1)) >= 4 && *level < 10) (*level)++;
        if (*level < 1) *level = 1;
    }
    if (*level > 12) return tl_err(err, "stripes: level %d is too deep (<= 12)", *level);
    size_t unit = (size_t)1 << *level;
    /* pad angles with zeros (TomoPy pads by n/8) and columns by reflection */
    *R = ((na + na / 8 + unit - 1) / unit) * unit;
    *C = ((nc + 2 * *L + unit - 1) / unit) * unit;
    return 0;
}

int tl_stripe_prepare(size_t na, size_t nc, const tl_stripe_opts *o, tl_error *err)
{
    if (o->method != TL_STRIPE_FW) return 0;
    int level = o->level;
    size_t L, R, C;
    if (fw_geometry(na, nc, &level, o->db, &L, &R, &C, err)) return -1;
    for (int lv = 0; lv < level; lv++)
        if (!tl_fft_plan_1d((R >> lv) / 2, -1, err) || !tl_fft_plan_1d((R >> lv) / 2, +1, err)) return -1;
    return 0;
}

int tl_stripe_fw(float *s, size_t na, size_t nc, int level, int db, double sigma, tl_error *err)
{
    const double *h;
    size_t L, R, C;
    if (!(sigma > 0)) return tl_err(err, "stripes: sigma must be > 0 (got %g)", sigma);
    if (fw_geometry(na, nc, &level, db, &L, &R, &C, err)) return -1;
    tl_db_filter(db, &h, &L);
    size_t rs = (R - na) / 2, cs = (C - nc) / 2;
    double *img = calloc(R * C, sizeof(double));
    double *t1 = malloc(sizeof(double) * (R > C ? R : C)), *t2 = malloc(sizeof(double) * (R > C ? R : C));
    void *plan = NULL;
    if (!img || !t1 || !t2) {
        free(img); free(t1); free(t2);
        return tl_err(err, "stripes: out of memory for a %zu x %zu sinogram", na, nc);
    }
    for (size_t a = 0; a < na; a++)
        for (size_t j = 0; j < C; j++) {
            long c = (long)j - (long)cs;
            while (c < 0 || c >= (long)nc) c = c < 0 ? -c - 1 : 2 * (long)nc - c - 1;
            img[(a + rs) * C + j] = s[a * nc + (size_t)c];
        }
    int rc = 0;
    for (int lv = 0; lv < level && rc == 0; lv++) {
        size_t r = R >> lv, c = C >> lv;
        dwt2_level(img, r, c, C, h, L, t1, t2);
        /* damp the LH band (rows 0..r/2, columns c/2..c) along the angle axis */
        size_t rh = r / 2;
        plan = tl_fft_plan_1d(rh, -1, err);
        void *inv = plan ? tl_fft_plan_1d(rh, +1, err) : NULL;
        float *buf = inv ? tl_fft_alloc(rh) : NULL;
        if (!buf) { rc = -1; if (inv) tl_err(err, "stripes: out of memory"); break; }
        for (size_t j = c / 2; j < c; j++) {
            for (size_t i = 0; i < rh; i++) { buf[2 * i] = (float)img[i * C + j]; buf[2 * i + 1] = 0; }
            tl_fft_exec(plan, buf);
            for (size_t i = 0; i < rh; i++) {
                double k = (double)(i <= rh / 2 ? i : rh - i); /* |frequency index| */
                double damp = -expm1(-k * k / (2 * sigma * sigma));
                buf[2 * i] = (float)(buf[2 * i] * damp / (double)rh);
                buf[2 * i + 1] = (float)(buf[2 * i + 1] * damp / (double)rh);
            }
            tl_fft_exec(inv, buf);
            for (size_t i = 0; i < rh; i++) img[i * C + j] = buf[2 * i];
        }
        tl_fft_free(buf);
    }
    if (rc == 0) {
        for (int lv = level - 1; lv >= 0; lv--) idwt2_level(img, R >> lv, C >> lv, C, h, L, t1, t2);
        for (size_t a = 0; a < na; a++)
            for (size_t c = 0; c < nc; c++) s[a * nc + c] = (float)img[(a + rs) * C + c + cs];
    }
    free(img); free(t1); free(t2);
    return rc;
}

int tl_remove_stripes(float *s, size_t na, size_t nc, const tl_stripe_opts *o, tl_error *err)
{
    size_t size = o->size;
    switch (o->method) {
    case TL_STRIPE_NONE: return 0;
    case TL_STRIPE_SORT: return tl_stripe_sort(s, na, nc, size ? size : 21, err);
    case TL_STRIPE_LARGE: return tl_stripe_large(s, na, nc, o->snr, size ? size : 51, 0.1, err);
    case TL_STRIPE_DEAD: return tl_stripe_dead(s, na, nc, o->snr, size ? size : 51, err);
    case TL_STRIPE_FW: return tl_stripe_fw(s, na, nc, o->level, o->db, o->sigma, err);
    }
    return tl_err(err, "stripes: unknown method");
}

double tl_stripe_metric(const float *s, size_t na, size_t nc)
{
    double *m = malloc(sizeof(double) * nc);
    float *mf = calloc(nc, sizeof(float)), *md = malloc(sizeof(float) * nc), win[12];
    double tot = 0, dev = 0;
    if (!m || !mf || !md) { free(m); free(mf); free(md); return NAN; }
    for (size_t c = 0; c < nc; c++) {
        double acc = 0;
        for (size_t a = 0; a < na; a++) { acc += s[a * nc + c]; tot += fabsf(s[a * nc + c]); }
        m[c] = acc / (double)na;
        mf[c] = (float)m[c];
    }
    median1d(mf, nc, 1, 11, md, 1, win);
    for (size_t c = 0; c < nc; c++) dev += fabs(m[c] - md[c]);
    free(m); free(mf); free(md);
    return tot > 0 ? (dev / (double)nc) / (tot / (double)(na * nc)) : 0.0;
}
