/* plot_overlay.c — a segmentation drawn over a grey slice (seed 000
 * Fig. 1f,i and 3b: interfacial voids in red over the reconstruction).
 * The mask is a label map: 0 is background, label k is drawn in colour k,
 * blended as (1 - alpha) * grey + alpha * colour. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_canvas.h"

#define WHO "overlay"
#define NBINS 65536

/* Grey window from the 0.5 and 99.5 percentiles of the finite values, by a
 * fine histogram (deterministic, one pass, no sort). */
static int robust_window(const tl_volume *v, double *lo, double *hi)
{
    double mn = INFINITY, mx = -INFINITY;
    size_t n = 0, count = v->ny * v->nx;
    for (size_t i = 0; i < count; i++) {
        double a = tl_vol_get(v, 0, i / v->nx, i % v->nx);
        if (!isfinite(a)) continue;
        if (a < mn) mn = a;
        if (a > mx) mx = a;
        n++;
    }
    if (n == 0) return 0;
    *lo = mn;
    *hi = mx;
    if (mx == mn) return 1;
    size_t *hist = calloc(NBINS, sizeof *hist);
    if (!hist) return 1; /* fall back to min..max */
    double scale = NBINS / (mx - mn);
    for (size_t i = 0; i < count; i++) {
        double a = tl_vol_get(v, 0, i / v->nx, i % v->nx);
        if (!isfinite(a)) continue;
        size_t b = (size_t)((a - mn) * scale);
        hist[b < NBINS ? b : NBINS - 1]++;
    }
    size_t cut = (size_t)floor(0.005 * (double)n), acc = 0;
    size_t blo = 0, bhi = NBINS - 1;
    for (size_t b = 0; b < NBINS; b++) {
        acc += hist[b];
        if (acc > cut) { blo = b; break; }
    }
    acc = 0;
    for (size_t b = NBINS; b-- > 0;) {
        acc += hist[b];
        if (acc > cut) { bhi = b; break; }
    }
    free(hist);
    *lo = mn + (double)blo / scale;
    *hi = mn + (double)(bhi + 1) / scale;
    if (*hi > mx) *hi = mx;
    return 1;
}

int tl_overlay(const tl_volume *slice, const tl_volume *mask, const tl_overlay_opts *o, tl_error *err)
{
    char s1[64];
    if (!slice || !mask) return tl_err(err, WHO ": slice and mask are required");
    if (slice->nz != 1)
        return tl_err(err, WHO ": slice must be 2D (nz = 1), got shape %s; take one with tl.slice",
                      tl_vol_shape_str(slice, s1, sizeof s1));
    if (tl_vol_check_same_shape(slice, "slice", mask, "mask", err)) return tl_err_prefix(err, WHO ": ");
    if (mask->dtype == TL_F32 || mask->dtype == TL_F64)
        return tl_err(err, WHO ": mask must be an integer label map (u8, u16 or i32), got %s",
                      tl_dtype_name(mask->dtype));
    if (!(o->alpha >= 0 && o->alpha <= 1)) return tl_err(err, WHO ": alpha %g must be in 0..1", o->alpha);
    size_t ncol = o->ncolours ? o->ncolours : 1;
    if (o->nlabels && o->nlabels != ncol)
        return tl_err(err, WHO ": %zu labels for %zu colours (give one label per mask colour)", o->nlabels, ncol);
    tl_rgb *cols = calloc(ncol, sizeof *cols);
    unsigned char *src = malloc(slice->nx * slice->ny * 3);
    int rc = -1;
    if (!cols || !src) {
        tl_err(err, WHO ": out of memory for a %zu x %zu slice", slice->ny, slice->nx);
        goto done;
    }
    for (size_t i = 0; i < ncol; i++) {
        const char *name = o->ncolours ? o->colours[i] : (o->colour && *o->colour ? o->colour : "red");
        if (tl_colour_parse(name, &cols[i], err)) {
            tl_err_prefix(err, WHO ": %s: ", o->ncolours ? "colours" : "colour");
            goto done;
        }
    }
    double lo, hi;
    if (o->has_range) {
        if (tl_fig_check_range(WHO, "range", o->range, err)) goto done;
        lo = o->range[0];
        hi = o->range[1];
    } else if (!robust_window(slice, &lo, &hi)) {
        tl_err(err, WHO ": slice has no finite value (all NaN or infinite)");
        goto done;
    }
    if (hi == lo) {
        lo -= 0.5;
        hi += 0.5;
    }
    double a = o->alpha;
    for (size_t y = 0; y < slice->ny; y++)
        for (size_t x = 0; x < slice->nx; x++) {
            double v = tl_vol_get(slice, 0, y, x);
            double t = (v - lo) / (hi - lo);
            /* NaN pixels (outside the reconstruction) are black */
            double g = isnan(v) ? 0.0 : (double)lrint(255.0 * (t < 0 ? 0 : t > 1 ? 1 : t));
            double m = tl_vol_get(mask, 0, y, x);
            unsigned char *d = src + 3 * (y * slice->nx + x);
            if (m == 0) {
                d[0] = d[1] = d[2] = (unsigned char)g;
                continue;
            }
            if (m < 0 || m > (double)ncol) {
                tl_err(err,
                       WHO ": mask label %g at (y, x) = (%zu, %zu) (1-based) has no colour (%zu colour%s given; "
                       "labels 1..%zu)",
                       m, y + 1, x + 1, ncol, ncol == 1 ? "" : "s", ncol);
                goto done;
            }
            tl_rgb c = cols[(size_t)m - 1];
            d[0] = (unsigned char)lrint((1 - a) * g + a * c.r);
            d[1] = (unsigned char)lrint((1 - a) * g + a * c.g);
            d[2] = (unsigned char)lrint((1 - a) * g + a * c.b);
        }
    tl_image_fig f = {
        .who = WHO, .src = src, .nx = slice->nx, .ny = slice->ny,
        .dx_um = slice->voxel_um[2], .dy_um = slice->voxel_um[1],
        .out = o->out, .title = o->title, .width = o->width, .height = o->height,
        .font_scale = o->font_scale, .scale_bar_um = o->scale_bar_um,
        .legend_colours = cols, .legend_labels = o->labels, .nlegend = o->nlabels,
    };
    rc = tl_image_figure(&f, err);
done:
    free(cols);
    free(src);
    return rc;
}

