#!/usr/bin/python3
"""train_contact.py — train the contact classifier on synthetic operando series.

Input: the folder written by tools/make_contact_training_data.lua: per scan
and interface, x_<seed>_<scan>_<electrode>.npy (the classifier input of
tl.operando.contact_input: channel 0 the Li footprint, then the smoothed and
the raw column profiles around the end of the Li run, scaled to void 0 and
Li 1) and y_<...>.npy (the true contact map of the phantom, seed 000's rule:
no void in the last 5 voxels of the electrode).

The network is tools/export_pytorch.py's UNet(in_channels, 2, depth 3,
width 16, transposed-conv up): a (y, x) map in, a contact / no-contact map
out, so it sees each column's z profile (channels) with its in-plane
neighbours — what the per-voxel threshold of seed 000 cannot: the recon's
point spread darkens a contacting column next to a deep void, and a void
thinner than a voxel at the interface shares its voxel with the interphase.
Loss: cross-entropy over the columns holding Li (outside the footprint the
answer is fixed: no contact). Augmentation: the 8 in-plane flips and
rotations, a grey gain of 0.95-1.05 and offset of +-0.03 on the profile
channels (level estimates move that much between scans). Adam, lr 2e-3 with
cosine decay, batch 16 crops of 96 x 96, everything seeded. The last
--holdout seeds are held out; their contact-area errors (percentage points
of the footprint, hard decisions as tomolith makes them) are printed and
written to OUT.eval.txt.

Usage:
  /usr/bin/python3 tools/train_contact.py --data build/contact_train \\
      --out datasets/models/contact_cell.h5 [--steps 1500] [--seed 1] [--threads 2]
"""
import argparse
import glob
import json
import os
import re
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_pytorch import UNet, export  # noqa: E402

CLASSES = ["no contact", "contact"]


def load(folder):
    """{seed: [(name, x (C, H, W) f32, y (H, W) i64), ...]}"""
    series = {}
    for xp in sorted(glob.glob(os.path.join(folder, "x_*.npy"))):
        name = os.path.basename(xp)[2:-4]
        m = re.match(r"(\d+)_", name)
        x = np.load(xp).astype(np.float32)
        y = np.load(os.path.join(folder, "y_" + name + ".npy")).astype(np.int64).reshape(x.shape[1:])
        series.setdefault(int(m.group(1)), []).append((name, x, y))
    if len(series) < 3:
        raise SystemExit("need at least 3 series in %s (run tools/make_contact_training_data.lua)" % folder)
    return series


def sample(maps, rng, crop, batch):
    xs, ys = [], []
    for _ in range(batch):
        _, x, y = maps[rng.integers(len(maps))]
        h, w = y.shape
        # crops that hold some of the cell
        for _ in range(20):
            r, c = rng.integers(0, h - crop + 1), rng.integers(0, w - crop + 1)
            if x[0, r:r + crop, c:c + crop].mean() > 0.3:
                break
        xc, yc = x[:, r:r + crop, c:c + crop].copy(), y[r:r + crop, c:c + crop].copy()
        k = rng.integers(4)
        xc, yc = np.rot90(xc, k, (1, 2)), np.rot90(yc, k, (0, 1))
        if rng.integers(2):
            xc, yc = xc[:, :, ::-1], yc[:, ::-1]
        xc = xc.copy()
        xc[1:] = xc[1:] * rng.uniform(0.95, 1.05) + rng.uniform(-0.03, 0.03)
        xs.append(xc)
        ys.append(np.where(xc[0] > 0.5, yc, -100))  # outside the footprint: ignored
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys).astype(np.int64))


def evaluate(model, maps):
    """Per map: contact-area error in pp of the footprint, and misclassified columns in %."""
    model.eval()
    out = []
    with torch.no_grad():
        for name, x, y in maps:
            h, w = y.shape
            ph, pw = (-h) % 4, (-w) % 4
            xt = F.pad(torch.from_numpy(x)[None], (0, pw, 0, ph), mode="replicate")
            pred = model(xt)[0].argmax(0).numpy()[:h, :w]
            inside = x[0] > 0.5
            pred = np.where(inside, pred, 0)
            n = inside.sum()
            out.append((name, 100.0 * (pred.sum() - (y * inside).sum()) / n, 100.0 * (pred != y)[inside].mean()))
    model.train()
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="build/contact_train")
    p.add_argument("--out", default="datasets/models/contact_cell.h5")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--crop", type=int, default=96)
    p.add_argument("--holdout", type=int, default=3, help="series (seeds) held out for evaluation")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(a.seed)
    series = load(a.data)
    seeds = sorted(series)
    train = [m for s in seeds[:-a.holdout] for m in series[s]]
    held = [m for s in seeds[-a.holdout:] for m in series[s]]
    cin = train[0][1].shape[0]
    model = UNet(cin, 2, depth=3, width=16, up="transpose")
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.steps)
    t0 = time.time()
    for step in range(1, a.steps + 1):
        x, y = sample(train, rng, a.crop, a.batch)
        loss = F.cross_entropy(model(x), y, ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == a.steps:
            ev = evaluate(model, held)
            worst = max(abs(e[1]) for e in ev)
            print("step %5d  loss %.4f  held-out contact error: worst %.2f pp, mean |%.2f| pp, misclassified %.2f %%  (%.0f s)"
                  % (step, loss.item(), worst, np.mean([abs(e[1]) for e in ev]), np.mean([e[2] for e in ev]),
                     time.time() - t0), flush=True)
    # ev: the last step's evaluation (the loop always evaluates at a.steps)
    with open(a.out + ".eval.txt", "w") as f:
        f.write("map,contact_error_pp,misclassified_pct\n")
        for name, err, mis in ev:
            f.write("%s,%.3f,%.3f\n" % (name, err, mis))
    model.eval()
    export(model, a.out, CLASSES, "unet depth 3 width 16 transpose", cin)
    import h5py
    with h5py.File(a.out, "a") as f:
        f.attrs["training"] = json.dumps({
            "tool": "tools/train_contact.py", "data": "tools/make_contact_training_data.lua", "steps": a.steps,
            "batch": a.batch, "crop": a.crop, "seed": a.seed, "train_series": seeds[:-a.holdout],
            "heldout_series": seeds[-a.holdout:], "input": "tl.operando.contact_input",
            "heldout_worst_contact_error_pp": max(abs(e[1]) for e in ev)})
    print("wrote %s (%.0f s)" % (a.out, time.time() - t0))


if __name__ == "__main__":
    main()
