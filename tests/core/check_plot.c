/* check_plot.c — figures: colours, colormaps, PNG output read back with
 * libpng (size, exact pixel colours, provenance), two-axis geometry, vector
 * outputs, and clear errors for bad input. */
#include "tl_test.h"

#include <math.h>
#include <png.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot/plot.h"

/* ---- helpers ---- */

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tl_check_plot_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

typedef struct {
    int w, h;
    unsigned char *rgb;
    char prov[4096];
} image;

/* Read an 8-bit RGB PNG; fails the test if it is not one. */
static image read_png(const char *path)
{
    image im = {0};
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    unsigned char sig[8];
    ck_assert_int_eq(fread(sig, 1, 8, f), 8);
    ck_assert_msg(png_sig_cmp(sig, 0, 8) == 0, "%s is not a PNG", path);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    ck_assert(png && info);
    if (setjmp(png_jmpbuf(png))) ck_abort_msg("libpng failed reading %s", path);
    png_init_io(png, f);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    im.w = (int)png_get_image_width(png, info);
    im.h = (int)png_get_image_height(png, info);
    ck_assert_int_eq(png_get_bit_depth(png, info), 8);
    ck_assert_int_eq(png_get_color_type(png, info), PNG_COLOR_TYPE_RGB);
    im.rgb = malloc((size_t)im.w * (size_t)im.h * 3);
    for (int y = 0; y < im.h; y++) png_read_row(png, im.rgb + (size_t)y * (size_t)im.w * 3, NULL);
    png_read_end(png, info);
    png_textp text;
    int nt = 0;
    png_get_text(png, info, &text, &nt);
    for (int i = 0; i < nt; i++)
        if (strcmp(text[i].key, "tomolith_provenance") == 0)
            snprintf(im.prov, sizeof im.prov, "%s", text[i].text);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return im;
}

static const unsigned char *px(const image *im, int x, int y) { return im->rgb + 3 * ((size_t)y * (size_t)im->w + (size_t)x); }
static int is(const unsigned char *p, int r, int g, int b) { return p[0] == r && p[1] == g && p[2] == b; }
static int is_rgb(const unsigned char *p, tl_rgb c) { return is(p, c.r, c.g, c.b); }

static tl_volume *map_2d(tl_dtype dt, size_t ny, size_t nx, double voxel_um)
{
    tl_error e;
    tl_volume *v = tl_vol_new(dt, 1, ny, nx, &e);
    ck_assert_ptr_nonnull(v);
    tl_vol_set_voxel(v, voxel_um, voxel_um, voxel_um);
    return v;
}

/* Longest run of pixels of colour c on row y, and where it starts. */
static int longest_run(const image *im, int y, tl_rgb c, int *start)
{
    int best = 0, run = 0;
    for (int x = 0; x < im->w; x++) {
        run = is_rgb(px(im, x, y), c) ? run + 1 : 0;
        if (run > best) { best = run; *start = x - run + 1; }
    }
    return best;
}

/* Pixels of colour c in column x. */
static int column_count(const image *im, int x, tl_rgb c)
{
    int n = 0;
    for (int y = 0; y < im->h; y++) n += is_rgb(px(im, x, y), c);
    return n;
}

/* ---- colours and colormaps ---- */

START_TEST(test_colours)
{
    tl_error e;
    tl_rgb c;
    ck_assert_int_eq(tl_colour_parse("#ff8000", &c, &e), 0);
    ck_assert(c.r == 255 && c.g == 128 && c.b == 0);
    ck_assert_int_eq(tl_colour_parse("Red", &c, &e), 0);
    ck_assert(c.r == 0xd6 && c.g == 0x27 && c.b == 0x28);
    ck_assert_int_eq(tl_colour_parse("black", &c, &e), 0);
    ck_assert(c.r == 0 && c.g == 0 && c.b == 0);
    ck_assert_int_eq(tl_colour_parse("chartreuse", &c, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "unknown colour 'chartreuse'"));
    ck_assert_int_eq(tl_colour_parse("#12345", &c, &e), -1);
    ck_assert_int_eq(tl_colour_parse("#12345g", &c, &e), -1);
}
END_TEST

START_TEST(test_colormaps)
{
    tl_error e;
    int v = tl_colormap_find("viridis", &e), g = tl_colormap_find("gray", &e);
    int d = tl_colormap_find("diverging", &e), r = tl_colormap_find("RdBu", &e);
    ck_assert(v >= 0 && g >= 0 && d >= 0 && r >= 0);
    ck_assert_int_eq(tl_colormap_find("grey", &e), g);
    ck_assert_int_eq(tl_colormap_find("jet", &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "unknown colormap 'jet'"));
    /* published end points */
    tl_rgb a = tl_colormap_eval(v, 0), b = tl_colormap_eval(v, 1);
    ck_assert(a.r == 0x44 && a.g == 0x01 && a.b == 0x54);
    ck_assert(b.r == 0xfd && b.g == 0xe7 && b.b == 0x25);
    tl_rgb m = tl_colormap_eval(g, 0.5);
    ck_assert(m.r == 128 && m.g == 128 && m.b == 128);
    /* diverging: blue below zero, white-ish at the centre, red above */
    tl_rgb lo = tl_colormap_eval(d, 0), mid = tl_colormap_eval(d, 0.5), hi = tl_colormap_eval(d, 1);
    ck_assert(lo.b > lo.r && hi.r > hi.b);
    ck_assert(mid.r > 240 && mid.g > 240 && mid.b > 240);
    ck_assert(tl_colormap_is_diverging(d) && !tl_colormap_is_diverging(v));
    /* clamped outside [0, 1] */
    tl_rgb over = tl_colormap_eval(v, 7), under = tl_colormap_eval(v, -3);
    ck_assert(over.r == b.r && under.r == a.r);
    /* viridis is monotone in lightness (r + g + b grows along the map) */
    int prev = -1;
    for (int i = 0; i <= 20; i++) {
        tl_rgb c = tl_colormap_eval(v, i / 20.0);
        int s = c.r + c.g + c.b;
        ck_assert_int_ge(s, prev);
        prev = s;
    }
}
END_TEST

