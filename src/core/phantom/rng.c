/* rng.c — normal and Poisson draws on the counter-based generator. */
#include "rng.h"

#include <math.h>

double tl_rng_normal(tl_rng *r)
{
    double u1 = tl_rng_uniform(r), u2 = tl_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Hörmann (1993), "The transformed rejection method for generating
 * Poisson random variables", algorithm PTRS: exact, O(1) per draw. */
static uint64_t poisson_ptrs(tl_rng *r, double lam)
{
    double slam = sqrt(lam), loglam = log(lam);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = tl_rng_uniform(r) - 0.5;
        double v = tl_rng_uniform(r);
        double us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + lam + 0.43);
        if (us >= 0.07 && v <= vr) return (uint64_t)k;
        if (k < 0 || (us < 0.013 && v > us)) continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lam + k * loglam - lgamma(k + 1))
            return (uint64_t)k;
    }
}

uint64_t tl_rng_poisson(tl_rng *r, double lambda)
{
    if (!(lambda > 0)) return 0;
    if (lambda >= 10) return poisson_ptrs(r, lambda);
    /* inversion by sequential search: few steps for small means */
    double p = exp(-lambda), s = p, u = tl_rng_uniform(r);
    uint64_t k = 0;
    while (u > s && k < 1000) { k++; p *= lambda / (double)k; s += p; }
    return k;
}
