"""Benchmark: K sequential CNN runs vs one population of K CNNs, per engine, side by side.

`model.kind: cnn` with two conv blocks (8 and 16 channels, 3×3, batch norm, max-pool)
and a 32-unit hidden layer, on MNIST-shaped images (IDX files written by
`mnist_idx.py`, `--train` of the 60,000 used), batch 256, SGD lr 0.05 momentum 0.9.
Members differ in seed and learning rate, and each member equals its single run.

Engines (`--engines`, comma-separated): `stacked`, reglab's stacked CNN engine
(`reglab.population.stacked_cnn`: one convolution over K·C channels, grouped by member
after the first layer, channels-last feature maps; on a CPU in queued shards of at most
8 members, `reglab.population.shards.CONV_SHARD_MEMBERS`), and `vmap`, `torch.func`
(`functional_call` of one member's module under `vmap`).

Printed per model-epoch (training only, the runs' own `time/epoch`, first epoch
skipped): a single run (its cost does not depend on K, so `--sequential` runs are
timed), the population of K divided by K, and their ratio (goal at K = 64: ≥ 5×).

Usage: python benchmarks/cnn_population.py [--members 64] [--epochs 2] [--train 10000] [--sequential 2] [--engines stacked,vmap]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

import torch

import reglab
from arithmetic_limit import matmul_rate
from mnist_idx import write_mnist_idx
from reglab.population import train_population


def config(root: Path, seed: int, lr: float, epochs: int, train: int) -> reglab.Config:
    return reglab.load_config(
        overrides=[
            "data.dataset=mnist",
            f"data.root={root}",
            "data.val_size=0",
            f"data.train_size={train}",
            "data.batch_size=256",
            "data.eval_batch_size=256",  # K members' feature maps at once: keep evaluation batches small
            "model.kind=cnn",
            "model.channels=[8, 16]",
            "model.hidden=[32]",
            "model.norm=batch",
            f"optimizer.lr={lr}",
            "optimizer.momentum=0.9",
            f"epochs={epochs}",
            f"seed={seed}",
            "device=cpu",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train", type=int, default=10_000)
    parser.add_argument("--sequential", type=int, default=2)
    parser.add_argument("--engines", default="stacked", help="comma-separated: stacked, vmap")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f}, "
          f"matmul rate {matmul_rate() / 1e9:.1f} GFLOP/s")
    rates = (0.05, 0.02, 0.1, 0.03)
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data")
        store = Path(folder) / "store"
        singles = []
        for seed in range(args.sequential):
            run = reglab.train(config(root, seed, rates[seed % 4], args.epochs, args.train), store=store)
            singles.extend(row["time/epoch"] for row in run.history[1:] or run.history)
        configs = [config(root, seed, rates[seed % 4], args.epochs, args.train) for seed in range(args.members)]
        members = {}
        for engine in args.engines.split(","):
            runs = train_population(configs, store=store, data_order="shared", engine=engine)
            members[engine] = statistics.median(row["time/epoch"] for row in runs[0].history[1:] or runs[0].history)
    single = statistics.median(singles)
    print(f"{args.train} training images, batch 256")
    print(f"single run:               {single:.4f} s per model-epoch")
    for engine, member in members.items():
        print(f"population K={args.members:<4} {engine:<7} {member:.4f} s per model-epoch = {single / member:.1f}x faster than sequential (goal: >= 5x)")


if __name__ == "__main__":
    main()
