/* interface_ops.c — registry table of the interface module: contact maps
 * and contact regions (seed 000), thickness and interface height, local
 * current density and hot spots (seed 002 eq. 3), porosity (seed 002).
 * Kernels live in one file per job next to this one. */
#include "../registry.h"
#include "interface.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define VOL_F32 TL_DT(TL_F32)
#define VOL_U8 TL_DT(TL_U8)


/* ---- contact_map ---- */
static int run_contact_map(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_contact_opts o;
    tl_electrode_parse(a[2].u.str, &o.electrode);
    o.depth = (int)a[3].u.i;
    o.void_max = a[4].set ? a[4].u.num : NAN;
    if (!a[4].set) { /* proposed from the volume, as threshold_columns does */
        const tl_volume *v = a[0].u.vol;
        tl_threshold_proposal p;
        if (tl_propose_thresholds_whole(v, a[7].u.b, 5, o.depth, &p, err)) return tl_err_prefix(err, "contact_map: ");
        o.void_max = p.contact_void_max;
    }
    tl_contact_result r;
    if (tl_contact_map(a[0].u.vol, a[1].u.vol, &o, &r, err)) return -1;
    tl_rec_volume(out, "contact", r.contact);
    tl_rec_volume(out, "edge_vox", r.edge_vox);
    tl_rec_number(out, "contact_mm2", r.contact_mm2);
    tl_rec_number(out, "map_mm2", r.map_mm2);
    tl_rec_number(out, "contact_fraction", r.contact_fraction);
    tl_rec_int(out, "contact_pixels", (long long)r.contact_pixels);
    tl_rec_int(out, "li_pixels", (long long)r.li_pixels);
    tl_rec_number(out, "void_max", o.void_max);
    if (a[5].set && a[8].set) return tl_err(err, "contact_map: give j_nominal or current_mA, not both");
    if (a[5].set) {
        double nominal = a[6].set ? a[6].u.num : r.map_mm2, j;
        if (tl_effective_current_density(a[5].u.num, r.contact_mm2, nominal, &j, err)) return tl_err_prefix(err, "contact_map: ");
        tl_rec_number(out, "j_effective", j);
    } else if (a[8].set) {
        /* the current over the contact area: mA / (mm² * 0.01 cm²/mm²) */
        if (!(r.contact_mm2 > 0)) return tl_err(err, "contact_map: no contact; the effective current density is undefined");
        tl_rec_number(out, "j_effective", a[8].u.num / (r.contact_mm2 * 1e-2));
    }
    return 0;
}

