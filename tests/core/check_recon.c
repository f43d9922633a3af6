/* check_recon.c — reconstruction against analytic ground truth: exact
 * line integrals of ellipse phantoms, the PSWF's defining property,
 * wavelet perfect reconstruction, centre finding with a known offset and
 * on tooth.h5, stripe removal, streamed = in-memory output, thread
 * independence, and clear errors for bad input. Sizes are small (<= 128
 * px) so the suite stays fast under the sanitizers. */
#include "tl_test.h"

#include <hdf5.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/dxchange.h"
#include "recon/phantom_radon.h"
#include "recon/reconstruct.h"

typedef struct phantom_case {
    size_t N, na;
    double center, R;
    const tl_ellipse *e;
    size_t ne;
    float *sino;   /* (na, N) */
    double *theta; /* rad */
} phantom_case;

static phantom_case make_case(const char *name, size_t N, size_t na, double center, double arc_deg, int inclusive)
{
    phantom_case p = {.N = N, .na = na, .center = center, .R = 0.45 * (double)N};
    ck_assert_int_eq(tl_phantom_get(name, &p.e, &p.ne), 0);
    p.sino = malloc(sizeof(float) * na * N);
    p.theta = malloc(sizeof(double) * na);
    for (size_t a = 0; a < na; a++) {
        p.theta[a] = arc_deg * M_PI / 180.0 * (double)a / (double)(inclusive ? na - 1 : na);
        for (size_t c = 0; c < N; c++)
            p.sino[a * N + c] = (float)tl_phantom_radon(p.e, p.ne, p.R, p.theta[a], (double)c - center);
    }
    return p;
}

static void free_case(phantom_case *p) { free(p->sino); free(p->theta); }

/* Relative RMS error inside `frac` of the phantom radius. */
static double rel_rms(const phantom_case *p, const float *img, double frac)
{
    double se = 0, sr = 0;
    for (size_t iy = 0; iy < p->N; iy++)
        for (size_t ix = 0; ix < p->N; ix++) {
            double x = (double)ix - (double)(p->N / 2), y = (double)iy - (double)(p->N / 2);
            if (hypot(x, y) > frac * p->R) continue;
            double t = tl_phantom_value(p->e, p->ne, p->R, x, y), d = img[iy * p->N + ix] - t;
            se += d * d; sr += t * t;
        }
    return sqrt(se / sr);
}

static float *run_gridrec(const phantom_case *p, double padding)
{
    tl_gridrec_opts o;
    tl_error e;
    tl_gridrec_defaults(&o);
    o.center = p->center;
    o.padding = padding;
    float *out = malloc(sizeof(float) * p->N * p->N);
    ck_assert_msg(tl_gridrec(p->sino, 1, p->na, p->N, 0, p->N, p->theta, &o, out, &e) == 0, "%s", e.msg);
    return out;
}

static void setup(void) { setenv("TL_FFTW_ESTIMATE", "1", 1); }

START_TEST(test_filter_ramp)
{
    tl_error e;
    size_t P = 256;
    double H[129];
    ck_assert_int_eq(tl_filter_response(TL_FILTER_RAMLAK, 0.5, 8, P, H, &e), 0);
    /* the band-limited ramp: |j|/P away from 0, a small positive DC value */
    for (size_t j = 8; j < 120; j++) ck_assert_close(H[j], (double)j / (double)P, 0.02);
    ck_assert(H[0] > 0 && H[0] < 1.0 / (double)P);
    ck_assert_int_eq(tl_filter_response(TL_FILTER_SHEPP, 0.5, 8, P, H, &e), 0);
    ck_assert_close(H[64], 64.0 / 256 * sin(M_PI * 0.25) / (M_PI * 0.25), 0.02);
    tl_filter f;
    ck_assert_int_eq(tl_filter_parse("bogus", &f, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "shepp parzen"));
}
END_TEST

