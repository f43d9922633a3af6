/* cnn_format.c — read a tomolith CNN file (docs/cnn-format.md), check
 * every layer against its inputs, fold batch norms into convolutions and
 * fuse ReLUs. Every error names the file and the layer (group id and the
 * PyTorch module name) and the dataset or attribute at fault. */
#include "cnn.h"
#include "../io/h5util.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CNN_FORMAT_NAME "tomolith-cnn"
#define CNN_FORMAT_VERSION 1
#define CNN_MAX_INPUTS 64

static const char *const kind_names[CNN_NKINDS] = {
    "conv2d", "batchnorm", "relu", "maxpool", "upsample", "convtranspose2d", "concat", "add", "softmax",
};

const char *cnn_kind_name(cnn_kind k) { return (unsigned)k < CNN_NKINDS ? kind_names[k] : "?"; }

/* ---- small HDF5 helpers: 0 ok, 1 absent, -1 error (message set) ---- */

typedef struct ctx {
    const char *path;
    const char *where; /* "layer 0007 (enc.conv1, conv2d)" or "root" */
    tl_error *err;
} ctx;

/* A string attribute, malloc'ed into *out (io/h5util's reader: fixed or
 * variable length, either character set); 1 when absent. */
static int attr_string(hid_t loc, const char *name, char **out, ctx *c)
{
    *out = NULL;
    if (H5Aexists(loc, name) <= 0) return 1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a >= 0) {
        *out = tl_h5_attr_read_string(a);
        H5Aclose(a);
    }
    return *out ? 0 : tl_err(c->err, "'%s': %s: attribute '%s' is not a readable string", c->path, c->where, name);
}

/* Reads a numeric attribute of exactly n elements (n = 0: any count up to
 * cap, returned in *got) as double. */
static int attr_doubles(hid_t loc, const char *name, double *v, size_t n, size_t cap, size_t *got, ctx *c)
{
    if (H5Aexists(loc, name) <= 0) return 1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    hid_t t = a >= 0 ? H5Aget_type(a) : -1;
    int rc = -1;
    hssize_t cnt = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    H5T_class_t tc = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (tc != H5T_INTEGER && tc != H5T_FLOAT)
        tl_err(c->err, "'%s': %s: attribute '%s' is not numeric", c->path, c->where, name);
    else if (cnt < 1 || (n && (size_t)cnt != n) || (!n && (size_t)cnt > cap))
        tl_err(c->err, "'%s': %s: attribute '%s' has %lld values, expected %zu", c->path, c->where, name,
               (long long)cnt, n ? n : cap);
    else if (H5Aread(a, H5T_NATIVE_DOUBLE, v) < 0)
        tl_err(c->err, "'%s': %s: cannot read attribute '%s'", c->path, c->where, name);
    else {
        if (got) *got = (size_t)cnt;
        rc = 0;
    }
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    if (a >= 0) H5Aclose(a);
    return rc;
}

/* Integer attribute pair like kernel = (3, 3); a single value means both. */
static int attr_pair(hid_t loc, const char *name, int *a, int *b, int def, int minv, ctx *c)
{
    double v[2];
    size_t got = 0;
    int rc = attr_doubles(loc, name, v, 0, 2, &got, c);
    if (rc < 0) return -1;
    if (rc == 1) { *a = *b = def; return 0; }
    if (got == 1) v[1] = v[0];
    for (int i = 0; i < 2; i++)
        if (v[i] != floor(v[i]) || v[i] < minv || v[i] > 65536)
            return tl_err(c->err, "'%s': %s: attribute '%s' must hold integers >= %d (got %g)", c->path,
                          c->where, name, minv, v[i]);
    *a = (int)v[0];
    *b = (int)v[1];
    return 0;
}

static int attr_int(hid_t loc, const char *name, int *out, int def, ctx *c)
{
    double v;
    int rc = attr_doubles(loc, name, &v, 1, 1, NULL, c);
    if (rc < 0) return -1;
    if (rc == 1) { *out = def; return 0; }
    if (v != floor(v) || fabs(v) > 1e9)
        return tl_err(c->err, "'%s': %s: attribute '%s' must be an integer (got %g)", c->path, c->where, name, v);
    *out = (int)v;
    return 0;
}

static const char *shape_str(const hsize_t *d, int rank, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < rank && k < n; i++) k += (size_t)snprintf(buf + k, n - k, i ? ", %llu" : "%llu", (unsigned long long)d[i]);
    if (k < n) snprintf(buf + k, n - k, rank == 1 ? ",)" : ")");
    return buf;
}

