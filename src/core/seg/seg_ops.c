/* seg_ops.c — registry table of the seg module: the column traversal of
 * seed 000 (lithium, interfacial voids), thresholds from data, connected
 * components, binary morphology and filters. Kernels live in one file per
 * job next to this one; here only argument unpacking and documentation. */
#include "../registry.h"
#include "seg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define VOL_F32 TL_DT(TL_F32)
#define VOL_U8 TL_DT(TL_U8)

static tl_electrode electrode_arg(const tl_value *a)
{
    tl_electrode e = TL_ELECTRODE_TOP;
    tl_electrode_parse(a->u.str, &e);
    return e;
}

/* Fill unset thresholds from the volume's histogram (propose_thresholds on
 * the whole volume) and record what was used. */
static int fill_thresholds(const tl_volume *v, int collector, int window, double *li_max, double *sse_min,
                           double *steel_min, double *void_max, int *proposed, tl_threshold_proposal *used, tl_error *err)
{
    *proposed = 0;
    int need = (li_max && isnan(*li_max)) || (sse_min && isnan(*sse_min)) || (steel_min && isnan(*steel_min)) ||
               (void_max && isnan(*void_max));
    if (!need) return 0;
    tl_threshold_proposal p;
    if (tl_propose_thresholds_whole(v, collector, window, 5, &p, err)) return -1;
    if (li_max && isnan(*li_max)) *li_max = p.li_max;
    if (sse_min && isnan(*sse_min)) *sse_min = p.sse_min;
    if (steel_min && isnan(*steel_min)) *steel_min = p.steel_min;
    if (void_max && isnan(*void_max)) *void_max = p.void_max;
    if (used) *used = p;
    *proposed = 1;
    return 0;
}

static double opt_num(const tl_value *a) { return a->set ? a->u.num : NAN; }

/* ---- threshold_columns ---- */
static int run_threshold_columns(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *v = a[0].u.vol;
    int collector = a[6].u.b, proposed;
    tl_li_opts o = {electrode_arg(&a[1]), opt_num(&a[2]), opt_num(&a[3]), opt_num(&a[4]), (int)a[5].u.i, (int)a[7].u.i, collector};
    if (!collector && isnan(o.steel_min)) o.steel_min = INFINITY;
    if (fill_thresholds(v, collector, o.window, &o.li_max, &o.sse_min, &o.steel_min, NULL, &proposed, NULL, err))
        return tl_err_prefix(err, "threshold_columns: ");
    tl_li_result r;
    if (tl_threshold_columns(v, &o, &r, err)) return -1;
    tl_rec_volume(out, "li", r.li);
    tl_rec_volume(out, "has_li", r.has_li);
    tl_rec_volume(out, "start_um", r.start_um);
    tl_rec_volume(out, "end_um", r.end_um);
    tl_rec_volume(out, "thickness_um", r.thickness_um);
    tl_rec_volume(out, "start_vox", r.start_vox);
    tl_rec_volume(out, "end_vox", r.end_vox);
    tl_rec_int(out, "li_voxels", (long long)r.li_voxels);
    tl_rec_int(out, "li_columns", (long long)r.li_columns);
    tl_rec_number(out, "li_volume_um3", (double)r.li_voxels * v->voxel_um[0] * v->voxel_um[1] * v->voxel_um[2]);
    tl_record *t = tl_record_new();
    tl_rec_number(t, "li_max", o.li_max);
    tl_rec_number(t, "sse_min", o.sse_min);
    tl_rec_number(t, "steel_min", o.steel_min);
    tl_rec_bool(t, "proposed", proposed);
    tl_rec_record(out, "thresholds", t);
    return 0;
}

static const tl_arg threshold_columns_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_3D, .dtypes = VOL_F32,
     .unit = "1/cm", .doc = "reconstructed f32 crop holding one electrode: collector, lithium, electrolyte along z"},
    {.name = "electrode", .type = TL_T_CHOICE, .def_str = "top", .choices = "top bottom",
     .doc = "top: collector at low z, walk towards +z; bottom: collector at high z, walk towards -z"},
    {.name = "li_max", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "a voxel is lithium while its intensity is below this; default: proposed from the volume (propose_thresholds)"},
    {.name = "sse_min", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "the walk stops where the mean of the next `window` voxels exceeds this electrolyte threshold; default: proposed"},
    {.name = "steel_min", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "voxels at or above this at the collector end are steel and skipped; default: proposed (infinite when collector = false)"},
    {.name = "window", .type = TL_T_INT, .def = 5, .min = 1, .max = 1000, .unit = "voxels", .doc = "look-ahead window (seed 000: 5)"},
    {.name = "collector", .type = TL_T_BOOL, .def = 1,
     .doc = "the crop includes the steel collector: the walk starts after it and columns that never meet steel (outside the cell) hold no Li; false: walk from the crop's first voxel"},
    {.name = "max_gap", .type = TL_T_INT, .def = 2, .min = 0, .max = 1000, .unit = "voxels",
     .doc = "also stop after this many voxels in a row at or above li_max past the Li (a pore near the interface is not Li); 0 = the paper's window rule alone"},
    {0},
};
static const tl_ret threshold_columns_rets[] = {
    {.name = "li", .type = TL_T_VOLUME, .doc = "u8 lithium mask (voids at the Li edge are darker than Li and belong to it)"},
    {.name = "has_li", .type = TL_T_VOLUME, .doc = "u8 map (1, ny, nx): 1 where the column holds lithium"},
    {.name = "start_um", .type = TL_T_VOLUME, .unit = "µm", .doc = "f32 map: z of the collector-side Li face (voxel faces, z = index * voxel), -1 without Li"},
    {.name = "end_um", .type = TL_T_VOLUME, .unit = "µm", .doc = "f32 map: z of the electrolyte-side Li face, -1 without Li"},
    {.name = "thickness_um", .type = TL_T_VOLUME, .unit = "µm", .doc = "f32 map: |end - start|, -1 without Li"},
    {.name = "start_vox", .type = TL_T_VOLUME, .unit = "voxels", .doc = "i32 map: start face index, -1 without Li"},
    {.name = "end_vox", .type = TL_T_VOLUME, .unit = "voxels", .doc = "i32 map: end face index, -1 without Li"},
    {.name = "li_voxels", .type = TL_T_INT, .doc = "lithium voxels"},
    {.name = "li_columns", .type = TL_T_INT, .doc = "columns holding lithium"},
    {.name = "li_volume_um3", .type = TL_T_NUMBER, .unit = "µm³", .doc = "lithium volume"},
    {.name = "thresholds", .type = TL_T_RECORD, .doc = "{li_max, sse_min, steel_min, proposed}: the thresholds used"},
    {0},
};

