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

import math
from typing import Any, Iterable, Sequence

import torch

from reglab.contract.units import MemberStep, MemberUnit
from reglab.contract.members import per_member

__all__ = ["GradientClipping", "clip_gradients_", "clip_member_gradients_"]


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


class GradientClipping(MemberUnit):
    """`regularization.grad_clip_norm` / `grad_clip_value`: every trainable parameter's
    gradient, clipped per member by its own caps (`clip_member_gradients_`; inf: none)."""

    name = "grad_clip"
    slots = ("gradient_transform",)

    def configure(self, hyper: Any) -> None:
        self.by_norm = any(math.isfinite(value) for value in hyper.grad_clip_norm.tolist())
        self.by_value = any(math.isfinite(value) for value in hyper.grad_clip_value.tolist())

    def transform_gradients(self, gradients: dict[str, torch.Tensor], step: MemberStep) -> None:
        clip_member_gradients_(
            list(gradients.values()),
            step.hyper.grad_clip_norm if self.by_norm else None,
            step.hyper.grad_clip_value if self.by_value else None,
        )