static const tl_arg contact_args[] = {
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_3D, .dtypes = VOL_F32,
     .unit = "1/cm", .doc = "reconstructed f32 crop (the one given to threshold_columns)"},
    {.name = "li", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8, .doc = "lithium mask from threshold_columns"},
    {.name = "electrode", .type = TL_T_CHOICE, .def_str = "top", .choices = "top bottom", .doc = "side of the collector"},
    {.name = "depth", .type = TL_T_INT, .def = 5, .min = 1, .max = 1000, .unit = "voxels",
     .doc = "voxels at the electrolyte-side Li edge that must all be >= void_max for contact (seed 000: 5)"},
    {.name = "void_max", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "1/cm",
     .doc = "void cut-off (as in interfacial_voids); default: proposed from the volume (propose_thresholds)"},
    {.name = "j_nominal", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "mA/cm²",
     .doc = "nominal current density; when given, j_effective = j_nominal * nominal area / contact area is returned"},
    {.name = "nominal_mm2", .type = TL_T_NUMBER, .min = 0, .max = 1e12, .flags = TL_OPTIONAL | TL_MIN_EXCL,
     .unit = "mm²", .doc = "nominal electrode area; default: the map's area"},
    {.name = "collector", .type = TL_T_BOOL, .def = 1, .doc = "the crop includes the steel collector (used when proposing void_max)"},
    {.name = "current_mA", .type = TL_T_NUMBER, .flags = TL_OPTIONAL, .unit = "mA",
     .doc = "cell current; when given, j_effective = current / contact area is returned (instead of j_nominal)"},
    {0},
};
static const tl_ret contact_rets[] = {
    {.name = "contact", .type = TL_T_VOLUME, .doc = "u8 map (1, ny, nx): 1 where Li touches the electrolyte"},
    {.name = "edge_vox", .type = TL_T_VOLUME, .unit = "voxels", .doc = "i32 map: z index (0-based) of the electrolyte-side Li voxel, -1 without Li"},
    {.name = "contact_mm2", .type = TL_T_NUMBER, .unit = "mm²", .doc = "contact area"},
    {.name = "map_mm2", .type = TL_T_NUMBER, .unit = "mm²", .doc = "area of the whole map"},
    {.name = "contact_fraction", .type = TL_T_NUMBER, .doc = "contact area / map area"},
    {.name = "contact_pixels", .type = TL_T_INT, .doc = "contacting columns"},
    {.name = "li_pixels", .type = TL_T_INT, .doc = "columns holding Li"},
    {.name = "void_max", .type = TL_T_NUMBER, .unit = "1/cm", .doc = "the void cut-off used"},
    {.name = "j_effective", .type = TL_T_NUMBER, .unit = "mA/cm²", .doc = "effective current density (only with j_nominal or current_mA)"},
    {0},
};

/* ---- contact_change ---- */
static int run_contact_change(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_contact_change_result r;
    if (tl_contact_change(a[0].u.vol, a[1].u.vol, &r, err)) return -1;
    tl_rec_volume(out, "change", r.change);
    tl_rec_number(out, "change_percent", r.change_percent);
    tl_rec_number(out, "area1_mm2", r.area1_mm2);
    tl_rec_number(out, "area2_mm2", r.area2_mm2);
    tl_rec_number(out, "lost_mm2", r.lost_mm2);
    tl_rec_number(out, "gained_mm2", r.gained_mm2);
    return 0;
}
static const tl_arg contact_change_args[] = {
    {.name = "c1", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_2D, .dtypes = VOL_U8, .doc = "earlier contact map"},
    {.name = "c2", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_2D, .dtypes = VOL_U8, .doc = "later contact map"},
    {0},
};
static const tl_ret contact_change_rets[] = {
    {.name = "change", .type = TL_T_VOLUME, .doc = "u8 map: 0 no contact in either, 1 kept, 2 lost, 3 gained"},
    {.name = "change_percent", .type = TL_T_NUMBER, .unit = "%", .doc = "100 (A2 - A1) / A1 (seed 000: -8.9%, -47.1%)"},
    {.name = "area1_mm2", .type = TL_T_NUMBER, .unit = "mm²", .doc = "contact area of c1"},
    {.name = "area2_mm2", .type = TL_T_NUMBER, .unit = "mm²", .doc = "contact area of c2"},
    {.name = "lost_mm2", .type = TL_T_NUMBER, .unit = "mm²", .doc = "contact in c1 but not in c2"},
    {.name = "gained_mm2", .type = TL_T_NUMBER, .unit = "mm²", .doc = "contact in c2 but not in c1"},
    {0},
};

/* ---- regions ---- */
static void rec_regions(tl_record *out, tl_regions *r, const char *prefix)
{
    char name[64];
    snprintf(name, sizeof name, "%slabels", prefix);
    tl_rec_volume(out, name, r->labels);
    r->labels = NULL;
    snprintf(name, sizeof name, "%sareas_mm2", prefix);
    tl_rec_numbers(out, name, r->area_mm2, r->n);
    snprintf(name, sizeof name, "%scount", prefix);
    tl_rec_int(out, name, (long long)r->n);
}