START_TEST(test_devices)
{
    ck_assert(tl_plot_has_device("memcairo"));
    ck_assert(tl_plot_has_device("pdfcairo"));
    ck_assert(tl_plot_has_device("svgcairo"));
    ck_assert(!tl_plot_has_device("no-such-device"));
}
END_TEST

/* ---- maps ---- */

START_TEST(test_map_constant_colour)
{
    make_tmpdir();
    tl_error e;
    tl_volume *m = map_2d(TL_F32, 32, 48, 2.0);
    for (size_t y = 0; y < 32; y++)
        for (size_t x = 0; x < 48; x++) tl_vol_put(m, 0, y, x, 1.0);
    tl_map_opts o = {.out = tmp_path("const.png"), .range = {0, 1}, .has_range = 1, .units = "mA/cm²",
                     .scale_bar_um = 0};
    ck_assert_msg(tl_show_map(m, &o, &e) == 0, "%s", e.msg);
    image im = read_png(o.out);
    /* value 1 with range {0, 1}: the top of viridis, #fde725, fills the map:
     * 48 x 32 voxels are enlarged by floor(720 / 48) = 15 -> 720 x 480 */
    tl_rgb top = {0xfd, 0xe7, 0x25};
    int start = 0;
    int run = longest_run(&im, im.h / 2, top, &start);
    ck_assert_int_ge(run, 720 - 2);
    ck_assert_int_le(run, 720);
    int rows = column_count(&im, start + 360, top);
    ck_assert_int_ge(rows, 480 - 2);
    ck_assert_int_le(rows, 480);
    ck_assert_ptr_nonnull(strstr(im.prov, "tomolith_version"));
    /* the colour bar runs down to viridis(0) (entry 3 is a row or two above
     * the frame line at its bottom) */
    int found_bottom = 0;
    tl_rgb bottom = tl_colormap_eval(tl_colormap_find("viridis", &e), 3 / 255.0);
    for (int y = 0; y < im.h; y++)
        for (int x = start + 720; x < im.w; x++) found_bottom |= is_rgb(px(&im, x, y), bottom);
    ck_assert(found_bottom);
    free(im.rgb);
    /* default range of a constant map: the middle of the colormap */
    tl_map_opts o2 = {.out = tmp_path("const2.png"), .colormap = "gray", .scale_bar_um = 0};
    ck_assert_msg(tl_show_map(m, &o2, &e) == 0, "%s", e.msg);
    im = read_png(o2.out);
    ck_assert_int_ge(longest_run(&im, im.h / 2, (tl_rgb){128, 128, 128}, &start), 718);
    free(im.rgb);
    tl_vol_unref(m);
    remove_tmpdir();
}
END_TEST

START_TEST(test_map_categorical)
{
    make_tmpdir();
    tl_error e;
    /* contact map: left half no contact (0), right half contact (1) */
    tl_volume *m = map_2d(TL_U8, 40, 40, 1.7);
    for (size_t y = 0; y < 40; y++)
        for (size_t x = 20; x < 40; x++) tl_vol_put(m, 0, y, x, 1);
    const char *cols[] = {"black", "#00ff00"};
    const char *labels[] = {"no contact", "contact"};
    tl_map_opts o = {.out = tmp_path("contact.png"), .colours = cols, .ncolours = 2, .labels = labels,
                     .nlabels = 2, .title = "Top interface", .scale_bar_um = 0};
    ck_assert_msg(tl_show_map(m, &o, &e) == 0, "%s", e.msg);
    image im = read_png(o.out);
    int sb = 0, sg = 0;
    int y = im.h / 2;
    int nb = longest_run(&im, y, (tl_rgb){0, 0, 0}, &sb);
    int ng = longest_run(&im, y, (tl_rgb){0, 255, 0}, &sg);
    /* 40 voxels x 18 = 720 px: 360 black then 360 green, side by side (the
     * frame line may cover a pixel at either end) */
    ck_assert_int_ge(nb, 358);
    ck_assert_int_le(nb, 360);
    ck_assert_int_ge(ng, 358);
    ck_assert_int_le(ng, 360);
    ck_assert_int_le(abs(sg - (sb + nb)), 1);
    free(im.rgb);
    /* a value without a colour is an error naming where it is */
    tl_vol_put(m, 0, 3, 4, 2);
    o.out = tmp_path("bad.png");
    ck_assert_int_eq(tl_show_map(m, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "(4, 5)") && strstr(e.msg, "2 colours"), "%s", e.msg);
    ck_assert_int_ne(access(o.out, F_OK), 0);
    /* labels must match colours */
    tl_vol_put(m, 0, 3, 4, 1);
    o.nlabels = 1;
    ck_assert_int_eq(tl_show_map(m, &o, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "1 labels for 2 colours"));
    tl_vol_unref(m);
    remove_tmpdir();
}
END_TEST

