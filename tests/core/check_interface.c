/* check_interface.c — the column pipeline (threshold_columns ->
 * interfacial_voids -> contact_map) against an analytic cell with known
 * contact map, void volume and thickness, clean and with noise; regions,
 * effective and local current density, hot spots, thickness, porosity. */
#include "tl_test.h"
#include "interface/interface.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- analytic top-electrode cell ----
 * steel z < 6 | Li up to a rough face zi(y, x) | void pockets (two discs)
 * just below zi | electrolyte with pores >= 8 voxels above the face.
 * A Li pore deep in the bulk must be neither a void nor a contact loss,
 * and a corner holds no Li at all. Faces are whole voxels, so the truth
 * is exact. */
enum { NZ = 64, NY = 64, NX = 64, STEEL_END = 6 };
#define DZ 2.0
static const float STEEL = 8.0f, LI = 1.0f, VOID = 0.2f, SSE = 3.0f;

typedef struct {
    tl_volume *vol;
    int zi[NY][NX];      /* electrolyte-side face of the Li (or STEEL_END: no Li) */
    int vh[NY][NX];      /* void height at the face */
    uint8_t has_li[NY][NX], contact[NY][NX];
    size_t void_voxels;
    uint8_t is_pore[NZ][NY][NX]; /* electrolyte and Li pores: never voids */
} cell_t;

static int in_disc(int y, int x, int cy, int cx, int r) { return (y - cy) * (y - cy) + (x - cx) * (x - cx) <= r * r; }

static double gauss(uint64_t *s)
{
    double u = tl_test_uniform(s), v = tl_test_uniform(s);
    return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static cell_t *make_cell_phase(double noise, uint64_t seed, double phase)
{
    cell_t *c = calloc(1, sizeof *c);
    tl_error e;
    c->vol = tl_vol_new(TL_F32, NZ, NY, NX, &e);
    tl_vol_set_voxel(c->vol, DZ, DZ, DZ);
    float *v = c->vol->data;
    for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++) {
            int zi = 30 + (int)lround(4 * sin(2 * M_PI * x / 23.0 + phase) * cos(2 * M_PI * y / 17.0));
            int noli = y < 8 && x >= 56;
            if (noli) zi = STEEL_END;
            int vh = 0;
            if (!noli && in_disc(y, x, 20, 20, 7)) vh = 3;
            if (!noli && in_disc(y, x, 44, 40, 5)) vh = 2;
            c->zi[y][x] = zi; c->vh[y][x] = vh;
            c->has_li[y][x] = !noli;
            c->contact[y][x] = !noli && vh == 0;
            c->void_voxels += (size_t)vh;
            for (int z = 0; z < NZ; z++) {
                float val = z < STEEL_END ? STEEL : z < zi - vh ? LI : z < zi ? VOID : SSE;
                v[((size_t)z * NY + y) * NX + x] = val;
            }
        }
    /* Li pore deep in the bulk, electrolyte pores well above the face
     * (one above a void pocket) */
    static const int lp[][3] = {{12, 40, 40}}, ep[][3] = {{44, 10, 10}, {44, 20, 22}, {48, 50, 30}, {42, 30, 50}};
    for (size_t k = 0; k < 1 + 4; k++) {
        const int *p = k == 0 ? lp[0] : ep[k - 1];
        for (int z = p[0]; z < p[0] + 3; z++)
            for (int y = p[1]; y < p[1] + 3; y++)
                for (int x = p[2]; x < p[2] + 3; x++) {
                    v[((size_t)z * NY + y) * NX + x] = VOID;
                    c->is_pore[z][y][x] = 1;
                }
    }
    if (noise > 0)
        for (size_t i = 0; i < tl_vol_count(c->vol); i++) v[i] += (float)(noise * gauss(&seed));
    return c;
}

static cell_t *make_cell(double noise, uint64_t seed) { return make_cell_phase(noise, seed, 0); }

static void free_cell(cell_t *c) { tl_vol_unref(c->vol); free(c); }

/* sse_min: between the mean of 5 electrolyte voxels (3.0) and of 4 + 1 Li (2.6) */
static const tl_li_opts LI_OPTS = {TL_ELECTRODE_TOP, 2.0, 2.8, 5.5, 5, 2, 1};

typedef struct { double contact_pp, void_rel, thick_mae_vox; size_t pore_as_void; } accuracy_t;

