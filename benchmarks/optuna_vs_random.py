"""Optuna TPE against random search on MNIST-1D, and what the median pruner saves.

    python benchmarks/optuna_vs_random.py [--epochs 8] [--hidden 64] [--seeds 0 1 2]

The same space for every study: optimizer.lr (log-uniform 1e-3..0.5), weight decay
(log-uniform 1e-6..1e-2), dropout (uniform 0..0.5), L2 (log-uniform 1e-7..1e-2);
64 trials asked 16 at a time, each batch trained as one population. Three studies
per seed: random (Optuna's RandomSampler), TPE, and TPE with the median pruner. The
objective is the best epoch's val/acc. Prints, per seed and as the median over the
seeds: the best val accuracy of each study and the member-epochs it trained, then
the two ratios of the issue: TPE's best minus random's best (points), the pruned
study's member-epochs over the unpruned one's, and its best minus the unpruned best.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import torch

from reglab.store import RunStore
from reglab.sweep import load_sweep, run_sweep

SPACE = {
    "optimizer.lr": {"loguniform": [1.0e-3, 0.5]},
    "optimizer.weight_decay": {"loguniform": [1.0e-6, 1.0e-2]},
    "model.dropout": {"uniform": [0.0, 0.5]},
    "regularization.l2": {"loguniform": [1.0e-7, 1.0e-2]},
}
STUDIES = {"random": ("random", "none"), "tpe": ("tpe", "none"), "tpe+median": ("tpe", "median")}


def study(name: str, method: str, pruner: str, seed: int, epochs: int, hidden: int, store: str) -> tuple[float, int, float]:
    """(best val/acc, member-epochs trained, seconds) of one 64-trial study."""
    spec = load_sweep({
        "name": f"{name}-{seed}", "method": method, "samples": 64, "batch": 16, "seed": seed, "pruner": pruner,
        "objective": {"metric": "val/acc", "direction": "maximize"},
        "base": {"epochs": epochs, "device": "cpu", "seed": seed, "data": {"dataset": "mnist1d", "batch_size": 128},
                 "model": {"hidden": [hidden, hidden]}, "optimizer": {"name": "sgd", "momentum": 0.9},
                 "trajectory": {"enabled": False}},
        "parameters": SPACE,
    })
    started = time.perf_counter()
    run_sweep(spec, backend="population", store=store, quiet=True)
    seconds = time.perf_counter() - started
    with RunStore(store) as runs:
        stored = runs.runs(sweep=spec.name)
        best = max(max(row.get("val/acc", 0.0) for row in runs.history(run.id)) for run in stored)
        return best, sum(run.epochs for run in stored), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--studies", nargs="+", choices=list(STUDIES), default=list(STUDIES), help="a subset, for a quick look (the ratios need all three)")
    arguments = parser.parse_args()
    print(f"MNIST-1D, MLP {arguments.hidden}-{arguments.hidden}, {arguments.epochs} epochs, 64 trials in batches of 16; "
          f"{os.cpu_count()} cores, {torch.get_num_threads()} torch threads")
    results: dict[str, list[tuple[float, int, float]]] = {name: [] for name in arguments.studies}
    with tempfile.TemporaryDirectory(prefix="reglab-optuna-bench-") as store:
        for seed in arguments.seeds:
            for name in arguments.studies:
                method, pruner = STUDIES[name]
                results[name].append(study(name, method, pruner, seed, arguments.epochs, arguments.hidden, store))
                best, epochs, seconds = results[name][-1]
                print(f"  seed {seed}  {name:<11} best val acc {best:.4f}  member-epochs {epochs:4d}  {seconds:6.1f} s", flush=True)
    median = {name: (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)) for name, rows in results.items()}
    print(f"median over {len(arguments.seeds)} seeds:")
    for name, (best, epochs) in median.items():
        print(f"  {name:<11} best val acc {best:.4f}  member-epochs {epochs:.0f}")
    if len(median) < len(STUDIES):
        return
    print(f"TPE - random, best val acc:            {100 * (median['tpe'][0] - median['random'][0]):+.2f} points (goal: >= 0)")
    print(f"median pruner, member-epochs / none:   {median['tpe+median'][1] / median['tpe'][1]:.2f} (goal: <= 0.70)")
    print(f"median pruner - none, best val acc:    {100 * (median['tpe+median'][0] - median['tpe'][0]):+.2f} points (goal: within 0.5)")


if __name__ == "__main__":
    main()
