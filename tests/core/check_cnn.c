/* check_cnn.c — CNN inference: every layer against hand-computed values,
 * the file loader's errors, batch-norm folding, parity with PyTorch on the
 * committed golden file, tiling, and thread-count independence. */
#include "tl_test.h"

#include <hdf5.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cnn/cnn.h"

#define GOLDEN "tests/data/cnn_golden.h5"

static cnn_layer layer(cnn_kind kind, int cin, int cout, int k, int s, int p, int d)
{
    cnn_layer L;
    memset(&L, 0, sizeof L);
    L.kind = kind;
    L.cin = cin;
    L.cout = cout;
    L.kh = L.kw = k;
    L.sh = L.sw = s;
    L.ph = L.pw = p;
    L.dh = L.dw = d;
    L.scale = 2;
    return L;
}

/* n uniform values in [-0.5, 0.5): random weights, biases and inputs */
static void rand_fill(float *x, size_t n, uint64_t *seed)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(tl_test_uniform(seed) - 0.5);
}

/* A conv's weights, bias and input, filled in that order from seed. */
typedef struct { float *wt, *b, *in; } conv_data;
static conv_data rand_conv_data(size_t nw, size_t nb, size_t nin, uint64_t *seed)
{
    conv_data d = {malloc(nw * sizeof(float)), malloc(nb * sizeof(float)), malloc(nin * sizeof(float))};
    rand_fill(d.wt, nw, seed);
    rand_fill(d.b, nb, seed);
    rand_fill(d.in, nin, seed);
    return d;
}

static void ck_floats(const float *o, const float *e, size_t n, double tol);

/* cnn_conv2d on a contiguous (cin, h, w) tensor, through im2col + GEMM;
 * when the layer qualifies, also through the direct kernel, which must agree */
static void conv(const cnn_layer *L, const float *in, int h, int w, float *out, int oh, int ow, cnn_work *work)
{
    const float *planes[16];
    for (int c = 0; c < L->cin; c++) planes[c] = in + (size_t)c * h * w;
    cnn_conv2d(L, planes, NULL, 1, h, w, out, oh, ow, NULL, work);
    if (cnn_direct_ok(L)) {
        cnn_layer D = *L;
        ck_assert_int_eq(cnn_direct_pack(&D), 0);
        float *o2 = malloc((size_t)L->cout * oh * ow * sizeof *o2);
        cnn_conv2d(&D, planes, NULL, 1, h, w, o2, oh, ow, NULL, work);
        ck_floats(o2, out, (size_t)L->cout * oh * ow, 1e-5);
        free(o2);
        free(D.wpack);
    }
}

static void ck_floats(const float *o, const float *e, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs(o[i] - e[i]) <= tol, "element %zu: %.9g observed vs %.9g expected", i, o[i], e[i]);
}

/* Direct convolution, the definition, for random sweeps. */
static void naive_conv(const cnn_layer *L, const float *w, const float *b, const float *in, int h, int wd, float *out,
                       int oh, int ow)
{
    for (int co = 0; co < L->cout; co++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                double s = b ? b[co] : 0;
                for (int ci = 0; ci < L->cin; ci++)
                    for (int ky = 0; ky < L->kh; ky++)
                        for (int kx = 0; kx < L->kw; kx++) {
                            int iy = oy * L->sh - L->ph + ky * L->dh, ix = ox * L->sw - L->pw + kx * L->dw;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                                s += (double)w[((co * L->cin + ci) * L->kh + ky) * L->kw + kx] *
                                     in[(ci * h + iy) * wd + ix];
                        }
                out[(co * oh + oy) * ow + ox] = (float)s;
            }
}

START_TEST(test_conv_hand)
{
    /* 3x3 input 1..9, 2x2 kernel [[1, 0], [0, -1]], bias 0.5: out = a - d + 0.5 = -4 + 0.5 */
    float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 0, 0, -1}, b[1] = {0.5f}, out[9];
    cnn_layer L = layer(CNN_CONV, 1, 1, 2, 1, 0, 1);
    L.weight = w;
    L.bias = b;
    tl_error e;
    cnn_work *work = cnn_work_new(&e);
    ck_assert_int_eq(cnn_conv_out(3, 2, 1, 0, 1), 2);
    conv(&L, in, 3, 3, out, 2, 2, work);
    float exp1[4] = {-3.5f, -3.5f, -3.5f, -3.5f};
    ck_floats(out, exp1, 4, 0);
    /* padding 1, stride 2, ReLU: 3x3 kernel of ones sums the 3x3 window (zero-padded) */
    float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, nb[1] = {-13.0f};
    L = layer(CNN_CONV, 1, 1, 3, 2, 1, 1);
    L.weight = ones;
    L.bias = nb;
    L.relu = 1;
    ck_assert_int_eq(cnn_conv_out(3, 3, 2, 1, 1), 2);
    conv(&L, in, 3, 3, out, 2, 2, work);
    /* windows: (0,0): 1+2+4+5 = 12; (0,2): 2+3+5+6 = 16; (2,0): 4+5+7+8 = 24; (2,2): 5+6+8+9 = 28; minus 13, ReLU */
    float exp2[4] = {0, 3, 11, 15};
    ck_floats(out, exp2, 4, 0);
    /* dilation 2 on a 5x5 ramp: taps at (0,0),(0,2),(2,0),(2,2) of a 2x2 kernel of ones */
    float ramp[25];
    for (int i = 0; i < 25; i++) ramp[i] = (float)i;
    float four[4] = {1, 1, 1, 1};
    L = layer(CNN_CONV, 1, 1, 2, 1, 0, 2);
    L.weight = four;
    ck_assert_int_eq(cnn_conv_out(5, 2, 1, 0, 2), 3);
    conv(&L, ramp, 5, 5, out, 3, 3, work);
    ck_assert_float_eq(out[0], 0 + 2 + 10 + 12);
    cnn_work_free(work);
}
END_TEST

START_TEST(test_conv_sweep)
{
    /* random shapes, strides, paddings, dilations, 1x1 convs, against the definition */
    uint64_t seed = 7;
    tl_error e;
    cnn_work *work = cnn_work_new(&e);
    /* both paths: direct (cin*kh*kw <= 32, stride 1) and im2col + GEMM */
    for (int trial = 0; trial < 60; trial++) {
        int cin = 1 + (int)(tl_test_rand(&seed) % 12), cout = 1 + (int)(tl_test_rand(&seed) % 7);
        int k = 1 + (int)(tl_test_rand(&seed) % 4), s = 1 + (int)(tl_test_rand(&seed) % 3);
        int p = (int)(tl_test_rand(&seed) % 3), d = 1 + (int)(tl_test_rand(&seed) % 2);
        int h = 5 + (int)(tl_test_rand(&seed) % 20), w = 5 + (int)(tl_test_rand(&seed) % 30);
        if (trial % 5 == 0) k = 1, s = 1, p = 0, d = 1;
        if (trial % 7 == 3) cout = 512 + (int)(tl_test_rand(&seed) % 70); /* few pixels, many channels: shared im2col */
        cnn_layer L = layer(CNN_CONV, cin, cout, k, s, p, d);
        int oh = cnn_conv_out(h, k, s, p, d), ow = cnn_conv_out(w, k, s, p, d);
        if (oh < 1 || ow < 1) continue;
        size_t nw = (size_t)cout * cin * k * k;
        conv_data cd = rand_conv_data(nw, (size_t)cout, (size_t)cin * h * w, &seed);
        float *wt = cd.wt, *b = cd.b, *in = cd.in;
        float *o = malloc((size_t)cout * oh * ow * 4), *r = malloc((size_t)cout * oh * ow * 4);
        L.weight = wt;
        L.bias = trial % 2 ? b : NULL;
        conv(&L, in, h, w, o, oh, ow, work);
        naive_conv(&L, wt, L.bias, in, h, w, r, oh, ow);
        ck_floats(o, r, (size_t)cout * oh * ow, 1e-5);
        free(wt); free(b); free(in); free(o); free(r);
    }
    cnn_work_free(work);
}
END_TEST

