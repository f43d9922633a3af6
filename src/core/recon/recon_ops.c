/* recon_ops.c — registry table of the recon module: reconstruct,
 * gridrec, find_center, remove_stripes, ring_metric, retrieve_phase,
 * recon_phantom. Kernels live in the files named in recon.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../registry.h"
#include "phantom_radon.h"
#include "reconstruct.h"

/* ---- shared argument conversion ---- */

static int get_source(const tl_value *scan, const tl_value *flats, const tl_value *darks, const tl_value *angles,
                      tl_recon_source *s, const char *op, tl_error *err)
{
    memset(s, 0, sizeof *s);
    if (scan->type == TL_T_OBJECT) {
        if (scan->u.obj->cls != &tl_class_dxchange)
            return tl_err(err, "%s: argument 'scan' must be a dxchange scan or a projections volume, got a %s", op,
                          scan->u.obj->cls->name);
        s->dx = scan->u.obj->data;
        return 0;
    }
    s->proj = scan->u.vol;
    s->flat = flats && flats->set ? flats->u.vol : NULL;
    s->dark = darks && darks->set ? darks->u.vol : NULL;
    if (angles && angles->set) { s->theta_deg = angles->u.nums.v; s->n_theta = angles->u.nums.n; }
    return 0;
}

static int get_filter(const tl_value *a, tl_gridrec_opts *g, tl_error *err)
{
    return tl_filter_parse(a->u.str, &g->filter, err);
}

/* ---- reconstruct ---- */

enum { RA_SCAN, RA_FLATS, RA_DARKS, RA_ANGLES, RA_ROWS, RA_CENTER, RA_CMETHOD, RA_FILTER, RA_CUTOFF, RA_ORDER,
       RA_PADDING, RA_STRIPES, RA_SSIZE, RA_SNR, RA_LEVEL, RA_WAVELET, RA_SIGMA, RA_ENERGY, RA_DIST, RA_ALPHA,
       RA_DB, RA_PIXEL, RA_FLOOR, RA_BLOCK, RA_OUTPUT };

static int stripe_opts(const tl_value *a, int im, int isz, int isnr, int ilv, int iwv, int isg, tl_stripe_opts *o,
                       tl_error *err)
{
    tl_stripe_defaults(o);
    if (tl_stripe_parse(a[im].u.str, &o->method, err)) return -1;
    o->size = a[isz].set ? (size_t)a[isz].u.i : 0;
    if (o->size && (o->size < 3 || o->size % 2 == 0))
        return tl_err(err, "stripes: size %zu must be odd and >= 3", o->size);
    o->snr = a[isnr].u.num;
    o->level = (int)a[ilv].u.i;
    o->db = (int)a[iwv].u.i;
    o->sigma = a[isg].u.num;
    return 0;
}

static int run_reconstruct(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_recon_source s;
    tl_recon_opts o;
    tl_recon_defaults(&o);
    if (get_source(&a[RA_SCAN], &a[RA_FLATS], &a[RA_DARKS], &a[RA_ANGLES], &s, "reconstruct", err)) return -1;
    if (a[RA_ROWS].set) { o.r0 = (size_t)a[RA_ROWS].u.range.lo; o.r1 = (size_t)a[RA_ROWS].u.range.hi; }
    o.grid.center = a[RA_CENTER].set ? a[RA_CENTER].u.num : NAN;
    o.center_method = !strcmp(a[RA_CMETHOD].u.str, "pc") ? TL_CENTER_PC : TL_CENTER_VO;
    if (get_filter(&a[RA_FILTER], &o.grid, err)) return -1;
    o.grid.cutoff = a[RA_CUTOFF].u.num;
    o.grid.order = a[RA_ORDER].u.num;
    o.grid.padding = a[RA_PADDING].u.num;
    if (stripe_opts(a, RA_STRIPES, RA_SSIZE, RA_SNR, RA_LEVEL, RA_WAVELET, RA_SIGMA, &o.stripes, err)) return -1;
    if (a[RA_ENERGY].set) {
        if (!a[RA_DIST].set) return tl_err(err, "reconstruct: phase retrieval needs distance_mm with energy_keV");
        if (a[RA_ALPHA].set == a[RA_DB].set)
            return tl_err(err, "reconstruct: phase retrieval needs exactly one of alpha (β/δ) and delta_beta (δ/β)");
        o.phase = 1;
        o.paganin.energy_kev = a[RA_ENERGY].u.num;
        o.paganin.distance_mm = a[RA_DIST].u.num;
        o.paganin.alpha = a[RA_ALPHA].set ? a[RA_ALPHA].u.num : 1.0 / a[RA_DB].u.num;
    }
    o.pixel_um = a[RA_PIXEL].set ? a[RA_PIXEL].u.num : 0;
    o.floor_value = a[RA_FLOOR].u.num;
    o.block = (size_t)a[RA_BLOCK].u.i;
    o.output = a[RA_OUTPUT].set ? a[RA_OUTPUT].u.str : NULL;
    tl_volume *v = NULL;
    double center = NAN;
    if (tl_reconstruct(&s, &o, &v, &center, err)) return -1;
    if (v && tl_rec_volume(out, "volume", v)) return -1;
    if (tl_rec_number(out, "center", center)) return -1;
    return o.output ? tl_rec_string(out, "path", o.output) : 0;
}

