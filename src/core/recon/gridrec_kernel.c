/* gridrec_kernel.c — the prolate spheroidal wave function ψ0(c, x) used
 * as Gridrec's gridding kernel, and its tables.
 *
 * ψ0 is the band-limited function most concentrated on [-1, 1]: its
 * Fourier transform is itself (scaled), so the image-space correction
 * (division by the kernel's transform) is smooth and the aliasing that
 * gridding folds into the image is as small as a kernel of that width
 * allows (Dowd et al. 1999, as TomoPy's Gridrec). TomoPy hard-codes the
 * Legendre coefficients for c = 7; here they are computed for any c:
 * ψ0 = Σ d_k P_2k(x), with d the eigenvector of the smallest eigenvalue
 * of the (tridiagonal) prolate operator in the Legendre basis. */
#include "recon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NLEG 40 /* Legendre terms P_0, P_2, ..., P_78: ample for c <= 40 */

/* x² P_m = alpha(m) P_{m+2} + beta(m) P_m + gamma(m) P_{m-2} */
static double alpha_m(double m) { return (m + 1) * (m + 2) / ((2 * m + 1) * (2 * m + 3)); }
static double beta_m(double m) { return (2 * m * m + 2 * m - 1) / ((2 * m - 1) * (2 * m + 3)); }
static double gamma_m(double m) { return m * (m - 1) / ((2 * m - 1) * (2 * m + 1)); }

/* Number of eigenvalues of the symmetric tridiagonal (diag a, off e) below x. */
static int sturm_count(const double *a, const double *e, int n, double x)
{
    int count = 0;
    double q = a[0] - x;
    if (q < 0) count++;
    for (int i = 1; i < n; i++) {
        if (q == 0) q = 1e-300;
        q = a[i] - x - e[i - 1] * e[i - 1] / q;
        if (q < 0) count++;
    }
    return count;
}

/* Solve M y = b for a dense n x n matrix with partial pivoting (M destroyed). */
static void solve_dense(double *M, double *b, int n)
{
    for (int k = 0; k < n; k++) {
        int p = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(M[i * n + k]) > fabs(M[p * n + k])) p = i;
        if (p != k) {
            for (int j = 0; j < n; j++) { double t = M[k * n + j]; M[k * n + j] = M[p * n + j]; M[p * n + j] = t; }
            double t = b[k]; b[k] = b[p]; b[p] = t;
        }
        double piv = M[k * n + k];
        if (piv == 0) piv = M[k * n + k] = 1e-300;
        for (int i = k + 1; i < n; i++) {
            double f = M[i * n + k] / piv;
            if (f == 0) continue;
            for (int j = k; j < n; j++) M[i * n + j] -= f * M[k * n + j];
            b[i] -= f * b[k];
        }
    }
    for (int k = n - 1; k >= 0; k--) {
        double s = b[k];
        for (int j = k + 1; j < n; j++) s -= M[k * n + j] * b[j];
        b[k] = s / M[k * n + k];
    }
}

/* Legendre coefficients d[0..NLEG) of ψ0(c, ·), normalised to ψ0(0) = 1. */
static void pswf_coefs(double c, double *d)
{
    double c2 = c * c, diag[NLEG], lo[NLEG], up[NLEG], off[NLEG];
    for (int k = 0; k < NLEG; k++) {
        double n = 2.0 * k;
        diag[k] = n * (n + 1) + c2 * beta_m(n);
        up[k] = c2 * gamma_m(n + 2);   /* A[k][k+1] */
        lo[k] = c2 * alpha_m(n);       /* A[k+1][k] */
        off[k] = sqrt(up[k] * lo[k]);  /* symmetrised, same eigenvalues */
    }
    /* smallest eigenvalue by bisection on Gershgorin bounds */
    double a = diag[0] - 2 * (off[0] + 1), b = diag[0] + 2 * (off[0] + 1);
    for (int k = 0; k < NLEG; k++) {
        double r = (k ? off[k - 1] : 0) + (k < NLEG - 1 ? off[k] : 0);
        if (diag[k] - r < a) a = diag[k] - r;
        if (diag[k] + r > b) b = diag[k] + r;
    }
    for (int it = 0; it < 200 && b - a > 1e-13 * (fabs(a) + fabs(b) + 1); it++) {
        double m = 0.5 * (a + b);
        if (sturm_count(diag, off, NLEG, m) >= 1) b = m; else a = m;
    }
    double chi = 0.5 * (a + b);
    /* eigenvector of the original matrix by inverse iteration */
    double *M = malloc(sizeof(double) * NLEG * NLEG);
    for (int k = 0; k < NLEG; k++) d[k] = 1.0;
    for (int it = 0; it < 3 && M; it++) {
        memset(M, 0, sizeof(double) * NLEG * NLEG);
        for (int k = 0; k < NLEG; k++) {
            M[k * NLEG + k] = diag[k] - chi * (1 + 1e-12) - 1e-12;
            if (k + 1 < NLEG) { M[k * NLEG + k + 1] = up[k]; M[(k + 1) * NLEG + k] = lo[k]; }
        }
        solve_dense(M, d, NLEG);
        double s = 0;
        for (int k = 0; k < NLEG; k++) s += d[k] * d[k];
        s = 1.0 / sqrt(s);
        for (int k = 0; k < NLEG; k++) d[k] *= s;
    }
    free(M);
    /* ψ0(0) = Σ d_k P_2k(0), P_2k(0) = (-1)^k (2k-1)!! / (2k)!! */
    double p0 = 1.0, v0 = 0.0;
    for (int k = 0; k < NLEG; k++) {
        v0 += d[k] * p0;
        p0 *= -(2.0 * k + 1) / (2.0 * k + 2);
    }
    for (int k = 0; k < NLEG; k++) d[k] /= v0;
}

