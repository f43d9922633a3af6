/* cnn_conv.c — convolutions as GEMMs (im2col + OpenBLAS sgemm).
 *
 * Why this shape: the output of a conv is (cout, oh*ow) = W (cout, K) x
 * col (K, oh*ow) with K = cin*kh*kw. The output pixels are cut into fixed
 * chunks (and, when a layer has few pixels, the output channels into fixed
 * blocks); each task builds its own im2col block, small enough to stay in
 * cache, and calls a single-threaded sgemm. The cut depends only on the
 * layer's shape, never on the thread count, so every output element is
 * computed by the same sequence of operations whatever the number of
 * threads: results are bit-identical for 1 or N threads. */
#include "cnn.h"

#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

int cnn_conv_out(int n, int k, int s, int p, int d) { return (n + 2 * p - d * (k - 1) - 1) / s + 1; }
int cnn_convt_out(int n, int k, int s, int p, int d, int op) { return (n - 1) * s - 2 * p + d * (k - 1) + op + 1; }

cnn_work *cnn_work_new(tl_error *err)
{
    cnn_work *w = calloc(1, sizeof *w);
    int n = omp_get_max_threads();
    if (w) {
        w->nslots = n < 1 ? 1 : n;
        w->col = calloc((size_t)w->nslots, sizeof *w->col);
        w->cap = calloc((size_t)w->nslots, sizeof *w->cap);
    }
    if (!w || !w->col || !w->cap) {
        cnn_work_free(w);
        tl_err(err, "cnn: out of memory for scratch buffers");
        return NULL;
    }
    return w;
}

void cnn_work_free(cnn_work *w)
{
    if (!w) return;
    for (int i = 0; w->col && i < w->nslots; i++) free(w->col[i]);
    for (int i = 0; i < w->nblocks; i++) free(w->blocks[i].p);
    free(w->blocks);
    free(w->col);
    free(w->cap);
    free(w);
}

float *cnn_work_get(cnn_work *w, size_t n)
{
    int t = omp_get_thread_num();
    if (t >= w->nslots) return NULL;
    if (w->cap[t] < n) {
        free(w->col[t]);
        w->col[t] = malloc(n * sizeof(float));
        w->cap[t] = w->col[t] ? n : 0;
        if (!w->col[t]) w->failed = 1;
    }
    return w->col[t];
}

float *cnn_work_alloc(cnn_work *w, size_t n)
{
    int best = -1;
    for (int i = 0; i < w->nblocks; i++)
        if (!w->blocks[i].used && w->blocks[i].cap >= n && (best < 0 || w->blocks[i].cap < w->blocks[best].cap))
            best = i;
    if (best < 0) {
        if (w->nblocks == w->capblocks) {
            int nc = w->capblocks ? 2 * w->capblocks : 32;
            cnn_block *b = realloc(w->blocks, (size_t)nc * sizeof *b);
            if (!b) return NULL;
            w->blocks = b;
            w->capblocks = nc;
        }
        float *p = malloc((n ? n : 1) * sizeof *p);
        if (!p) return NULL;
        w->blocks[w->nblocks] = (cnn_block){p, n, 0};
        best = w->nblocks++;
    }
    w->blocks[best].used = 1;
    return w->blocks[best].p;
}

void cnn_work_release(cnn_work *w, float *p)
{
    for (int i = 0; p && i < w->nblocks; i++)
        if (w->blocks[i].p == p) { w->blocks[i].used = 0; return; }
}

/* Rows [r0, r1) and columns [p0, p0 + n) of the im2col matrix, rows
 * r = (ci*kh + ky)*kw + kx; col holds all rows of the n columns. */
static void im2col(const cnn_layer *L, const float *const *planes, const int *ups, int h, int w, int ow, size_t p0,
                   size_t n, float *col, size_t r0, size_t r1)
{
    for (size_t r = r0; r < r1; r++) {
        int ci = (int)(r / ((size_t)L->kh * L->kw)), ky = (int)(r / L->kw % L->kh), kx = (int)(r % L->kw);
        float *row = col + r * n;
        if (ups && ups[ci] > 1) { /* an upsampled channel, element by element */
            const int s = ups[ci];
            for (size_t j = 0; j < n; j++) {
                int oy = (int)((p0 + j) / (size_t)ow), ox = (int)((p0 + j) % (size_t)ow);
                int iy = oy * L->sh - L->ph + ky * L->dh, ix = ox * L->sw - L->pw + kx * L->dw;
                row[j] = iy >= 0 && iy < h && ix >= 0 && ix < w ? planes[ci][(size_t)(iy / s) * (w / s) + ix / s] : 0.0f;
            }
            continue;
        }
        size_t j = 0, p = p0;
        while (j < n) {
            int oy = (int)(p / (size_t)ow), ox = (int)(p % (size_t)ow);
            int run = ow - ox;
            if ((size_t)run > n - j) run = (int)(n - j);
            int iy = oy * L->sh - L->ph + ky * L->dh;
            float *dst = row + j;
            if (iy < 0 || iy >= h) {
                memset(dst, 0, (size_t)run * sizeof *dst);
            } else {
                const float *src = planes[ci] + (size_t)iy * w;
                int ix0 = ox * L->sw - L->pw + kx * L->dw;
                if (L->sw == 1) {
                    int a = ix0 < 0 ? -ix0 : 0, b = w - ix0;
                    if (a > run) a = run;
                    if (b > run) b = run;
                    if (b < a) b = a;
                    memset(dst, 0, (size_t)a * sizeof *dst);
                    memcpy(dst + a, src + ix0 + a, (size_t)(b - a) * sizeof *dst);
                    memset(dst + b, 0, (size_t)(run - b) * sizeof *dst);
                } else {
                    for (int t = 0; t < run; t++) {
                        int ix = ix0 + t * L->sw;
                        dst[t] = ix >= 0 && ix < w ? src[ix] : 0.0f;
                    }
                }
            }
            j += (size_t)run;
            p += (size_t)run;
        }
    }
}

