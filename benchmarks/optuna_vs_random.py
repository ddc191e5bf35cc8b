"""Optuna TPE against random search on MNIST-1D, and what the median pruner saves.

    python benchmarks/optuna_vs_random.py [--epochs 8] [--hidden 64] [--seeds 0 1 2] [--jobs 1]

The same space for every study: optimizer.lr (log-uniform 1e-3..0.5), weight decay
(log-uniform 1e-6..1e-2), dropout (uniform 0..0.5), L2 (log-uniform 1e-7..1e-2);
64 trials asked 16 at a time, each batch trained as one population. Three studies
per seed: random (Optuna's RandomSampler), TPE, and TPE with the median pruner. The
objective is the best epoch's val/acc. Prints, per seed and as the median over the
seeds: the best val accuracy of each study, the test accuracy of that best config at
its best epoch (an independent look at the same config: the val split has 400 examples,
so one val accuracy carries about 2.5 points of binomial noise), and the member-epochs
it trained; then the three figures of the issue: TPE's best minus random's best
(points), the pruned study's member-epochs over the unpruned one's, and its best minus
the unpruned best.

`--jobs N` runs N studies at once, one process each, with the torch threads split
between them (on a shared machine this takes a larger share of its cores).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

SPACE = {
    "optimizer.lr": {"loguniform": [1.0e-3, 0.5]},
    "optimizer.weight_decay": {"loguniform": [1.0e-6, 1.0e-2]},
    "model.dropout": {"uniform": [0.0, 0.5]},
    "regularization.l2": {"loguniform": [1.0e-7, 1.0e-2]},
}
STUDIES = {"random": ("random", "none"), "tpe": ("tpe", "none"), "tpe+median": ("tpe", "median")}


def study(name: str, seed: int, epochs: int, hidden: int, store: str, threads: int) -> tuple[float, float, int, float]:
    """(best val/acc, test/acc of that config at that epoch, member-epochs trained, seconds) of one 64-trial study."""
    from reglab.store import RunStore
    from reglab.sweep import load_sweep, run_sweep

    torch.set_num_threads(threads)
    method, pruner = STUDIES[name]
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
        rows = [row for run in stored for row in runs.history(run.id)]
        best = max(rows, key=lambda row: row.get("val/acc", 0.0))
        return best["val/acc"], best.get("test/acc", float("nan")), sum(run.epochs for run in stored), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--studies", nargs="+", choices=list(STUDIES), default=list(STUDIES), help="a subset, for a quick look (the figures need all three)")
    parser.add_argument("--jobs", type=int, default=1, help="studies at once, one process each")
    arguments = parser.parse_args()
    threads = max(1, torch.get_num_threads() // arguments.jobs)
    print(f"MNIST-1D, MLP {arguments.hidden}-{arguments.hidden}, {arguments.epochs} epochs, 64 trials in batches of 16; "
          f"{os.cpu_count()} cores, {arguments.jobs} studies at once with {threads} torch threads each; load average {os.getloadavg()[0]:.1f} at the start")
    tasks = [(name, seed) for seed in arguments.seeds for name in arguments.studies]
    results: dict[tuple[str, int], tuple[float, float, int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="reglab-optuna-bench-") as root:
        def store(name: str, seed: int) -> str:
            return str(Path(root) / f"{name}-{seed}")

        def show(name: str, seed: int) -> None:
            best, test, epochs, seconds = results[name, seed]
            print(f"  seed {seed}  {name:<11} best val acc {best:.4f} (test {test:.4f})  member-epochs {epochs:4d}  {seconds:6.1f} s", flush=True)

        if arguments.jobs == 1:
            for name, seed in tasks:
                results[name, seed] = study(name, seed, arguments.epochs, arguments.hidden, store(name, seed), threads)
                show(name, seed)
        else:
            with ProcessPoolExecutor(arguments.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = {pool.submit(study, name, seed, arguments.epochs, arguments.hidden, store(name, seed), threads): (name, seed) for name, seed in tasks}
                for future, (name, seed) in futures.items():
                    results[name, seed] = future.result()
                    show(name, seed)
    median = {
        name: tuple(statistics.median(results[name, seed][field] for seed in arguments.seeds) for field in range(3))
        for name in arguments.studies
    }
    print(f"median over {len(arguments.seeds)} seeds:")
    for name, (best, test, epochs) in median.items():
        print(f"  {name:<11} best val acc {best:.4f} (test {test:.4f})  member-epochs {epochs:.0f}")
    if len(median) < len(STUDIES):
        return
    print(f"TPE - random, best val acc:            {100 * (median['tpe'][0] - median['random'][0]):+.2f} points (goal: >= 0)")
    print(f"median pruner, member-epochs / none:   {median['tpe+median'][2] / median['tpe'][2]:.2f} (goal: <= 0.70)")
    print(f"median pruner - none, best val acc:    {100 * (median['tpe+median'][0] - median['tpe'][0]):+.2f} points (goal: >= -0.50)")
    per_seed = ", ".join(f"{100 * (results['tpe+median', seed][0] - results['tpe', seed][0]):+.2f}" for seed in arguments.seeds)
    ratios = ", ".join(f"{results['tpe+median', seed][2] / results['tpe', seed][2]:.2f}" for seed in arguments.seeds)
    print(f"  per seed: {per_seed} points; member-epochs {ratios}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
