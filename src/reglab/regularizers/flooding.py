"""Flooding: keep the training loss near a flood level b instead of driving it to zero.

    L̃ = |L − b| + b

Above the flood level the gradient is ∇L (ordinary descent); below it, −∇L (ascent),
so the loss floats around b. L is each member's mean minibatch data loss; penalty
terms are added after the transform. b = 0 leaves a non-negative loss unchanged.

Reference:
    Ishida, Yamane, Sakai, Niu & Sugiyama 2020, Do We Need Zero Training Loss After
    Achieving Zero Training Error? ICML, arXiv:2002.08709.
"""

from __future__ import annotations

import torch

from reglab.contract.hooks import StepContext, StepHook

__all__ = ["FloodingHook", "flood"]


def flood(loss: torch.Tensor, level: torch.Tensor | float) -> torch.Tensor:
    """|L − b| + b, elementwise: a 0-d loss with a float level, or (K,) losses with (K,) levels.

    Example:
        >>> flood(torch.tensor([0.5, 0.05]), torch.tensor([0.1, 0.1]))
        tensor([0.5000, 0.1500])
    """
    return (loss - level).abs() + level


class FloodingHook(StepHook):
    """`regularization.flooding`: the data loss of every step goes through `flood`."""

    name = "flooding"

    def __init__(self, level: float) -> None:
        self.level = level

    def transform_loss(self, loss: torch.Tensor, context: StepContext) -> torch.Tensor:
        return flood(loss, self.level)
