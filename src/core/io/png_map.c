/* png_map.c — 2D maps as PNG: grey u8/u16 as they are, or any dtype
 * through a named colormap over a value range.
 *
 * Writing: a u8 or u16 map without options is stored as 8/16-bit grey.
 * Otherwise range = {lo, hi} is required and values are mapped linearly
 * onto the colormap ("gray": 8-bit grey; "viridis": 8-bit RGB), clamped
 * at the ends; NaN pixels become transparent (an alpha channel is added
 * only when the map has NaN). The voxel size goes in pHYs (pixels per
 * metre) and, exactly, in the provenance JSON (compressed international
 * text chunk "tomolith_provenance": iTXt, since the JSON is UTF-8).
 * Reading: 8/16-bit greyscale PNGs (no palette, no colour), as u8/u16.
 *
 * The viridis table: the ten colours of viridis(10) (van der Walt and
 * Smith's perceptually uniform map, as sampled by R's viridisLite),
 * linearly interpolated in sRGB: exact at the ten samples, close to (not
 * identical with) matplotlib's 256-entry table between them. */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"
#include "provenance.h"

static const unsigned char viridis10[10][3] = {
    {0x44, 0x01, 0x54}, {0x48, 0x28, 0x78}, {0x3E, 0x4A, 0x89}, {0x31, 0x68, 0x8E}, {0x26, 0x82, 0x8E},
    {0x1F, 0x9E, 0x89}, {0x35, 0xB7, 0x79}, {0x6D, 0xCD, 0x59}, {0xB4, 0xDE, 0x2C}, {0xFD, 0xE7, 0x25},
};

int tl_colormap_lookup(const char *name, double t, unsigned char rgb[3])
{
    if (!(t >= 0)) t = 0; /* also NaN */
    if (t > 1) t = 1;
    if (strcmp(name, "gray") == 0 || strcmp(name, "grey") == 0) {
        rgb[0] = rgb[1] = rgb[2] = (unsigned char)lround(t * 255.0);
        return 0;
    }
    if (strcmp(name, "viridis") == 0) {
        double s = t * 9.0;
        int i = (int)s;
        if (i > 8) i = 8;
        double f = s - i;
        for (int c = 0; c < 3; c++)
            rgb[c] = (unsigned char)lround(viridis10[i][c] + f * (viridis10[i + 1][c] - viridis10[i][c]));
        return 0;
    }
    return -1;
}

typedef struct { jmp_buf jb; char msg[300]; } png_ctx;

static void on_error(png_structp p, png_const_charp m)
{
    png_ctx *c = png_get_error_ptr(p);
    snprintf(c->msg, sizeof c->msg, "%s", m);
    longjmp(c->jb, 1);
}
static void on_warning(png_structp p, png_const_charp m) { (void)p; (void)m; }

