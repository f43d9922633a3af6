/* cnn_ops.c — registry table of the cnn module. */
#include "../registry.h"

const tl_op tl_ops_cnn[] = {
    {0},
};