/* Reads dataset `name` as float32 with exactly the expected shape. */
static float *read_weights(hid_t g, const char *name, int rank, const hsize_t *expect, int optional,
                           size_t *nparams, ctx *c)
{
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0) {
        if (!optional) tl_err(c->err, "'%s': %s: weight dataset '%s' is missing", c->path, c->where, name);
        return NULL;
    }
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    float *buf = NULL;
    if (sp < 0) {
        tl_err(c->err, "'%s': %s: '%s' is not a dataset", c->path, c->where, name);
        goto done;
    }
    hsize_t dims[8];
    int r = H5Sget_simple_extent_ndims(sp);
    int same = r == rank;
    if (r >= 0 && r <= 8) H5Sget_simple_extent_dims(sp, dims, NULL);
    for (int i = 0; same && i < rank; i++) same = dims[i] == expect[i];
    if (!same) {
        char s1[96], s2[96];
        tl_err(c->err, "'%s': %s: dataset '%s' has shape %s, expected %s", c->path, c->where, name,
               r >= 0 && r <= 8 ? shape_str(dims, r, s1, sizeof s1) : "(?)", shape_str(expect, rank, s2, sizeof s2));
        goto done;
    }
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= expect[i];
    buf = malloc((n ? n : 1) * sizeof *buf);
    if (!buf) {
        tl_err(c->err, "'%s': %s: out of memory reading '%s'", c->path, c->where, name);
        goto done;
    }
    if (H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        tl_err(c->err, "'%s': %s: cannot read dataset '%s' as float", c->path, c->where, name);
        free(buf);
        buf = NULL;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(buf[i])) {
            tl_err(c->err, "'%s': %s: dataset '%s' holds NaN or infinity at element %zu", c->path, c->where, name, i);
            free(buf);
            buf = NULL;
            goto done;
        }
    *nparams += n;
done:
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    return buf;
}

/* ---- one layer ---- */

static int parse_kind(const char *s, cnn_kind *k)
{
    for (int i = 0; i < CNN_NKINDS; i++)
        if (strcmp(s, kind_names[i]) == 0) { *k = (cnn_kind)i; return 0; }
    return -1;
}

/* The window of a conv or max-pool: kernel (required), stride (default 1,
 * the kernel for a pool, as in PyTorch), padding and dilation. */
static int read_window(hid_t g, cnn_layer *L, ctx *c)
{
    if (attr_pair(g, "kernel", &L->kh, &L->kw, 0, 1, c)) return -1;
    if (L->kh < 1) return tl_err(c->err, "'%s': %s: attribute 'kernel' is missing", c->path, c->where);
    int stride = L->kind == CNN_MAXPOOL ? L->kh : 1;
    if (attr_pair(g, "stride", &L->sh, &L->sw, stride, 1, c) || attr_pair(g, "padding", &L->ph, &L->pw, 0, 0, c) ||
        attr_pair(g, "dilation", &L->dh, &L->dw, 1, 1, c))
        return -1;
    return 0;
}

