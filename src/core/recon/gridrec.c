/* gridrec.c — Gridrec: filtered back-projection by gridding in Fourier space.
 *
 * For each pair of slices (a, b) and each angle θ, the padded projection
 * a + i·b is transformed (1-D FFT of length P), filtered, phase-shifted so
 * the rotation axis is the origin, and each frequency sample j is spread
 * onto the P x P Cartesian grid at (j cos θ, j sin θ) with a W x W
 * prolate spheroidal kernel (Fourier slice theorem). One 2-D inverse FFT
 * then gives a + i·b at once (both slices are real, so they come back as
 * the real and imaginary parts), and dividing by the kernel's transform
 * undoes the gridding blur. P = FFT-friendly size >= padding · n_cols: the
 * padding both keeps the filter's convolution from wrapping around and
 * oversamples the grid, which is what keeps the kernel's aliasing small.
 * Cost per pair: n_angles · P · W² multiply-adds plus one P x P FFT. */
#include "recon.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define KERNEL_Q 1024 /* kernel table rows per grid cell */

void tl_gridrec_defaults(tl_gridrec_opts *o)
{
    memset(o, 0, sizeof *o);
    o->filter = TL_FILTER_SHEPP;
    o->cutoff = 0.5;
    o->order = 8;
    o->padding = 1.5;
    o->center = NAN;
}

typedef struct grid_setup {
    size_t N, P, n_angles;
    int W;
    tl_pswf k;
    float *f1, *f2;   /* (P/2) complex: filter · scale · phase for +j and -j */
    float *trig;      /* per angle: cos, sin */
    float *corr;      /* N: (-1)^x / ŵ(x) */
    void *fft1, *fft2;
} grid_setup;

static void setup_free(grid_setup *g)
{
    tl_pswf_free(&g->k);
    free(g->f1); free(g->f2); free(g->trig); free(g->corr);
}

static int setup_init(grid_setup *g, size_t n_angles, size_t N, const double *theta,
                      const tl_gridrec_opts *o, tl_error *err)
{
    memset(g, 0, sizeof *g);
    g->N = N; g->n_angles = n_angles;
    size_t P = tl_fft_good_size((size_t)ceil(o->padding * (double)N));
    while (P % 2) P = tl_fft_good_size(P + 1);
    g->P = P;
    g->W = o->kernel_width > 0 ? o->kernel_width : 4;
    double sigma = (double)P / (double)N;
    /* bandwidth of the kernel: as large as the oversampling allows, so the
     * kernel's transform is still well above zero at the image edge */
    double c = o->kernel_c > 0 ? o->kernel_c : fmin(40.0, 1.2 * M_PI * g->W * (1.0 - 0.5 / sigma));
    if (tl_pswf_init(&g->k, g->W, c, KERNEL_Q, err)) return -1;
    size_t half = P / 2;
    double *H = malloc(sizeof(double) * (half + 1));
    g->f1 = malloc(sizeof(float) * 2 * half);
    g->f2 = malloc(sizeof(float) * 2 * half);
    g->trig = malloc(sizeof(float) * 2 * n_angles);
    g->corr = malloc(sizeof(float) * N);
    if (!H || !g->f1 || !g->f2 || !g->trig || !g->corr) {
        free(H); setup_free(g);
        return tl_err(err, "gridrec: out of memory for tables (P = %zu)", P);
    }
    if (tl_filter_response(o->filter, o->cutoff, o->order, P, H, err)) { free(H); setup_free(g); return -1; }
    /* dθ = π / n_angles, dω = 1 / P (angles evenly spread over 180° or 360°) */
    double scale = M_PI / ((double)n_angles * (double)P);
    for (size_t j = 0; j < half; j++) {
        double ph = 2.0 * M_PI * (double)j * o->center / (double)P;
        double a = H[j] * scale * (j == 0 ? 0.5 : 1.0); /* DC split over both halves */
        g->f1[2 * j] = (float)(a * cos(ph)); g->f1[2 * j + 1] = (float)(a * sin(ph));
        g->f2[2 * j] = (float)(a * cos(ph)); g->f2[2 * j + 1] = (float)(-a * sin(ph));
    }
    free(H);
    for (size_t i = 0; i < n_angles; i++) {
        g->trig[2 * i] = (float)cos(theta[i]);
        g->trig[2 * i + 1] = (float)sin(theta[i]);
    }
    for (size_t i = 0; i < N; i++) {
        long x = (long)i - (long)(N / 2);
        double w = tl_pswf_transform(&g->k, (double)x, P);
        g->corr[i] = (float)(((x & 1) ? -1.0 : 1.0) / w);
    }
    g->fft1 = tl_fft_plan_1d(P, -1, err);
    g->fft2 = g->fft1 ? tl_fft_plan_2d(P, P, +1, err) : NULL;
    if (!g->fft2) { setup_free(g); return -1; }
    return 0;
}

/* Spread the line of one angle onto the grid. Samples whose kernel
 * footprint stays inside rows/columns 1..P-1 take the fast path; the few
 * near the Nyquist edge wrap around (the grid is periodic). */
