/* reconstruct.c — from raw projections to z-slices, block by block.
 *
 * Per block of detector rows: read projections, flats and darks (only
 * those rows), average flats and darks, normalise and take -log (Paganin
 * first, on the transmission, if asked), remove stripes per sinogram,
 * Gridrec, scale to 1/cm, then copy into the output volume or append to
 * the HDF5 file. Peak memory is a few blocks (input, output, one Gridrec
 * grid per thread), never the scan: see docs/reconstruction.md. */
#include "reconstruct.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../io/h5_writer.h"
#include "../util/bigbuf.h" /* blocks are the same size every time: tl_big_alloc reuses their buffers */
#include "../vol/vol_convert.h"

void tl_recon_defaults(tl_recon_opts *o)
{
    memset(o, 0, sizeof *o);
    tl_gridrec_defaults(&o->grid);
    tl_stripe_defaults(&o->stripes);
    o->center_method = TL_CENTER_VO;
    o->floor_value = 1e-6;
    o->block = 8;
}

typedef struct src_info {
    size_t n_angles, n_rows, n_cols, n_flat, n_dark;
    double pixel_um;
    const double *theta_deg;
} src_info;

static int source_info_opt(const tl_recon_source *s, src_info *in, int need_theta, tl_error *err);
static int source_info(const tl_recon_source *s, src_info *in, tl_error *err) { return source_info_opt(s, in, 1, err); }

static int source_info_opt(const tl_recon_source *s, src_info *in, int need_theta, tl_error *err)
{
    memset(in, 0, sizeof *in);
    char a[64], b[64];
    if (s->dx) {
        const tl_dxchange_info *d = tl_dxchange_get_info(s->dx);
        in->n_angles = d->n_angles; in->n_rows = d->n_rows; in->n_cols = d->n_cols;
        in->n_flat = d->n_flat; in->n_dark = d->n_dark; in->pixel_um = d->pixel_um;
        in->theta_deg = tl_dxchange_theta_deg(s->dx);
        if (in->n_flat == 0)
            return tl_err(err, "reconstruct: '%s' has no flat fields (/exchange/data_white)", d->path);
        return 0;
    }
    if (!s->proj) return tl_err(err, "reconstruct: no projections given");
    in->n_angles = s->proj->nz; in->n_rows = s->proj->ny; in->n_cols = s->proj->nx;
    in->pixel_um = s->proj->voxel_um[2];
    if (!s->flat) return tl_err(err, "reconstruct: flat fields are required with projections in memory");
    if (s->flat->ny != in->n_rows || s->flat->nx != in->n_cols)
        return tl_err(err, "reconstruct: flats %s do not match projections %s (rows and columns)",
                      tl_vol_shape_str(s->flat, a, sizeof a), tl_vol_shape_str(s->proj, b, sizeof b));
    if (s->dark && (s->dark->ny != in->n_rows || s->dark->nx != in->n_cols))
        return tl_err(err, "reconstruct: darks %s do not match projections %s (rows and columns)",
                      tl_vol_shape_str(s->dark, a, sizeof a), tl_vol_shape_str(s->proj, b, sizeof b));
    in->n_flat = s->flat->nz; in->n_dark = s->dark ? s->dark->nz : 0;
    if (!s->theta_deg) {
        if (!need_theta) return 0;
        return tl_err(err, "reconstruct: angles are required with projections in memory");
    }
    if (s->n_theta != in->n_angles)
        return tl_err(err, "reconstruct: %zu angles given for %zu projections %s", s->n_theta, in->n_angles,
                      tl_vol_shape_str(s->proj, a, sizeof a));
    in->theta_deg = s->theta_deg;
    return 0;
}

/* Rows [r0, r1) of a (k, rows, cols) volume as f32 (k, r1 - r0, cols). */
static float *mem_rows(const tl_volume *v, size_t r0, size_t r1, tl_error *err)
{
    size_t nb = r1 - r0, n = v->nx;
    float *o = tl_big_alloc(sizeof(float) * v->nz * nb * n, 0);
    if (!o) { tl_err(err, "reconstruct: out of memory reading rows %zu..%zu", r0 + 1, r1); return NULL; }
    for (size_t k = 0; k < v->nz; k++)
        for (size_t r = 0; r < nb; r++)
            tl_load_f32(v->data, v->dtype, (k * v->ny + r0 + r) * n, n, o + (k * nb + r) * n);
    return o;
}