#define STRIPE_ARGS(prefix_doc) \
    {.name = "stripes", .type = TL_T_CHOICE, .def_str = "none", .choices = TL_STRIPE_NAMES, \
     .doc = prefix_doc "stripe removal: sort (Vo), large (Vo, wide stripes), dead (Vo, dead pixels), fw (Münch)"}, \
    {.name = "stripe_size", .type = TL_T_INT, .flags = TL_OPTIONAL, .unit = "pixels", .min = 3, .max = 1001, \
     .doc = "median window across the detector (odd); default 21 for sort, 51 for large/dead"}, \
    {.name = "stripe_snr", .type = TL_T_NUMBER, .def = 3, .min = 1, .max = 100, .doc = "detection threshold of large/dead stripes"}, \
    {.name = "fw_level", .type = TL_T_INT, .def = 0, .min = 0, .max = 12, .doc = "fw: wavelet levels, 0 = as deep as the size allows"}, \
    {.name = "fw_wavelet", .type = TL_T_INT, .def = 5, .min = 1, .max = 10, .doc = "fw: Daubechies order N of dbN (TomoPy's default db5)"}, \
    {.name = "fw_sigma", .type = TL_T_NUMBER, .def = 2, .min = 0.01, .max = 1000, .doc = "fw: damping width along the angles (frequency bins)"}