START_TEST(test_pswf_eigenfunction)
{
    /* ψ0 is its own finite Fourier transform: ∫ ψ0(t) e^{icxt} dt = λ ψ0(x) on [-1, 1] */
    double c = 7.0, ratio0 = 0;
    ck_assert_close(tl_pswf_eval(c, 0.0), 1.0, 1e-12);
    ck_assert_close(tl_pswf_eval(c, 0.3), tl_pswf_eval(c, -0.3), 1e-12);
    for (int k = 0; k <= 4; k++) {
        double x = 0.2 * k, s = 0;
        int n = 2000;
        for (int i = 0; i <= n; i++) {
            double t = -1 + 2.0 * i / n, w = (i == 0 || i == n) ? 1 : (i & 1) ? 4 : 2;
            s += w * tl_pswf_eval(c, t) * cos(c * x * t);
        }
        s *= (2.0 / n) / 3.0;
        double r = s / tl_pswf_eval(c, x);
        if (k == 0) ratio0 = r;
        else ck_assert_close(r, ratio0, 1e-6);
    }
}
END_TEST

START_TEST(test_wavelet_perfect_reconstruction)
{
    uint64_t seed = 7;
    for (int n = 1; n <= 10; n++) {
        const double *h;
        size_t L;
        ck_assert_int_eq(tl_db_filter(n, &h, &L), 0);
        double s = 0, s2 = 0;
        for (size_t i = 0; i < L; i++) { s += h[i]; s2 += h[i] * h[i]; }
        ck_assert_close(s, sqrt(2.0), 1e-12);
        ck_assert_close(s2, 1.0, 1e-12);
        double x[64], lo[32], hi[32], y[64];
        for (int i = 0; i < 64; i++) x[i] = tl_test_uniform(&seed) - 0.5;
        tl_dwt1(x, 64, h, L, lo, hi);
        tl_idwt1(lo, hi, 64, h, L, y);
        for (int i = 0; i < 64; i++) ck_assert_close(y[i], x[i], 1e-10);
    }
    const double *h;
    size_t L;
    ck_assert_int_eq(tl_db_filter(11, &h, &L), -1);
}
END_TEST

START_TEST(test_disk_interior_value)
{
    /* uniform disk of density 1 (per pixel): interior within 1% */
    phantom_case p = make_case("disk", 128, 180, 64.3, 180, 0);
    float *img = run_gridrec(&p, 1.5);
    double s = 0;
    size_t n = 0;
    for (size_t iy = 0; iy < 128; iy++)
        for (size_t ix = 0; ix < 128; ix++)
            if (hypot((double)ix - 64, (double)iy - 64) < 0.6 * p.R) { s += img[iy * 128 + ix]; n++; }
    ck_assert_close(s / (double)n, 1.0, 0.01);
    ck_assert_double_le(rel_rms(&p, img, 0.9), 0.01);
    /* the direct reference agrees on the interior value */
    float *ref = malloc(sizeof(float) * 128 * 128);
    tl_error e;
    ck_assert_int_eq(tl_fbp_reference(p.sino, p.na, p.N, p.theta, p.center, TL_FILTER_SHEPP, ref, &e), 0);
    ck_assert_close(ref[64 * 128 + 64 + 10], 1.0, 0.01);
    free(ref); free(img); free_case(&p);
}
END_TEST

START_TEST(test_shepp_logan_vs_reference)
{
    /* Gridrec's error against the exact phantom is no worse than the slow
     * direct FBP's (edges dominate both), for Shepp-Logan and ellipses */
    const char *names[] = {"shepp", "ellipses"};
    const double limits[] = {0.30, 0.09};
    for (int k = 0; k < 2; k++) {
        phantom_case p = make_case(names[k], 128, 180, 63.6, 180, 0);
        float *img = run_gridrec(&p, 1.5), *ref = malloc(sizeof(float) * 128 * 128);
        tl_error e;
        ck_assert_int_eq(tl_fbp_reference(p.sino, p.na, p.N, p.theta, p.center, TL_FILTER_SHEPP, ref, &e), 0);
        double eg = rel_rms(&p, img, 0.95), er = rel_rms(&p, ref, 0.95);
        ck_assert_msg(eg <= limits[k] && eg <= 1.05 * er, "%s: gridrec %g vs reference %g", names[k], eg, er);
        free(img); free(ref); free_case(&p);
    }
}
END_TEST

