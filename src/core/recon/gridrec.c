/* gridrec.c — Gridrec: filtered back-projection by gridding in Fourier space.
 *
 * For each pair of slices (a, b) and each angle θ, the padded projection
 * a + i·b is transformed (1-D FFT of length P), filtered, phase-shifted so
 * the rotation axis is the origin, and each frequency sample k is spread
 * onto the P x P Cartesian grid at (k cos θ, k sin θ) with a W x W
 * prolate spheroidal kernel (Fourier slice theorem). One 2-D inverse FFT
 * then gives a + i·b at once (both slices are real, so they come back as
 * the real and imaginary parts), and dividing by the kernel's transform
 * undoes the gridding blur. P = FFT-friendly size >= padding · n_cols: the
 * padding both keeps the filter's convolution from wrapping around and
 * oversamples the grid, which is what keeps the kernel's aliasing small.
 *
 * Speed: the grid (P² complex, 52 MB for 2048 columns at padding 1.25)
 * is far larger than the caches, and walking it line by line, angle after
 * angle, misses on every sample. The sample positions depend only on the
 * geometry, so they are computed once per geometry, bucketed by 64 x 64
 * tiles of the grid, and the accumulation runs tile after tile: each
 * tile's cells stay in L1 while every sample falling on it is added (one
 * AVX2 FMA per kernel row; the weights come from a table at 1/1024 cell,
 * laid out duplicated, w0 w0 w1 w1 ..., for interleaved complex values).
 * The grid is cleared and row-transformed tile row by tile row while it is
 * in cache (spread_and_rows), and the column pass works on L2-sized blocks
 * of columns and writes the output directly (column_pass), so each slice
 * pair moves the grid through memory twice (written back once, read once
 * by the column pass) instead of six times. */
#include "recon.h"

#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define KERNEL_Q 1024 /* kernel table rows per grid cell */
#define TILE 64       /* grid cells per tile side */
#define COLB 64       /* grid columns per block of the column pass (1.3 MB at P = 2560; 32 and 128 were slower) */
#define PF 16         /* rows the column pass's copy prefetches ahead */

void tl_gridrec_defaults(tl_gridrec_opts *o)
{
    memset(o, 0, sizeof *o);
    o->filter = TL_FILTER_SHEPP;
    o->cutoff = 0.5;
    o->order = 8;
    o->padding = 1.25;
    o->center = NAN;
}

/* One frequency sample's place on the grid. */
typedef struct grid_entry {
    uint32_t off;    /* grid index (row * P + col) of the footprint's first cell */
    uint32_t sample; /* angle * P + frequency index in the filtered lines */
    uint16_t ru, rv; /* kernel table rows along u (columns) and v (rows) */
} grid_entry;

typedef struct grid_setup {
    size_t N, P, n_angles;
    int W;
    tl_pswf k;
    float *wdup;      /* (q + 1) x 2W: each weight twice, for interleaved complex */
    float *filt;      /* P complex: filter · scale · phase, frequency index order */
    float *corr;      /* N: (-1)^x / ŵ(x) */
    grid_entry *fast; /* footprints inside rows/columns 0..P-1, sorted by tile */
    grid_entry *edge; /* footprints that wrap around the grid edge */
    size_t *trow;     /* fast[trow[t] .. trow[t + 1]) start in tile row t */
    unsigned char *erow; /* P flags: rows a wrapped footprint reaches */
    int avx2;         /* use the AVX2/FMA loop */
    int n_buf;        /* per-thread buffers kept with the setup */
    float **grid, **lines;
    size_t n_fast, n_edge;
    void *fft1;       /* the lines: length P */
    void *fft_rows;   /* inverse 2-D, pass 1: TILE rows */
    void *fft_rows_tail; /* the last P % TILE rows (NULL if none) */
    void *fft_cols;   /* pass 2: COLB columns gathered into a P x COLB block */
} grid_setup;

static int cpu_has_avx2(void);

static void setup_free(grid_setup *g)
{
    for (int t = 0; t < g->n_buf; t++) { tl_fft_free(g->grid[t]); tl_fft_free(g->lines[t]); }
    free(g->grid); free(g->lines);
    g->grid = g->lines = NULL;
    g->n_buf = 0;
    tl_pswf_free(&g->k);
    free(g->wdup); free(g->filt); free(g->corr); free(g->fast); free(g->edge); free(g->trow); free(g->erow);
}

/* Footprint of frequency k at angle (cs, sn): first cell and table rows.
 * The footprint of -k is the exact mirror of that of k (same weights,
 * reversed), so a + i·b separates into a and b without crosstalk. */
