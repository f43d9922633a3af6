/* recon_ops.c — registry table of the recon module. */
#include "../registry.h"

const tl_op tl_ops_recon[] = {
    {0},
};