/* ---- interfacial_voids ---- */
static int run_interfacial_voids(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *v = a[0].u.vol;
    tl_void_opts o = {electrode_arg(&a[2]), opt_num(&a[3]), opt_num(&a[4]), (int)a[5].u.i, (int)a[7].u.i,
                      opt_num(&a[8]), opt_num(&a[9])};
    int proposed;
    tl_threshold_proposal p;
    if (fill_thresholds(v, a[6].u.b, o.window, NULL, &o.sse_min, NULL, &o.void_max, &proposed, &p, err))
        return tl_err_prefix(err, "interfacial_voids: ");
    /* levels for the sub-voxel height come with a proposal; without one
     * (thresholds given) or without a visible void level the sub-voxel
     * estimate is not made (NaN) unless the levels are given, never guessed */
    if (proposed) {
        if (isnan(o.li_level)) o.li_level = p.li_mean;
        if (isnan(o.void_level)) o.void_level = p.void_level;
    }
    tl_void_result r;
    if (tl_interfacial_voids(v, a[1].u.vol, &o, &r, err)) return -1;
    tl_rec_volume(out, "voids", r.voids);
    tl_rec_volume(out, "height_um", r.height_um);
    tl_rec_volume(out, "height_vox", r.height_vox);
    tl_rec_volume(out, "height_subvoxel_um", r.height_subvoxel_um);
    tl_rec_int(out, "void_voxels", (long long)r.void_voxels);
    tl_rec_int(out, "void_columns", (long long)r.void_columns);
    tl_rec_number(out, "void_volume_um3", r.void_volume_um3);
    tl_rec_number(out, "void_volume_subvoxel_um3", r.void_volume_subvoxel_um3);
    tl_rec_int(out, "pore_runs", (long long)r.pore_runs);
    tl_record *t = tl_record_new();
    tl_rec_number(t, "void_max", o.void_max);
    tl_rec_number(t, "sse_min", o.sse_min);
    tl_rec_number(t, "li_level", o.li_level);
    tl_rec_number(t, "void_level", o.void_level);
    tl_rec_bool(t, "proposed", proposed);
    tl_rec_record(out, "thresholds", t);
    return 0;
}

static const tl_arg interfacial_voids_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_3D, .dtypes = VOL_F32,
     .unit = "1/cm", .doc = "reconstructed f32 crop (the one given to threshold_columns)"},
    {.name = "li", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8,
     .doc = "lithium mask from threshold_columns: the walk ends after `window` solid (non-void) Li voxels in a row"},
    {.name = "electrode", .type = TL_T_CHOICE, .def_str = "top", .choices = "top bottom",
     .doc = "side of the collector; the walk starts at the opposite (electrolyte) end"},
    {.name = "void_max", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "void voxels are below this; default: proposed (Li level - 3 Li spreads)"},
    {.name = "sse_min", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "a run followed by a window mean below this is an interfacial void, else a pore; default: proposed"},
    {.name = "window", .type = TL_T_INT, .def = 5, .min = 1, .max = 1000, .unit = "voxels", .doc = "voxels averaged after a run (seed 000: 5)"},
    {.name = "collector", .type = TL_T_BOOL, .def = 1, .doc = "the crop includes the steel collector (used when proposing thresholds)"},
    {.name = "max_gap", .type = TL_T_INT, .def = 2, .min = 0, .max = 1000, .unit = "voxels",
     .doc = "a void run must also reach the Li mask within this many voxels (a pore near the interface is not a void); 0 = window rule alone"},
    {.name = "li_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "lithium intensity, for the sub-voxel void height and the solid-Li test; default: proposed with the "
            "thresholds (median of the Li class)"},
    {.name = "void_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "void intensity for the sub-voxel void height; default: proposed with the thresholds when voids are visible; without it no sub-voxel estimate"},
    {0},
};
static const tl_ret interfacial_voids_rets[] = {
    {.name = "voids", .type = TL_T_VOLUME, .doc = "u8 mask of interfacial voids (pores in the electrolyte or the Li excluded)"},
    {.name = "height_um", .type = TL_T_VOLUME, .unit = "µm", .doc = "f32 map: void height per column (0 = none)"},
    {.name = "height_vox", .type = TL_T_VOLUME, .unit = "voxels", .doc = "i32 map: void height per column"},
    {.name = "height_subvoxel_um", .type = TL_T_VOLUME, .unit = "µm",
     .doc = "f32 map: void height from linear partial volume of the run and its two neighbours (0 without levels)"},
    {.name = "void_voxels", .type = TL_T_INT, .doc = "interfacial void voxels"},
    {.name = "void_columns", .type = TL_T_INT, .doc = "columns with an interfacial void"},
    {.name = "void_volume_um3", .type = TL_T_NUMBER, .unit = "µm³", .doc = "interfacial void volume (voxel count, seed 000)"},
    {.name = "void_volume_subvoxel_um3", .type = TL_T_NUMBER, .unit = "µm³", .doc = "the same from the sub-voxel heights (NaN without levels)"},
    {.name = "pore_runs", .type = TL_T_INT, .doc = "void-like runs rejected as electrolyte pores"},
    {.name = "thresholds", .type = TL_T_RECORD, .doc = "{void_max, sse_min, li_level, void_level, proposed}: the values used"},
    {0},
};

/* Levels not given (NaN) from the band's proposal (li_thickness, interphase);
 * steel may be NULL. */
static int fill_levels(const tl_volume *v, double *li, double *steel, double *vd, const char *op, tl_error *err)
{
    tl_threshold_proposal p;
    if (tl_propose_thresholds_whole(v, 1, 5, 5, &p, err)) return tl_err_prefix(err, op);
    if (isnan(*li)) *li = p.li_mean;
    if (steel && isnan(*steel)) *steel = p.steel_mean;
    if (isnan(*vd)) *vd = p.void_level;
    return 0;
}