static int read_layer(hid_t g, int index, cnn_layer *L, const int *chan, size_t *nparams, ctx *c)
{
    char where[200];
    char *type = NULL, *name = NULL;
    snprintf(where, sizeof where, "layer %s", L->id);
    c->where = where;
    int rc = attr_string(g, "type", &type, c);
    if (rc) {
        if (rc == 1) tl_err(c->err, "'%s': layer %s has no 'type' attribute", c->path, L->id);
        return -1;
    }
    if (attr_string(g, "name", &name, c) < 0) { free(type); return -1; }
    snprintf(L->name, sizeof L->name, "%s", name ? name : "");
    free(name);
    snprintf(where, sizeof where, "layer %s (%s, %s)", L->id, L->name[0] ? L->name : "unnamed", type);
    if (parse_kind(type, &L->kind)) {
        tl_err(c->err, "'%s': %s: unknown layer type '%s' (supported: conv2d batchnorm relu maxpool upsample "
               "convtranspose2d concat add softmax)", c->path, where, type);
        free(type);
        return -1;
    }
    free(type);

    /* inputs: -1 is the network input, j an earlier layer */
    double in[CNN_MAX_INPUTS];
    size_t nin = 0;
    rc = attr_doubles(g, "inputs", in, 0, CNN_MAX_INPUTS, &nin, c);
    if (rc < 0) return -1;
    if (rc == 1) {
        in[0] = index - 1;
        nin = 1;
    }
    L->ninputs = (int)nin;
    L->inputs = malloc(nin * sizeof *L->inputs);
    if (!L->inputs) return tl_err(c->err, "'%s': %s: out of memory", c->path, where);
    for (size_t i = 0; i < nin; i++) {
        if (in[i] != floor(in[i]) || in[i] < -1 || in[i] >= index)
            return tl_err(c->err, "'%s': %s: input %g is not the network input (-1) or an earlier layer (0..%d)",
                          c->path, where, in[i], index - 1);
        L->inputs[i] = (int)in[i] + 1;
    }
    int want_in = L->kind == CNN_CONCAT ? -2 : L->kind == CNN_ADD ? 2 : 1;
    if ((want_in > 0 && L->ninputs != want_in) || (want_in == -2 && L->ninputs < 2))
        return tl_err(c->err, "'%s': %s: has %d inputs, expected %s", c->path, where, L->ninputs,
                      want_in == -2 ? "at least 2" : want_in == 2 ? "2" : "1");
    int cin = chan[L->inputs[0]];
    L->cin = cin;
    L->cout = cin;
    L->dh = L->dw = L->sh = L->sw = 1;

    switch (L->kind) {
    case CNN_CONV:
    case CNN_CONVT: {
        int groups = 1, out_ch = 0;
        if (attr_int(g, "groups", &groups, 1, c)) return -1;
        if (groups != 1) return tl_err(c->err, "'%s': %s: groups = %d is not supported (only 1)", c->path, where, groups);
        if (attr_int(g, "out_channels", &out_ch, 0, c)) return -1;
        if (out_ch < 1) return tl_err(c->err, "'%s': %s: attribute 'out_channels' is missing or < 1", c->path, where);
        if (read_window(g, L, c)) return -1;
        if (L->kind == CNN_CONVT && attr_pair(g, "output_padding", &L->oph, &L->opw, 0, 0, c)) return -1;
        L->cout = out_ch;
        hsize_t wd[4] = {(hsize_t)out_ch, (hsize_t)cin, (hsize_t)L->kh, (hsize_t)L->kw};
        if (L->kind == CNN_CONVT) { wd[0] = (hsize_t)cin; wd[1] = (hsize_t)out_ch; }
        float *w = read_weights(g, "weight", 4, wd, 0, nparams, c);
        if (!w) return -1;
        if (L->kind == CNN_CONV) {
            L->weight = w;
        } else { /* (cin, cout, kh, kw) -> (cout*kh*kw, cin) for one GEMM */
            size_t kk = (size_t)L->kh * L->kw, rows = (size_t)out_ch * kk;
            L->weight = malloc(rows * cin * sizeof *L->weight);
            if (!L->weight) { free(w); return tl_err(c->err, "'%s': %s: out of memory", c->path, where); }
            for (size_t ci = 0; ci < (size_t)cin; ci++)
                for (size_t r = 0; r < rows; r++) L->weight[r * cin + ci] = w[ci * rows + r];
            free(w);
        }
        hsize_t bd[1] = {(hsize_t)out_ch};
        L->bias = read_weights(g, "bias", 1, bd, 1, nparams, c);
        if (!L->bias && c->err->msg[0]) return -1;
        break;
    }
    case CNN_BATCHNORM: {
        double eps = 1e-5;
        if (attr_doubles(g, "eps", &eps, 1, 1, NULL, c) < 0) return -1;
        if (!(eps >= 0)) return tl_err(c->err, "'%s': %s: attribute 'eps' must be >= 0", c->path, where);
        hsize_t bd[1] = {(hsize_t)cin};
        static const char *const names[4] = {"weight", "bias", "running_mean", "running_var"};
        float *p[4] = {0};
        size_t stats = 0; /* running statistics are buffers, not parameters (as PyTorch counts) */
        for (int i = 0; i < 4; i++)
            if (!(p[i] = read_weights(g, names[i], 1, bd, 0, i < 2 ? nparams : &stats, c))) {
                for (int j = 0; j < i; j++) free(p[j]);
                return -1;
            }
        /* kept as scale/shift; folded into the producing conv later if possible */
        L->bn_scale = p[0];
        L->bn_shift = p[1];
        for (int ch = 0; ch < cin; ch++) {
            if (p[3][ch] < 0) {
                for (int j = 0; j < 4; j++) free(p[j]);
                L->bn_scale = L->bn_shift = NULL;
                return tl_err(c->err, "'%s': %s: running_var[%d] = %g is negative", c->path, where, ch, p[3][ch]);
            }
            double s = p[0][ch] / sqrt((double)p[3][ch] + eps);
            L->bn_shift[ch] = (float)(p[1][ch] - p[2][ch] * s);
            L->bn_scale[ch] = (float)s;
        }
        free(p[2]);
        free(p[3]);
        break;
    }
    case CNN_MAXPOOL: {
        int ceil_mode = 0;
        if (read_window(g, L, c) || attr_int(g, "ceil_mode", &ceil_mode, 0, c)) return -1;
        if (ceil_mode) return tl_err(c->err, "'%s': %s: ceil_mode = 1 is not supported", c->path, where);
        if (2 * L->ph > L->kh || 2 * L->pw > L->kw)
            return tl_err(c->err, "'%s': %s: padding must be at most half the kernel (as in PyTorch)", c->path, where);
        break;
    }
    case CNN_UPSAMPLE: {
        char *mode = NULL;
        if (attr_string(g, "mode", &mode, c) < 0) return -1;
        if (mode && strcmp(mode, "bilinear") == 0) L->bilinear = 1;
        else if (mode && strcmp(mode, "nearest") != 0) {
            tl_err(c->err, "'%s': %s: mode '%s' is not supported (nearest or bilinear)", c->path, where, mode);
            free(mode);
            return -1;
        }
        free(mode);
        if (attr_int(g, "scale", &L->scale, 2, c) || attr_int(g, "align_corners", &L->align_corners, 0, c)) return -1;
        if (L->scale < 1 || L->scale > 64)
            return tl_err(c->err, "'%s': %s: scale must be an integer in 1..64 (got %d)", c->path, where, L->scale);
        break;
    }
    case CNN_CONCAT:
        L->cout = 0;
        for (int i = 0; i < L->ninputs; i++) L->cout += chan[L->inputs[i]];
        break;
    case CNN_ADD:
        if (chan[L->inputs[1]] != cin)
            return tl_err(c->err, "'%s': %s: adds %d channels to %d channels", c->path, where, chan[L->inputs[1]], cin);
        break;
    default: break;
    }
    return 0;
}