static accuracy_t measure(const cell_t *c, const tl_li_opts *lo, double void_max)
{
    tl_error e;
    tl_li_result L;
    ck_assert_msg(tl_threshold_columns(c->vol, lo, &L, &e) == 0, "%s", e.msg);
    tl_void_opts vo = {lo->electrode, void_max, lo->sse_min, lo->window, 2, LI, VOID};
    tl_void_result V;
    ck_assert_msg(tl_interfacial_voids(c->vol, L.li, &vo, &V, &e) == 0, "%s", e.msg);
    tl_contact_opts co = {lo->electrode, 5, void_max};
    tl_contact_result C;
    ck_assert_msg(tl_contact_map(c->vol, L.li, &co, &C, &e) == 0, "%s", e.msg);
    accuracy_t a = {0};
    size_t truth_contact = 0, diff = 0;
    double mae = 0;
    size_t nli = 0;
    const uint8_t *cm = C.contact->data, *hl = L.has_li->data, *vm = V.voids->data;
    const float *th = L.thickness_um->data;
    for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++) {
            truth_contact += c->contact[y][x];
            diff += cm[y * NX + x] != c->contact[y][x];
            ck_assert_int_eq(hl[y * NX + x], c->has_li[y][x]);
            if (c->has_li[y][x]) {
                mae += fabs(th[y * NX + x] / DZ - (c->zi[y][x] - STEEL_END));
                nli++;
            } else ck_assert_float_eq(th[y * NX + x], -1.0f);
        }
    for (int z = 0; z < NZ; z++)
        for (int y = 0; y < NY; y++)
            for (int x = 0; x < NX; x++) a.pore_as_void += c->is_pore[z][y][x] && vm[((size_t)z * NY + y) * NX + x];
    a.contact_pp = 100.0 * fabs((double)C.contact_pixels - (double)truth_contact) / (NY * NX);
    ck_assert_uint_le(diff, (size_t)(0.02 * NY * NX) + 2);
    a.void_rel = fabs((double)V.void_voxels - (double)c->void_voxels) / (double)c->void_voxels;
    double sub_rel = fabs(V.void_volume_subvoxel_um3 / (DZ * DZ * DZ) - (double)c->void_voxels) / (double)c->void_voxels;
    ck_assert_msg(sub_rel < 0.05, "sub-voxel void volume off by %.2f%%", 100 * sub_rel);
    a.thick_mae_vox = mae / (double)nli;
    ck_assert_double_eq_tol(C.contact_mm2, (double)C.contact_pixels * DZ * DZ * 1e-6, 1e-12);
    ck_assert_double_eq_tol(V.void_volume_um3, (double)V.void_voxels * DZ * DZ * DZ, 1e-9);
    tl_li_result_free(&L); tl_void_result_free(&V); tl_contact_result_free(&C);
    return a;
}

START_TEST(test_cell_exact)
{
    cell_t *c = make_cell(0, 1);
    accuracy_t a = measure(c, &LI_OPTS, 0.6);
    ck_assert_double_eq(a.contact_pp, 0);
    ck_assert_double_eq(a.void_rel, 0);
    ck_assert_double_eq(a.thick_mae_vox, 0);
    ck_assert_uint_eq(a.pore_as_void, 0);
    free_cell(c);
}
END_TEST

/* The accuracy targets of issue 5 item 8 on the noisy cell
 * (noise sigma = 0.1, i.e. Li/void contrast 8 sigma). */
START_TEST(test_cell_noisy_accuracy)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        cell_t *c = make_cell(0.1, seed);
        accuracy_t a = measure(c, &LI_OPTS, 0.6);
        ck_assert_msg(a.contact_pp < 1.0, "contact area off by %.3f pp", a.contact_pp);
        ck_assert_msg(a.void_rel < 0.05, "void volume off by %.2f%%", 100 * a.void_rel);
        ck_assert_msg(a.thick_mae_vox < 1.0, "thickness MAE %.3f voxels", a.thick_mae_vox);
        ck_assert_uint_eq(a.pore_as_void, 0);
        free_cell(c);
    }
}
END_TEST

/* Thresholds proposed from the data do as well as hand-set ones. */
START_TEST(test_cell_proposed_thresholds)
{
    cell_t *c = make_cell(0.1, 7);
    tl_otsu_opts oo = {0, NZ, 0, NY, 0, NX, NULL, 3, 256};
    tl_threshold_proposal p;
    tl_error e;
    ck_assert_msg(tl_propose_thresholds(c->vol, &oo, 3.0, 1, 5, 5, &p, &e) == 0, "%s", e.msg);
    ck_assert_msg(p.li_max > 1.3 && p.li_max < 2.7, "li_max %g", p.li_max);
    ck_assert_msg(p.sse_min > 2.65 && p.sse_min < 2.95, "sse_min %g", p.sse_min);
    ck_assert_msg(p.steel_min > 3.5 && p.steel_min < 7.5, "steel_min %g", p.steel_min);
    ck_assert_msg(p.void_max > 0.3 && p.void_max < 0.9, "void_max %g", p.void_max);
    ck_assert_double_eq_tol(p.li_mean, 1.0, 0.03);
    ck_assert_double_eq_tol(p.li_std, 0.1, 0.02);
    tl_li_opts lo = {TL_ELECTRODE_TOP, p.li_max, p.sse_min, p.steel_min, 5, 2, 1};
    accuracy_t a = measure(c, &lo, p.void_max);
    ck_assert_msg(a.contact_pp < 1.0, "contact area off by %.3f pp", a.contact_pp);
    ck_assert_msg(a.void_rel < 0.05, "void volume off by %.2f%%", 100 * a.void_rel);
    ck_assert_msg(a.thick_mae_vox < 1.0, "thickness MAE %.3f voxels", a.thick_mae_vox);
    ck_assert_uint_eq(a.pore_as_void, 0);
    free_cell(c);
}
END_TEST