static const tl_arg reconstruct_args[] = {
    {.name = "scan", .type = TL_T_ANY, .flags = TL_POSITIONAL | TL_REQUIRED,
     .doc = "a dxchange scan, or projections (angles, rows, cols) of raw counts (any dtype)"},
    {.name = "flats", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .doc = "flat fields (k, rows, cols), with a projections volume"},
    {.name = "darks", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .doc = "dark fields (k, rows, cols), with a projections volume (absent: 0)"},
    {.name = "angles", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "°", .doc = "projection angles, with a projections volume"},
    {.name = "rows", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "detector rows", .doc = "rows {a, b} (1-based, inclusive) to reconstruct; all if absent"},
    {.name = "center", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "pixels",
     .doc = "rotation centre, 0-based detector column (as TomoPy); absent = found with center_method on the middle row"},
    {.name = "center_method", .type = TL_T_CHOICE, .def_str = "vo", .choices = "vo pc", .doc = "how to find the centre when it is not given"},
    {.name = "filter", .type = TL_T_CHOICE, .def_str = "shepp", .choices = TL_FILTER_NAMES, .doc = "reconstruction filter (TomoPy's names)"},
    {.name = "filter_cutoff", .type = TL_T_NUMBER, .def = 0.5, .min = 0.01, .max = 10, .doc = "TomoPy filter_par[0]: cutoff of parzen, hann, hamming, butterworth (cycles/pixel)"},
    {.name = "filter_order", .type = TL_T_NUMBER, .def = 8, .min = 0.5, .max = 100, .doc = "TomoPy filter_par[1]: butterworth order"},
    {.name = "padding", .type = TL_T_NUMBER, .def = 1.25, .min = 1, .max = 4, .doc = "Fourier grid >= padding x detector width (1 = none: larger error at the edges); TomoPy-cli uses 1.5"},
    STRIPE_ARGS(""),
    {.name = "energy_keV", .type = TL_T_NUMBER, .flags = TL_OPTIONAL | TL_MIN_EXCL, .unit = "keV", .min = 0, .max = 1000, .doc = "phase retrieval (Paganin) on when given: X-ray energy"},
    {.name = "distance_mm", .type = TL_T_NUMBER, .flags = TL_OPTIONAL | TL_MIN_EXCL, .unit = "mm", .min = 0, .max = 1e5, .doc = "Paganin: sample-detector distance"},
    {.name = "alpha", .type = TL_T_NUMBER, .flags = TL_OPTIONAL | TL_MIN_EXCL, .min = 0, .max = 1e6, .doc = "Paganin: β/δ (TomoPy's alpha)"},
    {.name = "delta_beta", .type = TL_T_NUMBER, .flags = TL_OPTIONAL | TL_MIN_EXCL, .min = 0, .max = 1e9, .doc = "Paganin: δ/β (give this or alpha)"},
    {.name = "pixel_um", .type = TL_T_NUMBER, .flags = TL_OPTIONAL | TL_MIN_EXCL, .unit = "µm", .min = 0, .max = 1e5,
     .doc = "detector pixel size; default from the file, or the projections' x voxel size"},
    {.name = "floor", .type = TL_T_NUMBER, .def = 1e-6, .flags = TL_MIN_EXCL, .min = 0, .max = 1, .doc = "lower clip of the normalised transmission before -log"},
    {.name = "block", .type = TL_T_INT, .def = 8, .min = 1, .max = 4096, .unit = "rows", .doc = "detector rows per block: sets peak memory"},
    {.name = "output", .type = TL_T_STRING, .flags = TL_OPTIONAL, .doc = "HDF5 file to stream the slices to (dataset /volume); absent: return a volume"},
    {0},
};
static const tl_ret reconstruct_rets[] = {
    {.name = "volume", .type = TL_T_VOLUME, .unit = "1/cm", .doc = "f32 (rows, cols, cols) slices, voxel = pixel size (absent with output)"},
    {.name = "center", .type = TL_T_NUMBER, .unit = "pixels", .doc = "the centre used (0-based column)"},
    {.name = "path", .type = TL_T_STRING, .doc = "the output file, when output was given"},
    {0},
};

/* ---- gridrec on sinograms ---- */

static int run_gridrec(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *s = a[0].u.vol;
    char b[64];
    size_t ns = s->nz, na = s->ny, nc = s->nx;
    if (a[1].u.nums.n != na)
        return tl_err(err, "gridrec: %zu angles given for sinograms %s (slices, angles, cols)", a[1].u.nums.n,
                      tl_vol_shape_str(s, b, sizeof b));
    tl_gridrec_opts g;
    tl_gridrec_defaults(&g);
    g.center = a[2].set ? a[2].u.num : (double)(nc / 2);
    if (get_filter(&a[3], &g, err)) return -1;
    g.cutoff = a[4].u.num; g.order = a[5].u.num; g.padding = a[6].u.num;
    double *th = malloc(sizeof(double) * na);
    tl_volume *v = th ? tl_vol_new_uninit(TL_F32, ns, nc, nc, err) : NULL;
    if (!v) { free(th); return th ? -1 : tl_err(err, "gridrec: out of memory"); }
    for (size_t i = 0; i < na; i++) th[i] = a[1].u.nums.v[i] * M_PI / 180.0;
    int rc = tl_gridrec(s->data, ns, na, nc, na * nc, nc, th, &g, v->data, err);
    free(th);
    if (rc) { tl_vol_unref(v); return -1; }
    tl_vol_set_voxel(v, s->voxel_um[2], s->voxel_um[2], s->voxel_um[2]);
    tl_vol_meta_set(v, "units", "1/pixel", err);
    return tl_rec_volume(out, "slices", v);
}

