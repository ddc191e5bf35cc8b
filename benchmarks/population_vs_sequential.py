"""Benchmark (b): K sequential reglab runs vs one population of K, side by side in one process.

The model is seed 000's MLP (784-16-32-24-10, `model.preset=mlp_seed000`) on 60,000
MNIST-shaped images (IDX files written by `mnist_idx.py`, no download), batch 256,
SGD lr 0.1 momentum 0.9, default settings (trajectory recorder on). Members differ in
seed and learning rate.

Reported per model-epoch (training only, the runs' own `time/epoch`; evaluation and
store writes are excluded, as in benchmark (a)):
- sequential: the median epoch of `--sequential` single runs (`reglab.train`), one after
  another; a single run's cost does not depend on K, so it is measured once;
- population: the median epoch of `train_population` with K members, divided by K;
- the population in one piece vs split into concurrent shards (the default on a CPU
  from 32 members on, `reglab.population.shards`), at each K where it shards;
- the stacked-matmul engine vs the `torch.func.vmap` engine at K = 32 (both in one piece).

Usage: python benchmarks/population_vs_sequential.py [--epochs 3] [--sizes 8,32,64,128] [--sequential 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Sequence

import torch

import reglab
from mnist_idx import write_mnist_idx
from reglab.population import train_population
from reglab.population.shards import shard_count


def config(root: Path, seed: int, lr: float, epochs: int, extra: Sequence[str] = ()) -> reglab.Config:
    """Seed 000's MLP on the IDX images in `root` (SGD, momentum 0.9, batch 256); `extra`
    overrides follow (other benchmarks add their technique's keys)."""
    return reglab.load_config(
        overrides=[
            "data.dataset=mnist",
            f"data.root={root}",
            "data.val_size=0",
            "data.batch_size=256",
            "data.eval_batch_size=2048",
            "model.preset=mlp_seed000",
            f"optimizer.lr={lr}",
            "optimizer.momentum=0.9",
            f"epochs={epochs}",
            f"seed={seed}",
            "device=cpu",
            *extra,
        ]
    )


def member_configs(root: Path, count: int, epochs: int) -> list[reglab.Config]:
    rates = (0.1, 0.05, 0.02, 0.2)
    return [config(root, seed, rates[seed % len(rates)], epochs) for seed in range(count)]


def sequential_epochs(root: Path, store: Path, runs: int, epochs: int) -> list[float]:
    """Training seconds of the epochs of `runs` single runs (the first epoch of each skipped)."""
    times = []
    for item in member_configs(root, runs, epochs):
        run = reglab.train(item, store=store)
        times.extend(row["time/epoch"] for row in run.history[1:] or run.history)
    return times


def population_epochs(root: Path, store: Path, size: int, epochs: int, engine: str, data, shards: int | None = None) -> list[float]:
    """Training seconds of each population epoch divided by the members (first epoch skipped).

    `shards` None: as `train_population` decides (see reglab.population.shards).
    """
    runs = train_population(member_configs(root, size, epochs), store=store, engine=engine, data=data, shards=shards)
    # every member records the population's epoch time / K; skip the first (warm-up) epoch
    return [row["time/epoch"] for row in runs[0].history[1:] or runs[0].history]


def population_model_epoch(root: Path, store: Path, size: int, epochs: int, engine: str, data) -> float:
    """Median training seconds of one population epoch, divided by the members."""
    return statistics.median(population_epochs(root, store, size, epochs, engine, data))


def shown(times: list[float]) -> str:
    return f"{statistics.median(times):.4f} s median, {min(times):.4f} s best"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--sizes", default="8,32,64,128")
    parser.add_argument("--sequential", type=int, default=8, help="single runs measured for the sequential baseline")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data")
        store = Path(folder) / "store"
        from reglab.data import load_data

        data = load_data(config(root, 0, 0.1, 1).data, 0, "cpu")  # seed-independent here (val_size 0)
        # Half of the single runs before the populations and half after, so a burst of load
        # on this shared machine weighs on both sides.
        times = sequential_epochs(root, store, (args.sequential + 1) // 2, args.epochs)
        results: dict[int, list[float]] = {}
        whole: dict[int, list[float]] = {}
        for size in sizes:
            started = time.perf_counter()
            results[size] = population_epochs(root, store, size, args.epochs, "stacked", data)
            shards = shard_count(size, torch.device("cpu"), "stacked")
            print(f"population K={size:<4}          {shown(results[size])} per model-epoch, {shards} shard(s) "
                  f"({time.perf_counter() - started:.1f} s wall)")
            if shards > 1:
                whole[size] = population_epochs(root, store, size, args.epochs, "stacked", data, shards=1)
                print(f"  in one piece:              {shown(whole[size])} per model-epoch; sharding "
                      f"{statistics.median(whole[size]) / statistics.median(results[size]):.2f}x faster (median)")
        compare = 32 if 32 in sizes else sizes[0]
        stacked = whole.get(compare, results[compare])
        vmapped = population_epochs(root, store, compare, args.epochs, "vmap", data)
        times += sequential_epochs(root, store, args.sequential // 2, args.epochs)
        print(f"sequential reglab runs:      {shown(times)} per model-epoch ({len(times)} epochs of {args.sequential} runs)")
        single, single_best = statistics.median(times), min(times)
        for size in sizes:
            print(f"population K={size:<4}          {single / statistics.median(results[size]):.1f}x faster than sequential "
                  f"(median), {single_best / min(results[size]):.1f}x (best)")
        print(f"engine at K={compare}: stacked {shown(stacked)}, vmap {shown(vmapped)} per model-epoch "
              f"(stacked / vmap speed: {statistics.median(vmapped) / statistics.median(stacked):.2f}x median, "
              f"{min(vmapped) / min(stacked):.2f}x best)")
        if 64 in results:
            print(f"goal K=64: >= 3x faster than sequential -> {single / statistics.median(results[64]):.1f}x (median)")


if __name__ == "__main__":
    main()
