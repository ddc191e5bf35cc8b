"""EMA and SWA in a population vs a plain population, side by side in one process.

A population of K members of seed 000's MLP (784-16-32-24-10, `model.preset=mlp_seed000`)
on MNIST-shaped images (IDX files written by `mnist_idx.py`, no download), batch 256,
SGD lr 0.1 momentum 0.9; members differ in seed (and in their EMA decay). Three states
are built once and stepped in turn, epoch by epoch, so the machine's load hits all three
alike; the figure per kind is the fastest of `--repeats` epochs (training plus the
epoch's evaluation and its one host sync):

- plain: no averaging;
- ema: `regularization.ema_decay` (an update of the stacked averages after every step,
  and a second evaluation pass, of the averages);
- swa: `regularization.swa_start=1` (one update per epoch, learning rates held).

Usage: python benchmarks/averaging_population.py [--members 16] [--train 12000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

import reglab
from mnist_idx import write_mnist_idx
from reglab.engine.denormals import flushing_denormals
from reglab.population.build import build_population
from reglab.population.loop import _epoch_quantities, _train_phase

KINDS = {"plain": [], "ema": ["regularization.ema_decay=DECAY"], "swa": ["regularization.swa_start=1"]}


def member_config(root: Path, seed: int, extra: list[str]) -> reglab.Config:
    decay = (0.99, 0.999, 0.9)[seed % 3]
    overrides = [
        "data.dataset=mnist", f"data.root={root}", "data.val_size=0", "data.batch_size=256",
        "data.eval_batch_size=2048", "model.preset=mlp_seed000", "optimizer.lr=0.1",
        "optimizer.momentum=0.9", "epochs=100", f"seed={seed}", "device=cpu",
        "trajectory.enabled=false",
    ]
    return reglab.load_config(overrides=overrides + [item.replace("DECAY", str(decay)) for item in extra])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=16)
    parser.add_argument("--train", type=int, default=12000, help="training images")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_mnist_idx(root, train=args.train, test=2000)
        states = {
            kind: build_population([member_config(root, seed, extra) for seed in range(args.members)], "shared", "stacked")[0]
            for kind, extra in KINDS.items()
        }
        best = {kind: float("inf") for kind in states}
        with flushing_denormals():  # as train_population
            for _ in range(args.repeats):
                for kind, state in states.items():
                    started = time.perf_counter()
                    sums, lrs = _train_phase(state)
                    _epoch_quantities(state, sums, lrs)
                    best[kind] = min(best[kind], time.perf_counter() - started)
    print(f"K = {args.members} members, {args.train} images, torch threads {torch.get_num_threads()}")
    print(f"{'kind':<6} {'s/model-epoch':>14} {'vs plain':>9}")
    for kind, seconds in best.items():
        print(f"{kind:<6} {seconds / args.members:>14.5f} {seconds / best['plain']:>8.2f}x")


if __name__ == "__main__":
    main()