START_TEST(test_threads_identical)
{
    /* 5 slices (odd: the last pair has one slice) of different content */
    size_t N = 64, na = 90, ns = 5;
    phantom_case p = make_case("ellipses", N, na, 32.2, 180, 0);
    float *s = malloc(sizeof(float) * ns * na * N), *o1 = malloc(sizeof(float) * ns * N * N),
          *o2 = malloc(sizeof(float) * ns * N * N);
    for (size_t z = 0; z < ns; z++)
        for (size_t i = 0; i < na * N; i++) s[z * na * N + i] = p.sino[i] * (float)(1 + z);
    tl_gridrec_opts o;
    tl_error e;
    tl_gridrec_defaults(&o);
    o.center = p.center;
    omp_set_num_threads(1);
    ck_assert_int_eq(tl_gridrec(s, ns, na, N, na * N, N, p.theta, &o, o1, &e), 0);
    omp_set_num_threads(2);
    ck_assert_int_eq(tl_gridrec(s, ns, na, N, na * N, N, p.theta, &o, o2, &e), 0);
    ck_assert_int_eq(memcmp(o1, o2, sizeof(float) * ns * N * N), 0);
    /* slice z is (1 + z) times slice 0 (linearity, and the pairing is right) */
    ck_assert_close(o1[4 * N * N + 32 * N + 30], 5 * o1[32 * N + 30], 1e-4);
    ck_assert_close(o1[1 * N * N + 32 * N + 30], 2 * o1[32 * N + 30], 1e-4);
    free(s); free(o1); free(o2); free_case(&p);
}
END_TEST

START_TEST(test_odd_sizes)
{
    /* N = 77: odd, not a multiple of the column blocks (a short last block,
     * a block straddling x = 0), written to an output that is not 16-byte
     * aligned (no streaming stores): same accuracy as the direct FBP, and
     * the same bytes as an aligned output */
    size_t N = 77;
    phantom_case p = make_case("ellipses", N, 120, 38.4, 180, 0);
    tl_gridrec_opts o;
    tl_error e;
    tl_gridrec_defaults(&o);
    o.center = p.center;
    float *buf = malloc(sizeof(float) * (N * N + 4)), *img = malloc(sizeof(float) * N * N),
          *ref = malloc(sizeof(float) * N * N);
    ck_assert_int_eq(tl_gridrec(p.sino, 1, p.na, N, 0, N, p.theta, &o, buf + 1, &e), 0);
    ck_assert_int_eq(tl_gridrec(p.sino, 1, p.na, N, 0, N, p.theta, &o, img, &e), 0);
    ck_assert_int_eq(memcmp(buf + 1, img, sizeof(float) * N * N), 0);
    ck_assert_int_eq(tl_fbp_reference(p.sino, p.na, N, p.theta, p.center, TL_FILTER_SHEPP, ref, &e), 0);
    double eg = rel_rms(&p, img, 0.95), er = rel_rms(&p, ref, 0.95);
    ck_assert_msg(eg <= 0.12 && eg <= 1.05 * er, "gridrec %g vs reference %g", eg, er);
    free(buf); free(img); free(ref); free_case(&p);
}
END_TEST

