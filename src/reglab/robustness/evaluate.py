"""Accuracy and loss of a model under FGSM and PGD, every radius of a grid in one stacked pass.

For one attack and norm, the radii ε₁..ε_K are the K rows of a stack: the batch is
copied K times, `reglab.robustness.attacks` perturbs row k within ε_k, and one forward
of the (K·B) inputs scores them all. Metric keys:

| key                              | value                                            |
|----------------------------------|--------------------------------------------------|
| robust/clean/acc, robust/clean/loss | the same examples, unperturbed                |
| robust/<attack>/<norm>/<ε>/acc   | accuracy on the attacked examples (attack: fgsm, pgd; norm: linf, l2) |
| robust/<attack>/<norm>/<ε>/loss  | mean loss on them                                |

ε is written with `format(ε, "g")` (0.1 -> `0.1`, 0.001 -> `0.001`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from reglab.objective.losses import Objective
from reglab.robustness.attacks import Norm, fgsm, pgd

__all__ = ["AttackGrid", "robust_metrics", "metric_key"]

# Rows (K copies times B examples) per attacked chunk: bounds the memory of a large ε grid.
_ROWS_PER_CHUNK = 4096


@dataclass(frozen=True)
class AttackGrid:
    """What to attack with: the `robustness.*` keys."""

    eps: tuple[float, ...]
    norms: tuple[Norm, ...] = ("linf",)
    attacks: tuple[str, ...] = ("fgsm", "pgd")
    pgd_steps: int = 10
    pgd_step_fraction: float = 0.25
    pgd_random_start: bool = True


def metric_key(attack: str, norm: str, eps: float, quantity: str) -> str:
    """`robust/<attack>/<norm>/<ε>/<quantity>`, e.g. `robust/fgsm/linf/0.1/acc`."""
    return f"robust/{attack}/{norm}/{format(eps, 'g')}/{quantity}"


def _stacked_loss(model: torch.nn.Module, objective: Objective, labels: torch.Tensor):
    """(K, B, ...) inputs -> the sum over rows and examples of the per-example loss."""

    def loss(stack: torch.Tensor) -> torch.Tensor:
        rows = stack.shape[0] * stack.shape[1]
        outputs = model(stack.flatten(0, 1))
        return objective.loss(outputs, _repeat(labels, stack.shape[0])) * rows

    return loss


def _repeat(labels: torch.Tensor, copies: int) -> torch.Tensor:
    return labels.repeat(copies, *([1] * (labels.dim() - 1)))


def _attack(grid: AttackGrid, attack: str, norm: Norm, loss, stack, eps, generator) -> torch.Tensor:
    if attack == "fgsm":
        return fgsm(loss, stack, eps, norm)
    return pgd(loss, stack, eps, norm, grid.pgd_steps, grid.pgd_step_fraction, grid.pgd_random_start, generator)


def robust_metrics(
    model: torch.nn.Module,
    objective: Objective,
    inputs: torch.Tensor,
    labels: torch.Tensor,
    grid: AttackGrid,
    generator: torch.Generator | None = None,
) -> dict[str, float]:
    """Clean and attacked accuracy and loss of `model` (put in eval mode) on `inputs`.

    Args:
        model: the network (its parameters get no gradient; its mode is restored).
        objective: the plain loss and correct count (`reglab.objective.make_objective`).
        inputs, labels: the examples attacked (e.g. the first N of the test split).
        grid: radii, norms, attacks and PGD settings.
        generator: draws PGD's random starts (on the inputs' device).

    Returns:
        The metric keys of the module's table. Accuracy keys only for classification
        and binary tasks (`objective.correct` set).
    """
    was_training = model.training
    model.eval()
    eps = torch.tensor(grid.eps, dtype=inputs.dtype, device=inputs.device)
    copies = len(grid.eps)
    chunk = max(1, _ROWS_PER_CHUNK // max(copies, 1))
    sums: dict[str, float] = {}
    try:
        for start in range(0, inputs.shape[0], chunk):
            x, y = inputs[start : start + chunk], labels[start : start + chunk]
            with torch.no_grad():
                clean = model(x)
                _add(sums, "robust/clean/loss", float(objective.loss(clean, y)) * x.shape[0])
                if objective.correct is not None:
                    _add(sums, "robust/clean/acc", float(objective.correct(clean, y)))
            stack = x.unsqueeze(0).expand(copies, *x.shape)
            loss = _stacked_loss(model, objective, y)
            for norm in grid.norms:
                for attack in grid.attacks:
                    attacked = _attack(grid, attack, norm, loss, stack, eps, generator)
                    with torch.no_grad():
                        outputs = model(attacked.flatten(0, 1)).unflatten(0, (copies, x.shape[0]))
                        for row, radius in enumerate(grid.eps):
                            _add(sums, metric_key(attack, norm, radius, "loss"), float(objective.loss(outputs[row], y)) * x.shape[0])
                            if objective.correct is not None:
                                _add(sums, metric_key(attack, norm, radius, "acc"), float(objective.correct(outputs[row], y)))
    finally:
        model.train(was_training)
    return {key: total / inputs.shape[0] for key, total in sums.items()}


def _add(sums: dict[str, float], key: str, value: float) -> None:
    sums[key] = sums.get(key, 0.0) + value
