/* cnn_direct.c — direct convolution: every stride-1 conv, strided convs
 * with a kernel > 1x1 and at most 256 output channels, and kernel = stride
 * = 2 transposed convs (cnn_direct_ok; the rest goes through im2col +
 * GEMM, cnn_conv.c). Why: with tens of output channels a GEMM is
 * memory-bound (the im2col matrix is written, packed and read for a few
 * FMAs per element); here a block of 8 output channels x 3 vectors of
 * pixels stays in registers and each input vector loaded feeds 8 FMAs
 * (cnn_direct_kernel.inc, compiled for AVX-512, AVX2 + FMA and SSE2,
 * picked at run time). Each task copies the input rows it reads into a
 * zero-padded buffer (cut in stride phases), 128 input channels at a time;
 * a conv may instead compute its input conv's rows there (cnn_conv_fused).
 *
 * Each output element sums the bias, then its taps in the fixed order (ci,
 * ky, kx), and the work split (row blocks, channel groups, chunks)
 * depends only on the layer's shape, so results do not depend on the
 * thread count. */
#include "cnn.h"

#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CB 8    /* output channels per packed weight block: one AVX-512 register
                   block, so its weights are read contiguously (half the lines of 16) */
#define ROWS 8  /* output rows per task */
#define PADV 16 /* pad rows are cut in whole vectors of the widest ISA */
#define CHUNK 128 /* input channels per pass over the output (measured: 64-256 alike) */

#define MAXKW 16 /* widest kernel the direct conv takes */

typedef struct direct_geom {
    int cin, kh, kw, dh, relu;
    int sh, sw;    /* stride */
    int nin;       /* pad rows per input channel */
    size_t padw;   /* floats per pad row: sw phases of phasew */
    size_t phasew; /* phase q holds input columns j*sw + q - pw, j = 0.. */
    size_t plane;  /* output channel stride (oh * ow) */
    size_t ostride; /* output row stride (ow) */
    size_t kxoff[MAXKW]; /* where tap kx of output column 0 is in a pad row */
    int ci0, nci;  /* the input channels in the pad (a chunk of them) */
    int first, last; /* the chunk is the first (start from the bias), the last (ReLU) */
    int residual;  /* the last chunk adds a residual (same layout as the output) before ReLU */
} direct_geom;

/* A transposed conv the direct kernel runs: kernel = stride = 2, no
 * padding, dilation or output padding (the U-Net's 2x up). */
static int convt_k2s2(const cnn_layer *L)
{
    return L->kind == CNN_CONVT && cnn_window_2x2s2(L) && L->oph == 0 && L->opw == 0;
}

int cnn_direct_ok(const cnn_layer *L)
{
    if (convt_k2s2(L)) return 1;
    if (L->kind != CNN_CONV || L->kw > MAXKW) return 0;
    if (L->sh == 1 && L->sw == 1) return 1;
    /* strided (measured on the ResNet34 encoder, one core): the 7x7 stem
     * 23 -> 11 ms, 3x3 s2 up to 256 channels 10-25 % faster than the GEMM;
     * 1x1 s2 (a subsampled copy for im2col) and 512 channels slower */
    return L->sh <= 4 && L->sw <= 4 && L->kh * L->kw > 1 && L->cout <= 256;
}

/* Weights as (rows/CB blocks, taps, CB), zero for missing rows, where a
 * conv has rows = cout and taps (ci, ky, kx); a transposed conv rows
 * (co, ky, kx) and taps ci (its weight is already (cout*kh*kw, cin)). */
int cnn_direct_pack(cnn_layer *L)
{
    const int conv = L->kind == CNN_CONV;
    const size_t rows = conv ? (size_t)L->cout : (size_t)L->cout * L->kh * L->kw;
    const size_t taps = conv ? (size_t)L->cin * L->kh * L->kw : (size_t)L->cin;
    const size_t nb = (rows + CB - 1) / CB;
    free(L->wpack);
    L->wpack = calloc(nb * taps * CB, sizeof *L->wpack);
    if (!L->wpack) return -1;
    for (size_t r = 0; r < rows; r++)
        for (size_t t = 0; t < taps; t++) L->wpack[((r / CB) * taps + t) * CB + r % CB] = L->weight[r * taps + t];
    return 0;
}

