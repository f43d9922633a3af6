/* phantom_ops.c — registry table of the phantom module: the synthetic
 * cell (an object that evolves scan by scan) and the forward projector. */
#include "../registry.h"
#include "phantom.h"
#include "project_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the phantom_cell class ---- */

static void cell_free(void *d) { tl_ph_cell_free(d); }

static void cell_describe(const void *d, char *buf, size_t n)
{
    const tl_ph_cell *c = d;
    snprintf(buf, n, "phantom_cell scan %d (%zu x %zu x %zu voxels of %g µm, t = %g s)", c->scan, c->o.nz, c->o.ny,
             c->o.nx, c->o.voxel_um, c->time_s);
}

static const tl_ph_cell *cell_of(const tl_value *a) { return a->u.obj->data; }

static int run_mu(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_volume *v = tl_ph_mu(cell_of(&a[0]), err);
    return v ? tl_rec_volume(out, "mu", v) : -1;
}

static int run_labels(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_volume *v = tl_ph_labels(cell_of(&a[0]), err);
    return v ? tl_rec_volume(out, "labels", v) : -1;
}

static int run_truth(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_record *r = tl_record_new();
    if (!r) return tl_err(err, "truth: out of memory");
    if (tl_ph_truth_record(cell_of(&a[0]), r, a[1].u.b, err)) { tl_record_free(r); return -1; }
    return tl_rec_record(out, "truth", r);
}

static int run_write_truth(const tl_value *a, tl_record *out, tl_error *err)
{
    if (tl_ph_write_truth(cell_of(&a[0]), a[1].u.str, err)) return -1;
    return tl_rec_string(out, "path", a[1].u.str);
}

extern const tl_class tl_class_phantom_cell;

#define CELL_ARG {.name = "cell", .type = TL_T_OBJECT, .flags = TL_POSITIONAL | TL_REQUIRED, .cls = &tl_class_phantom_cell, .doc = "a cell from phantom.cell or phantom.evolve"}

static const tl_arg cell_only_args[] = {CELL_ARG, {0}};
static const tl_arg truth_args[] = {
    CELL_ARG,
    {.name = "maps", .type = TL_T_BOOL, .def = 1, .doc = "include the 2-D truth maps (contact, thickness, current, displacement)"},
    {0},
};
static const tl_arg write_truth_args[] = {
    CELL_ARG,
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "output HDF5 file (written atomically, with provenance)"},
    {0},
};
static const tl_ret mu_ret[] = {{.name = "mu", .type = TL_T_VOLUME, .unit = "1/cm", .doc = "f32 attenuation, exact partial volume along z at layer boundaries"}, {0}};
static const tl_ret labels_ret[] = {{.name = "labels", .type = TL_T_VOLUME, .doc = "u8: 0 background, 1 void, 2 li, 3 interphase, 4 electrolyte, 5 pore, 6 steel, 7 impurity"}, {0}};
static const tl_ret truth_ret[] = {{.name = "truth", .type = TL_T_RECORD, .doc = "the scan's table (contact_area_top_mm2, void_volume_top_um3, li_volume_top_um3, interphase_mean_thickness_top_um, porosity, stack_thickness_um, ...) and maps (contact_top, li_thickness_top, current_density_top, void_height_top, displacement_z, ...); see docs/phantom.md"}, {0}};
static const tl_ret path_ret[] = {{.name = "path", .type = TL_T_STRING, .doc = "the file written"}, {0}};


/* ---- phantom.cell ---- */

enum { C_NZ, C_NY, C_NX, C_VOXEL, C_DIAM, C_LI, C_PELLET, C_EDGE, C_ROUGH, C_ROUGHLEN, C_POROS, C_PORER,
       C_PORES, C_PMARGIN, C_CONTACT, C_CREGION, C_RING, C_RINGW, C_VOIDF, C_INTER, C_NIMP, C_IMPR, C_DEPTH,
       C_MU_LI, C_MU_SSE, C_MU_INTER, C_MU_STEEL, C_MU_VOID, C_MU_IMP, C_SEED };

