"""What each generalization measure costs on seed 000's MLP, relative to one training epoch.

Seed 000's MLP (`model.preset=mlp_seed000`, SGD with momentum, batch 256) on 60,000
MNIST-shaped images (IDX files written by `mnist_idx.py`, no download). It trains two
epochs with and without a `measures` section (final weights only), then times each
measure family on the trained weights (default settings: 1,000 training examples for
the data-dependent families, the whole training set for the margin), all in this process.

Printed side by side: the median seconds of each family and its ratio to one epoch's
training time, the first torch.func call's one-time start-up, and the epoch time of the
run that asks for measures over the one that does not (measures of the final weights
add nothing to the epochs).

Usage: python benchmarks/measures_cost.py [--repeats 3] [--train 60000]
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
from reglab.config import MEASURE_FAMILIES
from reglab.measures import compute_measures
from reglab.measures.callback import copy_architecture
from reglab.objective import make_objective


def config(root: Path, families: list[str]) -> reglab.Config:
    return reglab.load_config(
        overrides=[
            "data.dataset=mnist",
            f"data.root={root}",
            "data.val_size=0",
            "data.batch_size=256",
            "model.preset=mlp_seed000",
            "optimizer.lr=0.05",
            "optimizer.momentum=0.9",
            "epochs=2",
            "device=cpu",
            "trajectory.enabled=false",
            f"measures.names={families}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train", type=int, default=60_000)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        root = write_mnist_idx(Path(folder) / "data", train=args.train)
        store = Path(folder) / "runs"
        plain = reglab.train(config(root, []), store=store)
        begun = time.perf_counter()
        measured = reglab.train(config(root, list(MEASURE_FAMILIES)), store=store)
        whole_run = time.perf_counter() - begun
        epoch = measured.history[-1]["time/epoch"]
        settings, data = measured.config.measures, measured.data
        objective = make_objective(measured.config.loss, data.task, data.num_classes, measured.config.model.output_activation)
        module = copy_architecture(measured.model)
        weights = measured.model.state_dict()
        initial = {name: tensor.clone() for name, tensor in plain.model.state_dict().items()}  # any weights of the shape

        def seconds(family: str) -> float:
            begun = time.perf_counter()
            compute_measures(settings.model_copy(update={"names": [family]}), 0, module, weights, initial, data, objective)
            return time.perf_counter() - begun

        first_call = seconds("sharpness")  # the process's first torch.func transform
        print(f"one epoch: {epoch:.3f} s (the run with every family: {whole_run:.1f} s in all)")
        print(f"first torch.func call in a process (one-time start-up + sharpness): {first_call:.2f} s")
        print(f"{'family':<12} {'seconds':>9} {'x epoch':>9}")
        total = 0.0
        for family in MEASURE_FAMILIES:
            seconds(family)
            median = statistics.median(seconds(family) for _ in range(args.repeats))
            total += median
            print(f"{family:<12} {median:>9.4f} {median / epoch:>9.3f}")
        print(f"{'all':<12} {total:>9.4f} {total / epoch:>9.3f}")
        plain_epoch = plain.history[-1]["time/epoch"]
        print(f"epoch time, measures of the final weights vs none: {epoch:.3f} s vs {plain_epoch:.3f} s "
              f"(ratio {epoch / plain_epoch:.2f}; 1.00 = no cost per epoch)")


if __name__ == "__main__":
    main()
