/* cnn_infer.c — the forward pass over the layer graph, and inference over
 * a volume slice by slice, tile by tile.
 *
 * Tiling: along each slice axis longer than the tile, tiles of edge T start
 * every T - 2*overlap pixels (rounded down to a multiple of the network's
 * divisor; the last one at the slice end), and
 * each pixel takes its class from the one tile whose owned region holds it:
 * owned regions meet half-way across each overlap, so every pixel keeps at
 * least `overlap` pixels of real context on each interior side. Owned
 * regions are disjoint, so tiles run in parallel without any reduction.
 * An axis shorter than the tile is padded by replicating its last row or
 * column up to a multiple of the network's divisor. */
#include "cnn.h"
#include "../vol/vol_convert.h"

#include <cblas.h>
#include <stdio.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

static int out_shape(const tl_cnn *net, const cnn_layer *L, const int *H, const int *W, int *oc, int *oh, int *ow,
                     tl_error *err)
{
    int t = L->inputs[0];
    *oc = L->cout;
    *oh = H[t];
    *ow = W[t];
    switch (L->kind) {
    case CNN_CONV:
    case CNN_MAXPOOL:
        *oh = cnn_conv_out(H[t], L->kh, L->sh, L->ph, L->dh);
        *ow = cnn_conv_out(W[t], L->kw, L->sw, L->pw, L->dw);
        break;
    case CNN_CONVT:
        *oh = cnn_convt_out(H[t], L->kh, L->sh, L->ph, L->dh, L->oph);
        *ow = cnn_convt_out(W[t], L->kw, L->sw, L->pw, L->dw, L->opw);
        break;
    case CNN_UPSAMPLE:
        *oh = H[t] * L->scale;
        *ow = W[t] * L->scale;
        break;
    case CNN_CONCAT:
    case CNN_ADD:
        for (int k = 1; k < L->ninputs; k++)
            if (H[L->inputs[k]] != H[t] || W[L->inputs[k]] != W[t])
                return tl_err(err, "cnn: layer %s (%s, %s): input %d is %dx%d but input 1 is %dx%d (input size must be "
                              "a multiple of %d)", L->id, L->name, cnn_kind_name(L->kind), k + 1, H[L->inputs[k]],
                              W[L->inputs[k]], H[t], W[t], net->divisor);
        break;
    default: break;
    }
    if (*oh < 1 || *ow < 1)
        return tl_err(err, "cnn: layer %s (%s, %s): input %dx%d is too small (output would be %dx%d)", L->id, L->name,
                      cnn_kind_name(L->kind), H[t], W[t], *oh, *ow);
    return 0;
}

/* Conv L into o (y x x) with epilogue ep: its input is tensor t (planes
 * where they lie, upsampled virtually or not), or the output of the conv
 * that L computes on the fly (L->producer). Returns what cnn_conv2d does. */
static int run_conv(const tl_cnn *net, const cnn_layer *L, float *const *T, const float ***PL, int **PU,
                    const int *C, const int *H, const int *W, const int *U, const float **planes, int *ups, float *o,
                    int y, int x, const cnn_epilogue *ep, cnn_work *work)
{
    const cnn_layer *A = L->producer ? &net->layers[L->producer - 1] : NULL;
    const int s = A ? A->inputs[0] : L->inputs[0];
    const float *const *pl = PL[s];
    const int *pu = PU[s];
    if (!pl) {
        for (int ch = 0; ch < C[s]; ch++) {
            planes[ch] = T[s] + (size_t)ch * (H[s] / U[s]) * (W[s] / U[s]);
            ups[ch] = U[s];
        }
        pl = planes;
        pu = U[s] > 1 ? ups : NULL;
    }
    if (A) return cnn_conv_fused(A, L, pl, pu, H[s], W[s], o, y, x, ep, work);
    return cnn_conv2d(L, pl, pu, !PL[s] && U[s] == 1, H[s], W[s], o, y, x, ep, work);
}

