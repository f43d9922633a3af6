/* materials.h — the phases of the synthetic cell and their attenuation. */
#ifndef TL_PHANTOM_MATERIALS_H
#define TL_PHANTOM_MATERIALS_H

/* Label values in the u8 label volume (stable: files and tests use them). */
enum {
    TL_PH_BACKGROUND = 0, /* outside the cell (air) */
    TL_PH_VOID = 1,       /* interfacial void between Li and the pellet */
    TL_PH_LI = 2,         /* lithium metal */
    TL_PH_INTERPHASE = 3, /* Li/electrolyte reaction layer */
    TL_PH_ELECTROLYTE = 4,/* the solid electrolyte pellet (LSPS) */
    TL_PH_PORE = 5,       /* a pore inside the pellet */
    TL_PH_STEEL = 6,      /* current collector (steel rod) */
    TL_PH_IMPURITY = 7,   /* small bright impurity in the Li */
    TL_PH_NLABELS = 8
};

/* "background", "void", ... ; NULL outside the range. */
const char *tl_ph_label_name(int label);
/* "0 background, 1 void, ..." for file attributes and docs. */
const char *tl_ph_label_legend(void);
/* Default linear attenuation coefficients (1/cm) representing 28 keV
 * reconstructed contrast; see docs/phantom.md for the choice. */
void tl_ph_default_mu(double mu[TL_PH_NLABELS]);

#endif
