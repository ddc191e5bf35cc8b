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

from reglab.contract.units import MemberStep, MemberUnit

__all__ = ["Flooding", "flood"]


def flood(loss: torch.Tensor, level: torch.Tensor | float) -> torch.Tensor:
    """|L − b| + b, elementwise: a 0-d loss with a float level, or (K,) losses with (K,) levels.

    Example:
        >>> flood(torch.tensor([0.5, 0.05]), torch.tensor([0.1, 0.1]))
        tensor([0.5000, 0.1500])
    """
    return (loss - level).abs() + level


class Flooding(MemberUnit):
    """`regularization.flooding`: every member's data loss goes through `flood` with its
    own level b_k (b = 0, a member without flooding, is the identity on its loss)."""

    name = "flooding"
    slots = ("loss_transform",)

    def transform_loss(self, losses: torch.Tensor, step: MemberStep) -> torch.Tensor:
        return flood(losses, step.hyper.flooding)