/* ---- folding ---- */

static void fold_and_fuse(tl_cnn *net)
{
    int nt = net->nlayers + 1;
    int *remap = malloc((size_t)nt * sizeof *remap), *cons = calloc((size_t)nt, sizeof *cons);
    if (!remap || !cons) { free(remap); free(cons); return; } /* folding is an optimisation only */
    for (int t = 0; t < nt; t++) remap[t] = t;
    for (int i = 0; i < net->nlayers; i++)
        for (int k = 0; k < net->layers[i].ninputs; k++) cons[net->layers[i].inputs[k]]++;
    cons[net->output]++;
    for (int i = 0; i < net->nlayers; i++) {
        cnn_layer *L = &net->layers[i];
        for (int k = 0; k < L->ninputs; k++) L->inputs[k] = remap[L->inputs[k]];
        int t = L->inputs[0];
        cnn_layer *P = t > 0 ? &net->layers[t - 1] : NULL;
        int sole = P && cons[t] == 1 && !P->relu;
        if (L->kind == CNN_BATCHNORM && sole && (P->kind == CNN_CONV || P->kind == CNN_CONVT)) {
            /* w' = w * s, b' = b * s + shift, per output channel */
            size_t per = (size_t)P->cin * P->kh * P->kw;
            if (!P->bias) P->bias = calloc((size_t)P->cout, sizeof *P->bias);
            if (!P->bias) continue; /* out of memory: keep the batch norm as it is */
            for (int co = 0; co < P->cout; co++) {
                float *w = P->weight + (size_t)co * per;
                for (size_t j = 0; j < per; j++) w[j] = (float)((double)w[j] * L->bn_scale[co]);
            }
            for (int co = 0; co < P->cout; co++)
                P->bias[co] = (float)((double)P->bias[co] * L->bn_scale[co] + L->bn_shift[co]);
            L->dead = 1;
        } else if (L->kind == CNN_RELU && sole &&
                   (P->kind == CNN_CONV || P->kind == CNN_CONVT || P->kind == CNN_ADD || P->kind == CNN_BATCHNORM)) {
            P->relu = 1;
            L->dead = 1;
        }
        if (L->dead) {
            remap[i + 1] = t;
            cons[t] = cons[i + 1];
        }
    }
    net->output = remap[net->output];
    free(remap);
    free(cons);
}


