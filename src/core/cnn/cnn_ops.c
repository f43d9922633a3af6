/* cnn_ops.c — registry table of the cnn module: tl.cnn.load and the
 * methods of a loaded network (net:infer). */
#include "../registry.h"
#include "cnn.h"

#include <stdio.h>
#include <string.h>

static void cnn_obj_free(void *data) { tl_cnn_free(data); }
static void cnn_obj_describe(const void *data, char *buf, size_t n) { tl_cnn_describe(data, buf, n); }

static int run_infer(const tl_value *args, tl_record *out, tl_error *err)
{
    const tl_cnn *net = args[0].u.obj->data;
    tl_volume *labels, *conf;
    if (tl_vol_check_finite(args[1].u.vol, "volume", err)) return tl_err_prefix(err, "cnn.infer: ");
    int axis = args[5].u.b ? TL_CNN_CHANNELS : tl_axis_arg(&args[2]);
    if (tl_cnn_infer(net, args[1].u.vol, axis, (int)args[3].u.i, (int)args[4].u.i, &labels, &conf, err)) return -1;
    {   /* class names as metadata, "0=Li,1=void,..." so saved label volumes explain themselves */
        char buf[1024];
        size_t k = 0;
        buf[0] = 0;
        for (int i = 0; net->class_names[i] && k < sizeof buf; i++)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%d=%s", i ? "," : "", i, net->class_names[i]);
        if (tl_vol_meta_set(labels, "classes", buf, err)) { tl_vol_unref(labels); tl_vol_unref(conf); return -1; }
    }
    if (tl_rec_volume(out, "labels", labels) || tl_rec_volume(out, "confidence", conf))
        return tl_err(err, "cnn.infer: out of memory");
    return 0;
}

extern const tl_class tl_class_cnn;

static const tl_arg infer_args[] = {
    {.name = "net", .type = TL_T_OBJECT, .flags = TL_POSITIONAL | TL_REQUIRED, .unit = "",
     .doc = "the network (from tl.cnn.load)", .cls = &tl_class_cnn},
    {.name = "volume", .type = TL_T_VOLUME, .flags = TL_POSITIONAL | TL_REQUIRED, .unit = "",
     .doc = "volume to segment (any dtype; normalised with the file's input_min/max, mean/std)"},
    {.name = "axis", .type = TL_T_CHOICE, .unit = "", .def_str = "z", .choices = "z y x",
     .doc = "slices are taken perpendicular to this axis (z: (y, x) slices)"},
    {.name = "tile", .type = TL_T_INT, .unit = "px", .def = 512, .min = 16, .max = 8192,
     .doc = "tile edge; rounded up to a multiple of the network's down-sampling (32 for ResNet34)"},
    {.name = "overlap", .type = TL_T_INT, .unit = "px", .def = 32, .min = 0, .max = 4000,
     .doc = "context discarded at each interior tile edge (tiles start every tile - 2*overlap)"},
    {.name = "channels", .type = TL_T_BOOL, .unit = "", .def = 0,
     .doc = "the volume's planes are the network's input channels of one (y, x) image (nz = in_channels; e.g. "
            "edge_profiles); labels and confidence are then (y, x) maps and axis is not used"},
    {0},
};

static const tl_ret infer_rets[] = {
    {.name = "labels", .type = TL_T_VOLUME, .unit = "class index",
     .doc = "u8 argmax class per voxel (0-based, in the order of the file's classes)"},
    {.name = "confidence", .type = TL_T_VOLUME, .unit = "probability", .doc = "f32 max softmax probability per voxel"},
    {0},
};

static const tl_op cnn_methods[] = {
    {.name = "cnn.infer", .group = "cnn", .summary = "segment a volume slice by slice with a loaded CNN",
     .doc = "Runs the network on every slice perpendicular to `axis`, tile by tile. Slices larger than `tile` are "
            "cut into tiles that start every tile - 2*overlap pixels; each pixel takes its class from the tile "
            "whose centre region holds it (regions meet half-way across each overlap), so every pixel keeps at "
            "least `overlap` pixels of context. An axis shorter than the tile is padded by replicating its last "
            "row/column up to a multiple of the network's down-sampling. Labels are the argmax of the logits "
            "(first class on ties, like torch.argmax); confidence is the largest softmax probability. OpenMP over "
            "tiles (or inside layers when there are fewer tiles than threads); results are identical for any "
            "thread count. See docs/cnn.md.",
     .args = infer_args, .rets = infer_rets,
     .example = "local seg = net:infer(vol, {axis = \"z\", tile = 512, overlap = 32})\n"
                "local pores = seg.labels:eq(0) -- class 0 = void/pore in the default model",
     .run = run_infer},
    {0},
};

const tl_class tl_class_cnn = {
    .name = "cnn", .free = cnn_obj_free, .describe = cnn_obj_describe, .methods = cnn_methods,
};

static int run_load(const tl_value *args, tl_record *out, tl_error *err)
{
    tl_cnn *net = tl_cnn_load_group(args[0].u.str, args[1].u.str, err);
    if (!net) return -1;
    tl_object *o = tl_object_new(&tl_class_cnn, net, err);
    if (!o) return -1;
    if (tl_rec_object(out, "net", o)) return tl_err(err, "cnn.load: out of memory");
    return 0;
}

static const tl_arg load_args[] = {
    {.name = "path", .type = TL_T_STRING, .flags = TL_POSITIONAL | TL_REQUIRED, .unit = "",
     .doc = "tomolith CNN file (HDF5, docs/cnn-format.md; tools/export_pytorch.py writes one)"},
    {.name = "group", .type = TL_T_STRING, .unit = "", .def_str = "/",
     .doc = "HDF5 group holding the network, for files with several (\"/\" = the file itself)"},
    {0},
};

static const tl_ret load_rets[] = {
    {.name = "net", .type = TL_T_OBJECT, .unit = "", .doc = "the network; methods: infer", .cls = &tl_class_cnn},
    {0},
};

const tl_op tl_ops_cnn[] = {
    {.name = "cnn.load", .group = "cnn", .summary = "load a convolutional network (U-Net, ResNet34 U-Net) from HDF5",
     .doc = "Reads the layer graph, weights, input normalisation and class names of a network file "
            "(docs/cnn-format.md), checks every weight's shape against the graph, folds batch norms into the "
            "preceding convolutions and fuses ReLUs. A missing weight, a wrong shape or an unknown layer type "
            "is an error naming the file, the layer and its PyTorch module name. tostring(net) describes the "
            "architecture, layer counts, parameter count and classes. Default model: "
            "datasets/models/ (see docs/cnn.md).",
     .args = load_args, .rets = load_rets,
     .example = "local net = tl.cnn.load(\"datasets/models/unet_cell.h5\")\nprint(net)\n"
                "local small = tl.cnn.load(\"tests/data/cnn_golden.h5\", {group = \"unet_transpose\"})",
     .run = run_load},
    {0},
};
