/* phantom_ops.c — registry table of the phantom module. */
#include "../registry.h"

const tl_op tl_ops_phantom[] = {
    {0},
};