/* Tensor t is read by layer i: it, and what a virtual layer producing it
 * reads in its place, must live until then. */
static void mark_use(tl_cnn *net, int t, int i)
{
    net->last_use[t] = i;
    if (t > 0 && (net->layers[t - 1].virtual_concat || net->layers[t - 1].virtual_upsample ||
                  net->layers[t - 1].fused_into || net->layers[t - 1].add_into))
        for (int j = 0; j < net->layers[t - 1].ninputs; j++) mark_use(net, net->layers[t - 1].inputs[j], i);
}

/* How many inputs of live layers are tensor t. */
static int readers_of(const tl_cnn *net, int t)
{
    int n = 0;
    for (int j = 0; j < net->nlayers; j++)
        for (int k = 0; k < net->layers[j].ninputs; k++)
            if (!net->layers[j].dead && net->layers[j].inputs[k] == t) n++;
    return n;
}

static int finish(tl_cnn *net, const int *chan, tl_error *err)
{
    int nt = net->nlayers + 1;
    net->last_use = malloc((size_t)nt * sizeof *net->last_use);
    int *down = calloc((size_t)nt, sizeof *down), *other = calloc((size_t)nt, sizeof *other);
    if (!net->last_use || !down || !other) {
        free(down);
        free(other);
        return tl_err(err, "'%s': out of memory", net->path);
    }
    /* a concat read only by convs need not be copied: im2col reads its inputs */
    for (int i = 0; i < net->nlayers; i++) {
        const cnn_layer *L = &net->layers[i];
        if (L->dead) continue;
        for (int k = 0; k < L->ninputs; k++)
            if (L->kind != CNN_CONV) other[L->inputs[k]] = 1;
    }
    for (int i = 0; i < net->nlayers; i++) {
        cnn_layer *L = &net->layers[i];
        L->virtual_concat = L->kind == CNN_CONCAT && !L->dead && !other[i + 1] && i + 1 != net->output;
    }
    /* a nearest upsampling read only by direct convs (or by virtual concats
     * only they read) is never materialised either: the convs' pad rows
     * repeat the low-resolution pixels (cnn_direct.c) */
    for (int i = 0; i < net->nlayers; i++) {
        cnn_layer *L = &net->layers[i];
        int t = L->inputs ? L->inputs[0] : 0, ok = L->kind == CNN_UPSAMPLE && !L->dead && !L->bilinear &&
                                                   i + 1 != net->output && !(t > 0 && net->layers[t - 1].virtual_concat);
        for (int j = i + 1; ok && j < net->nlayers; j++) {
            const cnn_layer *R = &net->layers[j];
            for (int k = 0; ok && !R->dead && k < R->ninputs; k++) {
                if (R->inputs[k] != i + 1) continue;
                if (R->virtual_concat) { /* then every reader of the concat must be a direct conv */
                    for (int m = j + 1; ok && m < net->nlayers; m++)
                        for (int q = 0; q < net->layers[m].ninputs; q++)
                            if (!net->layers[m].dead && net->layers[m].inputs[q] == j + 1 &&
                                !(net->layers[m].kind == CNN_CONV && cnn_direct_ok(&net->layers[m])))
                                ok = 0;
                } else if (!(R->kind == CNN_CONV && cnn_direct_ok(R))) {
                    ok = 0;
                }
            }
        }
        L->virtual_upsample = ok;
    }
    /* a direct conv A read only by a stride-1 direct conv L is computed by L,
     * task by task, into its pad rows (cnn_conv_fused): A's output never goes
     * to memory. Where L reads a halo of rows (kernel > 1), the tasks
     * recompute those rows of A, so only when A is cheap (<= 32 taps per
     * output, e.g. a first conv of one input channel); a 1x1 L (a head)
     * recomputes nothing. */
    for (int i = 0; i < net->nlayers; i++) {
        cnn_layer *L = &net->layers[i];
        int t = L->inputs ? L->inputs[0] : 0;
        if (L->kind != CNN_CONV || L->dead || L->ninputs != 1 || t < 1 || L->sh != 1 || L->sw != 1 ||
            !cnn_direct_ok(L))
            continue;
        cnn_layer *A = &net->layers[t - 1];
        if (A->kind != CNN_CONV || A->dead || t == net->output || !cnn_direct_ok(A) || A->fused_into ||
            A->producer || (A->inputs[0] > 0 && net->layers[A->inputs[0] - 1].fused_into))
            continue;
        int one_by_one = L->kh == 1 && L->kw == 1 && L->ph == 0 && L->pw == 0;
        if (readers_of(net, t) == 1 && (one_by_one || (size_t)A->cin * A->kh * A->kw <= 32)) {
            A->fused_into = i + 1;
            L->producer = t;
        }
    }
    /* a residual add of a direct conv (without ReLU) read only by the add
     * runs the conv with the add and its ReLU in the conv's epilogue: the
     * ResNet blocks' conv2 + identity, without a pass over both tensors */
    for (int i = 0; i < net->nlayers; i++) {
        cnn_layer *D = &net->layers[i];
        if (D->kind != CNN_ADD || D->dead || D->ninputs != 2 || D->inputs[0] == D->inputs[1]) continue;
        for (int k = 0; k < 2 && !D->add_conv; k++) {
            int t = D->inputs[k];
            if (t < 1) continue;
            cnn_layer *A = &net->layers[t - 1];
            if (A->kind != CNN_CONV || A->dead || A->relu || t == net->output || !cnn_direct_ok(A) || A->fused_into ||
                A->add_into)
                continue;
            if (readers_of(net, t) != 1) continue;
            A->add_into = i + 1;
            D->add_conv = t;
        }
    }
    /* a 2x2 max-pool of a direct conv's output is computed by the conv, from
     * each task's rows while they are in cache (the U-Net's encoder) */
    for (int i = 0; i < net->nlayers; i++) {
        cnn_layer *L = &net->layers[i];
        int t = L->inputs ? L->inputs[0] : 0;
        if (L->kind != CNN_MAXPOOL || L->dead || t < 1 || !cnn_window_2x2s2(L)) continue;
        cnn_layer *A = &net->layers[t - 1];
        if (A->kind == CNN_CONV && !A->dead && !A->pool_after && cnn_direct_ok(A)) {
            A->pool_after = i + 1;
            L->pool_early = 1;
        }
    }
    for (int t = 0; t < nt; t++) net->last_use[t] = -1;
    down[0] = 1;
    net->divisor = 1;
    for (int i = 0; i < net->nlayers; i++) {
        cnn_layer *L = &net->layers[i];
        if (L->dead) continue;
        for (int k = 0; k < L->ninputs; k++) mark_use(net, L->inputs[k], i);
        int d = down[L->inputs[0]];
        for (int k = 1; k < L->ninputs; k++)
            if (down[L->inputs[k]] > d) d = down[L->inputs[k]];
        int s = L->sh > L->sw ? L->sh : L->sw;
        if (L->kind == CNN_CONV || L->kind == CNN_MAXPOOL) d *= s;
        if (L->kind == CNN_CONVT) d = d / s > 0 ? d / s : 1;
        if (L->kind == CNN_UPSAMPLE) d = d / L->scale > 0 ? d / L->scale : 1;
        down[i + 1] = d;
        if (d > net->divisor) net->divisor = d;
    }
    free(down);
    free(other);
    for (int i = 0; i < net->nlayers; i++) {
        cnn_layer *L = &net->layers[i];
        if (L->dead || !cnn_direct_ok(L)) continue;
        if (cnn_direct_pack(L)) return tl_err(err, "'%s': out of memory", net->path);
        /* packed layers run the direct kernel only: the (out, in) copy is not read again */
        free(L->weight);
        L->weight = NULL;
    }
    net->n_classes = chan[net->output];
    return 0;
}