static int run_regions(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_regions r;
    if (tl_regions_2d(a[0].u.vol, (int)a[1].u.i, a[2].u.num, &r, err)) return -1;
    rec_regions(out, &r, "");
    tl_rec_number(out, "total_mm2", r.total_mm2);
    tl_rec_number(out, "fraction_above", r.fraction_above);
    tl_rec_number(out, "fraction_below", r.fraction_below);
    tl_rec_int(out, "count_above", (long long)r.n_above);
    tl_regions_free(&r);
    return 0;
}

static const tl_arg regions_args[] = {
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_2D, .dtypes = VOL_U8,
     .doc = "u8 2D map (nz = 1), e.g. a contact map"},
    {.name = "connectivity", .type = TL_T_INT, .def = 8, .min = 4, .max = 8, .doc = "4 or 8 (MATLAB's bwconncomp default, as in seed 000)"},
    {.name = "size_mm2", .type = TL_T_NUMBER, .def = 0.02, .min = 0, .max = 1e12, .unit = "mm²",
     .doc = "regions at least this large count as 'above' (seed 000: 0.02 mm²)"},
    {0},
};
static const tl_ret regions_rets[] = {
    {.name = "labels", .type = TL_T_VOLUME, .doc = "i32 map: regions numbered 1..count by decreasing area (ties: raster order)"},
    {.name = "areas_mm2", .type = TL_T_NUMBERS, .unit = "mm²", .doc = "region areas, decreasing"},
    {.name = "count", .type = TL_T_INT, .doc = "number of regions"},
    {.name = "total_mm2", .type = TL_T_NUMBER, .unit = "mm²", .doc = "total area"},
    {.name = "fraction_above", .type = TL_T_NUMBER, .doc = "fraction of the total area in regions >= size_mm2"},
    {.name = "fraction_below", .type = TL_T_NUMBER, .doc = "fraction of the total area in regions < size_mm2"},
    {.name = "count_above", .type = TL_T_INT, .doc = "regions >= size_mm2"},
    {0},
};

static int run_effective_j(const tl_value *a, tl_record *out, tl_error *err)
{
    double j;
    if (tl_effective_current_density(a[0].u.num, a[1].u.num, a[2].u.num, &j, err)) return -1;
    tl_rec_number(out, "j_effective", j);
    return 0;
}
static const tl_arg effective_j_args[] = {
    {.name = "j_nominal", .type = TL_T_NUMBER, .flags = TL_POSITIONAL | TL_REQUIRED, .unit = "mA/cm²", .doc = "nominal current density"},
    {.name = "contact_mm2", .type = TL_T_NUMBER, .flags = TL_POSITIONAL | TL_REQUIRED, .min = 0, .max = 1e12, .unit = "mm²", .doc = "contact area"},
    {.name = "nominal_mm2", .type = TL_T_NUMBER, .flags = TL_POSITIONAL | TL_REQUIRED | TL_MIN_EXCL, .min = 0, .max = 1e12,
     .unit = "mm²", .doc = "nominal (electrode) area"},
    {0},
};
static const tl_ret effective_j_rets[] = {
    {.name = "j_effective", .type = TL_T_NUMBER, .unit = "mA/cm²", .doc = "j_nominal * nominal_mm2 / contact_mm2"},
    {0},
};

/* ---- thickness_map / interface_height ---- */
static int run_thickness(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_volume *t = tl_thickness_map(a[0].u.vol, tl_axis_arg(&a[1]), err);
    return t ? tl_rec_volume(out, "thickness_um", t) : -1;
}
static const tl_arg thickness_args[] = {
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8, .doc = "u8 mask (e.g. lithium)"},
    {.name = "axis", .type = TL_T_CHOICE, .def_str = "z", .choices = "z y x", .doc = "column axis"},
    {0},
};
static const tl_ret thickness_rets[] = {
    {.name = "thickness_um", .type = TL_T_VOLUME, .unit = "µm",
     .doc = "f32 map: mask voxels per column * voxel size (axis z: (1, ny, nx); y: (1, nz, nx); x: (1, nz, ny))"},
    {0},
};