START_TEST(test_nonfinite_input)
{
    /* the first non-finite value (slice, angle, column order) is named,
     * for 1 and 2 threads, even when a later pair holds one too */
    size_t N = 48, na = 60, ns = 5;
    phantom_case p = make_case("disk", N, na, 24, 180, 0);
    float *s = malloc(sizeof(float) * ns * na * N), *o = malloc(sizeof(float) * ns * N * N);
    for (size_t z = 0; z < ns; z++) memcpy(s + z * na * N, p.sino, sizeof(float) * na * N);
    s[3 * na * N + 0 * N + 1] = INFINITY;  /* slice 4, angle 1, column 2 */
    s[2 * na * N + 4 * N + 6] = NAN;       /* slice 3, angle 5, column 7 */
    s[4 * na * N + 9 * N + 9] = -INFINITY; /* slice 5 (alone in its pair) */
    tl_gridrec_opts g;
    tl_error e;
    tl_gridrec_defaults(&g);
    g.center = p.center;
    for (int nt = 1; nt <= 2; nt++) {
        omp_set_num_threads(nt);
        ck_assert_int_eq(tl_gridrec(s, ns, na, N, na * N, N, p.theta, &g, o, &e), -1);
        ck_assert_msg(strstr(e.msg, "non-finite") && strstr(e.msg, "slice 3, angle 5, column 7"), "%s", e.msg);
    }
    s[2 * na * N + 4 * N + 6] = 0;
    ck_assert_int_eq(tl_gridrec(s, ns, na, N, na * N, N, p.theta, &g, o, &e), -1);
    ck_assert_msg(strstr(e.msg, "slice 4, angle 1, column 2"), "%s", e.msg);
    omp_set_num_threads(1);
    free(s); free(o); free_case(&p);
}
END_TEST

START_TEST(test_center_synthetic)
{
    tl_error e;
    double c;
    const double centers[] = {58.4, 64.0, 70.3};
    for (int k = 0; k < 3; k++) {
        phantom_case p = make_case("ellipses", 128, 180, centers[k], 180, 0);
        ck_assert_msg(tl_find_center_vo(p.sino, p.na, p.N, -50, 50, &c, &e) == 0, "%s", e.msg);
        ck_assert_msg(fabs(c - centers[k]) <= 0.5, "vo: %g vs %g", c, centers[k]);
        free_case(&p);
        /* 0° .. 180° inclusive, so the last projection is the 180° one */
        p = make_case("ellipses", 128, 91, centers[k], 180, 1);
        ck_assert_msg(tl_find_center_pc(p.sino, p.sino + 90 * 128, 128, &c, &e) == 0, "%s", e.msg);
        ck_assert_msg(fabs(c - centers[k]) <= 0.5, "pc: %g vs %g", c, centers[k]);
        free_case(&p);
    }
}
END_TEST

START_TEST(test_center_tooth)
{
    const char *path = tl_test_shared("tomo/tooth.h5");
    if (!path) { fprintf(stderr, "check_recon: tooth.h5 not found, skipping\n"); return; }
    tl_error e;
    tl_dxchange *d = tl_dxchange_open(path, &e);
    ck_assert_msg(d != NULL, "%s", e.msg);
    tl_recon_source s = {.dx = d};
    size_t na, nc;
    float *sino = tl_recon_sinogram_row(&s, 1, 1e-6, &na, &nc, &e);
    ck_assert_ptr_nonnull(sino);
    double c;
    ck_assert_int_eq(tl_find_center_vo(sino, na, nc, -50, 50, &c, &e), 0);
    ck_assert_msg(fabs(c - 295.75) <= 1.0, "vo on tooth: %g", c);
    ck_assert_int_eq(tl_find_center_pc(sino, sino + (na - 1) * nc, nc, &c, &e), 0);
    ck_assert_msg(fabs(c - 295.75) <= 1.0, "pc on tooth: %g", c);
    free(sino);
    tl_dxchange_close(d);
}
END_TEST

/* A sinogram with stripes: detector gain errors add a constant to some
 * columns of the line integrals (ln of the gain). */
static void inject_stripes(float *s, size_t na, size_t nc, uint64_t seed)
{
    for (size_t c = 20; c < nc - 20; c += 9) {
        float off = (float)(0.3 * (tl_test_uniform(&seed) - 0.5));
        for (size_t a = 0; a < na; a++) s[a * nc + c] += off;
    }
}