static float *read_rows(const tl_recon_source *s, const src_info *in, tl_dx_which w, size_t r0, size_t r1,
                        tl_error *err)
{
    if (!s->dx) {
        const tl_volume *v = w == TL_DX_DATA ? s->proj : w == TL_DX_WHITE ? s->flat : s->dark;
        return mem_rows(v, r0, r1, err);
    }
    size_t k = w == TL_DX_DATA ? in->n_angles : w == TL_DX_WHITE ? in->n_flat : in->n_dark;
    /* straight into the block buffer (a plain array, reused between blocks) */
    float *o = tl_big_alloc(sizeof(float) * (k ? k : 1) * (r1 - r0) * in->n_cols, 0);
    if (!o) { tl_err(err, "reconstruct: out of memory reading rows %zu..%zu", r0 + 1, r1); return NULL; }
    if (tl_dxchange_read_rows_into(s->dx, w, r0, r1, o, err)) { tl_big_free(o); return NULL; }
    return o;
}

/* Normalised block (n_angles, r1 - r0, cols): transmission if take_log is 0. */
static float *normalized_rows(const tl_recon_source *s, const src_info *in, size_t r0, size_t r1,
                              double floor_value, int take_log, tl_error *err)
{
    size_t nb = r1 - r0, npix = nb * in->n_cols;
    float *p = NULL, *fr = NULL, *dr = NULL, *fa = NULL, *da = NULL;
    int rc = -1;
    p = read_rows(s, in, TL_DX_DATA, r0, r1, err);
    if (!p) goto done;
    fr = read_rows(s, in, TL_DX_WHITE, r0, r1, err);
    if (!fr) goto done;
    fa = tl_big_alloc(sizeof(float) * npix, 0);
    if (!fa) { tl_err(err, "reconstruct: out of memory"); goto done; }
    if (tl_average_frames(fr, in->n_flat, npix, fa, err)) goto done;
    if (in->n_dark) {
        dr = read_rows(s, in, TL_DX_DARK, r0, r1, err);
        da = tl_big_alloc(sizeof(float) * npix, 0);
        if (!dr || !da) { if (dr) tl_err(err, "reconstruct: out of memory"); goto done; }
        if (tl_average_frames(dr, in->n_dark, npix, da, err)) goto done;
    }
    if (tl_normalize_block(p, in->n_angles, nb, in->n_cols, fa, da, floor_value, take_log, r0, err)) {
        tl_err_prefix(err, "reconstruct: ");
        goto done;
    }
    rc = 0;
done:
    tl_big_free(fr); tl_big_free(dr); tl_big_free(fa); tl_big_free(da);
    if (rc) { tl_big_free(p); p = NULL; }
    return p;
}

float *tl_recon_sinogram_row(const tl_recon_source *src, size_t row, double floor_value, size_t *n_angles,
                             size_t *n_cols, tl_error *err)
{
    src_info in;
    if (source_info(src, &in, err)) return NULL;
    if (row >= in.n_rows) {
        tl_err(err, "row %zu is outside the detector (1..%zu)", row + 1, in.n_rows);
        return NULL;
    }
    *n_angles = in.n_angles; *n_cols = in.n_cols;
    float *p = normalized_rows(src, &in, row, row + 1, floor_value, 1, err);
    if (!p) return NULL;
    /* the caller frees with free(), as the header promises */
    float *o = malloc(sizeof(float) * in.n_angles * in.n_cols);
    if (o) memcpy(o, p, sizeof(float) * in.n_angles * in.n_cols);
    else tl_err(err, "out of memory for a sinogram");
    tl_big_free(p);
    return o;
}

tl_volume *tl_recon_sinograms(const tl_recon_source *src, size_t r0, size_t r1, double floor_value, tl_error *err)
{
    src_info in;
    if (source_info_opt(src, &in, 0, err)) return NULL;
    if (r1 == 0) r1 = in.n_rows;
    if (r0 >= r1 || r1 > in.n_rows) {
        tl_err(err, "sinograms: rows {%zu, %zu} are outside the detector's 1..%zu rows", r0 + 1, r1, in.n_rows);
        return NULL;
    }
    size_t nb = r1 - r0, na = in.n_angles, n = in.n_cols;
    float *p = normalized_rows(src, &in, r0, r1, floor_value, 1, err);
    if (!p) return NULL;
    tl_volume *v = tl_vol_new(TL_F32, nb, na, n, err);
    if (v) {
        float *d = v->data;
        for (size_t r = 0; r < nb; r++)
            for (size_t a = 0; a < na; a++) memcpy(d + (r * na + a) * n, p + (a * nb + r) * n, sizeof(float) * n);
    }
    tl_big_free(p);
    return v;
}