/* ---- li_thickness ---- */
static int run_li_thickness(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *v = a[0].u.vol;
    tl_li_thickness_opts o = {electrode_arg(&a[3]), opt_num(&a[4]), opt_num(&a[5]), opt_num(&a[6]), opt_num(&a[7]),
                              a[8].set ? a[8].u.vol : NULL};
    int proposed = 0;
    if (isnan(o.li_level) || isnan(o.steel_level) || (a[2].set && !a[6].set)) {
        if (fill_levels(v, &o.li_level, &o.steel_level, &o.void_level, "li_thickness: ", err)) return -1;
        proposed = 1;
    }
    tl_li_thickness_result r;
    if (tl_li_thickness(v, a[1].u.vol, a[2].set ? a[2].u.vol : NULL, &o, &r, err)) return -1;
    tl_rec_volume(out, "thickness_um", r.thickness_um);
    tl_rec_number(out, "li_volume_um3", r.li_volume_um3);
    tl_rec_int(out, "li_columns", (long long)r.li_columns);
    tl_record *t = tl_record_new();
    tl_rec_number(t, "li_level", o.li_level);
    tl_rec_number(t, "steel_level", o.steel_level);
    tl_rec_number(t, "void_level", o.void_level);
    tl_rec_number(t, "partner_level", r.partner_level);
    tl_rec_bool(t, "proposed", proposed);
    tl_rec_record(out, "levels", t);
    return 0;
}

static const tl_arg li_thickness_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_3D, .dtypes = VOL_F32,
     .unit = "1/cm", .doc = "reconstructed f32 crop with the collector (the one given to threshold_columns)"},
    {.name = "li", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8,
     .doc = "lithium mask from threshold_columns"},
    {.name = "voids", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_OPTIONAL, .dtypes = VOL_U8,
     .doc = "interfacial void mask from interfacial_voids (Li ends where a void begins)"},
    {.name = "electrode", .type = TL_T_CHOICE, .def_str = "top", .choices = "top bottom",
     .doc = "side of the collector"},
    {.name = "li_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "lithium intensity; default: proposed from the volume (median of the Li class)"},
    {.name = "steel_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "collector intensity; default: proposed from the volume"},
    {.name = "void_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "void intensity for the Li/void partial voxels; default: proposed (without one the Li/void boundary is counted)"},
    {.name = "partner_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "intensity of what the Li meets at the electrolyte side (interphase or electrolyte); default: median of "
            "the voxel right after each void-free Li run"},
    {.name = "contact", .type = TL_T_VOLUME, .flags = TL_OPTIONAL | TL_VOL_2D, .dtypes = VOL_U8,
     .doc = "u8 (y, x) contact map (e.g. the contact classifier's): columns in contact hold no interfacial void, so "
            "their void-mask voxels are ignored and the Li ends at its partner"},
    {0},
};
static const tl_ret li_thickness_rets[] = {
    {.name = "thickness_um", .type = TL_T_VOLUME, .unit = "µm", .doc = "f32 map: Li thickness per column, -1 without Li"},
    {.name = "li_volume_um3", .type = TL_T_NUMBER, .unit = "µm³", .doc = "lithium volume (sum of the map times the pixel area)"},
    {.name = "li_columns", .type = TL_T_INT, .doc = "columns holding lithium"},
    {.name = "levels", .type = TL_T_RECORD, .doc = "{li_level, steel_level, void_level, partner_level, proposed}: the levels used"},
    {0},
};

/* ---- edge_profiles ---- */
static int run_edge_profiles(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_edge_profile_opts o = {electrode_arg(&a[2]), (int)a[3].u.i, (int)a[4].u.i, opt_num(&a[5]), opt_num(&a[6]), a[7].u.num};
    tl_volume *p = tl_edge_profiles(a[0].u.vol, a[1].u.vol, &o, err);
    if (!p) return -1;
    tl_rec_volume(out, "profiles", p);
    return 0;
}

static const tl_arg edge_profiles_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_3D, .dtypes = VOL_F32,
     .unit = "1/cm", .doc = "the crop given to threshold_columns (or the same crop unsmoothed)"},
    {.name = "li", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8,
     .doc = "lithium mask from threshold_columns"},
    {.name = "electrode", .type = TL_T_CHOICE, .def_str = "top", .choices = "top bottom", .doc = "side of the collector"},
    {.name = "before", .type = TL_T_INT, .def = 8, .min = 0, .max = 1000, .unit = "voxels",
     .doc = "voxels kept inside the electrode, before the last Li voxel"},
    {.name = "after", .type = TL_T_INT, .def = 3, .min = 0, .max = 1000, .unit = "voxels",
     .doc = "voxels kept past the last Li voxel (interphase, electrolyte)"},
    {.name = "li_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "with void_level: values are scaled so that the void level is 0 and the Li level 1"},
    {.name = "void_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm", .doc = "see li_level"},
    {.name = "fill", .type = TL_T_NUMBER, .def = 0, .doc = "every channel of a column without Li"},
    {0},
};
static const tl_ret edge_profiles_rets[] = {
    {.name = "profiles", .type = TL_T_VOLUME,
     .doc = "f32 (before + after + 1, ny, nx): channel j holds the voxel j - before steps past each column's last Li voxel"},
    {0},
};

/* ---- interphase ---- */
static int run_interphase(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *v = a[0].u.vol;
    tl_interphase_opts o = {electrode_arg(&a[3]), opt_num(&a[4]), opt_num(&a[5]), opt_num(&a[6]), opt_num(&a[7]),
                            a[8].set ? a[8].u.vol : NULL};
    if ((isnan(o.li_level) || (a[2].set && !a[5].set)) &&
        fill_levels(v, &o.li_level, NULL, &o.void_level, "interphase: ", err))
        return -1;
    tl_interphase_result r;
    if (tl_interphase(v, a[1].u.vol, a[2].set ? a[2].u.vol : NULL, &o, &r, err)) return -1;
    tl_rec_volume(out, "thickness_um", r.thickness_um);
    tl_rec_volume(out, "valid", r.valid);
    tl_rec_number(out, "mean_um", r.mean_um);
    tl_rec_number(out, "volume_um3", r.volume_um3);
    tl_rec_int(out, "columns", (long long)r.columns);
    tl_record *t = tl_record_new();
    tl_rec_number(t, "li_level", o.li_level);
    tl_rec_number(t, "void_level", o.void_level);
    tl_rec_number(t, "interphase_level", r.interphase_level);
    tl_rec_number(t, "electrolyte_level", r.electrolyte_level);
    tl_rec_int(t, "interior_voxels", (long long)r.interior_voxels);
    tl_rec_record(out, "levels", t);
    return 0;
}

static const tl_arg interphase_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_3D, .dtypes = VOL_F32,
     .unit = "1/cm", .doc = "reconstructed f32 crop (the one given to threshold_columns), with electrolyte past the Li"},
    {.name = "li", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8,
     .doc = "lithium mask from threshold_columns"},
    {.name = "voids", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_OPTIONAL, .dtypes = VOL_U8,
     .doc = "interfacial void mask from interfacial_voids (the interphase then starts after the void)"},
    {.name = "electrode", .type = TL_T_CHOICE, .def_str = "top", .choices = "top bottom", .doc = "side of the collector"},
    {.name = "li_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "lithium intensity; default: proposed from the volume"},
    {.name = "void_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "void intensity, for the void/interphase partial voxel; default: proposed"},
    {.name = "interphase_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "interphase intensity; default: median of the layer's interior voxels (see levels.interior_voxels)"},
    {.name = "electrolyte_level", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "electrolyte intensity; default: median of the voxels just past the interphase"},
    {.name = "contact", .type = TL_T_VOLUME, .flags = TL_OPTIONAL | TL_VOL_2D, .dtypes = VOL_U8,
     .doc = "u8 (y, x) contact map (e.g. the contact classifier's): columns in contact hold no interfacial void, so "
            "their void-mask voxels are ignored and the layer is measured from the Li"},
    {0},
};
static const tl_ret interphase_rets[] = {
    {.name = "thickness_um", .type = TL_T_VOLUME, .unit = "µm",
     .doc = "f32 map: interphase thickness per column (noisy, may be slightly negative; NaN where not measured)"},
    {.name = "valid", .type = TL_T_VOLUME, .doc = "u8 map: 1 where measured"},
    {.name = "mean_um", .type = TL_T_NUMBER, .unit = "µm", .doc = "mean thickness over the measured columns"},
    {.name = "volume_um3", .type = TL_T_NUMBER, .unit = "µm³", .doc = "interphase volume over the measured columns"},
    {.name = "columns", .type = TL_T_INT, .doc = "measured columns"},
    {.name = "levels", .type = TL_T_RECORD,
     .doc = "{li_level, void_level, interphase_level, electrolyte_level, interior_voxels}: the levels used, and how many "
            "interior voxels the interphase level came from (0 when given; few = a layer too thin to show its level)"},
    {0},
};

/* ---- otsu / propose_thresholds ---- */
static int region_opts(const tl_value *a, const tl_volume *v, tl_otsu_opts *o)
{
    o->z0 = 0; o->z1 = v->nz; o->y0 = 0; o->y1 = v->ny; o->x0 = 0; o->x1 = v->nx;
    if (a[0].set) { o->z0 = (size_t)a[0].u.range.lo; o->z1 = (size_t)a[0].u.range.hi; }
    if (a[1].set) { o->y0 = (size_t)a[1].u.range.lo; o->y1 = (size_t)a[1].u.range.hi; }
    if (a[2].set) { o->x0 = (size_t)a[2].u.range.lo; o->x1 = (size_t)a[2].u.range.hi; }
    return 0;
}

static int run_otsu(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *v = a[0].u.vol;
    tl_otsu_opts o;
    region_opts(&a[4], v, &o);
    o.classes = (int)a[1].u.i;
    o.nbins = (int)a[2].u.i;
    o.mask = a[3].set ? a[3].u.vol : NULL;
    tl_otsu_result r;
    if (tl_otsu(v, &o, &r, err)) return -1;
    tl_rec_numbers(out, "thresholds", r.thresholds, (size_t)o.classes - 1);
    tl_rec_numbers(out, "means", r.means, (size_t)o.classes);
    tl_rec_numbers(out, "stds", r.stds, (size_t)o.classes);
    tl_rec_numbers(out, "weights", r.weights, (size_t)o.classes);
    tl_rec_number(out, "separability", r.separability);
    tl_rec_int(out, "count", (long long)r.count);
    return 0;
}

#define REGION_ARGS                                                                                           \
    {.name = "z", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "z range {a, b}, 1-based inclusive; all if absent"}, \
    {.name = "y", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "y range {a, b}; all if absent"},                   \
    {.name = "x", .type = TL_T_RANGE, .flags = TL_OPTIONAL, .unit = "voxels", .doc = "x range {a, b}; all if absent"}

static const tl_arg otsu_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .doc = "volume (any dtype); NaN voxels are ignored"},
    {.name = "classes", .type = TL_T_INT, .def = 2, .min = 2, .max = 4, .doc = "number of classes (2..4); returns classes - 1 thresholds"},
    {.name = "bins", .type = TL_T_INT, .def = 256, .min = 4, .max = 4096, .doc = "histogram bins over [min, max] of the region"},
    {.name = "roi", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .dtypes = VOL_U8, .doc = "u8 mask: only voxels where roi != 0"},
    REGION_ARGS,
    {0},
};
static const tl_ret otsu_rets[] = {
    {.name = "thresholds", .type = TL_T_NUMBERS, .unit = "volume units", .doc = "ascending; class k is [t_(k-1), t_k)"},
    {.name = "means", .type = TL_T_NUMBERS, .doc = "class means (bin centres)"},
    {.name = "stds", .type = TL_T_NUMBERS, .doc = "class standard deviations"},
    {.name = "weights", .type = TL_T_NUMBERS, .doc = "class voxel fractions"},
    {.name = "separability", .type = TL_T_NUMBER, .doc = "between-class / total variance (0..1)"},
    {.name = "count", .type = TL_T_INT, .doc = "voxels used"},
    {0},
};

