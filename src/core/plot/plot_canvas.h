/* plot_canvas.h — internal: the two-layer canvas and the PLplot session.
 *
 * A canvas is a white RGB raster (our exact pixels) plus a transparent,
 * premultiplied RGBA layer that PLplot's memcairo device draws into. Both
 * use pixel coordinates with (0, 0) at the top-left corner. */
#ifndef TL_PLOT_CANVAS_H
#define TL_PLOT_CANVAS_H

#include "plot.h"

typedef struct tl_canvas {
    int w, h;
    unsigned char *rgb;   /* w*h*3, white */
    unsigned char *layer; /* w*h*4, premultiplied RGBA, transparent */
    double text_mm;       /* base character height for labels */
} tl_canvas;

/* Sizes accepted for any figure, in pixels. */
#define TL_FIG_MIN 64
#define TL_FIG_MAX 8000

int tl_canvas_init(tl_canvas *c, int w, int h, tl_error *err);
void tl_canvas_free(tl_canvas *c);
/* Composite the PLplot layer over the raster (in rgb). */
void tl_canvas_compose(tl_canvas *c);
/* Fill a pixel rectangle [x0, x1) x [y0, y1) of the raster (clipped). */
void tl_canvas_fill(tl_canvas *c, int x0, int y0, int x1, int y1, tl_rgb col);

/* Error unless a user range {lo, hi} is two finite numbers with lo < hi;
 * the message reads "<who>: <name> {lo, hi} must be ...". */
int tl_fig_check_range(const char *who, const char *name, const double r[2], tl_error *err);

/* PLplot session on the canvas layer: takes the global PLplot lock, checks
 * the memcairo device, plinit. tl_pl_end() plends and unlocks. */
int tl_pl_begin_canvas(tl_canvas *c, const char *who, tl_error *err);
/* PLplot session writing a file with a vector device ("pdfcairo",
 * "svgcairo") of w x h points; same lock. */
int tl_pl_begin_file(const char *device, const char *path, int w, int h, const char *who, tl_error *err);
void tl_pl_end(void);

/* Drawing helpers inside a session. */
void tl_pl_colour(tl_rgb c);                       /* current pen colour */
void tl_pl_viewport_px(int w, int h, double x0, double y0, double x1, double y1); /* pixel rect */
void tl_pl_pixel_world(int w, int h);              /* world = pixels, y down */
void tl_pl_text_px(int w, int h, double x, double y, double just, double mm, tl_rgb col, const char *text);

/* Nice scale-bar length (1, 2 or 5 x 10^k µm) near a fifth of `span_um`,
 * and its label ("200 µm", "1 mm"). */
double tl_scale_bar_length(double span_um);
void tl_scale_bar_label(double len_um, char *buf, size_t n);
/* Draw a scale bar in the bottom-right corner of the pixel rect (x0, y0,
 * x1, y1) showing len_um at px_per_um: bar in the raster on a darkened box,
 * label with PLplot (call inside a session). -1 (nothing drawn) when it
 * does not fit in the rect. */
int tl_draw_scale_bar(tl_canvas *c, int x0, int y0, int x1, int y1, double px_per_um, double len_um,
                      double mm);

/* A raster figure: an image (a map, a blended overlay) or a grid of
 * panels, drawn pixel-exact with nearest-neighbour scaling, framed, with a
 * title, a scale bar (first panel) and on the right either a colour bar or
 * a categorical legend shared by all panels. */
typedef struct tl_image_fig {
    const char *who;            /* operator name for messages */
    const unsigned char *src;   /* npanels images of nx*ny RGB, row 0 at the top */
    size_t nx, ny;
    size_t npanels;             /* 0 or 1: a single image */
    const char *const *panel_titles; /* one per panel, or NULL */
    int columns;                /* panels per row; 0: all in one row */
    double dx_um, dy_um;        /* pixel size along x and y */
    const char *out, *title;
    int width, height;          /* 0: sized from the image */
    double font_scale;          /* 0: 1 */
    int axes;                   /* ticks in µm (mm for wide images) */
    double scale_bar_um;        /* < 0 automatic, 0 none */
    int colourbar;              /* 1: draw cmap from lo to hi, label units */
    int cmap;
    double lo, hi;
    const char *units;
    const tl_rgb *legend_colours; /* legend swatches (when nlegend > 0) */
    const char *const *legend_labels;
    size_t nlegend;
} tl_image_fig;

int tl_image_figure(const tl_image_fig *f, tl_error *err);

/* Number of UTF-8 characters (for layout estimates). */
size_t tl_utf8_len(const char *s);

#endif
