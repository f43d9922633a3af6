/* evolve.c — one galvanostatic step of the synthetic cell.
 *
 * Kinematics per column, in this order (docs/phantom.md has the why):
 *  1. current flows only through contacting columns; its local density
 *     is the nominal one scaled by (cell area / contact area) times a
 *     log-normal hot-spot field, at both interfaces;
 *  2. the stripping side loses li_fraction of that charge as Li metal
 *     (4.85 µm per mAh/cm², V_m = 13.0 cm³/mol) and the rest oxidises its
 *     interphase; the reducing side plates plating_efficiency of its
 *     charge as Li and grows interphase, which consumes Li;
 *  3. the pellet moves towards the stripping side, more at the centre
 *     (seed 000 Fig. 5b): u = ratio * mean(Li lost) * (1.2 - 0.4 (r/R)^2);
 *  4. each collector follows a share of the mean free space opened at its
 *     electrode (`replenish` at the stripping side, `replenish_plating`
 *     at the other); where the local free space exceeds that, a void
 *     opens or grows at the interface, where it is less, voids close and
 *     Li creeps away (seed 000 Fig. 3b, c, d). Gaps thinner than half a
 *     voxel close too: creep under stack pressure, and below resolution. */
#include "phantom.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* µm of Li per mAh/cm²: 3.6 C / F * 13.0 cm³/mol * 1e4 µm/cm. */
#define LI_UM_PER_MAH_CM2 (3.6 / 96485.33212 * 13.0 * 1e4)

void tl_ph_step_defaults(tl_ph_step_opts *s)
{
    memset(s, 0, sizeof *s);
    s->current_density_mA_cm2 = 1.0;
    s->duration_s = 900;
    s->strip = 0;
    s->li_fraction = 0.72;
    s->plating_efficiency = 0.3;
    s->interphase_um_per_mAh = 1.0;
    s->li_per_interphase = 0.5;
    s->hotspot_strength = 0.5;
    s->hotspot_length_um = 15;
    s->replenish = 0.75;
    s->replenish_plating = 1.0;
    s->displacement_ratio = 0.4;
    s->seed = 1;
}

/* Local current density at interface e: zero without contact. */
static int local_current(const tl_ph_cell *c, const tl_volume *contact, const tl_ph_step_opts *s, int e,
                         float *j, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    size_t m = o->ny * o->nx;
    const uint8_t *C = contact->data;
    if (tl_ph_smooth_field(o->ny, o->nx, s->hotspot_length_um / o->voxel_um, s->seed,
                           TL_RNG_HOTSPOT + 100u * (unsigned)e, c->inside, j, err))
        return -1;
    double sum = 0;
    size_t nc = 0;
    for (size_t i = 0; i < m; i++) {
        double h = C[i] ? exp(s->hotspot_strength * j[i]) : 0;
        j[i] = (float)h;
        sum += h;
        nc += C[i] != 0;
    }
    if (nc == 0)
        return tl_err(err, "phantom.evolve: the %s interface has no contact left, so no current can flow (open circuit)",
                      e == 0 ? "top" : "bottom");
    /* mean over the whole cell = nominal current density */
    double scale = s->current_density_mA_cm2 * (double)c->n_inside / sum;
    for (size_t i = 0; i < m; i++) j[i] = (float)(j[i] * scale);
    return 0;
}