static int read_root(hid_t f, tl_cnn *net, ctx *c)
{
    char *fmt = NULL, *classes = NULL;
    c->where = "root group";
    int rc = attr_string(f, "format", &fmt, c);
    if (rc < 0) return -1;
    if (rc == 1 || strcmp(fmt, CNN_FORMAT_NAME) != 0) {
        tl_err(c->err, "'%s' is not a tomolith CNN file (root attribute 'format' is %s%s%s, expected '%s')", c->path,
               fmt ? "'" : "missing", fmt ? fmt : "", fmt ? "'" : "", CNN_FORMAT_NAME);
        free(fmt);
        return -1;
    }
    free(fmt);
    int version = 0;
    if (attr_int(f, "format_version", &version, 0, c)) return -1;
    if (version != CNN_FORMAT_VERSION)
        return tl_err(c->err, "'%s': format_version %d is not supported (this tomolith reads %d)", c->path, version,
                      CNN_FORMAT_VERSION);
    if (attr_string(f, "architecture", &net->architecture, c) < 0) return -1;
    if (attr_int(f, "in_channels", &net->in_channels, 0, c)) return -1;
    if (net->in_channels < 1 || net->in_channels > 64)
        return tl_err(c->err, "'%s': root attribute 'in_channels' must be in 1..64 (got %d)", c->path, net->in_channels);
    net->in_min = 0;
    net->in_max = 1;
    if (attr_doubles(f, "input_min", &net->in_min, 1, 1, NULL, c) < 0 ||
        attr_doubles(f, "input_max", &net->in_max, 1, 1, NULL, c) < 0)
        return -1;
    if (!(net->in_max > net->in_min))
        return tl_err(c->err, "'%s': input_max (%g) must be greater than input_min (%g)", c->path, net->in_max, net->in_min);
    net->in_mean = calloc((size_t)net->in_channels, sizeof(double));
    net->in_std = malloc((size_t)net->in_channels * sizeof(double));
    if (!net->in_mean || !net->in_std) return tl_err(c->err, "'%s': out of memory", c->path);
    for (int i = 0; i < net->in_channels; i++) net->in_std[i] = 1;
    if (attr_doubles(f, "input_mean", net->in_mean, (size_t)net->in_channels, 0, NULL, c) < 0 ||
        attr_doubles(f, "input_std", net->in_std, (size_t)net->in_channels, 0, NULL, c) < 0)
        return -1;
    for (int i = 0; i < net->in_channels; i++)
        if (!(net->in_std[i] > 0)) return tl_err(c->err, "'%s': input_std[%d] must be > 0", c->path, i);
    rc = attr_string(f, "classes", &classes, c);
    if (rc) {
        if (rc == 1) tl_err(c->err, "'%s': root attribute 'classes' (class names, one per line) is missing", c->path);
        return -1;
    }
    /* one name per line */
    int n = 1;
    for (const char *p = classes; *p; p++) n += *p == '\n';
    net->class_names = calloc((size_t)n + 1, sizeof *net->class_names);
    if (!net->class_names) { free(classes); return tl_err(c->err, "'%s': out of memory", c->path); }
    int k = 0;
    for (char *tok = classes, *nl; tok; tok = nl ? nl + 1 : NULL) {
        nl = strchr(tok, '\n');
        if (nl) *nl = 0;
        if (*tok) net->class_names[k++] = strdup(tok);
    }
    free(classes);
    net->n_classes = k;
    return 0;
}

