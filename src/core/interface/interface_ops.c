/* interface_ops.c — registry table of the interface module. */
#include "../registry.h"

const tl_op tl_ops_interface[] = {
    {0},
};
