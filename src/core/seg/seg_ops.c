/* seg_ops.c — registry table of the seg module. */
#include "../registry.h"

const tl_op tl_ops_seg[] = {
    {0},
};
