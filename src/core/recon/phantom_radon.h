/* phantom_radon.h — ellipse phantoms with exact line integrals. */
#ifndef TL_PHANTOM_RADON_H
#define TL_PHANTOM_RADON_H

#include <stddef.h>

typedef struct tl_ellipse {
    double rho, a, b, x0, y0, phi_deg; /* lengths as fractions of the radius */
} tl_ellipse;

/* "shepp" (modified Shepp-Logan), "disk", "ellipses"; -1 if unknown. */
int tl_phantom_get(const char *name, const tl_ellipse **e, size_t *n);
/* Line integral at angle theta (rad), detector coordinate t (pixels from the axis). */
double tl_phantom_radon(const tl_ellipse *e, size_t n, double radius, double theta, double t);
/* Density at (x, y) pixels from the axis. */
double tl_phantom_value(const tl_ellipse *e, size_t n, double radius, double x, double y);

#endif