static int run_height(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_volume *h, *v;
    if (tl_interface_height(a[0].u.vol, a[1].u.str[0] == 't', &h, &v, err)) return -1;
    tl_rec_volume(out, "height_um", h);
    tl_rec_volume(out, "valid", v);
    return 0;
}
static const tl_arg height_args[] = {
    {.name = "mask", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_3D, .dtypes = VOL_U8, .doc = "u8 mask of one electrode"},
    {.name = "from", .type = TL_T_CHOICE, .def_str = "top", .choices = "top bottom",
     .doc = "top: mask hangs from low z, height = face above its highest voxel; bottom: face below its lowest voxel"},
    {0},
};
static const tl_ret height_rets[] = {
    {.name = "height_um", .type = TL_T_VOLUME, .unit = "µm", .doc = "f32 map: z of the face (z = index * voxel), -1 where the column is empty"},
    {.name = "valid", .type = TL_T_VOLUME, .doc = "u8 map: 1 where the column holds mask"},
    {0},
};

/* ---- current_density / hot_spots ---- */
static int run_current_density(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_volume *j, *v;
    double mean;
    if (tl_current_density(a[0].u.vol, a[1].u.vol, a[2].u.num, a[3].set ? a[3].u.vol : NULL, a[4].set ? a[4].u.vol : NULL,
                           &j, &v, &mean, err))
        return -1;
    tl_rec_volume(out, "j", j);
    tl_rec_volume(out, "valid", v);
    tl_rec_number(out, "mean", mean);
    return 0;
}
static const tl_arg current_density_args[] = {
    {.name = "t1", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_2D, .dtypes = VOL_F32, .unit = "µm",
     .doc = "thickness map at the first scan (threshold_columns().thickness_um; -1 = no Li)"},
    {.name = "t2", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_2D, .dtypes = VOL_F32, .unit = "µm",
     .doc = "thickness map at the second scan"},
    {.name = "dt_s", .type = TL_T_NUMBER, .flags = TL_POSITIONAL | TL_REQUIRED | TL_MIN_EXCL, .min = 0, .max = 1e12, .unit = "s",
     .doc = "time between the scans"},
    {.name = "valid1", .type = TL_T_VOLUME, .flags = TL_OPTIONAL | TL_VOL_2D, .dtypes = VOL_U8, .doc = "u8 map (e.g. has_li of scan 1)"},
    {.name = "valid2", .type = TL_T_VOLUME, .flags = TL_OPTIONAL | TL_VOL_2D, .dtypes = VOL_U8, .doc = "u8 map (e.g. has_li of scan 2)"},
    {0},
};
static const tl_ret current_density_rets[] = {
    {.name = "j", .type = TL_T_VOLUME, .unit = "mA/cm²",
     .doc = "f32 map: (t2 - t1) F / (dt V_Li), V_Li = 13.0 cm³/mol; > 0 plating onto this electrode, < 0 stripping; 0 where invalid"},
    {.name = "valid", .type = TL_T_VOLUME, .doc = "u8 map: 1 where both thicknesses are known"},
    {.name = "mean", .type = TL_T_NUMBER, .unit = "mA/cm²", .doc = "mean over valid pixels"},
    {0},
};