static tl_volume *flip_z(const tl_volume *v)
{
    tl_error e;
    tl_volume *f = tl_vol_new_like(v, v->dtype, &e);
    size_t plane = v->ny * v->nx * tl_dtype_size(v->dtype);
    for (size_t z = 0; z < v->nz; z++)
        memcpy((char *)f->data + (v->nz - 1 - z) * plane, (const char *)v->data + z * plane, plane);
    return f;
}

/* The bottom electrode is the same cell upside down. */
START_TEST(test_bottom_electrode_mirrors_top)
{
    cell_t *c = make_cell(0.1, 3);
    tl_volume *fv = flip_z(c->vol);
    tl_error e;
    tl_li_result T, B;
    tl_li_opts bo = LI_OPTS;
    bo.electrode = TL_ELECTRODE_BOTTOM;
    ck_assert_int_eq(tl_threshold_columns(c->vol, &LI_OPTS, &T, &e), 0);
    ck_assert_int_eq(tl_threshold_columns(fv, &bo, &B, &e), 0);
    tl_volume *fl = flip_z(B.li);
    ck_assert_int_eq(memcmp(fl->data, T.li->data, tl_vol_bytes(fl)), 0);
    ck_assert_int_eq(memcmp(B.thickness_um->data, T.thickness_um->data, tl_vol_bytes(T.thickness_um)), 0);
    const int32_t *ts = T.start_vox->data, *bs = B.start_vox->data, *te = T.end_vox->data, *be = B.end_vox->data;
    for (size_t i = 0; i < NY * NX; i++) {
        if (ts[i] < 0) { ck_assert_int_eq(bs[i], -1); continue; }
        ck_assert_int_eq(bs[i], NZ - ts[i]);
        ck_assert_int_eq(be[i], NZ - te[i]);
    }
    tl_void_opts vo = {TL_ELECTRODE_TOP, 0.6, 2.8, 5, 2, LI, VOID}, vb = vo;
    vb.electrode = TL_ELECTRODE_BOTTOM;
    tl_void_result VT, VB;
    ck_assert_int_eq(tl_interfacial_voids(c->vol, T.li, &vo, &VT, &e), 0);
    ck_assert_int_eq(tl_interfacial_voids(fv, B.li, &vb, &VB, &e), 0);
    ck_assert_int_eq(memcmp(VT.height_vox->data, VB.height_vox->data, tl_vol_bytes(VT.height_vox)), 0);
    tl_contact_opts co = {TL_ELECTRODE_TOP, 5, 0.6}, cb = co;
    cb.electrode = TL_ELECTRODE_BOTTOM;
    tl_contact_result CT, CB;
    ck_assert_int_eq(tl_contact_map(c->vol, T.li, &co, &CT, &e), 0);
    ck_assert_int_eq(tl_contact_map(fv, B.li, &cb, &CB, &e), 0);
    ck_assert_int_eq(memcmp(CT.contact->data, CB.contact->data, NY * NX), 0);
    tl_li_result_free(&T); tl_li_result_free(&B); tl_void_result_free(&VT); tl_void_result_free(&VB);
    tl_contact_result_free(&CT); tl_contact_result_free(&CB);
    tl_vol_unref(fl); tl_vol_unref(fv);
    free_cell(c);
}
END_TEST