static int run_cell(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_ph_cell_opts o;
    tl_ph_cell_defaults(&o);
    o.nz = (size_t)a[C_NZ].u.i; o.ny = (size_t)a[C_NY].u.i; o.nx = (size_t)a[C_NX].u.i;
    o.voxel_um = a[C_VOXEL].u.num; o.diameter_um = a[C_DIAM].u.num;
    o.li_thickness_um = a[C_LI].u.num; o.pellet_thickness_um = a[C_PELLET].u.num;
    o.edge_thinning = a[C_EDGE].u.num; o.roughness_um = a[C_ROUGH].u.num; o.roughness_length_um = a[C_ROUGHLEN].u.num;
    o.porosity = a[C_POROS].u.num; o.pore_radius_um = a[C_PORER].u.num; o.pore_radius_sigma = a[C_PORES].u.num;
    o.pore_margin_um = a[C_PMARGIN].u.num;
    o.contact_fraction = a[C_CONTACT].u.num; o.contact_region_um = a[C_CREGION].u.num;
    o.ring_period_um = a[C_RING].u.num; o.ring_weight = a[C_RINGW].u.num;
    o.void_fraction = a[C_VOIDF].u.num; o.interphase_um = a[C_INTER].u.num;
    o.n_impurities = (int)a[C_NIMP].u.i; o.impurity_radius_um = a[C_IMPR].u.num;
    o.depth = (int)a[C_DEPTH].u.i;
    o.mu[TL_PH_LI] = a[C_MU_LI].u.num; o.mu[TL_PH_ELECTROLYTE] = a[C_MU_SSE].u.num;
    o.mu[TL_PH_INTERPHASE] = a[C_MU_INTER].u.num; o.mu[TL_PH_STEEL] = a[C_MU_STEEL].u.num;
    o.mu[TL_PH_VOID] = o.mu[TL_PH_PORE] = a[C_MU_VOID].u.num; o.mu[TL_PH_IMPURITY] = a[C_MU_IMP].u.num;
    o.seed = (uint64_t)a[C_SEED].u.i;
    tl_ph_cell *c = tl_ph_cell_new(&o, err);
    if (!c) return -1;
    tl_object *obj = tl_object_new(&tl_class_phantom_cell, c, err);
    return obj ? tl_rec_object(out, "cell", obj) : -1;
}

