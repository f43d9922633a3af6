/* interface.h — interface metrics: contact maps and regions (seed 000),
 * thickness, interface height, current density from thickness change and
 * hot spots (seed 002 eq. 3), porosity (seed 002).
 *
 * Maps are 2D volumes (nz = 1, ny, nx) in the (y, x) plane with the input's
 * (y, x) voxel size. Columns without lithium carry -1 in µm maps and 0 in
 * the companion u8 validity map (docs/segmentation.md). */
#ifndef TL_INTERFACE_H
#define TL_INTERFACE_H

#include "../seg/seg.h"

#define TL_FARADAY 96485.33212      /* C/mol */
#define TL_VM_LI_CM3 13.0           /* molar volume of lithium, cm³/mol (both seeds) */

/* ---- contact map (seed 000) ---- */
typedef struct {
    tl_electrode electrode;
    int depth;       /* voxels at the Li edge that must all be >= void_max */
    double void_max;
} tl_contact_opts;

typedef struct {
    tl_volume *contact;   /* u8 map: 1 = Li touches the electrolyte in this column */
    tl_volume *edge_vox;  /* i32 map: z index of the electrolyte-side Li voxel, -1 if none */
    size_t contact_pixels, li_pixels, pixels;
    double contact_mm2, map_mm2, contact_fraction; /* fraction of the whole map */
} tl_contact_result;

int tl_contact_map(const tl_volume *vol, const tl_volume *li, const tl_contact_opts *o,
                   tl_contact_result *r, tl_error *err);
void tl_contact_result_free(tl_contact_result *r);

/* Change between two contact maps of the same interface (seed 000, Fig. 4c,d):
 * change = 0 never, 1 kept, 2 lost, 3 gained; change_percent = 100 (A2 - A1) / A1. */
typedef struct {
    tl_volume *change;
    double area1_mm2, area2_mm2, lost_mm2, gained_mm2, change_percent;
} tl_contact_change_result;
int tl_contact_change(const tl_volume *c1, const tl_volume *c2, tl_contact_change_result *r, tl_error *err);

/* ---- regions of a 2D mask ---- */
typedef struct {
    tl_volume *labels;  /* i32 map, regions numbered by decreasing area (ties: raster order) */
    size_t n;
    double *area_mm2;   /* n, decreasing */
    double total_mm2;
    double fraction_above; /* of total area held by regions with area >= size_mm2 */
    double fraction_below;
    size_t n_above;
} tl_regions;

/* connectivity 4 or 8 (in-plane). */
int tl_regions_2d(const tl_volume *mask2d, int connectivity, double size_mm2, tl_regions *r, tl_error *err);
void tl_regions_free(tl_regions *r);

/* j_eff = j_nominal * nominal_area / contact_area; error if contact is 0. */
int tl_effective_current_density(double j_nominal, double contact_mm2, double nominal_mm2,
                                 double *j_eff, tl_error *err);

/* ---- thickness and height ---- */
/* axis 0 = z, 1 = y, 2 = x. Count of mask voxels along the axis * voxel
 * size (µm). Output map: axis z -> (1, ny, nx); y -> (1, nz, nx); x -> (1, nz, ny). */
tl_volume *tl_thickness_map(const tl_volume *mask, int axis, tl_error *err);
/* Per column along z, the z face (µm) where the mask ends seen from the
 * collector: from top (mask at low z) the face above its highest voxel,
 * from bottom the face below its lowest voxel. -1 and valid = 0 where the
 * column holds no mask voxel. */
int tl_interface_height(const tl_volume *mask, int from_top, tl_volume **height_um, tl_volume **valid, tl_error *err);

/* ---- current density, seed 002 eq. 3 ---- */
/* j = (t2 - t1) * F / (dt_s * V_Li) in mA/cm² from thickness maps in µm.
 * Positive j: the electrode grew (plating onto it); negative: stripping.
 * Pixels where either thickness is negative (no Li) or where a given
 * validity mask is 0 are invalid: j = 0 there and valid = 0. */
int tl_current_density(const tl_volume *t1, const tl_volume *t2, double dt_s, const tl_volume *valid1,
                       const tl_volume *valid2, tl_volume **j, tl_volume **valid, double *mean_j, tl_error *err);

typedef struct {
    double mean, std, hi_cut, lo_cut;
    tl_regions hot, cold; /* hot: j > mean + k std; cold: j < mean - k std */
    size_t valid_pixels;
} tl_hotspots;

int tl_hot_spots(const tl_volume *j, const tl_volume *valid, double k, int connectivity, double size_mm2,
                 tl_hotspots *h, tl_error *err);
void tl_hotspots_free(tl_hotspots *h);

/* ---- porosity (seed 002) ---- */
/* pores: u8 mask of pore voxels; roi (optional): u8 mask of the phase whose
 * porosity is measured (pores should lie inside it); NULL = every voxel. */
typedef struct {
    size_t n;
    double *center_um, *porosity, *roi_voxels; /* per bin; porosity NaN where the bin holds no roi voxel */
} tl_profile;

int tl_porosity_profile(const tl_volume *pores, const tl_volume *roi, int axis, double bin_um, tl_profile *p, tl_error *err);
void tl_profile_free(tl_profile *p);

/* Porosity along z over [start_um, start_um + depth_um) per (y, x): f32 map,
 * -1 where no roi voxel; valid u8 map. */
int tl_porosity_map(const tl_volume *pores, const tl_volume *roi, double start_um, double depth_um,
                    tl_volume **map, tl_volume **valid, tl_error *err);

/* Porosity of the electrode (roi) within band_um of its electrolyte-side
 * edge, per column, and of the rest (bulk). */
typedef struct { double band, bulk; size_t band_voxels, bulk_voxels; } tl_band_porosity;
int tl_interface_porosity(const tl_volume *pores, const tl_volume *electrode, tl_electrode side, double band_um,
                          tl_band_porosity *b, tl_error *err);

/* Porosity of cubic blocks of edge block_um (blocks with at least half
 * their voxels in roi), and their histogram over [0, 1] in `bins` bins. */
typedef struct { size_t n; double *porosity; size_t nbins; double *hist; } tl_block_porosity;
int tl_porosity_blocks(const tl_volume *pores, const tl_volume *roi, double block_um, int bins,
                       tl_block_porosity *b, tl_error *err);
void tl_block_porosity_free(tl_block_porosity *b);

#endif
