/* plot_image.c — layout of raster figures (maps, overlays, rows of maps):
 * each image at an exact pixel scale, framed, with titles, a scale bar,
 * and a colour bar or a categorical legend on the right. */
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <string.h>

#include "plot_canvas.h"

/* Largest side of an automatically sized single image, in pixels: small
 * maps are enlarged by an integer factor (crisp, equal-sized pixels), large
 * ones reduced to fit. Panels share about twice that per row. */
#define AUTO_SIDE 720.0
#define AUTO_ROW 1440.0

typedef struct {
    int W, H;         /* figure */
    int x0, y0;       /* top-left of the first panel's image */
    int w, h;         /* one image */
    int gx, gy;       /* gaps between panels */
    int pt;           /* panel title band above each image */
    int cols, rows;
    double s;         /* pixels per µm */
    double mm, px;    /* text height in mm, and in pixels */
} layout;

static size_t npanels(const tl_image_fig *f) { return f->npanels ? f->npanels : 1; }

static void panel_origin(const layout *L, size_t i, int *x, int *y)
{
    int c = (int)(i % (size_t)L->cols), r = (int)(i / (size_t)L->cols);
    *x = L->x0 + c * (L->w + L->gx);
    *y = L->y0 + r * (L->h + L->gy + L->pt);
}

static int do_layout(const tl_image_fig *f, layout *L, tl_error *err)
{
    double k = f->font_scale > 0 ? f->font_scale : 1.0;
    size_t n = npanels(f);
    L->mm = 4.6 * k;
    L->px = 2.835 * L->mm;
    double px = L->px;
    L->cols = f->columns > 0 && (size_t)f->columns < n ? f->columns : (int)n;
    L->rows = (int)((n + (size_t)L->cols - 1) / (size_t)L->cols);
    L->pt = f->panel_titles ? (int)lrint(1.8 * px) : 0;
    L->gx = n > 1 ? (int)lrint(0.8 * px) : 0;
    L->gy = n > 1 ? (int)lrint(0.6 * px) : 0;
    double pw = (double)f->nx * f->dx_um, ph = (double)f->ny * f->dy_um;
    int has_title = f->title && *f->title;
    double ml = f->axes ? 5.0 * px : 0.8 * px;
    double mt = has_title ? 2.6 * px : 0.8 * px;
    double mb = f->axes ? 3.8 * px : 0.8 * px;
    double mr = 0.8 * px;
    if (f->colourbar) {
        size_t ul = f->units ? tl_utf8_len(f->units) : 0;
        mr = fmax(1.2 * px + 1.6 * px + 5.2 * px, 1.2 * px + 0.72 * px * (double)ul + 0.8 * px);
        if (ul && mt + L->pt < 3.2 * px) mt = 3.2 * px - L->pt; /* room for a superscript */
    } else if (f->nlegend > 0) {
        size_t ll = 0;
        for (size_t i = 0; i < f->nlegend; i++) {
            size_t l = f->legend_labels && f->legend_labels[i] ? tl_utf8_len(f->legend_labels[i]) : 0;
            if (l > ll) ll = l;
        }
        mr = 1.2 * px + 1.6 * px + 0.6 * px + 0.72 * px * (double)ll + 0.8 * px;
    }
    /* fixed parts of the figure: margins, gaps, panel titles */
    double fixed_w = ml + mr + (L->cols - 1) * L->gx;
    double fixed_h = mt + mb + L->rows * L->pt + (L->rows - 1) * L->gy;
    if (f->width > 0 || f->height > 0) {
        double aw = f->width > 0 ? (f->width - fixed_w) / L->cols : 1e9;
        double ah = f->height > 0 ? (f->height - fixed_h) / L->rows : 1e9;
        if (aw < 8 || ah < 8)
            return tl_err(err, "%s: size %d x %d leaves no room for the image next to its labels", f->who,
                          f->width, f->height);
        L->s = fmin(aw / pw, ah / ph);
    } else {
        double fine = fmin(f->dx_um, f->dy_um);
        double side = fmax(pw, ph) / fine; /* long side in the finer pixel size */
        double target = n == 1 ? AUTO_SIDE : fmax(160.0, fmin(AUTO_SIDE, AUTO_ROW / L->cols));
        double zoom = side <= target ? floor(target / side) : target / side;
        L->s = zoom / fine;
    }
    L->w = (int)fmax(1, lrint(pw * L->s));
    L->h = (int)fmax(1, lrint(ph * L->s));
    int grid_w = L->cols * L->w + (L->cols - 1) * L->gx, grid_h = L->rows * (L->h + L->pt) + (L->rows - 1) * L->gy;
    L->W = f->width > 0 ? f->width : (int)lrint(ml + grid_w + mr);
    L->H = f->height > 0 ? f->height : (int)lrint(mt + grid_h + mb);
    if (L->H < TL_FIG_MIN && f->height <= 0) L->H = TL_FIG_MIN;
    /* centre the grid in the space left by the margins */
    L->x0 = (int)lrint(ml + 0.5 * (L->W - ml - mr - grid_w));
    L->y0 = (int)lrint(mt + 0.5 * (L->H - mt - mb - grid_h)) + L->pt;
    if (L->W < TL_FIG_MIN || L->H < TL_FIG_MIN || L->W > TL_FIG_MAX || L->H > TL_FIG_MAX)
        return tl_err(err, "%s: figure size %d x %d pixels is outside %d..%d", f->who, L->W, L->H, TL_FIG_MIN,
                      TL_FIG_MAX);
    return 0;
}