static int run_hot_spots(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_hotspots h;
    if (tl_hot_spots(a[0].u.vol, a[1].set ? a[1].u.vol : NULL, a[2].u.num, (int)a[3].u.i, 0, &h, err)) return -1;
    rec_regions(out, &h.hot, "hot_");
    rec_regions(out, &h.cold, "cold_");
    tl_rec_number(out, "mean", h.mean);
    tl_rec_number(out, "std", h.std);
    tl_rec_number(out, "hot_above", h.hi_cut);
    tl_rec_number(out, "cold_below", h.lo_cut);
    tl_hotspots_free(&h);
    return 0;
}
static const tl_arg hot_spots_args[] = {
    {.name = "j", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_2D, .dtypes = VOL_F32, .unit = "mA/cm²",
     .doc = "current-density map"},
    {.name = "valid", .type = TL_T_VOLUME, .flags = TL_OPTIONAL | TL_VOL_2D, .dtypes = VOL_U8, .doc = "u8 map: pixels to use (default all)"},
    {.name = "k", .type = TL_T_NUMBER, .def = 2, .min = 0, .max = 100, .doc = "hot: j > mean + k std; cold: j < mean - k std"},
    {.name = "connectivity", .type = TL_T_INT, .def = 8, .min = 4, .max = 8, .doc = "4 or 8"},
    {0},
};
static const tl_ret hot_spots_rets[] = {
    {.name = "hot_labels", .type = TL_T_VOLUME, .doc = "i32 map of hot spots, numbered by decreasing area"},
    {.name = "hot_areas_mm2", .type = TL_T_NUMBERS, .unit = "mm²", .doc = "hot spot areas"},
    {.name = "hot_count", .type = TL_T_INT, .doc = "number of hot spots"},
    {.name = "cold_labels", .type = TL_T_VOLUME, .doc = "i32 map of cold spots"},
    {.name = "cold_areas_mm2", .type = TL_T_NUMBERS, .unit = "mm²", .doc = "cold spot areas"},
    {.name = "cold_count", .type = TL_T_INT, .doc = "number of cold spots"},
    {.name = "mean", .type = TL_T_NUMBER, .unit = "mA/cm²", .doc = "mean of valid pixels"},
    {.name = "std", .type = TL_T_NUMBER, .unit = "mA/cm²", .doc = "standard deviation of valid pixels"},
    {.name = "hot_above", .type = TL_T_NUMBER, .unit = "mA/cm²", .doc = "mean + k std"},
    {.name = "cold_below", .type = TL_T_NUMBER, .unit = "mA/cm²", .doc = "mean - k std"},
    {0},
};

/* ---- porosity ---- */
static int run_porosity_profile(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_profile p;
    if (tl_porosity_profile(a[0].u.vol, a[3].set ? a[3].u.vol : NULL, tl_axis_arg(&a[1]), a[2].u.num, &p, err)) return -1;
    tl_rec_numbers(out, "position_um", p.center_um, p.n);
    tl_rec_numbers(out, "porosity", p.porosity, p.n);
    tl_rec_numbers(out, "voxels", p.roi_voxels, p.n);
    tl_profile_free(&p);
    return 0;
}
static const tl_arg porosity_profile_args[] = {
    {.name = "pores", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8, .doc = "u8 mask of pore voxels"},
    {.name = "axis", .type = TL_T_CHOICE, .def_str = "z", .choices = "z y x", .doc = "profile axis"},
    {.name = "bin_um", .type = TL_T_NUMBER, .def = 10, .min = 0, .max = 1e9, .flags = TL_MIN_EXCL, .unit = "µm",
     .doc = "bin width along the axis (seed 002: 10 µm; 36 µm for the electrolyte)"},
    {.name = "roi", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .dtypes = VOL_U8,
     .doc = "u8 mask of the phase measured (pores should lie inside); default every voxel"},
    {0},
};
static const tl_ret porosity_profile_rets[] = {
    {.name = "position_um", .type = TL_T_NUMBERS, .unit = "µm", .doc = "bin centres from the volume's first face"},
    {.name = "porosity", .type = TL_T_NUMBERS, .doc = "pore voxels / roi voxels per bin (NaN for a bin without roi)"},
    {.name = "voxels", .type = TL_T_NUMBERS, .doc = "roi voxels per bin"},
    {0},
};

