/* cnn_direct.c — direct convolution for layers with few output channels
 * (stride 1), where im2col + GEMM is memory-bound: a GEMM with M = 16
 * output channels streams the whole im2col matrix three times (write,
 * pack, read) for 16 FMAs per element. Here a block of output channels x
 * pixels is held in vector registers and each input vector loaded feeds
 * several FMAs (cnn_direct_kernel.inc, compiled for AVX-512, AVX2+FMA and
 * plain x86-64, picked at run time).
 *
 * Each output element sums its taps in the fixed order (ci, ky, kx) and
 * the work split (blocks of output rows) depends only on the layer's
 * shape, so results do not depend on the thread count. */
#include "cnn.h"

#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CB 16   /* output channels per packed weight block */
#define ROWS 8  /* output rows per task */
#define PADV 16 /* pad rows are cut in whole vectors of the widest ISA */

typedef struct direct_geom {
    int cin, kh, kw, dh, dw, relu;
    int nin;      /* pad rows per input channel */
    size_t padw;  /* floats per pad row */
    size_t plane; /* oh * ow */
} direct_geom;

int cnn_direct_ok(const cnn_layer *L)
{
    return L->kind == CNN_CONV && L->sh == 1 && L->sw == 1 && (L->cout <= 128 || (size_t)L->cin * L->kh * L->kw <= 32);
}

/* Weights as (cout/CB blocks, cin, kh, kw, CB), zero for missing channels. */
int cnn_direct_pack(cnn_layer *L)
{
    int nb = (L->cout + CB - 1) / CB;
    size_t taps = (size_t)L->cin * L->kh * L->kw;
    free(L->wpack);
    L->wpack = calloc((size_t)nb * taps * CB, sizeof *L->wpack);
    if (!L->wpack) return -1;
    for (int co = 0; co < L->cout; co++)
        for (size_t t = 0; t < taps; t++)
            L->wpack[((size_t)(co / CB) * taps + t) * CB + co % CB] = L->weight[(size_t)co * taps + t];
    return 0;
}

#define DK_VW 16
#define DK_C 8
#define DK_P 3
#define DK_TARGET __attribute__((target("avx512f,avx2,fma")))
#define DK(name) name##_avx512
#include "cnn_direct_kernel.inc"
#undef DK_VW
#undef DK_C
#undef DK_P
#undef DK_TARGET
#undef DK

#define DK_VW 8
#define DK_C 4
#define DK_P 3
#define DK_TARGET __attribute__((target("avx2,fma")))
#define DK(name) name##_avx2
#include "cnn_direct_kernel.inc"
#undef DK_VW
#undef DK_C
#undef DK_P
#undef DK_TARGET
#undef DK

#define DK_VW 4
#define DK_C 4
#define DK_P 3
#define DK_TARGET
#define DK(name) name##_sse2
#include "cnn_direct_kernel.inc"
#undef DK_VW
#undef DK_C
#undef DK_P
#undef DK_TARGET
#undef DK

typedef void (*rows_fn)(const direct_geom *, const float *, const float *, int, const float *, int, int, float *, int);

static rows_fn pick_rows(void)
{
    if (__builtin_cpu_supports("avx512f")) return rows_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return rows_avx2;
    return rows_sse2;
}

/* Zero-padded copies of the input rows that output rows [oy0, oy1) read:
 * pad[(ci * nin + j) * padw + pw + ix] = input (ci, oy0 - ph + j, ix). */
static void fill_pad(const cnn_layer *L, const direct_geom *g, const float *const *planes, int h, int w, int oy0,
                     float *pad)
{
    for (int ci = 0; ci < L->cin; ci++)
        for (int j = 0; j < g->nin; j++) {
            float *r = pad + ((size_t)ci * g->nin + j) * g->padw;
            int iy = oy0 - L->ph + j;
            if (iy < 0 || iy >= h) {
                memset(r, 0, g->padw * sizeof *r);
                continue;
            }
            memset(r, 0, (size_t)L->pw * sizeof *r);
            memcpy(r + L->pw, planes[ci] + (size_t)iy * w, (size_t)w * sizeof *r);
            memset(r + L->pw + w, 0, (g->padw - (size_t)L->pw - (size_t)w) * sizeof *r);
        }
}

void cnn_conv_direct(const cnn_layer *L, const float *const *planes, int h, int w, float *out, int oh, int ow,
                     cnn_work *work)
{
    const rows_fn rows_impl = pick_rows();
    direct_geom g = {L->cin, L->kh, L->kw, L->dh, L->dw, L->relu, 0, 0, (size_t)oh * ow};
    g.nin = (ROWS - 1) + (L->kh - 1) * L->dh + 1;
    /* a pad row covers every vector a block reads, rounded up to whole
     * vectors of the widest ISA so rows stay 64-byte apart */
    g.padw = (size_t)((ow + PADV - 1) / PADV * PADV + (L->kw - 1) * L->dw + PADV - 1) / PADV * PADV;
    if (g.padw < (size_t)(L->pw + w)) g.padw = (size_t)(L->pw + w + PADV - 1) / PADV * PADV;
    const size_t padn = (size_t)L->cin * g.nin * g.padw;
    const long ntasks = (oh + ROWS - 1) / ROWS;
#pragma omp parallel if (ntasks > 1 && !omp_in_parallel())
    {
        float *pad = cnn_work_get(work, padn + PADV);
        /* 64-byte aligned rows */
        if (pad) pad += (PADV - ((uintptr_t)pad / sizeof *pad) % PADV) % PADV;
#pragma omp for schedule(dynamic, 1)
        for (long t = 0; t < ntasks; t++) {
            int r0 = (int)t * ROWS, r1 = r0 + ROWS < oh ? r0 + ROWS : oh;
            if (!pad) continue; /* work->failed is set: the caller reports it */
            fill_pad(L, &g, planes, h, w, r0, pad);
            rows_impl(&g, L->wpack, L->bias, L->cout, pad, r0, r1, out, ow);
        }
    }
}
