"""Gradient clipping by global norm and by value, before the optimizer step.

by norm:  g ← g·min(1, c/‖g‖₂) with ‖g‖₂ the norm of all gradients concatenated;
by value: g ← clamp(g, −v, v) entrywise.

Both are PyTorch's `clip_grad_norm_` / `clip_grad_value_`. When both are set, values
are clipped first and the norm last, so the global-norm bound holds on the final
gradient. Clipping acts on the whole gradient (every trainable parameter, penalty
gradients included), not on a regularization scope.

Reference:
    Pascanu, Mikolov & Bengio 2013, On the difficulty of training recurrent neural
    networks (arXiv:1211.5063).
"""

from __future__ import annotations

from typing import Iterable

import torch

from reglab.contract.hooks import StepHook

__all__ = ["GradientClipHook", "clip_gradients_"]


def clip_gradients_(
    params: Iterable[torch.Tensor], max_norm: float | None = None, max_value: float | None = None
) -> None:
    """Clip the gradients of `params` in place: by value (if given), then by global norm (if given).

    Example:
        >>> loss.backward()
        >>> clip_gradients_(model.parameters(), max_norm=1.0)
    """
    params = [param for param in params if param.grad is not None]
    if max_value is not None:
        torch.nn.utils.clip_grad_value_(params, max_value)
    if max_norm is not None:
        torch.nn.utils.clip_grad_norm_(params, max_norm)


class GradientClipHook(StepHook):
    """Clip gradients after backward, before the optimizer step.

    Args:
        params: the parameters whose gradients are clipped (all trainable ones).
        max_norm: cap on the global L2 norm (`regularization.grad_clip_norm`).
        max_value: cap on each entry's magnitude (`regularization.grad_clip_value`).

    Example:
        >>> hook = GradientClipHook(model.parameters(), max_norm=1.0)
    """

    name = "grad_clip"

    def __init__(
        self, params: Iterable[torch.Tensor], max_norm: float | None = None, max_value: float | None = None
    ) -> None:
        self.params = [param for param in params if param.requires_grad]
        self.max_norm = max_norm
        self.max_value = max_value

    def before_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        clip_gradients_(self.params, self.max_norm, self.max_value)