static void place(const grid_setup *g, long k, int mirror, double cs, double sn, long *u0, long *v0, int *ru, int *rv)
{
    const long W = g->W, q = g->k.q, P = (long)g->P;
    long ak = labs(k);
    double U = (double)ak * cs + (double)(P / 2), V = (double)ak * sn + (double)(P / 2);
    long iu = (long)floor(U), iv = (long)floor(V);
    long r_u = (long)((U - (double)iu) * (double)q + 0.5), r_v = (long)((V - (double)iv) * (double)q + 0.5);
    long bu = iu - W / 2 + 1, bv = iv - W / 2 + 1;
    if (mirror) { bu = P - bu - W + 1; bv = P - bv - W + 1; r_u = q - r_u; r_v = q - r_v; }
    *u0 = bu; *v0 = bv; *ru = (int)r_u; *rv = (int)r_v;
}

/* Sample it (0..P) of one angle's line: its index *jj in the line and its
 * footprint; 0 for the Nyquist sample k = -P/2, which is left out (as
 * TomoPy). Index jj -> frequency k = jj or jj - P; it = P is the zero
 * frequency again, mirrored (half of it each way, so its footprint is
 * symmetric too). *wraps: the footprint crosses the grid's edge. */
static int place_sample(const grid_setup *g, size_t it, double cs, double sn, size_t *jj, long *u0, long *v0,
                        int *ru, int *rv, int *wraps)
{
    size_t P = g->P, j = it == P ? 0 : it;
    if (j == P / 2) return 0;
    long k = j < P / 2 ? (long)j : (long)j - (long)P;
    place(g, k, k < 0 || it == P, cs, sn, u0, v0, ru, rv);
    *jj = j;
    *wraps = *u0 < 0 || *v0 < 0 || *u0 + g->W > (long)P || *v0 + g->W > (long)P;
    return 1;
}

static int build_geometry(grid_setup *g, const double *theta, tl_error *err)
{
    size_t P = g->P, na = g->n_angles, nt = (P + TILE - 1) / TILE;
    long W = g->W;
    size_t *count = calloc(nt * nt + 1, sizeof *count);
    double *cs = malloc(sizeof(double) * 2 * na);
    if (!count || !cs) { free(count); free(cs); return tl_err(err, "gridrec: out of memory for the geometry"); }
    for (size_t a = 0; a < na; a++) { cs[2 * a] = cos(theta[a]); cs[2 * a + 1] = sin(theta[a]); }
    /* pass 1: count per tile */
    size_t n_edge = 0, jj;
    long u0, v0;
    int ru, rv, wraps;
    for (size_t a = 0; a < na; a++)
        for (size_t it = 0; it <= P; it++) {
            if (!place_sample(g, it, cs[2 * a], cs[2 * a + 1], &jj, &u0, &v0, &ru, &rv, &wraps)) continue;
            if (wraps) n_edge++;
            else count[(size_t)v0 / TILE * nt + (size_t)u0 / TILE + 1]++;
        }
    for (size_t t = 0; t < nt * nt; t++) count[t + 1] += count[t];
    g->n_fast = count[nt * nt];
    g->n_edge = n_edge;
    g->fast = malloc(sizeof(grid_entry) * (g->n_fast ? g->n_fast : 1));
    g->edge = malloc(sizeof(grid_entry) * (n_edge ? n_edge : 1));
    if (!g->fast || !g->edge) { free(count); free(cs); return tl_err(err, "gridrec: out of memory for the geometry"); }
    n_edge = 0;
    for (size_t a = 0; a < na; a++)
        for (size_t it = 0; it <= P; it++) {
            if (!place_sample(g, it, cs[2 * a], cs[2 * a + 1], &jj, &u0, &v0, &ru, &rv, &wraps)) continue;
            grid_entry e = {.sample = (uint32_t)(a * P + jj), .ru = (uint16_t)ru, .rv = (uint16_t)rv};
            if (wraps) {
                /* wrapped: keep the signed position in off via the modulo later */
                e.off = (uint32_t)((((v0 % (long)P) + (long)P) % (long)P) * (long)P + (((u0 % (long)P) + (long)P) % (long)P));
                g->edge[n_edge++] = e;
                continue;
            }
            e.off = (uint32_t)((size_t)v0 * P + (size_t)u0);
            g->fast[count[(size_t)v0 / TILE * nt + (size_t)u0 / TILE]++] = e;
        }
    /* Within a tile the entries run along each angle's line, so consecutive
     * footprints overlap shifted by one cell: every load would wait for the
     * previous (misaligned, partly overlapping) store. Interleaving four
     * far-apart parts of the tile's list makes neighbours independent. */
    grid_entry *tmp = malloc(sizeof(grid_entry) * (g->n_fast ? g->n_fast : 1));
    g->trow = malloc(sizeof(size_t) * (nt + 1));
    g->erow = calloc(P, 1);
    if (!tmp || !g->trow || !g->erow) { free(tmp); free(count); free(cs); return tl_err(err, "gridrec: out of memory for the geometry"); }
    for (size_t ty = 0; ty <= nt; ty++) g->trow[ty] = ty ? count[ty * nt - 1] : 0;
    for (size_t i = 0; i < g->n_edge; i++)
        for (long a = 0; a < W; a++) g->erow[(g->edge[i].off / P + (size_t)a) % P] = 1;
    for (size_t t = 0, begin = 0; t < nt * nt; t++) {
        size_t end = count[t], len = end - begin, q = (len + 3) / 4, o = begin;
        for (size_t i = 0; i < q; i++)
            for (size_t k = 0; k < 4; k++)
                if (k * q + i < len) tmp[o++] = g->fast[begin + k * q + i];
        begin = end;
    }
    free(g->fast);
    g->fast = tmp;
    free(count); free(cs);
    return 0;
}

