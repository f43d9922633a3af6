/* phantom_radon.c — analytic phantoms made of ellipses and their exact
 * line integrals, to test reconstruction against ground truth.
 *
 * An ellipse of density ρ, semi-axes a (along x) and b (along y) rotated
 * by φ, centred at (x0, y0), has the projection
 *     p(θ, t) = 2 ρ a b sqrt(r² - s²) / r²   for |s| <= r,
 *     r² = a² cos²(θ - φ) + b² sin²(θ - φ),  s = t - x0 cos θ - y0 sin θ,
 * with t = x cos θ + y sin θ (the module's convention). Coordinates here
 * are fractions of the phantom radius; callers scale them to pixels. */
#include "phantom_radon.h"

#include <math.h>
#include <string.h>

/* Modified Shepp-Logan (Toft 1996): higher contrast than the original. */
static const tl_ellipse shepp[] = {
    {1.0, .69, .92, 0, 0, 0},         {-.8, .6624, .874, 0, -.0184, 0},
    {-.2, .11, .31, .22, 0, -18},     {-.2, .16, .41, -.22, 0, 18},
    {.1, .21, .25, 0, .35, 0},        {.1, .046, .046, 0, .1, 0},
    {.1, .046, .046, 0, -.1, 0},      {.1, .046, .023, -.08, -.605, 0},
    {.1, .023, .023, 0, -.606, 0},    {.1, .023, .046, .06, -.605, 0},
};
static const tl_ellipse disk[] = {{1.0, 1.0, 1.0, 0, 0, 0}};
static const tl_ellipse ellipses[] = {
    {1.0, .9, .7, .02, -.05, 20}, {0.5, .3, .15, .3, .2, -40}, {-0.7, .2, .35, -.35, -.1, 60},
};

int tl_phantom_get(const char *name, const tl_ellipse **e, size_t *n)
{
    if (!strcmp(name, "shepp")) { *e = shepp; *n = sizeof shepp / sizeof *shepp; return 0; }
    if (!strcmp(name, "disk")) { *e = disk; *n = 1; return 0; }
    if (!strcmp(name, "ellipses")) { *e = ellipses; *n = sizeof ellipses / sizeof *ellipses; return 0; }
    return -1;
}

double tl_phantom_radon(const tl_ellipse *e, size_t n, double radius, double theta, double t)
{
    double cs = cos(theta), sn = sin(theta), p = 0;
    for (size_t i = 0; i < n; i++) {
        double a = e[i].a * radius, b = e[i].b * radius, ph = e[i].phi_deg * M_PI / 180.0;
        double ca = cos(theta - ph), sa = sin(theta - ph);
        double r2 = a * a * ca * ca + b * b * sa * sa;
        double s = t - e[i].x0 * radius * cs - e[i].y0 * radius * sn;
        if (s * s < r2) p += 2.0 * e[i].rho * a * b * sqrt(r2 - s * s) / r2;
    }
    return p;
}

double tl_phantom_value(const tl_ellipse *e, size_t n, double radius, double x, double y)
{
    double v = 0;
    for (size_t i = 0; i < n; i++) {
        double ph = e[i].phi_deg * M_PI / 180.0, dx = x - e[i].x0 * radius, dy = y - e[i].y0 * radius;
        double u = dx * cos(ph) + dy * sin(ph), w = -dx * sin(ph) + dy * cos(ph);
        double a = e[i].a * radius, b = e[i].b * radius;
        if (u * u / (a * a) + w * w / (b * b) <= 1.0) v += e[i].rho;
    }
    return v;
}
