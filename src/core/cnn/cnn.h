/* cnn.h — 2D convolutional networks (U-Net, ResNet-encoder U-Net) loaded
 * from the tomolith CNN file format (docs/cnn-format.md) and run on the CPU.
 *
 * Tensors are one image at a time, channels first (C, H, W), float32,
 * row-major, W fastest — PyTorch's NCHW with N = 1. Batch norm is folded
 * into the preceding convolution at load, ReLU fused into convolutions and
 * residual adds, so a forward pass is mostly GEMMs. */
#ifndef TL_CNN_H
#define TL_CNN_H

#include <stddef.h>

#include "../tl_error.h"
#include "../vol/vol.h"

typedef enum {
    CNN_CONV = 0,   /* conv2d: stride, padding, dilation, bias */
    CNN_BATCHNORM,  /* batch norm (eval mode); folded into a conv when possible */
    CNN_RELU,
    CNN_MAXPOOL,
    CNN_UPSAMPLE,   /* nearest or bilinear, integer scale */
    CNN_CONVT,      /* transposed conv2d */
    CNN_CONCAT,     /* along channels */
    CNN_ADD,        /* residual add */
    CNN_SOFTMAX,    /* along channels */
    CNN_NKINDS
} cnn_kind;

const char *cnn_kind_name(cnn_kind k);

typedef struct cnn_layer {
    cnn_kind kind;
    char id[16];      /* HDF5 group name under /layers, e.g. "0007" */
    char name[96];    /* the PyTorch module name, for messages */
    int ninputs;
    int *inputs;      /* tensor indices: 0 = network input, i + 1 = layer i */
    int cin, cout;    /* channels in (total over inputs) and out */
    int kh, kw, sh, sw, ph, pw, dh, dw, oph, opw; /* kernel, stride, padding, dilation, output padding */
    int scale;        /* upsample factor */
    int bilinear, align_corners;
    float *weight;    /* conv: (cout, cin*kh*kw); convT: (cout*kh*kw, cin) */
    float *bias;      /* cout, or NULL */
    float *wpack;     /* conv weights packed for cnn_conv_direct, or NULL */
    float *bn_scale, *bn_shift; /* a batch norm kept as a per-channel affine */
    int relu;         /* ReLU fused after this layer */
    int dead;         /* folded into another layer: produces no tensor */
    int pool_after;   /* conv: 1 + index of a 2x2 max-pool of its output that it
                         computes too, from each task's rows while in cache; 0: none */
    int pool_early;   /* that max-pool: already done by its conv */
    int fused_into;   /* conv: 1 + index of the conv, its only reader, that computes
                         it row block by row block (cnn_conv_fused); 0: none */
    int producer;     /* that conv: 1 + index of the conv it computes so */
    int add_into;     /* conv: 1 + index of the residual add, its only reader, that
                         runs it with the add (and the add's ReLU) in its epilogue */
    int add_conv;     /* that add: the tensor index of the conv it runs so */
    int virtual_concat; /* a concat read only by convs: never copied, the convs
                           read its inputs' channels where they are */
    int virtual_upsample; /* a nearest upsampling read only by direct convs:
                             never materialised, they read the small rows */
} cnn_layer;

/* A 2 x 2 window with stride 2, no padding, no dilation: the U-Net's max-pool
 * and transposed-conv up-sampling, which have their own fast paths. */
static inline int cnn_window_2x2s2(const cnn_layer *L)
{
    return L->kh == 2 && L->kw == 2 && L->sh == 2 && L->sw == 2 && L->ph == 0 && L->pw == 0 && L->dh == 1 && L->dw == 1;
}

typedef struct tl_cnn {
    char *path;
    char *group;          /* HDF5 group of the network ("/" = the file) */
    char *architecture;   /* free text from the file ("resnet34-unet", ...) */
    int nlayers;
    cnn_layer *layers;
    int output;           /* tensor index of the network output (logits or probabilities) */
    int output_is_softmax;
    int in_channels, n_classes;
    char **class_names;
    double in_min, in_max; /* x' = (x - in_min) / (in_max - in_min) */
    double *in_mean, *in_std; /* then (x' - mean[c]) / std[c], per input channel */
    int divisor;          /* input H and W must be multiples of this */
    size_t nparams;       /* learnable parameters in the file (before folding; BN running stats excluded) */
    int *last_use;        /* per tensor: last layer index reading it */
    /* scratch kept between calls (tensor pools stay allocated and paged in);
     * taken by one tl_cnn_infer at a time, others make their own */
    struct cnn_work **cache;
    int ncache;
    int cache_busy;
} tl_cnn;

/* Load and check a network file; folds batch norms and fuses ReLUs.
 * Errors name the file, the layer (id and PyTorch name) and the dataset. */
tl_cnn *tl_cnn_load(const char *path, tl_error *err);
/* The same, for a network stored in a group of the file ("/" = root). */
tl_cnn *tl_cnn_load_group(const char *path, const char *group, tl_error *err);
void tl_cnn_free(tl_cnn *net);
/* One-paragraph description: architecture, layers, classes, parameters. */
void tl_cnn_describe(const tl_cnn *net, char *buf, size_t n);

/* Scratch of one forward pass at a time: per-thread im2col buffers, and a
 * pool of tensor buffers reused from layer to layer and pass to pass (fresh
 * large mallocs are page-faulted in on every use, which cost as much as
 * the memory-bound layers themselves). */