static const tl_arg cell_args[] = {
    [C_NZ] = {.name = "nz", .type = TL_T_INT, .def = 160, .min = 16, .max = 8192, .unit = "voxels", .doc = "slices along z (the stack and rotation axis)"},
    [C_NY] = {.name = "ny", .type = TL_T_INT, .def = 256, .min = 16, .max = 8192, .unit = "voxels", .doc = "rows"},
    [C_NX] = {.name = "nx", .type = TL_T_INT, .def = 256, .min = 16, .max = 8192, .unit = "voxels", .doc = "columns"},
    [C_VOXEL] = {.name = "voxel", .type = TL_T_NUMBER, .def = 1.7, .min = 0.01, .max = 1000, .unit = "µm", .doc = "isotropic voxel size (2-BM: 1.7 µm)"},
    [C_DIAM] = {.name = "diameter", .type = TL_T_NUMBER, .def = 0, .min = 0, .max = 1e6, .unit = "µm", .doc = "cell (rod) diameter; 0 = 90% of the narrower of ny, nx"},
    [C_LI] = {.name = "li_thickness", .type = TL_T_NUMBER, .def = 55, .min = 1, .max = 1e5, .unit = "µm", .doc = "each Li electrode at the centre"},
    [C_PELLET] = {.name = "pellet_thickness", .type = TL_T_NUMBER, .def = 125, .min = 1, .max = 1e5, .unit = "µm", .doc = "electrolyte pellet"},
    [C_EDGE] = {.name = "edge_thinning", .type = TL_T_NUMBER, .def = 0.15, .min = 0, .max = 0.9, .doc = "Li thinner at the rim by this fraction (seed 000: thinner electrodes at the edges)"},
    [C_ROUGH] = {.name = "roughness", .type = TL_T_NUMBER, .def = 2.5, .min = 0, .max = 1e3, .unit = "µm", .doc = "rms height of the pellet surfaces (Li/electrolyte interfaces)"},
    [C_ROUGHLEN] = {.name = "roughness_length", .type = TL_T_NUMBER, .def = 25, .min = 0, .max = 1e5, .unit = "µm", .doc = "lateral correlation length of the roughness"},
    [C_POROS] = {.name = "porosity", .type = TL_T_NUMBER, .def = 0.05, .min = 0, .max = 0.49, .doc = "pore / (pore + electrolyte) voxels, met by construction"},
    [C_PORER] = {.name = "pore_radius", .type = TL_T_NUMBER, .def = 4, .min = 0.1, .max = 1e3, .unit = "µm", .doc = "median pore radius (log-normal distribution)"},
    [C_PORES] = {.name = "pore_radius_sigma", .type = TL_T_NUMBER, .def = 0.35, .min = 0, .max = 2, .doc = "log-normal sigma of the pore radii"},
    [C_PMARGIN] = {.name = "pore_margin", .type = TL_T_NUMBER, .def = 6, .min = 0, .max = 1e3, .unit = "µm", .doc = "pore-free skin under each pellet surface (so pores never touch the Li)"},
    [C_CONTACT] = {.name = "contact_fraction", .type = TL_T_NUMBER, .def = 0.7, .min = 0, .max = 1, .doc = "fraction of the cell's columns in contact at each interface, met by construction"},
    [C_CREGION] = {.name = "contact_region", .type = TL_T_NUMBER, .def = 20, .min = 0, .max = 1e5, .unit = "µm", .doc = "correlation length of the contact patches (sets the contact-region size distribution)"},
    [C_RING] = {.name = "ring_period", .type = TL_T_NUMBER, .def = 70, .min = 0, .max = 1e5, .unit = "µm", .doc = "radial period of the ring-like contact pattern left by the rods; 0 = none"},
    [C_RINGW] = {.name = "ring_weight", .type = TL_T_NUMBER, .def = 0.5, .min = 0, .max = 1, .doc = "share of the rings (vs random patches) in the contact pattern"},
    [C_VOIDF] = {.name = "void_fraction", .type = TL_T_NUMBER, .def = 0.03, .min = 0, .max = 0.49, .doc = "interfacial void / (Li + void) volume at each electrode, met by construction"},
    [C_INTER] = {.name = "interphase", .type = TL_T_NUMBER, .def = 2, .min = 0, .max = 1e3, .unit = "µm", .doc = "initial interphase thickness on both pellet faces; 0 = none"},
    [C_NIMP] = {.name = "impurities", .type = TL_T_INT, .def = 6, .min = 0, .max = 10000, .doc = "number of bright impurity spots inside the Li"},
    [C_IMPR] = {.name = "impurity_radius", .type = TL_T_NUMBER, .def = 3.5, .min = 0.1, .max = 1e3, .unit = "µm", .doc = "typical impurity radius (x 0.7 .. 1.3)"},
    [C_DEPTH] = {.name = "depth", .type = TL_T_INT, .def = 5, .min = 1, .max = 1000, .unit = "voxels", .doc = "contact depth of the truth (seed 000: 5)"},
    [C_MU_LI] = {.name = "mu_li", .type = TL_T_NUMBER, .def = 3.2, .min = 0, .max = 1e4, .unit = "1/cm", .doc = "Li attenuation (effective 28 keV contrast, 2.5x below LSPS)"},
    [C_MU_SSE] = {.name = "mu_electrolyte", .type = TL_T_NUMBER, .def = 8.0, .min = 0, .max = 1e4, .unit = "1/cm", .doc = "electrolyte (LSPS) attenuation"},
    [C_MU_INTER] = {.name = "mu_interphase", .type = TL_T_NUMBER, .def = 5.6, .min = 0, .max = 1e4, .unit = "1/cm", .doc = "interphase attenuation (between Li and LSPS)"},
    [C_MU_STEEL] = {.name = "mu_steel", .type = TL_T_NUMBER, .def = 60, .min = 0, .max = 1e5, .unit = "1/cm", .doc = "steel collector attenuation"},
    [C_MU_VOID] = {.name = "mu_void", .type = TL_T_NUMBER, .def = 0.05, .min = 0, .max = 1e4, .unit = "1/cm", .doc = "voids and pores (gas, near 0)"},
    [C_MU_IMP] = {.name = "mu_impurity", .type = TL_T_NUMBER, .def = 40, .min = 0, .max = 1e5, .unit = "1/cm", .doc = "impurity spots"},
    [C_SEED] = {.name = "seed", .type = TL_T_INT, .def = 1, .min = 0, .max = 9007199254740991.0, .doc = "seed of every random choice"},
    {0},
};
static const tl_ret cell_ret[] = {{.name = "cell", .type = TL_T_OBJECT, .cls = &tl_class_phantom_cell, .doc = "the cell: methods mu(), labels(), truth(), write_truth(path)"}, {0}};