START_TEST(test_map_nan_and_diverging)
{
    make_tmpdir();
    tl_error e;
    tl_volume *m = map_2d(TL_F32, 20, 20, 5.0);
    for (size_t y = 0; y < 20; y++)
        for (size_t x = 0; x < 20; x++) tl_vol_put(m, 0, y, x, x < 10 ? -2.0 : 1.0);
    for (size_t x = 0; x < 20; x++) tl_vol_put(m, 0, 0, x, NAN);
    tl_map_opts o = {.out = tmp_path("div.png"), .colormap = "diverging", .nan_colour = "#ff00ff",
                     .scale_bar_um = 0};
    ck_assert_msg(tl_show_map(m, &o, &e) == 0, "%s", e.msg);
    image im = read_png(o.out);
    int d = tl_colormap_find("diverging", &e), s = 0;
    /* default range is symmetric: -2 -> 0.0, 1 -> 0.75 of the map */
    tl_rgb cneg = tl_colormap_eval(d, 0.0), cpos = tl_colormap_eval(d, 0.75);
    ck_assert_int_ge(longest_run(&im, im.h / 2, cneg, &s), 358);
    ck_assert_int_ge(longest_run(&im, im.h / 2, cpos, &s), 358);
    /* NaN row (the first 36 px rows of the image) in nan_colour */
    int magenta = column_count(&im, im.w / 3, (tl_rgb){255, 0, 255});
    ck_assert_int_ge(magenta, 34);
    ck_assert_int_le(magenta, 36);
    free(im.rgb);
    /* all NaN: nothing to scale */
    for (size_t y = 0; y < 20; y++)
        for (size_t x = 0; x < 20; x++) tl_vol_put(m, 0, y, x, NAN);
    ck_assert_int_eq(tl_show_map(m, &o, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "no finite value"));
    tl_vol_unref(m);
    remove_tmpdir();
}
END_TEST

START_TEST(test_map_size_and_scale_bar)
{
    make_tmpdir();
    tl_error e;
    tl_volume *m = map_2d(TL_F32, 50, 100, 1.7);
    for (size_t y = 0; y < 50; y++)
        for (size_t x = 0; x < 100; x++) tl_vol_put(m, 0, y, x, (double)x);
    tl_map_opts o = {.out = tmp_path("sized.png"), .width = 640, .height = 400, .scale_bar_um = 50,
                     .title = "Current density", .units = "mA/cm²"};
    ck_assert_msg(tl_show_map(m, &o, &e) == 0, "%s", e.msg);
    image im = read_png(o.out);
    ck_assert_int_eq(im.w, 640);
    ck_assert_int_eq(im.h, 400);
    /* the map is the longest run of colour (viridis is never grey) on the
     * middle row; 100 voxels of 1.7 µm = 170 µm */
    int mx0 = 0, mapw = 0, run = 0;
    for (int x = 0; x < im.w; x++) {
        const unsigned char *p = px(&im, x, im.h / 2);
        run = (p[0] == p[1] && p[1] == p[2]) ? 0 : run + 1;
        if (run > mapw) { mapw = run; mx0 = x - run + 1; }
    }
    ck_assert_int_gt(mapw, 400);
    int my0 = 0, maph = 0;
    run = 0;
    for (int y = 0; y < im.h; y++) {
        const unsigned char *p = px(&im, mx0 + mapw / 2, y);
        run = (p[0] == p[1] && p[1] == p[2]) ? 0 : run + 1;
        if (run > maph) { maph = run; my0 = y - run + 1; }
    }
    ck_assert_int_gt(maph, 200);
    /* the scale bar: the longest white run inside the map */
    int best = 0;
    for (int y = my0; y < my0 + maph; y++) {
        int r = 0;
        for (int x = mx0; x < mx0 + mapw; x++) {
            r = is(px(&im, x, y), 255, 255, 255) ? r + 1 : 0;
            if (r > best) best = r;
        }
    }
    double expect = 50.0 * mapw / 170.0;
    ck_assert_msg(fabs(best - expect) <= 3, "scale bar %d px, expected %.1f (map %d px)", best, expect, mapw);
    free(im.rgb);
    tl_vol_unref(m);
    remove_tmpdir();
}
END_TEST

START_TEST(test_maps_panels)
{
    make_tmpdir();
    tl_error e;
    /* three 10 x 10 contact maps: none, full, full contact */
    tl_volume *st = tl_vol_new(TL_U8, 3, 10, 10, &e);
    tl_vol_set_voxel(st, 1.7, 1.7, 1.7);
    for (size_t z = 1; z < 3; z++)
        for (size_t y = 0; y < 10; y++)
            for (size_t x = 0; x < 10; x++) tl_vol_put(st, z, y, x, 1);
    const char *cols[] = {"black", "#00ff00"}, *labels[] = {"no contact", "contact"};
    const char *titles[] = {"0 h", "4 h", "8 h"};
    tl_map_opts o = {.out = tmp_path("panels.png"), .colours = cols, .ncolours = 2, .labels = labels,
                     .nlabels = 2, .panel_titles = titles, .npanel_titles = 3, .title = "Bottom interface",
                     .scale_bar_um = 0};
    ck_assert_msg(tl_show_maps(st, &o, &e) == 0, "%s", e.msg);
    image im = read_png(o.out);
    /* a row of three panels: 1440 / 3 = 480 px each, 10 voxels -> zoom 48 */
    int y = im.h / 2, runs_green = 0, run = 0, s0 = 0;
    int nb = longest_run(&im, y, (tl_rgb){0, 0, 0}, &s0);
    ck_assert_int_ge(nb, 478);
    ck_assert_int_le(nb, 480);
    for (int x = 0; x <= im.w; x++) {
        int g = x < im.w && is(px(&im, x, y), 0, 255, 0);
        if (g) run++;
        else {
            if (run >= 478 && run <= 480) runs_green++;
            run = 0;
        }
    }
    ck_assert_int_eq(runs_green, 2);
    free(im.rgb);
    /* two rows of two */
    o.columns = 2;
    o.out = tmp_path("grid.png");
    ck_assert_msg(tl_show_maps(st, &o, &e) == 0, "%s", e.msg);
    im = read_png(o.out);
    ck_assert_int_gt(im.h, 2 * 480);
    free(im.rgb);
    /* one title per panel */
    o.npanel_titles = 2;
    ck_assert_int_eq(tl_show_maps(st, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "2 titles for 3 maps"), "%s", e.msg);
    o.npanel_titles = 3;
    o.axes = 1;
    ck_assert_int_eq(tl_show_maps(st, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "single maps only"), "%s", e.msg);
    o.axes = 0;
    /* show_map points to show_maps for a stack */
    o.panel_titles = NULL;
    ck_assert_int_eq(tl_show_map(st, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "show_maps"), "%s", e.msg);
    /* a category error names z too */
    tl_vol_put(st, 2, 4, 5, 7);
    ck_assert_int_eq(tl_show_maps(st, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "(3, 5, 6)"), "%s", e.msg);
    tl_vol_unref(st);
    st = tl_vol_new(TL_U8, 65, 2, 2, &e);
    ck_assert_int_eq(tl_show_maps(st, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "64 panels"), "%s", e.msg);
    tl_vol_unref(st);
    remove_tmpdir();
}
END_TEST

