/* vol_convert.c — dtype <-> double runs. */
#include "vol_convert.h"

#include <math.h>
#include <stdint.h>

#define LOAD_LOOP(T) do { const T *p = (const T *)data + start; for (size_t k = 0; k < n; k++) dst[k] = p[k]; } while (0)

void tl_load_f64(const void *data, tl_dtype dt, size_t start, size_t n, double *dst)
{
    switch (dt) {
    case TL_U8: LOAD_LOOP(uint8_t); break;
    case TL_U16: LOAD_LOOP(uint16_t); break;
    case TL_I32: LOAD_LOOP(int32_t); break;
    case TL_F32: LOAD_LOOP(float); break;
    case TL_F64: LOAD_LOOP(double); break;
    default: break;
    }
}

void tl_load_f32(const void *data, tl_dtype dt, size_t start, size_t n, float *dst)
{
    switch (dt) {
    case TL_U8: LOAD_LOOP(uint8_t); break;
    case TL_U16: LOAD_LOOP(uint16_t); break;
    case TL_I32: LOAD_LOOP(int32_t); break;
    case TL_F32: LOAD_LOOP(float); break;
    case TL_F64: { const double *p = (const double *)data + start; for (size_t k = 0; k < n; k++) dst[k] = (float)p[k]; } break;
    default: break;
    }
}

static inline double clamp_round(double x, double lo, double hi)
{
    if (isnan(x)) return 0;
    x = nearbyint(x);
    return x < lo ? lo : x > hi ? hi : x;
}

void tl_store_f64(void *data, tl_dtype dt, size_t start, size_t n, const double *src)
{
    switch (dt) {
    case TL_U8: { uint8_t *p = (uint8_t *)data + start; for (size_t k = 0; k < n; k++) p[k] = (uint8_t)clamp_round(src[k], 0, 255); } break;
    case TL_U16: { uint16_t *p = (uint16_t *)data + start; for (size_t k = 0; k < n; k++) p[k] = (uint16_t)clamp_round(src[k], 0, 65535); } break;
    case TL_I32: { int32_t *p = (int32_t *)data + start; for (size_t k = 0; k < n; k++) p[k] = (int32_t)clamp_round(src[k], INT32_MIN, INT32_MAX); } break;
    case TL_F32: { float *p = (float *)data + start; for (size_t k = 0; k < n; k++) p[k] = (float)src[k]; } break;
    case TL_F64: { double *p = (double *)data + start; for (size_t k = 0; k < n; k++) p[k] = src[k]; } break;
    default: break;
    }
}