int tl_cnn_forward(const tl_cnn *net, const float *input, int h, int w, float **out, int *oc, int *oh, int *ow,
                   cnn_work *work, tl_error *err)
{
    const int nt = net->nlayers + 1;
    float **T = calloc((size_t)nt, sizeof *T);
    const float ***PL = calloc((size_t)nt, sizeof *PL); /* channel planes of virtual concats */
    int **PU = calloc((size_t)nt, sizeof *PU);          /* and their upsampling factors */
    /* shapes; U: upsampling factor of a virtual upsampling (1 otherwise),
     * whose T is its input's buffer, (C, H/U, W/U) */
    int *C = calloc((size_t)nt * 4, sizeof *C), *H = C + nt, *W = C + 2 * nt, *U = C + 3 * nt;
    int maxc = net->in_channels;
    for (int i = 0; i < net->nlayers; i++) maxc = net->layers[i].cin > maxc ? net->layers[i].cin : maxc;
    const float **planes = malloc((size_t)maxc * sizeof *planes);
    int *ups = malloc((size_t)maxc * sizeof *ups);
    float *col = NULL;
    int rc = -1;
    *out = NULL;
    if (!T || !C || !PL || !PU || !planes || !ups) { tl_err(err, "cnn: out of memory"); goto done; }
    for (int t = 0; t < nt; t++) U[t] = 1;
    if (h % net->divisor || w % net->divisor) {
        tl_err(err, "cnn: input %dx%d is not a multiple of %d (the network's down-sampling)", h, w, net->divisor);
        goto done;
    }
    T[0] = (float *)input; /* never written nor freed */
    C[0] = net->in_channels;
    H[0] = h;
    W[0] = w;
    for (int i = 0; i < net->nlayers; i++) {
        const cnn_layer *L = &net->layers[i];
        if (L->dead) continue;
        int t = L->inputs[0], c, y, x;
        if (out_shape(net, L, H, W, &c, &y, &x, err)) goto done;
        C[i + 1] = c; /* the shape of slot i + 1, whatever stores it */
        H[i + 1] = y;
        W[i + 1] = x;
        size_t n = (size_t)c * y * x;
        int inplace = (L->kind == CNN_RELU || L->kind == CNN_BATCHNORM || L->kind == CNN_SOFTMAX) && t != 0 &&
                      t != net->output && net->last_use[t] == i;
        if (L->virtual_concat) {
            PL[i + 1] = malloc((size_t)c * sizeof **PL);
            PU[i + 1] = malloc((size_t)c * sizeof **PU);
            if (!PL[i + 1] || !PU[i + 1]) { tl_err(err, "cnn: out of memory"); goto done; }
            for (int k = 0, ch = 0; k < L->ninputs; k++) {
                int s = L->inputs[k];
                for (int j = 0; j < C[s]; j++, ch++) {
                    PL[i + 1][ch] = T[s] + (size_t)j * (y / U[s]) * (x / U[s]);
                    PU[i + 1][ch] = U[s];
                }
            }
            continue;
        }
        if (L->virtual_upsample) { /* the readers take T[t] at its own size */
            T[i + 1] = T[t];
            U[i + 1] = L->scale;
            continue;
        }
        if (L->fused_into || L->add_into) goto release; /* computed by its reader, never stored */
        if (L->pool_early && T[i + 1]) goto release; /* computed with its conv */
        float *o = inplace ? T[t] : cnn_work_alloc(work, n);
        if (!o) { tl_err(err, "cnn: out of memory for layer %s (%d x %d x %d floats)", L->id, c, y, x); goto done; }
        if (inplace) T[t] = NULL;
        T[i + 1] = o;
        const float *a = T[t];
        size_t hw = (size_t)y * x;
#ifdef CNN_PROFILE
        double t_start = omp_get_wtime();
#endif
        switch (L->kind) {
        case CNN_CONV: {
            /* the 2x2 max-pool of the output, made along if the conv can */
            const cnn_layer *P = L->pool_after ? &net->layers[L->pool_after - 1] : NULL;
            cnn_epilogue ep = {NULL, NULL, 0};
            if (P && y >= 2 && x >= 2) {
                ep.pool_out = cnn_work_alloc(work, (size_t)c * (y / 2) * (x / 2));
                if (!ep.pool_out) { tl_err(err, "cnn: out of memory for layer %s", P->id); goto done; }
                T[L->pool_after] = ep.pool_out;
            }
            int pooled = run_conv(net, L, T, PL, PU, C, H, W, U, planes, ups, o, y, x, &ep, work);
            if (ep.pool_out && !pooled) cnn_maxpool(P, o, c, y, x, ep.pool_out, y / 2, x / 2);
            break;
        }
        case CNN_CONVT: {
            if (!L->wpack) { /* the direct kernel needs no col matrix */
                col = cnn_work_alloc(work, (size_t)L->cout * L->kh * L->kw * H[t] * W[t]);
                if (!col) { tl_err(err, "cnn: out of memory for layer %s", L->id); goto done; }
            }
            cnn_convt2d(L, a, H[t], W[t], o, y, x, col, work);
            cnn_work_release(work, col);
            col = NULL;
            break;
        }
        case CNN_BATCHNORM:
            if (!inplace) memcpy(o, a, n * sizeof *o);
            cnn_affine(L->bn_scale, L->bn_shift, L->relu, o, c, hw);
            break;
        case CNN_RELU:
            if (!inplace) memcpy(o, a, n * sizeof *o);
            cnn_relu(o, n);
            break;
        case CNN_SOFTMAX:
            if (!inplace) memcpy(o, a, n * sizeof *o);
            cnn_softmax(o, c, hw);
            break;
        case CNN_MAXPOOL: cnn_maxpool(L, a, c, H[t], W[t], o, y, x); break;
        case CNN_UPSAMPLE: cnn_upsample(L, a, c, H[t], W[t], o, y, x); break;
        case CNN_ADD:
            if (L->add_conv) { /* the conv, with this add and its ReLU in its epilogue */
                int r = L->inputs[0] == L->add_conv ? L->inputs[1] : L->inputs[0];
                cnn_epilogue ep = {NULL, T[r], L->relu};
                run_conv(net, &net->layers[L->add_conv - 1], T, PL, PU, C, H, W, U, planes, ups, o, y, x, &ep, work);
            } else {
                cnn_add(a, T[L->inputs[1]], o, n, L->relu);
            }
            break;
        case CNN_CONCAT: {
            size_t off = 0;
            for (int k = 0; k < L->ninputs; k++) {
                size_t m = (size_t)C[L->inputs[k]] * hw;
                memcpy(o + off, T[L->inputs[k]], m * sizeof *o);
                off += m;
            }
            break;
        }
        default: break;
        }
#ifdef CNN_PROFILE
        {
            double dt = omp_get_wtime() - t_start;
            double fl = L->kind == CNN_CONV ? 2.0 * L->cout * hw * L->cin * L->kh * L->kw : 0;
            fprintf(stderr, "prof %s %-10s %4d->%4d k%d s%d %4dx%-4d %8.2f ms %6.1f GF/s\n", L->id, cnn_kind_name(L->kind),
                    L->cin, L->cout, L->kh, L->sh, y, x, dt * 1e3, fl / dt / 1e9);
        }
#endif
        if (work->failed) { tl_err(err, "cnn: out of memory for im2col buffers in layer %s", L->id); goto done; }
    release: /* give back what no later layer reads */
        for (int s = 1; s <= i + 1; s++)
            if (s != net->output && (net->last_use[s] == i || (s == i + 1 && net->last_use[s] < 0))) {
                if (U[s] == 1) cnn_work_release(work, T[s]); /* else its input's buffer, released with it */
                T[s] = NULL;
                free(PL[s]);
                PL[s] = NULL;
                free(PU[s]);
                PU[s] = NULL;
            }
    }
    {   /* the result leaves the pool: the caller frees it */
        size_t n = (size_t)C[net->output] * H[net->output] * W[net->output];
        *out = malloc(n * sizeof **out);
        if (!*out) { tl_err(err, "cnn: out of memory for the output"); goto done; }
        memcpy(*out, T[net->output], n * sizeof **out);
    }
    *oc = C[net->output];
    *oh = H[net->output];
    *ow = W[net->output];
    rc = 0;
done:
    for (int t = 1; T && C && t < nt; t++)
        if (U[t] == 1) cnn_work_release(work, T[t]);
    for (int t = 1; PL && t < nt; t++) free(PL[t]);
    for (int t = 1; PU && t < nt; t++) free(PU[t]);
    cnn_work_release(work, col);
    free(PL);
    free(PU);
    free(planes);
    free(ups);
    free(T);
    free(C);
    return rc;
}