static int run_porosity_map(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_volume *m, *v;
    if (tl_porosity_map(a[0].u.vol, a[3].set ? a[3].u.vol : NULL, a[1].u.num, a[2].u.num, &m, &v, err)) return -1;
    tl_rec_volume(out, "porosity", m);
    tl_rec_volume(out, "valid", v);
    return 0;
}
static const tl_arg porosity_map_args[] = {
    {.name = "pores", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_3D, .dtypes = VOL_U8, .doc = "u8 mask of pore voxels"},
    {.name = "start_um", .type = TL_T_NUMBER, .def = 0, .min = 0, .max = 1e9, .unit = "µm", .doc = "z where the averaged depth starts"},
    {.name = "depth_um", .type = TL_T_NUMBER, .def = 500, .min = 0, .max = 1e9, .flags = TL_MIN_EXCL, .unit = "µm",
     .doc = "depth averaged along z (seed 002: ~500 µm); planes whose centre lies in [start, start + depth)"},
    {.name = "roi", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .dtypes = VOL_U8, .doc = "u8 mask of the phase measured; default every voxel"},
    {0},
};
static const tl_ret porosity_map_rets[] = {
    {.name = "porosity", .type = TL_T_VOLUME, .doc = "f32 map (1, ny, nx): pore fraction per column, -1 where no roi voxel"},
    {.name = "valid", .type = TL_T_VOLUME, .doc = "u8 map: 1 where defined"},
    {0},
};

static int run_porosity_diff(const tl_value *a, tl_record *out, tl_error *err)
{
    const tl_volume *m1 = a[0].u.vol, *m2 = a[1].u.vol;
    if (tl_vol_check_same_shape(m1, "map1", m2, "map2", err)) return tl_err_prefix(err, "porosity_difference: ");
    tl_volume *d = tl_vol_new_like(m1, TL_F32, err), *v = tl_vol_new_like(m1, TL_U8, err);
    if (!d || !v) { tl_vol_unref(d); tl_vol_unref(v); return -1; }
    const float *p = m1->data, *q = m2->data;
    float *o = d->data;
    uint8_t *vo = v->data;
    size_t n = tl_vol_count(m1), nv = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0 && q[i] >= 0) { o[i] = q[i] - p[i]; vo[i] = 1; nv++; }
    if (nv == 0) { tl_vol_unref(d); tl_vol_unref(v); return tl_err(err, "porosity_difference: the maps share no valid pixel"); }
    tl_rec_volume(out, "difference", d);
    tl_rec_volume(out, "valid", v);
    return 0;
}
static const tl_arg porosity_diff_args[] = {
    {.name = "map1", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_2D | TL_FINITE, .dtypes = VOL_F32,
     .doc = "porosity map of the earlier scan (-1 = undefined)"},
    {.name = "map2", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_2D | TL_FINITE, .dtypes = VOL_F32,
     .doc = "porosity map of the later scan"},
    {0},
};
static const tl_ret porosity_diff_rets[] = {
    {.name = "difference", .type = TL_T_VOLUME, .doc = "f32 map: map2 - map1 where both are defined, else 0"},
    {.name = "valid", .type = TL_T_VOLUME, .doc = "u8 map: 1 where both are defined"},
    {0},
};