static int setup_init(grid_setup *g, size_t n_angles, size_t N, const double *theta,
                      const tl_gridrec_opts *o, tl_error *err)
{
    memset(g, 0, sizeof *g);
    g->N = N; g->n_angles = n_angles;
    size_t P = tl_fft_good_size((size_t)ceil(o->padding * (double)N));
    /* a multiple of 4: every line (P complex) then starts 32-byte aligned,
     * as FFTW's SIMD plans made on aligned arrays require */
    while (P % 4) P = tl_fft_good_size(P + 1);
    g->P = P;
    if ((double)n_angles * (double)P >= 4e9 || P > 65535)
        return tl_err(err, "gridrec: %zu angles x a %zu-point grid is too large (grid <= 65535, angles x grid < 4e9)",
                      n_angles, P);
    g->W = o->kernel_width > 0 ? o->kernel_width : 4;
    double sigma = (double)P / (double)N;
    /* bandwidth of the kernel: as large as the oversampling allows (chosen
     * by measuring a disk's interior value and the RMS error, see docs) */
    double c = o->kernel_c > 0 ? o->kernel_c : fmin(40.0, 1.2 * M_PI * g->W * (1.0 - 0.5 / sigma));
    if (tl_pswf_init(&g->k, g->W, c, KERNEL_Q, err)) return -1;
    size_t half = P / 2;
    double *H = malloc(sizeof(double) * (half + 1));
    g->wdup = malloc(sizeof(float) * (size_t)(KERNEL_Q + 1) * 2 * g->W);
    g->filt = malloc(sizeof(float) * 2 * P);
    g->corr = malloc(sizeof(float) * N);
    if (!H || !g->wdup || !g->filt || !g->corr) {
        free(H); setup_free(g);
        return tl_err(err, "gridrec: out of memory for tables (P = %zu)", P);
    }
    for (size_t r = 0; r <= KERNEL_Q; r++)
        for (int j = 0; j < g->W; j++)
            g->wdup[r * 2 * g->W + 2 * j] = g->wdup[r * 2 * g->W + 2 * j + 1] = g->k.table[r * g->W + j];
    if (tl_filter_response(o->filter, o->cutoff, o->order, P, H, err)) { free(H); setup_free(g); return -1; }
    /* dθ = π / n_angles, dω = 1 / P (angles evenly spread over 180° or 360°);
     * the phase moves the rotation axis (column `center`) to the origin */
    double scale = M_PI / ((double)n_angles * (double)P);
    for (size_t jj = 0; jj < P; jj++) {
        long k = jj < half ? (long)jj : (long)jj - (long)P;
        size_t ak = (size_t)labs(k);
        double a = (ak <= half ? H[ak] : 0) * scale * (k == 0 ? 0.5 : 1.0); /* DC is placed twice */
        double ph = 2.0 * M_PI * (double)k * o->center / (double)P;
        g->filt[2 * jj] = (float)(a * cos(ph));
        g->filt[2 * jj + 1] = (float)(a * sin(ph));
    }
    free(H);
    /* the output scale is split over the two axes' factors */
    double osc = sqrt(fabs(o->out_scale > 0 ? o->out_scale : 1.0));
    for (size_t i = 0; i < N; i++) {
        long x = (long)i - (long)(N / 2);
        double w = tl_pswf_transform(&g->k, (double)x, P);
        g->corr[i] = (float)(((x & 1) ? -osc : osc) / w);
    }
    g->avx2 = cpu_has_avx2();
    /* The inverse 2-D FFT in two passes: rows, then only the N columns
     * that reach the output, in blocks (column_pass). FFTW's in-place 2-D
     * plan spends as long copying as transforming at this size, and
     * computes every column. */
    g->fft1 = tl_fft_plan_1d(P, -1, err);
    g->fft_rows = g->fft1 ? tl_fft_plan_many(P, P < TILE ? P : TILE, 1, P, +1, err) : NULL;
    int tail_ok = 1;
    if (g->fft_rows && P > TILE && P % TILE) tail_ok = (g->fft_rows_tail = tl_fft_plan_many(P, P % TILE, 1, P, +1, err)) != NULL;
    g->fft_cols = g->fft_rows && tail_ok ? tl_fft_plan_many(P, COLB, COLB, 1, +1, err) : NULL;
    if (!g->fft_cols || build_geometry(g, theta, err)) { setup_free(g); return -1; }
    return 0;
}

