/* cnn_layers.c — the layers that are not GEMMs: max-pool, upsampling,
 * per-channel affine (an unfolded batch norm), ReLU, add, softmax.
 * Conventions are PyTorch's: max-pool pads with -inf and floors the output
 * size; nearest upsampling takes src = floor(dst / scale); bilinear follows
 * F.interpolate with and without align_corners, computed in float. */
#include "cnn.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* 4 lanes of float (one SSE register, any x86-64): the 2x2 pool is
 * memory-bound once vectorised. */
#define PV 4
typedef float pv __attribute__((vector_size(PV * sizeof(float))));
typedef int pvi __attribute__((vector_size(PV * sizeof(int))));
#define PV_EVEN ((pvi){0, 2, 4, 6})
#define PV_ODD ((pvi){1, 3, 5, 7})

/* max propagating NaN, like the scalar rule "take v if v > m or v is NaN" */
static inline pv nanmax(pv m, pv v)
{
    pvi take = (v > m) | (v != v);
    return (pv)(((pvi)v & take) | ((pvi)m & ~take));
}

static inline float nanmax1(float m, float v) { return v > m || isnan(v) ? v : m; }

void cnn_maxpool2x2_row(const float *r0, const float *r1, float *o, int ow)
{
    int ox = 0;
    for (; ox + PV <= ow; ox += PV) { /* PV outputs from 2 x 2PV inputs */
        pv a0, a1, b0, b1;
        memcpy(&a0, r0 + 2 * ox, sizeof a0);
        memcpy(&a1, r0 + 2 * ox + PV, sizeof a1);
        memcpy(&b0, r1 + 2 * ox, sizeof b0);
        memcpy(&b1, r1 + 2 * ox + PV, sizeof b1);
        pv lo = nanmax(a0, b0), hi = nanmax(a1, b1);
        pv m = nanmax(__builtin_shuffle(lo, hi, PV_EVEN), __builtin_shuffle(lo, hi, PV_ODD));
        memcpy(o + ox, &m, sizeof m);
    }
    for (; ox < ow; ox++)
        o[ox] = nanmax1(nanmax1(nanmax1(r0[2 * ox], r0[2 * ox + 1]), r1[2 * ox]), r1[2 * ox + 1]);
}

/* ResNet's 3x3 stride-2 pool with padding 1: the max over the window's
 * rows first (v[1 + x], -inf for the padding columns x = -1 and x >= w),
 * then over columns 2ox - 1, 2ox, 2ox + 1 with even/odd lane shuffles.
 * v: scratch of w + 4 floats. */
static void pool_k3s2p1(const float *src, int h, int w, float *dst, int oh, int ow, float *v)
{
    for (int oy = 0; oy < oh; oy++) {
        int y0 = 2 * oy - 1 < 0 ? 0 : 2 * oy - 1, y1 = 2 * oy + 1 < h ? 2 * oy + 1 : h - 1;
        memcpy(v + 1, src + (size_t)y0 * w, (size_t)w * sizeof *v);
        for (int y = y0 + 1; y <= y1; y++) {
            const float *r = src + (size_t)y * w;
            int x = 0;
            for (; x + PV <= w; x += PV) {
                pv a, b;
                memcpy(&a, v + 1 + x, sizeof a);
                memcpy(&b, r + x, sizeof b);
                a = nanmax(a, b);
                memcpy(v + 1 + x, &a, sizeof a);
            }
            for (; x < w; x++) v[1 + x] = nanmax1(v[1 + x], r[x]);
        }
        v[0] = v[w + 1] = v[w + 2] = v[w + 3] = -INFINITY;
        float *o = dst + (size_t)oy * ow;
        int ox = 0;
        for (; ox + PV <= ow; ox += PV) {
            pv a0, a1, b0, b1;
            memcpy(&a0, v + 1 + 2 * ox, sizeof a0); /* columns 2ox .. */
            memcpy(&a1, v + 1 + 2 * ox + PV, sizeof a1);
            memcpy(&b0, v + 2 * ox, sizeof b0);     /* columns 2ox - 1 .. */
            memcpy(&b1, v + 2 * ox + PV, sizeof b1);
            pv m = nanmax(nanmax(__builtin_shuffle(b0, b1, PV_EVEN), __builtin_shuffle(a0, a1, PV_EVEN)),
                          __builtin_shuffle(a0, a1, PV_ODD));
            memcpy(o + ox, &m, sizeof m);
        }
        for (; ox < ow; ox++) o[ox] = nanmax1(nanmax1(v[2 * ox], v[2 * ox + 1]), v[2 * ox + 2]);
    }
}

