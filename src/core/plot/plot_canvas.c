/* plot_canvas.c — the two-layer canvas, the PLplot session and its lock,
 * device checks, output formats, scale bars. */
#include "plot_canvas.h"

#include <math.h>
#include <plplot.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* PLplot has one global state: one figure at a time, process-wide. */
static pthread_mutex_t pl_lock = PTHREAD_MUTEX_INITIALIZER;

int tl_canvas_init(tl_canvas *c, int w, int h, tl_error *err)
{
    memset(c, 0, sizeof *c);
    if (w < TL_FIG_MIN || h < TL_FIG_MIN || w > TL_FIG_MAX || h > TL_FIG_MAX)
        return tl_err(err, "figure size %d x %d pixels is outside %d..%d", w, h, TL_FIG_MIN, TL_FIG_MAX);
    size_t n = (size_t)w * (size_t)h;
    c->rgb = malloc(n * 3);
    c->layer = calloc(n, 4);
    if (!c->rgb || !c->layer) {
        tl_canvas_free(c);
        return tl_err(err, "out of memory for a %d x %d figure", w, h);
    }
    memset(c->rgb, 255, n * 3);
    c->w = w;
    c->h = h;
    c->text_mm = 5.0;
    return 0;
}

void tl_canvas_free(tl_canvas *c)
{
    free(c->rgb);
    free(c->layer);
    c->rgb = c->layer = NULL;
}

void tl_canvas_compose(tl_canvas *c)
{
    size_t n = (size_t)c->w * (size_t)c->h;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *s = c->layer + 4 * i;
        unsigned a = s[3];
        if (a == 0) continue;
        unsigned char *d = c->rgb + 3 * i;
        for (int k = 0; k < 3; k++) {
            /* premultiplied "over": d = s + d (1 - a), rounded */
            unsigned v = s[k] + (d[k] * (255u - a) + 127u) / 255u;
            d[k] = (unsigned char)(v > 255 ? 255 : v);
        }
    }
}

/* Clip a pixel rectangle [x0, x1) x [y0, y1) to the canvas. */
static void clip_rect(const tl_canvas *c, int *x0, int *y0, int *x1, int *y1)
{
    if (*x0 < 0) *x0 = 0;
    if (*y0 < 0) *y0 = 0;
    if (*x1 > c->w) *x1 = c->w;
    if (*y1 > c->h) *y1 = c->h;
}

void tl_canvas_fill(tl_canvas *c, int x0, int y0, int x1, int y1, tl_rgb col)
{
    clip_rect(c, &x0, &y0, &x1, &y1);
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            unsigned char *d = c->rgb + 3 * ((size_t)y * (size_t)c->w + (size_t)x);
            d[0] = col.r;
            d[1] = col.g;
            d[2] = col.b;
        }
}

int tl_fig_check_range(const char *who, const char *name, const double r[2], tl_error *err)
{
    if (!isfinite(r[0]) || !isfinite(r[1]) || !(r[1] > r[0]))
        return tl_err(err, "%s: %s {%g, %g} must be two finite numbers, low < high", who, name, r[0], r[1]);
    return 0;
}

/* ---- devices ---- */

int tl_plot_has_device(const char *name)
{
    enum { MAXDEV = 128 };
    const char *menu[MAXDEV], *devs[MAXDEV];
    const char **pm = menu, **pd = devs;
    int n = MAXDEV;
    pthread_mutex_lock(&pl_lock);
    plgDevs(&pm, &pd, &n);
    int found = 0;
    for (int i = 0; i < n && !found; i++) found = devs[i] && strcmp(devs[i], name) == 0;
    pthread_mutex_unlock(&pl_lock);
    return found;
}

static int need_device(const char *dev, const char *who, tl_error *err)
{
    if (tl_plot_has_device(dev)) return 0;
    return tl_err(err,
                  "%s: the PLplot output device '%s' is not installed (Debian package "
                  "plplot-driver-cairo; `make deps` installs it)",
                  who, dev);
}

int tl_fig_format_of(const char *path, const char *who, tl_fig_format *fmt, tl_error *err)
{
    if (!path || !*path) return tl_err(err, "%s: argument 'out' (output path) is required", who);
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash)) {
        if (strcasecmp(dot, ".png") == 0) { *fmt = TL_FIG_PNG; return 0; }
        if (strcasecmp(dot, ".pdf") == 0) { *fmt = TL_FIG_PDF; return 0; }
        if (strcasecmp(dot, ".svg") == 0) { *fmt = TL_FIG_SVG; return 0; }
    }
    return tl_err(err, "%s: output '%s' must end in .png, .pdf or .svg", who, path);
}

/* Settings shared by every session: black pen at index 1, room in cmap0,
 * sans-serif text. */
static void session_defaults(void)
{
    plscmap0n(16);
    plscol0a(1, 0, 0, 0, 1.0);
    plfontld(1);
    plsfci(0x80000000); /* sans, upright, medium */
    pladv(0);
    plcol0(1);
}

int tl_pl_begin_canvas(tl_canvas *c, const char *who, tl_error *err)
{
    if (need_device("memcairo", who, err)) return -1;
    pthread_mutex_lock(&pl_lock);
    plsdev("memcairo");
    /* transparent page: the canvas raster shows through where PLplot draws nothing */
    plscolbga(255, 255, 255, 0.0);
    plsmema(c->w, c->h, c->layer);
    plinit();
    session_defaults();
    return 0;
}