typedef struct cnn_block {
    float *p;
    size_t cap;
    int used;
} cnn_block;
typedef struct cnn_work {
    int nslots;
    float **col;
    size_t *cap;
    int failed; /* an allocation failed: the forward pass reports out of memory */
    cnn_block *blocks;
    int nblocks, capblocks;
} cnn_work;
/* A tensor buffer of at least n floats from the pool (NULL: out of memory);
 * release gives it back. Not thread-safe: call outside parallel loops. */
float *cnn_work_alloc(cnn_work *w, size_t n);
void cnn_work_release(cnn_work *w, float *p);
cnn_work *cnn_work_new(tl_error *err);
void cnn_work_free(cnn_work *w);
/* Scratch of at least n floats for the calling thread (slot = OpenMP thread
 * number in the innermost team). NULL on out of memory. */
float *cnn_work_get(cnn_work *w, size_t n);

/* Forward pass of one already-normalised input (in_channels, h, w); h and w
 * must be multiples of net->divisor. *out is malloc'ed (n_classes, h, w).
 * Layers run OpenMP-parallel inside unless already in a parallel region.
 * Results do not depend on the thread count. */
int tl_cnn_forward(const tl_cnn *net, const float *input, int h, int w, float **out, int *oc,
                   int *oh, int *ow, cnn_work *work, tl_error *err);

/* Segment every slice of vol along axis (0 = z, 1 = y, 2 = x), tile by tile.
 * tile: tile edge in pixels (rounded up to a multiple of net->divisor);
 * overlap: context in pixels discarded at each interior tile edge. */
/* axis 0, 1, 2: every slice perpendicular to z, y or x is one grey image
 * (replicated into every input channel); TL_CNN_CHANNELS: the volume's nz
 * planes are the in_channels of one (y, x) image, and the outputs are maps. */
#define TL_CNN_CHANNELS 3
int tl_cnn_infer(const tl_cnn *net, const tl_volume *vol, int axis, int tile, int overlap,
                 tl_volume **labels, tl_volume **confidence, tl_error *err);

/* ---- kernels (cnn_layers.c, cnn_conv.c); tensors (c, h, w) ---- */
/* planes[ci]: input channel ci (h x w); contiguous: planes[ci] = planes[0] + ci*h*w.
 * ups (or NULL): channel ci is planes[ci] (h/s x w/s, s = ups[ci]) upsampled
 * by s, nearest (a virtual upsampling, see cnn_infer.c). ep (or NULL): with
 * ep->pool_out, also the 2x2 stride-2 max-pool of the output, (cout, oh/2,
 * ow/2), taken from each task's rows while they are in cache; returns 1 if
 * it did, 0 if not (the GEMM path, or tasks that split the output channels). */
/* What a conv does to its output besides bias and ReLU: the 2x2 max-pool
 * of it (pool_out, or NULL), or residual (or NULL, same shape as the
 * output) added before ReLU, the ReLU then being `relu` (the add's). */
typedef struct cnn_epilogue {
    float *pool_out;
    const float *residual;
    int relu;
} cnn_epilogue;

int cnn_conv2d(const cnn_layer *L, const float *const *planes, const int *ups, int contiguous, int h, int w,
               float *out, int oh, int ow, const cnn_epilogue *ep, cnn_work *work);
/* col: scratch of cout*kh*kw*h*w floats, unused (may be NULL) when L->wpack is set */
void cnn_convt2d(const cnn_layer *L, const float *in, int h, int w, float *out, int oh, int ow,
                 float *col, cnn_work *work);
void cnn_maxpool(const cnn_layer *L, const float *in, int c, int h, int w, float *out, int oh, int ow);
/* One output row of a 2x2 stride-2 max-pool from input rows r0, r1 (NaN propagated). */
void cnn_maxpool2x2_row(const float *r0, const float *r1, float *o, int ow);
void cnn_upsample(const cnn_layer *L, const float *in, int c, int h, int w, float *out, int oh, int ow);
void cnn_affine(const float *scale, const float *shift, int relu, float *x, int c, size_t hw);
void cnn_relu(float *x, size_t n);
void cnn_add(const float *a, const float *b, float *out, size_t n, int relu);
void cnn_softmax(float *x, int c, size_t hw);

/* Direct convolution (cnn_direct.c) for stride-1 convs and kernel = stride
 * = 2 transposed convs; cnn_direct_pack prepares L->wpack at load. */
int cnn_direct_ok(const cnn_layer *L);
int cnn_direct_pack(cnn_layer *L);
int cnn_conv_direct(const cnn_layer *L, const float *const *planes, const int *ups, int h, int w, float *out, int oh,
                    int ow, const cnn_epilogue *ep, cnn_work *work);
/* Conv L of the output of conv A (both direct, L stride 1), A's output never
 * materialised: each task of L computes the rows it reads of A into its pad
 * (planes: A's input, h x w). As cnn_conv2d otherwise. */
int cnn_conv_fused(const cnn_layer *A, const cnn_layer *L, const float *const *planes, const int *ups, int h, int w,
                   float *out, int oh, int ow, const cnn_epilogue *ep, cnn_work *work);
void cnn_convt_direct(const cnn_layer *L, const float *in, int h, int w, float *out, int oh, int ow, cnn_work *work);
/* Which instruction set the direct kernels use: the best one the CPU has
 * (CNN_ISA_AUTO, the default), or one forced by tests (-1 if the CPU
 * lacks it). Not thread-safe: set it before running anything. */
enum { CNN_ISA_AUTO = 0, CNN_ISA_SSE2, CNN_ISA_AVX2, CNN_ISA_AVX512 };
int cnn_direct_set_isa(int isa);

/* Output sizes as PyTorch computes them (floor division). */
int cnn_conv_out(int n, int k, int s, int p, int d);
int cnn_convt_out(int n, int k, int s, int p, int d, int op);

#endif