static void grid_angle(const grid_setup *g, const float *line, float cs, float sn, float *G)
{
    const int W = g->W, q = g->k.q, P = (int)g->P, half = P / 2;
    const float *tab = g->k.table;
    for (int j = 0; j < half; j++) {
        float U = (float)j * cs + (float)half, V = (float)j * sn + (float)half;
        int iu = (int)floorf(U), iv = (int)floorf(V);
        const float *wu = tab + (size_t)(int)((U - (float)iu) * (float)q + 0.5f) * W;
        const float *wv = tab + (size_t)(int)((V - (float)iv) * (float)q + 0.5f) * W;
        int u0 = iu - W / 2 + 1, v0 = iv - W / 2 + 1;
        const float *x1 = line + 2 * j, *x2 = line + 2 * (j ? P - j : 0);
        const float *a1 = g->f1 + 2 * j, *a2 = g->f2 + 2 * j;
        float s1r = a1[0] * x1[0] - a1[1] * x1[1], s1i = a1[0] * x1[1] + a1[1] * x1[0];
        float s2r = a2[0] * x2[0] - a2[1] * x2[1], s2i = a2[0] * x2[1] + a2[1] * x2[0];
        if (u0 >= 1 && v0 >= 1 && u0 + W - 1 <= P - 1 && v0 + W - 1 <= P - 1) {
            for (int a = 0; a < W; a++) {
                float wa = wv[a];
                float *r1 = G + 2 * ((size_t)(v0 + a) * P + u0);
                float *r2 = G + 2 * ((size_t)(P - v0 - a) * P + (P - u0 - W + 1));
                for (int b = 0; b < W; b++) {
                    float w1 = wa * wu[b], w2 = wa * wu[W - 1 - b];
                    r1[2 * b] += w1 * s1r; r1[2 * b + 1] += w1 * s1i;
                    r2[2 * b] += w2 * s2r; r2[2 * b + 1] += w2 * s2i;
                }
            }
        } else {
            for (int a = 0; a < W; a++)
                for (int b = 0; b < W; b++) {
                    float w = wv[a] * wu[b];
                    int r = ((v0 + a) % P + P) % P, c = ((u0 + b) % P + P) % P;
                    float *p1 = G + 2 * ((size_t)r * P + c);
                    p1[0] += w * s1r; p1[1] += w * s1i;
                    int r2 = (P - r) % P, c2 = (P - c) % P;
                    float *p2 = G + 2 * ((size_t)r2 * P + c2);
                    p2[0] += w * s2r; p2[1] += w * s2i;
                }
        }
    }
}

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
    grid_setup g;
    if (setup_init(&g, n_angles, n_cols, theta_rad, o, err)) return -1;
    size_t P = g.P, N = n_cols, n_pairs = (n_slices + 1) / 2;
    int nt = omp_get_max_threads();
    if ((size_t)nt > n_pairs) nt = (int)n_pairs;
    if (nt < 1) nt = 1;
    float **grid = calloc((size_t)nt, sizeof *grid), **line = calloc((size_t)nt, sizeof *line);
    int ok = grid && line;
    for (int t = 0; ok && t < nt; t++) {
        grid[t] = tl_fft_alloc(P * P);
        line[t] = tl_fft_alloc(P);
        ok = grid[t] && line[t];
    }
    if (!ok) {
        for (int t = 0; grid && line && t < nt; t++) { tl_fft_free(grid[t]); tl_fft_free(line[t]); }
        free(grid); free(line); setup_free(&g);
        return tl_err(err, "gridrec: out of memory for %d grids of %zu x %zu", nt, P, P);
    }
    volatile int stop = 0;
    #pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num();
        float *G = grid[t], *L = line[t];
        #pragma omp for schedule(dynamic, 1)
        for (size_t pr = 0; pr < n_pairs; pr++) {
            if (stop || tl_interrupt_flag) { stop = 1; continue; }
            size_t sa = 2 * pr, sb = sa + 1;
            int has_b = sb < n_slices;
            memset(G, 0, sizeof(float) * 2 * P * P);
            for (size_t a = 0; a < n_angles; a++) {
                const float *pa = sino + sa * stride_s + a * stride_a;
                const float *pb = has_b ? sino + sb * stride_s + a * stride_a : NULL;
                for (size_t c = 0; c < N; c++) { L[2 * c] = pa[c]; L[2 * c + 1] = pb ? pb[c] : 0.0f; }
                memset(L + 2 * N, 0, sizeof(float) * 2 * (P - N));
                tl_fft_exec(g.fft1, L);
                grid_angle(&g, L, g.trig[2 * a], g.trig[2 * a + 1], G);
            }
            tl_fft_exec(g.fft2, G);
            float *oa = out + sa * N * N, *ob = has_b ? out + sb * N * N : NULL;
            for (size_t iy = 0; iy < N; iy++) {
                long y = (long)iy - (long)(N / 2);
                const float *row = G + 2 * ((size_t)((y + (long)P) % (long)P) * P);
                float cy = g.corr[iy];
                for (size_t ix = 0; ix < N; ix++) {
                    long x = (long)ix - (long)(N / 2);
                    size_t col = (size_t)((x + (long)P) % (long)P);
                    float w = cy * g.corr[ix];
                    oa[iy * N + ix] = w * row[2 * col];
                    if (ob) ob[iy * N + ix] = w * row[2 * col + 1];
                }
            }
        }
    }
    for (int t = 0; t < nt; t++) { tl_fft_free(grid[t]); tl_fft_free(line[t]); }
    free(grid); free(line);
    setup_free(&g);
    if (stop) return tl_check_interrupt(err) ? -1 : tl_err(err, "gridrec: interrupted");
    return 0;
}