/* ---- phantom.evolve ---- */

enum { E_CELL, E_J, E_DT, E_STRIP, E_LIFRAC, E_PLATE, E_INTER, E_LIPER, E_HOT, E_HOTLEN, E_REPL, E_REPLP, E_DISP, E_SEED };

static int run_evolve(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_ph_step_opts s;
    tl_ph_step_defaults(&s);
    s.current_density_mA_cm2 = a[E_J].u.num;
    s.duration_s = a[E_DT].u.num;
    s.strip = strcmp(a[E_STRIP].u.str, "bottom") == 0;
    s.li_fraction = a[E_LIFRAC].u.num;
    s.plating_efficiency = a[E_PLATE].u.num;
    s.interphase_um_per_mAh = a[E_INTER].u.num;
    s.li_per_interphase = a[E_LIPER].u.num;
    s.hotspot_strength = a[E_HOT].u.num;
    s.hotspot_length_um = a[E_HOTLEN].u.num;
    s.replenish = a[E_REPL].u.num;
    s.replenish_plating = a[E_REPLP].u.num;
    s.displacement_ratio = a[E_DISP].u.num;
    s.seed = (uint64_t)a[E_SEED].u.i;
    tl_ph_cell *c = tl_ph_evolve(cell_of(&a[E_CELL]), &s, err);
    if (!c) return -1;
    tl_object *obj = tl_object_new(&tl_class_phantom_cell, c, err);
    return obj ? tl_rec_object(out, "cell", obj) : -1;
}

static const tl_arg evolve_args[] = {
    [E_CELL] = CELL_ARG,
    [E_J] = {.name = "current_density_mA_cm2", .type = TL_T_NUMBER, .def = 1, .min = 0, .max = 1000, .unit = "mA/cm²", .doc = "nominal current density over the cell's cross-section"},
    [E_DT] = {.name = "duration_s", .type = TL_T_NUMBER, .def = 900, .min = 0, .max = 1e8, .flags = TL_MIN_EXCL, .unit = "s", .doc = "length of the galvanostatic step (seed 000: scans every 15 min)"},
    [E_STRIP] = {.name = "strip", .type = TL_T_CHOICE, .def_str = "top", .choices = "top bottom", .doc = "electrode that is oxidised (stripped); the other is reduced"},
    [E_LIFRAC] = {.name = "li_fraction", .type = TL_T_NUMBER, .def = 0.72, .min = 0, .max = 1, .doc = "share of the stripping charge that removes Li metal (seed 000: 0.72, 0.51); the rest oxidises interphase"},
    [E_PLATE] = {.name = "plating_efficiency", .type = TL_T_NUMBER, .def = 0.3, .min = 0, .max = 1, .doc = "share of the reducing charge plated as Li"},
    [E_INTER] = {.name = "interphase_growth", .type = TL_T_NUMBER, .def = 1, .min = 0, .max = 1000, .unit = "µm per mAh/cm²", .doc = "interphase growth at the reducing interface"},
    [E_LIPER] = {.name = "li_per_interphase", .type = TL_T_NUMBER, .def = 0.5, .min = 0, .max = 100, .doc = "µm of Li consumed per µm of interphase grown"},
    [E_HOT] = {.name = "hotspot_strength", .type = TL_T_NUMBER, .def = 0.5, .min = 0, .max = 5, .doc = "log-normal std of the local current density (hot spots)"},
    [E_HOTLEN] = {.name = "hotspot_length", .type = TL_T_NUMBER, .def = 15, .min = 0, .max = 1e5, .unit = "µm", .doc = "correlation length of the hot spots"},
    [E_REPL] = {.name = "replenish", .type = TL_T_NUMBER, .def = 0.75, .min = 0, .max = 1, .doc = "share of the mean space opened at the stripping electrode that its collector follows (creep); the rest becomes void where stripping is fastest"},
    [E_REPLP] = {.name = "replenish_plating", .type = TL_T_NUMBER, .def = 1, .min = 0, .max = 1, .doc = "the same at the reducing electrode"},
    [E_DISP] = {.name = "displacement_ratio", .type = TL_T_NUMBER, .def = 0.4, .min = 0, .max = 10, .doc = "mean pellet displacement / mean stripped Li thickness; 1.2x that at the centre, 0.8x at the rim"},
    [E_SEED] = {.name = "seed", .type = TL_T_INT, .def = 1, .min = 0, .max = 9007199254740991.0, .doc = "seed of the hot-spot field"},
    {0},
};