/* The direct kernels of every instruction set this CPU has, on shapes that
 * reach their full register blocks (rows of 40..110 pixels, 5..40 output
 * channels: whole and partial 8-channel blocks) and their tails, strides 1
 * and 2, input channels in one or several chunks, against the definition;
 * ReLU fused or not. */
START_TEST(test_direct_isas)
{
    uint64_t seed = 11;
    tl_error e;
    cnn_work *work = cnn_work_new(&e);
    for (int isa = CNN_ISA_SSE2; isa <= CNN_ISA_AVX512; isa++) {
        if (cnn_direct_set_isa(isa)) continue; /* not on this CPU */
        for (int trial = 0; trial < 12; trial++) {
            int cin = 1 + (int)(tl_test_rand(&seed) % 20), cout = 5 + (int)(tl_test_rand(&seed) % 36);
            int k = 1 + (int)(tl_test_rand(&seed) % 3), p = (int)(tl_test_rand(&seed) % 2), d = 1 + (int)(tl_test_rand(&seed) % 2);
            int h = 3 + (int)(tl_test_rand(&seed) % 18), w = 40 + (int)(tl_test_rand(&seed) % 71);
            int st = trial % 3 == 2 ? 2 : 1;
            if (trial % 4 == 0) cout = 1 + (int)(tl_test_rand(&seed) % 4); /* a head */
            if (st == 2 && k == 1) k = 3; /* strided 1x1 convs go through the GEMM */
            if (trial == 5) k = 7, p = 3, st = 2, d = 1; /* ResNet's stem */
            if (trial == 7) cin = 130 + (int)(tl_test_rand(&seed) % 140), h = 3; /* input channels in 2-3 chunks */
            cnn_layer L = layer(CNN_CONV, cin, cout, k, st, p, d);
            int oh = cnn_conv_out(h, k, st, p, d), ow = cnn_conv_out(w, k, st, p, d);
            if (oh < 1 || ow < 1) continue;
            size_t nw = (size_t)cout * cin * k * k, no = (size_t)cout * oh * ow;
            conv_data cd = rand_conv_data(nw, (size_t)cout, (size_t)cin * h * w, &seed);
            float *wt = cd.wt, *b = cd.b, *in = cd.in;
            float *o = malloc(no * 4), *r = malloc(no * 4);
            L.weight = wt;
            L.bias = trial % 2 ? b : NULL;
            L.relu = trial % 3 == 1;
            ck_assert(cnn_direct_ok(&L));
            ck_assert_int_eq(cnn_direct_pack(&L), 0);
            const float *planes[270];
            for (int c = 0; c < cin; c++) planes[c] = in + (size_t)c * h * w;
            cnn_conv2d(&L, planes, NULL, 1, h, w, o, oh, ow, NULL, work);
            naive_conv(&L, wt, L.bias, in, h, w, r, oh, ow);
            if (L.relu)
                for (size_t i = 0; i < no; i++) r[i] = r[i] > 0 ? r[i] : 0;
            ck_floats(o, r, no, 2e-5);
            free(L.wpack);
            free(wt); free(b); free(in); free(o); free(r);
        }
        /* transposed conv k2 s2 (the U-Net's up), against its definition:
         * out(co, 2y + ky, 2x + kx) = b(co) + sum_ci W(ci, co, ky, kx) in(ci, y, x) */
        for (int trial = 0; trial < 8; trial++) {
            int cin = 1 + (int)(tl_test_rand(&seed) % 20), cout = 1 + (int)(tl_test_rand(&seed) % 20);
            int h = 1 + (int)(tl_test_rand(&seed) % 12), w = 1 + (int)(tl_test_rand(&seed) % 70);
            cnn_layer L = layer(CNN_CONVT, cin, cout, 2, 2, 0, 1);
            size_t nw = (size_t)cout * 4 * cin, no = (size_t)cout * 4 * h * w;
            conv_data cd = rand_conv_data(nw, (size_t)cout, (size_t)cin * h * w, &seed);
            float *wt = cd.wt, *b = cd.b, *in = cd.in;
            float *o = malloc(no * 4), *r = malloc(no * 4);
            L.weight = wt; /* (cout*kh*kw, cin) */
            L.bias = trial % 2 ? b : NULL;
            L.relu = trial % 3 == 1;
            ck_assert(cnn_direct_ok(&L));
            ck_assert_int_eq(cnn_direct_pack(&L), 0);
            cnn_convt2d(&L, in, h, w, o, 2 * h, 2 * w, NULL, work);
            for (int co = 0; co < cout; co++)
                for (int y = 0; y < 2 * h; y++)
                    for (int x = 0; x < 2 * w; x++) {
                        double sum = L.bias ? b[co] : 0;
                        for (int ci = 0; ci < cin; ci++)
                            sum += (double)wt[((size_t)(co * 2 + y % 2) * 2 + x % 2) * cin + ci] *
                                   in[((size_t)ci * h + y / 2) * w + x / 2];
                        r[((size_t)co * 2 * h + y) * 2 * w + x] = L.relu && sum < 0 ? 0 : (float)sum;
                    }
            ck_floats(o, r, no, 2e-5);
            free(L.wpack);
            free(wt); free(b); free(in); free(o); free(r);
        }
    }
    cnn_direct_set_isa(CNN_ISA_AUTO);
    cnn_work_free(work);
}
END_TEST

/* A conv reading a virtual upsampling (some channels at half size, read
 * through ups = 2, as cnn_infer does for a nearest upsampling concatenated
 * with a skip) equals the conv of the materialised concat, on both the
 * direct and the GEMM path, strides 1 and 2. */