/* ---- tiling ---- */

typedef struct axis_plan {
    int n, ext, count; /* slice length, tile extent (padded), tiles */
    int *start, *lo, *hi;
} axis_plan;

static int round_up(int n, int m) { return (n + m - 1) / m * m; }

/* Tile starts are multiples of the divisor, so pooling windows line up
 * with those of a whole-slice pass and tiled results equal untiled ones
 * wherever the overlap covers the receptive field. The last tile may run
 * past the slice end by less than the divisor: that part is padding, the
 * same a whole-slice pass would add. */
static int plan_axis(axis_plan *p, int n, int tile, int overlap, int div)
{
    int step = (tile - 2 * overlap) / div * div;
    p->n = n;
    if (n <= tile) {
        p->ext = round_up(n, div);
        p->count = 1;
    } else {
        p->ext = tile;
        p->count = 1 + (n - tile + step - 1) / step;
    }
    p->start = malloc((size_t)p->count * 3 * sizeof(int));
    if (!p->start) return -1;
    p->lo = p->start + p->count;
    p->hi = p->lo + p->count;
    int last = p->count == 1 ? 0 : round_up(n - tile, div);
    for (int i = 0; i < p->count; i++) p->start[i] = i * step < last ? i * step : last;
    for (int i = 0; i < p->count; i++) {
        p->lo[i] = i == 0 ? 0 : p->hi[i - 1];
        p->hi[i] = i == p->count - 1 ? n : (p->start[i + 1] + p->start[i] + tile) / 2;
    }
    return 0;
}