int tl_png_save(const tl_volume *v, const char *path, const tl_io_save_opts *o, tl_error *err)
{
    char s[64];
    if (v->nz != 1)
        return tl_err(err, "save: PNG '%s' holds a 2D map (nz = 1), but the volume has shape %s; "
                           "save a slice (vol:slice(\"z\", k)) or use .tif/.h5", path, tl_vol_shape_str(v, s, sizeof s));
    const char *cmap = o ? o->colormap : NULL;
    int has_range = o && o->has_range;
    if (cmap && !has_range)
        return tl_err(err, "save: PNG '%s' with colormap '%s' needs range = {lo, hi}", path, cmap);
    if (!has_range && v->dtype != TL_U8 && v->dtype != TL_U16)
        return tl_err(err, "save: PNG '%s' of a %s map needs range = {lo, hi} (and optionally colormap=); "
                           "only u8 and u16 maps are written as they are", path, tl_dtype_name(v->dtype));
    if (has_range && !(isfinite(o->range[0]) && isfinite(o->range[1]) && o->range[0] < o->range[1]))
        return tl_err(err, "save: PNG '%s': argument 'range' must be two finite numbers lo < hi (got {%g, %g})",
                      path, o->range[0], o->range[1]);
    if (!cmap) cmap = "gray";
    unsigned char probe[3];
    if (tl_colormap_lookup(cmap, 0, probe)) return tl_err(err, "save: unknown colormap '%s' (gray, viridis)", cmap);
    if (v->nx > 0x7fffffff || v->ny > 0x7fffffff) return tl_err(err, "save: map too large for PNG '%s'", path);
    size_t w = v->nx, h = v->ny, n = w * h;
    int color = has_range && strcmp(cmap, "viridis") == 0, nan = 0, depth = 8, chans;
    if (!has_range) { depth = v->dtype == TL_U16 ? 16 : 8; }
    else for (size_t i = 0; i < n && !nan; i++) nan = isnan(tl_vol_get(v, 0, i / w, i % w));
    chans = (color ? 3 : 1) + nan;
    size_t rowbytes = w * (size_t)chans * (size_t)(depth / 8);
    unsigned char *img = malloc(rowbytes * h);
    if (!img) return tl_err(err, "save: out of memory writing '%s'", path);
    for (size_t i = 0; i < n; i++) {
        unsigned char *px = img + i * (size_t)chans * (size_t)(depth / 8);
        if (!has_range) {
            if (depth == 16) { uint16_t x = ((const uint16_t *)v->data)[i]; px[0] = (unsigned char)(x >> 8); px[1] = (unsigned char)x; }
            else px[0] = ((const uint8_t *)v->data)[i];
            continue;
        }
        double x = tl_vol_get(v, 0, i / w, i % w), t = (x - o->range[0]) / (o->range[1] - o->range[0]);
        unsigned char rgb[3];
        tl_colormap_lookup(cmap, t, rgb);
        if (isnan(x)) rgb[0] = rgb[1] = rgb[2] = 0;
        int k = 0;
        if (color) { px[k++] = rgb[0]; px[k++] = rgb[1]; px[k++] = rgb[2]; }
        else px[k++] = rgb[0];
        if (nan) px[k] = isnan(x) ? 0 : 255;
    }
    char *json = tl_io_prov_json(v->voxel_um, NULL, err);
    if (!json) { free(img); return -1; }
    char tmp[4300];
    FILE *f = tl_io_open_tmp(path, tmp, sizeof tmp, err);
    if (!f) { free(img); free(json); return -1; }
    png_ctx ctx;
    ctx.msg[0] = 0;
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    png_bytep *rows = malloc(h * sizeof *rows);
    int failed = !p || !info || !rows;
    if (!failed && setjmp(ctx.jb)) failed = 1;
    else if (!failed) {
        png_init_io(p, f);
        int type = color ? (nan ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB) : (nan ? PNG_COLOR_TYPE_GRAY_ALPHA : PNG_COLOR_TYPE_GRAY);
        png_set_IHDR(p, info, (png_uint_32)w, (png_uint_32)h, depth, type, PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_set_pHYs(p, info, (png_uint_32)lround(1e6 / v->voxel_um[2]), (png_uint_32)lround(1e6 / v->voxel_um[1]),
                     PNG_RESOLUTION_METER);
        png_text txt = {0};
        txt.compression = PNG_ITXT_COMPRESSION_zTXt; /* iTXt: UTF-8 (recipes say µm), compressed */
        txt.key = (png_charp) "tomolith_provenance";
        txt.text = json;
        png_set_text(p, info, &txt, 1);
        for (size_t y = 0; y < h; y++) rows[y] = img + y * rowbytes;
        png_set_rows(p, info, rows);
        png_write_png(p, info, PNG_TRANSFORM_IDENTITY, NULL);
    }
    png_destroy_write_struct(p ? &p : NULL, info ? &info : NULL);
    free(rows);
    free(img);
    free(json);
    if (failed) tl_err(err, "save: writing PNG '%s' failed: %s", path, ctx.msg[0] ? ctx.msg : "out of memory");
    return tl_io_commit_tmp(f, tmp, path, failed, err);
}

/* Shared by load and provenance: open and read the header and text. */
typedef struct {
    png_ctx ctx;
    FILE *f;
    png_structp p;
    png_infop info;
} png_reader;

static void reader_close(png_reader *r)
{
    if (r->p) png_destroy_read_struct(&r->p, r->info ? &r->info : NULL, NULL);
    if (r->f) fclose(r->f);
}

/* Open path, check the signature and make the read structs; messages start
 * with `verb` ("load", "provenance"). The caller arms r->ctx.jb (setjmp
 * cannot be left by returning) before reading. */
static int reader_open(png_reader *r, const char *path, const char *verb, tl_error *err)
{
    if (tl_io_check_file(path, err)) return -1;
    unsigned char sig[8];
    r->f = fopen(path, "rb");
    if (!r->f) return tl_err(err, "%s: cannot open '%s': %s", verb, path, strerror(errno));
    if (fread(sig, 1, 8, r->f) != 8 || png_sig_cmp(sig, 0, 8)) {
        reader_close(r);
        return tl_err(err, "%s: '%s' is not a PNG file (bad signature)", verb, path);
    }
    r->p = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r->ctx, on_error, on_warning);
    r->info = r->p ? png_create_info_struct(r->p) : NULL;
    if (!r->p || !r->info) { reader_close(r); return tl_err(err, "%s: out of memory reading '%s'", verb, path); }
    return 0;
}

