"""Benchmark: seed 004's 10,368-run grid trained with populations, against its arithmetic limit.

Seed 004's W&B table ("mlp-mnist-200-steps", 10,368 runs, 5 epochs, MNIST) varies
initialization, activation, depth, width, learning rate, momentum, optimizer and batch
size. Its run names (`he-relu-2-0.01-0.9-5-64-100-sgd-True`) show those factors and a
ninth, a True/False flag; the value sets below are our reconstruction, chosen so that
their product is 10,368 (the flag read as batch norm on or off):

    init       xavier_normal, kaiming_normal, normal, uniform, zeros, ones   6
    activation relu, tanh, sigmoid                                          3
    depth      1, 2 hidden layers                                           2
    width      50, 100, 200                                                 3
    lr         0.1, 0.01, 0.001                                             3
    momentum   0.0, 0.9                                                     2
    optimizer  sgd, adam                                                    2
    batch size 32, 64, 128, 256                                             4
    batch norm off, on                                                      2

A population shares everything but init, lr and momentum, so the grid is 288 shapes
(activation × depth × width × optimizer × batch size × batch norm) of 36 members each.
The subset trained here is `--shapes` shapes drawn at random (seeded) with all 36
members each (15 shapes = 540 configs by default): what a user running the sweep
trains, one population group after another. Data: 60,000 MNIST-shaped images (IDX files written by
`mnist_idx.py`), 5 epochs, validation off, the trajectory recorder on (the default).

Printed: time per model-epoch of the subset, the projected total of the whole grid
(measured seconds per limit-second × the grid's summed limit), and the ratio of the
measured time to the subset's summed arithmetic limit, 6 × parameters × samples ×
epochs ÷ this machine's matmul rate, the better of two measured before and after the
training (goal ≤ 1.5×).

Usage: python benchmarks/seed004_grid.py [--shapes 8] [--epochs 5] [--seed 0]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import tempfile
import time
from pathlib import Path

import torch

import reglab
from arithmetic_limit import matmul_rate
from mnist_idx import write_mnist_idx
from reglab.population import train_population

SAMPLES = 60_000
INITS = ("xavier_normal", "kaiming_normal", "normal", "uniform", "zeros", "ones")
ACTIVATIONS = ("relu", "tanh", "sigmoid")
DEPTHS = (1, 2)
WIDTHS = (50, 100, 200)
RATES = (0.1, 0.01, 0.001)
MOMENTA = (0.0, 0.9)
OPTIMIZERS = ("sgd", "adam")
BATCH_SIZES = (32, 64, 128, 256)
NORMS = ("none", "batch")
SHAPES = list(itertools.product(ACTIVATIONS, DEPTHS, WIDTHS, OPTIMIZERS, BATCH_SIZES, NORMS))
MEMBERS = list(itertools.product(INITS, RATES, MOMENTA))


def parameters(depth: int, width: int, norm: str = "none") -> int:
    """Weights and biases of a 784-(width × depth)-10 MLP (and batch norm's scale and shift)."""
    sizes = [784] + [width] * depth + [10]
    linear = sum(inputs * outputs + outputs for inputs, outputs in zip(sizes[:-1], sizes[1:]))
    return linear + (2 * width * depth if norm == "batch" else 0)


def member_config(root: Path, shape: tuple, member: tuple, epochs: int, seed: int) -> reglab.Config:
    activation, depth, width, optimizer, batch_size, norm = shape
    init, lr, momentum = member
    overrides = [
        "data.dataset=mnist",
        f"data.root={root}",
        "data.val_size=0",
        f"data.batch_size={batch_size}",
        "data.eval_batch_size=4096",
        f"model.hidden={[width] * depth}",
        f"model.activation={activation}",
        f"model.norm={norm}",
        f"model.init={init}",
        f"optimizer.name={optimizer}",
        f"optimizer.lr={lr}",
        f"optimizer.momentum={momentum}",
        f"epochs={epochs}",
        f"seed={seed}",
        "device=cpu",
    ]
    if init == "normal":
        overrides.append("model.init_std=1.0")
    if init == "uniform":
        overrides.append("model.init_bound=1.0")
    return reglab.load_config(overrides=overrides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", type=int, default=15, help="random shapes of 36 configs each (15 -> 540 configs)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    chosen = random.Random(args.seed).sample(SHAPES, args.shapes)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f}")
    print(f"grid: {len(SHAPES)} shapes x {len(MEMBERS)} members = {len(SHAPES) * len(MEMBERS)} configs; "
          f"subset: {len(chosen)} random shapes (seed {args.seed}) = {len(chosen) * len(MEMBERS)} configs, {args.epochs} epochs")
    rate = matmul_rate()
    grid_flops = sum(6 * parameters(shape[1], shape[2], shape[5]) * SAMPLES * args.epochs for shape in SHAPES) * len(MEMBERS)
    measured = subset_flops = 0.0
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data")
        store = Path(folder) / "store"
        data = None
        for shape in chosen:
            configs = [member_config(root, shape, member, args.epochs, args.seed) for member in MEMBERS]
            started = time.perf_counter()
            runs = train_population(configs, store=store, data=data)
            wall = time.perf_counter() - started
            data = data or runs[0].data
            training = sum(row["time/epoch"] for row in runs[0].history) * len(configs)
            flops = 6 * parameters(shape[1], shape[2], shape[5]) * SAMPLES * args.epochs * len(configs)
            measured += training
            subset_flops += flops
            limit = flops / rate
            print(f"  {'-'.join(map(str, shape)):<24} {training / (len(configs) * args.epochs):.4f} s per model-epoch, "
                  f"{training / limit:.2f}x its limit at the first rate (wall {wall:.1f} s with evaluation and store)")
    rate_after = matmul_rate()
    best = max(rate, rate_after)  # the machine's better rate of the two (a burst of load lowers one)
    subset_limit = subset_flops / best
    print(f"matmul rate ({torch.get_num_threads()} threads, 1024^3 float32): {rate / 1e9:.1f} GFLOP/s before, {rate_after / 1e9:.1f} after")
    model_epochs = len(chosen) * len(MEMBERS) * args.epochs
    print(f"subset: {measured:.1f} s of training for {model_epochs} model-epochs = {measured / model_epochs:.4f} s per model-epoch")
    print(f"subset vs its summed arithmetic limit ({subset_limit:.1f} s): {measured / subset_limit:.2f}x (goal: <= 1.5x)")
    projected = measured / subset_flops * grid_flops
    print(f"whole grid projected: {projected / 3600:.2f} h of training on this machine "
          f"(its summed limit: {grid_flops / best / 3600:.2f} h)")


if __name__ == "__main__":
    main()
