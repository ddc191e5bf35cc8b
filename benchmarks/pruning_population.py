"""Pruning in a population: what the stacked masks cost, side by side in one process.

seed 000's MLP (`model.preset=mlp_seed000`) on 60,000 MNIST-shaped images (IDX files
written by `mnist_idx.py`, no download), batch 256, SGD lr 0.1 momentum 0.9. Per
model-epoch (the runs' own `time/epoch`, training only, first epoch skipped):

- a plain population of K members;
- the same population with iterative global magnitude pruning at the end of every epoch
  (members with amounts 0.2 … 0.5): from epoch 2 on every step multiplies the gradients
  and weights by the masks; the rounds themselves (one batched ranking) run at epoch end,
  outside `time/epoch`, and are timed apart (wall time of a whole run minus its epochs);
- one single run with and without the same pruning, for the sequential ratio.

Usage: python benchmarks/pruning_population.py [--epochs 4] [--members 32]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

import reglab
from mnist_idx import write_mnist_idx
from reglab.population import train_population

PRUNING = ["pruning.method=magnitude", "pruning.schedule=iterative", "pruning.start_epoch=1", "pruning.every=1"]


def config(root: Path, seed: int, epochs: int, pruning: bool) -> reglab.Config:
    amount = (0.2, 0.3, 0.4, 0.5)[seed % 4]
    extra = PRUNING + [f"pruning.rounds={epochs}", f"pruning.amount={amount}"] if pruning else []
    return reglab.load_config(
        overrides=[
            "data.dataset=mnist", f"data.root={root}", "data.val_size=0", "data.batch_size=256",
            "data.eval_batch_size=2048", "model.preset=mlp_seed000", "optimizer.lr=0.1",
            "optimizer.momentum=0.9", f"epochs={epochs}", f"seed={seed}", "device=cpu", *extra,
        ]
    )


def epoch_times(history: list[dict[str, float]]) -> list[float]:
    return [row["time/epoch"] for row in history[1:] or history]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--members", type=int, default=32)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data")
        store = Path(folder) / "store"
        from reglab.data import load_data

        data = load_data(config(root, 0, 1, False).data, 0, "cpu")
        medians = {}
        for label, pruning in (("plain", False), ("pruned", True), ("plain again", False)):
            configs = [config(root, seed, args.epochs, pruning) for seed in range(args.members)]
            started = time.perf_counter()
            runs = train_population(configs, store=store, data=data)
            wall = time.perf_counter() - started
            times = epoch_times(runs[0].history)
            medians[label] = statistics.median(times)
            print(f"population K={args.members} {label:<12} {medians[label]:.4f} s per model-epoch (median), "
                  f"{wall:.1f} s wall; sparsity {runs[0].summary.get('sparsity', 0.0):.3f}")
        plain = min(medians["plain"], medians["plain again"])
        print(f"  pruned / plain population, per model-epoch: {medians['pruned'] / plain:.2f}x")
        singles = {}
        for label, pruning in (("plain", False), ("pruned", True)):
            run = reglab.train(config(root, 0, args.epochs, pruning), store=store)
            singles[label] = statistics.median(epoch_times(run.history))
            print(f"single run {label:<7} {singles[label]:.4f} s per epoch (median)")
        print(f"  pruned single run / pruned population member: {singles['pruned'] / medians['pruned']:.1f}x")


if __name__ == "__main__":
    main()
