#!/usr/bin/python3
"""export_pytorch.py — write a PyTorch segmentation network as a tomolith CNN
file (HDF5, docs/cnn-format.md), and the architectures tomolith supports.

Optional tool: building and testing tomolith never need Python. Run it with
Debian's /usr/bin/python3 (python3-torch, python3-h5py).

The graph is read with torch.fx, so any model built from Conv2d,
BatchNorm2d, ReLU, MaxPool2d, Upsample / F.interpolate (nearest, bilinear),
ConvTranspose2d, torch.cat along channels, residual +, and softmax over
channels exports. Two architectures are defined here:

  UNet(in_channels, n_classes, depth, width, up)   plain U-Net, any depth/width
  ResNetUNet(in_channels, n_classes, ...)          ResNet34 encoder + U-Net decoder

ResNetUNet's encoder reproduces torchvision's resnet34 module names and
structure (conv1, bn1, relu, maxpool, layer1..layer4 of BasicBlocks with
conv1/bn1/conv2/bn2/downsample), so `model.encoder.load_state_dict(
torchvision.models.resnet34(weights=...).state_dict(), strict=False)` loads
ImageNet weights when torchvision is installed (Debian: python3-torchvision;
it is not needed here). The decoder follows segmentation_models_pytorch's
Unet (nearest x2, concat skip, two conv3x3-BN-ReLU; channels 256..16; 3x3
head), so a trained smp.Unet("resnet34") maps onto it by renaming keys.

Usage:
  /usr/bin/python3 tools/export_pytorch.py --arch unet --depth 4 --width 16 \
      --classes Li,void --weights model.pt out.h5
"""
import argparse
import operator
import sys

import h5py
import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

FORMAT_NAME = "tomolith-cnn"
FORMAT_VERSION = 1


# ---------------------------------------------------------------- models

def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(conv_bn_relu(cin, cout), conv_bn_relu(cout, cout))


