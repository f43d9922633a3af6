/* cell.c — build the initial synthetic cell, copy and free it.
 *
 * Every target (porosity, contact fraction, void fraction) is met by
 * construction on the rasterised labels: pores are added until the pore
 * voxel count reaches the target, contact columns are the lowest
 * quantile of a random field, and the void height scale is bisected on
 * the rasterised void voxel count. */
#include "phantom.h"
#include "raster.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../util/sort.h"

void tl_ph_cell_defaults(tl_ph_cell_opts *o)
{
    memset(o, 0, sizeof *o);
    o->nz = 160; o->ny = 256; o->nx = 256;
    o->voxel_um = 1.7;
    o->diameter_um = 0;
    o->li_thickness_um = 55;
    o->pellet_thickness_um = 125;
    o->edge_thinning = 0.15;
    o->roughness_um = 2.5;
    o->roughness_length_um = 25;
    o->porosity = 0.05;
    o->pore_radius_um = 4.0;
    o->pore_radius_sigma = 0.35;
    o->pore_margin_um = 6.0;
    o->contact_fraction = 0.7;
    o->contact_region_um = 20;
    o->ring_period_um = 70;
    o->ring_weight = 0.5;
    o->void_fraction = 0.03;
    o->interphase_um = 2.0;
    o->n_impurities = 6;
    o->impurity_radius_um = 3.5;
    o->depth = 5;
    tl_ph_default_mu(o->mu);
    o->seed = 1;
}

void tl_ph_cell_free(tl_ph_cell *c)
{
    if (!c) return;
    free(c->inside);
    for (int e = 0; e < 2; e++) {
        free(c->surface[e]); free(c->void_h[e]); free(c->interphase[e]);
        free(c->current[e]); free(c->li_before[e]);
    }
    free(c->u_total); free(c->u_step);
    free(c->pores); free(c->bucket_start); free(c->bucket_items);
    free(c->imp);
    free(c);
}

static void *dup(const void *p, size_t n, int *bad)
{
    if (!p || n == 0) return NULL;
    void *q = malloc(n);
    if (!q) { *bad = 1; return NULL; }
    memcpy(q, p, n);
    return q;
}

tl_ph_cell *tl_ph_cell_copy(const tl_ph_cell *c, tl_error *err)
{
    tl_ph_cell *n = malloc(sizeof *n);
    if (!n) { tl_err(err, "phantom: out of memory"); return NULL; }
    *n = *c;
    size_t m = c->o.ny * c->o.nx, fb = m * sizeof(float);
    int bad = 0;
    n->inside = dup(c->inside, m, &bad);
    for (int e = 0; e < 2; e++) {
        n->surface[e] = dup(c->surface[e], fb, &bad);
        n->void_h[e] = dup(c->void_h[e], fb, &bad);
        n->interphase[e] = dup(c->interphase[e], fb, &bad);
        n->current[e] = dup(c->current[e], fb, &bad);
        n->li_before[e] = dup(c->li_before[e], fb, &bad);
    }
    n->u_total = dup(c->u_total, fb, &bad);
    n->u_step = dup(c->u_step, fb, &bad);
    n->pores = dup(c->pores, c->n_pores * sizeof *c->pores, &bad);
    n->bucket_start = dup(c->bucket_start, (c->nby * c->nbx + 1) * sizeof *c->bucket_start, &bad);
    n->bucket_items = dup(c->bucket_items, c->bucket_start ? c->bucket_start[c->nby * c->nbx] * sizeof *c->bucket_items : 0, &bad);
    n->imp = dup(c->imp, c->n_imp * sizeof *c->imp, &bad);
    if (bad) { tl_ph_cell_free(n); tl_err(err, "phantom: out of memory copying the cell"); return NULL; }
    return n;
}