static int run_interface_porosity(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_electrode side;
    tl_electrode_parse(a[2].u.str, &side);
    tl_band_porosity b;
    if (tl_interface_porosity(a[0].u.vol, a[1].u.vol, side, a[3].u.num, &b, err)) return -1;
    tl_rec_number(out, "band", b.band);
    tl_rec_number(out, "bulk", b.bulk);
    tl_rec_int(out, "band_voxels", (long long)b.band_voxels);
    tl_rec_int(out, "bulk_voxels", (long long)b.bulk_voxels);
    return 0;
}
static const tl_arg interface_porosity_args[] = {
    {.name = "pores", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED | TL_VOL_3D, .dtypes = VOL_U8, .doc = "u8 mask of pore voxels"},
    {.name = "electrode", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8,
     .doc = "u8 mask of the electrode including its pores (e.g. threshold_columns().li)"},
    {.name = "side", .type = TL_T_CHOICE, .def_str = "top", .choices = "top bottom", .doc = "side of the collector"},
    {.name = "band_um", .type = TL_T_NUMBER, .def = 10, .min = 0, .max = 1e9, .flags = TL_MIN_EXCL, .unit = "µm",
     .doc = "band behind the electrolyte-side edge of each column (seed 002: 10 µm; 100 µm for 'interfacial')"},
    {0},
};
static const tl_ret interface_porosity_rets[] = {
    {.name = "band", .type = TL_T_NUMBER, .doc = "porosity of the electrode within band_um of its edge"},
    {.name = "bulk", .type = TL_T_NUMBER, .doc = "porosity of the rest of the electrode (NaN if none)"},
    {.name = "band_voxels", .type = TL_T_INT, .doc = "electrode voxels in the band"},
    {.name = "bulk_voxels", .type = TL_T_INT, .doc = "electrode voxels behind the band"},
    {0},
};

static int run_porosity_histogram(const tl_value *a, tl_record *out, tl_error *err)
{
    tl_block_porosity b;
    if (tl_porosity_blocks(a[0].u.vol, a[3].set ? a[3].u.vol : NULL, a[1].u.num, (int)a[2].u.i, &b, err)) return -1;
    tl_rec_numbers(out, "porosity", b.porosity, b.n);
    tl_rec_numbers(out, "hist", b.hist, b.nbins);
    double *e = malloc((b.nbins + 1) * sizeof *e);
    if (!e) { tl_block_porosity_free(&b); return tl_err(err, "porosity_histogram: out of memory"); }
    for (size_t k = 0; k <= b.nbins; k++) e[k] = (double)k / (double)b.nbins;
    tl_rec_numbers(out, "edges", e, b.nbins + 1);
    free(e);
    tl_block_porosity_free(&b);
    return 0;
}
static const tl_arg porosity_histogram_args[] = {
    {.name = "pores", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .dtypes = VOL_U8, .doc = "u8 mask of pore voxels"},
    {.name = "block_um", .type = TL_T_NUMBER, .def = 36, .min = 0, .max = 1e9, .flags = TL_MIN_EXCL, .unit = "µm",
     .doc = "edge of the cubic sub-volumes (seed 002: 36 µm)"},
    {.name = "bins", .type = TL_T_INT, .def = 20, .min = 1, .max = 10000, .doc = "histogram bins over porosity [0, 1]"},
    {.name = "roi", .type = TL_T_VOLUME, .flags = TL_OPTIONAL, .dtypes = VOL_U8,
     .doc = "u8 mask of the phase; blocks less than half inside are skipped"},
    {0},
};
static const tl_ret porosity_histogram_rets[] = {
    {.name = "porosity", .type = TL_T_NUMBERS, .doc = "porosity of each block used (raster order)"},
    {.name = "hist", .type = TL_T_NUMBERS, .doc = "blocks per porosity bin"},
    {.name = "edges", .type = TL_T_NUMBERS, .doc = "bins + 1 bin edges over [0, 1]"},
    {0},
};