static int run_propose(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *v = a[0].u.vol;
    tl_otsu_opts o;
    region_opts(&a[2], v, &o);
    o.mask = a[1].set ? a[1].u.vol : NULL;
    o.nbins = 256;
    tl_threshold_proposal p;
    if (tl_propose_thresholds(v, &o, a[5].u.num, a[6].u.b, (int)a[7].u.i, (int)a[8].u.i, &p, err)) return -1;
    tl_rec_number(out, "li_max", p.li_max);
    tl_rec_number(out, "sse_min", p.sse_min);
    tl_rec_number(out, "steel_min", p.steel_min);
    tl_rec_number(out, "void_max", p.void_max);
    tl_rec_number(out, "li_level", p.li_mean);
    tl_rec_number(out, "li_spread", p.li_std);
    tl_rec_number(out, "sse_level", p.sse_mean);
    tl_rec_number(out, "steel_level", p.steel_mean);
    tl_rec_number(out, "void_level", p.void_level);
    tl_rec_number(out, "contact_void_max", p.contact_void_max);
    tl_rec_number(out, "k_contact", p.k_contact);
    return 0;
}

static const tl_arg propose_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .unit = "1/cm",
     .doc = "reconstructed volume; best a crop around one interface"},
    {.name = "roi", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .dtypes = VOL_U8, .doc = "u8 mask: only voxels where roi != 0"},
    REGION_ARGS,
    {.name = "k_void", .type = TL_T_NUMBER, .def = 3, .min = 0.5, .max = 20, .doc = "void_max = Li level - k_void * Li spread (median, 1.4826 MAD)"},
    {.name = "collector", .type = TL_T_BOOL, .def = 1, .doc = "the region includes the steel collector: split it off first and keep only the columns reaching it; false: steel_min above every voxel"},
    {.name = "window", .type = TL_T_INT, .def = 5, .min = 1, .max = 1000, .unit = "voxels", .doc = "the window threshold_columns will use (sets sse_min)"},
    {.name = "depth", .type = TL_T_INT, .def = 5, .min = 1, .max = 1000, .unit = "voxels", .doc = "the depth contact_map will use (sets contact_void_max)"},
    {0},
};
static const tl_ret propose_rets[] = {
    {.name = "li_max", .type = TL_T_NUMBER, .unit = "1/cm", .doc = "midpoint of the Li and electrolyte levels"},
    {.name = "sse_min", .type = TL_T_NUMBER, .unit = "1/cm", .doc = "electrolyte level - (electrolyte - Li) / (2 window)"},
    {.name = "steel_min", .type = TL_T_NUMBER, .unit = "1/cm", .doc = "midpoint of the electrolyte and steel levels"},
    {.name = "void_max", .type = TL_T_NUMBER, .unit = "1/cm", .doc = "Li level - k_void * Li spread"},
    {.name = "li_level", .type = TL_T_NUMBER, .unit = "1/cm", .doc = "median of the Li class, re-taken without the voxels 3 spreads below it"},
    {.name = "li_spread", .type = TL_T_NUMBER, .unit = "1/cm", .doc = "1.4826 * MAD of the upper half of the Li class (voids only pull the lower tail)"},
    {.name = "sse_level", .type = TL_T_NUMBER, .unit = "1/cm", .doc = "electrolyte class mean"},
    {.name = "steel_level", .type = TL_T_NUMBER, .unit = "1/cm", .doc = "steel class mean (NaN without collector)"},
    {.name = "void_level", .type = TL_T_NUMBER, .unit = "1/cm",
     .doc = "median of the voxels 6 Li spreads below the Li level (NaN when fewer than 0.1% of the Li class)"},
    {.name = "contact_void_max", .type = TL_T_NUMBER, .unit = "1/cm",
     .doc = "void_max for contact_map: Li level - k_contact * Li spread, with depth P(N < -k_contact) = P(N < -k_void) "
            "(a column's chance of a false void equals one voxel's; 3.46 for k_void 3, depth 5)"},
    {.name = "k_contact", .type = TL_T_NUMBER, .doc = "the k behind contact_void_max"},
    {0},
};

