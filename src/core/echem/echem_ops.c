/* echem_ops.c — registry table of the echem module. */
#include "../registry.h"

const tl_op tl_ops_echem[] = {
    {0},
};