START_TEST(test_conv_virtual_upsample)
{
    uint64_t seed = 21;
    tl_error e;
    cnn_work *work = cnn_work_new(&e);
    for (int trial = 0; trial < 4; trial++) {
        const int cup = 3, cskip = 2, cin = cup + cskip, cout = 11, h = 10, w = 38 + 2 * trial;
        const int st = trial % 2 ? 2 : 1, oh = cnn_conv_out(h, 3, st, 1, 1), ow = cnn_conv_out(w, 3, st, 1, 1);
        float *small = malloc((size_t)cup * (h / 2) * (w / 2) * 4), *full = malloc((size_t)cin * h * w * 4);
        float *wt = malloc((size_t)cout * cin * 9 * 4), *b = malloc((size_t)cout * 4);
        float *ref = malloc((size_t)cout * oh * ow * 4), *o = malloc((size_t)cout * oh * ow * 4);
        rand_fill(small, (size_t)cup * (h / 2) * (w / 2), &seed);
        rand_fill(full + cup * h * w, (size_t)cskip * h * w, &seed);
        rand_fill(wt, (size_t)cout * cin * 9, &seed);
        rand_fill(b, (size_t)cout, &seed);
        cnn_layer U = layer(CNN_UPSAMPLE, cup, cup, 1, 1, 0, 1);
        cnn_upsample(&U, small, cup, h / 2, w / 2, full, h, w);
        cnn_layer L = layer(CNN_CONV, cin, cout, 3, st, 1, 1);
        L.weight = wt;
        L.bias = b;
        L.relu = 1;
        const float *planes[5], *vplanes[5];
        int ups[5];
        for (int c = 0; c < cin; c++) {
            planes[c] = full + (size_t)c * h * w;
            vplanes[c] = c < cup ? small + (size_t)c * (h / 2) * (w / 2) : planes[c];
            ups[c] = c < cup ? 2 : 1;
        }
        cnn_conv2d(&L, planes, NULL, 1, h, w, ref, oh, ow, NULL, work); /* GEMM, materialised */
        cnn_conv2d(&L, vplanes, ups, 0, h, w, o, oh, ow, NULL, work);  /* GEMM, virtual */
        ck_floats(o, ref, (size_t)cout * oh * ow, 1e-5);
        ck_assert(cnn_direct_ok(&L));
        ck_assert_int_eq(cnn_direct_pack(&L), 0);
        cnn_conv2d(&L, vplanes, ups, 0, h, w, o, oh, ow, NULL, work);  /* direct, virtual */
        ck_floats(o, ref, (size_t)cout * oh * ow, 1e-5);
        free(L.wpack);
        free(small); free(full); free(wt); free(b); free(ref); free(o);
    }
    cnn_work_free(work);
}
END_TEST

/* A direct conv computing the 2x2 max-pool of its output along (the
 * U-Net's encoder) gives exactly cnn_maxpool of that output, odd sizes
 * included; when its tasks split the output channels it declines. */
START_TEST(test_conv_fused_pool)
{
    uint64_t seed = 33;
    tl_error e;
    cnn_work *work = cnn_work_new(&e);
    const int shapes[3][4] = {{3, 10, 64, 40}, {2, 5, 63, 37}, {3, 20, 20, 24}}; /* cin, cout, h, w */
    for (int k = 0; k < 3; k++) {
        const int cin = shapes[k][0], cout = shapes[k][1], h = shapes[k][2], w = shapes[k][3];
        cnn_layer L = layer(CNN_CONV, cin, cout, 3, 1, 1, 1);
        float *wt = malloc((size_t)cout * cin * 9 * 4), *in = malloc((size_t)cin * h * w * 4);
        float *o = malloc((size_t)cout * h * w * 4), *po = malloc((size_t)cout * (h / 2) * (w / 2) * 4);
        float *ref = malloc((size_t)cout * (h / 2) * (w / 2) * 4);
        rand_fill(wt, (size_t)cout * cin * 9, &seed);
        rand_fill(in, (size_t)cin * h * w, &seed);
        L.weight = wt;
        L.relu = 1;
        ck_assert_int_eq(cnn_direct_pack(&L), 0);
        const float *planes[3];
        for (int c = 0; c < cin; c++) planes[c] = in + (size_t)c * h * w;
        cnn_epilogue ep = {po, NULL, 0};
        int pooled = cnn_conv2d(&L, planes, NULL, 1, h, w, o, h, w, &ep, work);
        ck_assert_int_eq(pooled, k < 2); /* 20 rows are 3 tasks: then output channels are split too */
        cnn_layer P = layer(CNN_MAXPOOL, cout, cout, 2, 2, 0, 1);
        cnn_maxpool(&P, o, cout, h, w, ref, h / 2, w / 2);
        if (pooled) ck_assert(memcmp(po, ref, (size_t)cout * (h / 2) * (w / 2) * 4) == 0);
        free(L.wpack);
        free(wt); free(in); free(o); free(po); free(ref);
    }
    cnn_work_free(work);
}
END_TEST

/* A conv computing its input conv on the fly (cnn_conv_fused: a first conv
 * of one channel into the next, a conv into a 1x1 head) gives bit for bit
 * what the two convs give one after the other: with a halo of recomputed
 * rows, with both convs' input channels in chunks, with a strided first
 * conv, and with the fused max-pool. */
START_TEST(test_conv_fused_producer)
{
    uint64_t seed = 44;
    tl_error e;
    cnn_work *work = cnn_work_new(&e);
    /* A: cin, cout, k, stride; L: cout, k; input h, w */
    const int cases[4][8] = {{1, 16, 3, 1, 5, 3, 20, 37}, {140, 136, 3, 1, 3, 1, 9, 40}, {3, 8, 3, 2, 4, 3, 23, 41},
                             {2, 12, 3, 1, 6, 3, 70, 34}};
    for (int k = 0; k < 4; k++) {
        const int *c = cases[k];
        cnn_layer A = layer(CNN_CONV, c[0], c[1], c[2], c[3], c[2] / 2, 1);
        cnn_layer L = layer(CNN_CONV, c[1], c[4], c[5], 1, c[5] / 2, 1);
        const int h = c[6], w = c[7];
        const int ah = cnn_conv_out(h, A.kh, A.sh, A.ph, 1), aw = cnn_conv_out(w, A.kw, A.sw, A.pw, 1);
        const int oh = cnn_conv_out(ah, L.kh, 1, L.ph, 1), ow = cnn_conv_out(aw, L.kw, 1, L.pw, 1);
        size_t na = (size_t)A.cout * A.cin * A.kh * A.kw, nl = (size_t)L.cout * L.cin * L.kh * L.kw;
        float *wa = malloc(na * 4), *wl = malloc(nl * 4), *ba = malloc((size_t)A.cout * 4), *bl = malloc((size_t)L.cout * 4);
        float *in = malloc((size_t)A.cin * h * w * 4), *mid = malloc((size_t)A.cout * ah * aw * 4);
        float *ref = malloc((size_t)L.cout * oh * ow * 4), *o = malloc((size_t)L.cout * oh * ow * 4);
        float *pref = malloc((size_t)L.cout * (oh / 2) * (ow / 2) * 4 + 4), *po = malloc((size_t)L.cout * (oh / 2) * (ow / 2) * 4 + 4);
        rand_fill(wa, na, &seed);
        rand_fill(wl, nl, &seed);
        rand_fill(ba, (size_t)A.cout, &seed);
        rand_fill(bl, (size_t)L.cout, &seed);
        rand_fill(in, (size_t)A.cin * h * w, &seed);
        A.weight = wa, A.bias = ba, A.relu = 1;
        L.weight = wl, L.bias = bl, L.relu = k % 2;
        ck_assert(cnn_direct_ok(&A) && cnn_direct_ok(&L));
        ck_assert_int_eq(cnn_direct_pack(&A), 0);
        ck_assert_int_eq(cnn_direct_pack(&L), 0);
        const float *planes[140], *mplanes[136];
        for (int i = 0; i < A.cin; i++) planes[i] = in + (size_t)i * h * w;
        for (int i = 0; i < A.cout; i++) mplanes[i] = mid + (size_t)i * ah * aw;
        cnn_conv2d(&A, planes, NULL, 1, h, w, mid, ah, aw, NULL, work);
        cnn_epilogue epr = {k == 3 ? pref : NULL, NULL, 0}, epf = {k == 3 ? po : NULL, NULL, 0};
        int pr = cnn_conv2d(&L, mplanes, NULL, 1, ah, aw, ref, oh, ow, &epr, work);
        int pf = cnn_conv_fused(&A, &L, planes, NULL, h, w, o, oh, ow, &epf, work);
        ck_assert_msg(memcmp(o, ref, (size_t)L.cout * oh * ow * 4) == 0, "case %d: fused differs", k);
        ck_assert_int_eq(pf, pr);
        if (k == 3) {
            ck_assert_int_eq(pf, 1);
            ck_assert(memcmp(po, pref, (size_t)L.cout * (oh / 2) * (ow / 2) * 4) == 0);
        }
        free(A.wpack); free(L.wpack);
        free(wa); free(wl); free(ba); free(bl); free(in); free(mid); free(ref); free(o); free(pref); free(po);
    }
    cnn_work_free(work);
}
END_TEST

