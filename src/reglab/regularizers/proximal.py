"""L1 as an optimizer: the proximal (soft-threshold) step and the subgradient step.

`l1_mode: proximal` — after each optimizer step (proximal gradient descent, ISTA):

    w ← prox_{η·λ·|·|}(w) = sign(w)·max(|w| − η·λ, 0)

with η the current learning rate of the parameter's optimizer group. Weights whose
magnitude falls below η·λ become exactly zero, which the autograd penalty never
achieves (its gradient λ·sign(w) makes weights oscillate around zero).

`l1_mode: subgradient` — before the optimizer step, add λ·sign(w) to the gradient
(the gradient autograd would give for λ·Σ|w|, with sign(0) = 0).

The soft threshold is `torch.nn.functional.softshrink`, PyTorch's own operator.
With Adam the proximal step uses the plain learning rate, not Adam's per-weight
step size: a common approximation, not the exact proximal operator of Adam's metric.

Reference:
    Beck & Teboulle 2009, A Fast Iterative Shrinkage-Thresholding Algorithm (ISTA/FISTA);
    Parikh & Boyd 2014, Proximal Algorithms, §6.5.2.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import torch
import torch.nn.functional as F

from reglab.contract.members import per_member
from reglab.contract.units import MemberStep, MemberUnit

__all__ = ["ProximalL1", "SubgradientL1", "soft_threshold", "soft_threshold_", "soft_threshold_members_", "add_l1_subgradient_"]


def soft_threshold(weights: torch.Tensor, threshold: float) -> torch.Tensor:
    """sign(w)·max(|w| − t, 0), the proximal operator of t·Σ|w|.

    Example:
        >>> soft_threshold(torch.tensor([-0.3, 0.05, 0.2]), 0.1)
        tensor([-0.2000,  0.0000,  0.1000])
    """
    return F.softshrink(weights, threshold)


@torch.no_grad()
def soft_threshold_members_(params: Iterable[torch.Tensor], thresholds: torch.Tensor) -> None:
    """Soft-threshold stacked tensors (K, ...) in place, member k by `thresholds[k]`:
    w ← sign(w)·max(|w| − t_k, 0), the same values as `F.softshrink` (t = 0: unchanged)."""
    for param in params:
        threshold = per_member(thresholds, param)
        param.copy_(torch.sign(param) * (param.abs() - threshold).clamp_(min=0))


@torch.no_grad()
def add_l1_subgradient_(params: Iterable[torch.Tensor], grads: Iterable[torch.Tensor], strengths: torch.Tensor) -> None:
    """g ← g + λ_k·sign(w) for stacked parameters and their gradients (K, ...)."""
    for param, grad in zip(params, grads):
        grad.addcmul_(torch.sign(param), per_member(strengths, param))


@torch.no_grad()
def soft_threshold_(params: Iterable[torch.Tensor], threshold: float) -> None:
    """Soft-threshold the tensors in place (one proximal L1 step of size `threshold`)."""
    views = [param.unsqueeze(0) for param in params]
    if views:
        soft_threshold_members_(views, torch.tensor([threshold], device=views[0].device))


class ProximalL1(MemberUnit):
    """`l1_mode: proximal`: after each step, soft-threshold every member's scoped weights
    by η_k·λ₁,k·m_g (its learning rate of the step, its λ₁, the group's multiplier).

    Args:
        groups: (multiplier m_g, parameter names) of the scoped parameters (`group_by_multiplier`).
    """

    name = "proximal_l1"
    slots = ("weight_transform",)

    def __init__(self, groups: Sequence[tuple[float, Sequence[str]]]) -> None:
        self.groups = [(multiplier, list(names)) for multiplier, names in groups]

    def transform_weights(self, step: MemberStep) -> None:
        for multiplier, names in self.groups:
            soft_threshold_members_([step.params[name] for name in names], step.lr * step.hyper.l1 * multiplier)


class SubgradientL1(MemberUnit):
    """`l1_mode: subgradient`: before the step, g ← g + λ₁,k·m_g·sign(w) on the scoped weights.

    Args:
        groups: (multiplier m_g, parameter names) of the scoped parameters.
    """

    name = "subgradient_l1"
    slots = ("gradient_transform",)

    def __init__(self, groups: Sequence[tuple[float, Sequence[str]]]) -> None:
        self.groups = [(multiplier, list(names)) for multiplier, names in groups]

    def transform_gradients(self, gradients: dict[str, torch.Tensor], step: MemberStep) -> None:
        for multiplier, names in self.groups:
            add_l1_subgradient_([step.params[name] for name in names], [gradients[name] for name in names], step.hyper.l1 * multiplier)
