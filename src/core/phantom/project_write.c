/* project_write.c — counts from line integrals, and the Data Exchange file.
 *
 * Detector model per pixel (u, row): fixed gain g (std gain_spread), seen
 * identically in flats and projections; projections also carry a drift
 * (1 + gain_error * N(0,1)) that flat-field division cannot remove, which
 * is what makes ring artefacts. Counts are Poisson(g * photons * exp(-p))
 * plus Poisson(dark_counts), clamped to u16; a zinger adds zinger_counts
 * to a pixel with probability `zingers`. Every draw is keyed by (seed,
 * frame kind, frame, row, column), so any thread count and any block size
 * give the same file. */
#include "project_write.h"
#include "project.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../io/h5_writer.h"

void tl_scan_defaults(tl_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->n_angles = 360;
    o->nsub = 4;
    o->photons = 20000;
    o->dark_counts = 100;
    o->n_flat = 10;
    o->n_dark = 10;
    o->gain_spread = 0.02;
    o->gain_error = 0;
    o->zingers = 0;
    o->zinger_counts = 20000;
    o->noise = 1;
    o->block = 16;
    o->seed = 1;
}

void tl_scan_free(tl_scan *s)
{
    tl_vol_unref(s->data); tl_vol_unref(s->white); tl_vol_unref(s->dark);
    free(s->theta_deg);
    memset(s, 0, sizeof *s);
}

static uint16_t clamp16(double c) { return (uint16_t)(c < 0 ? 0 : c > 65535 ? 65535 : c); }

/* One frame's counts: kind is TL_RNG_DATA/WHITE/DARK; lines NULL for flats/darks. */
static void frame_counts(const tl_scan_opts *o, const float *gain, const float *drift, int kind, size_t frame,
                         size_t nrow, size_t ncols, const float *lines, uint16_t *out)
{
    size_t npx = nrow * ncols;
    for (size_t p = 0; p < npx; p++) {
        double mean = 0;
        if (kind != TL_RNG_DARK) {
            mean = o->photons * gain[p];
            if (kind == TL_RNG_DATA) mean *= drift[p] * exp(-(double)lines[p]);
        }
        uint64_t key = (uint64_t)frame * npx + p;
        double c;
        if (o->noise) {
            tl_rng r = tl_rng_at(o->seed, (uint64_t)kind, key);
            /* Poisson(signal) + Poisson(dark) is Poisson(signal + dark): one draw */
            c = (double)tl_rng_poisson(&r, mean + o->dark_counts);
        } else {
            c = floor(mean + o->dark_counts + 0.5);
        }
        if (kind == TL_RNG_DATA && o->zingers > 0 && tl_rng_u01(tl_rng_hash(o->seed, TL_RNG_ZINGER, key)) < o->zingers)
            c += o->zinger_counts;
        out[p] = clamp16(c);
    }
}

static tl_volume *frames(const tl_scan_opts *o, const float *gain, const float *drift, int kind, size_t n,
                         size_t nrow, size_t ncols, double v, tl_error *err)
{
    tl_volume *f = tl_vol_new(TL_U16, n, nrow, ncols, err);
    if (!f) return NULL;
    tl_vol_set_voxel(f, v, v, v);
    #pragma omp parallel for schedule(static)
    for (size_t k = 0; k < n; k++)
        frame_counts(o, gain, drift, kind, k, nrow, ncols, NULL, (uint16_t *)f->data + k * nrow * ncols);
    return f;
}