/* ---- label / region_stats ---- */
static int run_label(const tl_value *a, tl_record *out, tl_error *err)
{
    size_t n;
    tl_volume *l = tl_label(a[0].u.vol, (int)a[1].u.i, &n, err);
    if (!l) return -1;
    tl_rec_volume(out, "labels", l);
    tl_rec_int(out, "count", (long long)n);
    return 0;
}

static const tl_arg label_args[] = {
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8, .doc = "u8 mask; nonzero is foreground"},
    {.name = "connectivity", .type = TL_T_INT, .def = 26, .min = 6, .max = 26, .doc = "6, 18 or 26 (on a 2D map 6 = 4-, 26 = 8-connected)"},
    {0},
};
static const tl_ret label_rets[] = {
    {.name = "labels", .type = TL_T_VOLUME, .doc = "i32: 0 background, 1..count in raster order of each component's first voxel"},
    {.name = "count", .type = TL_T_INT, .doc = "number of components"},
    {0},
};

static int run_region_stats(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_regionstats s;
    if (tl_region_stats(a[0].u.vol, a[1].set ? a[1].u.vol : NULL, &s, err)) return -1;
    size_t n = s.n;
    double *buf = malloc((n ? n : 1) * sizeof *buf);
    if (!buf) { tl_regionstats_free(&s); return tl_err(err, "region_stats: out of memory"); }
    tl_rec_int(out, "count", (long long)n);
    for (size_t k = 0; k < n; k++) buf[k] = (double)(k + 1);
    tl_rec_numbers(out, "label", buf, n);
    for (size_t k = 0; k < n; k++) buf[k] = (double)s.voxels[k];
    tl_rec_numbers(out, "voxels", buf, n);
    tl_rec_numbers(out, "volume_um3", s.volume_um3, n);
    static const char *cn[3] = {"centroid_z_um", "centroid_y_um", "centroid_x_um"};
    for (int ax = 0; ax < 3; ax++) {
        for (size_t k = 0; k < n; k++) buf[k] = s.centroid_um[3 * k + (size_t)ax];
        tl_rec_numbers(out, cn[ax], buf, n);
    }
    static const char *bn[6] = {"z_min", "z_max", "y_min", "y_max", "x_min", "x_max"};
    for (int c = 0; c < 6; c++) { /* 1-based inclusive, as Lua ranges */
        for (size_t k = 0; k < n; k++) buf[k] = (double)(s.bbox[6 * k + (size_t)c] + (c % 2 == 0 ? 1 : 0));
        tl_rec_numbers(out, bn[c], buf, n);
    }
    tl_rec_numbers(out, "mean_intensity", s.mean_intensity, n);
    free(buf);
    tl_regionstats_free(&s);
    return 0;
}