/* ---- project ---- */

enum { P_MU, P_PATH, P_ANGLES, P_NANG, P_COLS, P_SUB, P_PHOT, P_DARKC, P_NFLAT, P_NDARK, P_GSPREAD, P_GERR,
       P_ZING, P_ZCOUNT, P_NOISE, P_BLOCK, P_SEED };

static int run_project(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_scan_opts o;
    tl_scan_defaults(&o);
    if (a[P_ANGLES].set) { o.theta_deg = a[P_ANGLES].u.nums.v; o.n_angles = a[P_ANGLES].u.nums.n; }
    else o.n_angles = (size_t)a[P_NANG].u.i;
    o.ncols = (size_t)a[P_COLS].u.i;
    o.nsub = (size_t)a[P_SUB].u.i;
    o.photons = a[P_PHOT].u.num; o.dark_counts = a[P_DARKC].u.num;
    o.n_flat = (size_t)a[P_NFLAT].u.i; o.n_dark = (size_t)a[P_NDARK].u.i;
    o.gain_spread = a[P_GSPREAD].u.num; o.gain_error = a[P_GERR].u.num;
    o.zingers = a[P_ZING].u.num; o.zinger_counts = a[P_ZCOUNT].u.num;
    o.noise = a[P_NOISE].u.b; o.block = (size_t)a[P_BLOCK].u.i;
    o.seed = (uint64_t)a[P_SEED].u.i;
    const char *path = a[P_PATH].set ? a[P_PATH].u.str : NULL;
    tl_scan s;
    if (tl_scan_simulate(a[P_MU].u.vol, &o, path, &s, err)) return -1;
    int rc = 0;
    if (s.data) { rc |= tl_rec_volume(out, "data", s.data); s.data = NULL; }
    if (!path) {
        rc |= tl_rec_volume(out, "white", s.white); s.white = NULL;
        rc |= tl_rec_volume(out, "dark", s.dark); s.dark = NULL;
    }
    rc |= tl_rec_numbers(out, "theta", s.theta_deg, s.n_angles);
    if (path) rc |= tl_rec_string(out, "path", path);
    tl_scan_free(&s);
    return rc ? tl_err(err, "project: out of memory for the results") : 0;
}