#define DK_VW 16
#define DK_C 8
#define DK_P 3
#define DK_LO_MASK ((vi_avx512){0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23})
#define DK_HI_MASK ((vi_avx512){8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31})
#define DK_TARGET __attribute__((target("avx512f,avx2,fma")))
#define DK(name) name##_avx512
#include "cnn_direct_kernel.inc"
#undef DK_VW
#undef DK_C
#undef DK_P
#undef DK_TARGET
#undef DK_LO_MASK
#undef DK_HI_MASK
#undef DK

#define DK_VW 8
#define DK_C 4
#define DK_P 3
#define DK_LO_MASK ((vi_avx2){0, 8, 1, 9, 2, 10, 3, 11})
#define DK_HI_MASK ((vi_avx2){4, 12, 5, 13, 6, 14, 7, 15})
#define DK_TARGET __attribute__((target("avx2,fma")))
#define DK(name) name##_avx2
#include "cnn_direct_kernel.inc"
#undef DK_VW
#undef DK_C
#undef DK_P
#undef DK_TARGET
#undef DK_LO_MASK
#undef DK_HI_MASK
#undef DK

#define DK_VW 4
#define DK_C 4
#define DK_P 3
#define DK_LO_MASK ((vi_sse2){0, 4, 1, 5})
#define DK_HI_MASK ((vi_sse2){2, 6, 3, 7})
#define DK_TARGET
#define DK(name) name##_sse2
#include "cnn_direct_kernel.inc"
#undef DK_VW
#undef DK_C
#undef DK_P
#undef DK_TARGET
#undef DK_LO_MASK
#undef DK_HI_MASK
#undef DK

typedef void (*rows_fn)(const direct_geom *, const float *, const float *, int, int, const float *, int, float *,
                        const float *, int);
typedef void (*trows_fn)(int, const float *, const float *, int, const float *, size_t, int, int, int, int, float *, int,
                         size_t, int);

static int forced_isa; /* cnn_direct_set_isa, for tests */

