"""What a loss compares outputs with: the loss a task uses by default, and class targets as probabilities."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["class_probabilities", "resolve_loss_name"]


def resolve_loss_name(loss: str, task: str) -> str:
    """`auto` -> cross_entropy (classes), bce (binary targets), mse (regression)."""
    if loss != "auto":
        return loss
    return {"classification": "cross_entropy", "binary": "bce", "regression": "mse"}[task]


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