static const tl_arg gridrec_args[] = {
    {.name = "sinograms", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = TL_DT(TL_F32),
     .doc = "line integrals (slices, angles, cols), f32"},
    {.name = "angles", .type = TL_T_NUMBERS, .flags = TL_POSITIONAL | TL_REQUIRED, .unit = "°", .doc = "projection angles"},
    {.name = "center", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "pixels", .doc = "rotation centre, 0-based column; default cols/2"},
    {.name = "filter", .type = TL_T_CHOICE, .def_str = "shepp", .choices = TL_FILTER_NAMES, .doc = "reconstruction filter (TomoPy's names)"},
    {.name = "filter_cutoff", .type = TL_T_NUMBER, .def = 0.5, .min = 0.01, .max = 10, .doc = "TomoPy filter_par[0]"},
    {.name = "filter_order", .type = TL_T_NUMBER, .def = 8, .min = 0.5, .max = 100, .doc = "TomoPy filter_par[1]"},
    {.name = "padding", .type = TL_T_NUMBER, .def = 1.25, .min = 1, .max = 4, .doc = "Fourier grid >= padding x detector width (TomoPy-cli: 1.5)"},
    {0},
};
static const tl_ret gridrec_rets[] = {
    {.name = "slices", .type = TL_T_VOLUME, .unit = "1/pixel", .doc = "f32 (slices, cols, cols)"},
    {0},
};

/* ---- find_center ---- */

static int run_find_center(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_center_method method = !strcmp(a[1].u.str, "pc") ? TL_CENTER_PC : TL_CENTER_VO;
    double smin = a[3].u.num, smax = a[4].u.num, c = NAN;
    const float *sino = NULL;
    float *owned = NULL; /* the normalised row of a scan */
    size_t na, nc;
    const double *theta = NULL;
    if (a[0].type == TL_T_OBJECT) {
        tl_recon_source s;
        if (get_source(&a[0], NULL, NULL, NULL, &s, "find_center", err)) return -1;
        const tl_dxchange_info *in = tl_dxchange_get_info(s.dx);
        size_t row = a[2].set ? (size_t)a[2].u.i - 1 : in->n_rows / 2;
        sino = owned = tl_recon_sinogram_row(&s, row, 1e-6, &na, &nc, err);
        if (!sino) return tl_err_prefix(err, "find_center: ");
        theta = tl_dxchange_theta_deg(s.dx);
    } else {
        const tl_volume *v = a[0].u.vol;
        char b[64];
        if (v->dtype != TL_F32) return tl_err(err, "find_center: a sinogram must be f32 line integrals, got %s", tl_dtype_name(v->dtype));
        na = v->ny; nc = v->nx;
        size_t row = a[2].set ? (size_t)a[2].u.i - 1 : v->nz / 2;
        if (row >= v->nz)
            return tl_err(err, "find_center: row %zu is outside the sinograms %s (1..%zu)", row + 1,
                          tl_vol_shape_str(v, b, sizeof b), v->nz);
        sino = (const float *)v->data + row * na * nc; /* read in place */
        if (a[5].set) {
            if (a[5].u.nums.n != na)
                return tl_err(err, "find_center: %zu angles given for sinograms %s", a[5].u.nums.n, tl_vol_shape_str(v, b, sizeof b));
            theta = a[5].u.nums.v;
        }
    }
    int rc = tl_find_center_sino(sino, na, nc, theta, method, smin, smax, &c, err);
    free(owned);
    return rc ? -1 : tl_rec_number(out, "center", c);
}