START_TEST(test_stripes_drop)
{
    tl_error e;
    size_t N = 128, na = 180;
    phantom_case p = make_case("ellipses", N, na, 64, 180, 0);
    for (size_t i = 0; i < na * N; i++) p.sino[i] *= 0.02f; /* realistic line integrals, up to ~2 */
    double clean = tl_stripe_metric(p.sino, na, N);
    float *s = malloc(sizeof(float) * na * N);
    const tl_stripe_method methods[] = {TL_STRIPE_SORT, TL_STRIPE_FW};
    for (int k = 0; k < 2; k++) {
        memcpy(s, p.sino, sizeof(float) * na * N);
        inject_stripes(s, na, N, 11);
        double before = tl_stripe_metric(s, na, N);
        tl_stripe_opts o;
        tl_stripe_defaults(&o);
        o.method = methods[k];
        ck_assert_msg(tl_remove_stripes(s, na, N, &o, &e) == 0, "%s", e.msg);
        double after = tl_stripe_metric(s, na, N);
        ck_assert_msg(after < 0.3 * before && before > 4 * clean, "method %d: metric %g -> %g (clean %g)", k, before,
                      after, clean);
    }
    /* a wide stripe (large) and a dead column (dead) */
    memcpy(s, p.sino, sizeof(float) * na * N);
    for (size_t a = 0; a < na; a++)
        for (size_t c = 50; c < 56; c++) s[a * N + c] *= 1.15f;
    double before = tl_stripe_metric(s, na, N);
    ck_assert_int_eq(tl_stripe_large(s, na, N, 3, 51, 0.1, &e), 0);
    ck_assert_msg(tl_stripe_metric(s, na, N) < 0.5 * before, "large: %g -> %g", before, tl_stripe_metric(s, na, N));
    memcpy(s, p.sino, sizeof(float) * na * N);
    for (size_t a = 0; a < na; a++) s[a * N + 70] = 0.0f;
    before = tl_stripe_metric(s, na, N);
    ck_assert_int_eq(tl_stripe_dead(s, na, N, 3, 51, &e), 0);
    ck_assert_msg(tl_stripe_metric(s, na, N) < 0.3 * before, "dead: %g -> %g", before, tl_stripe_metric(s, na, N));
    free(s); free_case(&p);
}
END_TEST

/* Raw projections (angles, rows, cols) of `rows` copies of a disk of
 * attenuation mu_cm (1/cm) with pixel_um pixels; flats 1000, darks 100;
 * `source` points at them. */
typedef struct {
    tl_volume *proj, *flat, *dark;
    double *deg;
    tl_recon_source source;
} raw_scan_case;

static raw_scan_case raw_scan(size_t N, size_t na, size_t rows, double mu_cm, double pixel_um)
{
    tl_error e;
    raw_scan_case r;
    phantom_case p = make_case("disk", N, na, (double)(N / 2) + 0.3, 180, 0);
    r.proj = tl_vol_new(TL_U16, na, rows, N, &e);
    r.flat = tl_vol_new(TL_U16, 3, rows, N, &e);
    r.dark = tl_vol_new(TL_U16, 2, rows, N, &e);
    r.deg = malloc(sizeof(double) * na);
    uint16_t *pd = r.proj->data, *fd = r.flat->data, *dd = r.dark->data;
    double scale = mu_cm * pixel_um * 1e-4; /* line integral in pixels -> dimensionless */
    for (size_t a = 0; a < na; a++) {
        r.deg[a] = p.theta[a] * 180 / M_PI;
        for (size_t j = 0; j < rows; j++)
            for (size_t c = 0; c < N; c++)
                pd[(a * rows + j) * N + c] = (uint16_t)lround(100 + 60000 * exp(-scale * p.sino[a * N + c] * (1 + 0.1 * (double)j)));
    }
    for (size_t i = 0; i < 3 * rows * N; i++) fd[i] = 60100;
    for (size_t i = 0; i < 2 * rows * N; i++) dd[i] = 100;
    tl_vol_set_voxel(r.proj, pixel_um, pixel_um, pixel_um);
    free_case(&p);
    r.source = (tl_recon_source){.proj = r.proj, .flat = r.flat, .dark = r.dark, .theta_deg = r.deg, .n_theta = na};
    return r;
}