tl_volume *tl_png_load(const char *path, const tl_io_load_opts *o, tl_error *err)
{
    png_reader r = {0};
    if (reader_open(&r, path, "load", err)) return NULL;
    tl_volume *volatile v = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(r.ctx.jb)) {
        tl_err(err, "load: PNG '%s' is damaged or truncated: %s", path, r.ctx.msg);
        if (v) tl_vol_unref(v);
        free(rows);
        reader_close(&r);
        return NULL;
    }
    png_init_io(r.p, r.f);
    png_set_sig_bytes(r.p, 8);
    png_read_info(r.p, r.info);
    png_uint_32 w = png_get_image_width(r.p, r.info), h = png_get_image_height(r.p, r.info);
    int depth = png_get_bit_depth(r.p, r.info), type = png_get_color_type(r.p, r.info);
    if (type != PNG_COLOR_TYPE_GRAY || (depth != 8 && depth != 16)) {
        tl_err(err, "load: PNG '%s' is %s %d-bit; tomolith loads 8/16-bit greyscale maps (a colormapped PNG is a picture, "
                    "not data: load the .h5/.tif/.npy it was made from)", path,
               type == PNG_COLOR_TYPE_GRAY ? "greyscale" : type == PNG_COLOR_TYPE_PALETTE ? "palette" :
               type == PNG_COLOR_TYPE_GRAY_ALPHA ? "grey+alpha" : "colour", depth);
        reader_close(&r);
        return NULL;
    }
    if (depth == 16) png_set_swap(r.p); /* PNG is big-endian; we want host order (little) */
    size_t shape[3] = {1, h, w}, lo[3], hi[3];
    tl_error cerr;
    if (tl_io_resolve_crops(o ? o->crop : NULL, shape, path, NULL, lo, hi, &cerr)) {
        *err = cerr;
        reader_close(&r);
        return NULL;
    }
    size_t es = depth / 8;
    unsigned char *all = malloc((size_t)w * h * es);
    rows = malloc(h * sizeof *rows);
    if (!all || !rows) {
        free(all); free(rows);
        reader_close(&r);
        return tl_err(err, "load: out of memory reading '%s'", path), NULL;
    }
    for (size_t y = 0; y < h; y++) rows[y] = all + y * w * es;
    {
        if (setjmp(r.ctx.jb)) { /* re-armed: `all` must be freed from here on */
            tl_err(err, "load: PNG '%s' is damaged or truncated: %s", path, r.ctx.msg);
            free(all); free(rows);
            reader_close(&r);
            return NULL;
        }
        png_read_image(r.p, rows);
    }
    free(rows);
    rows = NULL;
    v = tl_vol_new(depth == 16 ? TL_U16 : TL_U8, 1, hi[1] - lo[1], hi[2] - lo[2], err);
    if (v)
        for (size_t y = lo[1]; y < hi[1]; y++)
            memcpy((char *)v->data + (y - lo[1]) * v->nx * es, all + (y * w + lo[2]) * es, v->nx * es);
    free(all);
    png_textp text;
    int nt = 0;
    if (v && png_get_text(r.p, r.info, &text, &nt) > 0)
        for (int i = 0; i < nt; i++)
            if (strcmp(text[i].key, "tomolith_provenance") == 0) {
                double vox[3];
                if (tl_io_json_voxel(text[i].text, vox)) tl_vol_set_voxel(v, vox[0], vox[1], vox[2]);
            }
    reader_close(&r);
    return v;
}

char *tl_png_read_provenance(const char *path, tl_error *err)
{
    png_reader r = {0};
    if (reader_open(&r, path, "provenance", err)) return NULL;
    char *volatile out = NULL;
    if (setjmp(r.ctx.jb)) {
        tl_err(err, "provenance: PNG '%s' is damaged or truncated: %s", path, r.ctx.msg);
        free(out);
        reader_close(&r);
        return NULL;
    }
    png_init_io(r.p, r.f);
    png_set_sig_bytes(r.p, 8);
    png_read_info(r.p, r.info);
    png_textp text;
    int nt = 0;
    if (png_get_text(r.p, r.info, &text, &nt) > 0)
        for (int i = 0; i < nt && !out; i++)
            if (strcmp(text[i].key, "tomolith_provenance") == 0) out = strdup(text[i].text);
    reader_close(&r);
    if (!out) tl_err(err, "provenance: PNG '%s' has no tEXt 'tomolith_provenance' (not written by tomolith?)", path);
    return out;
}