START_TEST(test_threads_identical)
{
    cell_t *c = make_cell(0.1, 5);
    tl_error e;
    tl_li_result L[2];
    tl_void_result V[2];
    tl_contact_result C[2];
    tl_void_opts vo = {TL_ELECTRODE_TOP, 0.6, 2.8, 5, 2, LI, VOID};
    tl_contact_opts co = {TL_ELECTRODE_TOP, 5, 0.6};
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        ck_assert_int_eq(tl_threshold_columns(c->vol, &LI_OPTS, &L[t], &e), 0);
        ck_assert_int_eq(tl_interfacial_voids(c->vol, L[t].li, &vo, &V[t], &e), 0);
        ck_assert_int_eq(tl_contact_map(c->vol, L[t].li, &co, &C[t], &e), 0);
    }
    ck_assert_int_eq(memcmp(L[0].li->data, L[1].li->data, tl_vol_bytes(L[0].li)), 0);
    ck_assert_int_eq(memcmp(L[0].end_um->data, L[1].end_um->data, tl_vol_bytes(L[0].end_um)), 0);
    ck_assert_int_eq(memcmp(V[0].voids->data, V[1].voids->data, tl_vol_bytes(V[0].voids)), 0);
    ck_assert_int_eq(memcmp(C[0].contact->data, C[1].contact->data, tl_vol_bytes(C[0].contact)), 0);
    for (int t = 0; t < 2; t++) { tl_li_result_free(&L[t]); tl_void_result_free(&V[t]); tl_contact_result_free(&C[t]); }
    omp_set_num_threads(1);
    free_cell(c);
}
END_TEST

START_TEST(test_bad_input)
{
    cell_t *c = make_cell(0, 1);
    tl_error e;
    tl_li_result L;
    ck_assert_int_eq(tl_threshold_columns(c->vol, &LI_OPTS, &L, &e), 0);
    tl_volume *small = tl_vol_new(TL_U8, NZ, NY, NX - 1, &e);
    tl_void_opts vo = {TL_ELECTRODE_TOP, 0.6, 2.8, 5, 2, LI, VOID};
    tl_void_result V;
    ck_assert_int_eq(tl_interfacial_voids(c->vol, small, &vo, &V, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "li"));
    ck_assert_ptr_nonnull(strstr(e.msg, "(64, 64, 63)"));
    tl_contact_opts co = {TL_ELECTRODE_TOP, 5, 0.6};
    tl_contact_result C;
    ck_assert_int_eq(tl_contact_map(c->vol, small, &co, &C, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "(64, 64, 63)"));
    /* empty li mask */
    tl_volume *empty = tl_vol_new(TL_U8, NZ, NY, NX, &e);
    ck_assert_int_eq(tl_contact_map(c->vol, empty, &co, &C, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "li mask is empty"));
    ck_assert_int_eq(tl_interfacial_voids(c->vol, empty, &vo, &V, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "li mask is empty"));
    /* thresholds in the wrong order */
    vo.void_max = 2.9;
    ck_assert_int_eq(tl_interfacial_voids(c->vol, L.li, &vo, &V, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "void_max (2.9) must be below sse_min (2.8)"));
    tl_li_opts bad = LI_OPTS;
    bad.li_max = 3;
    tl_li_result L3;
    ck_assert_int_eq(tl_threshold_columns(c->vol, &bad, &L3, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "li_max (3) must not exceed sse_min (2.8)"));
    /* NaN voxel */
    /* (the kernels report NaN in the voxels they read; the registry checks
     * whole volumes) — the last Li voxel is read by all three */
    ((float *)c->vol->data)[(size_t)(c->zi[5][5] - 1) * NY * NX + 5 * NX + 5] = NAN;
    tl_li_result L2;
    ck_assert_int_eq(tl_threshold_columns(c->vol, &LI_OPTS, &L2, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "NaN"));
    vo.void_max = 0.6;
    ck_assert_int_eq(tl_interfacial_voids(c->vol, L.li, &vo, &V, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "NaN"));
    ck_assert_int_eq(tl_contact_map(c->vol, L.li, &co, &C, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "NaN"));
    /* a 2D map where a volume is needed */
    tl_volume *map = tl_vol_new(TL_F32, 1, NY, NX, &e);
    ck_assert_int_eq(tl_threshold_columns(map, &LI_OPTS, &L2, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "must be 3D"));
    tl_vol_unref(map); tl_vol_unref(small); tl_vol_unref(empty);
    tl_li_result_free(&L);
    free_cell(c);
}
END_TEST

/* Three hand-made columns for the two guards beyond the paper's rules:
 * 0: a pore two voxels into the electrolyte (max_gap keeps it out of the Li
 *    and out of the voids; the paper-literal walk takes it for Li and loses
 *    the contact), 1: a void followed by a Li-like partial voxel before the
 *    electrolyte (the void walk must not stop at that voxel), 2: a pore deep
 *    in the Li (never an interfacial void). */