static void raw_scan_free(raw_scan_case *r)
{
    tl_vol_unref(r->proj); tl_vol_unref(r->flat); tl_vol_unref(r->dark); free(r->deg);
}

START_TEST(test_reconstruct_units_and_stream)
{
    tl_error e;
    size_t N = 64, na = 90, rows = 5;
    raw_scan_case scan = raw_scan(N, na, rows, 20.0, 2.0);
    tl_recon_source s = scan.source;
    tl_recon_opts o;
    tl_recon_defaults(&o);
    o.grid.center = (double)(N / 2) + 0.3;
    o.block = 2;
    tl_volume *v = NULL;
    double c;
    ck_assert_msg(tl_reconstruct(&s, &o, &v, &c, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(v->nz, rows);
    ck_assert_uint_eq(v->nx, N);
    ck_assert_close(v->voxel_um[2], 2.0, 1e-12);
    /* interior of the disk: 20 /cm in row 0, 22 /cm in row 1 (u16 rounding aside) */
    double m0 = 0, m1 = 0;
    int n = 0;
    for (size_t y = 26; y < 38; y++)
        for (size_t x = 26; x < 38; x++) {
            m0 += tl_vol_get(v, 0, y, x); m1 += tl_vol_get(v, 1, y, x); n++;
        }
    ck_assert_close(m0 / n, 20.0, 0.01);
    ck_assert_close(m1 / n, 22.0, 0.01);

    /* streamed to HDF5 with another block size: byte for byte the same */
    char path[256];
    snprintf(path, sizeof path, "/tmp/check_recon_%ld.h5", (long)getpid());
    o.output = path;
    o.block = 3;
    tl_volume *none = NULL;
    ck_assert_msg(tl_reconstruct(&s, &o, &none, &c, &e) == 0, "%s", e.msg);
    ck_assert_ptr_null(none);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(f >= 0);
    hid_t ds = H5Dopen2(f, "/volume", H5P_DEFAULT);
    ck_assert(ds >= 0);
    float *buf = malloc(tl_vol_bytes(v));
    ck_assert(H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    ck_assert_int_eq(memcmp(buf, v->data, tl_vol_bytes(v)), 0);
    H5Dclose(ds); H5Fclose(f);
    unlink(path);
    free(buf);

    /* a sub-range of rows gives those slices of the full volume (paired
     * differently, so equal to float rounding) */
    o.output = NULL;
    o.r0 = 3; o.r1 = 5;
    tl_volume *w = NULL;
    ck_assert_int_eq(tl_reconstruct(&s, &o, &w, &c, &e), 0);
    double dmax = 0;
    for (size_t i = 0; i < 2 * N * N; i++)
        dmax = fmax(dmax, fabsf(((float *)w->data)[i] - ((float *)v->data)[3 * N * N + i]));
    ck_assert_msg(dmax <= 1e-3, "sub-range differs by %g", dmax); /* values ~20 /cm: 5e-5 relative */
    tl_vol_unref(w);
    tl_vol_unref(v); raw_scan_free(&scan);
}
END_TEST

START_TEST(test_reconstruct_with_phase_retrieval)
{
    /* Paganin keeps low frequencies: a large disk's interior stays at its µ,
     * only its edge is smoothed */
    tl_error e;
    size_t N = 64, na = 90, rows = 6;
    tl_volume *v = NULL;
    double c;
    raw_scan_case scan = raw_scan(N, na, rows, 20.0, 2.0);
    tl_recon_source s = scan.source;
    tl_recon_opts o;
    tl_recon_defaults(&o);
    o.grid.center = (double)(N / 2) + 0.3;
    o.phase = 1;
    o.paganin = (tl_paganin_opts){.energy_kev = 30, .distance_mm = 50, .alpha = 1e-2};
    o.r0 = 2; o.r1 = 4;
    ck_assert_msg(tl_reconstruct(&s, &o, &v, &c, &e) == 0, "%s", e.msg);
    double m = 0;
    int n = 0;
    for (size_t y = 28; y < 36; y++)
        for (size_t x = 28; x < 36; x++) { m += tl_vol_get(v, 0, y, x); n++; }
    ck_assert_close(m / n, 20.0 * 1.2, 0.03); /* row 3 of raw_scan: µ x 1.2 */
    tl_vol_unref(v); raw_scan_free(&scan);
}
END_TEST

START_TEST(test_reconstruct_stripes_threads)
{
    /* stripe removal inside the driver (rows in parallel) and Gridrec give
     * the same bytes for 1 and 2 threads, for every method */
    tl_error e;
    size_t N = 64, na = 90, rows = 5;
    tl_volume *v1 = NULL, *v2 = NULL;
    double c;
    raw_scan_case scan = raw_scan(N, na, rows, 20.0, 2.0);
    uint16_t *pd = scan.proj->data;
    for (size_t a = 0; a < na; a++)
        for (size_t r = 0; r < rows; r++) pd[(a * rows + r) * N + 20] = (uint16_t)(pd[(a * rows + r) * N + 20] * 0.9);
    tl_recon_source s = scan.source;
    const tl_stripe_method methods[] = {TL_STRIPE_SORT, TL_STRIPE_LARGE, TL_STRIPE_DEAD, TL_STRIPE_FW};
    for (int k = 0; k < 4; k++) {
        tl_recon_opts o;
        tl_recon_defaults(&o);
        o.grid.center = (double)(N / 2) + 0.3;
        o.stripes.method = methods[k];
        omp_set_num_threads(1);
        ck_assert_msg(tl_reconstruct(&s, &o, &v1, &c, &e) == 0, "%s", e.msg);
        omp_set_num_threads(2);
        ck_assert_msg(tl_reconstruct(&s, &o, &v2, &c, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(memcmp(v1->data, v2->data, tl_vol_bytes(v1)), 0);
        tl_vol_unref(v1); tl_vol_unref(v2);
    }
    raw_scan_free(&scan);
}
END_TEST

START_TEST(test_bad_inputs)
{
    tl_error e;
    size_t N = 32, na = 20, rows = 2;
    tl_volume *v = NULL;
    double c;
    raw_scan_case scan = raw_scan(N, na, rows, 10.0, 1.0);
    tl_recon_source s = scan.source;
    tl_recon_opts o;
    tl_recon_defaults(&o);
    o.grid.center = 16;

    s.n_theta = na - 1;
    ck_assert_int_eq(tl_reconstruct(&s, &o, &v, &c, &e), -1);
    ck_assert_msg(strstr(e.msg, "19 angles given for 20 projections") != NULL, "%s", e.msg);
    s.n_theta = na;

    o.r0 = 1; o.r1 = 3;
    ck_assert_int_eq(tl_reconstruct(&s, &o, &v, &c, &e), -1);
    ck_assert_msg(strstr(e.msg, "outside the detector") != NULL, "%s", e.msg);
    o.r0 = 0; o.r1 = 0;

    o.grid.center = 40;
    ck_assert_int_eq(tl_reconstruct(&s, &o, &v, &c, &e), -1);
    ck_assert_msg(strstr(e.msg, "centre 40 is outside the detector") != NULL, "%s", e.msg);
    o.grid.center = 16;

    ((uint16_t *)scan.flat->data)[5] = 0; ((uint16_t *)scan.flat->data)[5 + rows * N] = 0; ((uint16_t *)scan.flat->data)[5 + 2 * rows * N] = 0;
    ck_assert_int_eq(tl_reconstruct(&s, &o, &v, &c, &e), -1);
    ck_assert_msg(strstr(e.msg, "flat - dark") && strstr(e.msg, "row 1, column 6"), "%s", e.msg);
    ck_assert_ptr_null(v);

    /* Ctrl-C: the flag stops the reconstruction with an error, no volume */
    ((uint16_t *)scan.flat->data)[5] = ((uint16_t *)scan.flat->data)[5 + rows * N] = ((uint16_t *)scan.flat->data)[5 + 2 * rows * N] = 60100;
    tl_interrupt_flag = 1;
    ck_assert_int_eq(tl_reconstruct(&s, &o, &v, &c, &e), -1);
    ck_assert_msg(strstr(e.msg, "interrupted") != NULL, "%s", e.msg);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(tl_interrupt_flag, 0);

    tl_volume *bad = tl_vol_new(TL_U16, 3, rows, N + 1, &e);
    s.flat = bad;
    ck_assert_int_eq(tl_reconstruct(&s, &o, &v, &c, &e), -1);
    ck_assert_msg(strstr(e.msg, "flats") != NULL, "%s", e.msg);
    tl_vol_unref(bad);

    raw_scan_free(&scan);
}
END_TEST

START_TEST(test_paganin)
{
    tl_error e;
    size_t n = 40;
    float *img = malloc(sizeof(float) * n * n);
    for (size_t i = 0; i < n * n; i++) img[i] = 0.7f;
    tl_paganin_opts o = {.energy_kev = 30, .distance_mm = 200, .pixel_um = 1.0, .alpha = 1e-3};
    ck_assert_int_eq(tl_paganin(img, 1, n, n, &o, &e), 0);
    for (size_t i = 0; i < n * n; i++) ck_assert_close(img[i], 0.7, 1e-5); /* unit gain at zero frequency */
    /* an edge is smoothed, its mean kept; a negligible distance changes nothing */
    for (size_t y = 0; y < n; y++)
        for (size_t x = 0; x < n; x++) img[y * n + x] = x < n / 2 ? 0.5f : 1.0f;
    o.distance_mm = 1e-6;
    ck_assert_int_eq(tl_paganin(img, 1, n, n, &o, &e), 0);
    ck_assert_close(img[5 * n + n / 2 - 1], 0.5, 1e-3);
    o.distance_mm = 200;
    ck_assert_int_eq(tl_paganin(img, 1, n, n, &o, &e), 0);
    double before = 0.5, after = img[5 * n + n / 2 - 1];
    ck_assert_msg(after > before + 0.02, "edge not smoothed: %g", after);
    o.alpha = 0;
    ck_assert_int_eq(tl_paganin(img, 1, n, n, &o, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "alpha"));
    free(img);
}
END_TEST

Suite *suite_recon(void)
{
    Suite *s = suite_create("recon");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_filter_ramp);
    tcase_add_test(tc, test_pswf_eigenfunction);
    tcase_add_test(tc, test_wavelet_perfect_reconstruction);
    tcase_add_test(tc, test_disk_interior_value);
    tcase_add_test(tc, test_shepp_logan_vs_reference);
    tcase_add_test(tc, test_threads_identical);
    tcase_add_test(tc, test_odd_sizes);
    tcase_add_test(tc, test_nonfinite_input);
    tcase_add_test(tc, test_center_synthetic);
    tcase_add_test(tc, test_center_tooth);
    tcase_add_test(tc, test_stripes_drop);
    tcase_add_test(tc, test_reconstruct_units_and_stream);
    tcase_add_test(tc, test_reconstruct_with_phase_retrieval);
    tcase_add_test(tc, test_reconstruct_stripes_threads);
    tcase_add_test(tc, test_bad_inputs);
    tcase_add_test(tc, test_paganin);
    suite_add_tcase(s, tc);
    return s;
}
