/* truth.c — ground truth of a scan: contact maps, thickness, current and
 * displacement maps, and the per-scan table, all from the labels or the
 * exact column description.
 *
 * Contact follows seed 000 (Methods, "Contact area mapping") exactly: walk
 * each column from its steel collector towards the pellet; the electrode
 * is the run of Li, void and impurity voxels that follows the steel; the
 * column is in contact when the run holds Li and none of its last `depth`
 * voxels (those next to the interphase/electrolyte) is void. */
#include "phantom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/h5_writer.h"

static int in_electrode(uint8_t l) { return l == TL_PH_LI || l == TL_PH_VOID || l == TL_PH_IMPURITY; }

tl_volume *tl_ph_contact_map(const tl_volume *labels, int e, int depth, tl_error *err)
{
    if (labels->dtype != TL_U8) { tl_err(err, "contact truth: labels must be u8, got %s", tl_dtype_name(labels->dtype)); return NULL; }
    size_t nz = labels->nz, ny = labels->ny, nx = labels->nx, stride = ny * nx;
    tl_volume *m = tl_vol_new(TL_U8, 1, ny, nx, err);
    if (!m) return NULL;
    tl_vol_set_voxel(m, labels->voxel_um[0], labels->voxel_um[1], labels->voxel_um[2]);
    const uint8_t *L = labels->data;
    uint8_t *C = m->data;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < stride; i++) {
        long k = e == 0 ? 0 : (long)nz - 1, step = e == 0 ? 1 : -1;
        while (k >= 0 && k < (long)nz && L[(size_t)k * stride + i] == TL_PH_STEEL) k += step;
        long start = k;
        int has_li = 0;
        while (k >= 0 && k < (long)nz && in_electrode(L[(size_t)k * stride + i])) {
            has_li |= L[(size_t)k * stride + i] == TL_PH_LI;
            k += step;
        }
        long len = (k - start) * step;
        if (start == (e == 0 ? 0 : (long)nz - 1) || !has_li) { C[i] = 0; continue; } /* no collector or no Li */
        int contact = 1;
        for (long d = 1; d <= depth && d <= len; d++)
            if (L[(size_t)(k - d * step) * stride + i] == TL_PH_VOID) { contact = 0; break; }
        C[i] = (uint8_t)contact;
    }
    return m;
}