START_TEST(test_map_errors)
{
    make_tmpdir();
    tl_error e;
    tl_volume *v3 = tl_vol_new(TL_F32, 3, 8, 8, &e);
    tl_map_opts o = {.out = tmp_path("x.png"), .scale_bar_um = -1};
    ck_assert_int_eq(tl_show_map(v3, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "must be 2D") && strstr(e.msg, "(3, 8, 8)"), "%s", e.msg);
    tl_volume *m = map_2d(TL_F32, 8, 8, 1.0);
    o.out = tmp_path("x.jpg");
    ck_assert_int_eq(tl_show_map(m, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "x.jpg"), "%s", e.msg);
    o.out = tmp_path("x.pdf");
    ck_assert_int_eq(tl_show_map(m, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "must end in .png"), "%s", e.msg);
    o.out = tmp_path("x.png");
    o.colormap = "jet";
    ck_assert_int_eq(tl_show_map(m, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "unknown colormap 'jet'"), "%s", e.msg);
    o.colormap = NULL;
    o.has_range = 1;
    o.range[0] = 2;
    o.range[1] = 1;
    ck_assert_int_eq(tl_show_map(m, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "low < high"), "%s", e.msg);
    o.has_range = 0;
    o.out = "/no/such/folder/x.png";
    ck_assert_int_eq(tl_show_map(m, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "/no/such/folder"), "%s", e.msg);
    m->voxel_um[2] = 0;
    o.out = tmp_path("x.png");
    ck_assert_int_eq(tl_show_map(m, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "voxel size"), "%s", e.msg);
    tl_vol_unref(m);
    tl_vol_unref(v3);
    remove_tmpdir();
}
END_TEST

/* ---- overlays ---- */

START_TEST(test_overlay_blend)
{
    make_tmpdir();
    tl_error e;
    tl_volume *s = map_2d(TL_F32, 30, 30, 1.7), *mask = map_2d(TL_U8, 30, 30, 1.7);
    for (size_t y = 0; y < 30; y++)
        for (size_t x = 0; x < 30; x++) {
            tl_vol_put(s, 0, y, x, 0.5);
            if (x < 15) tl_vol_put(mask, 0, y, x, 1);
        }
    tl_overlay_opts o = {.out = tmp_path("ov.png"), .colour = "#ff0000", .alpha = 0.5, .range = {0, 1},
                         .has_range = 1, .scale_bar_um = 0};
    ck_assert_msg(tl_overlay(s, mask, &o, &e) == 0, "%s", e.msg);
    image im = read_png(o.out);
    /* grey = round(255 * 0.5) = 128; under the mask 0.5 * 128 + 0.5 * (255, 0, 0) */
    int st = 0;
    int nr = longest_run(&im, im.h / 2, (tl_rgb){192, 64, 64}, &st);
    int ng = longest_run(&im, im.h / 2, (tl_rgb){128, 128, 128}, &st);
    ck_assert_int_ge(nr, 358);
    ck_assert_int_ge(ng, 358);
    free(im.rgb);
    /* NaN pixels of the slice are black (outside the reconstruction) */
    for (size_t x = 15; x < 30; x++) tl_vol_put(s, 0, 29, x, NAN);
    o.out = tmp_path("ovnan.png");
    ck_assert_msg(tl_overlay(s, mask, &o, &e) == 0, "%s", e.msg);
    im = read_png(o.out);
    int black_rows = column_count(&im, im.w / 2 + 40, (tl_rgb){0, 0, 0});
    ck_assert_int_ge(black_rows, 22); /* 24 px of the last row, less the frame line */
    ck_assert_int_le(black_rows, 26);
    free(im.rgb);
    for (size_t x = 15; x < 30; x++) tl_vol_put(s, 0, 29, x, 0.5);
    /* two labels, two colours, alpha 1: the colours themselves */
    for (size_t y = 0; y < 30; y++) tl_vol_put(mask, 0, y, 20, 2);
    const char *cols[] = {"#ff0000", "#0000ff"};
    const char *labels[] = {"void", "interphase"};
    tl_overlay_opts o2 = {.out = tmp_path("ov2.png"), .colours = cols, .ncolours = 2, .labels = labels,
                          .nlabels = 2, .alpha = 1.0, .scale_bar_um = -1};
    ck_assert_msg(tl_overlay(s, mask, &o2, &e) == 0, "%s", e.msg);
    im = read_png(o2.out);
    ck_assert_int_ge(longest_run(&im, im.h / 2, (tl_rgb){255, 0, 0}, &st), 358);
    /* column 20 is 24 px wide at zoom 24 */
    int nb = longest_run(&im, im.h / 2, (tl_rgb){0, 0, 255}, &st);
    ck_assert_int_eq(nb, 24);
    free(im.rgb);
    tl_vol_unref(s);
    tl_vol_unref(mask);
    remove_tmpdir();
}
END_TEST

