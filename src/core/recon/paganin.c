/* paganin.c — single-distance phase retrieval (Paganin et al., J. Microsc.
 * 206, 2002) for a homogeneous object:
 *     I_f = F⁻¹[ F[I / I0] / (1 + π λ z |f|² / α) ],   α = β / δ,
 * and −ln I_f = μ T with μ = 4πβ/λ, so the reconstruction stays in
 * attenuation units (1/cm). TomoPy's retrieve_phase uses the same filter
 * with denominator λ z |k|²/(4π) + α, i.e. this one times 1/α: its output
 * is scaled by 1/α; ours has unit gain at zero frequency. Images are
 * padded by edge replication to an FFT-friendly size of at least twice
 * their extent, so the filter does not wrap around. */
#include "recon.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

int tl_paganin(float *img, size_t n, size_t nr, size_t nc, const tl_paganin_opts *o, tl_error *err)
{
    if (!(o->energy_kev > 0) || !(o->distance_mm > 0) || !(o->pixel_um > 0) || !(o->alpha > 0))
        return tl_err(err, "retrieve_phase: energy_keV (%g), distance_mm (%g), pixel_um (%g) and alpha (%g) "
                      "must all be > 0", o->energy_kev, o->distance_mm, o->pixel_um, o->alpha);
    size_t R = tl_fft_good_size(2 * nr), C = tl_fft_good_size(2 * nc);
    void *fwd = tl_fft_plan_2d(R, C, -1, err), *inv = fwd ? tl_fft_plan_2d(R, C, +1, err) : NULL;
    if (!inv) return -1;
    double lambda_m = 12.398419843320026e-10 / o->energy_kev, z = o->distance_mm * 1e-3, px = o->pixel_um * 1e-6;
    double coef = M_PI * lambda_m * z / o->alpha;
    float *filt = malloc(sizeof(float) * R * C);
    int nt = omp_get_max_threads();
    if ((size_t)nt > n) nt = (int)n;
    if (nt < 1) nt = 1;
    float **buf = calloc((size_t)nt, sizeof *buf);
    int ok = filt && buf;
    for (int t = 0; ok && t < nt; t++) ok = (buf[t] = tl_fft_alloc(R * C)) != NULL;
    if (!ok) {
        for (int t = 0; buf && t < nt; t++) tl_fft_free(buf[t]);
        free(buf); free(filt);
        return tl_err(err, "retrieve_phase: out of memory for %zu x %zu transforms", R, C);
    }
    for (size_t i = 0; i < R; i++) {
        double fy = (double)(i <= R / 2 ? (long)i : (long)i - (long)R) / ((double)R * px);
        for (size_t j = 0; j < C; j++) {
            double fx = (double)(j <= C / 2 ? (long)j : (long)j - (long)C) / ((double)C * px);
            filt[i * C + j] = (float)(1.0 / (1.0 + coef * (fx * fx + fy * fy)) / ((double)R * (double)C));
        }
    }
    size_t r0 = (R - nr) / 2, c0 = (C - nc) / 2;
    #pragma omp parallel for num_threads(nt) schedule(static)
    for (size_t k = 0; k < n; k++) {
        float *b = buf[omp_get_thread_num()], *im = img + k * nr * nc;
        for (size_t i = 0; i < R; i++) {
            long si = (long)i - (long)r0;
            size_t ri = si < 0 ? 0 : si >= (long)nr ? nr - 1 : (size_t)si;
            for (size_t j = 0; j < C; j++) {
                long sj = (long)j - (long)c0;
                size_t cj = sj < 0 ? 0 : sj >= (long)nc ? nc - 1 : (size_t)sj;
                b[2 * (i * C + j)] = im[ri * nc + cj];
                b[2 * (i * C + j) + 1] = 0;
            }
        }
        tl_fft_exec(fwd, b);
        for (size_t i = 0; i < R * C; i++) { b[2 * i] *= filt[i]; b[2 * i + 1] *= filt[i]; }
        tl_fft_exec(inv, b);
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < nc; j++) im[i * nc + j] = b[2 * ((i + r0) * C + j + c0)];
    }
    for (int t = 0; t < nt; t++) tl_fft_free(buf[t]);
    free(buf); free(filt);
    return 0;
}