tl_cnn *tl_cnn_load(const char *path, tl_error *err) { return tl_cnn_load_group(path, "/", err); }

tl_cnn *tl_cnn_load_group(const char *path, const char *group, tl_error *err)
{
    tl_cnn *net = calloc(1, sizeof *net);
    int *chan = NULL;
    hid_t file = -1, f = -1, lg = -1;
    if (!net || !(net->path = strdup(path)) || !(net->group = strdup(group))) {
        if (net) free(net->path);
        free(net);
        tl_err(err, "cnn.load: out of memory");
        return NULL;
    }
    err->msg[0] = 0;
    ctx c = {path, "root group", err};
    tl_h5_quiet(); /* the messages here name the file, group and layer */
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        FILE *fp = fopen(path, "rb");
        if (fp) fclose(fp);
        tl_err(err, "'%s': %s", path, fp ? "not an HDF5 file" : "cannot open (no such file or no permission)");
        goto fail;
    }
    if ((strcmp(group, "/") != 0 && tl_h5_exists(file, group) <= 0) || (f = H5Gopen2(file, group, H5P_DEFAULT)) < 0) {
        tl_err(err, "'%s': group '%s' is missing", path, group);
        goto fail;
    }
    if (read_root(f, net, &c)) goto fail;
    int n_names = net->n_classes;
    if (H5Lexists(f, "layers", H5P_DEFAULT) <= 0 || (lg = H5Gopen2(f, "layers", H5P_DEFAULT)) < 0) {
        tl_err(err, "'%s': group '/layers' is missing", path);
        goto fail;
    }
    H5G_info_t gi;
    if (H5Gget_info(lg, &gi) < 0 || gi.nlinks == 0 || gi.nlinks > 100000) {
        tl_err(err, "'%s': group '/layers' holds no layers", path);
        goto fail;
    }
    net->nlayers = (int)gi.nlinks;
    net->layers = calloc((size_t)net->nlayers, sizeof *net->layers);
    chan = calloc((size_t)net->nlayers + 1, sizeof *chan);
    if (!net->layers || !chan) { tl_err(err, "'%s': out of memory", path); goto fail; }
    chan[0] = net->in_channels;
    for (int i = 0; i < net->nlayers; i++) {
        cnn_layer *L = &net->layers[i];
        snprintf(L->id, sizeof L->id, "%04d", i);
        if (H5Lexists(lg, L->id, H5P_DEFAULT) <= 0) {
            tl_err(err, "'%s': layer group '/layers/%s' is missing (layers are numbered 0000..%04d)", path, L->id,
                   net->nlayers - 1);
            goto fail;
        }
        hid_t g = H5Gopen2(lg, L->id, H5P_DEFAULT);
        int rc = g < 0 ? tl_err(err, "'%s': '/layers/%s' is not a group", path, L->id)
                       : read_layer(g, i, L, chan, &net->nparams, &c);
        if (g >= 0) H5Gclose(g);
        if (rc) goto fail;
        chan[i + 1] = L->cout;
    }
    int out = net->nlayers - 1;
    c.where = "root group";
    if (attr_int(f, "output", &out, out, &c)) goto fail;
    if (out < 0 || out >= net->nlayers) {
        tl_err(err, "'%s': root attribute 'output' = %d is not a layer (0..%d)", path, out, net->nlayers - 1);
        goto fail;
    }
    net->output = out + 1;
    net->output_is_softmax = net->layers[out].kind == CNN_SOFTMAX;
    if (chan[net->output] != n_names) {
        tl_err(err, "'%s': the network outputs %d channels but 'classes' names %d classes", path, chan[net->output],
               n_names);
        goto fail;
    }
    fold_and_fuse(net);
    if (finish(net, chan, err)) goto fail;
    H5Gclose(lg);
    H5Gclose(f);
    H5Fclose(file);
    free(chan);
    return net;