static const tl_arg find_center_args[] = {
    {.name = "scan", .type = TL_T_ANY, .flags = TL_POSITIONAL | TL_REQUIRED,
     .doc = "a dxchange scan (normalised internally) or f32 sinograms (slices, angles, cols) of line integrals"},
    {.name = "method", .type = TL_T_CHOICE, .def_str = "vo", .choices = "vo pc",
     .doc = "vo: Vo's Fourier double-wedge; pc: phase correlation of the 0° and 180° projections"},
    {.name = "row", .type = TL_T_INT, .flags = TL_OPTIONAL, .min = 1, .max = 1e9, .doc = "detector row / sinogram to use (1-based); default the middle"},
    {.name = "smin", .type = TL_T_NUMBER, .def = -50, .min = -1e5, .max = 1e5, .unit = "pixels", .doc = "vo: search from the detector middle + smin (TomoPy's default)"},
    {.name = "smax", .type = TL_T_NUMBER, .def = 50, .min = -1e5, .max = 1e5, .unit = "pixels", .doc = "vo: search up to the detector middle + smax"},
    {.name = "angles", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "°", .doc = "pc with sinograms: angles, to find the pair 180° apart (default: first and last)"},
    {0},
};
static const tl_ret find_center_rets[] = {
    {.name = "center", .type = TL_T_NUMBER, .unit = "pixels", .doc = "rotation centre, 0-based detector column"},
    {0},
};

/* ---- remove_stripes, ring_metric ---- */

static int run_remove_stripes(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_stripe_opts o;
    if (stripe_opts(a, 1, 2, 3, 4, 5, 6, &o, err)) return -1;
    tl_volume *v = tl_vol_copy(a[0].u.vol, err);
    if (!v) return -1;
    size_t na = v->ny, nc = v->nx;
    for (size_t z = 0; z < v->nz; z++)
        if (tl_remove_stripes((float *)v->data + z * na * nc, na, nc, &o, err)) { tl_vol_unref(v); return -1; }
    return tl_rec_volume(out, "sinograms", v);
}

static const tl_arg stripes_args[] = {
    {.name = "sinograms", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_FINITE, .dtypes = TL_DT(TL_F32),
     .doc = "f32 sinograms (slices, angles, cols) of line integrals"},
    {.name = "method", .type = TL_T_CHOICE, .def_str = "sort", .choices = TL_STRIPE_NAMES,
     .doc = "sort (Vo), large (Vo, wide stripes), dead (Vo, dead pixels), fw (Münch Fourier-wavelet)"},
    {.name = "size", .type = TL_T_INT, .flags = TL_OPTIONAL, .unit = "pixels", .min = 3, .max = 1001,
     .doc = "median window across the detector (odd); default 21 for sort, 51 for large/dead"},
    {.name = "snr", .type = TL_T_NUMBER, .def = 3, .min = 1, .max = 100, .doc = "detection threshold of large/dead stripes"},
    {.name = "level", .type = TL_T_INT, .def = 0, .min = 0, .max = 12, .doc = "fw: wavelet levels, 0 = as deep as the size allows"},
    {.name = "wavelet", .type = TL_T_INT, .def = 5, .min = 1, .max = 10, .doc = "fw: Daubechies order N of dbN"},
    {.name = "sigma", .type = TL_T_NUMBER, .def = 2, .min = 0.01, .max = 1000, .doc = "fw: damping width along the angles"},
    {0},
};
static const tl_ret stripes_rets[] = {
    {.name = "sinograms", .type = TL_T_VOLUME, .doc = "corrected copy"},
    {0},
};

static int run_ring_metric(const tl_value *a, tl_record *out, tl_error *err)
{
    (void)err;
    const tl_volume *v = a[0].u.vol;
    double s = 0;
    for (size_t z = 0; z < v->nz; z++) s += tl_stripe_metric((const float *)v->data + z * v->ny * v->nx, v->ny, v->nx);
    return tl_rec_number(out, "metric", s / (double)v->nz);
}
static const tl_arg ring_args[] = {
    {.name = "sinograms", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_FINITE, .dtypes = TL_DT(TL_F32),
     .doc = "f32 sinograms (slices, angles, cols)"},
    {0},
};
static const tl_ret ring_rets[] = {
    {.name = "metric", .type = TL_T_NUMBER,
     .doc = "mean |column mean - its 11-px running median| / mean |value|: 0 without stripes"},
    {0},
};

/* ---- sinograms ---- */

