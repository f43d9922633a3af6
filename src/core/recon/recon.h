/* recon.h — the reconstruction module's C API (no Lua).
 *
 * Conventions (see docs/reconstruction.md):
 * - A sinogram block is (n_slices, n_angles, n_cols) f32, reached through
 *   strides so a block of projections (n_angles, n_rows, n_cols) is used
 *   in place: element (s, a, c) is at s * stride_s + a * stride_a + c.
 * - Angles are in radians inside the core; the operators take degrees.
 * - The centre of rotation is a 0-based detector column (TomoPy's unit).
 * - A reconstructed slice is (n_cols, n_cols), x fastest; the rotation
 *   axis sits at pixel (n_cols/2, n_cols/2) (integer division, as TomoPy).
 *   Detector coordinate t = x cos θ + y sin θ, with t = column − centre.
 * - Gridrec returns line-integral units per pixel (1/pixel); the driver
 *   divides by the pixel size to give 1/cm. */
#ifndef TL_RECON_H
#define TL_RECON_H

#include <stddef.h>

#include "../tl_error.h"
#include "../vol/vol.h"

/* ---- filters (filters.c) ---- */
typedef enum {
    TL_FILTER_SHEPP = 0, TL_FILTER_PARZEN, TL_FILTER_HANN, TL_FILTER_HAMMING,
    TL_FILTER_RAMLAK, TL_FILTER_COSINE, TL_FILTER_BUTTERWORTH, TL_FILTER_NONE,
    TL_NFILTERS
} tl_filter;
#define TL_FILTER_NAMES "shepp parzen hann hamming ramlak cosine butterworth none"

int tl_filter_parse(const char *name, tl_filter *f, tl_error *err);
/* Real, even frequency response H[j] for j = 0..P/2 of a length-P
 * transform, in cycles/pixel: the band-limited ramp (DFT of the sampled
 * Ram-Lak kernel, so the zero frequency is right) times TomoPy's window
 * for the filter. cutoff, order: TomoPy's filter_par (0.5, 8). */
int tl_filter_response(tl_filter f, double cutoff, double order, size_t P, double *H, tl_error *err);

/* ---- FFTW plans (fftw_plans.c) ---- */
/* Plans are made once per size and kind, under a lock, with FFTW_MEASURE
 * (FFTW_ESTIMATE if TL_FFTW_ESTIMATE=1) and wisdom kept in
 * $XDG_CACHE_HOME/tomolith/fftwf-wisdom (or ~/.cache/tomolith/...).
 * They are in-place complex plans on fftwf_malloc'ed arrays; run them with
 * fftwf_execute_dft(plan, a, a) on any array from tl_fft_alloc. */
void *tl_fft_plan_1d(size_t n, int sign, tl_error *err);
void *tl_fft_plan_2d(size_t n0, size_t n1, int sign, tl_error *err);
/* howmany transforms of length n, element k of transform m at m * dist +
 * k * stride (complex units). Run it on arrays from tl_fft_alloc offset by
 * a multiple of 4 complex values (FFTW's SIMD alignment must match). */
void *tl_fft_plan_many(size_t n, size_t howmany, size_t stride, size_t dist, int sign, tl_error *err);
void tl_fft_exec(void *plan, void *data); /* in place, thread-safe */
void *tl_fft_alloc(size_t n_complex);    /* zeroed, SIMD-aligned */
void tl_fft_free(void *p);
/* FFT-friendly size >= n (factors 2, 3, 5, 7 only). */
size_t tl_fft_good_size(size_t n);

/* ---- gridding kernel (gridrec_kernel.c) ---- */
#define TL_PSWF_FINE 64 /* kernel samples per grid cell for its transform */
typedef struct tl_pswf {
    int width;       /* W: grid cells covered, even */
    double c;        /* PSWF bandwidth parameter */
    int q;           /* table resolution: samples per grid cell */
    float *table;    /* (q + 1) * width weights: row r holds w(k - W/2 + 1 - r/q) */
    double coef[40]; /* Legendre coefficients of ψ0 (P_0, P_2, ...) */
    double *fine;    /* width * TL_PSWF_FINE + 1 samples of w over [-W/2, W/2] */
} tl_pswf;
/* ψ0(c, x) for |x| <= 1, normalised to ψ0(0) = 1. */
double tl_pswf_eval(double c, double x);
int tl_pswf_init(tl_pswf *k, int width, double c, int q, tl_error *err);
void tl_pswf_free(tl_pswf *k);
/* Continuous Fourier transform of the kernel at image position x (pixels)
 * for a grid of P cells: ∫ w(s) exp(2πi s x / P) ds. */
double tl_pswf_transform(const tl_pswf *k, double x, size_t P);

/* ---- Gridrec (gridrec.c) ---- */
typedef struct tl_gridrec_opts {
    tl_filter filter;
    double cutoff, order; /* TomoPy filter_par */
    double padding;       /* grid size >= padding * n_cols (>= 1) */
    double center;        /* 0-based detector column */
    int kernel_width;     /* 0: default */
    double kernel_c;      /* 0: default */
    double out_scale;     /* output multiplier (0 = 1): e.g. 1/pixel_cm for 1/cm */
} tl_gridrec_opts;