/* The hot loop: add sample s with weights wu (columns) x wv (rows). */
static inline void spread(float *G, size_t P, const grid_entry *e, const float *S, const float *wdup, int W)
{
    const float *s = S + 2 * (size_t)e->sample;
    const float *wu = wdup + (size_t)e->ru * 2 * W, *wv = wdup + (size_t)e->rv * 2 * W;
    float *r = G + 2 * (size_t)e->off;
#ifdef __SSE2__
    if (W == 4) {
        __m128 sv = _mm_setr_ps(s[0], s[1], s[0], s[1]);
        __m128 u01 = _mm_mul_ps(_mm_loadu_ps(wu), sv), u23 = _mm_mul_ps(_mm_loadu_ps(wu + 4), sv);
        for (int a = 0; a < 4; a++, r += 2 * P) {
            __m128 wa = _mm_set1_ps(wv[2 * a]);
            _mm_storeu_ps(r, _mm_add_ps(_mm_loadu_ps(r), _mm_mul_ps(wa, u01)));
            _mm_storeu_ps(r + 4, _mm_add_ps(_mm_loadu_ps(r + 4), _mm_mul_ps(wa, u23)));
        }
        return;
    }
#endif
    for (int a = 0; a < W; a++, r += 2 * P) {
        float wa = wv[2 * a];
        for (int b = 0; b < 2 * W; b += 2) {
            float w = wa * wu[b];
            r[b] += w * s[0];
            r[b + 1] += w * s[1];
        }
    }
}

static void spread_all_generic(float *G, size_t P, const grid_entry *e, size_t n, const float *S, const float *wdup, int W)
{
    for (size_t i = 0; i < n; i++) spread(G, P, &e[i], S, wdup, W);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* W = 4 with AVX2/FMA: one kernel row is 4 complex = one 256-bit vector. */
__attribute__((target("avx2,fma")))
static void spread_all_avx2(float *G, size_t P, const grid_entry *e, size_t n, const float *S, const float *wdup)
{
    for (size_t i = 0; i < n; i++) {
        /* a tile's samples come from hundreds of angles' lines, scattered
         * over the 30 MB of lines: fetch them well ahead (64 entries: the
         * gridding took 37 -> 30 ms per slice pair at 2048 px, with the
         * four rows' loads issued before their stores) */
        if (i + 64 < n) __builtin_prefetch(S + 2 * (size_t)e[i + 64].sample);
        const float *s = S + 2 * (size_t)e[i].sample;
        __m256 sv = _mm256_castpd_ps(_mm256_broadcast_sd((const double *)s));
        __m256 u = _mm256_mul_ps(_mm256_loadu_ps(wdup + (size_t)e[i].ru * 8), sv);
        const float *wv = wdup + (size_t)e[i].rv * 8;
        float *r = G + 2 * (size_t)e[i].off;
        size_t p2 = 2 * P;
        __m256 g0 = _mm256_loadu_ps(r), g1 = _mm256_loadu_ps(r + p2), g2 = _mm256_loadu_ps(r + 2 * p2),
               g3 = _mm256_loadu_ps(r + 3 * p2);
        _mm256_storeu_ps(r, _mm256_fmadd_ps(_mm256_set1_ps(wv[0]), u, g0));
        _mm256_storeu_ps(r + p2, _mm256_fmadd_ps(_mm256_set1_ps(wv[2]), u, g1));
        _mm256_storeu_ps(r + 2 * p2, _mm256_fmadd_ps(_mm256_set1_ps(wv[4]), u, g2));
        _mm256_storeu_ps(r + 3 * p2, _mm256_fmadd_ps(_mm256_set1_ps(wv[6]), u, g3));
    }
}
#endif

/* FMA rounds once where SSE rounds twice, so the path is chosen once per
 * setup from the CPU (TL_NO_AVX2=1 forces SSE), never per thread: results
 * are identical for any thread count on one machine. */
static int cpu_has_avx2(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && !getenv("TL_NO_AVX2");
#else
    return 0;
#endif
}

static void spread_all(float *G, size_t P, const grid_entry *e, size_t n, const float *S, const float *wdup, int W,
                       int avx2)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (W == 4 && avx2) { spread_all_avx2(G, P, e, n, S, wdup); return; }
#endif
    (void)avx2;
    spread_all_generic(G, P, e, n, S, wdup, W);
}