/* A conv with a residual add (and the add's ReLU) in its epilogue gives bit
 * for bit the conv then cnn_add, on the direct path (one and several input
 * chunks, a fused input conv) and on the GEMM path. */
START_TEST(test_conv_residual)
{
    uint64_t seed = 55;
    tl_error e;
    cnn_work *work = cnn_work_new(&e);
    const int cases[3][4] = {{6, 10, 13, 45}, {150, 9, 5, 20}, {3, 16, 30, 33}}; /* cin, cout, h, w */
    for (int k = 0; k < 4; k++) {
        const int *c = cases[k < 3 ? k : 0];
        const int cin = c[0], cout = c[1], h = c[2], w = c[3];
        const size_t no = (size_t)cout * h * w;
        cnn_layer L = layer(CNN_CONV, cin, cout, 3, 1, 1, 1);
        conv_data cd = rand_conv_data((size_t)cout * cin * 9, (size_t)cout, (size_t)cin * h * w, &seed);
        float *wt = cd.wt, *b = cd.b, *in = cd.in;
        float *res = malloc(no * 4), *ref = malloc(no * 4), *o = malloc(no * 4);
        rand_fill(res, no, &seed);
        L.weight = wt;
        L.bias = b;
        if (k < 3) ck_assert_int_eq(cnn_direct_pack(&L), 0); /* k = 3: the GEMM path */
        const float *planes[150];
        for (int i = 0; i < cin; i++) planes[i] = in + (size_t)i * h * w;
        cnn_conv2d(&L, planes, NULL, 1, h, w, ref, h, w, NULL, work);
        cnn_add(ref, res, ref, no, 1);
        cnn_epilogue ep = {NULL, res, 1};
        if (k == 2) { /* with the input made by a 1-channel conv on the fly */
            cnn_layer A = layer(CNN_CONV, 1, cin, 3, 1, 1, 1);
            float *wa = malloc((size_t)cin * 9 * 4), *mid = malloc((size_t)cin * h * w * 4);
            rand_fill(wa, (size_t)cin * 9, &seed);
            A.weight = wa;
            A.relu = 1;
            ck_assert_int_eq(cnn_direct_pack(&A), 0);
            const float *one[1] = {in};
            cnn_conv2d(&A, one, NULL, 1, h, w, mid, h, w, NULL, work);
            for (int i = 0; i < cin; i++) planes[i] = mid + (size_t)i * h * w;
            cnn_conv2d(&L, planes, NULL, 1, h, w, ref, h, w, NULL, work);
            cnn_add(ref, res, ref, no, 1);
            cnn_conv_fused(&A, &L, one, NULL, h, w, o, h, w, &ep, work);
            free(A.wpack); free(wa); free(mid);
        } else {
            cnn_conv2d(&L, planes, NULL, 1, h, w, o, h, w, &ep, work);
        }
        ck_assert_msg(memcmp(o, ref, no * 4) == 0, "case %d: conv + residual differs", k);
        free(L.wpack);
        free(wt); free(b); free(in); free(res); free(ref); free(o);
    }
    cnn_work_free(work);
}
END_TEST

/* The vectorised max-pools (the U-Net's 2x2, ResNet's 3x3 stride 2
 * padding 1) against the definition, NaN propagated like PyTorch, on even
 * and odd sizes (whole vectors and tails). */
START_TEST(test_maxpool_vector)
{
    uint64_t seed = 5;
    const int c = 3;
    float in[3 * 19 * 23], out[3 * 10 * 12];
    for (int shape = 0; shape < 4; shape++) {
        const int k = shape < 2 ? 2 : 3, s = 2, p = k == 3 ? 1 : 0;
        const int h = shape % 2 ? 19 : 6, w = shape % 2 ? 23 : 18;
        const int oh = cnn_conv_out(h, k, s, p, 1), ow = cnn_conv_out(w, k, s, p, 1);
        rand_fill(in, (size_t)c * h * w, &seed);
        in[1] = NAN;                    /* the first window */
        in[w * 3 + 9] = NAN;            /* an odd row */
        in[h * w + 2 * w - 1] = NAN;    /* the tail of a row */
        cnn_layer L = layer(CNN_MAXPOOL, c, c, k, s, p, 1);
        cnn_maxpool(&L, in, c, h, w, out, oh, ow);
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    float m = -INFINITY;
                    int nan = 0;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int iy = y * s - p + ky, ix = x * s - p + kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            float v = in[((size_t)ch * h + iy) * w + ix];
                            nan |= isnan(v);
                            m = v > m ? v : m;
                        }
                    float o = out[((size_t)ch * oh + y) * ow + x];
                    if (nan) ck_assert_msg(isnan(o), "k%d %dx%d: (%d, %d, %d) should be NaN", k, h, w, ch, y, x);
                    else ck_assert_msg(o == m, "k%d %dx%d: (%d, %d, %d) is %g, not %g", k, h, w, ch, y, x, o, m);
                }
    }
}
END_TEST

