"""Populations whose members each use dropout + augmentation + pruning + EMA + early stopping,
per member, vs a plain population, side by side in one process (goal: ≤ 2×).

K members of seed 000's MLP (784-16-32-24-10) on MNIST-shaped images (IDX files written by
`mnist_idx.py`, no download), batch 256, SGD lr 0.1 momentum 0.9, members differing in seed
and in every strength:

- plain: nothing else;
- heavy: dropout p_k, affine augmentation (±10° rotation, ±2 px shifts) and Gaussian input
  noise σ_k drawn per member from its own stream, iterative magnitude pruning (20 or 30 % of
  the remaining weights after epochs 1 and 2; the EMA is pruned with the weights), an EMA
  of the weights (decay per member, its averages evaluated every epoch and kept as the final
  weights) and early stopping on `val/loss` (patience 5; without restore_best, which reglab
  refuses next to an EMA: both would choose the final weights);
- heavy with affine augmentation only: the same less the Gaussian noise (the usual MNIST
  augmentation: small rotations and shifts);
- heavy without augmentation: the same less both augmentations, to show their share.

The populations train through `reglab.train_population` into a temporary store, end to end
(data loading, stacking, training, evaluation, early-stopping bookkeeping, checkpoints and
the store's writes), alternating the four kinds twice so that load hits them alike; the
figure is the wall time per member-epoch, the faster of the two rounds of each kind.

Usage: python benchmarks/heavy_population.py [--members 64] [--train 12000] [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch

import reglab
from mnist_idx import write_mnist_idx


def member_config(root: Path, seed: int, epochs: int, kind: str) -> reglab.Config:
    overrides = [
        "data.dataset=mnist", f"data.root={root}", "data.val_size=1000", "data.batch_size=256",
        "data.eval_batch_size=2048", "model.preset=mlp_seed000", "optimizer.lr=0.1",
        "optimizer.momentum=0.9", f"epochs={epochs}", f"seed={seed}", "device=cpu",
    ]
    if kind != "plain":  # every heavy kind
        overrides += [
            f"model.dropout={(0.1, 0.2, 0.3)[seed % 3]}",
            "augment.affine_degrees=10", "augment.affine_translate=0.07",
            f"augment.noise_std={(0.05, 0.1)[seed % 2]}",
            "early_stopping.criterion=patience", "early_stopping.patience=5",
            "early_stopping.monitor=val/loss",
            "pruning.method=magnitude", "pruning.schedule=iterative", "pruning.start_epoch=1",
            "pruning.every=1", "pruning.rounds=2", f"pruning.amount={(0.2, 0.3)[seed % 2]}",
            f"regularization.ema_decay={(0.99, 0.999, 0.9)[seed % 3]}",
        ]
    if kind == "heavy_no_augment":
        overrides = [item for item in overrides if not item.startswith("augment.")]
    if kind == "heavy_affine":
        overrides = [item for item in overrides if not item.startswith("augment.noise")]
    return reglab.load_config(overrides=overrides)


def seconds_per_member_epoch(root: Path, store: Path, members: int, epochs: int, kind: str) -> float:
    configs = [member_config(root, seed, epochs, kind) for seed in range(members)]
    started = time.perf_counter()
    runs = reglab.train_population(configs, store=store)
    elapsed = time.perf_counter() - started
    return elapsed / sum(len(run.history) for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=64)
    parser.add_argument("--train", type=int, default=12000, help="training images")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "data"
        write_mnist_idx(root, train=args.train, test=2000)
        best = dict.fromkeys(("plain", "heavy", "heavy_affine", "heavy_no_augment"), float("inf"))
        for _ in range(2):
            for kind in best:
                seconds = seconds_per_member_epoch(root, Path(folder) / kind, args.members, args.epochs, kind)
                best[kind] = min(best[kind], seconds)
    print(f"K = {args.members} members, {args.train} images, {args.epochs} epochs, "
          f"torch threads {torch.get_num_threads()}, load average {load:.2f}")
    print(f"plain:             {best['plain']:.4f} s per member-epoch")
    for kind in ("heavy", "heavy_affine", "heavy_no_augment"):
        print(f"{kind + ':':<17} {best[kind]:.4f} s per member-epoch = {best[kind] / best['plain']:.2f}x plain (goal: <= 2x)")


if __name__ == "__main__":
    main()
