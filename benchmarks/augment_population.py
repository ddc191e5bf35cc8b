"""Augmentation in populations: what it costs per member, side by side in one process.

seed 000's MLP (`model.preset=mlp_seed000`) on MNIST-shaped images (IDX files written
by `mnist_idx.py`, no download), batch 256, SGD lr 0.1 momentum 0.9, with the
augmentation below, each member at its own strength (×1, ×½, ×2 by member). Reported
per model-epoch (training only, the runs' own `time/epoch`, first epoch skipped):

- a plain population of K (no augmentation) and the same population augmented;
- augmented single runs (`reglab.train`), one after another;
- the augmentation alone: `MemberAugment` on K members' batches for one epoch of
  steps (per-member draws + one application to K·B images), divided by K.

Usage: python benchmarks/augment_population.py [--train 20000] [--epochs 3] [--sizes 16,64] [--sequential 2]
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
from population_vs_sequential import config as seed000_config
from reglab.augment import MemberAugment, background_fill
from reglab.population import train_population

AUGMENT = {
    "augment.affine_degrees": 10.0,
    "augment.affine_translate": 0.1,
    "augment.crop_padding": 2,
    "augment.erasing": 0.25,
    "augment.noise_std": 0.05,
    "augment.mixup_alpha": 0.2,
}
FACTORS = (1.0, 0.5, 2.0)


def config(root: Path, seed: int, epochs: int, augmented: bool) -> reglab.Config:
    factor = FACTORS[seed % len(FACTORS)]
    strengths = [f"{key}={value * factor if isinstance(value, float) else value}" for key, value in AUGMENT.items()]
    return seed000_config(root, seed, 0.1, epochs, strengths if augmented else [])


def epoch_times(history: list[dict]) -> list[float]:
    return [row["time/epoch"] for row in history[1:] or history]


def shown(times: list[float]) -> str:
    return f"{statistics.median(times):.4f} s median, {min(times):.4f} s best"


def augment_alone(configs: list[reglab.Config], data, steps: int) -> float:
    """Seconds per member-epoch of `MemberAugment` alone on (K, 256, 1, 28, 28) batches."""
    count = len(configs)
    augment = MemberAugment([item.augment for item in configs], tuple(data.input_shape), data.num_classes, [background_fill(data.train_x)] * count)
    generators = [torch.Generator().manual_seed(seed) for seed in range(count)]
    inputs = data.train_x[:256].unsqueeze(0).expand(count, -1, -1, -1, -1).contiguous()
    labels = data.train_y[:256].unsqueeze(0).expand(count, -1).contiguous()
    augment(inputs, labels, list(range(count)), generators)  # warm-up (kornia's import)
    started = time.perf_counter()
    for _ in range(steps):
        augment(inputs, labels, list(range(count)), generators)
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=20_000, help="training images")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--sizes", default="16,64")
    parser.add_argument("--sequential", type=int, default=2, help="augmented single runs measured")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f}, "
          f"{args.train} training images")
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data", train=args.train, test=2000)
        store = Path(folder) / "store"
        from reglab.data import load_data

        data = load_data(config(root, 0, 1, False).data, 0, "cpu")
        steps = -(-data.train_x.shape[0] // 256)
        single: list[float] = []
        for seed in range(args.sequential):
            single += epoch_times(reglab.train(config(root, seed, args.epochs, True), store=store).history)
        print(f"augmented single runs:       {shown(single)} per epoch")
        for size in [int(size) for size in args.sizes.split(",")]:
            plain = epoch_times(train_population([config(root, seed, args.epochs, False) for seed in range(size)], store=store, data=data)[0].history)
            configs = [config(root, seed, args.epochs, True) for seed in range(size)]
            augmented = epoch_times(train_population(configs, store=store, data=data)[0].history)
            alone = augment_alone(configs, data, steps)
            print(f"K={size:<4} plain population:   {shown(plain)} per model-epoch")
            print(f"K={size:<4} augmented:          {shown(augmented)} per model-epoch, "
                  f"{statistics.median(augmented) / statistics.median(plain):.2f}x a plain member (median); "
                  f"{statistics.median(single) / statistics.median(augmented):.1f}x faster than augmented single runs")
            print(f"K={size:<4} augmentation alone: {alone:.4f} s per model-epoch "
                  f"({alone / statistics.median(augmented):.0%} of an augmented member's epoch)")


if __name__ == "__main__":
    main()
