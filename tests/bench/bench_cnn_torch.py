#!/usr/bin/python3
"""bench_cnn_torch.py — the PyTorch side of tests/bench/bench_cnn.lua.

Builds a network (seeded random weights), exports it with
tools/export_pytorch.py to OUT.h5 so tomolith runs the very same weights,
and times PyTorch's forward pass + softmax + argmax on one slice
(eval mode, no_grad, float32, torch.set_num_threads(THREADS)).
Prints one line: "torch <arch> <size> <threads> <best wall s> <gflop> <best CPU s>".

Usage: bench_cnn_torch.py ARCH SIZE THREADS OUT.h5   (ARCH: unet16 or resnet34-unet)
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from export_pytorch import ResNetUNet, UNet, export  # noqa: E402


def conv_flops(model, x):
    """2 * MACs of every Conv2d / ConvTranspose2d for input x."""
    total = [0]

    def hook(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1]
        if isinstance(m, torch.nn.ConvTranspose2d):
            total[0] += 2 * inp[0].numel() * m.out_channels * k
        else:
            total[0] += 2 * out.numel() * m.in_channels * k
    hs = [m.register_forward_hook(hook) for m in model.modules()
          if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    with torch.no_grad():
        model(x)
    for h in hs:
        h.remove()
    return total[0]


def main():
    arch, size, threads, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    torch.manual_seed(1)
    torch.set_num_threads(threads)
    if arch == "unet16":
        model, cin = UNet(1, 2, depth=4, width=16), 1
    else:
        model, cin = ResNetUNet(3, 2), 3
    model.eval()
    if not os.path.exists(out):  # same seed, same weights: export once per round trip
        export(model, out, ["a", "b"], arch, cin)
    x = torch.rand(1, cin, size, size)
    best, best_cpu = 1e9, 1e9
    with torch.no_grad():
        for _ in range(int(os.environ.get("REPS", "6"))):
            t, c = time.perf_counter(), time.process_time()
            p = torch.softmax(model(x), 1)
            conf, lab = p.max(1)
            best = min(best, time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - c)
    print("torch %s %d %d %.4f %.1f %.4f" % (arch, size, threads, best, conv_flops(model, x) / 1e9, best_cpu))


if __name__ == "__main__":
    main()