static int check_opts(const tl_ph_cell_opts *o, tl_error *err)
{
    if (o->nz < 16 || o->ny < 16 || o->nx < 16)
        return tl_err(err, "phantom.cell: shape (%zu, %zu, %zu) is too small (at least 16 voxels per axis)", o->nz, o->ny, o->nx);
    if (!(o->voxel_um > 0)) return tl_err(err, "phantom.cell: voxel must be > 0 µm");
    if (!(o->contact_fraction >= 0 && o->contact_fraction <= 1))
        return tl_err(err, "phantom.cell: contact_fraction must be in [0, 1] (got %g)", o->contact_fraction);
    if (!(o->porosity >= 0 && o->porosity < 0.5)) return tl_err(err, "phantom.cell: porosity must be in [0, 0.5) (got %g)", o->porosity);
    if (!(o->void_fraction >= 0 && o->void_fraction < 0.5)) return tl_err(err, "phantom.cell: void_fraction must be in [0, 0.5) (got %g)", o->void_fraction);
    if (o->contact_fraction < 1 && o->void_fraction == 0)
        return tl_err(err, "phantom.cell: contact_fraction %g < 1 needs voids: void_fraction must be > 0", o->contact_fraction);
    if (o->contact_fraction == 1 && o->void_fraction > 0)
        return tl_err(err, "phantom.cell: contact_fraction 1 (full contact) leaves no room for voids: void_fraction must be 0 (got %g)", o->void_fraction);
    double stack = 2 * o->li_thickness_um + o->pellet_thickness_um;
    double room = (double)o->nz * o->voxel_um - stack;
    if (room < 8 * o->voxel_um)
        return tl_err(err, "phantom.cell: the stack (2 x li_thickness %g + pellet_thickness %g = %g µm) leaves %g µm of the %zu x %g µm volume for the collectors; need at least 4 voxels each",
                      o->li_thickness_um, o->pellet_thickness_um, stack, room, o->nz, o->voxel_um);
    double thin = o->li_thickness_um * (1 - o->edge_thinning) - 4 * o->roughness_um;
    if (thin < 4 * o->voxel_um)
        return tl_err(err, "phantom.cell: li_thickness %g µm is too thin for edge_thinning %g and roughness %g µm (< 4 voxels at the rim)",
                      o->li_thickness_um, o->edge_thinning, o->roughness_um);
    if (o->pellet_thickness_um < 2 * o->pore_margin_um + 8 * o->voxel_um)
        return tl_err(err, "phantom.cell: pellet_thickness %g µm is too thin for pore_margin %g µm", o->pellet_thickness_um, o->pore_margin_um);
    if (o->depth < 1) return tl_err(err, "phantom.cell: depth must be >= 1");
    return 0;
}

/* Void voxels of electrode e if non-contact columns get height
 * voxel * (1 + a * (F - base)), capped at 80% of the Li gap. Non-contact
 * columns are those with F > thr. */
static size_t void_count(const tl_ph_cell *c, int e, const float *F, double thr, double base, double a, float *h_out)
{
    size_t m = c->o.ny * c->o.nx, count = 0;
    double vz = c->o.voxel_um;
    for (size_t i = 0; i < m; i++) {
        double h = 0;
        if (c->inside[i] && F[i] > thr) {
            double gap = e == 0 ? c->surface[0][i] - c->collector[0] : c->collector[1] - c->surface[1][i];
            h = vz * (1 + a * (F[i] - base));
            if (h > 0.8 * gap) h = 0.8 * gap;
            double s = c->surface[e][i];
            count += e == 0 ? tl_ph_ncentres(s - h, s, vz) : tl_ph_ncentres(s, s + h, vz);
        }
        if (h_out) h_out[i] = (float)h;
    }
    return count;
}

