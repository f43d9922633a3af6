/* io_ops.c — registry table of the io module. */
#include "../registry.h"

const tl_op tl_ops_io[] = {
    {0},
};
