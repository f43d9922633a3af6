/* electrode.c — small helpers shared by the column walks. */
#include "seg.h"

#include <stdint.h>
#include <string.h>

int tl_mask_is_empty(const tl_volume *mask)
{
    const uint8_t *p = mask->data;
    size_t n = tl_vol_count(mask);
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

int tl_electrode_parse(const char *s, tl_electrode *e)
{
    if (s && strcmp(s, "top") == 0) { *e = TL_ELECTRODE_TOP; return 0; }
    if (s && strcmp(s, "bottom") == 0) { *e = TL_ELECTRODE_BOTTOM; return 0; }
    return -1;
}