static void spread_wrapped(float *G, size_t P, const grid_entry *e, const float *S, const float *wdup, int W)
{
    const float *s = S + 2 * (size_t)e->sample;
    const float *wu = wdup + (size_t)e->ru * 2 * W, *wv = wdup + (size_t)e->rv * 2 * W;
    size_t v0 = e->off / P, u0 = e->off % P;
    for (int a = 0; a < W; a++)
        for (int b = 0; b < W; b++) {
            float w = wv[2 * a] * wu[2 * b];
            float *p = G + 2 * (((v0 + (size_t)a) % P) * P + (u0 + (size_t)b) % P);
            p[0] += w * s[0];
            p[1] += w * s[1];
        }
}

/* Grid every footprint and do the row pass of the inverse 2-D FFT, tile
 * row after tile row, so the grid is in cache for both:
 * - the few rows wrapped footprints reach are cleared and those
 *   footprints gridded first;
 * - before tile row t, the other rows it reaches that no earlier one did
 *   are cleared (a memset of the whole grid first, 52 MB at 2048 px, wrote
 *   it to memory only for the gridding to read the zeros back);
 * - after tile row t, no footprint is left to reach rows < (t + 1)·TILE:
 *   they are transformed while still in cache. */
static void spread_and_rows(const grid_setup *g, float *G, const float *S)
{
    size_t P = g->P, nt = (P + TILE - 1) / TILE, zeroed = 0, fft_done = 0;
    for (size_t v = 0; v < P; v++)
        if (g->erow[v]) memset(G + 2 * v * P, 0, sizeof(float) * 2 * P);
    for (size_t i = 0; i < g->n_edge; i++) spread_wrapped(G, P, &g->edge[i], S, g->wdup, g->W);
    for (size_t t = 0; t < nt; t++) {
        size_t upto = (t + 1) * TILE + (size_t)g->W - 1;
        if (upto > P || t == nt - 1) upto = P;
        for (; zeroed < upto; zeroed++)
            if (!g->erow[zeroed]) memset(G + 2 * zeroed * P, 0, sizeof(float) * 2 * P);
        spread_all(G, P, g->fast + g->trow[t], g->trow[t + 1] - g->trow[t], S, g->wdup, g->W, g->avx2);
        size_t final = t == nt - 1 ? P : (t + 1) * TILE;
        for (; fft_done < final; fft_done += TILE) /* only the last chunk can be short (P % TILE rows) */
            tl_fft_exec(fft_done + TILE <= P || P <= TILE ? g->fft_rows : g->fft_rows_tail, G + 2 * fft_done * P);
    }
}

/* The setup (tables, plans, ~12 bytes per sample of geometry) depends on
 * the geometry and options only, so it is kept for the next call: the
 * streaming driver calls once per block with the same geometry. One setup
 * is cached; the lock is held for the whole reconstruction so it is never
 * replaced while in use (gridrec calls run one at a time; each is parallel). */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static grid_setup cache;
static int cache_valid;
static double *cache_theta;
static tl_gridrec_opts cache_opts;

static int same_opts(const tl_gridrec_opts *a, const tl_gridrec_opts *b)
{
    return a->filter == b->filter && a->cutoff == b->cutoff && a->order == b->order && a->padding == b->padding &&
           a->center == b->center && a->kernel_width == b->kernel_width && a->kernel_c == b->kernel_c &&
           a->out_scale == b->out_scale;
}

static grid_setup *cached_setup(size_t n_angles, size_t N, const double *theta, const tl_gridrec_opts *o, tl_error *err)
{
    if (cache_valid && cache.N == N && cache.n_angles == n_angles && same_opts(&cache_opts, o) &&
        memcmp(cache_theta, theta, sizeof(double) * n_angles) == 0)
        return &cache;
    if (cache_valid) { setup_free(&cache); free(cache_theta); cache_theta = NULL; cache_valid = 0; }
    cache_theta = malloc(sizeof(double) * n_angles);
    if (!cache_theta) { tl_err(err, "gridrec: out of memory"); return NULL; }
    if (setup_init(&cache, n_angles, N, theta, o, err)) { free(cache_theta); cache_theta = NULL; return NULL; }
    memcpy(cache_theta, theta, sizeof(double) * n_angles);
    cache_opts = *o;
    cache_valid = 1;
    return &cache;
}

void tl_gridrec_release(void)
{
    pthread_mutex_lock(&cache_lock);
    if (cache_valid) { setup_free(&cache); free(cache_theta); cache_theta = NULL; cache_valid = 0; }
    pthread_mutex_unlock(&cache_lock);
}

static int gridrec_locked(grid_setup *gs, const float *sino, size_t n_slices, size_t n_angles, size_t n_cols,
                          size_t stride_s, size_t stride_a, float *out, tl_error *err);

