/* plot_lines.c — line plots with one or two y-axes (seed 000 Fig. 4a:
 * voltage on the left, contact area on the right, against time). */
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/atomic.h"
#include "../io/provenance.h"
#include "plot_canvas.h"

#define WHO "plot"

typedef struct {
    tl_rgb colour;
    int dashed, lines, markers;
    const char *glyph;
    double width;
} series_look;

static const char *marker_glyph(const char *m)
{
    if (!m || !*m || strcmp(m, "circle") == 0) return "●";
    if (strcmp(m, "square") == 0) return "■";
    if (strcmp(m, "triangle") == 0) return "▲";
    if (strcmp(m, "diamond") == 0) return "◆";
    return NULL;
}

static int check_series(const tl_plot_spec *s, series_look *look, tl_error *err)
{
    if (s->nseries == 0) return tl_err(err, WHO ": no series given (series = {{x = ..., y = ...}, ...})");
    for (size_t i = 0; i < s->nseries; i++) {
        const tl_plot_series *p = &s->series[i];
        series_look *l = &look[i];
        if (p->n == 0 || !p->y) return tl_err(err, WHO ": series %zu is empty", i + 1);
        size_t finite = 0;
        for (size_t k = 0; k < p->n; k++)
            finite += isfinite(p->y[k]) && (!p->x || isfinite(p->x[k]));
        if (finite == 0) return tl_err(err, WHO ": series %zu has no finite (x, y) point", i + 1);
        if (p->colour) {
            if (tl_colour_parse(p->colour, &l->colour, err))
                return tl_err_prefix(err, WHO ": series %zu: ", i + 1);
        } else {
            l->colour = tl_colour_cycle(i);
        }
        const char *st = p->style && *p->style ? p->style : "line";
        l->lines = strcmp(st, "line") == 0 || strcmp(st, "dashed") == 0 || strcmp(st, "both") == 0;
        l->markers = strcmp(st, "markers") == 0 || strcmp(st, "both") == 0;
        l->dashed = strcmp(st, "dashed") == 0;
        if (!l->lines && !l->markers)
            return tl_err(err, WHO ": series %zu: unknown style '%s' (use line, dashed, markers or both)", i + 1, st);
        l->glyph = marker_glyph(p->marker);
        if (!l->glyph)
            return tl_err(err, WHO ": series %zu: unknown marker '%s' (use circle, square, triangle or diamond)",
                          i + 1, p->marker);
        if (!(p->line_width >= 0) || p->line_width > 50)
            return tl_err(err, WHO ": series %zu: line width %g is outside 0..50", i + 1, p->line_width);
        l->width = p->line_width > 0 ? p->line_width : 2.0;
    }
    return 0;
}

static double xval(const tl_plot_series *p, size_t k) { return p->x ? p->x[k] : (double)(k + 1); }

/* Data range of the finite points of series on one axis (axis < 0: x). */
static int data_range(const tl_plot_spec *s, int axis, double r[2])
{
    r[0] = INFINITY;
    r[1] = -INFINITY;
    int any = 0;
    for (size_t i = 0; i < s->nseries; i++) {
        const tl_plot_series *p = &s->series[i];
        if (axis >= 0 && p->right_axis != axis) continue;
        for (size_t k = 0; k < p->n; k++) {
            double x = xval(p, k), y = p->y[k];
            if (!isfinite(x) || !isfinite(y)) continue;
            double v = axis < 0 ? x : y;
            if (v < r[0]) r[0] = v;
            if (v > r[1]) r[1] = v;
            any = 1;
        }
    }
    return any;
}

/* Pad a y range by 5% (x ranges are tight, as in most papers); widen a
 * degenerate range so PLplot has a window. */
static void finish_range(double r[2], double pad)
{
    if (r[1] == r[0]) {
        double d = r[0] != 0 ? 0.5 * fabs(r[0]) : 1.0;
        r[0] -= d;
        r[1] += d;
        return;
    }
    double d = (r[1] - r[0]) * pad;
    r[0] -= d;
    r[1] += d;
}

static void draw_series(const tl_plot_series *p, const series_look *l, double text_mm)
{
    tl_pl_colour(l->colour);
    plwidth(l->width);
    pllsty(l->dashed ? 2 : 1);
    double *xs = malloc(p->n * sizeof *xs), *ys = malloc(p->n * sizeof *ys);
    if (!xs || !ys) { free(xs); free(ys); return; }
    size_t m = 0;
    for (size_t k = 0; k <= p->n; k++) {
        int ok = k < p->n && isfinite(xval(p, k)) && isfinite(p->y[k]);
        if (ok) {
            xs[m] = xval(p, k);
            ys[m] = p->y[k];
            m++;
            continue;
        }
        /* a non-finite point (or the end) closes the current run */
        if (m > 0) {
            if (l->lines && m > 1) plline((PLINT)m, xs, ys);
            if (l->markers || (l->lines && m == 1)) {
                plschr(text_mm * 0.8, 1.0);
                plstring((PLINT)m, xs, ys, l->glyph);
            }
        }
        m = 0;
    }
    pllsty(1);
    plwidth(1.0);
    free(xs);
    free(ys);
}