int tl_ph_truth_table(const tl_ph_cell *c, const tl_volume *lab, tl_ph_table *t, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    memset(t, 0, sizeof *t);
    double v = o->voxel_um, vox_um3 = v * v * v, px_mm2 = v * v * 1e-6;
    size_t stride = o->ny * o->nx;
    /* voxels above the pellet's mid-plane belong to the top electrode */
    double mid = 0.5 * (c->collector[0] + c->collector[1]) / v;
    size_t cnt[2][TL_PH_NLABELS] = {{0}};
    const uint8_t *L = lab->data;
    for (size_t k = 0; k < o->nz; k++) {
        int e = (double)k + 0.5 < mid ? 0 : 1;
        for (size_t i = 0; i < stride; i++) cnt[e][L[k * stride + i]]++;
    }
    for (int e = 0; e < 2; e++) {
        tl_volume *cm = tl_ph_contact_map(lab, e, o->depth, err);
        if (!cm) return -1;
        size_t n = 0;
        for (size_t i = 0; i < stride; i++) n += ((uint8_t *)cm->data)[i];
        tl_vol_unref(cm);
        t->contact_area_mm2[e] = (double)n * px_mm2;
        t->contact_fraction[e] = (double)n / (double)c->n_inside;
        t->void_volume_um3[e] = (double)cnt[e][TL_PH_VOID] * vox_um3;
        size_t elec = cnt[e][TL_PH_VOID] + cnt[e][TL_PH_LI] + cnt[e][TL_PH_IMPURITY];
        t->void_fraction[e] = elec ? (double)cnt[e][TL_PH_VOID] / (double)elec : 0;
        t->li_volume_um3[e] = (double)cnt[e][TL_PH_LI] * vox_um3;
        t->interphase_volume_um3[e] = (double)cnt[e][TL_PH_INTERPHASE] * vox_um3;
        t->collector_um[e] = c->collector[e];
        t->collector_shift_um[e] = c->collector_shift[e];
    }
    t->cell_area_mm2 = (double)c->n_inside * px_mm2;
    for (int e = 0; e < 2; e++) t->interphase_mean_um[e] = t->interphase_volume_um3[e] / (t->cell_area_mm2 * 1e6);
    size_t pores = cnt[0][TL_PH_PORE] + cnt[1][TL_PH_PORE];
    size_t elyte = cnt[0][TL_PH_ELECTROLYTE] + cnt[1][TL_PH_ELECTROLYTE];
    t->pore_volume_um3 = (double)pores * vox_um3;
    t->porosity = pores + elyte ? (double)pores / (double)(pores + elyte) : 0;
    t->stack_thickness_um = c->collector[1] - c->collector[0];
    double s = 0, mx = 0;
    for (size_t i = 0; i < stride; i++)
        if (c->inside[i]) { s += c->u_step[i]; if (fabs(c->u_step[i]) > mx) mx = fabs(c->u_step[i]); }
    t->displacement_step_mean_um = s / (double)c->n_inside;
    t->displacement_step_max_um = mx;
    t->time_s = c->time_s;
    t->charge_mAh_cm2 = c->last.current_density_mA_cm2 * c->last.duration_s / 3600.0;
    return 0;
}

/* One row of the table: name, value, unit (also the order of the Lua record). */
typedef struct { const char *name; double value; const char *unit; } row;

static size_t table_rows(const tl_ph_cell *c, const tl_ph_table *t, row *r)
{
    size_t n = 0;
#define R(nm, val, u) r[n++] = (row){nm, val, u}
    R("scan", c->scan, "");
    R("time_s", t->time_s, "s");
    R("step_current_density_mA_cm2", c->last.current_density_mA_cm2, "mA/cm²");
    R("step_duration_s", c->last.duration_s, "s");
    R("step_charge_mAh_cm2", t->charge_mAh_cm2, "mAh/cm²");
    R("step_strip_electrode", c->scan == 0 ? -1 : c->last.strip, "0 top, 1 bottom, -1 none");
    R("cell_area_mm2", t->cell_area_mm2, "mm²");
    R("contact_area_top_mm2", t->contact_area_mm2[0], "mm²");
    R("contact_area_bottom_mm2", t->contact_area_mm2[1], "mm²");
    R("contact_fraction_top", t->contact_fraction[0], "");
    R("contact_fraction_bottom", t->contact_fraction[1], "");
    R("void_volume_top_um3", t->void_volume_um3[0], "µm³");
    R("void_volume_bottom_um3", t->void_volume_um3[1], "µm³");
    R("void_fraction_top", t->void_fraction[0], "");
    R("void_fraction_bottom", t->void_fraction[1], "");
    R("li_volume_top_um3", t->li_volume_um3[0], "µm³");
    R("li_volume_bottom_um3", t->li_volume_um3[1], "µm³");
    R("interphase_volume_top_um3", t->interphase_volume_um3[0], "µm³");
    R("interphase_volume_bottom_um3", t->interphase_volume_um3[1], "µm³");
    R("interphase_mean_thickness_top_um", t->interphase_mean_um[0], "µm");
    R("interphase_mean_thickness_bottom_um", t->interphase_mean_um[1], "µm");
    R("pore_volume_um3", t->pore_volume_um3, "µm³");
    R("porosity", t->porosity, "");
    R("stack_thickness_um", t->stack_thickness_um, "µm");
    R("collector_top_um", t->collector_um[0], "µm");
    R("collector_bottom_um", t->collector_um[1], "µm");
    R("collector_shift_top_um", t->collector_shift_um[0], "µm");
    R("collector_shift_bottom_um", t->collector_shift_um[1], "µm");
    R("displacement_step_mean_um", t->displacement_step_mean_um, "µm");
    R("displacement_step_max_um", t->displacement_step_max_um, "µm");
#undef R
    return n;
}