/* -log in place, with the floor (after Paganin on the transmission). */
static void minus_log(float *p, size_t n, double floor_value)
{
    float fl = (float)floor_value;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) p[i] = -logf(p[i] > fl ? p[i] : fl);
}

/* Rows of margin Paganin needs on each side: 8 characteristic lengths
 * sqrt(λ z / (4π α)) of its low-pass filter, in pixels. */
static size_t paganin_margin(const tl_paganin_opts *p)
{
    double lambda_m = 12.398419843320026e-10 / p->energy_kev; /* hc / E */
    double z = p->distance_mm * 1e-3, px = p->pixel_um * 1e-6;
    double len = sqrt(lambda_m * z / (4 * M_PI * p->alpha)) / px;
    double m = ceil(8 * len);
    return m > 512 ? 512 : (size_t)m;
}

static int find_center_auto(const tl_recon_source *s, const src_info *in, const tl_recon_opts *o, size_t row,
                            double *center, tl_error *err)
{
    float *sino = normalized_rows(s, in, row, row + 1, o->floor_value, 1, err);
    if (!sino) return -1;
    int rc = o->stripes.method != TL_STRIPE_NONE ? tl_remove_stripes(sino, in->n_angles, in->n_cols, &o->stripes, err) : 0;
    if (rc == 0)
        rc = tl_find_center_sino(sino, in->n_angles, in->n_cols, in->theta_deg, o->center_method, -50, 50, center, err);
    tl_big_free(sino);
    return rc;
}

/* Stripe removal on every sinogram of a block (row r of (na, nm, N)), rows
 * in parallel; each row is independent, so the result does not depend on
 * the thread count, and the error reported is that of the first bad row. */
static int stripes_block(float *pb, size_t na, size_t nb, size_t nm, size_t N, const tl_stripe_opts *so,
                         tl_error *err)
{
    if (tl_stripe_prepare(na, N, so, err)) return -1; /* FFTW plans before the parallel region */
    int *rcs = calloc(nb, sizeof *rcs);
    tl_error *errs = calloc(nb, sizeof *errs);
    if (!rcs || !errs) { free(rcs); free(errs); return tl_err(err, "reconstruct: out of memory"); }
    #pragma omp parallel for schedule(dynamic, 1)
    for (size_t r = 0; r < nb; r++) {
        float *sino = tl_big_alloc(sizeof(float) * na * N, 0);
        if (!sino) { rcs[r] = tl_err(&errs[r], "reconstruct: out of memory for a sinogram"); continue; }
        for (size_t a = 0; a < na; a++) memcpy(sino + a * N, pb + (a * nm + r) * N, sizeof(float) * N);
        rcs[r] = tl_remove_stripes(sino, na, N, so, &errs[r]);
        for (size_t a = 0; a < na; a++) memcpy(pb + (a * nm + r) * N, sino + a * N, sizeof(float) * N);
        tl_big_free(sino);
    }
    int rc = 0;
    for (size_t r = 0; r < nb && rc == 0; r++)
        if (rcs[r]) { rc = -1; *err = errs[r]; }
    free(rcs); free(errs);
    return rc;
}

