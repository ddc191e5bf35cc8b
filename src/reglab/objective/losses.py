"""Loss functions and accuracy for the three tasks: classification, binary, regression."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

__all__ = ["Objective", "class_probabilities", "make_objective", "resolve_loss_name"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def resolve_loss_name(loss: str, task: str) -> str:
    """`auto` -> cross_entropy (classes), bce (binary targets), mse (regression)."""
    if loss != "auto":
        return loss
    return {"classification": "cross_entropy", "binary": "bce", "regression": "mse"}[task]


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


def class_probabilities(target: torch.Tensor, num_classes: int, smoothing: float = 0.0) -> torch.Tensor:
    """Class indices (or probabilities already) as probabilities, label-smoothed:
    (1 − ε)·onehot + ε/K (Szegedy et al. 2016, arXiv:1512.00567)."""
    if target.dtype.is_floating_point:
        probabilities = target
    else:
        probabilities = F.one_hot(target, num_classes).to(torch.float32)
    if smoothing:
        probabilities = probabilities * (1.0 - smoothing) + smoothing / num_classes
    return probabilities


def make_objective(
    loss: str,
    task: str,
    num_classes: int,
    output_activation: str = "none",
    label_smoothing: float = 0.0,
) -> Objective:
    """Build the loss and accuracy of a run.

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
    outputs_are_log_probabilities = output_activation == "log_softmax"
    outputs_are_probabilities = output_activation == "sigmoid"

    def cross_entropy(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(outputs, target, label_smoothing=label_smoothing)

    def nll(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        log_probabilities = outputs if outputs_are_log_probabilities else F.log_softmax(outputs, dim=1)
        if target.dim() == 1 and not label_smoothing:
            return F.nll_loss(log_probabilities, target)
        probabilities = class_probabilities(target, num_classes, label_smoothing)
        return -(probabilities * log_probabilities).sum(dim=1).mean()

    def mse(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if task == "classification":
            target = class_probabilities(target, num_classes, label_smoothing)
            if outputs_are_log_probabilities:
                outputs = outputs.exp()
        return F.mse_loss(outputs, target)

    def bce(outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if task == "classification":
            target = class_probabilities(target, num_classes, label_smoothing)
        if outputs_are_probabilities:
            return F.binary_cross_entropy(outputs.clamp(1e-7, 1 - 1e-7), target)
        return F.binary_cross_entropy_with_logits(outputs, target)

    loss_fn = {"cross_entropy": cross_entropy, "nll": nll, "mse": mse, "bce": bce}[name]
    if task == "regression":
        return Objective(name, loss_fn, None)
    if task == "binary":
        threshold = 0.0 if (name == "bce" and not outputs_are_probabilities) else 0.5

        def correct_binary(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
            return ((outputs > threshold).to(labels.dtype) == labels).sum()

        return Objective(name, loss_fn, correct_binary)

    def correct_classes(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return (outputs.argmax(dim=1) == labels).sum()

    return Objective(name, loss_fn, correct_classes)