static int run_sinograms(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_recon_source s;
    if (get_source(&a[0], &a[1], &a[2], &a[3], &s, "sinograms", err)) return -1;
    size_t r0 = 0, r1 = 0;
    if (a[4].set) { r0 = (size_t)a[4].u.range.lo; r1 = (size_t)a[4].u.range.hi; }
    tl_volume *v = tl_recon_sinograms(&s, r0, r1, a[5].u.num, err);
    return v ? tl_rec_volume(out, "sinograms", v) : -1;
}
static const tl_arg sinograms_args[] = {
    {.name = "scan", .type = TL_T_ANY, .flags = TL_POSITIONAL | TL_REQUIRED,
     .doc = "a dxchange scan, or projections (angles, rows, cols) of raw counts (any dtype)"},
    {.name = "flats", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .doc = "flat fields (k, rows, cols), with a projections volume"},
    {.name = "darks", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .doc = "dark fields (k, rows, cols), with a projections volume (absent: 0)"},
    {.name = "angles", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "°", .doc = "projection angles, with a projections volume"},
    {.name = "rows", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "detector rows", .doc = "rows {a, b} (1-based, inclusive); all if absent"},
    {.name = "floor", .type = TL_T_NUMBER, .def = 1e-6, .flags = TL_MIN_EXCL, .min = 0, .max = 1, .doc = "lower clip of the normalised transmission before -log"},
    {0},
};
static const tl_ret sinograms_rets[] = {
    {.name = "sinograms", .type = TL_T_VOLUME, .doc = "f32 line integrals (rows, angles, cols): -log((p - dark) / (flat - dark))"},
    {0},
};

/* ---- retrieve_phase ---- */

static int run_retrieve_phase(const tl_value *a, tl_record *out, tl_error *err)
{
    if (a[4].set == a[5].set)
        return tl_err(err, "retrieve_phase: give exactly one of alpha (β/δ) and delta_beta (δ/β)");
    tl_paganin_opts o = {.energy_kev = a[1].u.num, .distance_mm = a[2].u.num, .pixel_um = a[3].u.num,
                         .alpha = a[4].set ? a[4].u.num : 1.0 / a[5].u.num};
    tl_volume *v = tl_vol_copy(a[0].u.vol, err);
    if (!v) return -1;
    if (tl_paganin(v->data, v->nz, v->ny, v->nx, &o, err)) { tl_vol_unref(v); return -1; }
    return tl_rec_volume(out, "projections", v);
}
static const tl_arg phase_args[] = {
    {.name = "projections", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_FINITE, .dtypes = TL_DT(TL_F32),
     .doc = "normalised transmission images (n, rows, cols), f32, before -log"},
    {.name = "energy_keV", .type = TL_T_NUMBER, .flags = TL_REQUIRED | TL_MIN_EXCL, .unit = "keV", .min = 0, .max = 1000, .doc = "X-ray energy"},
    {.name = "distance_mm", .type = TL_T_NUMBER, .flags = TL_REQUIRED | TL_MIN_EXCL, .unit = "mm", .min = 0, .max = 1e5, .doc = "sample-detector distance"},
    {.name = "pixel_um", .type = TL_T_NUMBER, .flags = TL_REQUIRED | TL_MIN_EXCL, .unit = "µm", .min = 0, .max = 1e5, .doc = "detector pixel size"},
    {.name = "alpha", .type = TL_T_NUMBER, .flags = TL_OPTIONAL | TL_MIN_EXCL, .min = 0, .max = 1e6, .doc = "β/δ (TomoPy's alpha)"},
    {.name = "delta_beta", .type = TL_T_NUMBER, .flags = TL_OPTIONAL | TL_MIN_EXCL, .min = 0, .max = 1e9, .doc = "δ/β (give this or alpha)"},
    {0},
};
static const tl_ret phase_rets[] = {
    {.name = "projections", .type = TL_T_VOLUME, .doc = "filtered transmission: -log of it is μ·thickness"},
    {0},
};

/* ---- recon_phantom ---- */