/* What the workers of tl_cnn_infer share. */
typedef struct infer_ctx {
    const tl_cnn *net;
    tl_cnn *mut;
    const tl_volume *vol;
    tl_volume *lab, *conf;
    const axis_plan *pr, *pc;
    size_t rows, cols, ss, rs, cs;
    size_t chs; /* stride between input channels (planes); 0: one grey plane for every channel */
    int cin, eh, ew, cached;
    double imin, iscale;
    long ntasks, per_slice;
    volatile int *failed;
    long *done;
    tl_error *terr;
} infer_ctx;

/* Runs the tiles: inside a parallel region each thread takes whole tiles;
 * called outside one (one tile, or one thread), it runs them all and the
 * layers go parallel inside (a parallel region nested in an inactive one
 * cost 7 % of a 512^2 U-Net pass with 2 threads). */
static void infer_worker(infer_ctx *cx)
{
    tl_error e;
    cnn_work *work = cx->cached ? cx->mut->cache[omp_get_thread_num()] : cnn_work_new(&e);
    float *in = malloc((size_t)cx->cin * cx->eh * cx->ew * sizeof *in);
    if (!work || !in) {
#pragma omp critical(cnn_infer_err)
        if (!*cx->failed) { *cx->failed = 1; tl_err(cx->terr, "cnn.infer: out of memory"); }
    }
#pragma omp for schedule(dynamic, 1)
    for (long task = 0; task < cx->ntasks; task++) {
        if (*cx->failed || tl_interrupt_flag) continue;
        size_t s = (size_t)(task / cx->per_slice);
        int tr = (int)(task % cx->per_slice) / cx->pc->count, tc = (int)(task % cx->per_slice) % cx->pc->count;
        int r0 = cx->pr->start[tr], c0 = cx->pc->start[tc];
        /* with one tile at a time (no outer team) these loops go parallel too */
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
        for (int y = 0; y < cx->eh; y++) {
            size_t r = (size_t)(r0 + y) < cx->rows ? (size_t)(r0 + y) : cx->rows - 1;
            for (int x = 0; x < cx->ew; x++) {
                size_t c = (size_t)(c0 + x) < cx->cols ? (size_t)(c0 + x) : cx->cols - 1;
                double v;
                size_t at = s * cx->ss + r * cx->rs + c * cx->cs;
                tl_load_f64(cx->vol->data, cx->vol->dtype, at, 1, &v);
                for (int ch = 0; ch < cx->cin; ch++) {
                    if (cx->chs && ch > 0) tl_load_f64(cx->vol->data, cx->vol->dtype, at + (size_t)ch * cx->chs, 1, &v);
                    double x01 = (v - cx->imin) * cx->iscale;
                    in[((size_t)ch * cx->eh + y) * cx->ew + x] = (float)((x01 - cx->net->in_mean[ch]) / cx->net->in_std[ch]);
                }
            }
        }
        float *out = NULL;
        int oc, oh, ow;
        if (tl_cnn_forward(cx->net, in, cx->eh, cx->ew, &out, &oc, &oh, &ow, work, &e) || oh != cx->eh || ow != cx->ew) {
#pragma omp critical(cnn_infer_err)
            if (!*cx->failed) {
                *cx->failed = 1;
                if (out) tl_err(cx->terr, "cnn.infer: the network maps %dx%d to %dx%d; it must keep the size", cx->eh, cx->ew, oh, ow);
                else tl_err(cx->terr, "cnn.infer: %s", e.msg);
            }
            free(out);
            continue;
        }
        size_t hw = (size_t)cx->eh * cx->ew;
        if (!cx->net->output_is_softmax) cnn_softmax(out, oc, hw);
        uint8_t *L8 = cx->lab->data;
        float *CF = cx->conf->data;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
        for (int r = cx->pr->lo[tr]; r < cx->pr->hi[tr]; r++)
            for (int c = cx->pc->lo[tc]; c < cx->pc->hi[tc]; c++) {
                size_t j = (size_t)(r - r0) * cx->ew + (size_t)(c - c0);
                int best = 0;
                float bp = out[j];
                for (int k = 1; k < oc; k++)
                    if (out[(size_t)k * hw + j] > bp) { bp = out[(size_t)k * hw + j]; best = k; }
                size_t idx = s * cx->ss + (size_t)r * cx->rs + (size_t)c * cx->cs;
                L8[idx] = (uint8_t)best;
                CF[idx] = bp;
            }
        free(out);
        long d;
#pragma omp atomic capture
        d = ++*cx->done;
        if (omp_get_thread_num() == 0) tl_progress("cnn.infer", (size_t)d, (size_t)cx->ntasks);
    }
    free(in);
    if (!cx->cached) cnn_work_free(work);
}

