/* png_write.c — 8-bit RGB PNG with provenance, written atomically.
 *
 * No tIME chunk and a fixed compression level, so the pixel data and the
 * encoding are the same on every run; only the provenance text (which
 * holds the creation time) differs. */
#include "plot.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/atomic.h"
#include "../io/provenance.h"

#ifndef TL_VERSION
#define TL_VERSION "0.0.0"
#endif

typedef struct {
    tl_error *err;
    const char *path;
} png_ctx;

static void on_png_error(png_structp png, png_const_charp msg)
{
    png_ctx *c = png_get_error_ptr(png);
    tl_err(c->err, "writing PNG '%s': %s", c->path, msg);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

/* Everything that libpng's longjmp may cross lives in this frame's caller,
 * so no local is modified between setjmp and longjmp. */
static int encode(FILE *f, const char *path, const unsigned char *rgb, int w, int h, char *prov, tl_error *err)
{
    png_ctx ctx = {err, path};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_png_error, on_png_warning);
    if (!png) return tl_err(err, "writing PNG '%s': out of memory", path);
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return tl_err(err, "writing PNG '%s': out of memory", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, f);
    png_set_compression_level(png, 6);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_text text[2];
    memset(text, 0, sizeof text);
    text[0].compression = PNG_TEXT_COMPRESSION_NONE;
    text[0].key = (png_charp) "Software";
    text[0].text = (png_charp) "tomolith " TL_VERSION;
    text[1].compression = PNG_TEXT_COMPRESSION_NONE;
    text[1].key = (png_charp) "tomolith_provenance";
    text[1].text = prov;
    png_set_text(png, info, text, 2);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) png_write_row(png, (png_const_bytep)(rgb + (size_t)y * (size_t)w * 3));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int tl_png_write_rgb(const char *path, const unsigned char *rgb, int width, int height, tl_error *err)
{
    if (width <= 0 || height <= 0) return tl_err(err, "writing PNG '%s': bad size %d x %d", path, width, height);
    char *prov = tl_prov_json(err);
    if (!prov) return tl_err_prefix(err, "writing PNG '%s': ", path);
    char tmp[4096];
    if (tl_atomic_tmpname(path, tmp, sizeof tmp, err)) {
        free(prov);
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(prov);
        return tl_err(err, "writing PNG '%s': cannot create '%s'", path, tmp);
    }
    int rc = encode(f, path, rgb, width, height, prov, err);
    free(prov);
    if (fclose(f) != 0 && rc == 0) rc = tl_err(err, "writing PNG '%s': write failed (disk full?)", path);
    if (rc) {
        tl_atomic_abort(tmp);
        return -1;
    }
    return tl_atomic_commit(tmp, path, err);
}
