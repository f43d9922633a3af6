/* plot_map.c — a 2D map (volume with nz = 1) through a colormap with a
 * colour bar, or in categorical colours with a legend (contact maps,
 * seed 000 Fig. 4c,d: contact in colour, no contact in black). */
#include <math.h>
#include <stdlib.h>

#include "plot_canvas.h"


/* Finite min and max over every panel; 0 if there is no finite value. */
static int finite_range(const tl_volume *v, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t z = 0; z < v->nz; z++)
    for (size_t y = 0; y < v->ny; y++)
        for (size_t x = 0; x < v->nx; x++) {
            double a = tl_vol_get(v, z, y, x);
            if (!isfinite(a)) continue;
            if (a < *lo) *lo = a;
            if (a > *hi) *hi = a;
        }
    return *lo <= *hi;
}

static int colour_categories(const char *who, const tl_volume *map, const tl_map_opts *o, tl_rgb nan_col,
                             unsigned char *src, tl_rgb *cols, tl_error *err)
{
    for (size_t i = 0; i < o->ncolours; i++)
        if (tl_colour_parse(o->colours[i], &cols[i], err))
            return tl_err_prefix(err, "%s: colours[%zu]: ", who, i + 1);
    for (size_t z = 0; z < map->nz; z++)
    for (size_t y = 0; y < map->ny; y++)
        for (size_t x = 0; x < map->nx; x++) {
            double v = tl_vol_get(map, z, y, x);
            tl_rgb c = nan_col;
            if (!isnan(v)) {
                double r = nearbyint(v);
                if (fabs(v - r) > 1e-6 || r < 0 || r >= (double)o->ncolours) {
                    if (map->nz > 1)
                        return tl_err(err,
                                      "%s: map value %g at (z, y, x) = (%zu, %zu, %zu) (1-based) is not a category "
                                      "0..%zu of the %zu colours given",
                                      who, v, z + 1, y + 1, x + 1, o->ncolours - 1, o->ncolours);
                    return tl_err(err,
                                  "%s: map value %g at (y, x) = (%zu, %zu) (1-based) is not a category "
                                  "0..%zu of the %zu colours given",
                                  who, v, y + 1, x + 1, o->ncolours - 1, o->ncolours);
                }
                c = cols[(size_t)r];
            }
            unsigned char *d = src + 3 * ((z * map->ny + y) * map->nx + x);
            d[0] = c.r;
            d[1] = c.g;
            d[2] = c.b;
        }
    return 0;
}

static int render(const char *who, const tl_volume *map, const tl_map_opts *o, tl_error *err)
{
    int categorical = o->ncolours > 0;
    if (categorical && o->nlabels && o->nlabels != o->ncolours)
        return tl_err(err, "%s: %zu labels for %zu colours (give one label per colour)", who, o->nlabels,
                      o->ncolours);
    if (!categorical && o->nlabels)
        return tl_err(err, "%s: labels are for categorical maps; give colours too", who);
    if (o->panel_titles && o->npanel_titles != map->nz)
        return tl_err(err, "%s: %zu titles for %zu maps (give one per z)", who, o->npanel_titles, map->nz);
    tl_rgb nan_col = {255, 255, 255};
    if (o->nan_colour && tl_colour_parse(o->nan_colour, &nan_col, err))
        return tl_err_prefix(err, "%s: nan_colour: ", who);
    int cmap = 0;
    if (o->colormap && *o->colormap && (cmap = tl_colormap_find(o->colormap, err)) < 0)
        return tl_err_prefix(err, "%s: ", who);
    if (categorical && o->has_range)
        return tl_err(err, "%s: range applies to colormaps, not to categorical colours", who);

    size_t plane = map->nx * map->ny;
    unsigned char *src = malloc(plane * map->nz * 3);
    tl_rgb *cols = calloc(o->ncolours ? o->ncolours : 1, sizeof *cols);
    if (!src || !cols) {
        free(src);
        free(cols);
        return tl_err(err, "%s: out of memory for %zu maps of %zu x %zu", who, map->nz, map->ny, map->nx);
    }
    int rc = -1;
    double lo = 0, hi = 1;
    if (categorical) {
        if (colour_categories(who, map, o, nan_col, src, cols, err)) goto done;
    } else {
        if (o->has_range) {
            if (tl_fig_check_range(who, "range", o->range, err)) goto done;
            lo = o->range[0];
            hi = o->range[1];
        } else {
            if (!finite_range(map, &lo, &hi)) {
                tl_err(err, "%s: map has no finite value (all NaN or infinite)", who);
                goto done;
            }
            if (tl_colormap_is_diverging(cmap)) {
                /* centre diverging maps on zero so white means zero */
                double m = fmax(fabs(lo), fabs(hi));
                lo = -m;
                hi = m;
            }
            if (hi == lo) {
                double d = lo != 0 ? 0.5 * fabs(lo) : 1.0;
                lo -= d;
                hi += d;
            }
        }
        for (size_t z = 0; z < map->nz; z++)
            for (size_t y = 0; y < map->ny; y++)
                for (size_t x = 0; x < map->nx; x++) {
                    double v = tl_vol_get(map, z, y, x);
                    tl_rgb c = isnan(v) ? nan_col : tl_colormap_eval(cmap, (v - lo) / (hi - lo));
                    unsigned char *d = src + 3 * (z * plane + y * map->nx + x);
                    d[0] = c.r;
                    d[1] = c.g;
                    d[2] = c.b;
                }
    }
    tl_image_fig f = {
        .who = who, .src = src, .nx = map->nx, .ny = map->ny, .npanels = map->nz,
        .panel_titles = o->panel_titles, .columns = o->columns,
        .dx_um = map->voxel_um[2], .dy_um = map->voxel_um[1],
        .out = o->out, .title = o->title, .width = o->width, .height = o->height,
        .font_scale = o->font_scale, .axes = o->axes, .scale_bar_um = o->scale_bar_um,
        .colourbar = !categorical, .cmap = cmap, .lo = lo, .hi = hi, .units = o->units,
        .legend_colours = cols, .legend_labels = o->labels, .nlegend = categorical ? o->nlabels : 0,
    };
    rc = tl_image_figure(&f, err);
done:
    free(src);
    free(cols);
    return rc;
}

int tl_show_map(const tl_volume *map, const tl_map_opts *o, tl_error *err)
{
    char shape[64];
    if (!map) return tl_err(err, "show_map: no map given");
    if (map->nz != 1)
        return tl_err(err,
                      "show_map: map must be 2D (nz = 1), got shape %s; take a slice first (tl.slice), or "
                      "show a stack side by side with tl.show_maps",
                      tl_vol_shape_str(map, shape, sizeof shape));
    if (o->panel_titles) return tl_err(err, "show_map: panel titles are for tl.show_maps");
    return render("show_map", map, o, err);
}

int tl_show_maps(const tl_volume *stack, const tl_map_opts *o, tl_error *err)
{
    if (!stack) return tl_err(err, "show_maps: no maps given");
    if (stack->nz > 64)
        return tl_err(err, "show_maps: %zu maps is more than 64 panels; choose the scans to show", stack->nz);
    return render("show_maps", stack, o, err);
}