static void draw_legend(const tl_plot_spec *s, const series_look *look, double text_mm)
{
    const char *pos = s->legend && *s->legend ? s->legend : "top-right";
    if (strcmp(pos, "none") == 0) return;
    PLINT n = 0;
    for (size_t i = 0; i < s->nseries; i++) n += s->series[i].label && *s->series[i].label;
    if (n == 0) return;
    PLINT *opt = calloc((size_t)n, sizeof *opt), *tcol = calloc((size_t)n, sizeof *tcol);
    PLINT *lcol = calloc((size_t)n, sizeof *lcol), *lsty = calloc((size_t)n, sizeof *lsty);
    PLINT *snum = calloc((size_t)n, sizeof *snum);
    PLFLT *lw = calloc((size_t)n, sizeof *lw), *ssc = calloc((size_t)n, sizeof *ssc);
    const char **text = calloc((size_t)n, sizeof *text), **sym = calloc((size_t)n, sizeof *sym);
    if (!opt || !tcol || !lcol || !lsty || !snum || !lw || !ssc || !text || !sym) goto out;
    plscmap0n(16 + (PLINT)s->nseries);
    PLINT j = 0;
    for (size_t i = 0; i < s->nseries; i++) {
        const tl_plot_series *p = &s->series[i];
        if (!p->label || !*p->label) continue;
        const series_look *l = &look[i];
        PLINT ci = 16 + (PLINT)i;
        plscol0a(ci, l->colour.r, l->colour.g, l->colour.b, 1.0);
        opt[j] = (l->lines ? PL_LEGEND_LINE : 0) | (l->markers ? PL_LEGEND_SYMBOL : 0);
        tcol[j] = 1;
        lcol[j] = ci;
        lsty[j] = l->dashed ? 2 : 1;
        lw[j] = l->width;
        snum[j] = 1;
        ssc[j] = 0.8;
        sym[j] = l->glyph;
        text[j] = p->label;
        j++;
    }
    PLINT position = PL_POSITION_INSIDE | PL_POSITION_VIEWPORT;
    position |= strstr(pos, "top") ? PL_POSITION_TOP : PL_POSITION_BOTTOM;
    position |= strstr(pos, "left") ? PL_POSITION_LEFT : PL_POSITION_RIGHT;
    PLFLT lw_out, lh_out;
    plschr(text_mm, 1.0);
    plscol0a(14, 255, 255, 255, 0.85);
    pllegend(&lw_out, &lh_out, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, position, 0.02, 0.03, 0.08,
             14, 1, 1, 0, 0, n, opt, 0.8, 0.9, 1.8, 0.0, tcol, text, NULL, NULL, NULL, NULL, lcol, lsty,
             lw, lcol, ssc, snum, sym);
out:
    free(opt); free(tcol); free(lcol); free(lsty); free(snum); free(lw); free(ssc); free(text); free(sym);
}

/* Draw the whole figure in the current PLplot session on a w x h page. */
static void draw_figure(const tl_plot_spec *s, const series_look *look, int w, int h, const double xr[2],
                        const double yr[2], const double y2r[2], int has_left, int has_right)
{
    double k = s->font_scale > 0 ? s->font_scale : 1.0;
    /* text scales with the figure so a 1800 x 1200 figure looks like a 900 x 600 one */
    double zoom = fmin(w / 900.0, h / 600.0);
    if (zoom < 0.6) zoom = 0.6;
    double mm = 5.0 * k * zoom, px = 2.835 * mm; /* 72 dpi: 2.835 px per mm */
    int two = has_right;
    int has_title = s->title && *s->title;
    double ml = 5.2 * px, mr = two ? 5.2 * px : 1.6 * px, mt = has_title ? 2.8 * px : 1.4 * px, mb = 3.8 * px;
    tl_pl_viewport_px(w, h, ml, mt, w - mr, h - mb);

    /* left axis (or the only axis) */
    const double *ly = has_left ? yr : y2r;
    plwind(xr[0], xr[1], ly[0], ly[1]);
    plschr(mm * 0.9, 1.0);
    plsmaj(0, 1.4 * zoom);
    plsmin(0, 1.4 * zoom);
    plwidth(1.2 * zoom);
    plcol0(1);
    if (s->grid) {
        plscol0a(13, 200, 200, 200, 1.0);
        plcol0(13);
        plwidth(0.6 * zoom);
        plbox("g", 0, 0, "g", 0, 0);
        plwidth(1.2 * zoom);
        plcol0(1);
    }
    plbox("bcnst", 0, 0, two ? "bnstv" : "bcnstv", 0, 0);
    const tl_rgb black = {0, 0, 0};
    tl_rgb lcol = black, rcol = black;
    if (two) {
        /* colour each y-axis label like its first series, so the reader
         * knows which curve belongs to which axis (seed 000 Fig. 4a) */
        for (size_t i = s->nseries; i-- > 0;) {
            if (s->series[i].right_axis) rcol = look[i].colour;
            else lcol = look[i].colour;
        }
    }
    plschr(mm, 1.0);
    if (s->xlabel && *s->xlabel) { tl_pl_colour(black); plmtex("b", 2.8, 0.5, 0.5, s->xlabel); }
    const char *left_label = has_left ? s->ylabel : s->y2label;
    if (left_label && *left_label) { tl_pl_colour(lcol); plmtex("l", 4.0, 0.5, 0.5, left_label); }
    for (size_t i = 0; i < s->nseries; i++)
        if (!two || !s->series[i].right_axis) draw_series(&s->series[i], &look[i], mm);

    if (two) {
        plwind(xr[0], xr[1], y2r[0], y2r[1]);
        plschr(mm * 0.9, 1.0);
        plcol0(1);
        plwidth(1.2 * zoom);
        plbox("", 0, 0, "cmstv", 0, 0);
        plschr(mm, 1.0);
        if (s->y2label && *s->y2label) { tl_pl_colour(rcol); plmtex("r", 4.6, 0.5, 0.5, s->y2label); }
        for (size_t i = 0; i < s->nseries; i++)
            if (s->series[i].right_axis) draw_series(&s->series[i], &look[i], mm);
    }
    if (has_title) {
        plschr(mm * 1.1, 1.0);
        tl_pl_colour(black);
        plmtex("t", 1.2, 0.5, 0.5, s->title);
    }
    plwidth(1.0 * zoom);
    draw_legend(s, look, mm * 0.9);
}