START_TEST(test_pore_near_interface_and_partial_voxels)
{
    tl_error e;
    tl_volume *v = tl_vol_new(TL_F32, 40, 1, 3, &e);
    float *d = v->data;
    for (int z = 0; z < 40; z++)
        for (int x = 0; x < 3; x++) {
            float val = z < 5 ? STEEL : z < 20 ? LI : SSE;
            if (x == 0 && (z == 22 || z == 23)) val = VOID;
            if (x == 1 && z >= 17 && z < 20) val = VOID;
            if (x == 1 && z == 20) val = 1.1f; /* void/electrolyte partial voxel: Li-like */
            if (x == 2 && (z == 8 || z == 9)) val = VOID;
            d[z * 3 + x] = val;
        }
    for (int gap = 2; gap >= 0; gap -= 2) {
        tl_li_opts lo = LI_OPTS;
        lo.max_gap = gap;
        tl_li_result L;
        ck_assert_int_eq(tl_threshold_columns(v, &lo, &L, &e), 0);
        tl_void_opts vo = {TL_ELECTRODE_TOP, 0.6, 2.8, 5, gap, NAN, NAN};
        tl_void_result V;
        ck_assert_int_eq(tl_interfacial_voids(v, L.li, &vo, &V, &e), 0);
        tl_contact_opts co = {TL_ELECTRODE_TOP, 5, 0.6};
        tl_contact_result C;
        ck_assert_int_eq(tl_contact_map(v, L.li, &co, &C, &e), 0);
        const int32_t *ev = L.end_vox->data, *vh = V.height_vox->data;
        const uint8_t *c = C.contact->data;
        if (gap == 2) {
            ck_assert_int_eq(ev[0], 20);
            ck_assert_int_eq(vh[0], 0);
            ck_assert_int_eq(c[0], 1);
        } else { /* the paper's window alone walks on into the pore */
            ck_assert_int_eq(ev[0], 24);
            ck_assert_int_eq(c[0], 0);
        }
        ck_assert_int_eq(vh[1], 3);
        ck_assert_int_eq(c[1], 0);
        ck_assert_int_eq(vh[2], 0);
        ck_assert_int_eq(c[2], 1);
        tl_li_result_free(&L); tl_void_result_free(&V); tl_contact_result_free(&C);
    }
    tl_vol_unref(v);
}
END_TEST

/* ---- regions ---- */
START_TEST(test_regions_areas_and_fractions)
{
    tl_error e;
    tl_volume *m = tl_vol_new(TL_U8, 1, 40, 50, &e);
    tl_vol_set_voxel(m, 10, 10, 10); /* 100 µm² = 1e-4 mm² per pixel */
    uint8_t *p = m->data;
    for (int y = 2; y < 22; y++) for (int x = 2; x < 32; x++) p[y * 50 + x] = 1;   /* 600 px = 0.06 mm² */
    for (int y = 25; y < 35; y++) for (int x = 5; x < 25; x++) p[y * 50 + x] = 1;  /* 200 px = 0.02 mm² */
    p[38 * 50 + 40] = 1; p[37 * 50 + 41] = 1;  /* diagonal pair: one region in 8-conn */
    p[30 * 50 + 45] = 1;
    tl_regions r;
    ck_assert_int_eq(tl_regions_2d(m, 8, 0.01, &r, &e), 0);
    ck_assert_uint_eq(r.n, 4);
    ck_assert_double_eq_tol(r.area_mm2[0], 0.06, 1e-12);
    ck_assert_double_eq_tol(r.area_mm2[1], 0.02, 1e-12);
    ck_assert_double_eq_tol(r.area_mm2[2], 2e-4, 1e-12);
    ck_assert_double_eq_tol(r.total_mm2, 0.0803, 1e-12);
    ck_assert_double_eq_tol(r.fraction_above, 0.08 / 0.0803, 1e-12);
    ck_assert_double_eq_tol(r.fraction_below, 0.0003 / 0.0803, 1e-12);
    ck_assert_int_eq(((int32_t *)r.labels->data)[3 * 50 + 3], 1);
    ck_assert_int_eq(((int32_t *)r.labels->data)[30 * 50 + 10], 2);
    tl_regions_free(&r);
    ck_assert_int_eq(tl_regions_2d(m, 4, 0.01, &r, &e), 0);
    ck_assert_uint_eq(r.n, 5);
    tl_regions_free(&r);
    tl_volume *v3 = tl_vol_new(TL_U8, 2, 4, 4, &e);
    ck_assert_int_eq(tl_regions_2d(v3, 8, 0.01, &r, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "2D map"));
    tl_vol_unref(v3); tl_vol_unref(m);
}
END_TEST

START_TEST(test_effective_current_density)
{
    double j;
    tl_error e;
    ck_assert_int_eq(tl_effective_current_density(1.0, 0.2, 1.0, &j, &e), 0);
    ck_assert_double_eq_tol(j, 5.0, 1e-12);
    ck_assert_int_eq(tl_effective_current_density(1.0, 0.0, 1.0, &j, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "no contact"));
    ck_assert_int_eq(tl_effective_current_density(1.0, 2.0, 1.0, &j, &e), -1);
}
END_TEST