int tl_overlay_masks(const tl_volume *slice, const tl_volume *const *masks, size_t nmasks,
                     const tl_overlay_opts *o, tl_error *err)
{
    static const char *defaults[] = {"red", "cyan", "yellow", "green", "magenta", "orange", "blue", "purple"};
    const size_t ndefaults = sizeof defaults / sizeof defaults[0];
    if (!slice) return tl_err(err, WHO ": slice is required");
    if (nmasks == 0) return tl_err(err, WHO ": masks is empty (give one or more masks)");
    if (nmasks > 255) return tl_err(err, WHO ": %zu masks is more than 255", nmasks);
    if (o->ncolours && o->ncolours != nmasks)
        return tl_err(err, WHO ": %zu colours for %zu masks (give one colour per mask)", o->ncolours, nmasks);
    if (!o->ncolours && nmasks > ndefaults)
        return tl_err(err, WHO ": %zu masks need colours (defaults exist for %zu)", nmasks, ndefaults);
    char name[32];
    for (size_t k = 0; k < nmasks; k++) {
        snprintf(name, sizeof name, "masks[%zu]", k + 1);
        if (!masks[k]) return tl_err(err, WHO ": %s is not a volume", name);
        if (tl_vol_check_same_shape(slice, "slice", masks[k], name, err)) return tl_err_prefix(err, WHO ": ");
        if (masks[k]->dtype == TL_F32 || masks[k]->dtype == TL_F64)
            return tl_err(err, WHO ": %s must be an integer mask (u8, u16 or i32), got %s", name,
                          tl_dtype_name(masks[k]->dtype));
    }
    tl_volume *labels = tl_vol_new(TL_U8, 1, slice->ny, slice->nx, err);
    if (!labels) return tl_err_prefix(err, WHO ": ");
    uint8_t *l = labels->data;
    for (size_t k = 0; k < nmasks; k++)
        for (size_t y = 0; y < slice->ny; y++)
            for (size_t x = 0; x < slice->nx; x++)
                if (tl_vol_get(masks[k], 0, y, x) != 0) l[y * slice->nx + x] = (uint8_t)(k + 1);
    tl_overlay_opts oo = *o;
    if (!oo.ncolours) {
        oo.colours = defaults;
        oo.ncolours = nmasks;
    }
    int rc = tl_overlay(slice, labels, &oo, err);
    tl_vol_unref(labels);
    return rc;
}