const tl_op tl_ops_interface[] = {
    {.name = "contact_map", .group = "interface", .summary = "Li/electrolyte contact map and area (seed 000)",
     .doc = "For each column the `depth` voxels at the electrolyte-side edge of the Li mask are inspected: any below "
            "void_max means a void (no contact). Columns without Li have no contact. Area = contacting pixels * pixel "
            "area. With j_nominal, also the effective current density nominal * nominal area / contact area.",
     .args = contact_args, .rets = contact_rets,
     .example = "c = tl.contact_map(band, r.li, {void_max = 0.6, j_nominal = 1})", .run = run_contact_map},
    {.name = "contact_change", .group = "interface", .summary = "Change between two contact maps: percent, lost and gained area",
     .args = contact_change_args, .rets = contact_change_rets,
     .example = "d = tl.contact_change(c0.contact, c1.contact); print(d.change_percent)", .run = run_contact_change},
    {.name = "regions", .group = "interface", .summary = "Connected regions of a 2D map with areas in mm², sorted",
     .doc = "Also the fraction of the total area in regions at least / below size_mm2 (seed 000: 71% in two regions "
            "of 0.42 and 0.19 mm², the rest in regions < 0.02 mm²).",
     .args = regions_args, .rets = regions_rets, .example = "g = tl.regions(c.contact, {size_mm2 = 0.02})", .run = run_regions},
    {.name = "effective_current_density", .group = "interface", .summary = "Nominal current density scaled by nominal / contact area",
     .args = effective_j_args, .rets = effective_j_rets, .example = "j = tl.effective_current_density(1.0, c.contact_mm2, c.map_mm2)",
     .run = run_effective_j},
    {.name = "thickness_map", .group = "interface", .summary = "Mask thickness per column in µm",
     .args = thickness_args, .rets = thickness_rets, .example = "t = tl.thickness_map(r.li)", .run = run_thickness},
    {.name = "interface_height", .group = "interface", .summary = "Height of a mask's far face per column in µm",
     .args = height_args, .rets = height_rets, .example = "h = tl.interface_height(r.li, {from = \"top\"})", .run = run_height},
    {.name = "current_density", .group = "interface", .summary = "Local current density from thickness change (seed 002 eq. 3)",
     .doc = "j = (t2 - t1) F / (dt V_Li), F = 96485.33 C/mol, V_Li = 13.0 cm³/mol, thickness in µm -> mA/cm². "
            "Positive where the electrode thickened (Li plated onto it), negative where it thinned (stripped). "
            "Pixels with a negative thickness (-1 = no Li) or 0 in valid1/valid2 are invalid.",
     .args = current_density_args, .rets = current_density_rets,
     .example = "j = tl.current_density(a.thickness_um, b.thickness_um, 900)", .run = run_current_density},
    {.name = "hot_spots", .group = "interface", .summary = "Regions of a map above mean + k std and below mean - k std",
     .args = hot_spots_args, .rets = hot_spots_rets, .example = "h = tl.hot_spots(j.j, {valid = j.valid, k = 2})", .run = run_hot_spots},
    {.name = "porosity_profile", .group = "interface", .summary = "Porosity profile along an axis in µm bins (seed 002)",
     .args = porosity_profile_args, .rets = porosity_profile_rets,
     .example = "p = tl.porosity_profile(pores, {roi = li, bin_um = 10})", .run = run_porosity_profile},
    {.name = "porosity_map", .group = "interface", .summary = "Porosity per (y, x) averaged over a depth along z (seed 002)",
     .args = porosity_map_args, .rets = porosity_map_rets, .example = "m = tl.porosity_map(pores, {depth_um = 500})", .run = run_porosity_map},
    {.name = "porosity_difference", .group = "interface", .summary = "Difference of two porosity maps where both are defined",
     .args = porosity_diff_args, .rets = porosity_diff_rets, .example = "d = tl.porosity_difference(m1.porosity, m2.porosity)",
     .run = run_porosity_diff},
    {.name = "interface_porosity", .group = "interface", .summary = "Porosity of the electrode near its interface vs its bulk (seed 002)",
     .args = interface_porosity_args, .rets = interface_porosity_rets,
     .example = "p = tl.interface_porosity(pores, r.li, {band_um = 10})", .run = run_interface_porosity},
    {.name = "porosity_histogram", .group = "interface", .summary = "Porosity of cubic sub-volumes and their histogram (seed 002)",
     .args = porosity_histogram_args, .rets = porosity_histogram_rets,
     .example = "h = tl.porosity_histogram(pores, {block_um = 36, roi = pellet})", .run = run_porosity_histogram},
    {0},
};