int tl_scan_simulate(const tl_volume *mu, const tl_scan_opts *o, const char *path, tl_scan *scan, tl_error *err)
{
    if (scan) memset(scan, 0, sizeof *scan);
    if (mu->dtype != TL_F32) return tl_err(err, "project: mu must be an f32 volume in 1/cm, got %s", tl_dtype_name(mu->dtype));
    if (tl_vol_check_finite(mu, "mu", err)) return -1;
    size_t nz = mu->nz, ncols = o->ncols ? o->ncols : mu->nx, na = o->n_angles, npx = nz * ncols;
    if (o->theta_deg && na == 0) return tl_err(err, "project: angles is empty");
    if (na == 0) return tl_err(err, "project: n_angles must be >= 1");
    if (o->nsub < 1) return tl_err(err, "project: subrays must be >= 1");
    if (!(o->photons > 0)) return tl_err(err, "project: photons must be > 0");
    double brightest = o->photons * (1 + 4 * o->gain_spread) * (1 + 4 * o->gain_error) + o->dark_counts;
    if (brightest > 65535)
        return tl_err(err, "project: photons %g (with gain_spread %g, gain_error %g and dark_counts %g) would saturate the u16 detector: keep photons x (1 + 4 spread) + dark below 65535",
                      o->photons, o->gain_spread, o->gain_error, o->dark_counts);
    double v = mu->voxel_um[2];
    double *theta = malloc(na * sizeof *theta);
    float *gain = malloc(npx * sizeof *gain), *drift = malloc(npx * sizeof *drift);
    size_t block = o->block ? o->block : 16;
    float *lines = malloc(block * npx * sizeof *lines);
    tl_volume *blk = tl_vol_new(TL_U16, block, nz, ncols, err);
    if (!theta || !gain || !drift || !lines || !blk) {
        free(theta); free(gain); free(drift); free(lines); tl_vol_unref(blk);
        return tl_err(err, "project: out of memory for %zu projections of %zu x %zu", block, nz, ncols);
    }
    for (size_t a = 0; a < na; a++) theta[a] = o->theta_deg ? o->theta_deg[a] : 180.0 * (double)a / (double)na;
    for (size_t p = 0; p < npx; p++) {
        tl_rng r = tl_rng_at(o->seed, TL_RNG_GAIN, p);
        gain[p] = (float)fmax(0.05, 1 + o->gain_spread * tl_rng_normal(&r));
        tl_rng q = tl_rng_at(o->seed, TL_RNG_GAIN_ERROR, p);
        drift[p] = (float)fmax(0.05, 1 + o->gain_error * tl_rng_normal(&q));
    }
    tl_h5_writer *w = NULL;
    tl_volume *data = NULL, *white = NULL, *dark = NULL;
    tl_projector *proj = tl_projector_new(mu, err);
    int rc = proj ? 0 : -1;
    if (!rc && path) {
        double vox[3] = {mu->voxel_um[0], mu->voxel_um[0], v};
        w = tl_h5_writer_open(path, "/exchange/data", TL_U16, na, nz, ncols, vox, err);
        if (!w) rc = -1;
        if (!rc) rc = tl_h5_writer_attr(w, "axes", "theta:y:x", err);
    } else if (!rc) {
        data = tl_vol_new(TL_U16, na, nz, ncols, err);
        if (!data) rc = -1;
        else tl_vol_set_voxel(data, v, mu->voxel_um[0], v);
    }
    for (size_t a0 = 0; a0 < na && !rc; a0 += block) {
        size_t a1 = a0 + block < na ? a0 + block : na;
        rc = tl_projector_lines(proj, theta, a0, a1, ncols, o->nsub, lines, err);
        if (rc) break;
        uint16_t *dst = path ? (uint16_t *)blk->data : (uint16_t *)data->data + a0 * npx;
        #pragma omp parallel for schedule(static)
        for (size_t a = a0; a < a1; a++)
            frame_counts(o, gain, drift, TL_RNG_DATA, a, nz, ncols, lines + (a - a0) * npx, dst + (a - a0) * npx);
        if (path) {
            blk->nz = a1 - a0; /* the last block may be short */
            rc = tl_h5_writer_put(w, a0, blk, err);
            blk->nz = block;
        }
        tl_progress("project", a1, na);
        if (!rc) rc = tl_check_interrupt(err);
    }
    if (!rc) {
        white = frames(o, gain, drift, TL_RNG_WHITE, o->n_flat ? o->n_flat : 1, nz, ncols, v, err);
        dark = frames(o, gain, drift, TL_RNG_DARK, o->n_dark ? o->n_dark : 1, nz, ncols, v, err);
        if (!white || !dark) rc = -1;
    }
    if (!rc && path) {
        tl_volume *th = tl_vol_new(TL_F64, 1, 1, na, err), *px = tl_vol_new(TL_F64, 1, 1, 1, err);
        rc = th && px ? 0 : -1;
        if (!rc) {
            memcpy(th->data, theta, na * sizeof *theta);
            ((double *)px->data)[0] = v;
            rc = tl_h5_writer_add(w, "/exchange/data_white", white, err);
        }
        if (!rc) rc = tl_h5_writer_add(w, "/exchange/data_dark", dark, err);
        if (!rc) rc = tl_h5_writer_add(w, "/exchange/theta", th, err);
        /* the reader takes a unit-less pixel size >= 1e-3 as µm */
        if (!rc) rc = tl_h5_writer_add(w, "/measurement/instrument/detector/pixel_size", px, err);
        tl_vol_unref(th); tl_vol_unref(px);
        if (rc) { tl_h5_writer_abort(w); w = NULL; tl_err_prefix(err, "writing '%s': ", path); }
        else { rc = tl_h5_writer_close(w, err); w = NULL; }
    } else if (w) {
        tl_h5_writer_abort(w);
    }
    free(gain); free(drift); free(lines); tl_vol_unref(blk);
    tl_projector_free(proj);
    if (!rc && scan) {
        scan->data = data; scan->white = white; scan->dark = dark;
        scan->theta_deg = theta; scan->n_angles = na;
        return 0;
    }
    tl_vol_unref(data); tl_vol_unref(white); tl_vol_unref(dark);
    free(theta);
    return rc;
}