START_TEST(test_convt_hand)
{
    /* 1x1 -> 1 channel, k2 s2: each input pixel paints a 2x2 block of x * w + b */
    float in[4] = {1, 2, 3, 4}, w[4] = {1, 10, 100, 1000}, b[1] = {0.5f}, out[16], col[16];
    cnn_layer L = layer(CNN_CONVT, 1, 1, 2, 2, 0, 1);
    L.weight = w; /* (cout*kh*kw, cin) with cin = 1 is the kernel itself */
    L.bias = b;
    ck_assert_int_eq(cnn_convt_out(2, 2, 2, 0, 1, 0), 4);
    cnn_convt2d(&L, in, 2, 2, out, 4, 4, col, NULL);
    float exp[16] = {1.5f, 10.5f, 2.5f, 20.5f, 100.5f, 1000.5f, 200.5f, 2000.5f,
                     3.5f, 30.5f, 4.5f, 40.5f, 300.5f, 3000.5f, 400.5f, 4000.5f};
    ck_floats(out, exp, 16, 0);
    /* k3 s2 p1 output_padding 1 (PyTorch's usual x2 up): overlapping taps add.
     * 1D view along x with a 1-row input [1, 2] and kernel row 1 = [1, 2, 3]:
     * out[ox] collects x[ix] * w[kx] with ox = 2*ix - 1 + kx. */
    float in2[2] = {1, 2}, w2[9] = {0, 0, 0, 1, 2, 3, 0, 0, 0}, out2[2 * 4], col2[9 * 2];
    L = layer(CNN_CONVT, 1, 1, 3, 2, 1, 1);
    L.oph = L.opw = 1;
    L.weight = w2;
    ck_assert_int_eq(cnn_convt_out(2, 3, 2, 1, 1, 1), 4);
    cnn_convt2d(&L, in2, 1, 2, out2, 2, 4, col2, NULL);
    /* row 0 gets kernel row 1 (oy = 2*0 - 1 + 1): ox=0: x0*w1=2; ox=1: x0*w2 + x1*w0 = 3+2=5; ox=2: x1*w1=4; ox=3: x1*w2=6 */
    float exp2[8] = {2, 5, 4, 6, 0, 0, 0, 0};
    ck_floats(out2, exp2, 8, 0);
}
END_TEST

START_TEST(test_pool_upsample_hand)
{
    float in[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, out[16];
    cnn_layer L = layer(CNN_MAXPOOL, 1, 1, 2, 2, 0, 1);
    cnn_maxpool(&L, in, 1, 4, 4, out, 2, 2);
    float e1[4] = {6, 8, 14, 16};
    ck_floats(out, e1, 4, 0);
    /* ResNet's k3 s2 p1: padding is -inf, so negative inputs are kept */
    float neg[16];
    for (int i = 0; i < 16; i++) neg[i] = -in[i];
    L = layer(CNN_MAXPOOL, 1, 1, 3, 2, 1, 1);
    ck_assert_int_eq(cnn_conv_out(4, 3, 2, 1, 1), 2);
    cnn_maxpool(&L, neg, 1, 4, 4, out, 2, 2);
    float e2[4] = {-1, -2, -5, -6};
    ck_floats(out, e2, 4, 0);
    /* nearest x2 */
    float sm[4] = {1, 2, 3, 4};
    L = layer(CNN_UPSAMPLE, 1, 1, 1, 1, 0, 1);
    cnn_upsample(&L, sm, 1, 2, 2, out, 4, 4);
    float e3[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
    ck_floats(out, e3, 16, 0);
    /* nearest x3 of a row [1, 2]: three rows of [1, 1, 1, 2, 2, 2] */
    float r12[2] = {1, 2}, o3[18];
    L.scale = 3;
    cnn_upsample(&L, r12, 1, 1, 2, o3, 3, 6);
    for (int i = 0; i < 18; i++) ck_assert_float_eq(o3[i], (i % 6) < 3 ? 1 : 2);
    L.scale = 2;
    /* bilinear x2 of a row [0, 1]: PyTorch gives [0, 0.25, 0.75, 1] (align_corners=False) */
    float row[2] = {0, 1};
    L.bilinear = 1;
    cnn_upsample(&L, row, 1, 1, 2, out, 2, 4);
    float e4[8] = {0, 0.25f, 0.75f, 1, 0, 0.25f, 0.75f, 1};
    ck_floats(out, e4, 8, 1e-7);
    /* align_corners=True: [0, 1/3, 2/3, 1] */
    L.align_corners = 1;
    cnn_upsample(&L, row, 1, 1, 2, out, 2, 4);
    float e5[8] = {0, 1 / 3.0f, 2 / 3.0f, 1, 0, 1 / 3.0f, 2 / 3.0f, 1};
    ck_floats(out, e5, 8, 1e-6);
}
END_TEST

START_TEST(test_pointwise_hand)
{
    float x[4] = {-1, 2, -3, 4}, s[2] = {2, -1}, b[2] = {1, 0.5f};
    cnn_affine(s, b, 0, x, 2, 2); /* channel 0: 2x + 1, channel 1: -x + 0.5 */
    float e1[4] = {-1, 5, 3.5f, -3.5f};
    ck_floats(x, e1, 4, 0);
    cnn_relu(x, 4);
    float e2[4] = {0, 5, 3.5f, 0};
    ck_floats(x, e2, 4, 0);
    float a[3] = {1, -2, 3}, c[3] = {1, 1, -5}, o[3];
    cnn_add(a, c, o, 3, 1);
    float e3[3] = {2, 0, 0};
    ck_floats(o, e3, 3, 0);
    /* softmax over 2 channels of one pixel (0, ln 3) -> (1/4, 3/4); large logits do not overflow */
    float sm[4] = {0, 1000, logf(3.0f), 1000};
    cnn_softmax(sm, 2, 2);
    ck_assert_float_eq_tol(sm[0], 0.25f, 1e-6f);
    ck_assert_float_eq_tol(sm[2], 0.75f, 1e-6f);
    ck_assert_float_eq_tol(sm[1], 0.5f, 1e-6f);
}
END_TEST

/* ---- small network files written from C ---- */

static void a_str(hid_t loc, const char *name, const char *v)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(v) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, v);
    H5Aclose(a); H5Sclose(sp); H5Tclose(t);
}

static void a_ints(hid_t loc, const char *name, const int *v, hsize_t n)
{
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t a = H5Acreate2(loc, name, H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT, v);
    H5Aclose(a); H5Sclose(sp);
}

static void d_floats(hid_t loc, const char *name, const float *v, int rank, const hsize_t *dims)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_FLOAT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d); H5Sclose(sp);
}

enum { NET_OK, NET_MISSING_WEIGHT, NET_WRONG_SHAPE, NET_UNKNOWN_LAYER, NET_BAD_INPUT, NET_BAD_CLASSES };

/* conv 1->2 (3x3, pad 1, no bias) -> batchnorm -> relu -> conv 2->2 1x1 with bias;
 * the defects are what the error tests need. */
