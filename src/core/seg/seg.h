/* seg.h — segmentation kernels: column traversal (seed 000), thresholds
 * from data (multi-Otsu), connected components, binary morphology, filters.
 *
 * Conventions (docs/segmentation.md):
 * - z is the stack axis; "columns" run along z. electrode TOP means the
 *   collector is at low z and lithium is walked towards +z; BOTTOM means the
 *   collector is at high z and the walk goes towards -z.
 * - Per-column maps are 2D volumes (nz = 1, ny, nx). Heights and
 *   thicknesses are in µm; columns without lithium hold -1 and are 0 in the
 *   companion u8 `has_li` map.
 * - Intensities are in the volume's own units (reconstructed 1/cm). */
#ifndef TL_SEG_H
#define TL_SEG_H

#include "../tl_error.h"
#include "../vol/vol.h"

typedef enum { TL_ELECTRODE_TOP = 0, TL_ELECTRODE_BOTTOM = 1 } tl_electrode;
/* "top" / "bottom" -> enum; -1 if neither. */
int tl_electrode_parse(const char *s, tl_electrode *e);

/* Plane index of the k-th step of a walk along z starting at the low end
 * (forward = 1) or at the high end (forward = 0). */
static inline size_t tl_walk_z(size_t k, size_t nz, int forward) { return forward ? k : nz - 1 - k; }

/* A zeroed 2D map (1, ny, nx) of dtype dt with v's voxel size. */
tl_volume *tl_seg_map_like(const tl_volume *v, tl_dtype dt, tl_error *err);

/* 1 if a u8 mask has no nonzero voxel. */
int tl_mask_is_empty(const tl_volume *mask);

/* ---- lithium by column traversal (seed 000, Methods) ---- */
typedef struct {
    tl_electrode electrode;
    double li_max;    /* a voxel is Li while intensity < li_max */
    double sse_min;   /* stop when the mean of the next `window` voxels > sse_min */
    double steel_min; /* collector voxels (>= steel_min) are skipped before the walk */
    int window;       /* look-ahead voxels (paper: 5) */
    int max_gap;      /* also stop after this many non-Li voxels in a row past the Li (0: off) */
    int collector;    /* 1: the walk starts after the steel, columns without steel hold no Li;
                       * 0: the crop starts below the collector, walk from its first voxel */
} tl_li_opts;

typedef struct {
    tl_volume *li;           /* u8 (nz, ny, nx): 1 = lithium */
    tl_volume *has_li;       /* u8 map: 1 where the column holds lithium */
    tl_volume *start_vox;    /* i32 map: collector-side z face of the Li run, -1 if none */
    tl_volume *end_vox;      /* i32 map: electrolyte-side z face, -1 if none */
    tl_volume *start_um;     /* f32 map: start_vox * voxel_z, -1 if none */
    tl_volume *end_um;       /* f32 map */
    tl_volume *thickness_um; /* f32 map: |end - start| * voxel_z, -1 if none */
    size_t li_voxels, li_columns;
} tl_li_result;

int tl_threshold_columns(const tl_volume *vol, const tl_li_opts *o, tl_li_result *r, tl_error *err);
void tl_li_result_free(tl_li_result *r);

/* ---- interfacial voids (seed 000, Methods) ---- */
typedef struct {
    tl_electrode electrode;
    double void_max; /* void voxels are < void_max */
    double sse_min;  /* a run followed by a window mean < sse_min is interfacial */
    int window;
    int max_gap;     /* ... and by a Li-mask voxel within max_gap voxels (0: window rule only) */
    double li_level, void_level; /* for the sub-voxel height; NaN: not computed */
} tl_void_opts;

typedef struct {
    tl_volume *voids;      /* u8 (nz, ny, nx): 1 = interfacial void */
    tl_volume *height_um;  /* f32 map: void height per column (0 = none) */
    tl_volume *height_vox; /* i32 map */
    tl_volume *height_subvoxel_um; /* f32 map: partial-volume height (0 without levels) */
    size_t void_voxels, void_columns, pore_runs;
    double void_volume_um3, void_volume_subvoxel_um3; /* the latter NaN without levels */
} tl_void_result;

int tl_interfacial_voids(const tl_volume *vol, const tl_volume *li, const tl_void_opts *o,
                         tl_void_result *r, tl_error *err);
void tl_void_result_free(tl_void_result *r);