class UNet(nn.Module):
    """Plain U-Net: `depth` levels of widths width * 2**i, max-pool down,
    transposed-conv (up="transpose") or bilinear + 1x1 conv (up="bilinear")
    up, skip concatenation, 1x1 head."""

    def __init__(self, in_channels=1, n_classes=2, depth=4, width=16, up="transpose"):
        super().__init__()
        w = [width * 2 ** i for i in range(depth)]
        self.down = nn.ModuleList([DoubleConv(in_channels if i == 0 else w[i - 1], w[i]) for i in range(depth)])
        self.pool = nn.MaxPool2d(2)
        ups = []
        for i in reversed(range(depth - 1)):
            if up == "transpose":
                ups.append(nn.ConvTranspose2d(w[i + 1], w[i], 2, stride=2))
            elif up == "bilinear":
                ups.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                         nn.Conv2d(w[i + 1], w[i], 1)))
            else:
                raise ValueError("up must be transpose or bilinear")
        self.up = nn.ModuleList(ups)
        self.dec = nn.ModuleList([DoubleConv(2 * w[i], w[i]) for i in reversed(range(depth - 1))])
        self.head = nn.Conv2d(width, n_classes, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = self.pool(x)
        for up, dec in zip(self.up, self.dec):
            x = up(x)
            x = dec(torch.cat([skips.pop(), x], 1))
        return self.head(x)


class BasicBlock(nn.Module):
    """torchvision.models.resnet.BasicBlock, same names."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNetEncoder(nn.Module):
    """torchvision resnet34 without avgpool/fc (blocks (3, 4, 6, 3), widths
    64..512); smaller blocks/widths for tests."""

    def __init__(self, in_channels=3, blocks=(3, 4, 6, 3), widths=(64, 128, 256, 512)):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, widths[0], 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        cin = widths[0]
        for i, (n, w) in enumerate(zip(blocks, widths)):
            layer = [BasicBlock(cin if j == 0 else w, w, stride=(1 if i == 0 or j > 0 else 2)) for j in range(n)]
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*layer))
            cin = w
        self.widths = widths

    def forward(self, x):
        f0 = self.relu(self.bn1(self.conv1(x)))
        f1 = self.layer1(self.maxpool(f0))
        f2 = self.layer2(f1)
        f3 = self.layer3(f2)
        f4 = self.layer4(f3)
        return f0, f1, f2, f3, f4


class DecoderBlock(nn.Module):
    def __init__(self, cin, cskip, cout):
        super().__init__()
        self.conv1 = conv_bn_relu(cin + cskip, cout)
        self.conv2 = conv_bn_relu(cout, cout)

    def forward(self, x, skip=None):
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        if skip is not None:
            x = torch.cat([x, skip], 1)
        return self.conv2(self.conv1(x))


class ResNetUNet(nn.Module):
    """U-Net with a ResNet34 encoder (segmentation_models_pytorch layout)."""

    def __init__(self, in_channels=3, n_classes=2, blocks=(3, 4, 6, 3), widths=(64, 128, 256, 512),
                 decoder=(256, 128, 64, 32, 16)):
        super().__init__()
        self.encoder = ResNetEncoder(in_channels, blocks, widths)
        skips = [widths[2], widths[1], widths[0], widths[0], 0]
        ins = [widths[3]] + list(decoder[:-1])
        self.decoder = nn.ModuleList([DecoderBlock(i, s, o) for i, s, o in zip(ins, skips, decoder)])
        self.head = nn.Conv2d(decoder[-1], n_classes, 3, padding=1)

    def forward(self, x):
        f0, f1, f2, f3, f4 = self.encoder(x)
        x = f4
        for block, skip in zip(self.decoder, [f3, f2, f1, f0, None]):
            x = block(x, skip)
        return self.head(x)


def build(arch, in_channels, n_classes, depth=4, width=16, up="transpose"):
    if arch == "unet":
        return UNet(in_channels, n_classes, depth, width, up)
    if arch == "resnet34-unet":
        return ResNetUNet(in_channels, n_classes)
    raise ValueError("unknown architecture %r" % arch)


# ---------------------------------------------------------------- export

def _pair(v):
    return [int(v), int(v)] if isinstance(v, int) else [int(v[0]), int(v[1])]


def _conv_parts(m, **extra):
    """Attributes and weights of a Conv2d or ConvTranspose2d; `extra`
    attributes go before out_channels."""
    attrs = {"kernel": _pair(m.kernel_size), "stride": _pair(m.stride), "padding": _pair(m.padding),
             "dilation": _pair(m.dilation), **extra, "out_channels": m.out_channels}
    data = {"weight": m.weight}
    if m.bias is not None:
        data["bias"] = m.bias
    return attrs, data


def _layers(model):
    """The model's graph as a list of (type, name, inputs, attrs, datasets)."""
    gm = torch.fx.symbolic_trace(model)
    mods = dict(gm.named_modules())
    index, layers, output = {}, [], None

    def src(n):
        if not isinstance(n, torch.fx.Node) or n not in index:
            raise ValueError("unsupported graph input %r" % (n,))
        return index[n]

    def add(node, typ, inputs, attrs=None, data=None):
        layers.append((typ, str(node.target) if node.op == "call_module" else node.name,
                       [src(i) for i in inputs], attrs or {}, data or {}))
        index[node] = len(layers) - 1

    for node in gm.graph.nodes:
        if node.op == "placeholder":
            if index:
                raise ValueError("only single-input networks are supported")
            index[node] = -1
        elif node.op == "output":
            output = src(node.args[0])
        elif node.op == "call_module":
            m = mods[node.target]
            x = node.args[0]
            if isinstance(m, nn.Conv2d):
                if m.groups != 1 or m.padding_mode != "zeros" or isinstance(m.padding, str):
                    raise ValueError("%s: only groups=1, zero padding given as numbers" % node.target)
                add(node, "conv2d", [x], *_conv_parts(m))
            elif isinstance(m, nn.ConvTranspose2d):
                if m.groups != 1:
                    raise ValueError("%s: only groups=1" % node.target)
                add(node, "convtranspose2d", [x], *_conv_parts(m, output_padding=_pair(m.output_padding)))
            elif isinstance(m, nn.BatchNorm2d):
                add(node, "batchnorm", [x], {"eps": float(m.eps)},
                    {"weight": m.weight, "bias": m.bias, "running_mean": m.running_mean, "running_var": m.running_var})
            elif isinstance(m, nn.ReLU):
                add(node, "relu", [x])
            elif isinstance(m, nn.MaxPool2d):
                if m.ceil_mode:
                    raise ValueError("%s: ceil_mode is not supported" % node.target)
                add(node, "maxpool", [x], {"kernel": _pair(m.kernel_size), "stride": _pair(m.stride or m.kernel_size),
                                           "padding": _pair(m.padding), "dilation": _pair(m.dilation)})
            elif isinstance(m, nn.Upsample):
                add(node, "upsample", [x], _upsample_attrs(node.target, m.scale_factor, m.size, m.mode, m.align_corners))
            elif isinstance(m, (nn.Softmax,)):
                if m.dim not in (1, -3):
                    raise ValueError("%s: softmax must be over channels (dim=1)" % node.target)
                add(node, "softmax", [x])
            elif isinstance(m, (nn.Identity, nn.Dropout, nn.Dropout2d)):
                index[node] = src(x)  # no-ops at inference
            else:
                raise ValueError("%s: module %s is not supported" % (node.target, type(m).__name__))
        elif node.op == "call_function":
            f, a, k = node.target, node.args, node.kwargs
            if f is torch.cat:
                dim = k.get("dim", a[1] if len(a) > 1 else 0)
                if dim not in (1, -3):
                    raise ValueError("%s: torch.cat must be along channels (dim=1)" % node.name)
                add(node, "concat", list(a[0]))
            elif f in (operator.add, torch.add):
                add(node, "add", [a[0], a[1]])
            elif f in (F.relu, torch.relu):
                add(node, "relu", [a[0]])
            elif f is F.interpolate:
                add(node, "upsample", [a[0]], _upsample_attrs(node.name, k.get("scale_factor"), k.get("size"),
                                                               k.get("mode", "nearest"), k.get("align_corners")))
            elif f in (torch.softmax, F.softmax):
                if k.get("dim", a[1] if len(a) > 1 else None) not in (1, -3):
                    raise ValueError("%s: softmax must be over channels (dim=1)" % node.name)
                add(node, "softmax", [a[0]])
            else:
                raise ValueError("%s: function %s is not supported" % (node.name, getattr(f, "__name__", f)))
        else:
            raise ValueError("%s: graph operation %s is not supported" % (node.name, node.op))
    return layers, output


def _upsample_attrs(name, scale, size, mode, align):
    if size is not None or scale is None:
        raise ValueError("%s: upsampling must use an integer scale_factor, not size" % name)
    if isinstance(scale, (tuple, list)):
        if scale[0] != scale[1]:
            raise ValueError("%s: anisotropic upsampling is not supported" % name)
        scale = scale[0]
    if float(scale) != int(scale):
        raise ValueError("%s: scale_factor %r is not an integer" % (name, scale))
    if mode not in ("nearest", "bilinear"):
        raise ValueError("%s: upsampling mode %r is not supported" % (name, mode))
    return {"mode": mode, "scale": int(scale), "align_corners": int(bool(align))}


def write_group(g, model, classes, architecture, in_channels, input_min=0.0, input_max=1.0, mean=None, std=None):
    """Write the network into an open h5py group (the file root or a subgroup)."""
    model = model.eval()
    layers, output = _layers(model)
    g.attrs["format"] = FORMAT_NAME
    g.attrs["format_version"] = np.int32(FORMAT_VERSION)
    g.attrs["architecture"] = architecture
    g.attrs["in_channels"] = np.int32(in_channels)
    g.attrs["classes"] = "\n".join(classes)
    g.attrs["input_min"] = float(input_min)
    g.attrs["input_max"] = float(input_max)
    g.attrs["input_mean"] = np.asarray(mean if mean is not None else [0.0] * in_channels, dtype=np.float64)
    g.attrs["input_std"] = np.asarray(std if std is not None else [1.0] * in_channels, dtype=np.float64)
    g.attrs["output"] = np.int32(output)
    lg = g.create_group("layers")
    for i, (typ, name, inputs, attrs, data) in enumerate(layers):
        lgi = lg.create_group("%04d" % i)
        lgi.attrs["type"] = typ
        lgi.attrs["name"] = name
        lgi.attrs["inputs"] = np.asarray(inputs, dtype=np.int32)
        for k, v in attrs.items():
            if isinstance(v, str):
                lgi.attrs[k] = v
            else:
                lgi.attrs[k] = np.asarray(v, dtype=np.float64 if isinstance(v, float) else np.int32)
        for k, v in data.items():
            lgi.create_dataset(k, data=v.detach().cpu().numpy().astype(np.float32))
    return len(layers)


def export(model, path, classes, architecture, in_channels, **kw):
    with h5py.File(path, "w") as f:
        return write_group(f, model, classes, architecture, in_channels, **kw)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", help="output .h5")
    p.add_argument("--arch", default="unet", choices=["unet", "resnet34-unet"])
    p.add_argument("--in-channels", type=int, default=1)
    p.add_argument("--classes", required=True, help="comma-separated class names, in output channel order")
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--up", default="transpose", choices=["transpose", "bilinear"])
    p.add_argument("--weights", help="state_dict (.pt) to load; random weights if absent")
    p.add_argument("--input-min", type=float, default=0.0)
    p.add_argument("--input-max", type=float, default=1.0)
    p.add_argument("--mean", help="comma-separated per-channel mean after min/max scaling")
    p.add_argument("--std", help="comma-separated per-channel std after min/max scaling")
    p.add_argument("--seed", type=int, default=0, help="seed for random weights")
    a = p.parse_args(argv)
    torch.manual_seed(a.seed)
    classes = a.classes.split(",")
    model = build(a.arch, a.in_channels, len(classes), a.depth, a.width, a.up)
    if a.weights:
        model.load_state_dict(torch.load(a.weights, map_location="cpu"))
    arch = a.arch if a.arch != "unet" else "unet depth %d width %d %s" % (a.depth, a.width, a.up)
    mean = [float(x) for x in a.mean.split(",")] if a.mean else None
    std = [float(x) for x in a.std.split(",")] if a.std else None
    n = export(model, a.out, classes, arch, a.in_channels, input_min=a.input_min, input_max=a.input_max,
               mean=mean, std=std)
    print("wrote %s: %d layers, %d parameters" % (a.out, n, sum(t.numel() for t in model.state_dict().values()
                                                                  if t.dtype.is_floating_point)))


if __name__ == "__main__":
    sys.exit(main())
