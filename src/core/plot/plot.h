/* plot.h — figures: line plots, 2D maps with a colour bar, segmentation
 * overlays on grey slices. Rendered by PLplot (cairo devices) and written
 * atomically with provenance.
 *
 * PNG figures are drawn in two layers: our own RGB raster (white page, map
 * pixels, colour-bar gradient, mask blending, scale bar — exact colours,
 * nearest-neighbour, no resampling seams) and a transparent layer where
 * PLplot's "memcairo" device draws text, axes, ticks, lines and legends
 * with antialiasing. The layer is composited over the raster and written
 * with libpng, provenance in a tEXt chunk "tomolith_provenance".
 * PDF and SVG line plots go through "pdfcairo"/"svgcairo" with a sidecar
 * "<file>.provenance.json".
 *
 * PLplot keeps global state: every entry point here takes one process-wide
 * lock, so call them from any thread but never expect them to run in
 * parallel. Text may use UTF-8 (µ, ², ³ render directly) and PLplot escapes
 * (#gm = µ, #u2#d = superscript 2; write ## for a literal #). */
#ifndef TL_PLOT_H
#define TL_PLOT_H

#include <stddef.h>

#include "../tl_error.h"
#include "../vol/vol.h"

typedef struct tl_rgb {
    unsigned char r, g, b;
} tl_rgb;

/* Colour names: black white grey/gray red green blue orange purple brown
 * pink olive cyan yellow magenta, or "#rrggbb". */
int tl_colour_parse(const char *s, tl_rgb *out, tl_error *err);
/* Default series colours, cycling: blue, orange, green, red, purple, ... */
tl_rgb tl_colour_cycle(size_t i);
/* The names accepted by tl_colour_parse, space separated. */
const char *tl_colour_names(void);

/* Colormaps: "viridis gray magma rdbu diverging". rdbu runs red (low) to
 * blue (high) as in matplotlib's RdBu; diverging runs blue (low) through
 * white to red (high), for signed maps such as current density. */
#define TL_COLORMAP_NAMES "viridis gray magma rdbu diverging"
/* Index of a colormap, or -1 (with a message listing the names). */
int tl_colormap_find(const char *name, tl_error *err);
/* Colour at t in [0, 1] (clamped): 256-entry table, nearest entry. */
tl_rgb tl_colormap_eval(int cmap, double t);
/* 1 for colormaps centred on zero (the default range is then symmetric). */
int tl_colormap_is_diverging(int cmap);

/* PNG of an 8-bit RGB buffer (rows top to bottom), written atomically with
 * the provenance JSON in a tEXt chunk. */
int tl_png_write_rgb(const char *path, const unsigned char *rgb, int width, int height, tl_error *err);

/* Output format from a path's extension: 0 png, 1 pdf, 2 svg; -1 + message. */
typedef enum { TL_FIG_PNG = 0, TL_FIG_PDF, TL_FIG_SVG } tl_fig_format;
int tl_fig_format_of(const char *path, const char *who, tl_fig_format *fmt, tl_error *err);

/* 1 if PLplot has the named output device ("memcairo", "pdfcairo", ...). */
int tl_plot_has_device(const char *name);

/* ---- line plots ---- */

typedef struct tl_plot_series {
    const double *x; /* NULL: 1, 2, ..., n */
    const double *y;
    size_t n;
    const char *label;  /* legend entry; NULL or "" = not in the legend */
    int right_axis;     /* 1: plotted against the right y-axis */
    const char *colour; /* NULL: next colour of the cycle */
    const char *style;  /* "line" (default), "dashed", "markers", "both" */
    const char *marker; /* "circle" (default), "square", "triangle", "diamond" */
    double line_width;  /* 0: default (2) */
} tl_plot_series;

typedef struct tl_plot_spec {
    const tl_plot_series *series;
    size_t nseries;
    const char *out; /* .png, .pdf or .svg */
    const char *title, *xlabel, *ylabel, *y2label;
    int width, height; /* pixels (points for PDF/SVG); 0: 900 x 600 */
    double xrange[2], yrange[2], y2range[2];
    int has_xrange, has_yrange, has_y2range;
    const char *legend; /* "top-right" (default), "top-left", "bottom-right", "bottom-left", "none" */
    int grid;
    double font_scale; /* 0: 1 */
} tl_plot_spec;

/* Non-finite points (NaN, inf) break a line: each finite run is drawn. */
int tl_plot_lines(const tl_plot_spec *spec, tl_error *err);

/* ---- 2D maps ---- */

typedef struct tl_map_opts {
    const char *out;      /* .png */
    const char *title;
    const char *colormap; /* NULL: viridis */
    const char *units;    /* colour-bar label, e.g. "mA/cm²" */
    double range[2];
    int has_range;        /* default: finite min..max (symmetric ±max|v| for diverging maps) */
    const char *const *colours; /* categorical mode: value k (0..n-1) drawn in colours[k] */
    size_t ncolours;
    const char *const *labels;  /* categorical legend, one per colour */
    size_t nlabels;
    const char *nan_colour;     /* NULL: white */
    double scale_bar_um;        /* < 0: automatic; 0: none */
    int width, height;          /* 0: sized from the map */
    int axes;                   /* 1: ticks in µm on the frame */
    double font_scale;          /* 0: 1 */
    const char *const *panel_titles; /* tl_show_maps: one per z, or NULL */
    size_t npanel_titles;
    int columns;                /* tl_show_maps: panels per row; 0: one row */
} tl_map_opts;

int tl_show_map(const tl_volume *map, const tl_map_opts *opts, tl_error *err);
/* A stack of maps (z = panel, e.g. one contact map per scan) side by side
 * with one shared colour scale or legend (seed 000 Fig. 4c,d). */
int tl_show_maps(const tl_volume *stack, const tl_map_opts *opts, tl_error *err);

/* ---- segmentation overlays ---- */

typedef struct tl_overlay_opts {
    const char *out; /* .png */
    const char *title;
    const char *colour;         /* label 1 when colours is not given; NULL: red */
    const char *const *colours; /* label k (1..n) drawn in colours[k-1] */
    size_t ncolours;
    const char *const *labels;  /* legend entries, one per colour */
    size_t nlabels;
    double alpha;               /* 0..1: weight of the mask colour */
    double range[2];            /* grey window */
    int has_range;              /* default: 0.5 and 99.5 percentiles of finite values */
    double scale_bar_um;        /* < 0: automatic; 0: none */
    int width, height;          /* 0: sized from the slice */
    double font_scale;
} tl_overlay_opts;

int tl_overlay(const tl_volume *slice, const tl_volume *mask, const tl_overlay_opts *opts, tl_error *err);
/* Several masks (nonzero = inside), mask k drawn in colour k, later masks
 * over earlier ones where they overlap. Without colours: red, cyan, yellow,
 * green, magenta, orange, blue, purple. */
int tl_overlay_masks(const tl_volume *slice, const tl_volume *const *masks, size_t nmasks,
                     const tl_overlay_opts *opts, tl_error *err);

#endif
