/* colormaps.c — named colours and colormaps.
 *
 * Colormaps are piecewise-linear through published anchor colours (viridis
 * and magma at 10 evenly spaced points, ColorBrewer RdBu at 11), expanded
 * once into 256-entry tables so a value maps to one exact, testable colour. */
#include "plot.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *name;
    unsigned hex;
} named_colour;

/* The named colours follow the Tableau-10 palette, which prints well and
 * stays distinct for colour-blind readers; black/white/yellow are pure
 * enough for contact maps on black (seed 000 Fig. 4c,d). */
static const named_colour colours[] = {
    {"blue", 0x1f77b4},   {"orange", 0xff7f0e}, {"green", 0x2ca02c}, {"red", 0xd62728},
    {"purple", 0x9467bd}, {"brown", 0x8c564b},  {"pink", 0xe377c2},  {"grey", 0x7f7f7f},
    {"gray", 0x7f7f7f},   {"olive", 0xbcbd22},  {"cyan", 0x17becf},  {"yellow", 0xffd21f},
    {"magenta", 0xd62ad6}, {"black", 0x000000}, {"white", 0xffffff},
};
static const char colour_names[] =
    "black white grey gray red green blue orange purple brown pink olive cyan yellow magenta #rrggbb";

static tl_rgb from_hex(unsigned h) { return (tl_rgb){(unsigned char)(h >> 16), (unsigned char)(h >> 8), (unsigned char)h}; }

const char *tl_colour_names(void) { return colour_names; }

int tl_colour_parse(const char *s, tl_rgb *out, tl_error *err)
{
    if (!s || !*s) return tl_err(err, "empty colour name (use one of: %s)", colour_names);
    if (s[0] == '#') {
        int ok = strlen(s) == 7;
        for (int i = 1; ok && i < 7; i++) ok = isxdigit((unsigned char)s[i]);
        if (!ok) return tl_err(err, "bad colour '%s' (expected #rrggbb)", s);
        *out = from_hex((unsigned)strtoul(s + 1, NULL, 16));
        return 0;
    }
    for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++)
        if (strcasecmp(s, colours[i].name) == 0) {
            *out = from_hex(colours[i].hex);
            return 0;
        }
    return tl_err(err, "unknown colour '%s' (use one of: %s)", s, colour_names);
}

tl_rgb tl_colour_cycle(size_t i)
{
    static const unsigned cycle[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                     0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    return from_hex(cycle[i % (sizeof cycle / sizeof cycle[0])]);
}

/* ---- colormaps ---- */

static const unsigned viridis[] = {0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e,
                                   0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b, 0xfde725};
static const unsigned gray[] = {0x000000, 0xffffff};
static const unsigned magma[] = {0x000004, 0x180f3d, 0x440f76, 0x721f81, 0x9e2f7f,
                                 0xcd4071, 0xf1605d, 0xfd9668, 0xfeca8d, 0xfcfdbf};
static const unsigned rdbu[] = {0x67001f, 0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xf7f7f7,
                                0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac, 0x053061};

typedef struct {
    const char *name;
    const unsigned *anchors;
    size_t n;
    int reversed, diverging;
} cmap_def;

static const cmap_def cmaps[] = {
    {"viridis", viridis, 10, 0, 0},
    {"gray", gray, 2, 0, 0},
    {"magma", magma, 10, 0, 0},
    {"rdbu", rdbu, 11, 0, 1},
    {"diverging", rdbu, 11, 1, 1},
};
#define NCMAPS (sizeof cmaps / sizeof cmaps[0])

static tl_rgb luts[NCMAPS][256];
static pthread_once_t luts_once = PTHREAD_ONCE_INIT;

static void build_luts(void)
{
    for (size_t c = 0; c < NCMAPS; c++) {
        const cmap_def *d = &cmaps[c];
        for (int i = 0; i < 256; i++) {
            double t = (d->reversed ? 255 - i : i) / 255.0 * (double)(d->n - 1);
            size_t k = (size_t)t;
            if (k >= d->n - 1) k = d->n - 2;
            double f = t - (double)k;
            tl_rgb a = from_hex(d->anchors[k]), b = from_hex(d->anchors[k + 1]);
            luts[c][i] = (tl_rgb){(unsigned char)lrint(a.r + f * (b.r - a.r)),
                                  (unsigned char)lrint(a.g + f * (b.g - a.g)),
                                  (unsigned char)lrint(a.b + f * (b.b - a.b))};
        }
    }
}

int tl_colormap_find(const char *name, tl_error *err)
{
    for (size_t c = 0; c < NCMAPS; c++)
        if (name && strcasecmp(name, cmaps[c].name) == 0) return (int)c;
    if (name && strcasecmp(name, "grey") == 0) return 1;
    tl_err(err, "unknown colormap '%s' (use one of: %s)", name ? name : "(null)", TL_COLORMAP_NAMES);
    return -1;
}

tl_rgb tl_colormap_eval(int cmap, double t)
{
    pthread_once(&luts_once, build_luts);
    if (cmap < 0 || (size_t)cmap >= NCMAPS) cmap = 0;
    if (!(t > 0)) t = 0; /* NaN -> 0; callers handle NaN before this */
    if (t > 1) t = 1;
    return luts[cmap][(int)lrint(t * 255.0)];
}

int tl_colormap_is_diverging(int cmap) { return cmap >= 0 && (size_t)cmap < NCMAPS && cmaps[cmap].diverging; }