/* Pixel chunk: im2col block of about 1 MB (so it stays in L2), but at
 * least 256 columns so the packed weights are reused enough. */
static size_t chunk_columns(size_t k, size_t total)
{
    size_t nc = ((size_t)1 << 18) / (k ? k : 1);
    if (nc < 256) nc = 256;
    if (nc > 8192) nc = 8192;
    nc = (nc + 15) / 16 * 16;
    return nc < total ? nc : total;
}

static void epilogue(const cnn_layer *L, float *out, size_t ld, int m0, int m1, size_t p0, size_t n)
{
    if (!L->bias && !L->relu) return;
    for (int m = m0; m < m1; m++) {
        float *o = out + (size_t)m * ld + p0;
        float b = L->bias ? L->bias[m] : 0.0f;
        if (L->relu)
            for (size_t j = 0; j < n; j++) { float v = o[j] + b; o[j] = v > 0 ? v : 0; }
        else
            for (size_t j = 0; j < n; j++) o[j] += b;
    }
}

/* Output channels [m0, m1) at pixels [p0, p0 + n): W rows x B (K x n,
 * leading dimension ldb), then bias and ReLU. */
static void gemm_rows(const cnn_layer *L, size_t K, int m0, int m1, const float *B, size_t ldb, size_t n, float *out,
                      size_t total, size_t p0)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m1 - m0, (int)n, (int)K, 1.0f, L->weight + (size_t)m0 * K,
                (int)K, B, (int)ldb, 0.0f, out + (size_t)m0 * total + p0, (int)total);
    epilogue(L, out, total, m0, m1, p0, n);
}

static void conv_gemm(const cnn_layer *L, const float *const *planes, const int *ups, int contiguous, int h, int w,
                      float *out, int oh, int ow, cnn_work *work);

int cnn_conv2d(const cnn_layer *L, const float *const *planes, const int *ups, int contiguous, int h, int w,
               float *out, int oh, int ow, const cnn_epilogue *ep, cnn_work *work)
{
    if (L->wpack) return cnn_conv_direct(L, planes, ups, h, w, out, oh, ow, ep, work);
    conv_gemm(L, planes, ups, contiguous, h, w, out, oh, ow, work);
    if (ep && ep->residual) /* the GEMM path adds the residual in a pass of its own */
        cnn_add(out, ep->residual, out, (size_t)L->cout * oh * ow, ep->relu);
    return 0;
}