int tl_pl_begin_file(const char *device, const char *path, int w, int h, const char *who, tl_error *err)
{
    if (need_device(device, who, err)) return -1;
    pthread_mutex_lock(&pl_lock);
    plsdev(device);
    plsfnam(path);
    plscolbga(255, 255, 255, 1.0);
    plspage(0, 0, w, h, 0, 0);
    plinit();
    session_defaults();
    return 0;
}

void tl_pl_end(void)
{
    plend();
    pthread_mutex_unlock(&pl_lock);
}

void tl_pl_colour(tl_rgb c)
{
    plscol0a(15, c.r, c.g, c.b, 1.0);
    plcol0(15);
}

void tl_pl_viewport_px(int w, int h, double x0, double y0, double x1, double y1)
{
    plvpor(x0 / w, x1 / w, 1.0 - y1 / h, 1.0 - y0 / h);
}

void tl_pl_pixel_world(int w, int h)
{
    plvpor(0, 1, 0, 1);
    plwind(0, w, h, 0);
}

void tl_pl_text_px(int w, int h, double x, double y, double just, double mm, tl_rgb col, const char *text)
{
    tl_pl_pixel_world(w, h);
    plschr(mm, 1.0);
    tl_pl_colour(col);
    /* (x, y) is the left/centre/right of the text's baseline region centre */
    plptex(x, y, 1.0, 0.0, just, text);
}

/* ---- scale bars ---- */

double tl_scale_bar_length(double span_um)
{
    if (!(span_um > 0)) return 0;
    double target = span_um / 5.0;
    double p = pow(10.0, floor(log10(target)));
    double best = p;
    const double steps[] = {1, 2, 5, 10};
    for (int i = 0; i < 4; i++)
        if (steps[i] * p <= target * 1.5) best = steps[i] * p;
    return best;
}

void tl_scale_bar_label(double len_um, char *buf, size_t n)
{
    if (len_um >= 1000) snprintf(buf, n, "%g mm", len_um / 1000.0);
    else snprintf(buf, n, "%g µm", len_um);
}

/* Darken a raster rectangle towards black by `amount` (0..1). */
static void darken(tl_canvas *c, int x0, int y0, int x1, int y1, double amount)
{
    clip_rect(c, &x0, &y0, &x1, &y1);
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            unsigned char *d = c->rgb + 3 * ((size_t)y * (size_t)c->w + (size_t)x);
            for (int k = 0; k < 3; k++) d[k] = (unsigned char)lrint(d[k] * (1.0 - amount));
        }
}

int tl_draw_scale_bar(tl_canvas *c, int x0, int y0, int x1, int y1, double px_per_um, double len_um,
                      double mm)
{
    int bar_w = (int)lrint(len_um * px_per_um);
    int span_w = x1 - x0, span_h = y1 - y0;
    double text_px = 2.835 * mm; /* character height at 72 dpi */
    char label[64];
    tl_scale_bar_label(len_um, label, sizeof label);
    int text_w = (int)lrint(0.62 * text_px * (double)tl_utf8_len(label));
    int pad = (int)lrint(0.4 * text_px);
    int thick = (int)lrint(0.3 * text_px);
    if (thick < 3) thick = 3;
    int box_w = (bar_w > text_w ? bar_w : text_w) + 2 * pad;
    int box_h = (int)lrint(1.5 * text_px) + thick + 2 * pad;
    if (bar_w < 1 || box_w > span_w - 4 || box_h > span_h - 4) return -1; /* does not fit */
    int margin = (int)lrint(0.03 * (span_w < span_h ? span_w : span_h)) + 2;
    int bx1 = x1 - margin, bx0 = bx1 - box_w, by1 = y1 - margin, by0 = by1 - box_h;
    /* a translucent dark box keeps the white bar and text readable on any image */
    darken(c, bx0, by0, bx1, by1, 0.6);
    int cx = (bx0 + bx1) / 2;
    int bar_y1 = by1 - pad, bar_y0 = bar_y1 - thick;
    const tl_rgb white = {255, 255, 255};
    tl_canvas_fill(c, cx - bar_w / 2, bar_y0, cx - bar_w / 2 + bar_w, bar_y1, white);
    tl_pl_text_px(c->w, c->h, cx, by0 + pad + 0.6 * text_px, 0.5, mm, white, label);
    return 0;
}

size_t tl_utf8_len(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

/* PLplot loads its drivers through libltdl, and cairo/pango cache fonts
 * through fontconfig: both keep allocations for the life of the process,
 * which LeakSanitizer reports at exit. This hook (read only by sanitizer
 * builds) suppresses leaks allocated inside exactly those two libraries;
 * leaks of our own still fail `make sanitize`. */
const char *__lsan_default_suppressions(void) __attribute__((used));
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\nleak:libltdl.so\n"; }
/* ...and does not list them after every run (LSAN_OPTIONS still overrides). */
const char *__lsan_default_options(void) __attribute__((used));
const char *__lsan_default_options(void) { return "print_suppressions=0"; }
