/* phantom.h — a synthetic Li | solid electrolyte | Li cell with ground truth.
 *
 * The cell is described per column (y, x) rather than per voxel, so an
 * operando step can move interfaces by fractions of a voxel and the truth
 * (contact, thickness, current density, displacement) is exact:
 *
 *   z = 0 (top) ... steel | Li | void | interphase | electrolyte+pores
 *                   | interphase | void | Li | steel ... z = nz * voxel
 *
 * Positions are micrometres from the top face of voxel 0 along z. The
 * collectors are rigid (one z each); the pellet's two surfaces are maps
 * that carry the roughness and the pellet's displacement; void heights
 * and interphase thicknesses are maps per electrode (0 = top, 1 = bottom).
 * Labels and attenuation are rasterised from this description on demand. */
#ifndef TL_PHANTOM_H
#define TL_PHANTOM_H

#include <stdint.h>

#include "../registry.h"
#include "materials.h"

typedef struct tl_ph_cell_opts {
    size_t nz, ny, nx;
    double voxel_um;
    double diameter_um;          /* cell (rod) diameter; 0 = 90% of the width */
    double li_thickness_um;      /* each electrode, at the centre */
    double pellet_thickness_um;
    double edge_thinning;        /* Li thinner by this fraction at the rim */
    double roughness_um;         /* rms height of the pellet surfaces */
    double roughness_length_um;  /* their lateral correlation length */
    double porosity;             /* pore volume / (pore + electrolyte) */
    double pore_radius_um;       /* median pore radius (log-normal) */
    double pore_radius_sigma;    /* log-normal sigma of the radii */
    double pore_margin_um;       /* pore-free skin under each pellet surface */
    double contact_fraction;     /* per interface, of the columns in the cell */
    double contact_region_um;    /* correlation length of contact patches */
    double ring_period_um;       /* radial period of the rod-surface rings; 0 = none */
    double ring_weight;          /* 0..1, share of the rings in the contact field */
    double void_fraction;        /* void / (Li + void) volume per electrode */
    double interphase_um;        /* initial interphase thickness, 0 = none */
    int n_impurities;
    double impurity_radius_um;
    int depth;                   /* contact depth in voxels (seed 000: 5) */
    double mu[TL_PH_NLABELS];    /* 1/cm per label */
    uint64_t seed;
} tl_ph_cell_opts;

typedef struct tl_ph_step_opts {
    double current_density_mA_cm2; /* nominal, over the cell's cross-section */
    double duration_s;
    int strip;                      /* electrode that strips: 0 top, 1 bottom */
    double li_fraction;             /* share of the stripping charge from Li metal */
    double plating_efficiency;      /* share of the reducing charge plated as Li */
    double interphase_um_per_mAh;   /* interphase growth per mAh/cm² at the reducing side */
    double li_per_interphase;       /* µm of Li consumed per µm of interphase grown */
    double hotspot_strength;        /* log-normal std of the local current */
    double hotspot_length_um;       /* correlation length of hot spots */
    double replenish;               /* 0..1: share of the mean opened space the stripping side's collector follows */
    double replenish_plating;       /* the same at the reducing side */
    double displacement_ratio;      /* mean pellet displacement / mean stripped Li */
    uint64_t seed;
} tl_ph_step_opts;

typedef struct tl_ph_pore { float z, y, x, r; } tl_ph_pore; /* µm, reference frame */
typedef struct tl_ph_impurity { int electrode; float dz, y, x, r; } tl_ph_impurity; /* dz: µm from collector face */

typedef struct tl_ph_cell {
    tl_ph_cell_opts o;
    double radius_um, cy_um, cx_um;
    double collector[2];      /* top: lower face of the top rod; bottom: upper face of the bottom rod */
    uint8_t *inside;          /* (ny, nx): column centre inside the cell */
    size_t n_inside;
    float *surface[2];        /* pellet surface z, including displacement */
    float *void_h[2];         /* interfacial void height, µm */
    float *interphase[2];     /* interphase thickness into the pellet, µm */
    float *u_total;           /* pellet displacement along z since scan 0, µm */
    float *u_step;            /* ... during the last step */
    float *current[2];        /* local current density of the last step, mA/cm² */
    float *li_before[2];      /* Li thickness before the last step, µm */
    tl_ph_pore *pores; size_t n_pores;
    uint32_t *bucket_start;   /* pore index per 2D bucket (CSR) */
    uint32_t *bucket_items;
    size_t nby, nbx, bucket;
    tl_ph_impurity *imp; size_t n_imp;
    int scan;                 /* 0 for the initial cell */
    double time_s;
    double collector_shift[2];/* in the last step, towards the pellet, µm */
    tl_ph_step_opts last;     /* the step that made this scan (zero for scan 0) */
} tl_ph_cell;

void tl_ph_cell_defaults(tl_ph_cell_opts *o);
/* Build the initial cell. Porosity, contact fraction and void fraction are
 * met by construction on the rasterised labels. */
tl_ph_cell *tl_ph_cell_new(const tl_ph_cell_opts *o, tl_error *err);
tl_ph_cell *tl_ph_cell_copy(const tl_ph_cell *c, tl_error *err);
void tl_ph_cell_free(tl_ph_cell *c);

void tl_ph_step_defaults(tl_ph_step_opts *s);
/* The next scan's cell after a galvanostatic step. */
tl_ph_cell *tl_ph_evolve(const tl_ph_cell *c, const tl_ph_step_opts *s, tl_error *err);

/* Rasterise: labels (u8) and attenuation (f32, 1/cm, exact partial volume
 * along z at layer boundaries). Voxel size is set on both. */
tl_volume *tl_ph_labels(const tl_ph_cell *c, tl_error *err);
tl_volume *tl_ph_mu(const tl_ph_cell *c, tl_error *err);

/* Li thickness of a column (µm), 0 outside the cell. */
double tl_ph_li_thickness(const tl_ph_cell *c, int e, size_t y, size_t x);

/* Ground truth from the labels (see truth.c for definitions). */
typedef struct tl_ph_table {
    double contact_area_mm2[2], contact_fraction[2];
    double void_volume_um3[2], void_fraction[2];
    double li_volume_um3[2];
    double interphase_volume_um3[2], interphase_mean_um[2];
    double pore_volume_um3, porosity;
    double stack_thickness_um, collector_um[2], collector_shift_um[2];
    double cell_area_mm2;
    double displacement_step_mean_um, displacement_step_max_um;
    double time_s, charge_mAh_cm2;
} tl_ph_table;

/* Contact map per interface (u8, 1 = contact) from labels by seed 000's rule. */
tl_volume *tl_ph_contact_map(const tl_volume *labels, int electrode, int depth, tl_error *err);
int tl_ph_truth_table(const tl_ph_cell *c, const tl_volume *labels, tl_ph_table *t, tl_error *err);
/* Write labels, maps and table to an HDF5 file with provenance. */
int tl_ph_write_truth(const tl_ph_cell *c, const char *path, tl_error *err);
/* Record (for Lua) with the table's numbers and the truth maps. */
int tl_ph_truth_record(const tl_ph_cell *c, tl_record *out, int with_maps, tl_error *err);

/* Smooth Gaussian random field on the (ny, nx) grid: white noise from
 * (seed, stream) filtered with a Gaussian of the given correlation length
 * (pixels), then standardised to mean 0, std 1 over `mask` (or all). */
int tl_ph_smooth_field(size_t ny, size_t nx, double sigma_px, uint64_t seed, uint64_t stream,
                       const uint8_t *mask, float *out, tl_error *err);

extern const tl_class tl_class_phantom_cell;

#endif