static const tl_arg project_args[] = {
    [P_MU] = {.name = "mu", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_3D | TL_FINITE, .dtypes = TL_DT(TL_F32), .unit = "1/cm", .doc = "attenuation volume (z = rotation axis; square voxels in y, x)"},
    [P_PATH] = {.name = "path", .type = TL_T_STRING, .flags = TL_OPTIONAL, .doc = "Data Exchange HDF5 to write, streamed by blocks of projections; absent: return the volumes"},
    [P_ANGLES] = {.name = "angles", .type = TL_T_NUMBERS, .flags = TL_OPTIONAL, .unit = "degrees", .doc = "projection angles; absent: n_angles evenly over [0, 180)"},
    [P_NANG] = {.name = "n_angles", .type = TL_T_INT, .def = 360, .min = 1, .max = 100000, .doc = "number of evenly spaced angles when angles is absent (2-BM: 1500)"},
    [P_COLS] = {.name = "columns", .type = TL_T_INT, .def = 0, .min = 0, .max = 100000, .unit = "pixels", .doc = "detector columns (pixel = voxel); 0 = nx"},
    [P_SUB] = {.name = "subrays", .type = TL_T_INT, .def = 4, .min = 1, .max = 64, .doc = "exact rays per detector pixel, spread evenly across it"},
    [P_PHOT] = {.name = "photons", .type = TL_T_NUMBER, .def = 20000, .min = 0, .max = 65535, .flags = TL_MIN_EXCL, .unit = "counts", .doc = "mean flat-field counts per pixel; with gains and dark it must stay below the u16 range (checked)"},
    [P_DARKC] = {.name = "dark_counts", .type = TL_T_NUMBER, .def = 100, .min = 0, .max = 60000, .unit = "counts", .doc = "mean dark counts, added to every frame"},
    [P_NFLAT] = {.name = "n_flat", .type = TL_T_INT, .def = 10, .min = 1, .max = 10000, .doc = "flat-field frames (/exchange/data_white)"},
    [P_NDARK] = {.name = "n_dark", .type = TL_T_INT, .def = 10, .min = 1, .max = 10000, .doc = "dark frames (/exchange/data_dark)"},
    [P_GSPREAD] = {.name = "gain_spread", .type = TL_T_NUMBER, .def = 0.02, .min = 0, .max = 1, .doc = "std of the fixed per-pixel gain (same in flats and data, removed by flat-fielding)"},
    [P_GERR] = {.name = "gain_error", .type = TL_T_NUMBER, .def = 0, .min = 0, .max = 1, .doc = "std of the per-pixel gain change between flats and projections (ring artefacts)"},
    [P_ZING] = {.name = "zingers", .type = TL_T_NUMBER, .def = 0, .min = 0, .max = 1, .doc = "probability of a zinger per pixel per projection"},
    [P_ZCOUNT] = {.name = "zinger_counts", .type = TL_T_NUMBER, .def = 20000, .min = 0, .max = 65535, .unit = "counts", .doc = "counts a zinger adds"},
    [P_NOISE] = {.name = "noise", .type = TL_T_BOOL, .def = 1, .doc = "Poisson noise; false gives the expected counts rounded"},
    [P_BLOCK] = {.name = "block", .type = TL_T_INT, .def = 16, .min = 1, .max = 100000, .doc = "projections computed and written per block (peak memory)"},
    [P_SEED] = {.name = "seed", .type = TL_T_INT, .def = 1, .min = 0, .max = 9007199254740991.0, .doc = "seed of the noise, gains and zingers"},
    {0},
};
static const tl_ret project_ret[] = {
    {.name = "data", .type = TL_T_VOLUME, .unit = "counts", .doc = "u16 projections (theta, z, column), when no path is given"},
    {.name = "white", .type = TL_T_VOLUME, .unit = "counts", .doc = "u16 flat fields (n_flat, z, column), when no path is given"},
    {.name = "dark", .type = TL_T_VOLUME, .unit = "counts", .doc = "u16 dark fields (n_dark, z, column), when no path is given"},
    {.name = "theta", .type = TL_T_NUMBERS, .unit = "degrees", .doc = "the angles"},
    {.name = "path", .type = TL_T_STRING, .doc = "the file written, when path is given"},
    {0},
};