/* ---- sub-voxel lithium thickness (li_thickness.c) ---- */
typedef struct {
    tl_electrode electrode;
    double li_level, steel_level; /* class levels (propose_thresholds) */
    double void_level;            /* needed when the void mask has voxels */
    double partner_level;         /* what the Li meets past its run; NaN: median of the voxel after each void-free run */
    const tl_volume *contact;     /* optional u8 (y, x) map: columns in contact hold no interfacial void (their
                                   * void-mask voxels are ignored: a classifier's contact overrides the walk) */
} tl_li_thickness_opts;
typedef struct {
    tl_volume *thickness_um; /* f32 map: Li thickness by partial volume at both ends, -1 without Li */
    double partner_level;    /* the level used (INFINITY when every column ends in a void) */
    double li_volume_um3;
    size_t li_columns;
} tl_li_thickness_result;
/* li: Li mask from threshold_columns; voids: interfacial void mask or NULL. */
int tl_li_thickness(const tl_volume *vol, const tl_volume *li, const tl_volume *voids, const tl_li_thickness_opts *o,
                    tl_li_thickness_result *r, tl_error *err);
void tl_li_thickness_result_free(tl_li_thickness_result *r);
/* ---- aligned profiles at the Li edge (edge_profiles.c) ---- */
typedef struct {
    tl_electrode electrode;
    int before, after;           /* voxels kept inside the Li and past its last voxel */
    double li_level, void_level; /* both given: scale void -> 0, Li -> 1; both NaN: values as they are */
    double fill;                 /* every channel of a column without Li */
} tl_edge_profile_opts;
/* (before + after + 1, ny, nx) f32: channel j = the voxel j - before steps
 * past each column's last Li voxel (walk order from the collector). */
tl_volume *tl_edge_profiles(const tl_volume *vol, const tl_volume *li, const tl_edge_profile_opts *o, tl_error *err);

/* ---- interphase thickness (interphase.c) ---- */
typedef struct {
    tl_electrode electrode;
    double li_level, void_level; /* void_level may be NaN (no void partial volume) */
    double interphase_level;     /* NaN: measured in the layer's interior */
    double electrolyte_level;    /* NaN: measured past each column's zone */
    const tl_volume *contact;    /* optional u8 (y, x) map: columns in contact hold no interfacial void */
} tl_interphase_opts;
typedef struct {
    tl_volume *thickness_um; /* f32 map, NaN where not measured (no Li, or the layer outside the band) */
    tl_volume *valid;        /* u8 map: 1 where measured */
    double mean_um, volume_um3;
    double interphase_level, electrolyte_level; /* the levels used */
    size_t columns, interior_voxels;            /* measured columns; voxels behind the interphase level estimate */
} tl_interphase_result;
int tl_interphase(const tl_volume *vol, const tl_volume *li, const tl_volume *voids, const tl_interphase_opts *o,
                  tl_interphase_result *r, tl_error *err);
void tl_interphase_result_free(tl_interphase_result *r);
/* ---- thresholds from data ---- */
/* Multi-Otsu over a histogram of `nbins` bins of the voxels where mask != 0
 * (mask may be NULL) inside [z0,z1) x [y0,y1) x [x0,x1). classes 2..4.
 * thresholds[classes-1] (intensity units; class i is [t_{i-1}, t_i)),
 * means[classes], weights[classes] (voxel fractions). */
typedef struct {
    size_t z0, z1, y0, y1, x0, x1;
    const tl_volume *mask;
    int classes;
    int nbins;
} tl_otsu_opts;

typedef struct {
    double thresholds[3];
    double means[4], stds[4], weights[4];
    double lo, hi;     /* histogram range */
    size_t count;      /* voxels used */
    double separability; /* between-class variance / total variance */
} tl_otsu_result;

int tl_otsu(const tl_volume *vol, const tl_otsu_opts *o, tl_otsu_result *r, tl_error *err);

typedef struct {
    double li_max, sse_min, steel_min, void_max;
    double li_mean, li_std, sse_mean, steel_mean;
    double void_level; /* median of the voxels 6 Li spreads below Li, NaN when too few */
    double contact_void_max, k_contact; /* void_max for contact_map's `depth` voxels per column */
    tl_otsu_result otsu;
} tl_threshold_proposal;

/* Class levels in two stages: with_steel, a 2-class Otsu splits off the
 * steel and keeps only the columns that reach it; then a 2-class Otsu on
 * the remaining voxels separates Li from electrolyte (without steel,
 * steel_min lies above every voxel); Li's level and spread are its median and MAD (robust to
 * voids). li_max = midpoint Li/electrolyte; sse_min = electrolyte level -
 * (electrolyte - Li) / (2 window), between the mean of a window of
 * electrolyte only and one still holding one Li voxel; steel_min =
 * midpoint electrolyte/steel; void_max = Li level - k_void * Li spread;
 * contact_void_max the same for contact_map's test of `depth` voxels per
 * column, with k raised so a column's false-void chance equals one voxel's. */