static int make_voids(tl_ph_cell *c, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    size_t m = o->ny * o->nx;
    float *F = malloc(m * sizeof *F), *sorted = malloc(c->n_inside * sizeof *sorted);
    if (!F || !sorted) { free(F); free(sorted); return tl_err(err, "phantom.cell: out of memory"); }
    int rc = 0;
    for (int e = 0; e < 2 && rc == 0; e++) {
        if (tl_ph_smooth_field(o->ny, o->nx, o->contact_region_um / o->voxel_um, o->seed, TL_RNG_CONTACT + 100u * (unsigned)e,
                               c->inside, F, err)) { rc = -1; break; }
        if (o->ring_period_um > 0 && o->ring_weight > 0) {
            tl_rng r = tl_rng_at(o->seed, TL_RNG_RING_PHASE, (uint64_t)e);
            double phase = 2 * M_PI * tl_rng_uniform(&r), w = o->ring_weight;
            for (size_t y = 0; y < o->ny; y++)
                for (size_t x = 0; x < o->nx; x++) {
                    double dy = ((double)y + 0.5) * o->voxel_um - c->cy_um, dx = ((double)x + 0.5) * o->voxel_um - c->cx_um;
                    double ring = M_SQRT2 * cos(2 * M_PI * sqrt(dy * dy + dx * dx) / o->ring_period_um + phase);
                    F[y * o->nx + x] = (float)((1 - w) * F[y * o->nx + x] + w * ring);
                }
        }
        size_t k = 0;
        for (size_t i = 0; i < m; i++) if (c->inside[i]) sorted[k++] = F[i];
        qsort(sorted, k, sizeof *sorted, tl_cmp_float);
        size_t nc = (size_t)llround(o->contact_fraction * (double)k);
        double thr = nc == 0 ? -INFINITY : nc >= k ? INFINITY : 0.5 * ((double)sorted[nc - 1] + (double)sorted[nc]);
        double base = nc == 0 ? (double)sorted[0] : thr; /* heights grow from here */
        /* electrode voxels (Li + void) of this interface */
        size_t total = 0;
        for (size_t i = 0; i < m; i++)
            if (c->inside[i])
                total += e == 0 ? tl_ph_ncentres(c->collector[0], c->surface[0][i], o->voxel_um)
                                : tl_ph_ncentres(c->surface[1][i], c->collector[1], o->voxel_um);
        double target = o->void_fraction * (double)total;
        size_t lo_count = void_count(c, e, F, thr, base, 0, NULL);
        if (nc < k && (double)lo_count > target + 0.005 * (double)total) {
            rc = tl_err(err, "phantom.cell: void_fraction %g is too small for contact_fraction %g: one voxel of void under every non-contact column already gives %.4f",
                        o->void_fraction, o->contact_fraction, (double)lo_count / (double)total);
            break;
        }
        double alo = 0, ahi = 64;
        if ((double)void_count(c, e, F, thr, base, ahi, NULL) < target) {
            rc = tl_err(err, "phantom.cell: void_fraction %g cannot be reached with contact_fraction %g (voids are capped at 80%% of the Li gap)",
                        o->void_fraction, o->contact_fraction);
            break;
        }
        for (int it = 0; it < 60; it++) {
            double mid = 0.5 * (alo + ahi);
            if ((double)void_count(c, e, F, thr, base, mid, NULL) < target) alo = mid; else ahi = mid;
        }
        double clo = (double)void_count(c, e, F, thr, base, alo, NULL), chi = (double)void_count(c, e, F, thr, base, ahi, NULL);
        void_count(c, e, F, thr, base, fabs(clo - target) < fabs(chi - target) ? alo : ahi, c->void_h[e]);
    }
    free(F); free(sorted);
    return rc;
}

/* Pellet geometry: collectors, rough bowed surfaces, initial interphase. */
static int make_layers(tl_ph_cell *c, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    size_t m = o->ny * o->nx;
    double Z = (double)o->nz * o->voxel_um, stack = 2 * o->li_thickness_um + o->pellet_thickness_um;
    c->collector[0] = floor(0.5 * (Z - stack) / o->voxel_um) * o->voxel_um;
    c->collector[1] = c->collector[0] + stack;
    float *g0 = malloc(m * sizeof *g0), *g1 = malloc(m * sizeof *g1);
    if (!g0 || !g1) { free(g0); free(g1); return tl_err(err, "phantom.cell: out of memory"); }
    int rc = tl_ph_smooth_field(o->ny, o->nx, o->roughness_length_um / o->voxel_um, o->seed, TL_RNG_ROUGH, c->inside, g0, err);
    if (!rc) rc = tl_ph_smooth_field(o->ny, o->nx, o->roughness_length_um / o->voxel_um, o->seed, TL_RNG_ROUGH + 100, c->inside, g1, err);
    if (!rc)
        for (size_t y = 0; y < o->ny; y++)
            for (size_t x = 0; x < o->nx; x++) {
                size_t i = y * o->nx + x;
                double dy = ((double)y + 0.5) * o->voxel_um - c->cy_um, dx = ((double)x + 0.5) * o->voxel_um - c->cx_um;
                double rr = (dy * dy + dx * dx) / (c->radius_um * c->radius_um);
                if (rr > 1) rr = 1;
                double li = o->li_thickness_um * (1 - o->edge_thinning * rr);
                /* clip the roughness at 3 sigma so the Li never vanishes */
                double r0 = fmax(-3, fmin(3, g0[i])), r1 = fmax(-3, fmin(3, g1[i]));
                c->surface[0][i] = (float)(c->collector[0] + li + o->roughness_um * r0);
                c->surface[1][i] = (float)(c->collector[1] - li - o->roughness_um * r1);
                c->interphase[0][i] = c->interphase[1][i] = (float)o->interphase_um;
            }
    free(g0); free(g1);
    return rc;
}

