#!/usr/bin/python3
"""train_unet.py — train the default segmentation model on synthetic cells.

Input: the folder written by tools/make_cnn_training_data.lua: Gridrec
reconstructions (1/cm) of simulated scans of phantom cells and their
ground-truth labels. Each training sample is a 2-D slice (along z, y or x)
of a reconstruction, augmented with a grey-level gain of 0.9-1.1, an
offset of +-0.3 /cm and extra Gaussian noise of sigma 0-0.3 /cm. (Without
reconstructions in the folder, the true attenuation is degraded instead:
Gaussian blur sigma 0.5-1.2 px and noise sigma 0.3-0.9 /cm.) Labels are
merged to the model's classes:

  0 void/pore    interfacial void (1) and pellet pore (5)
  1 Li           Li metal (2) and the bright impurities inside it (7)
  2 interphase   (3)
  3 electrolyte  (4)
  4 steel        (6)
  5 outside      background outside the cell (0)

The model is tools/export_pytorch.py's UNet(1, 6, depth 3, width 16,
transposed-conv up), trained with Adam (lr 2e-3, cosine decay over
--max-steps, default 330: about 13 minutes on 2 shared cores) on
cross-entropy weighted by inverse class frequency^0.75, batch 8, 80x80
crops (slices along z drawn with probability 0.3, along y and x 0.35
each), everything seeded. The last two cells
are held out: their per-class IoU (and void IoU of Otsu thresholding within
the electrodes, the baseline of seed 002) is printed and written to
OUT.iou.txt, and their degraded volumes are saved (OUT_dir/heldout_NN_*.h5)
so that tomolith's own inference can be scored on them
(tools/eval_cnn.lua).

Usage:
  /usr/bin/python3 tools/train_unet.py --data build/cnn_train \
      --out datasets/models/unet_cell.h5 [--max-steps 330] [--seed 1] [--threads 2]
"""
import argparse
import glob
import os
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_pytorch import UNet, export  # noqa: E402

CLASSES = ["void/pore", "Li", "interphase", "electrolyte", "steel", "outside"]
# phantom label -> class
MERGE = np.array([5, 0, 1, 2, 3, 0, 4, 1], dtype=np.int64)
MU_MAX = 10.0  # 1/cm: input_max (steel at 60/cm saturates nothing, it is just > 1)


def load(folder):
    """(input, classes) per cell: the reconstruction when the folder has one
    (cell_NN_recon.h5), else the true attenuation (degraded at sampling)."""
    cells = []
    for mu_path in sorted(glob.glob(os.path.join(folder, "cell_*_mu.h5"))):
        lab_path = mu_path.replace("_mu.h5", "_labels.h5")
        rec_path = mu_path.replace("_mu.h5", "_recon.h5")
        with h5py.File(rec_path if os.path.exists(rec_path) else mu_path, "r") as f:
            mu = f["/volume"][...].astype(np.float32)
        with h5py.File(lab_path, "r") as f:
            lab = MERGE[f["/volume"][...].astype(np.int64)]
        cells.append((mu, lab))
    if len(cells) < 3:
        raise SystemExit("need at least 3 cells in %s (run tools/make_cnn_training_data.lua)" % folder)
    return cells


def blur(x, sigma):
    """Separable Gaussian blur of a (..., H, W) tensor."""
    r = max(1, int(3 * sigma + 0.5))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = (k / k.sum()).view(1, 1, 1, -1)
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k)
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), k.transpose(2, 3))


def degrade(mu, gen, recon=False):
    """Reconstruction-like degradation of a (N, 1, H, W) attenuation tensor;
    for real reconstructions only a mild augmentation (no blur, less noise)."""
    n = mu.shape[0]
    out = torch.empty_like(mu)
    for i in range(n):
        s = 0.5 + 0.7 * torch.rand(1, generator=gen).item()
        noise = 0.3 + 0.6 * torch.rand(1, generator=gen).item()
        if recon:
            s, noise = 0.0, 0.3 * torch.rand(1, generator=gen).item()
        gain = 0.9 + 0.2 * torch.rand(1, generator=gen).item()
        off = 0.6 * (torch.rand(1, generator=gen).item() - 0.5)
        x = (blur(mu[i:i + 1], s) if s > 0 else mu[i:i + 1]) * gain + off
        out[i:i + 1] = x + noise * torch.randn(x.shape, generator=gen)
    return out


def sample(cells, n, size, gen):
    xs, ys = [], []
    for _ in range(n):
        mu, lab = cells[int(torch.randint(len(cells), (1,), generator=gen))]
        # z-slices are mostly one phase; (z, x) and (z, y) slices show the
        # whole stack, so they are drawn more often
        u = torch.rand(1, generator=gen).item()
        axis = 0 if u < 0.3 else 1 if u < 0.65 else 2
        m, l = np.moveaxis(mu, axis, 0), np.moveaxis(lab, axis, 0)
        k = int(torch.randint(m.shape[0], (1,), generator=gen))
        m, l = m[k], l[k]
        y0 = int(torch.randint(m.shape[0] - size + 1, (1,), generator=gen))
        x0 = int(torch.randint(m.shape[1] - size + 1, (1,), generator=gen))
        m, l = m[y0:y0 + size, x0:x0 + size], l[y0:y0 + size, x0:x0 + size]
        if torch.rand(1, generator=gen).item() < 0.5:
            m, l = m[:, ::-1], l[:, ::-1]
        xs.append(np.ascontiguousarray(m))
        ys.append(np.ascontiguousarray(l))
    return torch.from_numpy(np.stack(xs))[:, None], torch.from_numpy(np.stack(ys))


def iou(pred, truth, k):
    a, b = pred == k, truth == k
    u = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / u) if u else float("nan")


