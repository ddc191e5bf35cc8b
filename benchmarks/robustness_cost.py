"""Benchmark: what robustness measurement and adversarial training cost, and what the training buys.

One process, one dataset (digits by default: 8×8 images, no download), one model
(`model.hidden` below); runs side by side:

    plain                 no attack
    fgsm-trained          regularization.adversarial_eps = ε, fgsm
    pgd-trained           regularization.adversarial_eps = ε, pgd (7 steps)

Printed: each run's median epoch time and its ratio to the plain run's; the time of
the `robustness.*` measurement on the final weights (the grid below, on the test
split) as a multiple of the plain run's epoch; and the clean and attacked test
accuracy of each run. torch's thread count is printed with the figures.

Usage: python benchmarks/robustness_cost.py [--dataset digits] [--epochs 20] [--eps 0.3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import reglab
from reglab.objective.losses import make_objective
from reglab.robustness.callback import attack_grid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--eps", type=float, default=0.3)
    args = parser.parse_args()
    grid = {"eps": [args.eps / 3, args.eps, 3 * args.eps], "norms": ["linf", "l2"], "examples": 1000}
    base = {
        "seed": 0, "epochs": args.epochs, "device": "cpu", "data": {"dataset": args.dataset, "batch_size": 64},
        "model": {"hidden": [128, 64]}, "optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9},
        "trajectory": {"enabled": False}, "robustness": grid,
    }
    variants = {
        "plain": {},
        "fgsm-trained": {"adversarial_eps": args.eps, "adversarial_attack": "fgsm"},
        "pgd-trained": {"adversarial_eps": args.eps, "adversarial_attack": "pgd", "adversarial_steps": 7},
    }
    print(f"torch threads: {torch.get_num_threads()}; dataset {args.dataset}, {args.epochs} epochs, ε = {args.eps}")
    plain_epoch = None
    rows = []
    for name, regularization in variants.items():
        run = reglab.train({**base, "regularization": regularization}, store=None)
        epoch = statistics.median(row["time/epoch"] for row in run.history[1:])
        plain_epoch = plain_epoch or epoch
        settings = run.config.robustness
        objective = make_objective(run.config.loss, run.data.task, run.data.num_classes)
        started = time.perf_counter()
        from reglab.robustness.evaluate import robust_metrics

        robust_metrics(run.model, objective, run.data.test_x[:1000], run.data.test_y[:1000], attack_grid(settings))
        measure_seconds = time.perf_counter() - started
        rows.append((name, epoch, run.summary))
        print(f"{name:13s} epoch {epoch * 1000:7.1f} ms  ×{epoch / plain_epoch:5.2f} of plain;"
              f"  robustness measurement {measure_seconds * 1000:7.1f} ms = {measure_seconds / plain_epoch:5.2f} plain epochs")
    names = [name for name, _, _ in rows]
    print(f"{'test accuracy':22s}" + "".join(f"{name:>14s}" for name in names))
    keys = ["robust/clean/acc"] + [
        f"robust/{attack}/{norm}/{format(eps, 'g')}/acc" for norm in ("linf", "l2") for attack in ("fgsm", "pgd") for eps in grid["eps"]
    ]
    for key in keys:
        label = key.removeprefix("robust/").removesuffix("/acc")
        print(f"{label:22s}" + "".join(f"{summary[key]:14.3f}" for _, _, summary in rows))

if __name__ == "__main__":
    main()