int tl_plot_lines(const tl_plot_spec *s, tl_error *err)
{
    tl_fig_format fmt;
    if (tl_fig_format_of(s->out, WHO, &fmt, err)) return -1;
    int w = s->width > 0 ? s->width : 900, h = s->height > 0 ? s->height : 600;
    if (w < TL_FIG_MIN || h < TL_FIG_MIN || w > TL_FIG_MAX || h > TL_FIG_MAX)
        return tl_err(err, WHO ": size %d x %d is outside %d..%d pixels", w, h, TL_FIG_MIN, TL_FIG_MAX);
    if (s->legend && *s->legend && strcmp(s->legend, "none") && strcmp(s->legend, "top-right") &&
        strcmp(s->legend, "top-left") && strcmp(s->legend, "bottom-right") && strcmp(s->legend, "bottom-left"))
        return tl_err(err, WHO ": legend '%s' must be top-right, top-left, bottom-right, bottom-left or none",
                      s->legend);
    series_look *look = calloc(s->nseries ? s->nseries : 1, sizeof *look);
    if (!look) return tl_err(err, WHO ": out of memory");
    int rc = -1;
    if (check_series(s, look, err)) goto done;

    double xr[2], yr[2] = {0, 1}, y2r[2] = {0, 1};
    data_range(s, -1, xr);
    finish_range(xr, 0.0);
    int has_left = data_range(s, 0, yr), has_right = data_range(s, 1, y2r);
    if (has_left) finish_range(yr, 0.05);
    if (has_right) finish_range(y2r, 0.05);
    if (s->has_xrange) { if (tl_fig_check_range(WHO, "xrange", s->xrange, err)) goto done; memcpy(xr, s->xrange, sizeof xr); }
    if (s->has_yrange) { if (tl_fig_check_range(WHO, "yrange", s->yrange, err)) goto done; memcpy(yr, s->yrange, sizeof yr); }
    if (s->has_y2range) { if (tl_fig_check_range(WHO, "y2range", s->y2range, err)) goto done; memcpy(y2r, s->y2range, sizeof y2r); }
    /* right-axis series alone: draw them on a single (left) axis */
    if (!has_left) has_right = 0;

    if (fmt == TL_FIG_PNG) {
        tl_canvas c;
        if (tl_canvas_init(&c, w, h, err)) goto done;
        if (tl_pl_begin_canvas(&c, WHO, err)) { tl_canvas_free(&c); goto done; }
        draw_figure(s, look, w, h, xr, yr, y2r, has_left, has_right);
        tl_pl_end();
        tl_canvas_compose(&c);
        rc = tl_png_write_rgb(s->out, c.rgb, w, h, err);
        tl_canvas_free(&c);
        if (rc) tl_err_prefix(err, WHO ": ");
    } else {
        char tmp[4096];
        if (tl_atomic_tmpname(s->out, tmp, sizeof tmp, err)) goto done;
        if (tl_pl_begin_file(fmt == TL_FIG_PDF ? "pdfcairo" : "svgcairo", tmp, w, h, WHO, err)) goto done;
        draw_figure(s, look, w, h, xr, yr, y2r, has_left, has_right);
        tl_pl_end();
        FILE *f = fopen(tmp, "rb");
        int wrote = f && fgetc(f) != EOF;
        if (f) fclose(f);
        if (!wrote) {
            tl_atomic_abort(tmp);
            tl_err(err, WHO ": PLplot wrote nothing to '%s'", s->out);
            goto done;
        }
        if (tl_atomic_commit(tmp, s->out, err)) goto done;
        rc = tl_prov_write_sidecar(s->out, err);
    }
done:
    free(look);
    return rc;
}