def otsu(values):
    """Otsu's threshold of a 1-D array (256 bins)."""
    h, edges = np.histogram(values, bins=256)
    c = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(h)
    w1 = w0[-1] - w0
    m0 = np.cumsum(h * c)
    mt = m0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mt * w0 / w0[-1] - m0) ** 2 / (w0 * w1)
    return c[np.nanargmax(between)]


def predict(model, x):
    """argmax over classes, padding H and W to a multiple of 4 by replication
    like tomolith's inference does."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % 4, (-w) % 4
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    return model(x)[..., :h, :w].argmax(1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="build/cnn_train")
    p.add_argument("--out", default="datasets/models/unet_cell.h5")
    p.add_argument("--minutes", type=float, default=15.0, help="safety cap on training time (wall clock)")
    p.add_argument("--max-steps", type=int, default=330, help="training steps (cosine learning-rate schedule)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    gen = torch.Generator().manual_seed(a.seed)
    cells = load(a.data)
    recon = os.path.exists(os.path.join(a.data, "cell_01_recon.h5"))
    print("training on %s" % ("reconstructions (tl.reconstruct of tl.project)" if recon else
                               "true attenuation, degraded"), flush=True)
    train, held = cells[:-2], cells[-2:]
    model = UNet(1, len(CLASSES), depth=3, width=16, up="transpose")
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    # class weights: rare classes (interphase, void) count more
    counts = np.bincount(np.concatenate([c[1].ravel() for c in train]), minlength=len(CLASSES)).astype(np.float64)
    weight = torch.tensor((counts.sum() / np.maximum(counts, 1)) ** 0.75, dtype=torch.float32)
    weight = weight / weight.mean()
    crop = min(80, min(min(c[0].shape) for c in train)) // 8 * 8
    t0, step, losses = time.time(), 0, []
    budget = a.minutes * 60
    model.train()
    # the schedule depends on the step only, so a run is reproducible;
    # --minutes is a safety cap that stops early (and says so)
    while step < a.max_steps and time.time() - t0 < budget:
        lr = 2e-3 * 0.5 * (1 + np.cos(np.pi * step / a.max_steps))
        for g in opt.param_groups:
            g["lr"] = lr
        mu, lab = sample(train, 8, crop, gen)
        x = degrade(mu, gen, recon) / MU_MAX
        loss = F.cross_entropy(model(x), lab, weight=weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        step += 1
        if step % 100 == 0:
            print("step %d  %.0f s  loss %.4f  lr %.2e" % (step, time.time() - t0, np.mean(losses[-100:]), lr),
                  flush=True)
    if step < a.max_steps:
        print("WARNING: stopped by the %.0f-minute cap after %d of %d steps" % (a.minutes, step, a.max_steps))
    model.eval()
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    export(model, a.out, CLASSES, "unet depth 3 width 16 transpose (tools/train_unet.py, seed %d, %d steps)"
           % (a.seed, step), 1, input_min=0.0, input_max=MU_MAX)
    with h5py.File(a.out, "a") as f:
        f.attrs["training"] = ("tools/train_unet.py: %d synthetic cells from tools/make_cnn_training_data.lua, "
                               "%d steps of batch 8 (%dx%d slices along z/y/x), seed %d, torch %s, %.0f s"
                               % (len(train), step, crop, crop, a.seed, torch.__version__, time.time() - t0))
    # held-out scores, slice by slice along z
    lines = ["held-out per-class IoU (PyTorch, slices along z):"]
    hold_dir = os.path.join(a.data, "heldout")
    os.makedirs(hold_dir, exist_ok=True)
    egen = torch.Generator().manual_seed(a.seed + 1000)
    allp, allt, otsu_void = [], [], []
    for i, (mu, lab) in enumerate(held):
        x = torch.from_numpy(mu)[:, None] if recon else degrade(torch.from_numpy(mu)[:, None], egen)
        with torch.no_grad():
            pred = torch.cat([predict(model, x[j:j + 8] / MU_MAX) for j in range(0, x.shape[0], 8)]).numpy()
        with h5py.File(os.path.join(hold_dir, "heldout_%02d_recon.h5" % i), "w") as f:
            f["/volume"] = x[:, 0].numpy()
        with h5py.File(os.path.join(hold_dir, "heldout_%02d_classes.h5" % i), "w") as f:
            f["/volume"] = lab.astype(np.uint8)
        allp.append(pred)
        allt.append(lab)
        # Otsu within truth void/pore or Li voxels, seed 002's baseline
        region = (lab == 0) | (lab == 1)
        v = x[:, 0].numpy()[region]
        thr = otsu(v)
        otsu_pred = np.where(region, np.where(x[:, 0].numpy() < thr, 0, 1), 5)
        otsu_void.append((otsu_pred, lab, pred, region))
    P, Tt = np.concatenate([p.ravel() for p in allp]), np.concatenate([t.ravel() for t in allt])
    for k, name in enumerate(CLASSES):
        lines.append("  %-12s %.3f" % (name, iou(P, Tt, k)))
    op = np.concatenate([o[0][o[3]] for o in otsu_void])
    ot = np.concatenate([o[1][o[3]] for o in otsu_void])
    cp = np.concatenate([o[2][o[3]] for o in otsu_void])
    lines.append("void/pore IoU within truth void/pore or Li voxels (merged classes, so pellet pores count): "
                 "CNN %.3f, Otsu %.3f (tools/eval_cnn.lua gives the electrode-only figure)"
                 % (iou(cp, ot, 0), iou(op, ot, 0)))
    text = "\n".join(lines)
    print(text)
    with open(a.out + ".iou.txt", "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