int tl_cnn_infer(const tl_cnn *net, const tl_volume *vol, int axis, int tile, int overlap, tl_volume **labels,
                 tl_volume **confidence, tl_error *err)
{
    *labels = *confidence = NULL;
    if (axis < 0 || axis > TL_CNN_CHANNELS) return tl_err(err, "cnn.infer: axis must be z, y or x");
    if (net->n_classes > 255) return tl_err(err, "cnn.infer: %d classes do not fit u8 labels", net->n_classes);
    const size_t nz = vol->nz, ny = vol->ny, nx = vol->nx;
    size_t nslices, rows, cols, ss, rs, cs, chs = 0;
    if (axis == TL_CNN_CHANNELS) {
        if (nz != (size_t)net->in_channels)
            return tl_err(err, "cnn.infer: with channels the volume's %zu planes must match the network's %d input channels",
                          nz, net->in_channels);
        nslices = 1; rows = ny; cols = nx; ss = 0; rs = nx; cs = 1; chs = ny * nx;
    } else if (axis == 0) { nslices = nz; rows = ny; cols = nx; ss = ny * nx; rs = nx; cs = 1; }
    else if (axis == 1) { nslices = ny; rows = nz; cols = nx; ss = nx; rs = ny * nx; cs = 1; }
    else { nslices = nx; rows = nz; cols = ny; ss = 1; rs = ny * nx; cs = nx; }
    if (rows > 1000000 || cols > 1000000) return tl_err(err, "cnn.infer: slices of %zu x %zu are too large", rows, cols);
    int T = round_up(tile, net->divisor);
    if (T - 2 * overlap < net->divisor)
        return tl_err(err, "cnn.infer: overlap %d leaves no room in a tile of %d px (need tile - 2*overlap >= %d)",
                      overlap, T, net->divisor);
    axis_plan pr = {0}, pc = {0};
    if (plan_axis(&pr, (int)rows, T, overlap, net->divisor) || plan_axis(&pc, (int)cols, T, overlap, net->divisor)) {
        free(pr.start);
        free(pc.start);
        return tl_err(err, "cnn.infer: out of memory");
    }
    tl_volume *lab, *conf;
    if (chs) { /* one image: the outputs are (y, x) maps */
        lab = tl_vol_new(TL_U8, 1, ny, nx, err);
        conf = lab ? tl_vol_new(TL_F32, 1, ny, nx, err) : NULL;
        if (conf && (tl_vol_copy_attrs(lab, vol, err) || tl_vol_copy_attrs(conf, vol, err))) { tl_vol_unref(conf); conf = NULL; }
    } else {
        lab = tl_vol_new_like(vol, TL_U8, err);
        conf = lab ? tl_vol_new_like(vol, TL_F32, err) : NULL;
    }
    if (!conf) {
        tl_vol_unref(lab);
        free(pr.start);
        free(pc.start);
        return tl_err_prefix(err, "cnn.infer: ");
    }
    const long per_slice = (long)pr.count * pc.count, ntasks = (long)nslices * per_slice;
    const int nthreads = omp_get_max_threads();
    /* many tiles: one tile per thread, layers serial inside; few: layers
     * parallel inside. Both give the same numbers (see cnn_conv.c). */
    const int outer = ntasks >= 2L * nthreads && nthreads > 1;
    const int cin = net->in_channels, eh = pr.ext, ew = pc.ext;
    const double imin = net->in_min, iscale = 1.0 / (net->in_max - net->in_min);
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    /* scratch kept in the net between calls, if no other call holds it */
    tl_cnn *mut = (tl_cnn *)net;
    int cached = !__atomic_exchange_n(&mut->cache_busy, 1, __ATOMIC_ACQUIRE);
    if (cached && (mut->ncache < nthreads || (mut->ncache && mut->cache[0]->nslots < nthreads))) {
        for (int i = 0; i < mut->ncache; i++) cnn_work_free(mut->cache[i]);
        free(mut->cache);
        mut->cache = calloc((size_t)nthreads, sizeof *mut->cache);
        mut->ncache = 0;
        for (int i = 0; mut->cache && i < nthreads; i++, mut->ncache++)
            if (!(mut->cache[i] = cnn_work_new(err))) break;
        if (mut->ncache < nthreads) {
            __atomic_store_n(&mut->cache_busy, 0, __ATOMIC_RELEASE);
            cached = 0;
        }
    }
    volatile int failed = 0;
    long done = 0;
    tl_error terr;
    terr.msg[0] = 0;
    infer_ctx ctx = {net, mut, vol, lab, conf, &pr, &pc, rows, cols, ss, rs, cs, chs, cin, eh, ew, cached,
                     imin, iscale, ntasks, per_slice, &failed, &done, &terr};
    if (outer) {
#pragma omp parallel
        infer_worker(&ctx);
    } else {
        infer_worker(&ctx);
    }
    if (cached) __atomic_store_n(&mut->cache_busy, 0, __ATOMIC_RELEASE);
    openblas_set_num_threads(blas_threads);
    free(pr.start);
    free(pc.start);
    if (!failed && tl_check_interrupt(err)) failed = 2;
    else if (failed) tl_err(err, "%s", terr.msg);
    if (failed) {
        tl_vol_unref(lab);
        tl_vol_unref(conf);
        return -1;
    }
    tl_progress("cnn.infer", (size_t)ntasks, (size_t)ntasks);
    *labels = lab;
    *confidence = conf;
    return 0;
}