static const tl_op cell_methods[] = {
    {.name = "evolve", .group = "phantom", .summary = "Next scan of this cell (same as phantom.evolve)",
     .doc = "cell:evolve{...} is tl.phantom.evolve(cell, {...}); see phantom.evolve.",
     .args = evolve_args, .rets = cell_ret, .example = "cell1 = cell:evolve{strip = 'top'}", .run = run_evolve, .flags = TL_OP_METHOD},
    {.name = "mu", .group = "phantom", .summary = "Attenuation volume of a phantom cell (1/cm)",
     .doc = "Rasterises the cell: each voxel holds the attenuation of the layers it overlaps along z (exact "
            "partial volume at interfaces) or of the pore/impurity its centre lies in.",
     .args = cell_only_args, .rets = mu_ret, .example = "mu = cell:mu()", .run = run_mu, .flags = TL_OP_METHOD},
    {.name = "labels", .group = "phantom", .summary = "Label volume of a phantom cell (u8)",
     .doc = "Each voxel gets the phase holding its centre: 0 background, 1 void, 2 li, 3 interphase, "
            "4 electrolyte, 5 pore, 6 steel, 7 impurity.",
     .args = cell_only_args, .rets = labels_ret, .example = "lab = cell:labels()", .run = run_labels, .flags = TL_OP_METHOD},
    {.name = "truth", .group = "phantom", .summary = "Ground truth of a phantom scan: table and maps",
     .doc = "Contact per interface by seed 000's rule (no void among the `depth` Li-edge voxels next to the "
            "pellet), areas in mm², volumes in µm³ counted on the labels, exact Li thickness maps (µm), the "
            "local current density of the step that made this scan (mA/cm², 0 without contact), the pellet "
            "displacement along z (µm, this step and since scan 0).",
     .args = truth_args, .rets = truth_ret, .example = "t = cell:truth(); print(t.contact_area_top_mm2)",
     .run = run_truth, .flags = TL_OP_METHOD},
    {.name = "write_truth", .group = "phantom", .summary = "Write a phantom scan's ground truth to HDF5",
     .doc = "/labels (u8, with legend and mu attributes), /maps/<name> (2-D, as in truth()), "
            "/table/<name> (one number each), and tomolith_provenance on the root group.",
     .args = write_truth_args, .rets = path_ret, .example = "cell:write_truth('scan0_truth.h5')",
     .run = run_write_truth, .flags = TL_OP_METHOD},
    {0},
};

const tl_class tl_class_phantom_cell = {
    .name = "phantom_cell", .free = cell_free, .describe = cell_describe, .methods = cell_methods,
};

const tl_op tl_ops_phantom[] = {
    {.name = "phantom.cell", .group = "phantom", .summary = "Synthetic Li | solid electrolyte | Li cell with ground truth",
     .doc = "A cylindrical cell along z: steel collectors at both ends, two Li electrodes, the electrolyte pellet "
            "with rough bowed faces, log-normal pores, an optional interphase, interfacial voids whose columns "
            "make a contact map of the requested fraction (random patches mixed with the rings the rods leave, "
            "seed 000 Fig. 4) and a few bright impurities in the Li. Porosity, contact fraction and void "
            "fraction are met by construction on the labels. Returns an object that phantom.evolve continues; "
            "see docs/phantom.md.",
     .args = cell_args, .rets = cell_ret,
     .example = "cell = tl.phantom.cell{nz = 160, ny = 256, nx = 256, contact_fraction = 0.7, seed = 7}",
     .run = run_cell},
    {.name = "phantom.evolve", .group = "phantom", .summary = "Next scan of a phantom cell after a galvanostatic step",
     .doc = "Current flows through contacting columns only (effective current density = nominal x cell area / "
            "contact area) with log-normal hot spots. The stripping side loses Li (4.85 µm per mAh/cm²), "
            "voids open where loss outpaces the collector's follow-up and close where the pellet presses in; "
            "the reducing side grows interphase that consumes Li; the pellet moves towards the stripping side, "
            "most at the centre. The input cell is unchanged.",
     .args = evolve_args, .rets = cell_ret,
     .example = "cell1 = tl.phantom.evolve(cell, {current_density_mA_cm2 = 4, duration_s = 3600, strip = 'top'})",
     .run = run_evolve},
    {.name = "project", .group = "phantom", .summary = "Simulated parallel-beam scan of an attenuation volume",
     .doc = "Projections over the given angles about z through the volume centre; each detector pixel averages "
            "`subrays` rays traced exactly through the voxels (Siddon), so it is not the adjoint of a gridding "
            "reconstructor. Counts = Poisson(gain x photons x exp(-line integral)) + Poisson(dark), u16. "
            "With path: an APS Data Exchange file (/exchange/data u16 theta:y:x, data_white, data_dark, "
            "theta in degrees, /measurement/instrument/detector/pixel_size in µm) written block by block.",
     .args = project_args, .rets = project_ret,
     .example = "tl.project(cell:mu(), {path = 'scan0.h5', n_angles = 360, photons = 20000, seed = 1})",
     .run = run_project},
    {0},
};