static void paint_image(tl_canvas *c, const tl_image_fig *f, const layout *L, size_t panel)
{
    int ox, oy;
    panel_origin(L, panel, &ox, &oy);
    const unsigned char *src = f->src + panel * f->nx * f->ny * 3;
    for (int py = 0; py < L->h; py++) {
        size_t sy = (size_t)(((double)py + 0.5) * (double)f->ny / L->h);
        if (sy >= f->ny) sy = f->ny - 1;
        unsigned char *d = c->rgb + 3 * ((size_t)(oy + py) * (size_t)c->w + (size_t)ox);
        for (int px = 0; px < L->w; px++) {
            size_t sx = (size_t)(((double)px + 0.5) * (double)f->nx / L->w);
            if (sx >= f->nx) sx = f->nx - 1;
            memcpy(d + 3 * (size_t)px, src + 3 * (sy * f->nx + sx), 3);
        }
    }
}

static void draw_frame_and_axes(const tl_image_fig *f, const layout *L, int W, int H, size_t panel)
{
    int ox, oy;
    panel_origin(L, panel, &ox, &oy);
    tl_pl_viewport_px(W, H, ox, oy, ox + L->w, oy + L->h);
    double pw = (double)f->nx * f->dx_um, ph = (double)f->ny * f->dy_um;
    int in_mm = pw > 2000 || ph > 2000;
    double u = in_mm ? 1e-3 : 1.0;
    plwind(0, pw * u, ph * u, 0); /* row 0 at the top, as the image is drawn */
    plcol0(1);
    plwidth(1.0);
    if (f->axes) {
        plschr(L->mm * 0.9, 1.0);
        plbox("bcnst", 0, 0, "bcnstv", 0, 0);
        plschr(L->mm, 1.0);
        plmtex("b", 2.8, 0.5, 0.5, in_mm ? "x (mm)" : "x (µm)");
        plmtex("l", 4.0, 0.5, 0.5, in_mm ? "y (mm)" : "y (µm)");
    } else {
        plbox("bc", 0, 0, "bc", 0, 0);
    }
    if (f->panel_titles && f->panel_titles[panel] && *f->panel_titles[panel]) {
        plschr(L->mm * 0.95, 1.0);
        plmtex("t", 0.7, 0.5, 0.5, f->panel_titles[panel]);
    }
}

static void draw_title(const tl_image_fig *f, const layout *L, int W, int H)
{
    if (!f->title || !*f->title) return;
    int grid_w = L->cols * L->w + (L->cols - 1) * L->gx;
    const tl_rgb black = {0, 0, 0};
    double y = L->y0 - L->pt - 1.3 * L->px;
    tl_pl_text_px(W, H, L->x0 + 0.5 * grid_w, y, 0.5, L->mm * 1.1, black, f->title);
}

