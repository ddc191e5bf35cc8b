"""What each generalization measure costs on seed 000's MLP, relative to one training epoch.

Seed 000's MLP (`model.preset=mlp_seed000`, SGD with momentum, batch 256) on 60,000
MNIST-shaped images (IDX files written by `mnist_idx.py`, no download). It trains three
epochs (the reference: the median training time of epochs 2 and 3), then times each
measure family on the trained weights with the default settings (1,000 training
examples for the data-dependent families, the whole training set for the margin), in
rounds that time every family once, so that a change of the machine's load falls on all
of them alike. Printed: each family's median seconds and its ratio to one epoch, and the
first torch.func call's one-time start-up.

A run without a `measures` section builds no measure unit at all (no cost to measure:
`tests/measures/test_recording.py` checks that nothing is computed); measures of the
final weights run once after the last epoch and add nothing to the epochs.

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
from population_vs_sequential import config as seed000_config
from reglab.config import MEASURE_FAMILIES
from reglab.measures import compute_measures
from reglab.measures.callback import copy_architecture
from reglab.objective import make_objective


def config(root: Path, families: list[str]) -> reglab.Config:
    extra = ["data.eval_batch_size=1024", "trajectory.enabled=false", f"measures.names={families}"]
    return seed000_config(root, 0, 0.05, 3, extra)


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
        run = reglab.train(config(root, []), store=store)
        epoch = statistics.median(row["time/epoch"] for row in run.history[1:])
        settings = config(root, list(MEASURE_FAMILIES)).measures
        data = run.data
        objective = make_objective(run.config.loss, data.task, data.num_classes, run.config.model.output_activation)
        module = copy_architecture(run.model)
        weights = run.model.state_dict()
        initial = {name: torch.zeros_like(tensor) for name, tensor in weights.items()}  # any weights of the shape

        def seconds(family: str) -> float:
            begun = time.perf_counter()
            compute_measures(settings.model_copy(update={"names": [family]}), 0, module, weights, initial, data, objective)
            return time.perf_counter() - begun

        first_call = seconds("sharpness")  # the process's first torch.func transform
        for family in MEASURE_FAMILIES:  # warm-up
            seconds(family)
        timings: dict[str, list[float]] = {family: [] for family in MEASURE_FAMILIES}
        for _ in range(args.repeats):
            for family in MEASURE_FAMILIES:
                timings[family].append(seconds(family))
        print(f"one epoch: {epoch:.3f} s (median of epochs 2-3)")
        print(f"first torch.func call in a process (one-time start-up + sharpness): {first_call:.2f} s")
        print(f"{'family':<12} {'seconds':>9} {'x epoch':>9}")
        total = 0.0
        for family, values in timings.items():
            median = statistics.median(values)
            total += median
            print(f"{family:<12} {median:>9.4f} {median / epoch:>9.3f}")
        print(f"{'all':<12} {total:>9.4f} {total / epoch:>9.3f}")
        end_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average at the end: {end_load:.2f}")

if __name__ == "__main__":
    main()