/* ---- thickness, height, current density, hot spots ---- */
START_TEST(test_thickness_and_height)
{
    tl_error e;
    tl_volume *m = tl_vol_new(TL_U8, 10, 3, 4, &e);
    tl_vol_set_voxel(m, 1.5, 2, 2);
    for (size_t y = 0; y < 3; y++)
        for (size_t x = 0; x < 3; x++)
            for (size_t z = 0; z < 2 + x + y; z++) tl_vol_put(m, z, y, x, 1);
    tl_volume *t = tl_thickness_map(m, 0, &e);
    ck_assert_double_eq_tol(tl_vol_get(t, 0, 2, 1), 5 * 1.5, 1e-6);
    ck_assert_double_eq(tl_vol_get(t, 0, 0, 3), 0);
    tl_volume *h, *v;
    ck_assert_int_eq(tl_interface_height(m, 1, &h, &v, &e), 0);
    ck_assert_double_eq_tol(tl_vol_get(h, 0, 2, 1), 5 * 1.5, 1e-6);
    ck_assert_double_eq(tl_vol_get(h, 0, 1, 3), -1);
    ck_assert_double_eq(tl_vol_get(v, 0, 1, 3), 0);
    tl_volume *hb, *vb;
    ck_assert_int_eq(tl_interface_height(m, 0, &hb, &vb, &e), 0);
    ck_assert_double_eq(tl_vol_get(hb, 0, 2, 1), 0);
    tl_volume *ty = tl_thickness_map(m, 1, &e);
    ck_assert_uint_eq(ty->ny, 10); ck_assert_uint_eq(ty->nx, 4);
    ck_assert_double_eq_tol(tl_vol_get(ty, 0, 2, 0), 2 * 2.0, 1e-6); /* z=2, x=0: y = 1, 2 hold z < 2 + y */
    tl_vol_unref(t); tl_vol_unref(h); tl_vol_unref(v); tl_vol_unref(hb); tl_vol_unref(vb); tl_vol_unref(ty); tl_vol_unref(m);
}
END_TEST

/* 1 mAh/cm² of Li is 3.6 C/cm² / F * 13.0 cm³/mol = 4.8505 µm: plating it in
 * one hour is 1 mA/cm². */
START_TEST(test_current_density_eq3)
{
    tl_error e;
    tl_volume *t1 = tl_vol_new(TL_F32, 1, 8, 8, &e), *t2 = tl_vol_new(TL_F32, 1, 8, 8, &e);
    const double um_per_mAh = 3.6 / 96485.33212 * 13.0 * 1e4;
    float *a = t1->data, *b = t2->data;
    for (int i = 0; i < 64; i++) { a[i] = 100; b[i] = (float)(100 + um_per_mAh); }
    b[9] = (float)(100 - 2 * um_per_mAh); /* stripping 2 mA/cm² there */
    a[63] = -1;                            /* no Li at step 1 */
    tl_volume *j, *v;
    double mean;
    ck_assert_int_eq(tl_current_density(t1, t2, 3600, NULL, NULL, &j, &v, &mean, &e), 0);
    ck_assert_double_eq_tol(tl_vol_get(j, 0, 0, 0), 1.0, 1e-5);
    ck_assert_double_eq_tol(tl_vol_get(j, 0, 1, 1), -2.0, 1e-5);
    ck_assert_double_eq(tl_vol_get(v, 0, 7, 7), 0);
    ck_assert_double_eq(tl_vol_get(j, 0, 7, 7), 0);
    ck_assert_double_eq_tol(mean, (62 * 1.0 - 2.0) / 63, 1e-5);
    tl_volume *bad = tl_vol_new(TL_F32, 1, 8, 7, &e);
    tl_volume *j2, *v2;
    ck_assert_int_eq(tl_current_density(t1, bad, 3600, NULL, NULL, &j2, &v2, &mean, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "t2"));
    tl_volume *vol3 = tl_vol_new(TL_F32, 2, 8, 8, &e);
    ck_assert_int_eq(tl_current_density(vol3, vol3, 3600, NULL, NULL, &j2, &v2, &mean, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "2D"));
    tl_vol_unref(vol3); tl_vol_unref(bad); tl_vol_unref(j); tl_vol_unref(v); tl_vol_unref(t1); tl_vol_unref(t2);
}
END_TEST

