"""Benchmark (c): reglab's time per model-epoch vs the arithmetic limit of this machine.

arithmetic limit = 6 × parameters × samples ÷ matmul rate

(6 FLOPs per parameter per sample: 2 for the forward product, 4 for the two backward
products; the rate is measured here, in this process, as the best of several large
float32 matrix products, before and after the runs, and the better of the two counts.) Seed 000's MLP has 14,146 parameters; 60,000 MNIST-shaped
images. Reported side by side: one reglab run (`reglab.train`: a population of one) and
a population of K members per member (on a CPU a population of 32 or more trains as concurrent shards, see
reglab.population.shards). The first layer needs no input gradient, so a pass can
beat "6×"; the limit is the usual yardstick, not a hard floor.

Usage: python benchmarks/arithmetic_limit.py [--epochs 3] [--members 64]
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
from population_vs_sequential import config, population_epochs
from reglab.population.shards import shard_count

SAMPLES = 60_000


def matmul_rate(size: int = 1024, repeats: int = 20, threads: int | None = None) -> float:
    """Best observed float32 GEMM rate, FLOP/s (with `threads` torch threads, default: as set)."""
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _best_rate(size, repeats)
    finally:
        torch.set_num_threads(previous)


def _best_rate(size: int, repeats: int) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    for _ in range(3):
        a @ b
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--members", type=int, default=64)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data")
        store = Path(folder) / "store"
        run = reglab.train(config(root, 0, 0.1, args.epochs), store=store)
        parameters = sum(p.numel() for p in run.model.parameters())
        rate = matmul_rate()
        one_core = matmul_rate(threads=1)
        singles = [row["time/epoch"] for row in run.history[1:] or run.history]
        members = population_epochs(root, store, args.members, args.epochs, "stacked", run.data)
        single, member = statistics.median(singles), statistics.median(members)
        rate_after = matmul_rate()
    # the machine's best rate of the two (a burst of load during one of them lowers it)
    limit = 6 * parameters * SAMPLES / max(rate, rate_after)
    print(f"matmul rate ({torch.get_num_threads()} threads, 1024^3 float32): {rate / 1e9:.1f} GFLOP/s before, "
          f"{rate_after / 1e9:.1f} after; 1 thread: {one_core / 1e9:.1f}; model {parameters} parameters")
    print(f"arithmetic limit:              {limit:.4f} s per model-epoch at the better rate "
          f"(with the 1-thread rate: {6 * parameters * SAMPLES / one_core:.4f} s)")
    print(f"reglab single run (K = 1):     {single:.4f} s per model-epoch = {single / limit:.1f}x the limit (best epoch {min(singles):.4f} s)")
    shards = shard_count(args.members, torch.device("cpu"), "stacked")
    print(f"reglab population K={args.members:<4}      {member:.4f} s per model-epoch = {member / limit:.2f}x the limit (goal: <= 1.3x), "
          f"{shards} shard(s); "
          f"{member / (6 * parameters * SAMPLES / one_core):.2f}x the 1-thread limit; best epoch {min(members):.4f} s = "
          f"{min(members) / limit:.2f}x the limit")


if __name__ == "__main__":
    main()