static int run_phantom(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_ellipse *e;
    size_t ne;
    if (tl_phantom_get(a[3].u.str, &e, &ne)) return tl_err(err, "recon_phantom: unknown phantom '%s'", a[3].u.str);
    size_t nc = (size_t)a[0].u.i, na = (size_t)a[1].u.i, ns = (size_t)a[2].u.i;
    double ctr = a[4].set ? a[4].u.num : (double)(nc / 2), R = a[5].u.num * (double)nc / 2;
    if (ctr < 0 || ctr > (double)(nc - 1)) return tl_err(err, "recon_phantom: centre %g is outside 0..%zu", ctr, nc - 1);
    double arc = a[6].u.num;
    tl_volume *s = tl_vol_new(TL_F32, ns, na, nc, err);
    tl_volume *img = s ? tl_vol_new(TL_F32, 1, nc, nc, err) : NULL;
    double *ang = malloc(sizeof(double) * na);
    if (!s || !img || !ang) { tl_vol_unref(s); tl_vol_unref(img); free(ang); return ang ? -1 : tl_err(err, "recon_phantom: out of memory"); }
    for (size_t i = 0; i < na; i++) ang[i] = arc * (double)i / (double)na;
    float *sd = s->data;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < na; i++) {
        double th = ang[i] * M_PI / 180.0;
        for (size_t c = 0; c < nc; c++) sd[i * nc + c] = (float)tl_phantom_radon(e, ne, R, th, (double)c - ctr);
    }
    for (size_t z = 1; z < ns; z++) memcpy(sd + z * na * nc, sd, sizeof(float) * na * nc);
    float *id = img->data;
    for (size_t y = 0; y < nc; y++)
        for (size_t x = 0; x < nc; x++)
            id[y * nc + x] = (float)tl_phantom_value(e, ne, R, (double)x - (double)(nc / 2), (double)y - (double)(nc / 2));
    int rc = tl_rec_volume(out, "sinograms", s) || tl_rec_volume(out, "image", img) ||
             tl_rec_numbers(out, "angles", ang, na) || tl_rec_number(out, "radius", R);
    free(ang);
    return rc ? -1 : 0;
}
static const tl_arg phantom_args[] = {
    {.name = "n_cols", .type = TL_T_INT, .flags = TL_POSITIONAL | TL_REQUIRED, .min = 8, .max = 65536, .unit = "pixels", .doc = "detector width"},
    {.name = "n_angles", .type = TL_T_INT, .def = 180, .min = 2, .max = 100000, .doc = "number of projections"},
    {.name = "n_slices", .type = TL_T_INT, .def = 1, .min = 1, .max = 100000, .doc = "identical sinograms stacked along z"},
    {.name = "phantom", .type = TL_T_CHOICE, .def_str = "shepp", .choices = "shepp disk ellipses", .doc = "modified Shepp-Logan, a uniform disk (density 1), or three ellipses"},
    {.name = "center", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "pixels", .doc = "rotation centre (0-based column), default n_cols/2"},
    {.name = "radius", .type = TL_T_NUMBER, .def = 0.9, .flags = TL_MIN_EXCL, .min = 0, .max = 1, .doc = "phantom radius as a fraction of half the detector"},
    {.name = "arc", .type = TL_T_NUMBER, .def = 180, .min = 1, .max = 360, .unit = "°", .doc = "angular range, evenly sampled (end excluded)"},
    {0},
};
static const tl_ret phantom_rets[] = {
    {.name = "sinograms", .type = TL_T_VOLUME, .unit = "1/pixel · pixel", .doc = "exact line integrals (slices, angles, cols), f32"},
    {.name = "image", .type = TL_T_VOLUME, .unit = "1/pixel", .doc = "the phantom at pixel centres (1, cols, cols), axis at pixel cols/2"},
    {.name = "angles", .type = TL_T_NUMBERS, .unit = "°", .doc = "projection angles"},
    {.name = "radius", .type = TL_T_NUMBER, .unit = "pixels", .doc = "phantom radius"},
    {0},
};