fail:
    if (lg >= 0) H5Gclose(lg);
    if (f >= 0) H5Gclose(f);
    if (file >= 0) H5Fclose(file);
    free(chan);
    tl_err_prefix(err, "cnn.load: ");
    tl_cnn_free(net);
    return NULL;
}

void tl_cnn_free(tl_cnn *net)
{
    if (!net) return;
    for (int i = 0; net->layers && i < net->nlayers; i++) {
        cnn_layer *L = &net->layers[i];
        free(L->inputs);
        free(L->weight);
        free(L->wpack);
        free(L->bias);
        free(L->bn_scale);
        free(L->bn_shift);
    }
    free(net->layers);
    for (int i = 0; net->class_names && net->class_names[i]; i++) free(net->class_names[i]);
    free(net->class_names);
    free(net->in_mean);
    free(net->in_std);
    free(net->last_use);
    for (int i = 0; i < net->ncache; i++) cnn_work_free(net->cache[i]);
    free(net->cache);
    free(net->architecture);
    free(net->path);
    free(net->group);
    free(net);
}

void tl_cnn_describe(const tl_cnn *net, char *buf, size_t n)
{
    int counts[CNN_NKINDS] = {0}, live = 0;
    for (int i = 0; i < net->nlayers; i++) {
        counts[net->layers[i].kind]++;
        live += !net->layers[i].dead;
    }
    size_t k = (size_t)snprintf(buf, n, "cnn '%s'%s%s: %s, %d input channel%s, %zu parameters, %d layers (%d after folding:",
                                net->path, strcmp(net->group, "/") ? " group " : "", strcmp(net->group, "/") ? net->group : "",
                                net->architecture ? net->architecture : "unnamed architecture",
                                net->in_channels, net->in_channels == 1 ? "" : "s", net->nparams, net->nlayers, live);
    for (int t = 0; t < CNN_NKINDS && k < n; t++)
        if (counts[t]) k += (size_t)snprintf(buf + k, n - k, " %d %s", counts[t], kind_names[t]);
    if (k < n) k += (size_t)snprintf(buf + k, n - k, "), input multiple of %d px, classes:", net->divisor);
    for (int i = 0; net->class_names[i] && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s %s", i ? "," : "", net->class_names[i]);
}
