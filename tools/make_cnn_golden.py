#!/usr/bin/python3
"""make_cnn_golden.py — generate tests/data/cnn_golden.h5 once: small networks
with random weights (seeded), an input and PyTorch's logits, so that
tests/core/check_cnn.c checks parity with PyTorch without needing Python.

Each network is a group holding a complete tomolith CNN file layout
(docs/cnn-format.md) plus two datasets:
  golden_input   (C, H, W) float32, already normalised (fed to the network as is)
  golden_logits  (K, H, W) float32, PyTorch's output (eval mode, float32)

Groups:
  unet_transpose  U-Net depth 3 width 4, transposed-conv up, 1 -> 3 classes
  unet_bilinear   U-Net depth 3 width 4, bilinear (align_corners=False) up
  resnet_unet     ResNet34 topology (blocks 3,4,6,3) with widths 4..32,
                  smp-style decoder, 3 input channels -> 4 classes
Batch-norm statistics are random (not the identity) so that folding is tested.
The input is 64 x 96 (not square) so that H/W mix-ups show.

Usage: /usr/bin/python3 tools/make_cnn_golden.py tests/data/cnn_golden.h5
"""
import os
import sys

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_pytorch import ResNetUNet, UNet, write_group  # noqa: E402

SEED = 20261121
H, W = 64, 96


def randomise_bn(model, gen):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.weight.data = 0.5 + torch.rand(n, generator=gen)
            m.bias.data = 0.2 * torch.randn(n, generator=gen)
            m.running_mean.data = 0.2 * torch.randn(n, generator=gen)
            m.running_var.data = 0.5 + torch.rand(n, generator=gen)
            m.eps = 1e-5


def add(f, name, model, in_channels, classes, gen, arch):
    randomise_bn(model, gen)
    model.eval()
    g = f.create_group(name)
    write_group(g, model, classes, arch, in_channels)
    x = torch.randn(1, in_channels, H, W, generator=gen)
    with torch.no_grad():
        y = model(x)
    g.create_dataset("golden_input", data=x[0].numpy().astype(np.float32))
    g.create_dataset("golden_logits", data=y[0].numpy().astype(np.float32))
    print("%s: %d parameters, logits %s, |max| %.3g" % (name, sum(p.numel() for p in model.parameters()),
                                                         tuple(y.shape[1:]), float(y.abs().max())))


def main(path):
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    torch.set_num_threads(1)
    with h5py.File(path, "w") as f:
        f.attrs["description"] = "tomolith CNN parity file, made by tools/make_cnn_golden.py (seed %d)" % SEED
        f.attrs["torch_version"] = str(torch.__version__)
        add(f, "unet_transpose", UNet(1, 3, depth=3, width=4, up="transpose"), 1, ["a", "b", "c"], gen,
            "unet depth 3 width 4 transpose")
        add(f, "unet_bilinear", UNet(1, 3, depth=3, width=4, up="bilinear"), 1, ["a", "b", "c"], gen,
            "unet depth 3 width 4 bilinear")
        add(f, "resnet_unet", ResNetUNet(3, 4, blocks=(3, 4, 6, 3), widths=(4, 8, 16, 32), decoder=(32, 16, 8, 8, 4)),
            3, ["a", "b", "c", "d"], gen, "resnet34-unet (small widths)")
    print("%s: %d bytes" % (path, os.path.getsize(path)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/cnn_golden.h5")