static double legendre_even_sum(const double *d, double x)
{
    double pm1 = 1.0, p = x, y = d[0];
    for (int n = 2; n <= 2 * (NLEG - 1); n++) {
        double pn = ((2.0 * n - 1) * x * p - (n - 1.0) * pm1) / n;
        pm1 = p; p = pn;
        if (!(n & 1)) y += d[n / 2] * pn;
    }
    return y;
}

double tl_pswf_eval(double c, double x)
{
    double d[NLEG];
    if (fabs(x) > 1) return 0.0;
    pswf_coefs(c, d);
    return legendre_even_sum(d, x);
}

int tl_pswf_init(tl_pswf *k, int width, double c, int q, tl_error *err)
{
    memset(k, 0, sizeof *k);
    if (width < 2 || width > 16 || width % 2)
        return tl_err(err, "gridrec: kernel width %d must be even, 2..16", width);
    if (!(c > 0 && c <= 40)) return tl_err(err, "gridrec: kernel parameter c = %g must be in (0, 40]", c);
    if (q < 16 || q > 65536) return tl_err(err, "gridrec: kernel table resolution %d out of range", q);
    double *d = k->coef;
    pswf_coefs(c, d);
    k->width = width; k->c = c; k->q = q;
    k->table = malloc(sizeof(float) * (size_t)(q + 1) * (size_t)width);
    if (!k->table) return tl_err(err, "gridrec: out of memory for the kernel table");
    double half = width / 2.0;
    k->fine = malloc(sizeof(double) * ((size_t)width * TL_PSWF_FINE + 1));
    if (!k->fine) { free(k->table); k->table = NULL; return tl_err(err, "gridrec: out of memory for the kernel table"); }
    for (size_t i = 0; i <= (size_t)width * TL_PSWF_FINE; i++)
        k->fine[i] = legendre_even_sum(d, (-half + (double)i / TL_PSWF_FINE) / half);
    for (int r = 0; r <= q; r++)
        for (int j = 0; j < width; j++) {
            double s = j - half + 1 - (double)r / q; /* grid point minus sample position */
            k->table[(size_t)r * width + j] = fabs(s) <= half ? (float)legendre_even_sum(d, s / half) : 0.0f;
        }
    return 0;
}

void tl_pswf_free(tl_pswf *k)
{
    free(k->table);
    free(k->fine);
    k->table = NULL;
    k->fine = NULL;
}

double tl_pswf_transform(const tl_pswf *k, double x, size_t P)
{
    /* Simpson's rule over the support on KERNEL_FINE samples per cell
     * (the kernel is smooth: the error is far below float precision) */
    int W = k->width;
    size_t n = (size_t)W * TL_PSWF_FINE;
    double h = 1.0 / TL_PSWF_FINE, half = W / 2.0, sum = 0.0, w0 = 2.0 * M_PI * x / (double)P;
    for (size_t i = 0; i <= n; i++) {
        double wt = (i == 0 || i == n) ? 1.0 : (i & 1) ? 4.0 : 2.0;
        sum += wt * k->fine[i] * cos(w0 * (-half + (double)i * h));
    }
    return sum * h / 3.0;
}