START_TEST(test_overlay_several_masks)
{
    make_tmpdir();
    tl_error e;
    tl_volume *s = map_2d(TL_F32, 20, 20, 1.0), *a = map_2d(TL_U8, 20, 20, 1.0), *b = map_2d(TL_U8, 20, 20, 1.0);
    for (size_t y = 0; y < 20; y++)
        for (size_t x = 0; x < 20; x++) {
            tl_vol_put(s, 0, y, x, 0.5);
            if (x < 12) tl_vol_put(a, 0, y, x, 1);
            if (x >= 8) tl_vol_put(b, 0, y, x, 255); /* any nonzero value is inside */
        }
    const tl_volume *ms[2] = {a, b};
    const char *cols[] = {"#ff0000", "#0000ff"};
    tl_overlay_opts o = {.out = tmp_path("two.png"), .colours = cols, .ncolours = 2, .alpha = 1.0,
                         .range = {0, 1}, .has_range = 1, .scale_bar_um = 0};
    ck_assert_msg(tl_overlay_masks(s, ms, 2, &o, &e) == 0, "%s", e.msg);
    image im = read_png(o.out);
    /* 20 px map x 36 = 720: red on x < 8 (288 px), blue on top from x = 8 (432 px) */
    int st = 0;
    int nr = longest_run(&im, im.h / 2, (tl_rgb){255, 0, 0}, &st);
    int nb = longest_run(&im, im.h / 2, (tl_rgb){0, 0, 255}, &st);
    ck_assert_int_ge(nr, 286);
    ck_assert_int_le(nr, 288);
    ck_assert_int_ge(nb, 430);
    ck_assert_int_le(nb, 432);
    free(im.rgb);
    /* default colours: red then cyan */
    o.colours = NULL;
    o.ncolours = 0;
    o.out = tmp_path("default.png");
    ck_assert_msg(tl_overlay_masks(s, ms, 2, &o, &e) == 0, "%s", e.msg);
    im = read_png(o.out);
    tl_rgb red, cyan;
    tl_colour_parse("red", &red, &e);
    tl_colour_parse("cyan", &cyan, &e);
    ck_assert_int_ge(longest_run(&im, im.h / 2, red, &st), 286);
    ck_assert_int_ge(longest_run(&im, im.h / 2, cyan, &st), 430);
    free(im.rgb);
    /* errors name the mask */
    o.colours = cols;
    o.ncolours = 1;
    ck_assert_int_eq(tl_overlay_masks(s, ms, 2, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "1 colours for 2 masks"), "%s", e.msg);
    o.ncolours = 2;
    tl_volume *c = map_2d(TL_U8, 20, 21, 1.0);
    const tl_volume *bad[2] = {a, c};
    ck_assert_int_eq(tl_overlay_masks(s, bad, 2, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "masks[2]"), "%s", e.msg);
    ck_assert_int_eq(tl_overlay_masks(s, bad, 0, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "masks is empty"), "%s", e.msg);
    tl_vol_unref(c);
    tl_vol_unref(a);
    tl_vol_unref(b);
    tl_vol_unref(s);
    remove_tmpdir();
}
END_TEST

START_TEST(test_overlay_errors)
{
    make_tmpdir();
    tl_error e;
    tl_volume *s = map_2d(TL_F32, 10, 12, 1.0), *mask = map_2d(TL_U8, 12, 10, 1.0);
    tl_overlay_opts o = {.out = tmp_path("e.png"), .alpha = 0.5, .scale_bar_um = -1};
    ck_assert_int_eq(tl_overlay(s, mask, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "mask") && strstr(e.msg, "slice"), "%s", e.msg);
    tl_vol_unref(mask);
    mask = map_2d(TL_F32, 10, 12, 1.0);
    ck_assert_int_eq(tl_overlay(s, mask, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "integer label map"), "%s", e.msg);
    tl_vol_unref(mask);
    mask = map_2d(TL_U8, 10, 12, 1.0);
    tl_vol_put(mask, 0, 2, 3, 2);
    ck_assert_int_eq(tl_overlay(s, mask, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "label 2") && strstr(e.msg, "(3, 4)"), "%s", e.msg);
    tl_vol_put(mask, 0, 2, 3, 1);
    o.colour = "reddish";
    ck_assert_int_eq(tl_overlay(s, mask, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "unknown colour 'reddish'"), "%s", e.msg);
    o.colour = NULL;
    o.alpha = 1.5;
    ck_assert_int_eq(tl_overlay(s, mask, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "alpha"), "%s", e.msg);
    o.alpha = 0.5;
    tl_volume *s3 = tl_vol_new(TL_F32, 2, 10, 12, &e);
    ck_assert_int_eq(tl_overlay(s3, mask, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "must be 2D"), "%s", e.msg);
    /* an all-NaN slice has no grey window */
    for (size_t y = 0; y < 10; y++)
        for (size_t x = 0; x < 12; x++) tl_vol_put(s, 0, y, x, NAN);
    ck_assert_int_eq(tl_overlay(s, mask, &o, &e), -1);
    ck_assert_msg(strstr(e.msg, "no finite value"), "%s", e.msg);
    tl_vol_unref(s3);
    tl_vol_unref(s);
    tl_vol_unref(mask);
    remove_tmpdir();
}
END_TEST

/* ---- line plots ---- */

/* Mean row of the pixels in columns x0..x1 nearer to colour c than to
 * white, black and grey. */
static double mean_row_of(const image *im, int x0, int x1, tl_rgb c, int *count)
{
    double sum = 0;
    int n = 0;
    for (int y = 0; y < im->h; y++)
        for (int x = x0; x < x1; x++) {
            const unsigned char *p = px(im, x, y);
            int dc = abs(p[0] - c.r) + abs(p[1] - c.g) + abs(p[2] - c.b);
            int dmin = 3 * 255;
            for (int v = 0; v <= 255; v += 51) {
                int dg = abs(p[0] - v) + abs(p[1] - v) + abs(p[2] - v);
                if (dg < dmin) dmin = dg;
            }
            if (dc < 40 && dc < dmin) { sum += y; n++; }
        }
    *count = n;
    return n ? sum / n : -1;
}

