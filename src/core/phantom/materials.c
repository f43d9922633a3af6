/* materials.c — label names and default attenuation coefficients.
 *
 * The defaults reproduce the grey-level ordering of the 28 keV LSPS scans
 * (seed 000): steel >> LSPS > interphase > Li > void ~ 0, with Li 2.5x
 * below LSPS as in the reconstructed images. Tabulated mass attenuation
 * would put Li near 0.1/cm, far darker than the paper's images show (its
 * contrast includes phase effects and reconstruction offsets), so these
 * are effective coefficients chosen for image contrast, not NIST values. */
#include "materials.h"

#include <stddef.h>

static const char *const names[TL_PH_NLABELS] = {
    "background", "void", "li", "interphase", "electrolyte", "pore", "steel", "impurity",
};

const char *tl_ph_label_name(int label)
{
    return label >= 0 && label < TL_PH_NLABELS ? names[label] : NULL;
}

const char *tl_ph_label_legend(void)
{
    return "0 background, 1 void, 2 li, 3 interphase, 4 electrolyte, 5 pore, 6 steel, 7 impurity";
}

void tl_ph_default_mu(double mu[TL_PH_NLABELS])
{
    mu[TL_PH_BACKGROUND] = 0.0;
    mu[TL_PH_VOID] = 0.05;
    mu[TL_PH_LI] = 3.2;
    mu[TL_PH_INTERPHASE] = 5.6;
    mu[TL_PH_ELECTROLYTE] = 8.0;
    mu[TL_PH_PORE] = 0.05;
    mu[TL_PH_STEEL] = 60.0;
    mu[TL_PH_IMPURITY] = 40.0;
}