/* im2col + sgemm (see the top of this file). */
static void conv_gemm(const cnn_layer *L, const float *const *planes, const int *ups, int contiguous, int h, int w,
                      float *out, int oh, int ow, cnn_work *work)
{
    const size_t total = (size_t)oh * ow, K = (size_t)L->cin * L->kh * L->kw;
    if (ups) contiguous = 0;
    const int direct = contiguous && L->kh == 1 && L->kw == 1 && L->sh == 1 && L->sw == 1 && L->ph == 0 && L->pw == 0;
    const size_t nc = chunk_columns(K, total);
    const long nb = (long)((total + nc - 1) / nc);
    /* few pixels (deep layers): also cut the output channels, in blocks of
     * >= 256 rows, since every GEMM call packs the whole im2col chunk again */
    long mb = 1;
    if (nb < 8 && L->cout >= 512) {
        mb = (8 + nb - 1) / nb;
        if (mb > L->cout / 256) mb = L->cout / 256;
    }
    const int mstep = (int)((L->cout + mb - 1) / mb);
    const long ntasks = nb * mb;
    float *shared = mb > 1 && !direct ? cnn_work_alloc(work, K * nc) : NULL;
    if (shared) {
        /* few pixels, many channels: build each chunk's im2col once (rows
         * split between threads), then the channel blocks' GEMMs in parallel */
        for (long b = 0; b < nb; b++) {
            size_t p0 = (size_t)b * nc, n = total - p0 < nc ? total - p0 : nc;
            const long rb = (long)((K + 63) / 64);
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
            for (long r = 0; r < rb; r++)
                im2col(L, planes, ups, h, w, ow, p0, n, shared, (size_t)r * 64, (size_t)r * 64 + 64 < K ? (size_t)r * 64 + 64 : K);
#pragma omp parallel for schedule(dynamic, 1) if (!omp_in_parallel())
            for (long m = 0; m < mb; m++) {
                int m0 = (int)m * mstep, m1 = m0 + mstep < L->cout ? m0 + mstep : L->cout;
                gemm_rows(L, K, m0, m1, shared, n, n, out, total, p0);
            }
        }
        cnn_work_release(work, shared);
        return;
    }
#pragma omp parallel for schedule(dynamic, 1) if (ntasks > 1 && !omp_in_parallel())
    for (long t = 0; t < ntasks; t++) {
        size_t p0 = (size_t)(t / mb) * nc, n = total - p0 < nc ? total - p0 : nc;
        int m0 = (int)(t % mb) * mstep, m1 = m0 + mstep < L->cout ? m0 + mstep : L->cout;
        const float *B;
        size_t ldb;
        if (direct) {
            B = planes[0] + p0;
            ldb = total;
        } else {
            float *col = cnn_work_get(work, K * n);
            if (!col) continue; /* work->failed is set: the caller reports it */
            im2col(L, planes, ups, h, w, ow, p0, n, col, 0, K);
            B = col;
            ldb = n;
        }
        gemm_rows(L, K, m0, m1, B, ldb, n, out, total, p0);
    }
}

/* Transposed conv: col (cout*kh*kw, h*w) = W' x in, then each output
 * channel gathers its taps in a fixed order (col2im). col is caller scratch
 * of cout*kh*kw*h*w floats. */
void cnn_convt2d(const cnn_layer *L, const float *in, int h, int w, float *out, int oh, int ow, float *col,
                 cnn_work *work)
{
    if (L->wpack) {
        cnn_convt_direct(L, in, h, w, out, oh, ow, work);
        return;
    }
    const size_t hw = (size_t)h * w, rows = (size_t)L->cout * L->kh * L->kw;
    const size_t nc = hw < 1024 ? hw : 1024;
    const long nb = (long)((hw + nc - 1) / nc);
#pragma omp parallel for schedule(dynamic, 1) if (nb > 1 && !omp_in_parallel())
    for (long b = 0; b < nb; b++) {
        size_t p0 = (size_t)b * nc, n = hw - p0 < nc ? hw - p0 : nc;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, L->cin, 1.0f, L->weight, L->cin,
                    in + p0, (int)hw, 0.0f, col + p0, (int)hw);
    }
#pragma omp parallel for schedule(static) if (L->cout > 1 && !omp_in_parallel())
    for (int co = 0; co < L->cout; co++) {
        float *o = out + (size_t)co * oh * ow;
        float b = L->bias ? L->bias[co] : 0.0f;
        if (L->kh == L->sh && L->kw == L->sw && L->ph == 0 && L->pw == 0 && L->dh == 1 && L->dw == 1 &&
            oh == h * L->sh && ow == w * L->sw) {
            /* kernel = stride (the U-Net's 2x2 up): every output pixel has
             * exactly one tap, so write rows in order instead of scattering */
            for (int iy = 0; iy < h; iy++)
                for (int ky = 0; ky < L->kh; ky++) {
                    float *orow = o + (size_t)(iy * L->sh + ky) * ow;
                    for (int kx = 0; kx < L->kw; kx++) {
                        const float *crow = col + (((size_t)co * L->kh + ky) * L->kw + kx) * hw + (size_t)iy * w;
                        for (int ix = 0; ix < w; ix++) {
                            float v = b + crow[ix];
                            orow[ix * L->sw + kx] = L->relu && v < 0 ? 0 : v;
                        }
                    }
                }
            continue;
        }
        for (size_t j = 0; j < (size_t)oh * ow; j++) o[j] = b;
        for (int ky = 0; ky < L->kh; ky++)
            for (int kx = 0; kx < L->kw; kx++) {
                const float *c = col + (((size_t)co * L->kh + ky) * L->kw + kx) * hw;
                for (int iy = 0; iy < h; iy++) {
                    int oy = iy * L->sh - L->ph + ky * L->dh;
                    if (oy < 0 || oy >= oh) continue;
                    float *orow = o + (size_t)oy * ow;
                    const float *crow = c + (size_t)iy * w;
                    for (int ix = 0; ix < w; ix++) {
                        int ox = ix * L->sw - L->pw + kx * L->dw;
                        if (ox >= 0 && ox < ow) orow[ox] += crow[ix];
                    }
                }
            }
        if (L->relu)
            for (size_t j = 0; j < (size_t)oh * ow; j++) o[j] = o[j] > 0 ? o[j] : 0;
    }
}