int tl_propose_thresholds(const tl_volume *vol, const tl_otsu_opts *o, double k_void, int with_steel, int window, int depth,
                          tl_threshold_proposal *p, tl_error *err);

/* The same over the whole volume, 256 bins, k_void 3: what an operator
 * proposes when its thresholds are not given. */
int tl_propose_thresholds_whole(const tl_volume *vol, int with_steel, int window, int depth, tl_threshold_proposal *p,
                                tl_error *err);
/* ---- connected components ---- */
/* Labels foreground (mask != 0, u8) components with 6, 18 or 26
 * connectivity into an i32 volume: 0 background, components numbered
 * 1..n in raster order (z, y, x) of their first voxel, so the result is the
 * same for any thread count. On a 2D map 6 = 4-connected, 18/26 = 8. */
tl_volume *tl_label(const tl_volume *mask, int connectivity, size_t *nlabels, tl_error *err);
/* Voxel count of each label 1..n into counts[0..n-1] (caller allocates n). */
int tl_label_counts(const tl_volume *labels, size_t n, size_t *counts, tl_error *err);

typedef struct {
    size_t n;
    size_t *voxels;
    double *volume_um3;
    double *centroid_um;   /* 3 per label: z, y, x (µm, voxel centres at (i + 0.5) * size) */
    long long *bbox;       /* 6 per label: z0, z1, y0, y1, x0, x1 (0-based, half-open) */
    double *mean_intensity; /* NaN when no intensity volume is given */
} tl_regionstats;

int tl_region_stats(const tl_volume *labels, const tl_volume *intensity, tl_regionstats *s, tl_error *err);
void tl_regionstats_free(tl_regionstats *s);

/* ---- binary morphology (u8 masks, ball of `radius` voxels) ---- */
typedef enum { TL_MORPH_ERODE, TL_MORPH_DILATE, TL_MORPH_OPEN, TL_MORPH_CLOSE } tl_morph_op;
/* Outside the volume counts as background for dilation and as foreground
 * for erosion, so the crop boundary neither grows nor eats objects. */
tl_volume *tl_morphology(const tl_volume *mask, tl_morph_op op, int radius, tl_error *err);
/* Background components (6-connected) that do not touch the volume's
 * boundary become foreground. On a 2D map only the 4 edges count. */
tl_volume *tl_fill_holes(const tl_volume *mask, tl_error *err);
/* Removes components (given connectivity) smaller than min_voxels. */
tl_volume *tl_remove_small(const tl_volume *mask, size_t min_voxels, int connectivity, size_t *removed, tl_error *err);

/* ---- filters (f32 out; borders replicate the edge voxel) ---- */
/* radius_z < 0: the same as radius; 0: in-plane (y, x) median of each z-slice. */
tl_volume *tl_median3d(const tl_volume *vol, int radius, int radius_z, tl_error *err);
/* sigma per axis in voxels (z, y, x); 0 skips that axis. Truncated at 4 sigma. */
tl_volume *tl_gaussian(const tl_volume *vol, const double sigma_vox[3], tl_error *err);
/* Normalised convolution inside a u8 mask (same shape, or one plane
 * (1, ny, nx) for every z): G*(v m) / G*m inside, v outside. */
tl_volume *tl_gaussian_masked(const tl_volume *vol, const tl_volume *mask, const double sigma_vox[3], tl_error *err);

/* ---- analytic interface band with exact truth (analytic_cell.c) ---- */
typedef struct {
    size_t nz, ny, nx;
    double voxel_um;
    tl_electrode electrode;
    float steel, li, void_level, sse; /* intensities */
    double noise;                     /* Gaussian sigma, intensity units */
    uint64_t seed;
} tl_cell_opts;

typedef struct {
    tl_volume *volume;       /* f32 (nz, ny, nx) */
    tl_volume *contact;      /* u8 map: true contact */
    tl_volume *has_li;       /* u8 map */
    tl_volume *thickness_um; /* f32 map: collector to electrolyte face, -1 without Li */
    tl_volume *pores;        /* u8: electrolyte and Li pores (never interfacial voids) */
    tl_volume *voids;        /* u8: true interfacial voids */
    size_t void_voxels, contact_pixels;
    double void_volume_um3, contact_mm2;
} tl_cell_truth;

int tl_analytic_cell(const tl_cell_opts *o, tl_cell_truth *t, tl_error *err);
void tl_cell_truth_free(tl_cell_truth *t);

#endif
