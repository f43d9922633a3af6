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

tl_volume *tl_seg_map_like(const tl_volume *v, tl_dtype dt, tl_error *err)
{
    tl_volume *m = tl_vol_new(dt, 1, v->ny, v->nx, err);
    if (!m) return NULL;
    tl_vol_set_voxel(m, v->voxel_um[0], v->voxel_um[1], v->voxel_um[2]);
    return m;
}