static void draw_colourbar(tl_canvas *c, const tl_image_fig *f, const layout *L)
{
    int grid_w = L->cols * L->w + (L->cols - 1) * L->gx;
    int bx0 = L->x0 + grid_w + (int)lrint(1.2 * L->px), bx1 = bx0 + (int)lrint(1.6 * L->px);
    int by0 = L->y0, by1 = L->y0 + L->h;
    if (L->rows > 1) by1 = L->y0 + L->rows * (L->h + L->pt) + (L->rows - 1) * L->gy - L->pt;
    for (int y = by0; y < by1; y++) {
        /* top row = hi, bottom row = lo, sampled at row centres */
        double t = 1.0 - ((double)(y - by0) + 0.5) / (double)(by1 - by0);
        tl_canvas_fill(c, bx0, y, bx1, y + 1, tl_colormap_eval(f->cmap, t));
    }
    tl_pl_viewport_px(c->w, c->h, bx0, by0, bx1, by1);
    plwind(0, 1, f->lo, f->hi);
    plcol0(1);
    plwidth(1.0);
    plschr(L->mm * 0.9, 1.0);
    /* ticks inside the bar, labels on its right: outward ticks would run
     * into the labels, whose offset PLplot measures from the edge */
    plsmaj(0, 0.6);
    plsmin(0, 0.6);
    plbox("bc", 0, 0, "b", 0, 0);
    plbox("", 0, 0, "cmstv", 0, 0);
    plsmaj(0, 1.0);
    plsmin(0, 1.0);
    if (f->units && *f->units) {
        plschr(L->mm, 1.0);
        plmtex("t", 1.9, 0.0, 0.0, f->units); /* clear of the top tick label */
    }
}

static void draw_legend(tl_canvas *c, const tl_image_fig *f, const layout *L)
{
    const tl_rgb border = {60, 60, 60}, black = {0, 0, 0};
    int grid_w = L->cols * L->w + (L->cols - 1) * L->gx;
    int sx0 = L->x0 + grid_w + (int)lrint(1.2 * L->px), sx1 = sx0 + (int)lrint(1.6 * L->px);
    int row = (int)lrint(1.7 * L->px), sh = (int)lrint(1.0 * L->px);
    for (size_t i = 0; i < f->nlegend; i++) {
        int y0 = L->y0 + (int)i * row, y1 = y0 + sh;
        tl_canvas_fill(c, sx0 - 1, y0 - 1, sx1 + 1, y1 + 1, border);
        tl_canvas_fill(c, sx0, y0, sx1, y1, f->legend_colours[i]);
        if (f->legend_labels && f->legend_labels[i])
            tl_pl_text_px(c->w, c->h, sx1 + 0.6 * L->px, 0.5 * (y0 + y1), 0.0, L->mm, black, f->legend_labels[i]);
    }
}

int tl_image_figure(const tl_image_fig *f, tl_error *err)
{
    tl_fig_format fmt;
    if (tl_fig_format_of(f->out, f->who, &fmt, err)) return -1;
    if (fmt != TL_FIG_PNG)
        return tl_err(err, "%s: output '%s' must end in .png (maps and overlays are raster figures)", f->who,
                      f->out);
    if (!(f->dx_um > 0) || !(f->dy_um > 0) || !isfinite(f->dx_um) || !isfinite(f->dy_um))
        return tl_err(err, "%s: voxel size (y, x) = (%g, %g) µm must be positive", f->who, f->dy_um, f->dx_um);
    if (f->axes && npanels(f) > 1)
        return tl_err(err, "%s: axes are drawn on single maps only (use the scale bar for panels)", f->who);
    layout L = {0};
    if (do_layout(f, &L, err)) return -1;
    tl_canvas c;
    if (tl_canvas_init(&c, L.W, L.H, err)) return tl_err_prefix(err, "%s: ", f->who);
    for (size_t i = 0; i < npanels(f); i++) paint_image(&c, f, &L, i);
    if (tl_pl_begin_canvas(&c, f->who, err)) {
        tl_canvas_free(&c);
        return -1;
    }
    for (size_t i = 0; i < npanels(f); i++) draw_frame_and_axes(f, &L, c.w, c.h, i);
    draw_title(f, &L, c.w, c.h);
    if (f->colourbar) draw_colourbar(&c, f, &L);
    else if (f->nlegend > 0) draw_legend(&c, f, &L);
    double bar = f->scale_bar_um;
    if (bar < 0) bar = f->axes ? 0 : tl_scale_bar_length((double)f->nx * f->dx_um);
    /* the scale bar goes on the first panel only, as in a paper's figure row */
    if (bar > 0 && tl_draw_scale_bar(&c, L.x0, L.y0, L.x0 + L.w, L.y0 + L.h, L.s, bar, L.mm * 0.9) &&
        f->scale_bar_um > 0) {
        /* asked for explicitly: say so rather than leave it out */
        tl_pl_end();
        tl_canvas_free(&c);
        return tl_err(err, "%s: a %g µm scale bar does not fit in the %g µm wide image", f->who, bar,
                      (double)f->nx * f->dx_um);
    }
    tl_pl_end();
    tl_canvas_compose(&c);
    int rc = tl_png_write_rgb(f->out, c.rgb, c.w, c.h, err);
    tl_canvas_free(&c);
    return rc ? tl_err_prefix(err, "%s: ", f->who) : 0;
}
