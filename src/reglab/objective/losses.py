"""Loss functions and accuracy for the three tasks: classification, binary, regression."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from reglab.objective.members import make_member_objective
from reglab.objective.targets import class_probabilities, resolve_loss_name

__all__ = ["Objective", "class_probabilities", "make_objective", "resolve_loss_name"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Objective:
    """A task's loss and its correctness count, both on the device.

    Attributes:
        name: the loss name after resolving `auto`.
        loss: (outputs, targets) -> mean loss; targets may be class indices or
            class probabilities (mixup, cutmix).
        correct: (outputs, labels) -> number of correct predictions (a 0-d tensor),
            or None for regression.
    """

    name: str
    loss: LossFn
    correct: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None


def make_objective(
    loss: str,
    task: str,
    num_classes: int,
    output_activation: str = "none",
    label_smoothing: float = 0.0,
) -> Objective:
    """Build the loss and accuracy of a run: the member objective
    (`reglab.objective.members.make_member_objective`) with K = 1, so each loss is
    written once for one run and for a population.

    Args:
        loss: auto | cross_entropy | nll | mse | bce.
        task: classification | binary | regression.
        num_classes: K for classification.
        output_activation: the model's last activation (none | sigmoid | log_softmax).
        label_smoothing: ε; targets become (1-ε)·onehot + ε/K (Szegedy et al. 2016).
    """
    name = resolve_loss_name(loss, task)
    if task == "regression" and name in ("cross_entropy", "nll"):
        raise ValueError(f"loss {name} needs class labels; regression uses mse")
    member = make_member_objective(loss, task, num_classes, output_activation, label_smoothing)

    def loss_fn(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return member.loss(outputs.unsqueeze(0), target)[0]

    if member.correct is None:
        return Objective(name, loss_fn, None)
    count = member.correct

    def correct(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return count(outputs.unsqueeze(0), labels)[0]

    return Objective(name, loss_fn, correct)