START_TEST(test_hot_spots)
{
    tl_error e;
    tl_volume *j = tl_vol_new(TL_F32, 1, 30, 30, &e);
    tl_vol_set_voxel(j, 1, 10, 10);
    float *p = j->data;
    for (int i = 0; i < 900; i++) p[i] = 1.0f + 0.01f * (float)((i * 37) % 11 - 5);
    for (int y = 5; y < 8; y++) for (int x = 5; x < 9; x++) p[y * 30 + x] = 5.0f;   /* 12 px hot */
    for (int y = 20; y < 22; y++) for (int x = 20; x < 23; x++) p[y * 30 + x] = -3.0f; /* 6 px cold */
    tl_hotspots h;
    ck_assert_int_eq(tl_hot_spots(j, NULL, 2.0, 8, 0.0, &h, &e), 0);
    ck_assert_uint_eq(h.hot.n, 1);
    ck_assert_uint_eq(h.cold.n, 1);
    ck_assert_double_eq_tol(h.hot.area_mm2[0], 12 * 1e-4, 1e-12);
    ck_assert_double_eq_tol(h.cold.area_mm2[0], 6 * 1e-4, 1e-12);
    ck_assert_int_eq(((int32_t *)h.hot.labels->data)[6 * 30 + 6], 1);
    tl_hotspots_free(&h);
    tl_vol_unref(j);
}
END_TEST

/* ---- porosity ---- */
START_TEST(test_porosity)
{
    tl_error e;
    /* pores: plane z has porosity z / 20 exactly (first z*20 of 400 voxels) */
    tl_volume *p = tl_vol_new(TL_U8, 20, 20, 20, &e);
    tl_vol_set_voxel(p, 5, 5, 5);
    uint8_t *d = p->data;
    for (size_t z = 0; z < 20; z++)
        for (size_t i = 0; i < z * 20; i++) d[z * 400 + i] = 1;
    tl_profile pr;
    ck_assert_int_eq(tl_porosity_profile(p, NULL, 0, 10, &pr, &e), 0);
    ck_assert_uint_eq(pr.n, 10);
    ck_assert_double_eq_tol(pr.center_um[0], 5, 1e-12);
    ck_assert_double_eq_tol(pr.porosity[3], (6 + 7) / 40.0, 1e-12);
    tl_profile_free(&pr);
    tl_volume *m, *v;
    ck_assert_int_eq(tl_porosity_map(p, NULL, 0, 100, &m, &v, &e), 0);
    /* column (y, x): pore where y*20+x < z*20, i.e. z > y */
    ck_assert_double_eq_tol(tl_vol_get(m, 0, 4, 7), 15 / 20.0, 1e-6);
    tl_vol_unref(m); tl_vol_unref(v);
    tl_band_porosity b;
    tl_volume *el = tl_vol_new(TL_U8, 20, 20, 20, &e);
    tl_vol_set_voxel(el, 5, 5, 5);
    memset(el->data, 1, 10 * 400); /* top electrode z < 10: band 10 µm = planes 8, 9 */
    ck_assert_int_eq(tl_interface_porosity(p, el, TL_ELECTRODE_TOP, 10, &b, &e), 0);
    ck_assert_double_eq_tol(b.band, (8 + 9) / 40.0, 1e-12);
    ck_assert_double_eq_tol(b.bulk, (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7) / 160.0, 1e-12);
    tl_block_porosity bp;
    ck_assert_int_eq(tl_porosity_blocks(p, NULL, 50, 10, &bp, &e), 0);
    ck_assert_uint_eq(bp.n, 8);
    double s = 0;
    for (size_t k = 0; k < bp.n; k++) s += bp.porosity[k];
    ck_assert_double_eq_tol(s / 8, 190.0 / 400, 1e-12);
    tl_block_porosity_free(&bp);
    memset(el->data, 0, tl_vol_count(el));
    ck_assert_int_eq(tl_porosity_profile(p, el, 0, 10, &pr, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "roi is empty"));
    tl_vol_unref(el); tl_vol_unref(p);
}
END_TEST

/* The registry's analytic band (also used by the Lua tests and the bench):
 * both electrodes, a non-square shape, noise. */