int tl_gridrec(const float *sino, size_t n_slices, size_t n_angles, size_t n_cols,
               size_t stride_s, size_t stride_a, const double *theta_rad,
               const tl_gridrec_opts *o, float *out, tl_error *err)
{
    if (n_slices == 0) return tl_err(err, "gridrec: no slices to reconstruct");
    if (n_angles < 2) return tl_err(err, "gridrec: need at least 2 angles, got %zu", n_angles);
    if (n_cols < 4) return tl_err(err, "gridrec: need at least 4 detector columns, got %zu", n_cols);
    if (!isfinite(o->center) || o->center < 0 || o->center > (double)(n_cols - 1))
        return tl_err(err, "gridrec: centre %g is outside the detector (columns 0..%zu)", o->center, n_cols - 1);
    if (!(o->padding >= 1.0 && o->padding <= 4.0))
        return tl_err(err, "gridrec: padding %g must be in [1, 4]", o->padding);
    for (size_t a = 0; a < n_angles; a++)
        if (!isfinite(theta_rad[a])) return tl_err(err, "gridrec: angle %zu is not finite", a + 1);
    pthread_mutex_lock(&cache_lock);
    grid_setup *gs = cached_setup(n_angles, n_cols, theta_rad, o, err);
    int rc = gs ? gridrec_locked(gs, sino, n_slices, n_angles, n_cols, stride_s, stride_a, out, err) : -1;
    pthread_mutex_unlock(&cache_lock);
    return rc;
}

static inline uint32_t nonfinite(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return (u & 0x7f800000u) == 0x7f800000u;
}

/* L = pa + i·pb (pb NULL: 0) for the N detector columns; nonzero if any
 * value is NaN or infinite (integer test: no branch, no float compare). */
static int load_line(float *restrict L, const float *restrict pa, const float *restrict pb, size_t N)
{
    uint32_t bad = 0;
    size_t c0 = 0;
#ifdef __SSE2__
    const __m128i expo = _mm_set1_epi32(0x7f800000);
    __m128i acc = _mm_setzero_si128();
    __m128 zero = _mm_setzero_ps();
    for (; c0 + 4 <= N; c0 += 4) {
        __m128 a = _mm_loadu_ps(pa + c0), b = pb ? _mm_loadu_ps(pb + c0) : zero;
        _mm_storeu_ps(L + 2 * c0, _mm_unpacklo_ps(a, b));
        _mm_storeu_ps(L + 2 * c0 + 4, _mm_unpackhi_ps(a, b));
        __m128i ea = _mm_and_si128(_mm_castps_si128(a), expo), eb = _mm_and_si128(_mm_castps_si128(b), expo);
        acc = _mm_or_si128(acc, _mm_or_si128(_mm_cmpeq_epi32(ea, expo), _mm_cmpeq_epi32(eb, expo)));
    }
    bad = (uint32_t)_mm_movemask_epi8(acc);
#endif
    if (pb)
        for (size_t c = c0; c < N; c++) {
            L[2 * c] = pa[c];
            L[2 * c + 1] = pb[c];
            bad |= nonfinite(pa[c]) | nonfinite(pb[c]);
        }
    else
        for (size_t c = c0; c < N; c++) {
            L[2 * c] = pa[c];
            L[2 * c + 1] = 0.0f;
            bad |= nonfinite(pa[c]);
        }
    return bad != 0;
}

/* L *= filt, complex, P values (P is a multiple of 4). The vector and
 * scalar forms round alike: re = fr·xr + xi·(−fi), im = xi·fr + xr·fi. */
static void apply_filter(float *restrict L, const float *restrict filt, size_t P)
{
#ifdef __SSE2__
    const __m128 neg_re = _mm_castsi128_ps(_mm_setr_epi32((int)0x80000000u, 0, (int)0x80000000u, 0));
    for (size_t j = 0; j < 2 * P; j += 4) {
        __m128 x = _mm_load_ps(L + j), f = _mm_loadu_ps(filt + j);
        __m128 fr = _mm_shuffle_ps(f, f, _MM_SHUFFLE(2, 2, 0, 0)), fi = _mm_shuffle_ps(f, f, _MM_SHUFFLE(3, 3, 1, 1));
        __m128 xs = _mm_shuffle_ps(x, x, _MM_SHUFFLE(2, 3, 0, 1));
        _mm_store_ps(L + j, _mm_add_ps(_mm_mul_ps(x, fr), _mm_mul_ps(xs, _mm_xor_ps(fi, neg_re))));
    }
#else
    for (size_t jj = 0; jj < P; jj++) {
        float fr = filt[2 * jj], fi = filt[2 * jj + 1], xr = L[2 * jj], xi = L[2 * jj + 1];
        L[2 * jj] = fr * xr + xi * -fi;
        L[2 * jj + 1] = xi * fr + xr * fi;
    }
#endif
}