/* CSR buckets of pores by (y, x) so a column visits only nearby pores. */
int tl_ph_build_buckets(tl_ph_cell *c, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    free(c->bucket_start); free(c->bucket_items);
    c->bucket_start = NULL; c->bucket_items = NULL;
    c->bucket = 16;
    c->nby = (o->ny + c->bucket - 1) / c->bucket;
    c->nbx = (o->nx + c->bucket - 1) / c->bucket;
    size_t nb = c->nby * c->nbx;
    c->bucket_start = calloc(nb + 1, sizeof *c->bucket_start);
    if (!c->bucket_start) return tl_err(err, "phantom: out of memory");
    double bw = (double)c->bucket * o->voxel_um;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = NULL;
        if (pass == 1) {
            for (size_t b = 0; b < nb; b++) c->bucket_start[b + 1] += c->bucket_start[b];
            c->bucket_items = malloc((c->bucket_start[nb] + 1) * sizeof *c->bucket_items);
            fill = calloc(nb, sizeof *fill);
            if (!c->bucket_items || !fill) { free(fill); return tl_err(err, "phantom: out of memory"); }
        }
        for (size_t p = 0; p < c->n_pores; p++) {
            const tl_ph_pore *q = &c->pores[p];
            long by0 = (long)floor((q->y - q->r) / bw), by1 = (long)floor((q->y + q->r) / bw);
            long bx0 = (long)floor((q->x - q->r) / bw), bx1 = (long)floor((q->x + q->r) / bw);
            for (long by = by0 < 0 ? 0 : by0; by <= by1 && by < (long)c->nby; by++)
                for (long bx = bx0 < 0 ? 0 : bx0; bx <= bx1 && bx < (long)c->nbx; bx++) {
                    size_t b = (size_t)by * c->nbx + (size_t)bx;
                    if (pass == 0) c->bucket_start[b + 1]++;
                    else c->bucket_items[c->bucket_start[b] + fill[b]++] = (uint32_t)p;
                }
        }
        free(fill);
    }
    return 0;
}

/* Pores: log-normal radii at uniform positions in the pellet, added until
 * the rasterised pore voxels reach porosity x pellet voxels. */
static int make_pores(tl_ph_cell *c, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    c->n_pores = 0;
    if (o->porosity <= 0) return tl_ph_build_buckets(c, err);
    tl_volume *lab = tl_ph_labels(c, err); /* no pores yet */
    if (!lab) return -1;
    uint8_t *L = lab->data;
    size_t n = tl_vol_count(lab), pellet = 0;
    for (size_t i = 0; i < n; i++) pellet += L[i] == TL_PH_ELECTROLYTE;
    size_t target = (size_t)llround(o->porosity * (double)pellet), have = 0, cap = 1024;
    c->pores = malloc(cap * sizeof *c->pores);
    size_t *cols = malloc(c->n_inside * sizeof *cols);
    if (!c->pores || !cols) { free(cols); tl_vol_unref(lab); return tl_err(err, "phantom.cell: out of memory"); }
    for (size_t i = 0, k = 0; i < o->ny * o->nx; i++) if (c->inside[i]) cols[k++] = i;
    double vz = o->voxel_um;
    for (uint64_t draw = 0; have < target; draw++) {
        if (draw > 50 * (target + 100)) { free(cols); tl_vol_unref(lab); return tl_err(err, "phantom.cell: cannot place pores for porosity %g", o->porosity); }
        tl_rng r = tl_rng_at(o->seed, TL_RNG_PORES, draw);
        size_t col = cols[(size_t)(tl_rng_uniform(&r) * (double)c->n_inside)];
        double y = ((double)(col / o->nx) + tl_rng_uniform(&r)) * vz, x = ((double)(col % o->nx) + tl_rng_uniform(&r)) * vz;
        double z0 = c->surface[0][col] + o->pore_margin_um, z1 = c->surface[1][col] - o->pore_margin_um;
        double z = z0 + (z1 - z0) * tl_rng_uniform(&r);
        double rad = o->pore_radius_um * exp(o->pore_radius_sigma * tl_rng_normal(&r));
        if (rad < 0.5 * vz) rad = 0.5 * vz;
        if (rad > 5 * o->pore_radius_um) rad = 5 * o->pore_radius_um;
        if (c->n_pores == cap) {
            tl_ph_pore *np = realloc(c->pores, 2 * cap * sizeof *np);
            if (!np) { free(cols); tl_vol_unref(lab); return tl_err(err, "phantom.cell: out of memory"); }
            c->pores = np; cap *= 2;
        }
        tl_ph_pore p = {(float)z, (float)y, (float)x, (float)rad};
        size_t added = tl_ph_stamp_pore(c, &p, L);
        if (added) { c->pores[c->n_pores++] = p; have += added; }
    }
    free(cols);
    tl_vol_unref(lab);
    return tl_ph_build_buckets(c, err);
}