int cnn_direct_set_isa(int isa)
{
    if (isa == CNN_ISA_AVX512 && !__builtin_cpu_supports("avx512f")) return -1;
    if (isa == CNN_ISA_AVX2 && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return -1;
    forced_isa = isa;
    return 0;
}

static int pick_isa(void)
{
    if (forced_isa) return forced_isa;
    if (__builtin_cpu_supports("avx512f")) return CNN_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CNN_ISA_AVX2;
    return CNN_ISA_SSE2;
}

static rows_fn pick_rows(void)
{
    int isa = pick_isa();
    return isa == CNN_ISA_AVX512 ? rows_avx512 : isa == CNN_ISA_AVX2 ? rows_avx2 : rows_sse2;
}

static trows_fn pick_trows(void)
{
    int isa = pick_isa();
    return isa == CNN_ISA_AVX512 ? trows_avx512 : isa == CNN_ISA_AVX2 ? trows_avx2 : trows_sse2;
}

/* Zero-padded copies of the input rows that output rows oy0.. read, x cut
 * into stride phases so that every tap reads whole vectors: pad row j of
 * the chunk's channel c (input channel ci0 + c), at (c * nin + j) * padw,
 * is input row oy0 * sh - ph + j; its phase q, at q * phasew, holds input
 * columns j' * sw + q - pw. */
static void fill_pad(const cnn_layer *L, const direct_geom *g, const float *const *planes, const int *ups, int h,
                     int w, int oy0, float *pad)
{
    for (int c = 0; c < g->nci; c++)
        for (int j = 0; j < g->nin; j++) {
            const int ci = g->ci0 + c;
            float *r = pad + ((size_t)c * g->nin + j) * g->padw;
            int iy = oy0 * L->sh - L->ph + j;
            if (iy < 0 || iy >= h) {
                memset(r, 0, g->padw * sizeof *r);
                continue;
            }
            /* a virtually upsampled channel: its small row, each pixel s times */
            const int s = ups ? ups[ci] : 1;
            const float *src = planes[ci] + (size_t)(iy / s) * (w / s);
            if (L->sw == 1) {
                memset(r, 0, (size_t)L->pw * sizeof *r);
                if (s == 1) {
                    memcpy(r + L->pw, src, (size_t)w * sizeof *r);
                } else if (s == 2) {
                    float *d = r + L->pw;
                    for (int x = 0; x < w / 2; x++) d[2 * x] = d[2 * x + 1] = src[x];
                } else {
                    for (int x = 0; x < w; x++) r[L->pw + x] = src[x / s];
                }
                memset(r + L->pw + w, 0, (g->padw - (size_t)L->pw - (size_t)w) * sizeof *r);
                continue;
            }
            for (int q = 0; q < L->sw; q++) {
                float *ph = r + (size_t)q * g->phasew;
                for (size_t jj = 0; jj < g->phasew; jj++) {
                    long x = (long)jj * L->sw + q - L->pw;
                    ph[jj] = x >= 0 && x < w ? src[x / s] : 0.0f;
                }
            }
        }
}

/* The geometry and scratch size of a direct conv with input w wide and
 * output ow wide, for tasks of `rows` output rows. */
static direct_geom geometry(const cnn_layer *L, int w, int oh, int ow, int rows, size_t *padn)
{
    direct_geom g = {.cin = L->cin, .kh = L->kh, .kw = L->kw, .dh = L->dh, .relu = L->relu, .sh = L->sh,
                     .sw = L->sw, .plane = (size_t)oh * ow, .ostride = (size_t)ow};
    g.nin = (rows - 1) * L->sh + (L->kh - 1) * L->dh + 1;
    /* a phase covers every vector a block reads (tap kx of output column
     * ox is at ox + kx*dw / sw in phase kx*dw % sw), rounded up to whole
     * vectors of the widest ISA so rows stay 64-byte apart; with stride 1
     * it also holds the whole input row after pw zeros */
    const int amax = (L->kw - 1) * L->dw / L->sw;
    g.phasew = (size_t)((ow + PADV - 1) / PADV * PADV + amax + PADV - 1) / PADV * PADV;
    if (L->sw == 1 && g.phasew < (size_t)(L->pw + w)) g.phasew = (size_t)(L->pw + w + PADV - 1) / PADV * PADV;
    g.padw = g.phasew * L->sw;
    for (int kx = 0; kx < L->kw; kx++)
        g.kxoff[kx] = (size_t)(kx * L->dw % L->sw) * g.phasew + (size_t)(kx * L->dw / L->sw);
    /* input channels in chunks of CHUNK: a chunk's pad rows and weights
     * stay in L2 (the ResNet34-U-Net's 768-channel conv ran 12 % faster than
     * with one pad of all channels; 128-512 channels alike) */
    *padn = (size_t)(L->cin < CHUNK ? L->cin : CHUNK) * g.nin * g.padw;
    return g;
}

/* The pad rows of channels [g->ci0, g->ci0 + g->nci) of a conv whose input
 * is the output of conv A (never materialised: see cnn_conv_fused): A's
 * output rows oy0*sh - ph + j, computed here from A's input into the pad,
 * zero outside. apad: scratch for A's own pad rows. */
static void fill_pad_from(const cnn_layer *L, const direct_geom *g, const cnn_layer *A, const direct_geom *ga,
                          const float *const *aplanes, const int *aups, int ah, int aw, int h, int w, int oy0,
                          float *apad, rows_fn rows_impl, float *pad)
{
    const int iy0 = oy0 * L->sh - L->ph;
    int j0 = iy0 < 0 ? -iy0 : 0, j1 = h - iy0 < g->nin ? h - iy0 : g->nin;
    if (j1 < j0) j1 = j0;
    for (int c = 0; c < g->nci; c++) /* zero rows and the padding columns around A's rows */
        for (int j = 0; j < g->nin; j++) {
            float *r = pad + ((size_t)c * g->nin + j) * g->padw;
            if (j < j0 || j >= j1) {
                memset(r, 0, g->padw * sizeof *r);
            } else {
                memset(r, 0, (size_t)L->pw * sizeof *r);
                memset(r + L->pw + w, 0, (g->padw - (size_t)L->pw - (size_t)w) * sizeof *r);
            }
        }
    if (j1 == j0) return;
    direct_geom gc = *ga;
    gc.plane = (size_t)g->nin * g->padw; /* A writes straight into the pad */
    gc.ostride = g->padw;
    const int achunk = A->cin < CHUNK ? A->cin : CHUNK;
    for (int a0 = j0; a0 < j1; a0 += ROWS) { /* A's tasks are ROWS output rows */
        const int n = j1 - a0 < ROWS ? j1 - a0 : ROWS;
        for (gc.ci0 = 0; gc.ci0 < A->cin; gc.ci0 += achunk) {
            gc.nci = A->cin - gc.ci0 < achunk ? A->cin - gc.ci0 : achunk;
            gc.first = gc.ci0 == 0;
            gc.last = gc.ci0 + gc.nci == A->cin;
            fill_pad(A, &gc, aplanes, aups, ah, aw, iy0 + a0, apad);
            rows_impl(&gc, A->wpack, A->bias, g->ci0, g->ci0 + g->nci, apad, n, pad + (size_t)a0 * g->padw + L->pw, NULL,
                      w);
        }
    }
}

/* The conv L, over output rows in tasks; its input is planes (h x w), or
 * with A, the output of conv A (h x w) computed task by task from A's
 * input (aplanes, ah x aw). */
static int conv_direct(const cnn_layer *L, const float *const *planes, const int *ups, int h, int w, const cnn_layer *A,
                       const float *const *aplanes, const int *aups, int ah, int aw, float *out, int oh, int ow,
                       const cnn_epilogue *ep, cnn_work *work)
{
    const rows_fn rows_impl = pick_rows();
    const int rows = ROWS;
    float *pool_out = ep ? ep->pool_out : NULL;
    const float *res = ep ? ep->residual : NULL;
    size_t padn, apadn = 0;
    direct_geom g = geometry(L, w, oh, ow, rows, &padn);
    if (res) { /* conv, + residual, then the add's ReLU (the conv has none) */
        g.residual = 1;
        g.relu = ep->relu;
    }
    direct_geom ga = {0};
    if (A) ga = geometry(A, aw, h, w, ROWS, &apadn);
    /* tasks: blocks of ROWS output rows; when there are fewer than 8 of
     * them (deep layers), also groups of output channels, so that 2-8
     * threads share the work. The cut depends only on the layer's shape. */
    const int nrt = (oh + rows - 1) / rows, nblk = (L->cout + CB - 1) / CB;
    int ngroups = nrt >= 8 ? 1 : (8 + nrt - 1) / nrt;
    if (ngroups > nblk) ngroups = nblk;
    const long ntasks = (long)nrt * ngroups;
    /* the max-pool of a task's rows (ROWS is even) once all its channels are done */
    const int pool = pool_out && ngroups == 1 && oh >= 2 && ow >= 2;
    const size_t padn_al = (padn + PADV - 1) / PADV * PADV;
#pragma omp parallel if (ntasks > 1 && !omp_in_parallel())
    {
        float *pad = cnn_work_get(work, padn_al + apadn + PADV), *apad = NULL;
        /* 64-byte aligned rows */
        if (pad) {
            pad += (PADV - ((uintptr_t)pad / sizeof *pad) % PADV) % PADV;
            apad = pad + padn_al;
        }
#pragma omp for schedule(dynamic, 1)
        for (long t = 0; t < ntasks; t++) {
            int r0 = (int)(t / ngroups) * rows, r1 = r0 + rows < oh ? r0 + rows : oh, gi = (int)(t % ngroups);
            int cb0 = gi * nblk / ngroups * CB, cb1 = (gi + 1) * nblk / ngroups * CB;
            if (cb1 > L->cout) cb1 = L->cout;
            if (!pad) continue; /* work->failed is set: the caller reports it */
            direct_geom gc = g;
            const int chunk = L->cin < CHUNK ? L->cin : CHUNK;
            for (gc.ci0 = 0; gc.ci0 < L->cin; gc.ci0 += chunk) {
                gc.nci = L->cin - gc.ci0 < chunk ? L->cin - gc.ci0 : chunk;
                gc.first = gc.ci0 == 0;
                gc.last = gc.ci0 + gc.nci == L->cin;
                if (A) fill_pad_from(L, &gc, A, &ga, aplanes, aups, ah, aw, h, w, r0, apad, rows_impl, pad);
                else fill_pad(L, &gc, planes, ups, h, w, r0, pad);
                const size_t at = (size_t)cb0 * g.plane + (size_t)r0 * ow;
                rows_impl(&gc, L->wpack, L->bias, cb0, cb1, pad, r1 - r0, out + at, res ? res + at : NULL, ow);
            }
            if (pool)
                for (int c = 0; c < L->cout; c++)
                    for (int py = r0 / 2; py < r1 / 2; py++) {
                        const float *src = out + (size_t)c * g.plane + (size_t)(2 * py) * ow;
                        cnn_maxpool2x2_row(src, src + ow, pool_out + ((size_t)c * (oh / 2) + py) * (ow / 2), ow / 2);
                    }
        }
    }
    return pool;
}

int cnn_conv_direct(const cnn_layer *L, const float *const *planes, const int *ups, int h, int w, float *out, int oh,
                    int ow, const cnn_epilogue *ep, cnn_work *work)
{
    return conv_direct(L, planes, ups, h, w, NULL, NULL, NULL, 0, 0, out, oh, ow, ep, work);
}

int cnn_conv_fused(const cnn_layer *A, const cnn_layer *L, const float *const *planes, const int *ups, int h, int w,
                   float *out, int oh, int ow, const cnn_epilogue *ep, cnn_work *work)
{
    const int ah = cnn_conv_out(h, A->kh, A->sh, A->ph, A->dh), aw = cnn_conv_out(w, A->kw, A->sw, A->pw, A->dw);
    return conv_direct(L, NULL, NULL, ah, aw, A, planes, ups, h, w, out, oh, ow, ep, work);
}

void cnn_convt_direct(const cnn_layer *L, const float *in, int h, int w, float *out, int oh, int ow, cnn_work *work)
{
    const trows_fn trows_impl = pick_trows();
    /* each input row, zero-padded to whole vectors, ROWS rows per task */
    const size_t padw = (size_t)(w + PADV - 1) / PADV * PADV, padn = (size_t)L->cin * ROWS * padw;
    const long ntasks = (h + ROWS - 1) / ROWS;
#pragma omp parallel if (ntasks > 1 && !omp_in_parallel())
    {
        float *pad = cnn_work_get(work, padn + PADV);
        if (pad) pad += (PADV - ((uintptr_t)pad / sizeof *pad) % PADV) % PADV;
#pragma omp for schedule(dynamic, 1)
        for (long t = 0; t < ntasks; t++) {
            int r0 = (int)t * ROWS, r1 = r0 + ROWS < h ? r0 + ROWS : h;
            if (!pad) continue; /* work->failed is set: the caller reports it */
            for (int ci = 0; ci < L->cin; ci++)
                for (int j = 0; j < r1 - r0; j++) {
                    float *r = pad + ((size_t)ci * ROWS + j) * padw;
                    memcpy(r, in + ((size_t)ci * h + r0 + j) * w, (size_t)w * sizeof *r);
                    memset(r + w, 0, (padw - (size_t)w) * sizeof *r);
                }
            trows_impl(L->cin, L->wpack, L->bias, L->cout, pad, padw, ROWS, r0, r1, w, out, ow, (size_t)oh * ow,
                       L->relu);
        }
    }
}