static const tl_arg region_stats_args[] = {
    {.name = "labels", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = TL_DT(TL_I32), .doc = "i32 labels (from label)"},
    {.name = "intensity", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_OPTIONAL, .doc = "volume of the same shape for mean intensities"},
    {0},
};
static const tl_ret region_stats_rets[] = {
    {.name = "count", .type = TL_T_INT, .doc = "number of labels (largest label value)"},
    {.name = "label", .type = TL_T_NUMBERS, .doc = "label values 1..count; every other array is indexed alike"},
    {.name = "voxels", .type = TL_T_NUMBERS, .doc = "voxels per label"},
    {.name = "volume_um3", .type = TL_T_NUMBERS, .unit = "µm³", .doc = "volume per label"},
    {.name = "centroid_z_um", .type = TL_T_NUMBERS, .unit = "µm", .doc = "centroid z (voxel centres at (i - 0.5) * voxel, 1-based i)"},
    {.name = "centroid_y_um", .type = TL_T_NUMBERS, .unit = "µm", .doc = "centroid y"},
    {.name = "centroid_x_um", .type = TL_T_NUMBERS, .unit = "µm", .doc = "centroid x"},
    {.name = "z_min", .type = TL_T_NUMBERS, .unit = "voxels", .doc = "bounding box, 1-based inclusive (also z_max, y_min, y_max, x_min, x_max)"},
    {.name = "z_max", .type = TL_T_NUMBERS, .unit = "voxels", .doc = "bounding box z end"},
    {.name = "y_min", .type = TL_T_NUMBERS, .unit = "voxels", .doc = "bounding box y start"},
    {.name = "y_max", .type = TL_T_NUMBERS, .unit = "voxels", .doc = "bounding box y end"},
    {.name = "x_min", .type = TL_T_NUMBERS, .unit = "voxels", .doc = "bounding box x start"},
    {.name = "x_max", .type = TL_T_NUMBERS, .unit = "voxels", .doc = "bounding box x end"},
    {.name = "mean_intensity", .type = TL_T_NUMBERS, .doc = "mean of intensity per label (NaN without intensity)"},
    {0},
};

/* ---- morphology ---- */
static int run_morph(const tl_value *a, tl_record *out, tl_error *err, tl_morph_op op)
{
    tl_volume *m = tl_morphology(a[0].u.vol, op, (int)a[1].u.i, err);
    return m ? tl_rec_volume(out, "mask", m) : -1;
}
static int run_erode(const tl_value *a, tl_record *o, tl_error *e) { return run_morph(a, o, e, TL_MORPH_ERODE); }
static int run_dilate(const tl_value *a, tl_record *o, tl_error *e) { return run_morph(a, o, e, TL_MORPH_DILATE); }
static int run_opening(const tl_value *a, tl_record *o, tl_error *e) { return run_morph(a, o, e, TL_MORPH_OPEN); }
static int run_closing(const tl_value *a, tl_record *o, tl_error *e) { return run_morph(a, o, e, TL_MORPH_CLOSE); }

static const tl_arg morph_args[] = {
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8, .doc = "u8 mask"},
    {.name = "radius", .type = TL_T_INT, .def = 1, .min = 0, .max = 100, .unit = "voxels",
     .doc = "ball radius: offsets with dz² + dy² + dx² <= radius² (in-plane disc on a 2D map)"},
    {0},
};
static const tl_ret mask_ret[] = {{.name = "mask", .type = TL_T_VOLUME, .doc = "u8 mask (0/1)"}, {0}};

static int run_fill_holes(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_volume *m = tl_fill_holes(a[0].u.vol, err);
    return m ? tl_rec_volume(out, "mask", m) : -1;
}
static const tl_arg fill_holes_args[] = {
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8, .doc = "u8 mask"},
    {0},
};

static int run_remove_small(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *m = a[0].u.vol;
    double vv = m->voxel_um[0] * m->voxel_um[1] * m->voxel_um[2];
    size_t minv = (size_t)ceil(a[1].u.num / vv - 1e-9), removed;
    tl_volume *r = tl_remove_small(m, minv, (int)a[2].u.i, &removed, err);
    if (!r) return -1;
    tl_rec_volume(out, "mask", r);
    tl_rec_int(out, "removed", (long long)removed);
    return 0;
}
static const tl_arg remove_small_args[] = {
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8, .doc = "u8 mask"},
    {.name = "min_um3", .type = TL_T_NUMBER, .flags = TL_REQUIRED, .min = 0, .max = 1e18, .unit = "µm³",
     .doc = "objects with a smaller volume are removed"},
    {.name = "connectivity", .type = TL_T_INT, .def = 26, .min = 6, .max = 26, .doc = "6, 18 or 26"},
    {0},
};
static const tl_ret remove_small_rets[] = {
    {.name = "mask", .type = TL_T_VOLUME, .doc = "u8 mask without the small objects"},
    {.name = "removed", .type = TL_T_INT, .doc = "objects removed"},
    {0},
};

/* ---- filters ---- */
static int run_median3d(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_volume *m = tl_median3d(a[0].u.vol, (int)a[1].u.i, a[2].set ? (int)a[2].u.i : -1, err);
    return m ? tl_rec_volume(out, "volume", m) : -1;
}
static const tl_arg median_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_FINITE, .doc = "volume (any dtype)"},
    {.name = "radius", .type = TL_T_INT, .def = 1, .min = 1, .max = 5, .unit = "voxels", .doc = "cube of side 2 radius + 1 (square on a 2D map)"},
    {.name = "radius_z", .type = TL_T_INT, .flags = TL_OPTIONAL, .min = 0, .max = 5, .unit = "voxels",
     .doc = "radius along z when it differs (0 = a median of each z-slice in (y, x), which keeps interfaces across z sharp); default radius"},
    {0},
};
static const tl_ret vol_ret[] = {{.name = "volume", .type = TL_T_VOLUME, .doc = "f32 volume, same shape and voxel size"}, {0}};

static int run_gaussian(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *v = a[0].u.vol;
    double s[3];
    for (int k = 0; k < 3; k++) s[k] = a[1].u.num / v->voxel_um[k];
    if (a[2].set) s[0] = a[2].u.num / v->voxel_um[0];
    tl_volume *g = a[3].set ? tl_gaussian_masked(v, a[3].u.vol, s, err) : tl_gaussian(v, s, err);
    return g ? tl_rec_volume(out, "volume", g) : -1;
}
static const tl_arg gaussian_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_FINITE, .doc = "volume (any dtype)"},
    {.name = "sigma_um", .type = TL_T_NUMBER, .flags = TL_REQUIRED, .min = 0, .max = 1e4, .unit = "µm",
     .doc = "standard deviation in µm, divided by each axis' voxel size; kernel truncated at 4 sigma"},
    {.name = "sigma_z_um", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .min = 0, .max = 1e4, .unit = "µm",
     .doc = "a different sigma along z; 0 smooths in-plane only, keeping thin layers (voids, interphase) sharp along the columns"},
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .dtypes = VOL_U8,
     .doc = "u8 mask (same shape, or a (1, ny, nx) map for every plane): normalised convolution, averaging only voxels "
            "inside it (a cell's rim keeps its level instead of taking in the air around it); voxels outside are kept"},
    {0},
};