int tl_reconstruct(const tl_recon_source *s, const tl_recon_opts *o, tl_volume **vol, double *center,
                   tl_error *err)
{
    src_info in;
    *vol = NULL;
    if (source_info(s, &in, err)) return -1;
    size_t r0 = o->r0, r1 = o->r1 ? o->r1 : in.n_rows;
    if (r0 >= r1 || r1 > in.n_rows)
        return tl_err(err, "reconstruct: rows {%zu, %zu} are outside the detector's 1..%zu rows", r0 + 1, r1,
                      in.n_rows);
    if (o->block < 1) return tl_err(err, "reconstruct: block must be >= 1 row");
    double pixel_um = o->pixel_um > 0 ? o->pixel_um : in.pixel_um;
    if (!(pixel_um > 0))
        return tl_err(err, "reconstruct: the pixel size is unknown (the file does not say): give pixel_um");
    size_t N = in.n_cols, na = in.n_angles;
    double *theta = malloc(sizeof(double) * na);
    if (!theta) return tl_err(err, "reconstruct: out of memory");
    for (size_t a = 0; a < na; a++) {
        if (!isfinite(in.theta_deg[a])) { free(theta); return tl_err(err, "reconstruct: angle %zu is not finite", a + 1); }
        theta[a] = in.theta_deg[a] * M_PI / 180.0;
    }
    tl_gridrec_opts g = o->grid;
    if (isnan(g.center)) {
        if (find_center_auto(s, &in, o, (r0 + r1) / 2, &g.center, err)) { free(theta); return -1; }
    } else if (g.center < 0 || g.center > (double)(N - 1)) {
        free(theta);
        return tl_err(err, "reconstruct: centre %g is outside the detector (columns 0..%zu)", g.center, N - 1);
    }
    *center = g.center;
    tl_paganin_opts pg = o->paganin;
    pg.pixel_um = pixel_um;
    size_t margin = o->phase ? paganin_margin(&pg) : 0;

    size_t nz = r1 - r0;
    tl_volume *out = NULL;
    tl_h5_writer *w = NULL;
    double vox[3] = {pixel_um, pixel_um, pixel_um};
    if (o->output) {
        w = tl_h5_writer_open(o->output, "/volume", TL_F32, nz, N, N, vox, err);
        if (!w || tl_h5_writer_attr(w, "units", "1/cm", err)) { if (w) tl_h5_writer_abort(w); free(theta); return -1; }
    } else {
        out = tl_vol_new_uninit(TL_F32, nz, N, N, err);
        if (!out) { free(theta); return -1; }
        tl_vol_set_voxel(out, pixel_um, pixel_um, pixel_um);
        tl_vol_meta_set(out, "units", "1/cm", err);
    }
    /* Gridrec pairs slices (2k, 2k+1) counted from the first row: an even
     * block keeps the pairs, so the result does not depend on the block */
    size_t bmax = o->block + (o->block & 1);
    if (bmax > nz) bmax = nz;
    /* a block buffer only when streaming; in memory, Gridrec writes in place */
    tl_volume *blk = w ? tl_vol_new_uninit(TL_F32, bmax, N, N, err) : NULL;
    int rc = (w && !blk) ? -1 : 0;
    g.out_scale = 1.0 / (pixel_um * 1e-4); /* 1/pixel -> 1/cm, folded into Gridrec's last step */
    for (size_t b0 = r0; rc == 0 && b0 < r1; b0 += bmax) {
        size_t b1 = b0 + bmax < r1 ? b0 + bmax : r1, nb = b1 - b0;
        size_t m0 = b0 >= margin ? b0 - margin : 0, m1 = b1 + margin < in.n_rows ? b1 + margin : in.n_rows;
        size_t nm = m1 - m0;
        float *p = normalized_rows(s, &in, m0, m1, o->floor_value, !o->phase, err);
        if (!p) { rc = -1; break; }
        if (o->phase) {
            if (tl_paganin(p, na, nm, N, &pg, err)) { tl_big_free(p); rc = -1; break; }
            minus_log(p, na * nm * N, o->floor_value);
        }
        float *pb = p + (b0 - m0) * N; /* first row of the block inside the margins */
        if (o->stripes.method != TL_STRIPE_NONE) rc = stripes_block(pb, na, nb, nm, N, &o->stripes, err);
        float *bd = w ? (float *)blk->data : (float *)out->data + (b0 - r0) * N * N;
        if (rc == 0) rc = tl_gridrec(pb, nb, na, N, N, nm * N, theta, &g, bd, err);
        tl_big_free(p);
        if (rc) break;
        if (w) {
            tl_volume view = *blk; /* the first nb slices of the block buffer */
            view.nz = nb;
            rc = tl_h5_writer_put(w, b0 - r0, &view, err);
        }
        tl_progress("reconstruct", b1 - r0, nz);
        if (rc == 0) rc = tl_check_interrupt(err);
    }
    free(theta);
    tl_vol_unref(blk);
    tl_gridrec_release(); /* the grids and geometry are only worth keeping between blocks */
    if (rc) {
        if (w) tl_h5_writer_abort(w);
        tl_vol_unref(out);
        return -1;
    }
    if (w) return tl_h5_writer_close(w, err);
    *vol = out;
    return 0;
}