START_TEST(test_plot_two_axes_geometry)
{
    make_tmpdir();
    tl_error e;
    double x[2] = {0, 10}, yl[2] = {1, 1}, yr[2] = {5, 5};
    tl_plot_series s[2] = {{.x = x, .y = yl, .n = 2, .colour = "#0000ff"},
                           {.x = x, .y = yr, .n = 2, .colour = "#ff0000", .right_axis = 1}};
    tl_plot_spec sp = {.series = s, .nseries = 2, .out = tmp_path("two.png"), .width = 900, .height = 600,
                       .yrange = {0, 4}, .has_yrange = 1, .y2range = {0, 10}, .has_y2range = 1,
                       .xlabel = "Time (h)", .ylabel = "Voltage (V)", .y2label = "Contact area (mm²)"};
    ck_assert_msg(tl_plot_lines(&sp, &e) == 0, "%s", e.msg);
    image im = read_png(sp.out);
    ck_assert_int_eq(im.w, 900);
    ck_assert_int_eq(im.h, 600);
    /* the viewport: 5 mm text = 14.175 px; top margin 1.4, bottom 3.8 of those */
    double top = 1.4 * 14.175, bottom = 600 - 3.8 * 14.175;
    int nb, nr;
    double rb = mean_row_of(&im, 100, 800, (tl_rgb){0, 0, 255}, &nb);
    double rr = mean_row_of(&im, 100, 800, (tl_rgb){255, 0, 0}, &nr);
    ck_assert_int_gt(nb, 500);
    ck_assert_int_gt(nr, 500);
    /* y = 1 on {0, 4} is a quarter up; y2 = 5 on {0, 10} is half way */
    ck_assert_msg(fabs(rb - (bottom - 0.25 * (bottom - top))) < 3, "left series at row %.1f", rb);
    ck_assert_msg(fabs(rr - (bottom - 0.5 * (bottom - top))) < 3, "right series at row %.1f", rr);
    /* the right axis has tick labels: dark pixels in the right margin */
    int dark2 = 0;
    for (int y = 0; y < im.h; y++)
        for (int x = im.w - 60; x < im.w; x++) dark2 += px(&im, x, y)[0] < 100 && px(&im, x, y)[1] < 100;
    ck_assert_int_gt(dark2, 100);
    free(im.rgb);
    /* one axis only: nothing in that margin (above the x tick labels) */
    s[1].right_axis = 0;
    sp.y2label = "";
    sp.has_yrange = 0;
    sp.out = tmp_path("one.png");
    ck_assert_msg(tl_plot_lines(&sp, &e) == 0, "%s", e.msg);
    im = read_png(sp.out);
    int dark1 = 0;
    for (int y = 0; y < (int)bottom - 2; y++)
        for (int x = im.w - 20; x < im.w; x++) dark1 += px(&im, x, y)[0] < 100 && px(&im, x, y)[1] < 100;
    ck_assert_int_eq(dark1, 0);
    free(im.rgb);
    remove_tmpdir();
}
END_TEST

START_TEST(test_plot_deterministic_and_nan)
{
    make_tmpdir();
    tl_error e;
    double x[50], y[50];
    for (int i = 0; i < 50; i++) { x[i] = i * 0.2; y[i] = sin(x[i]); }
    y[20] = NAN;
    x[30] = INFINITY;
    tl_plot_series s[1] = {{.x = x, .y = y, .n = 50, .label = "sin", .style = "both", .marker = "square"}};
    tl_plot_spec sp = {.series = s, .nseries = 1, .out = tmp_path("a.png"), .width = 400, .height = 300,
                       .title = "NaN breaks the line", .grid = 1};
    ck_assert_msg(tl_plot_lines(&sp, &e) == 0, "%s", e.msg);
    sp.out = tmp_path("b.png");
    ck_assert_msg(tl_plot_lines(&sp, &e) == 0, "%s", e.msg);
    image a = read_png(tmp_path("a.png")), b = read_png(tmp_path("b.png"));
    ck_assert_int_eq(a.w, 400);
    ck_assert_int_eq(a.h, 300);
    ck_assert_int_eq(memcmp(a.rgb, b.rgb, (size_t)a.w * (size_t)a.h * 3), 0);
    free(a.rgb);
    free(b.rgb);
    remove_tmpdir();
}
END_TEST

START_TEST(test_plot_vector_outputs)
{
    make_tmpdir();
    tl_error e;
    double y[3] = {1, 3, 2};
    tl_plot_series s[1] = {{.y = y, .n = 3, .label = "y"}};
    const char *names[2] = {"v.pdf", "v.svg"};
    const char *magic[2] = {"%PDF", "<?xml"};
    for (int i = 0; i < 2; i++) {
        tl_plot_spec sp = {.series = s, .nseries = 1, .out = tmp_path(names[i]), .xlabel = "x (µm)"};
        ck_assert_msg(tl_plot_lines(&sp, &e) == 0, "%s", e.msg);
        FILE *f = fopen(sp.out, "rb");
        ck_assert_ptr_nonnull(f);
        char head[8] = {0};
        ck_assert_int_gt(fread(head, 1, 5, f), 3);
        fclose(f);
        ck_assert_msg(strncmp(head, magic[i], strlen(magic[i])) == 0, "%s starts with %s", sp.out, head);
        char side[600];
        snprintf(side, sizeof side, "%s.provenance.json", sp.out);
        ck_assert_int_eq(access(side, F_OK), 0);
    }
    remove_tmpdir();
}
END_TEST