static int make_impurities(tl_ph_cell *c, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    c->n_imp = 0;
    if (o->n_impurities <= 0) return 0;
    c->imp = malloc((size_t)o->n_impurities * sizeof *c->imp);
    if (!c->imp) return tl_err(err, "phantom.cell: out of memory");
    for (int k = 0; k < o->n_impurities; k++) {
        tl_rng r = tl_rng_at(o->seed, TL_RNG_IMPURITY, (uint64_t)k);
        int e = k % 2;
        /* inside 70% of the radius, in the middle of the Li away from both boundaries */
        double ang = 2 * M_PI * tl_rng_uniform(&r), rr = 0.7 * c->radius_um * sqrt(tl_rng_uniform(&r));
        double y = c->cy_um + rr * sin(ang), x = c->cx_um + rr * cos(ang);
        double rad = o->impurity_radius_um * (0.7 + 0.6 * tl_rng_uniform(&r));
        size_t col = (size_t)(y / o->voxel_um) * o->nx + (size_t)(x / o->voxel_um);
        double li = tl_ph_li_thickness(c, e, col / o->nx, col % o->nx);
        double dz = li * (0.25 + 0.3 * tl_rng_uniform(&r));
        c->imp[c->n_imp++] = (tl_ph_impurity){e, (float)dz, (float)y, (float)x, (float)rad};
    }
    return 0;
}

tl_ph_cell *tl_ph_cell_new(const tl_ph_cell_opts *o, tl_error *err)
{
    if (check_opts(o, err)) return NULL;
    tl_ph_cell *c = calloc(1, sizeof *c);
    if (!c) { tl_err(err, "phantom.cell: out of memory"); return NULL; }
    c->o = *o;
    size_t m = o->ny * o->nx;
    double width = (double)(o->ny < o->nx ? o->ny : o->nx) * o->voxel_um;
    double diam = o->diameter_um > 0 ? o->diameter_um : 0.9 * width;
    if (diam > width) {
        tl_err(err, "phantom.cell: diameter %g µm is wider than the volume (%g µm)", diam, width);
        tl_ph_cell_free(c);
        return NULL;
    }
    c->radius_um = 0.5 * diam;
    /* the cell's axis is the rotation axis of tl.project: centre of voxel (ny/2, nx/2) */
    c->cy_um = ((double)(o->ny / 2) + 0.5) * o->voxel_um;
    c->cx_um = ((double)(o->nx / 2) + 0.5) * o->voxel_um;
    c->inside = calloc(m, 1);
    int bad = !c->inside;
    for (int e = 0; e < 2; e++) {
        bad |= !(c->surface[e] = calloc(m, sizeof(float)));
        bad |= !(c->void_h[e] = calloc(m, sizeof(float)));
        bad |= !(c->interphase[e] = calloc(m, sizeof(float)));
        bad |= !(c->current[e] = calloc(m, sizeof(float)));
        bad |= !(c->li_before[e] = calloc(m, sizeof(float)));
    }
    bad |= !(c->u_total = calloc(m, sizeof(float)));
    bad |= !(c->u_step = calloc(m, sizeof(float)));
    if (bad) { tl_err(err, "phantom.cell: out of memory"); tl_ph_cell_free(c); return NULL; }
    for (size_t y = 0; y < o->ny; y++)
        for (size_t x = 0; x < o->nx; x++) {
            double dy = ((double)y + 0.5) * o->voxel_um - c->cy_um, dx = ((double)x + 0.5) * o->voxel_um - c->cx_um;
            if (dy * dy + dx * dx < c->radius_um * c->radius_um) { c->inside[y * o->nx + x] = 1; c->n_inside++; }
        }
    if (make_layers(c, err) || make_voids(c, err) || make_impurities(c, err) || make_pores(c, err)) {
        tl_ph_cell_free(c);
        return NULL;
    }
    for (int e = 0; e < 2; e++)
        for (size_t i = 0; i < m; i++) c->li_before[e][i] = (float)tl_ph_li_thickness(c, e, i / o->nx, i % o->nx);
    return c;
}