/* ---- analytic_cell ---- */
static int run_analytic_cell(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_cell_opts o = {(size_t)a[0].u.i, (size_t)a[1].u.i, (size_t)a[2].u.i, a[3].u.num, TL_ELECTRODE_TOP,
                      8.0f, 1.0f, 0.2f, 3.0f, a[5].u.num, (uint64_t)a[6].u.i};
    tl_electrode_parse(a[4].u.str, &o.electrode);
    tl_cell_truth t;
    if (tl_analytic_cell(&o, &t, err)) return -1;
    tl_rec_volume(out, "volume", t.volume);
    tl_rec_volume(out, "contact", t.contact);
    tl_rec_volume(out, "has_li", t.has_li);
    tl_rec_volume(out, "thickness_um", t.thickness_um);
    tl_rec_volume(out, "pores", t.pores);
    tl_rec_volume(out, "voids", t.voids);
    tl_rec_int(out, "void_voxels", (long long)t.void_voxels);
    tl_rec_number(out, "void_volume_um3", t.void_volume_um3);
    tl_rec_int(out, "contact_pixels", (long long)t.contact_pixels);
    tl_rec_number(out, "contact_mm2", t.contact_mm2);
    return 0;
}

static const tl_arg analytic_cell_args[] = {
    {.name = "nz", .type = TL_T_INT, .def = 64, .min = 40, .max = 1 << 20, .unit = "voxels", .doc = "planes along z"},
    {.name = "ny", .type = TL_T_INT, .def = 64, .min = 16, .max = 1 << 20, .unit = "voxels", .doc = "rows"},
    {.name = "nx", .type = TL_T_INT, .def = 64, .min = 16, .max = 1 << 20, .unit = "voxels", .doc = "columns"},
    {.name = "voxel_um", .type = TL_T_NUMBER, .def = 1.7, .min = 0, .max = 1e6, .flags = TL_MIN_EXCL, .unit = "µm", .doc = "isotropic voxel size"},
    {.name = "electrode", .type = TL_T_CHOICE, .def_str = "top", .choices = "top bottom", .doc = "collector at low z (top) or high z (bottom)"},
    {.name = "noise", .type = TL_T_NUMBER, .def = 0, .min = 0, .max = 100, .unit = "1/cm", .doc = "Gaussian noise sigma"},
    {.name = "seed", .type = TL_T_INT, .def = 1, .min = 0, .max = 9e15, .doc = "noise seed"},
    {0},
};
static const tl_ret analytic_cell_rets[] = {
    {.name = "volume", .type = TL_T_VOLUME, .unit = "1/cm",
     .doc = "f32 band: steel 8 | Li 1 | voids 0.2 | electrolyte 3 (good thresholds: li_max 2, sse_min 2.8, steel_min 5.5, void_max 0.6)"},
    {.name = "contact", .type = TL_T_VOLUME, .doc = "u8 map: true contact"},
    {.name = "has_li", .type = TL_T_VOLUME, .doc = "u8 map: columns holding Li"},
    {.name = "thickness_um", .type = TL_T_VOLUME, .unit = "µm", .doc = "f32 map: true collector-to-electrolyte thickness, -1 without Li"},
    {.name = "pores", .type = TL_T_VOLUME, .doc = "u8: pores in the electrolyte and in the Li (never interfacial voids)"},
    {.name = "voids", .type = TL_T_VOLUME, .doc = "u8: true interfacial voids"},
    {.name = "void_voxels", .type = TL_T_INT, .doc = "true interfacial void voxels"},
    {.name = "void_volume_um3", .type = TL_T_NUMBER, .unit = "µm³", .doc = "true interfacial void volume"},
    {.name = "contact_pixels", .type = TL_T_INT, .doc = "true contacting columns"},
    {.name = "contact_mm2", .type = TL_T_NUMBER, .unit = "mm²", .doc = "true contact area"},
    {0},
};