typedef struct { char name[48]; tl_volume *map; } named_map;

/* The 2-D truth maps (f32 unless said), new references. */
static int truth_maps(const tl_ph_cell *c, const tl_volume *lab, named_map *out, size_t *n_out, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    size_t n = 0, m = o->ny * o->nx;
    static const char *const side[2] = {"top", "bottom"};
    for (int e = 0; e < 2; e++) {
        snprintf(out[n].name, sizeof out[n].name, "contact_%s", side[e]);
        if (!(out[n++].map = tl_ph_contact_map(lab, e, o->depth, err))) goto fail;
    }
    /* per electrode: name and value of column i */
    enum { LI, LI_BEFORE, CURRENT, LI_CURRENT, VOID_H, ELECTRODE, INTERPHASE, NSIDE };
    static const char *const what[NSIDE] = {"li_thickness", "li_thickness_before", "current_density",
                                            "li_current_density", "void_height", "electrode_thickness",
                                            "interphase_thickness"};
    /* seed 002 eq. 3 on the true Li thickness: µm lost -> mA/cm² over the step */
    double to_j = c->last.duration_s > 0 ? 1e-4 * 96485.33212 / (c->last.duration_s * 13.0) * 1e3 : 0;
    for (int kind = 0; kind < NSIDE + 2; kind++)
        for (int e = 0; e < (kind >= NSIDE ? 1 : 2); e++) {
            tl_volume *v = tl_vol_new(TL_F32, 1, o->ny, o->nx, err);
            if (!v) goto fail;
            tl_vol_set_voxel(v, o->voxel_um, o->voxel_um, o->voxel_um);
            float *f = v->data;
            for (size_t i = 0; i < m; i++) {
                double li = tl_ph_li_thickness(c, e, i / o->nx, i % o->nx), x = 0;
                switch (kind) {
                case LI: x = li; break;
                case LI_BEFORE: x = c->li_before[e][i]; break;
                case CURRENT: x = c->current[e][i]; break;
                case LI_CURRENT: x = c->inside[i] && c->scan > 0 ? (c->li_before[e][i] - li) * to_j : 0; break;
                case VOID_H: x = c->void_h[e][i]; break;
                case ELECTRODE: x = c->inside[i] ? li + c->void_h[e][i] : 0; break;
                case INTERPHASE: x = c->inside[i] ? c->interphase[e][i] : 0; break;
                case NSIDE: x = c->u_step[i]; break;
                default: x = c->u_total[i]; break;
                }
                f[i] = (float)x;
            }
            if (kind < NSIDE) snprintf(out[n].name, sizeof out[n].name, "%s_%s", what[kind], side[e]);
            else snprintf(out[n].name, sizeof out[n].name, "%s", kind == NSIDE ? "displacement_z" : "displacement_z_total");
            out[n++].map = v;
        }
    *n_out = n;
    return 0;
fail:
    for (size_t k = 0; k < n; k++) tl_vol_unref(out[k].map);
    return -1;
}

int tl_ph_truth_record(const tl_ph_cell *c, tl_record *out, int with_maps, tl_error *err)
{
    tl_volume *lab = tl_ph_labels(c, err);
    if (!lab) return -1;
    tl_ph_table t;
    row rows[64];
    if (tl_ph_truth_table(c, lab, &t, err)) { tl_vol_unref(lab); return -1; }
    size_t nr = table_rows(c, &t, rows);
    for (size_t k = 0; k < nr; k++) tl_rec_number(out, rows[k].name, rows[k].value);
    if (with_maps) {
        named_map maps[24];
        size_t nm = 0;
        if (truth_maps(c, lab, maps, &nm, err)) { tl_vol_unref(lab); return -1; }
        for (size_t k = 0; k < nm; k++) tl_rec_volume(out, maps[k].name, maps[k].map);
    }
    tl_vol_unref(lab);
    return 0;
}