START_TEST(test_analytic_cell_accuracy)
{
    static const tl_electrode sides[2] = {TL_ELECTRODE_TOP, TL_ELECTRODE_BOTTOM};
    for (int sd = 0; sd < 2; sd++) {
        tl_cell_opts co = {72, 48, 80, 1.7, sides[sd], 8, 1, 0.2f, 3, 0.1, 42};
        tl_cell_truth t;
        tl_error e;
        ck_assert_msg(tl_analytic_cell(&co, &t, &e) == 0, "%s", e.msg);
        tl_li_opts lo = {sides[sd], 2.0, 2.8, 5.5, 5, 2, 1};
        tl_li_result L;
        ck_assert_int_eq(tl_threshold_columns(t.volume, &lo, &L, &e), 0);
        tl_void_opts vo = {sides[sd], 0.6, 2.8, 5, 2, LI, VOID};
        tl_void_result V;
        ck_assert_int_eq(tl_interfacial_voids(t.volume, L.li, &vo, &V, &e), 0);
        tl_contact_opts cc = {sides[sd], 5, 0.6};
        tl_contact_result C;
        ck_assert_int_eq(tl_contact_map(t.volume, L.li, &cc, &C, &e), 0);
        double pp = 100.0 * fabs((double)C.contact_pixels - (double)t.contact_pixels) / (48.0 * 80);
        double vrel = fabs((double)V.void_voxels - (double)t.void_voxels) / (double)t.void_voxels;
        const float *a = L.thickness_um->data, *b = t.thickness_um->data;
        double mae = 0;
        size_t n = 0, pore_as_void = 0, void_hit = 0;
        for (size_t i = 0; i < 48 * 80; i++)
            if (b[i] >= 0) { mae += fabs(a[i] - b[i]) / 1.7; n++; }
        const uint8_t *pv = t.pores->data, *tv = t.voids->data, *ov = V.voids->data;
        for (size_t i = 0; i < tl_vol_count(t.volume); i++) { pore_as_void += pv[i] && ov[i]; void_hit += tv[i] && ov[i]; }
        ck_assert_msg(pp < 1.0, "contact off by %.3f pp", pp);
        ck_assert_msg(vrel < 0.05, "void volume off by %.2f%%", 100 * vrel);
        ck_assert_msg(mae / n < 1.0, "thickness MAE %.3f voxels", mae / n);
        ck_assert_uint_eq(pore_as_void, 0);
        ck_assert_uint_ge(void_hit, (size_t)(0.95 * t.void_voxels));
        ck_assert_double_eq_tol(t.contact_mm2, t.contact_pixels * 1.7 * 1.7e-6, 1e-12);
        tl_li_result_free(&L); tl_void_result_free(&V); tl_contact_result_free(&C); tl_cell_truth_free(&t);
    }
}
END_TEST

/* Issue item 8: the current-density map from measured thickness maps of two
 * noisy scans correlates with the truth (>= 0.95). The face moves by up to
 * 8 voxels between the scans (phase shift of the rough face). */
START_TEST(test_current_density_correlation)
{
    cell_t *a = make_cell_phase(0.1, 21, 0.0), *b = make_cell_phase(0.1, 22, 1.3);
    tl_error e;
    tl_li_result La, Lb;
    ck_assert_int_eq(tl_threshold_columns(a->vol, &LI_OPTS, &La, &e), 0);
    ck_assert_int_eq(tl_threshold_columns(b->vol, &LI_OPTS, &Lb, &e), 0);
    tl_volume *j, *v;
    double mean;
    const double dt = 900;
    ck_assert_int_eq(tl_current_density(La.thickness_um, Lb.thickness_um, dt, La.has_li, Lb.has_li, &j, &v, &mean, &e), 0);
    const double k = 1e-4 * 96485.33212 / (dt * 13.0) * 1e3;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = 0;
    const float *J = j->data;
    const uint8_t *V = v->data;
    for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++) {
            if (!V[y * NX + x]) { ck_assert(!a->has_li[y][x]); continue; }
            double t = (b->zi[y][x] - a->zi[y][x]) * DZ * k, m = J[y * NX + x];
            sx += t; sy += m; sxx += t * t; syy += m * m; sxy += t * m; n++;
        }
    double r = (sxy - sx * sy / n) / sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
    ck_assert_msg(r >= 0.95, "correlation %.4f", r);
    ck_assert_double_eq_tol(mean, sy / n, 1e-6);
    if (getenv("TL_SEG_VERBOSE")) printf("current-density correlation %.5f over %.0f pixels\n", r, n);
    tl_vol_unref(j); tl_vol_unref(v);
    tl_li_result_free(&La); tl_li_result_free(&Lb);
    free_cell(a); free_cell(b);
}
END_TEST

Suite *suite_interface(void)
{
    Suite *s = suite_create("interface");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_cell_exact);
    tcase_add_test(tc, test_cell_noisy_accuracy);
    tcase_add_test(tc, test_cell_proposed_thresholds);
    tcase_add_test(tc, test_bottom_electrode_mirrors_top);
    tcase_add_test(tc, test_analytic_cell_accuracy);
    tcase_add_test(tc, test_threads_identical);
    tcase_add_test(tc, test_pore_near_interface_and_partial_voxels);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_regions_areas_and_fractions);
    tcase_add_test(tc, test_effective_current_density);
    tcase_add_test(tc, test_thickness_and_height);
    tcase_add_test(tc, test_current_density_eq3);
    tcase_add_test(tc, test_current_density_correlation);
    tcase_add_test(tc, test_hot_spots);
    tcase_add_test(tc, test_porosity);
    suite_add_tcase(s, tc);
    return s;
}