const tl_op tl_ops_seg[] = {
    {.name = "threshold_columns", .group = "seg", .summary = "Lithium by column traversal from the collector (seed 000)",
     .doc = "Walks every column along z from the current collector towards the electrolyte: the walk waits for the "
            "collector and skips it (>= steel_min; columns without steel hold no Li), voxels below li_max are lithium, "
            "and the walk stops where the mean of the next `window` voxels exceeds sse_min (seed 000, Methods) or "
            "after max_gap non-Li voxels in a row past the Li. Voids at the Li edge are darker than Li and "
            "stay inside the Li run; interfacial_voids and contact_map find them. Columns without Li hold -1 in the "
            "µm maps and 0 in has_li. Thresholds not given are proposed from the volume's histogram.",
     .args = threshold_columns_args, .rets = threshold_columns_rets,
     .example = "r = tl.threshold_columns(band, {electrode = \"top\", li_max = 2.0, sse_min = 2.8, steel_min = 5.5})",
     .run = run_threshold_columns},
    {.name = "interfacial_voids", .group = "seg", .summary = "Interfacial voids by column traversal from the electrolyte (seed 000)",
     .doc = "Walks every column from the electrolyte end towards the collector. A run of voxels below void_max is an "
            "interfacial void when the mean of the next `window` voxels is below sse_min (Li-like), and an electrolyte "
            "pore otherwise (ignored; the walk goes on). With max_gap the run must also reach the Li mask within "
            "max_gap voxels (a pore just inside the electrolyte sees Li in its window too). The walk ends after "
            "`window` solid lithium voxels in a row (in li, not void-like, and with li_level no further above it than "
            "void_max is below), so pores inside the Li bulk are never interfacial voids while an interphase darker "
            "than li_max does not hide a void behind it. A run reaching the collector end of the Li mask is a void "
            "(Li stripped to the steel), and the window never reaches past that end. One void per column at most.",
     .args = interfacial_voids_args, .rets = interfacial_voids_rets,
     .example = "v = tl.interfacial_voids(band, r.li, {void_max = 0.6, sse_min = 2.8})", .run = run_interfacial_voids},
    {.name = "edge_profiles", .group = "seg", .summary = "Each column's voxels around the end of its Li run, aligned, as a stack of maps",
     .doc = "For every (y, x) column with lithium, channel j of the result is the voxel j - before steps past the column's "
            "last Li voxel, walking from the collector (channel `before` is that last Li voxel). Whatever the interface "
            "height of each column, a channel holds the same place relative to it, so a network working on (y, x) maps "
            "sees the interface's z profile as channels and its in-plane neighbours as pixels (the quickstart's contact "
            "classifier, tl.operando.classify_contact). Steps "
            "outside the column repeat its end voxel; columns without Li take `fill`. With li_level and void_level the "
            "values are scaled to void 0, Li 1.",
     .args = edge_profiles_args, .rets = edge_profiles_rets,
     .example = "p = tl.edge_profiles(band, li.li, {electrode = \"top\", li_level = th.li_level, void_level = th.void_level})",
     .run = run_edge_profiles},
    {.name = "li_thickness", .group = "seg", .summary = "Sub-voxel lithium thickness per column, by partial volume at both ends",
     .doc = "Refines the Li thickness of threshold_columns: the run's interior counts whole voxels, each end is measured "
            "by linear partial volume between the two materials that meet there — steel and Li at the collector; at the "
            "electrolyte side Li and void where interfacial_voids found a void (nothing past the void is Li), else Li "
            "and its partner (the interphase or the electrolyte), the boundary being the last run voxel darker than "
            "their midpoint, so an interphase as bright as li_max is not counted as Li. Void height is excluded: the "
            "map is lithium only. Accuracy on the demo series in docs/segmentation.md.",
     .args = li_thickness_args, .rets = li_thickness_rets,
     .example = "t = tl.li_thickness(band, li.li, v.voids, {electrode = \"top\", li_level = th.li_level, steel_level = th.steel_level, void_level = th.void_level})",
     .run = run_li_thickness},
    {.name = "interphase", .group = "seg", .summary = "Interphase thickness per column and its mean (seed 000), by partial volume",
     .doc = "Measures the layer between the Li (or an interfacial void) and the electrolyte by the deficit it leaves "
            "below the electrolyte level: from the Li/partner boundary voxel (or the voxel after the void) up to the "
            "first voxel brighter than the interphase/electrolyte midpoint, t = (sum(E - v) - a_Li (E - L) - a_void "
            "(E - V)) / (E - X), with the Li and void content of the first voxels by partial volume. Unclamped, so "
            "the mean over the interface is unbiased; single columns are noisy. Levels not given are measured from "
            "the band (the interphase level needs a layer about 2 voxels thick somewhere: check "
            "levels.interior_voxels, and use one level for a whole series). Seed 000 used a random-forest "
            "classifier; see docs/segmentation.md for the accuracy on the demo.",
     .args = interphase_args, .rets = interphase_rets,
     .example = "ip = tl.interphase(band, li.li, v.voids, {electrode = \"top\"}); print(ip.mean_um)",
     .run = run_interphase},
    {.name = "analytic_cell", .group = "seg", .summary = "Analytic interface band with exact truth (contact, voids, thickness)",
     .doc = "steel | Li with a rough face | two void pockets behind the face | electrolyte with pores >= 8 voxels away; "
            "a Li pore deep in the bulk; a corner without Li. For validating thresholds and benchmarking the column "
            "operators (docs/segmentation.md). Noise is seeded and thread-independent.",
     .args = analytic_cell_args, .rets = analytic_cell_rets,
     .example = "c = tl.analytic_cell{nz = 64, ny = 128, nx = 128, noise = 0.1}", .run = run_analytic_cell},
    {.name = "otsu", .group = "seg", .summary = "Multi-class Otsu thresholds (2..4 classes) over a region",
     .doc = "Exhaustive search over histogram bin boundaries maximising the between-class variance.",
     .args = otsu_args, .rets = otsu_rets, .example = "t = tl.otsu(band, {classes = 3, z = {20, 60}}).thresholds", .run = run_otsu},
    {.name = "propose_thresholds", .group = "seg", .summary = "li_max, sse_min, steel_min, void_max from the histogram of an interface crop",
     .doc = "Two 2-class Otsu splits give the class levels: steel | rest (keeping the columns that reach the steel), then "
            "Li | electrolyte on those columns below the steel; the Li level and spread are the median "
            "and MAD of its class (robust to voids). Cut-offs sit between levels, see each result.",
     .args = propose_args, .rets = propose_rets, .example = "th = tl.propose_thresholds(band, {z = {1, 60}})", .run = run_propose},
    {.name = "label", .group = "seg", .summary = "Connected components (6/18/26), deterministic numbering",
     .doc = "Run-based union-find; labels are numbered in raster order of each component's first voxel, identical for "
            "any thread count.",
     .args = label_args, .rets = label_rets, .example = "l = tl.label(pores, {connectivity = 26})", .run = run_label},
    {.name = "region_stats", .group = "seg", .summary = "Per-label volume, bounding box, centroid and mean intensity",
     .args = region_stats_args, .rets = region_stats_rets, .example = "s = tl.region_stats(l.labels, band)", .run = run_region_stats},
    {.name = "erode", .group = "seg", .summary = "Binary erosion with a ball",
     .doc = "Outside the volume counts as foreground, so the crop boundary does not eat objects.",
     .args = morph_args, .rets = mask_ret, .example = "m2 = tl.erode(mask, {radius = 2})", .run = run_erode},
    {.name = "dilate", .group = "seg", .summary = "Binary dilation with a ball",
     .args = morph_args, .rets = mask_ret, .example = "m2 = tl.dilate(mask, {radius = 2})", .run = run_dilate},
    {.name = "opening", .group = "seg", .summary = "Binary opening (erode, then dilate) with a ball",
     .args = morph_args, .rets = mask_ret, .example = "m2 = tl.opening(mask, {radius = 1})", .run = run_opening},
    {.name = "closing", .group = "seg", .summary = "Binary closing (dilate, then erode) with a ball",
     .args = morph_args, .rets = mask_ret, .example = "m2 = tl.closing(mask, {radius = 1})", .run = run_closing},
    {.name = "fill_holes", .group = "seg", .summary = "Fill background cavities that do not touch the volume boundary",
     .doc = "Background is 6-connected; on a 2D map only the four edges count as boundary.",
     .args = fill_holes_args, .rets = mask_ret, .example = "m2 = tl.fill_holes(mask)", .run = run_fill_holes},
    {.name = "remove_small", .group = "seg", .summary = "Remove objects smaller than a volume",
     .args = remove_small_args, .rets = remove_small_rets, .example = "m2 = tl.remove_small(mask, {min_um3 = 50})", .run = run_remove_small},
    {.name = "median3d", .group = "seg", .summary = "3D median filter (cube), edges replicated",
     .args = median_args, .rets = vol_ret, .example = "s = tl.median3d(band, {radius = 1})", .run = run_median3d},
    {.name = "gaussian", .group = "seg", .summary = "Separable Gaussian filter with sigma in µm, edges replicated",
     .args = gaussian_args, .rets = vol_ret, .example = "s = tl.gaussian(band, {sigma_um = 1.7})", .run = run_gaussian},
    {0},
};