tl_ph_cell *tl_ph_evolve(const tl_ph_cell *c0, const tl_ph_step_opts *s, tl_error *err)
{
    if (!(s->duration_s > 0)) { tl_err(err, "phantom.evolve: duration_s must be > 0"); return NULL; }
    if (!(s->current_density_mA_cm2 >= 0)) { tl_err(err, "phantom.evolve: current_density_mA_cm2 must be >= 0"); return NULL; }
    const tl_ph_cell_opts *o = &c0->o;
    size_t m = o->ny * o->nx;
    tl_volume *lab = tl_ph_labels(c0, err);
    if (!lab) return NULL;
    tl_volume *contact[2] = {tl_ph_contact_map(lab, 0, o->depth, err), NULL};
    if (contact[0]) contact[1] = tl_ph_contact_map(lab, 1, o->depth, err);
    tl_vol_unref(lab);
    tl_ph_cell *c = contact[1] ? tl_ph_cell_copy(c0, err) : NULL;
    int rc = c ? 0 : -1;
    int es = s->strip, ep = 1 - es;
    if (!rc && s->current_density_mA_cm2 > 0) {
        rc = local_current(c0, contact[es], s, es, c->current[es], err);
        if (!rc) rc = local_current(c0, contact[ep], s, ep, c->current[ep], err);
    } else if (!rc) {
        memset(c->current[0], 0, m * sizeof(float));
        memset(c->current[1], 0, m * sizeof(float));
    }
    tl_vol_unref(contact[0]); tl_vol_unref(contact[1]);
    if (rc) { tl_ph_cell_free(c); return NULL; }

    double hours = s->duration_s / 3600.0;
    double *dli[2], *dW[2];
    dli[0] = calloc(m, sizeof(double)); dli[1] = calloc(m, sizeof(double));
    dW[0] = calloc(m, sizeof(double)); dW[1] = calloc(m, sizeof(double));
    if (!dli[0] || !dli[1] || !dW[0] || !dW[1]) {
        for (int e = 0; e < 2; e++) { free(dli[e]); free(dW[e]); }
        tl_ph_cell_free(c);
        tl_err(err, "phantom.evolve: out of memory");
        return NULL;
    }
    /* 2. Li and interphase changes per column (dli < 0: Li lost) */
    double lost_sum = 0;
    for (size_t i = 0; i < m; i++) {
        if (!c->inside[i]) continue;
        double qs = c->current[es][i] * hours, qp = c->current[ep][i] * hours; /* mAh/cm² */
        double strip = s->li_fraction * LI_UM_PER_MAH_CM2 * qs;
        dli[es][i] = -strip;
        dW[es][i] = -(1 - s->li_fraction) * s->interphase_um_per_mAh * qs;
        if (c->interphase[es][i] + dW[es][i] < 0) dW[es][i] = -c->interphase[es][i];
        double grow = s->interphase_um_per_mAh * qp;
        dW[ep][i] = grow;
        dli[ep][i] = s->plating_efficiency * LI_UM_PER_MAH_CM2 * qp - s->li_per_interphase * grow;
        lost_sum += strip;
    }
    double lost_mean = lost_sum / (double)c->n_inside;
    /* 3. pellet displacement along z, towards the stripping electrode */
    double dir = es == 0 ? -1.0 : 1.0;
    for (size_t y = 0; y < o->ny; y++)
        for (size_t x = 0; x < o->nx; x++) {
            size_t i = y * o->nx + x;
            double dy = ((double)y + 0.5) * o->voxel_um - c->cy_um, dx = ((double)x + 0.5) * o->voxel_um - c->cx_um;
            double rr = (dy * dy + dx * dx) / (c->radius_um * c->radius_um);
            c->u_step[i] = c->inside[i] ? (float)(dir * s->displacement_ratio * lost_mean * (1.2 - 0.4 * (rr > 1 ? 1 : rr))) : 0.0f;
        }
    /* 4. per electrode: free space, collector follow-up, voids */
    for (int e = 0; e < 2; e++) {
        double sign = e == 0 ? 1.0 : -1.0; /* gap change per +z pellet shift */
        double *free_sp = malloc(m * sizeof(double));
        if (!free_sp) { for (int k = 0; k < 2; k++) { free(dli[k]); free(dW[k]); } tl_ph_cell_free(c); tl_err(err, "phantom.evolve: out of memory"); return NULL; }
        double opened = 0;
        for (size_t i = 0; i < m; i++) {
            if (!c->inside[i]) { free_sp[i] = 0; continue; }
            double li = tl_ph_li_thickness(c0, e, i / o->nx, i % o->nx);
            c->li_before[e][i] = (float)li;
            double gap = li + c0->void_h[e][i] + sign * c->u_step[i];
            double li1 = li + dli[e][i];
            if (li1 < 0) li1 = 0;
            free_sp[i] = gap - li1;
            opened += free_sp[i] - c0->void_h[e][i];
        }
        double follow = (e == es ? s->replenish : s->replenish_plating) * opened / (double)c->n_inside;
        if (follow < 0) follow = 0;
        c->collector_shift[e] = follow;
        c->collector[e] += e == 0 ? follow : -follow;
        for (size_t i = 0; i < m; i++) {
            if (!c->inside[i]) continue;
            double v = free_sp[i] - follow;
            c->void_h[e][i] = (float)(v >= 0.5 * o->voxel_um ? v : 0);
            c->interphase[e][i] = (float)(c->interphase[e][i] + dW[e][i]);
        }
        free(free_sp);
    }
    for (size_t i = 0; i < m; i++) {
        c->surface[0][i] += c->u_step[i];
        c->surface[1][i] += c->u_step[i];
        c->u_total[i] += c->u_step[i];
    }
    for (int e = 0; e < 2; e++) { free(dli[e]); free(dW[e]); }
    c->scan = c0->scan + 1;
    c->time_s = c0->time_s + s->duration_s;
    c->last = *s;
    return c;
}