/* da[j] = cy * cx[j] * re(src[j]), db[j] the same with the imaginary part
 * (db NULL: an odd last slice). The output is written once and not read
 * back here, so aligned full blocks bypass the caches (no read for
 * ownership of lines that are overwritten whole). */
static inline void deinterleave(const float *src, float cy, const float *cx, size_t nb, float *da, float *db)
{
#ifdef __SSE2__
    if (nb == COLB && !((uintptr_t)da & 15) && !((uintptr_t)db & 15)) {
        __m128 vy = _mm_set1_ps(cy);
        for (size_t j = 0; j < COLB; j += 4) {
            __m128 w = _mm_mul_ps(vy, _mm_loadu_ps(cx + j));
            __m128 lo = _mm_load_ps(src + 2 * j), hi = _mm_load_ps(src + 2 * j + 4);
            _mm_stream_ps(da + j, _mm_mul_ps(w, _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0))));
            if (db) _mm_stream_ps(db + j, _mm_mul_ps(w, _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1))));
        }
        return;
    }
#endif
    for (size_t j = 0; j < nb; j++) da[j] = cy * cx[j] * src[2 * j];
    if (db)
        for (size_t j = 0; j < nb; j++) db[j] = cy * cx[j] * src[2 * j + 1];
}

/* Second pass of the inverse 2-D FFT, fused with the crop and the
 * deapodisation: COLB grid columns at a time (those of output columns
 * ix0..ix0+COLB-1) are copied into a P x COLB block that stays in L2,
 * transformed along v there, and only the N rows that reach the output
 * are written, real part to slice a, imaginary part to slice b. Done by
 * FFTW on the grid in place, this pass took over twice as long per
 * transform as the row pass (FFTW copies strided batches in and out) and
 * the crop then read the grid once more. */
static void column_pass(const grid_setup *g, const float *G, float *blk, float *oa, float *ob)
{
    size_t P = g->P, N = g->N, h = N / 2;
    for (size_t ix0 = 0; ix0 < N; ix0 += COLB) {
        size_t nb = N - ix0 < COLB ? N - ix0 : COLB, col[COLB];
        /* output column ix is x = ix - N/2, at grid column x mod P (x < 0
         * sits at the end of the row); a short last block repeats its last column */
        for (size_t j = 0; j < COLB; j++) {
            size_t ix = ix0 + (j < nb ? j : nb - 1);
            col[j] = ix < h ? P - h + ix : ix - h;
        }
        if (col[COLB - 1] == col[0] + COLB - 1) {
            /* rows are a grid row (~20 kB) apart: no hardware prefetcher
             * follows that, so ask for rows PF ahead */
            const float *g0 = G + 2 * col[0];
            for (size_t v = 0; v < P; v++) {
                if (v + PF < P)
                    for (size_t l = 0; l < sizeof(float) * 2 * COLB; l += 64)
                        __builtin_prefetch((const char *)(g0 + 2 * (v + PF) * P) + l);
                const float *s = g0 + 2 * v * P;
                float *d = blk + 2 * COLB * v;
                for (size_t j = 0; j < 2 * COLB; j++) d[j] = s[j];
            }
        } else {
            for (size_t v = 0; v < P; v++)
                for (size_t j = 0; j < COLB; j++) {
                    blk[2 * (COLB * v + j)] = G[2 * (v * P + col[j])];
                    blk[2 * (COLB * v + j) + 1] = G[2 * (v * P + col[j]) + 1];
                }
        }
        tl_fft_exec(g->fft_cols, blk);
        /* output row iy is y = iy - N/2, at block row y mod P */
        for (size_t iy = 0; iy < N; iy++) {
            const float *src = blk + 2 * COLB * (iy < h ? P - h + iy : iy - h);
            deinterleave(src, g->corr[iy], g->corr + ix0, nb, oa + iy * N + ix0, ob ? ob + iy * N + ix0 : NULL);
        }
    }
#ifdef __SSE2__
    _mm_sfence(); /* the streamed stores are weakly ordered */
#endif
}

/* Built with -DTL_GRIDREC_PROFILE, every call prints the CPU time per
 * slice pair of each step to stderr (how the figures in
 * docs/reconstruction.md were taken). */
