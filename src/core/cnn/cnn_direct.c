/* cnn_direct.c — direct convolution for layers with few output channels
 * (stride 1), where im2col + GEMM is memory-bound: a GEMM with M = 16
 * output channels streams the whole im2col matrix three times (write,
 * pack, read) for 16 FMAs per element. Here 16 output channels x 16
 * pixels are held in registers; each input vector loaded feeds 16 FMAs.
 *
 * Each output element sums its taps in the fixed order (ci, ky, kx) and
 * the work split (blocks of 8 output rows) depends only on the
 * layer's shape, so results do not depend on the thread count. */
#include "cnn.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define VW 16 /* pixels per vector */
#define CB 16 /* output channels per block */

typedef float v16 __attribute__((vector_size(VW * sizeof(float))));
typedef int v16i __attribute__((vector_size(VW * sizeof(int))));

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

__attribute__((target_clones("avx512f", "avx2", "default")))
static void direct_rows(const cnn_layer *L, const float *const *planes, int h, int w, float *out, int oh, int ow,
                        int oy0, int oy1, float *pad, size_t padw)
{
    const size_t taps = (size_t)L->cin * L->kh * L->kw;
    /* zero-padded copies of the input rows these output rows read, once:
     * pad[(ci * nin + j)][0..padw) is input row oy0 - ph + j */
    const int nin = (oy1 - oy0 - 1) + (L->kh - 1) * L->dh + 1;
    for (int ci = 0; ci < L->cin; ci++)
        for (int j = 0; j < nin; j++) {
            float *r = pad + ((size_t)ci * nin + j) * padw;
            int iy = oy0 - L->ph + j;
            memset(r, 0, padw * sizeof *r);
            if (iy >= 0 && iy < h) memcpy(r + L->pw, planes[ci] + (size_t)iy * w, (size_t)w * sizeof *r);
        }
    for (int b = 0; b < (L->cout + CB - 1) / CB; b++) {
    const int co0 = b * CB, nco = L->cout - co0 < CB ? L->cout - co0 : CB;
    const float *wb = L->wpack + (size_t)b * taps * CB;
    if (nco <= 4) { /* e.g. a 2-class head: 4 channels x 4 vectors of pixels */
        for (int oy = oy0; oy < oy1; oy++)
            for (int ox0 = 0; ox0 < ow; ox0 += 4 * VW) {
                v16 acc[4][4];
                for (int c = 0; c < 4; c++) {
                    float bv = L->bias && c < nco ? L->bias[co0 + c] : 0.0f;
                    for (int q = 0; q < 4; q++) acc[c][q] = (v16){0} + bv;
                }
                const float *wp = wb;
                for (int ci = 0; ci < L->cin; ci++)
                    for (int ky = 0; ky < L->kh; ky++) {
                        const float *r = pad + ((size_t)ci * nin + (oy - oy0) + ky * L->dh) * padw + ox0;
                        for (int kx = 0; kx < L->kw; kx++, wp += CB) {
#pragma GCC unroll 4
                            for (int q = 0; q < 4; q++) {
                                v16 x;
                                memcpy(&x, r + kx * L->dw + q * VW, sizeof x);
#pragma GCC unroll 4
                                for (int c = 0; c < 4; c++) acc[c][q] += x * wp[c];
                            }
                        }
                    }
                for (int c = 0; c < nco; c++)
                    for (int q = 0; q < 4 && ox0 + q * VW < ow; q++) {
                        int n = ow - ox0 - q * VW < VW ? ow - ox0 - q * VW : VW;
                        float *o = out + ((size_t)(co0 + c) * oh + oy) * ow + ox0 + q * VW;
                        if (L->relu) {
                            v16 z = {0};
                            acc[c][q] = (v16)((v16i)acc[c][q] & (acc[c][q] > z));
                        }
                        if (n == VW) memcpy(o, &acc[c][q], sizeof acc[c][q]);
                        else for (int j = 0; j < n; j++) o[j] = acc[c][q][j];
                    }
            }
        continue;
    }
    for (int oy = oy0; oy < oy1; oy++) {
        for (int ox0 = 0; ox0 < ow; ox0 += VW) {
            v16 acc[CB];
            for (int c = 0; c < CB; c++) {
                float bv = L->bias && c < nco ? L->bias[co0 + c] : 0.0f;
                acc[c] = (v16){0} + bv;
            }
            const float *wp = wb;
            for (int ci = 0; ci < L->cin; ci++)
                for (int ky = 0; ky < L->kh; ky++) {
                    const float *r = pad + ((size_t)ci * nin + (oy - oy0) + ky * L->dh) * padw + ox0;
                    for (int kx = 0; kx < L->kw; kx++, wp += CB) {
                        v16 x;
                        memcpy(&x, r + kx * L->dw, sizeof x);
#pragma GCC unroll 16
                        for (int c = 0; c < CB; c++) acc[c] += x * wp[c];
                    }
                }
            int n = ow - ox0 < VW ? ow - ox0 : VW;
            for (int c = 0; c < nco; c++) {
                float *o = out + ((size_t)(co0 + c) * oh + oy) * ow + ox0;
                if (L->relu) {
                    v16 z = {0};
                    acc[c] = (v16)((v16i)acc[c] & (acc[c] > z));
                }
                if (n == VW) memcpy(o, &acc[c], sizeof acc[c]);
                else for (int j = 0; j < n; j++) o[j] = acc[c][j];
            }
        }
    }
    }
}

void cnn_conv_direct(const cnn_layer *L, const float *const *planes, int h, int w, float *out, int oh, int ow)
{
    const int rows = 8, nrb = (oh + rows - 1) / rows;
    /* a padded row holds every tap of the last (partial) group of 4 vectors */
    const size_t padw = (size_t)((ow + 4 * VW - 1) / (4 * VW) * (4 * VW) + (L->kw - 1) * L->dw + 1);
    const size_t padn = (size_t)L->cin * ((rows - 1) + (L->kh - 1) * L->dh + 1) * padw;
    const long ntasks = nrb;
#pragma omp parallel if (ntasks > 1 && !omp_in_parallel())
    {
        float *pad = malloc(padn * sizeof *pad);
#pragma omp for schedule(dynamic, 1)
        for (long t = 0; t < ntasks; t++) {
            int r0 = (int)t * rows, r1 = r0 + rows < oh ? r0 + rows : oh;
            if (pad) direct_rows(L, planes, h, w, out, oh, ow, r0, r1, pad, padw);
        }
        free(pad);
    }
}