START_TEST(test_plot_errors)
{
    make_tmpdir();
    tl_error e;
    double x[3] = {0, 1, 2}, y[3] = {0, 1, 4}, nan3[3] = {NAN, NAN, NAN};
    tl_plot_series s[1] = {{.x = x, .y = y, .n = 3}};
    tl_plot_spec sp = {.series = s, .nseries = 1, .out = tmp_path("p.gif")};
    ck_assert_int_eq(tl_plot_lines(&sp, &e), -1);
    ck_assert_msg(strstr(e.msg, ".png, .pdf or .svg"), "%s", e.msg);
    sp.out = tmp_path("p.png");
    sp.nseries = 0;
    ck_assert_int_eq(tl_plot_lines(&sp, &e), -1);
    ck_assert_msg(strstr(e.msg, "no series"), "%s", e.msg);
    sp.nseries = 1;
    s[0].n = 0;
    ck_assert_int_eq(tl_plot_lines(&sp, &e), -1);
    ck_assert_msg(strstr(e.msg, "series 1 is empty"), "%s", e.msg);
    s[0].n = 3;
    s[0].y = nan3;
    ck_assert_int_eq(tl_plot_lines(&sp, &e), -1);
    ck_assert_msg(strstr(e.msg, "no finite"), "%s", e.msg);
    s[0].y = y;
    s[0].style = "dots";
    ck_assert_int_eq(tl_plot_lines(&sp, &e), -1);
    ck_assert_msg(strstr(e.msg, "unknown style 'dots'"), "%s", e.msg);
    s[0].style = NULL;
    s[0].marker = "star";
    ck_assert_int_eq(tl_plot_lines(&sp, &e), -1);
    ck_assert_msg(strstr(e.msg, "unknown marker 'star'"), "%s", e.msg);
    s[0].marker = NULL;
    s[0].colour = "nope";
    ck_assert_int_eq(tl_plot_lines(&sp, &e), -1);
    ck_assert_msg(strstr(e.msg, "series 1") && strstr(e.msg, "unknown colour 'nope'"), "%s", e.msg);
    s[0].colour = NULL;
    sp.has_xrange = 1;
    sp.xrange[0] = sp.xrange[1] = 3;
    ck_assert_int_eq(tl_plot_lines(&sp, &e), -1);
    ck_assert_msg(strstr(e.msg, "xrange"), "%s", e.msg);
    sp.has_xrange = 0;
    sp.width = 10;
    ck_assert_int_eq(tl_plot_lines(&sp, &e), -1);
    ck_assert_msg(strstr(e.msg, "10 x 600"), "%s", e.msg);
    ck_assert_int_ne(access(sp.out, F_OK), 0);
    remove_tmpdir();
}
END_TEST

/* PLplot has global state: figures from several threads at once must be
 * serialised by the module's lock and come out the same as one at a time. */
typedef struct {
    const char *out;
    int rc;
} thread_job;

static void *draw_in_thread(void *arg)
{
    thread_job *j = arg;
    tl_error e;
    double y[4] = {1, 3, 2, 4};
    tl_plot_series s[1] = {{.y = y, .n = 4, .label = "y", .style = "both"}};
    tl_plot_spec sp = {.series = s, .nseries = 1, .out = j->out, .width = 300, .height = 200, .title = "t"};
    j->rc = 0;
    for (int k = 0; k < 3 && j->rc == 0; k++) j->rc = tl_plot_lines(&sp, &e);
    return NULL;
}

START_TEST(test_plot_threads_serialised)
{
    make_tmpdir();
    thread_job jobs[3] = {{tmp_path("t0.png"), -1}, {tmp_path("t1.png"), -1}, {tmp_path("t2.png"), -1}};
    pthread_t th[3];
    for (int i = 0; i < 3; i++) ck_assert_int_eq(pthread_create(&th[i], NULL, draw_in_thread, &jobs[i]), 0);
    for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
    image a = read_png(jobs[0].out);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(jobs[i].rc, 0);
        image b = read_png(jobs[i].out);
        ck_assert_int_eq(memcmp(a.rgb, b.rgb, (size_t)a.w * (size_t)a.h * 3), 0);
        free(b.rgb);
    }
    free(a.rgb);
    remove_tmpdir();
}
END_TEST

/* ---- through the registry, as the Lua binding calls it ---- */

static tl_value *args_for(const tl_op *op)
{
    return calloc(tl_op_nargs(op) + 1, sizeof(tl_value));
}

static void set_str(const tl_op *op, tl_value *a, const char *name, const char *s)
{
    int i = tl_op_arg_index(op, name);
    ck_assert_int_ge(i, 0);
    a[i].type = TL_T_STRING;
    a[i].set = 1;
    a[i].u.str = strdup(s);
}

static void set_rec(const tl_op *op, tl_value *a, const char *name, tl_record *r)
{
    int i = tl_op_arg_index(op, name);
    ck_assert_int_ge(i, 0);
    a[i].type = TL_T_RECORD;
    a[i].set = 1;
    a[i].u.rec = r;
}

static void set_vol(tl_value *a, int i, tl_volume *v)
{
    a[i].type = TL_T_VOLUME;
    a[i].set = 1;
    a[i].u.vol = v;
}

static void free_args(const tl_op *op, tl_value *a)
{
    for (size_t i = 0; i < tl_op_nargs(op); i++)
        if (a[i].set && a[i].type != TL_T_NONE) {
            /* defaults filled in by prepare point at static strings */
            if ((a[i].type == TL_T_STRING || a[i].type == TL_T_CHOICE) && a[i].u.str == op->args[i].def_str) continue;
            tl_value_clear(&a[i]);
        }
    free(a);
}

/* tl.plot with `series` (taken over) and out = bad.png must fail with `msg`. */
static void expect_plot_error(const tl_op *op, tl_record *series, const char *msg)
{
    tl_error e;
    tl_value *a = args_for(op);
    set_rec(op, a, "series", series);
    set_str(op, a, "out", tmp_path("bad.png"));
    tl_record *out = tl_record_new();
    ck_assert_int_eq(tl_op_call(op, a, out, &e), -1);
    ck_assert_msg(strstr(e.msg, msg), "%s", e.msg);
    tl_record_free(out);
    free_args(op, a);
}