#ifdef TL_GRIDREC_PROFILE
#include <stdio.h>
#include <time.h>
static const char *prof_name[] = {"lines", "gridding+rows", "columns+crop"};
#define PROF_STEPS 3
static double prof_t[PROF_STEPS], prof_pairs;
static double prof_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
#define PT(i) T[i] = prof_now()
#else
#define PT(i) (void)0
#endif
static int gridrec_locked(grid_setup *gs, const float *sino, size_t n_slices, size_t n_angles, size_t n_cols,
                          size_t stride_s, size_t stride_a, float *out, tl_error *err)
{
    const grid_setup g = *gs;
    size_t P = g.P, N = n_cols, n_pairs = (n_slices + 1) / 2;
    int nt = omp_get_max_threads();
    if ((size_t)nt > n_pairs) nt = (int)n_pairs;
    if (nt < 1) nt = 1;
    /* per thread: the grid and the filtered lines of every angle, kept with
     * the setup so the next block does not fault fresh pages in again */
    if (gs->n_buf < nt) {
        float **ng = realloc(gs->grid, sizeof *ng * (size_t)nt);
        if (ng) gs->grid = ng;
        float **nl = ng ? realloc(gs->lines, sizeof *nl * (size_t)nt) : NULL;
        if (nl) gs->lines = nl;
        int ok = ng && nl;
        while (ok && gs->n_buf < nt) {
            /* the lines' buffer doubles as the column pass's block once the
             * samples are on the grid */
            float *a = tl_fft_alloc(P * P), *b = a ? tl_fft_alloc((n_angles > COLB ? n_angles : COLB) * P) : NULL;
            if (!b) { tl_fft_free(a); ok = 0; break; }
            gs->grid[gs->n_buf] = a; gs->lines[gs->n_buf] = b; gs->n_buf++;
        }
        if (!ok) return tl_err(err, "gridrec: out of memory for %d grids of %zu x %zu", nt, P, P);
    }
    float **grid = gs->grid, **lines = gs->lines;
    volatile int stop = 0;
    /* Non-finite input is found while the lines are loaded (the generic
     * argument check's separate pass over the sinograms cost 0.048 s per
     * call of 8 slices at 2048 px, ~15% of the call). Every pair is looked
     * at, so the first bad value is reported whatever the threads' timing. */
    size_t first_bad = SIZE_MAX;
    #pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num();
        float *G = grid[t], *S = lines[t];
        #pragma omp for schedule(dynamic, 1)
        for (size_t pr = 0; pr < n_pairs; pr++) {
            if (stop || tl_interrupt_flag) { stop = 1; continue; }
            size_t sa = 2 * pr, sb = sa + 1;
            int has_b = sb < n_slices;
#ifdef TL_GRIDREC_PROFILE
            double T[PROF_STEPS + 1];
#endif
            PT(0);
            /* first non-finite input of each slice of the pair (linear index) */
            size_t bad_a = SIZE_MAX, bad_b = SIZE_MAX;
            for (size_t a = 0; a < n_angles; a++) {
                const float *pa = sino + sa * stride_s + a * stride_a;
                const float *pb = has_b ? sino + sb * stride_s + a * stride_a : NULL;
                float *L = S + 2 * a * P;
                if (load_line(L, pa, pb, N) && bad_a == SIZE_MAX) {
                    size_t c = 0;
                    while (c < N && isfinite(pa[c])) c++;
                    if (c < N) bad_a = sa * n_angles * N + a * N + c;
                    for (c = 0; bad_b == SIZE_MAX && pb && c < N; c++)
                        if (!isfinite(pb[c])) bad_b = sb * n_angles * N + a * N + c;
                }
                memset(L + 2 * N, 0, sizeof(float) * 2 * (P - N));
                tl_fft_exec(g.fft1, L);
                apply_filter(L, g.filt, P);
            }
            if (bad_a != SIZE_MAX || bad_b != SIZE_MAX) {
                size_t bad = bad_a != SIZE_MAX ? bad_a : bad_b;
                #pragma omp critical(gridrec_bad)
                if (bad < first_bad) first_bad = bad;
                continue;
            }
            PT(1);
            spread_and_rows(&g, G, S);
            PT(2);
            column_pass(&g, G, S, out + sa * N * N, has_b ? out + sb * N * N : NULL);
            PT(3);
#ifdef TL_GRIDREC_PROFILE
            #pragma omp critical
            {
                for (int i = 0; i < PROF_STEPS; i++) prof_t[i] += T[i + 1] - T[i];
                prof_pairs += 1;
            }
#endif
        }
    }
#ifdef TL_GRIDREC_PROFILE
    fprintf(stderr, "gridrec, CPU ms per slice pair (%.0f pairs):", prof_pairs);
    for (int i = 0; i < PROF_STEPS; i++) fprintf(stderr, " %s %.1f", prof_name[i], 1e3 * prof_t[i] / prof_pairs);
    fprintf(stderr, "\n");
    memset(prof_t, 0, sizeof prof_t);
    prof_pairs = 0;
#endif
    if (first_bad != SIZE_MAX && !stop)
        return tl_err(err, "gridrec: the sinograms hold a non-finite value (NaN or infinity) at slice %zu, angle %zu, column %zu (1-based)",
                      first_bad / (n_angles * N) + 1, first_bad / N % n_angles + 1, first_bad % N + 1);
    if (stop) return tl_check_interrupt(err) ? -1 : tl_err(err, "gridrec: interrupted");
    return 0;
}