int tl_ph_write_truth(const tl_ph_cell *c, const char *path, tl_error *err)
{
    const tl_ph_cell_opts *o = &c->o;
    tl_volume *lab = tl_ph_labels(c, err);
    if (!lab) return -1;
    tl_ph_table t;
    named_map maps[24];
    size_t nm = 0;
    if (tl_ph_truth_table(c, lab, &t, err) || truth_maps(c, lab, maps, &nm, err)) { tl_vol_unref(lab); return -1; }
    double vox[3] = {o->voxel_um, o->voxel_um, o->voxel_um};
    tl_h5_writer *w = tl_h5_writer_open(path, "/labels", TL_U8, o->nz, o->ny, o->nx, vox, err);
    int rc = w ? 0 : -1;
    char buf[512];
    if (!rc) rc = tl_h5_writer_put(w, 0, lab, err);
    if (!rc) rc = tl_h5_writer_attr(w, "legend", tl_ph_label_legend(), err);
    if (!rc) {
        size_t p = 0;
        for (int l = 0; l < TL_PH_NLABELS; l++)
            p += (size_t)snprintf(buf + p, sizeof buf - p, "%s%s %g", l ? ", " : "", tl_ph_label_name(l), o->mu[l]);
        rc = tl_h5_writer_attr(w, "mu_1_cm", buf, err);
    }
    if (!rc) { snprintf(buf, sizeof buf, "%d", o->depth); rc = tl_h5_writer_attr(w, "contact_depth_voxels", buf, err); }
    for (size_t k = 0; k < nm && !rc; k++) {
        char dname[96];
        snprintf(dname, sizeof dname, "/maps/%.47s", maps[k].name);
        rc = tl_h5_writer_add(w, dname, maps[k].map, err);
    }
    row rows[64];
    size_t nr = table_rows(c, &t, rows);
    for (size_t k = 0; k < nr && !rc; k++) {
        tl_volume *s = tl_vol_new(TL_F64, 1, 1, 1, err);
        if (!s) { rc = -1; break; }
        ((double *)s->data)[0] = rows[k].value;
        snprintf(buf, sizeof buf, "/table/%s", rows[k].name);
        rc = tl_h5_writer_add(w, buf, s, err);
        tl_vol_unref(s);
    }
    if (!rc && c->n_pores > 0) {
        /* pores as (n, 4): z, y, x, radius in µm, z in the current frame */
        tl_volume *pv = tl_vol_new(TL_F32, 1, c->n_pores, 4, err);
        if (!pv) rc = -1;
        for (size_t k = 0; k < c->n_pores && !rc; k++) {
            const tl_ph_pore *q = &c->pores[k];
            size_t iy = (size_t)(q->y / o->voxel_um), ix = (size_t)(q->x / o->voxel_um);
            if (iy >= o->ny) iy = o->ny - 1;
            if (ix >= o->nx) ix = o->nx - 1;
            float *row = (float *)pv->data + 4 * k;
            row[0] = q->z + c->u_total[iy * o->nx + ix]; row[1] = q->y; row[2] = q->x; row[3] = q->r;
        }
        if (!rc) rc = tl_h5_writer_add(w, "/pores", pv, err);
        tl_vol_unref(pv);
    }
    for (size_t k = 0; k < nm; k++) tl_vol_unref(maps[k].map);
    tl_vol_unref(lab);
    if (rc) { tl_h5_writer_abort(w); return tl_err_prefix(err, "writing truth '%s': ", path); }
    return tl_h5_writer_close(w, err);
}
