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
_Static_assert(4 * 4 <= CB, "the 4-channel path reuses the CB accumulators");
typedef int v16i __attribute__((vector_size(VW * sizeof(int))));

int cnn_direct_ok(const cnn_layer *L)
{
    return L->kind == CNN_CONV && L->sh == 1 && L->sw == 1 && (L->kw - 1) * L->dw <= 64 &&
           (L->cout <= 128 || (size_t)L->cin * L->kh * L->kw <= 32);
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

#define SPAN_MAX (4 * VW + 64) /* pixels one tap row of a vector group spans */

/* The `span` input pixels from column x0 of one input row: straight from
 * the input when inside it, else a zero-padded copy in tmp (image borders
 * and the last, partial vector). */
static inline const float *tap_row(const float *row, int w, int x0, int span, float *tmp)
{
    if (x0 >= 0 && x0 + span <= w) return row + x0;
    for (int j = 0; j < span; j++) {
        int x = x0 + j;
        tmp[j] = x >= 0 && x < w ? row[x] : 0.0f;
    }
    return tmp;
}

/* max(a, 0) lane by lane (C has no vector ?:) */
#define RELU16(a) ((v16)((v16i)(a) & ((a) > (v16){0})))

__attribute__((target_clones("avx512f", "avx2", "default")))
static void direct_rows(const cnn_layer *L, const float *const *planes, int h, int w, float *out, int oh, int ow,
                        int oy0, int oy1)
{
    const size_t taps = (size_t)L->cin * L->kh * L->kw;
    float tmp[SPAN_MAX];
    for (int b = 0; b < (L->cout + CB - 1) / CB; b++) {
        const int co0 = b * CB, nco = L->cout - co0 < CB ? L->cout - co0 : CB;
        const float *wb = L->wpack + (size_t)b * taps * CB;
        /* few channels (a 2-class head): 4 channels x 4 vectors of pixels */
        const int nvec = nco <= 4 ? 4 : 1, span = nvec * VW + (L->kw - 1) * L->dw;
        for (int oy = oy0; oy < oy1; oy++)
            for (int ox0 = 0; ox0 < ow; ox0 += nvec * VW) {
                v16 acc[CB];
                const int nacc = nvec == 4 ? 16 : CB; /* 4 x 4 or 16 x 1 accumulators */
                for (int i = 0; i < nacc; i++) {
                    int c = nvec == 4 ? i / 4 : i;
                    float bv = L->bias && c < nco ? L->bias[co0 + c] : 0.0f;
                    acc[i] = (v16){0} + bv;
                }
                const float *wp = wb;
                for (int ci = 0; ci < L->cin; ci++)
                    for (int ky = 0; ky < L->kh; ky++, wp += (size_t)L->kw * CB) {
                        int iy = oy - L->ph + ky * L->dh;
                        if (iy < 0 || iy >= h) continue; /* zero padding: no contribution */
                        const float *r = tap_row(planes[ci] + (size_t)iy * w, w, ox0 - L->pw, span, tmp);
                        const float *wk = wp;
                        if (nvec == 1) {
                            for (int kx = 0; kx < L->kw; kx++, wk += CB) {
                                v16 x;
                                memcpy(&x, r + kx * L->dw, sizeof x);
#pragma GCC unroll 16
                                for (int c = 0; c < CB; c++) acc[c] += x * wk[c];
                            }
                        } else {
                            for (int kx = 0; kx < L->kw; kx++, wk += CB) {
#pragma GCC unroll 4
                                for (int q = 0; q < 4; q++) {
                                    v16 x;
                                    memcpy(&x, r + kx * L->dw + q * VW, sizeof x);
#pragma GCC unroll 4
                                    for (int c = 0; c < 4; c++) acc[c * 4 + q] += x * wk[c];
                                }
                            }
                        }
                    }
                for (int c = 0; c < nco; c++)
                    for (int q = 0; q < nvec && ox0 + q * VW < ow; q++) {
                        v16 a = acc[nvec == 4 ? c * 4 + q : c];
                        if (L->relu) a = RELU16(a);
                        int n = ow - ox0 - q * VW < VW ? ow - ox0 - q * VW : VW;
                        float *o = out + ((size_t)(co0 + c) * oh + oy) * ow + ox0 + q * VW;
                        if (n == VW) memcpy(o, &a, sizeof a);
                        else for (int j = 0; j < n; j++) o[j] = a[j];
                    }
            }
    }
}

void cnn_conv_direct(const cnn_layer *L, const float *const *planes, int h, int w, float *out, int oh, int ow)
{
    const int rows = 8, nrb = (oh + rows - 1) / rows;
#pragma omp parallel for schedule(dynamic, 1) if (nrb > 1 && !omp_in_parallel())
    for (int t = 0; t < nrb; t++) {
        int r0 = t * rows, r1 = r0 + rows < oh ? r0 + rows : oh;
        direct_rows(L, planes, h, w, out, oh, ow, r0, r1);
    }
}