START_TEST(test_registry_plot)
{
    make_tmpdir();
    const tl_op *op = tl_registry_find("plot");
    ck_assert_ptr_nonnull(op);
    tl_error e;
    /* series = {{x = {0, 1, 2}, y = {1, 2, 3}, label = "V"}, {y = {3, 2, 1}, axis = "right"}},
     * keys "2" before "1" to check that array order is restored */
    tl_record *series = tl_record_new(), *s1 = tl_record_new(), *s2 = tl_record_new();
    double x[3] = {0, 1, 2}, y1[3] = {1, 2, 3}, y2[3] = {3, 2, 1};
    tl_rec_numbers(s2, "y", y2, 3);
    tl_rec_string(s2, "axis", "right");
    tl_rec_numbers(s1, "x", x, 3);
    tl_rec_numbers(s1, "y", y1, 3);
    tl_rec_string(s1, "label", "V");
    tl_rec_record(series, "2", s2);
    tl_rec_record(series, "1", s1);
    tl_value *a = args_for(op);
    set_rec(op, a, "series", series);
    set_str(op, a, "out", tmp_path("reg.png"));
    set_str(op, a, "ylabel", "Voltage (V)");
    tl_record *out = tl_record_new();
    ck_assert_msg(tl_op_call(op, a, out, &e) == 0, "%s", e.msg);
    const tl_value *p = tl_record_get(out, "path");
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->u.str, tmp_path("reg.png"));
    image im = read_png(p->u.str);
    ck_assert_int_eq(im.w, 900);
    free(im.rgb);
    tl_record_free(out);
    free_args(op, a);

    /* mismatched lengths name the series */
    series = tl_record_new();
    s1 = tl_record_new();
    tl_rec_numbers(s1, "x", x, 2);
    tl_rec_numbers(s1, "y", y1, 3);
    tl_rec_record(series, "1", s1);
    expect_plot_error(op, series, "series[1] has 2 x values but 3 y values");

    /* a typo in a series field is an error, not silently ignored */
    series = tl_record_new();
    s1 = tl_record_new();
    tl_rec_numbers(s1, "y", y1, 3);
    tl_rec_string(s1, "colur", "red");
    tl_rec_record(series, "1", s1);
    expect_plot_error(op, series, "unknown field 'colur'");

    /* empty series table */
    expect_plot_error(op, tl_record_new(), "series is empty");
    remove_tmpdir();
}
END_TEST

START_TEST(test_registry_map_checks)
{
    make_tmpdir();
    const tl_op *op = tl_registry_find("show_map");
    ck_assert_ptr_nonnull(op);
    ck_assert_ptr_nonnull(tl_registry_find("overlay"));
    tl_error e;
    tl_value *a = args_for(op);
    set_vol(a, 0, tl_vol_new(TL_F32, 2, 4, 4, &e));
    set_str(op, a, "out", tmp_path("m.png"));
    tl_record *out = tl_record_new();
    ck_assert_int_eq(tl_op_call(op, a, out, &e), -1);
    ck_assert_msg(strstr(e.msg, "2D map"), "%s", e.msg);
    tl_record_free(out);
    free_args(op, a);

    a = args_for(op);
    set_vol(a, 0, map_2d(TL_F32, 4, 4, 1.0));
    set_str(op, a, "out", tmp_path("m.png"));
    int ic = tl_op_arg_index(op, "colormap");
    a[ic].type = TL_T_CHOICE;
    a[ic].set = 1;
    a[ic].u.str = strdup("jet");
    out = tl_record_new();
    ck_assert_int_eq(tl_op_call(op, a, out, &e), -1);
    ck_assert_msg(strstr(e.msg, "colormap") && strstr(e.msg, "viridis"), "%s", e.msg);
    tl_record_free(out);
    free(a[ic].u.str);
    a[ic].u.str = strdup("magma");
    int ir = tl_op_arg_index(op, "range");
    double r3[3] = {0, 1, 2};
    a[ir].type = TL_T_NUMBERS;
    a[ir].set = 1;
    a[ir].u.nums.v = malloc(sizeof r3);
    memcpy(a[ir].u.nums.v, r3, sizeof r3);
    a[ir].u.nums.n = 3;
    out = tl_record_new();
    ck_assert_int_eq(tl_op_call(op, a, out, &e), -1);
    ck_assert_msg(strstr(e.msg, "'range' must be {lo, hi}"), "%s", e.msg);
    tl_record_free(out);
    a[ir].u.nums.n = 2;
    out = tl_record_new();
    ck_assert_msg(tl_op_call(op, a, out, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(access(tmp_path("m.png"), F_OK), 0);
    tl_record_free(out);
    free_args(op, a);
    remove_tmpdir();
}
END_TEST

Suite *suite_plot(void)
{
    Suite *s = suite_create("plot");
    TCase *c = tcase_create("core");
    tcase_set_timeout(c, 60);
    tcase_add_test(c, test_colours);
    tcase_add_test(c, test_colormaps);
    tcase_add_test(c, test_devices);
    tcase_add_test(c, test_map_constant_colour);
    tcase_add_test(c, test_map_categorical);
    tcase_add_test(c, test_map_nan_and_diverging);
    tcase_add_test(c, test_map_size_and_scale_bar);
    tcase_add_test(c, test_maps_panels);
    tcase_add_test(c, test_map_errors);
    tcase_add_test(c, test_overlay_blend);
    tcase_add_test(c, test_overlay_several_masks);
    tcase_add_test(c, test_overlay_errors);
    tcase_add_test(c, test_plot_two_axes_geometry);
    tcase_add_test(c, test_plot_deterministic_and_nan);
    tcase_add_test(c, test_plot_vector_outputs);
    tcase_add_test(c, test_plot_threads_serialised);
    tcase_add_test(c, test_plot_errors);
    tcase_add_test(c, test_registry_plot);
    tcase_add_test(c, test_registry_map_checks);
    suite_add_tcase(s, c);
    return s;
}
