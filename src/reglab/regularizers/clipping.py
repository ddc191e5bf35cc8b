"""Gradient clipping by global norm and by value, before the optimizer step.

by norm:  g ← g·min(1, c/‖g‖₂) with ‖g‖₂ the norm of all gradients concatenated;
by value: g ← clamp(g, −v, v) entrywise.

the semantics of PyTorch's `clip_grad_norm_` / `clip_grad_value_` (the coefficient
min(1, c/(‖g‖ + 1e-6))). When both are set, values are clipped first and the norm last,
so the global-norm bound holds on the final gradient. Clipping acts on the whole
gradient (every trainable parameter, penalty gradients included), not on a
regularization scope. `clip_member_gradients_` does it for stacked gradients (K, ...),
one norm and one cap per member; a single run calls it on K = 1 views.

Reference:
    Pascanu, Mikolov & Bengio 2013, On the difficulty of training recurrent neural
    networks (arXiv:1211.5063).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import torch

from reglab.contract.hooks import StepHook
from reglab.contract.members import per_member

__all__ = ["GradientClipHook", "clip_gradients_", "clip_member_gradients_"]


@torch.no_grad()
def clip_member_gradients_(
    gradients: Sequence[torch.Tensor], max_norm: torch.Tensor | None = None, max_value: torch.Tensor | None = None
) -> None:
    """Clip stacked gradients (K, ...) in place, each member by its own caps, shape (K,).

    A member whose cap is inf is left exactly as it was.

    Example:
        >>> grads = [torch.tensor([[3.0, 4.0], [0.3, 0.4]])]
        >>> clip_member_gradients_(grads, max_norm=torch.tensor([1.0, 1.0])); grads[0]
        tensor([[0.6000, 0.8000],
                [0.3000, 0.4000]])
    """
    if max_value is not None:
        for gradient in gradients:
            limit = per_member(max_value, gradient)
            torch.clamp(gradient, min=-limit, max=limit, out=gradient)
    if max_norm is not None:
        norms = torch.stack([gradient.flatten(1).norm(dim=1) for gradient in gradients]).norm(dim=0)
        coefficient = (max_norm / (norms + 1e-6)).clamp(max=1.0)
        for gradient in gradients:
            gradient.mul_(per_member(coefficient, gradient))


def clip_gradients_(
    params: Iterable[torch.Tensor], max_norm: float | None = None, max_value: float | None = None
) -> None:
    """Clip the gradients of `params` in place: by value (if given), then by global norm (if given).

    Example:
        >>> loss.backward()
        >>> clip_gradients_(model.parameters(), max_norm=1.0)
    """
    grads = [param.grad.unsqueeze(0) for param in params if param.grad is not None]
    if not grads:
        return
    device = grads[0].device
    caps = [torch.tensor([value], device=device) if value is not None else None for value in (max_norm, max_value)]
    clip_member_gradients_(grads, *caps)


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