void cnn_maxpool(const cnn_layer *L, const float *in, int c, int h, int w, float *out, int oh, int ow)
{
    const int k3s2p1 = L->kh == 3 && L->kw == 3 && L->sh == 2 && L->sw == 2 && L->ph == 1 && L->pw == 1 &&
                       L->dh == 1 && L->dw == 1 && h >= 2 && w >= 2;
#pragma omp parallel if (c > 1 && !omp_in_parallel())
    {
        float *vrow = k3s2p1 ? malloc(((size_t)w + 4) * sizeof *vrow) : NULL; /* NULL: the general path */
#pragma omp for schedule(static)
        for (int ch = 0; ch < c; ch++) {
            const float *src = in + (size_t)ch * h * w;
            float *dst = out + (size_t)ch * oh * ow;
            if (vrow) {
                pool_k3s2p1(src, h, w, dst, oh, ow, vrow);
                continue;
            }
            if (cnn_window_2x2s2(L)) { /* the U-Net's 2x2 pool: no bounds to check, same comparisons */
                for (int oy = 0; oy < oh; oy++)
                    cnn_maxpool2x2_row(src + (size_t)(2 * oy) * w, src + (size_t)(2 * oy + 1) * w, dst + (size_t)oy * ow, ow);
                continue;
            }
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    float m = -INFINITY;
                    for (int ky = 0; ky < L->kh; ky++) {
                        int iy = oy * L->sh - L->ph + ky * L->dh;
                        if (iy < 0 || iy >= h) continue;
                        for (int kx = 0; kx < L->kw; kx++) {
                            int ix = ox * L->sw - L->pw + kx * L->dw;
                            if (ix < 0 || ix >= w) continue;
                            float v = src[(size_t)iy * w + ix];
                            if (v > m || isnan(v)) m = v;
                        }
                    }
                    dst[(size_t)oy * ow + ox] = m;
                }
        }
        free(vrow);
    }
}

/* Source coordinate and weight of output index d for bilinear upsampling. */
static void bilinear_src(int d, int n_in, int n_out, int align, float scale_inv, int *i0, int *i1, float *l1)
{
    float src;
    if (align)
        src = n_out > 1 ? (float)(n_in - 1) / (float)(n_out - 1) * (float)d : 0.0f;
    else {
        src = scale_inv * ((float)d + 0.5f) - 0.5f;
        if (src < 0) src = 0;
    }
    int a = (int)src;
    if (a > n_in - 1) a = n_in - 1;
    *i0 = a;
    *i1 = a + (a < n_in - 1);
    *l1 = src - (float)a;
}

void cnn_upsample(const cnn_layer *L, const float *in, int c, int h, int w, float *out, int oh, int ow)
{
    const float sinv = 1.0f / (float)L->scale;
#pragma omp parallel for schedule(static) if (c > 1 && !omp_in_parallel())
    for (int ch = 0; ch < c; ch++) {
        const float *src = in + (size_t)ch * h * w;
        float *dst = out + (size_t)ch * oh * ow;
        if (!L->bilinear) { /* build each output row once, copy it scale - 1 times */
            const int s = L->scale;
            for (int iy = 0; iy < h; iy++) {
                const float *irow = src + (size_t)iy * w;
                float *orow = dst + (size_t)iy * s * ow;
                if (s == 2)
                    for (int ix = 0; ix < w; ix++) orow[2 * ix] = orow[2 * ix + 1] = irow[ix];
                else
                    for (int ix = 0; ix < w; ix++)
                        for (int k = 0; k < s; k++) orow[ix * s + k] = irow[ix];
                for (int k = 1; k < s; k++) memcpy(orow + (size_t)k * ow, orow, (size_t)ow * sizeof *orow);
            }
            continue;
        }
        for (int oy = 0; oy < oh; oy++) {
            float *orow = dst + (size_t)oy * ow;
            int y0, y1;
            float ly;
            bilinear_src(oy, h, oh, L->align_corners, sinv, &y0, &y1, &ly);
            const float *r0 = src + (size_t)y0 * w, *r1 = src + (size_t)y1 * w;
            for (int ox = 0; ox < ow; ox++) {
                int x0, x1;
                float lx;
                bilinear_src(ox, w, ow, L->align_corners, sinv, &x0, &x1, &lx);
                orow[ox] = (1.0f - ly) * ((1.0f - lx) * r0[x0] + lx * r0[x1]) + ly * ((1.0f - lx) * r1[x0] + lx * r1[x1]);
            }
        }
    }
}

void cnn_affine(const float *scale, const float *shift, int relu, float *x, int c, size_t hw)
{
#pragma omp parallel for schedule(static) if (c > 1 && !omp_in_parallel())
    for (int ch = 0; ch < c; ch++) {
        float *p = x + (size_t)ch * hw, s = scale[ch], b = shift[ch];
        for (size_t j = 0; j < hw; j++) {
            float v = p[j] * s + b;
            p[j] = relu && v < 0 ? 0 : v;
        }
    }
}

void cnn_relu(float *x, size_t n)
{
#pragma omp parallel for schedule(static) if (n > 65536 && !omp_in_parallel())
    for (size_t j = 0; j < n; j++) x[j] = x[j] > 0 ? x[j] : 0;
}

void cnn_add(const float *a, const float *b, float *out, size_t n, int relu)
{
#pragma omp parallel for schedule(static) if (n > 65536 && !omp_in_parallel())
    for (size_t j = 0; j < n; j++) {
        float v = a[j] + b[j];
        out[j] = relu && v < 0 ? 0 : v;
    }
}

void cnn_softmax(float *x, int c, size_t hw)
{
#pragma omp parallel for schedule(static) if (hw > 16384 && !omp_in_parallel())
    for (size_t j = 0; j < hw; j++) {
        float m = x[j];
        for (int k = 1; k < c; k++) m = x[(size_t)k * hw + j] > m ? x[(size_t)k * hw + j] : m;
        float s = 0;
        for (int k = 0; k < c; k++) {
            float e = expf(x[(size_t)k * hw + j] - m);
            x[(size_t)k * hw + j] = e;
            s += e;
        }
        for (int k = 0; k < c; k++) x[(size_t)k * hw + j] /= s;
    }
}
