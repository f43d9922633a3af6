/* plot_ops.c — registry table of the plot module. */
#include "../registry.h"

const tl_op tl_ops_plot[] = {
    {0},
};
