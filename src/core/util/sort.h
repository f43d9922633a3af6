/* sort.h — the qsort comparison of floats, shared by every module that
 * sorts samples for a median or a quantile. */
#ifndef TL_UTIL_SORT_H
#define TL_UTIL_SORT_H

/* Ascending; NaN compares equal to everything (callers drop NaN first). */
static inline int tl_cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

#endif