static void write_net(const char *path, int defect)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    a_str(f, "format", "tomolith-cnn");
    int one = 1, ver = 1;
    a_ints(f, "format_version", &ver, 1);
    a_ints(f, "in_channels", &one, 1);
    a_str(f, "architecture", "test net");
    a_str(f, "classes", defect == NET_BAD_CLASSES ? "only\n" : "pore\nlithium\n");
    hid_t lg = H5Gcreate2(f, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g = H5Gcreate2(lg, "0000", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    a_str(g, "type", "conv2d");
    a_str(g, "name", "enc.conv");
    int k3[2] = {3, 3}, p1[2] = {1, 1}, two = 2, minus1 = -1, in0 = 0, in1 = 1, in2 = 2;
    a_ints(g, "inputs", &minus1, 1);
    a_ints(g, "kernel", k3, 2);
    a_ints(g, "padding", p1, 2);
    a_ints(g, "out_channels", &two, 1);
    float w[18];
    for (int i = 0; i < 18; i++) w[i] = (float)(i % 5) * 0.25f - 0.5f;
    hsize_t wd[4] = {2, 1, 3, 3};
    if (defect == NET_WRONG_SHAPE) wd[1] = 2, wd[0] = 1;
    if (defect != NET_MISSING_WEIGHT) d_floats(g, "weight", w, 4, wd);
    H5Gclose(g);
    g = H5Gcreate2(lg, "0001", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    a_str(g, "type", "batchnorm");
    a_str(g, "name", "enc.bn");
    a_ints(g, "inputs", &in0, 1);
    float gamma[2] = {2, 0.5f}, beta[2] = {0.1f, -0.2f}, mean[2] = {0.3f, -0.4f}, var[2] = {4, 0.25f};
    hsize_t cd[1] = {2};
    d_floats(g, "weight", gamma, 1, cd);
    d_floats(g, "bias", beta, 1, cd);
    d_floats(g, "running_mean", mean, 1, cd);
    d_floats(g, "running_var", var, 1, cd);
    H5Gclose(g);
    g = H5Gcreate2(lg, "0002", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    a_str(g, "type", defect == NET_UNKNOWN_LAYER ? "gelu" : "relu");
    a_str(g, "name", "enc.act");
    a_ints(g, "inputs", defect == NET_BAD_INPUT ? &in2 : &in1, 1);
    H5Gclose(g);
    g = H5Gcreate2(lg, "0003", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    a_str(g, "type", "conv2d");
    a_str(g, "name", "head");
    a_ints(g, "inputs", &in2, 1);
    int k1[2] = {1, 1};
    a_ints(g, "kernel", k1, 2);
    a_ints(g, "out_channels", &two, 1);
    float hw[4] = {1, -1, 0.5f, 2}, hb[2] = {0.25f, -0.25f};
    hsize_t hd[4] = {2, 2, 1, 1};
    d_floats(g, "weight", hw, 4, hd);
    d_floats(g, "bias", hb, 1, cd);
    H5Gclose(g);
    H5Gclose(lg);
    H5Fclose(f);
}

static char tmpdir[64];
static const char *tmp_path(const char *name)
{
    static char buf[128];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/check_cnn_XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    }
    snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
    return buf;
}

START_TEST(test_load_errors)
{
    tl_error e;
    const char *p = tmp_path("bad.h5");
    struct { int defect; const char *a, *b; } cases[] = {
        {NET_MISSING_WEIGHT, "layer 0000 (enc.conv, conv2d)", "weight dataset 'weight' is missing"},
        {NET_WRONG_SHAPE, "layer 0000 (enc.conv, conv2d)", "dataset 'weight' has shape (1, 2, 3, 3), expected (2, 1, 3, 3)"},
        {NET_UNKNOWN_LAYER, "layer 0002 (enc.act, gelu)", "unknown layer type 'gelu'"},
        {NET_BAD_INPUT, "layer 0002 (enc.act, relu)", "input 2 is not the network input (-1) or an earlier layer (0..1)"},
        {NET_BAD_CLASSES, "", "outputs 2 channels but 'classes' names 1 classes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_net(p, cases[i].defect);
        ck_assert_ptr_null(tl_cnn_load(p, &e));
        ck_assert_msg(strstr(e.msg, "cnn.load: ") == e.msg && strstr(e.msg, p), "message: %s", e.msg);
        ck_assert_msg(strstr(e.msg, cases[i].a) && strstr(e.msg, cases[i].b), "message: %s", e.msg);
    }
    ck_assert_ptr_null(tl_cnn_load(tmp_path("absent.h5"), &e));
    ck_assert_msg(strstr(e.msg, "absent.h5': cannot open"), "message: %s", e.msg);
    FILE *fp = fopen(tmp_path("text.h5"), "w");
    fputs("not hdf5", fp);
    fclose(fp);
    ck_assert_ptr_null(tl_cnn_load(tmp_path("text.h5"), &e));
    ck_assert_msg(strstr(e.msg, "not an HDF5 file"), "message: %s", e.msg);
    hid_t f = H5Fcreate(tmp_path("empty.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    ck_assert_ptr_null(tl_cnn_load(tmp_path("empty.h5"), &e));
    ck_assert_msg(strstr(e.msg, "is not a tomolith CNN file"), "message: %s", e.msg);
}
END_TEST

START_TEST(test_batchnorm_folding)
{
    /* the small net by hand: conv (no bias) -> BN -> ReLU -> 1x1 conv, on a 2x2 input */
    tl_error e;
    const char *p = tmp_path("ok.h5");
    write_net(p, NET_OK);
    tl_cnn *net = tl_cnn_load(p, &e);
    ck_assert_msg(net != NULL, "%s", e.msg);
    ck_assert_int_eq(net->n_classes, 2);
    ck_assert_str_eq(net->class_names[1], "lithium");
    ck_assert_uint_eq(net->nparams, 18 + 4 + 4 + 2); /* BN running statistics are not parameters */
    ck_assert_int_eq(net->layers[1].dead, 1); /* BN folded */
    ck_assert_int_eq(net->layers[2].dead, 1); /* ReLU fused */
    ck_assert_int_eq(net->layers[0].relu, 1);
    char desc[512];
    tl_cnn_describe(net, desc, sizeof desc);
    ck_assert_msg(strstr(desc, "test net") && strstr(desc, "28 parameters") && strstr(desc, "pore, lithium"), "%s", desc);
    float in[4] = {0.5f, -1, 2, 0.25f}, w[18], ref[8];
    for (int i = 0; i < 18; i++) w[i] = (float)(i % 5) * 0.25f - 0.5f;
    float gamma[2] = {2, 0.5f}, beta[2] = {0.1f, -0.2f}, mean[2] = {0.3f, -0.4f}, var[2] = {4, 0.25f};
    cnn_layer c = layer(CNN_CONV, 1, 2, 3, 1, 1, 1);
    float mid[8];
    naive_conv(&c, w, NULL, in, 2, 2, mid, 2, 2);
    for (int ch = 0; ch < 2; ch++)
        for (int j = 0; j < 4; j++) {
            double v = (mid[ch * 4 + j] - mean[ch]) / sqrt(var[ch] + 1e-5) * gamma[ch] + beta[ch];
            mid[ch * 4 + j] = (float)(v > 0 ? v : 0);
        }
    float hw[4] = {1, -1, 0.5f, 2}, hb[2] = {0.25f, -0.25f};
    for (int co = 0; co < 2; co++)
        for (int j = 0; j < 4; j++) ref[co * 4 + j] = hb[co] + hw[co * 2] * mid[j] + hw[co * 2 + 1] * mid[4 + j];
    cnn_work *work = cnn_work_new(&e);
    float *out;
    int oc, oh, ow;
    ck_assert_int_eq(tl_cnn_forward(net, in, 2, 2, &out, &oc, &oh, &ow, work, &e), 0);
    ck_assert_int_eq(oc, 2);
    ck_floats(out, ref, 8, 1e-5);
    free(out);
    cnn_work_free(work);
    tl_cnn_free(net);
}
END_TEST

/* ---- parity with PyTorch ---- */

static float *read_ds(const char *group, const char *name, hsize_t *dims)
{
    hid_t f = H5Fopen(GOLDEN, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_msg(f >= 0, "cannot open %s (run from the repository root)", GOLDEN);
    hid_t g = H5Gopen2(f, group, H5P_DEFAULT), d = H5Dopen2(g, name, H5P_DEFAULT), sp = H5Dget_space(d);
    ck_assert_int_eq(H5Sget_simple_extent_ndims(sp), 3);
    H5Sget_simple_extent_dims(sp, dims, NULL);
    float *buf = malloc(dims[0] * dims[1] * dims[2] * sizeof *buf);
    H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Sclose(sp); H5Dclose(d); H5Gclose(g); H5Fclose(f);
    return buf;
}

static void parity(const char *group)
{
    tl_error e;
    tl_cnn *net = tl_cnn_load_group(GOLDEN, group, &e);
    ck_assert_msg(net != NULL, "%s", e.msg);
    hsize_t di[3], dl[3];
    float *in = read_ds(group, "golden_input", di), *ref = read_ds(group, "golden_logits", dl);
    ck_assert_int_eq((int)di[0], net->in_channels);
    cnn_work *work = cnn_work_new(&e);
    float *out;
    int oc, oh, ow;
    ck_assert_msg(tl_cnn_forward(net, in, (int)di[1], (int)di[2], &out, &oc, &oh, &ow, work, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(oc, (int)dl[0]);
    ck_assert_int_eq(oh, (int)dl[1]);
    ck_assert_int_eq(ow, (int)dl[2]);
    size_t n = dl[0] * dl[1] * dl[2];
    double scale = 0, worst = 0;
    for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(ref[i]));
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(out[i] - ref[i]));
    /* 1e-4 relative to the logits' magnitude (elementwise relative error is
     * meaningless for logits that cross zero) */
    ck_assert_msg(worst <= 1e-4 * scale, "%s: max |tomolith - pytorch| = %g, max |logit| = %g", group, worst, scale);
    ck_assert_msg(scale > 0.05, "%s: golden logits are degenerate", group);
    free(out); free(in); free(ref);
    cnn_work_free(work);
    tl_cnn_free(net);
}

START_TEST(test_parity_unet_transpose) { parity("unet_transpose"); }
END_TEST
START_TEST(test_parity_unet_bilinear) { parity("unet_bilinear"); }
END_TEST
START_TEST(test_parity_resnet_unet) { parity("resnet_unet"); }
END_TEST

/* ---- inference over volumes ---- */

static tl_volume *smooth_volume(size_t nz, size_t ny, size_t nx, uint64_t seed)
{
    tl_error e;
    tl_volume *v = tl_vol_new(TL_F32, nz, ny, nx, &e);
    float *d = v->data;
    double a = tl_test_uniform(&seed) * 6, b = tl_test_uniform(&seed) * 6;
    for (size_t z = 0; z < nz; z++)
        for (size_t y = 0; y < ny; y++)
            for (size_t x = 0; x < nx; x++)
                d[(z * ny + y) * nx + x] = (float)(sin(0.3 * x + a + z) * cos(0.21 * y + b) + 0.3 * tl_test_uniform(&seed));
    return v;
}

START_TEST(test_infer_small_slice)
{
    /* a 13 x 21 slice (not a multiple of the divisor 4) is padded by
     * replication to 16 x 24: the result equals a forward pass on that */
    tl_error e;
    tl_cnn *net = tl_cnn_load_group(GOLDEN, "unet_transpose", &e);
    ck_assert_msg(net != NULL, "%s", e.msg);
    ck_assert_int_eq(net->divisor, 4);
    tl_volume *v = smooth_volume(2, 13, 21, 3), *lab, *conf;
    ck_assert_msg(tl_cnn_infer(net, v, 0, 64, 8, &lab, &conf, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(lab->dtype, TL_U8);
    ck_assert_int_eq(conf->dtype, TL_F32);
    ck_assert_uint_eq(lab->nx, 21);
    float in[16 * 24];
    const float *vd = v->data;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 24; x++) in[y * 24 + x] = vd[(13 + (y < 13 ? y : 12)) * 21 + (x < 21 ? x : 20)];
    cnn_work *work = cnn_work_new(&e);
    float *out;
    int oc, oh, ow;
    ck_assert_int_eq(tl_cnn_forward(net, in, 16, 24, &out, &oc, &oh, &ow, work, &e), 0);
    cnn_softmax(out, oc, 16 * 24);
    const uint8_t *L = lab->data;
    const float *C = conf->data;
    for (int y = 0; y < 13; y++)
        for (int x = 0; x < 21; x++) {
            int best = 0;
            for (int k = 1; k < oc; k++)
                if (out[k * 384 + y * 24 + x] > out[best * 384 + y * 24 + x]) best = k;
            ck_assert_int_eq(L[273 + y * 21 + x], best);
            ck_assert_float_eq_tol(C[273 + y * 21 + x], out[best * 384 + y * 24 + x], 1e-6f);
            ck_assert(C[273 + y * 21 + x] >= 1.0f / 3 && C[273 + y * 21 + x] <= 1);
        }
    free(out);
    cnn_work_free(work);
    tl_vol_unref(lab); tl_vol_unref(conf); tl_vol_unref(v);
    tl_cnn_free(net);
}
END_TEST

START_TEST(test_infer_tiles_match_whole)
{
    /* a 70 x 150 slice in tiles of 32 with overlap 12 (many tiles) matches a
     * single-tile pass: tiles are aligned to the pooling grid and the overlap
     * covers the receptive field of this small U-Net */
    tl_error e;
    tl_cnn *net = tl_cnn_load_group(GOLDEN, "unet_bilinear", &e);
    ck_assert_msg(net != NULL, "%s", e.msg);
    tl_volume *v = smooth_volume(1, 70, 150, 11), *l1, *c1, *l2, *c2;
    ck_assert_int_eq(tl_cnn_infer(net, v, 0, 256, 0, &l1, &c1, &e), 0);
    ck_assert_msg(tl_cnn_infer(net, v, 0, 32, 12, &l2, &c2, &e) == 0, "%s", e.msg);
    const float *a = c1->data, *b = c2->data;
    const uint8_t *la = l1->data, *lb = l2->data;
    size_t flips = 0;
    double worst = 0;
    for (size_t i = 0; i < tl_vol_count(v); i++) {
        worst = fmax(worst, fabs(a[i] - b[i]));
        flips += la[i] != lb[i];
    }
    ck_assert_msg(worst < 1e-5 && flips == 0, "tiled vs whole: max confidence difference %g, %zu label flips", worst, flips);
    /* with no overlap the tile borders do show: the test can fail */
    tl_volume *l3, *c3;
    ck_assert_int_eq(tl_cnn_infer(net, v, 0, 32, 0, &l3, &c3, &e), 0);
    const float *c = c3->data;
    double worst0 = 0;
    for (size_t i = 0; i < tl_vol_count(v); i++) worst0 = fmax(worst0, fabs(a[i] - c[i]));
    ck_assert_msg(worst0 > 1e-4, "tiles without overlap should differ (max %g)", worst0);
    tl_vol_unref(l1); tl_vol_unref(c1); tl_vol_unref(l2); tl_vol_unref(c2); tl_vol_unref(l3); tl_vol_unref(c3);
    tl_vol_unref(v);
    tl_cnn_free(net);
}
END_TEST

START_TEST(test_infer_threads_and_axes)
{
    tl_error e;
    tl_cnn *net = tl_cnn_load_group(GOLDEN, "resnet_unet", &e);
    ck_assert_msg(net != NULL, "%s", e.msg);
    tl_volume *v = smooth_volume(3, 40, 72, 5), *l1, *c1, *l2, *c2;
    omp_set_num_threads(1);
    ck_assert_msg(tl_cnn_infer(net, v, 0, 64, 16, &l1, &c1, &e) == 0, "%s", e.msg);
    omp_set_num_threads(2);
    ck_assert_int_eq(tl_cnn_infer(net, v, 0, 64, 16, &l2, &c2, &e), 0);
    ck_assert_mem_eq(l1->data, l2->data, tl_vol_count(v));
    ck_assert_mem_eq(c1->data, c2->data, tl_vol_count(v) * 4);
    /* one slice alone (layers parallel inside) equals the same slice in a stack (tiles in parallel) */
    tl_volume *s = tl_vol_crop(v, 1, 2, 0, 40, 0, 72, &e), *l3, *c3;
    ck_assert_int_eq(tl_cnn_infer(net, s, 0, 64, 16, &l3, &c3, &e), 0);
    ck_assert_mem_eq(c3->data, (float *)c1->data + 40 * 72, 40 * 72 * 4);
    /* axis x on a volume equals axis z on its transpose */
    tl_volume *t = tl_vol_new(TL_F32, 72, 3, 40, &e), *l4, *c4, *l5, *c5;
    for (size_t z = 0; z < 3; z++)
        for (size_t y = 0; y < 40; y++)
            for (size_t x = 0; x < 72; x++) ((float *)t->data)[(x * 3 + z) * 40 + y] = ((float *)v->data)[(z * 40 + y) * 72 + x];
    /* slices of v along x are (z, y) images; slices of t along z are (y=z, x=y) images */
    ck_assert_int_eq(tl_cnn_infer(net, v, 2, 64, 16, &l4, &c4, &e), 0);
    ck_assert_int_eq(tl_cnn_infer(net, t, 0, 64, 16, &l5, &c5, &e), 0);
    for (size_t z = 0; z < 3; z++)
        for (size_t y = 0; y < 40; y++)
            for (size_t x = 0; x < 72; x++)
                ck_assert_float_eq(((float *)c4->data)[(z * 40 + y) * 72 + x], ((float *)c5->data)[(x * 3 + z) * 40 + y]);
    omp_set_num_threads(1);
    tl_volume *vs[] = {l1, c1, l2, c2, s, l3, c3, t, l4, c4, l5, c5, v};
    for (size_t i = 0; i < sizeof vs / sizeof *vs; i++) tl_vol_unref(vs[i]);
    tl_cnn_free(net);
}
END_TEST

START_TEST(test_registry_ops)
{
    tl_error e;
    const char *p = tmp_path("op.h5");
    write_net(p, NET_OK);
    const tl_op *load = tl_registry_find("cnn.load");
    ck_assert_ptr_nonnull(load);
    tl_value args[2] = {{.type = TL_T_STRING, .set = 1, .u.str = (char *)p}};
    tl_record *r = tl_record_new();
    ck_assert_msg(tl_op_call(load, args, r, &e) == 0, "%s", e.msg);
    tl_object *net = tl_record_get(r, "net")->u.obj;
    ck_assert_str_eq(net->cls->name, "cnn");
    char desc[512];
    net->cls->describe(net->data, desc, sizeof desc);
    ck_assert_ptr_nonnull(strstr(desc, "classes: pore, lithium"));
    const tl_op *infer = tl_registry_find("cnn.infer");
    ck_assert_ptr_nonnull(infer);
    ck_assert_ptr_eq(infer, &net->cls->methods[0]);
    tl_volume *v = smooth_volume(2, 9, 11, 1);
    tl_value ia[6] = {{.type = TL_T_OBJECT, .set = 1, .u.obj = net}, {.type = TL_T_VOLUME, .set = 1, .u.vol = v}};
    tl_record *o = tl_record_new();
    ck_assert_msg(tl_op_call(infer, ia, o, &e) == 0, "%s", e.msg);
    const tl_volume *lab = tl_record_get(o, "labels")->u.vol;
    ck_assert_str_eq(tl_vol_meta_get(lab, "classes"), "0=pore,1=lithium");
    ck_assert_uint_eq(tl_record_get(o, "confidence")->u.vol->ny, 9);
    tl_record_free(o);
    /* too large an overlap for the tile is an error naming both */
    tl_value ib[6] = {{.type = TL_T_OBJECT, .set = 1, .u.obj = net}, {.type = TL_T_VOLUME, .set = 1, .u.vol = v},
                      {.type = TL_T_CHOICE, .set = 1, .u.str = "z"}, {.type = TL_T_INT, .set = 1, .u.i = 32},
                      {.type = TL_T_INT, .set = 1, .u.i = 16}};
    o = tl_record_new();
    ck_assert_int_eq(tl_op_call(infer, ib, o, &e), -1);
    ck_assert_msg(strstr(e.msg, "overlap 16") && strstr(e.msg, "tile of 32"), "%s", e.msg);
    tl_record_free(o);
    tl_record_free(r);
    tl_vol_unref(v);
}
END_TEST

Suite *suite_cnn(void)
{
    Suite *s = suite_create("cnn");
    TCase *t = tcase_create("layers");
    tcase_add_test(t, test_conv_hand);
    tcase_add_test(t, test_conv_sweep);
    tcase_add_test(t, test_direct_isas);
    tcase_add_test(t, test_maxpool_vector);
    tcase_add_test(t, test_conv_virtual_upsample);
    tcase_add_test(t, test_conv_fused_pool);
    tcase_add_test(t, test_conv_fused_producer);
    tcase_add_test(t, test_conv_residual);
    tcase_add_test(t, test_convt_hand);
    tcase_add_test(t, test_pool_upsample_hand);
    tcase_add_test(t, test_pointwise_hand);
    suite_add_tcase(s, t);
    t = tcase_create("format");
    tcase_add_test(t, test_load_errors);
    tcase_add_test(t, test_batchnorm_folding);
    tcase_add_test(t, test_registry_ops);
    suite_add_tcase(s, t);
    t = tcase_create("parity");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_parity_unet_transpose);
    tcase_add_test(t, test_parity_unet_bilinear);
    tcase_add_test(t, test_parity_resnet_unet);
    suite_add_tcase(s, t);
    t = tcase_create("infer");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_infer_small_slice);
    tcase_add_test(t, test_infer_tiles_match_whole);
    tcase_add_test(t, test_infer_threads_and_axes);
    suite_add_tcase(s, t);
    return s;
}