void tl_gridrec_defaults(tl_gridrec_opts *o);
/* Reconstruct n_slices slices: out is (n_slices, n_cols, n_cols), f32, in
 * 1/pixel. OpenMP over slice pairs; identical for any thread count. */
int tl_gridrec(const float *sino, size_t n_slices, size_t n_angles, size_t n_cols,
               size_t stride_s, size_t stride_a, const double *theta_rad,
               const tl_gridrec_opts *o, float *out, tl_error *err);

/* Free the setup Gridrec keeps for the next call with the same geometry. */
void tl_gridrec_release(void);

/* ---- direct filtered back-projection, for the tests (fbp_reference.c) ---- */
/* Spatial-domain Ram-Lak (times the filter's window) convolution and
 * linear-interpolation back-projection of one sinogram (n_angles, n_cols). */
int tl_fbp_reference(const float *sino, size_t n_angles, size_t n_cols, const double *theta_rad,
                     double center, tl_filter filter, float *out, tl_error *err);

/* ---- normalisation (normalize.c) ---- */
/* Average flats/darks (k, rows, cols) into one (rows, cols) image each. */
int tl_average_frames(const float *frames, size_t k, size_t npix, float *avg, tl_error *err);
/* In place on (n_angles, rows, cols): p = -log(max((p - dark) / (flat - dark), floor)).
 * Errors if flat - dark <= 0 anywhere, naming the pixel (row0 = detector
 * row of the block's first row, for the message). */
int tl_normalize_block(float *proj, size_t n_angles, size_t n_rows, size_t n_cols,
                       const float *flat, const float *dark, double floor_value,
                       int take_log, size_t row0, tl_error *err);

/* ---- centre finding (find_center.c) ---- */
typedef enum { TL_CENTER_VO = 0, TL_CENTER_PC } tl_center_method;
/* sino: (n_angles, n_cols) line integrals over 180°. */
int tl_find_center_vo(const float *sino, size_t n_angles, size_t n_cols,
                      double smin, double smax, double *center, tl_error *err);
/* p0: projection at θ0, p180: projection at θ0 + 180° (both n_cols). */
int tl_find_center_pc(const float *p0, const float *p180, size_t n_cols, double *center,
                      tl_error *err);
/* The projection nearest θ0 + 180° (θ0 = theta_deg[0]; the first of equals),
 * for tl_find_center_pc; an error if none is within one angular step (at
 * least 1°) of it. */
int tl_find_opposite(const double *theta_deg, size_t n_angles, size_t *best, tl_error *err);
/* The centre of one sinogram by either method: Vo's over shifts [smin,
 * smax], or phase correlation of the first projection with the one facing
 * it (by theta_deg; without angles, the last projection of a 180° scan). */
int tl_find_center_sino(const float *sino, size_t n_angles, size_t n_cols, const double *theta_deg,
                        tl_center_method method, double smin, double smax, double *center, tl_error *err);

/* ---- stripe removal (stripes.c, wavelet.c) ---- */
/* All act in place on one sinogram (n_angles, n_cols). */
int tl_stripe_sort(float *sino, size_t n_angles, size_t n_cols, size_t size, tl_error *err);
int tl_stripe_large(float *sino, size_t n_angles, size_t n_cols, double snr, size_t size,
                    double drop_ratio, tl_error *err);
int tl_stripe_dead(float *sino, size_t n_angles, size_t n_cols, double snr, size_t size,
                   tl_error *err);
int tl_stripe_fw(float *sino, size_t n_angles, size_t n_cols, int level, int db, double sigma,
                 tl_error *err);
/* Ring metric: mean |column mean − its 1-D median-smoothed value| relative
 * to the sinogram's mean absolute value (0 for a stripe-free sinogram). */
double tl_stripe_metric(const float *sino, size_t n_angles, size_t n_cols);

/* Daubechies wavelets (wavelet.c): orthonormal dbN, N = 1..10, periodic
 * extension (length must be divisible by 2^level). */
int tl_db_filter(int n, const double **h, size_t *len);
void tl_dwt1(const double *x, size_t n, const double *h, size_t L, double *lo, double *hi);
void tl_idwt1(const double *lo, const double *hi, size_t n, const double *h, size_t L, double *x);

/* ---- Paganin phase retrieval (paganin.c) ---- */
typedef struct tl_paganin_opts {
    double energy_kev, distance_mm, pixel_um, alpha; /* alpha = β/δ */
} tl_paganin_opts;
/* In place on transmission images (n, rows, cols) (after flat/dark
 * normalisation, before -log): I -> F⁻¹[F[I] / (1 + λ z k² / (4π α))],
 * edge-padded. */
int tl_paganin(float *img, size_t n, size_t n_rows, size_t n_cols, const tl_paganin_opts *o,
               tl_error *err);

#endif