const tl_op tl_ops_recon[] = {
    {.name = "reconstruct", .group = "recon", .summary = "Raw projections to z-slices in 1/cm with Gridrec, streamed block by block",
     .doc = "Normalises (p - dark)/(flat - dark) with averaged flats and darks, clips at `floor`, takes -log "
            "(Paganin phase retrieval first, on the transmission, when energy_keV is given), removes stripes per "
            "sinogram, finds the centre if not given, and reconstructs with Gridrec (FFTW, prolate spheroidal "
            "kernel, TomoPy's filters). Values are linear attenuation in 1/cm (line integrals divided by the pixel "
            "size). Rows are read and slices written `block` rows at a time: with `output` the slices stream to "
            "an HDF5 file (dataset /volume, units attribute 1/cm, provenance) and peak memory is set by `block`, "
            "not by the scan. Centre convention: 0-based detector column, as TomoPy. See docs/reconstruction.md.",
     .args = reconstruct_args, .rets = reconstruct_rets,
     .example = "local r = tl.reconstruct(tl.dxchange(\"tooth.h5\"), {center = 295.75, pixel_um = 1.0}); print(r.volume)",
     .run = run_reconstruct},
    {.name = "gridrec", .group = "recon", .summary = "Gridrec on sinograms of line integrals (no normalisation)",
     .doc = "The reconstruction kernel of tl.reconstruct, on f32 sinograms (slices, angles, cols) already "
            "normalised and -log'ed. Output in 1/pixel (divide by the pixel size for physical units). "
            "The tables, FFTW plans and per-thread grids are kept for the next call with the same geometry "
            "(about 0.2 GB at 2048 columns, 1500 angles, 2 threads); tl.reconstruct frees them when it ends.",
     .args = gridrec_args, .rets = gridrec_rets,
     .example = "local p = tl.recon_phantom(256, {n_angles = 360}); local s = tl.gridrec(p.sinograms, p.angles)",
     .run = run_gridrec},
    {.name = "find_center", .group = "recon", .summary = "Rotation centre by Vo's Fourier double-wedge or 0°/180° phase correlation",
     .doc = "Returns the centre as a 0-based detector column (TomoPy's convention). vo searches the detector "
            "middle + [smin, smax] in 1-pixel steps, then refines in 1/8-pixel steps. pc correlates the first "
            "projection with the mirrored projection nearest 180° later.",
     .args = find_center_args, .rets = find_center_rets,
     .example = "print(tl.find_center(tl.dxchange(\"tooth.h5\")))", .run = run_find_center},
    {.name = "remove_stripes", .group = "recon", .summary = "Remove stripes (ring artefacts) from sinograms",
     .doc = "Vo's sorting-based method and its large-stripe and dead-stripe variants (Opt. Express 26, 2018), "
            "and Münch's Fourier-wavelet method (Opt. Express 17, 2009) with Daubechies wavelets.",
     .args = stripes_args, .rets = stripes_rets,
     .example = "s2 = tl.remove_stripes(s, {method = \"fw\", sigma = 2})", .run = run_remove_stripes},
    {.name = "sinograms", .group = "recon", .summary = "Flat/dark-normalised -log sinograms of detector rows",
     .doc = "The first step of tl.reconstruct on its own (TomoPy's normalize + minus_log, as sinograms): "
            "averaged flats and darks, (p - dark)/(flat - dark) clipped at `floor`, -log. Rows are read by "
            "hyperslab from a dxchange scan.",
     .args = sinograms_args, .rets = sinograms_rets,
     .example = "s = tl.sinograms(tl.dxchange(\"tooth.h5\"), {rows = {1, 1}}); print(tl.ring_metric(s))",
     .run = run_sinograms},
    {.name = "ring_metric", .group = "recon", .summary = "How stripy sinograms are (0 = no stripes)",
     .args = ring_args, .rets = ring_rets, .example = "print(tl.ring_metric(s))", .run = run_ring_metric},
    {.name = "retrieve_phase", .group = "recon", .summary = "Paganin single-distance phase retrieval",
     .doc = "Filters each image by 1 / (1 + π λ z |f|² / α), α = β/δ, on edge-padded images; -log of the "
            "result is μ·thickness (TomoPy's output is this times 1/α).",
     .args = phase_args, .rets = phase_rets,
     .example = "p2 = tl.retrieve_phase(p, {energy_keV = 76.2, distance_mm = 300, pixel_um = 1.7, delta_beta = 1000})",
     .run = run_retrieve_phase},
    {.name = "recon_phantom", .group = "recon", .summary = "Analytic phantom with exact line integrals, for testing reconstruction",
     .args = phantom_args, .rets = phantom_rets,
     .example = "local p = tl.recon_phantom(128, {phantom = \"disk\"})", .run = run_phantom},
    {0},
};
