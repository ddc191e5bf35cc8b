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

from reglab.contract.hooks import StepHook
from reglab.contract.members import per_member
from reglab.regularizers.penalties import PenaltyGroup

__all__ = ["ProximalL1Hook", "SubgradientL1Hook", "soft_threshold", "soft_threshold_", "soft_threshold_members_", "add_l1_subgradient_"]


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


def _groups_by_optimizer_group(
    penalty_groups: Sequence[PenaltyGroup], optimizer: torch.optim.Optimizer
) -> list[tuple[int, float, list[torch.Tensor]]]:
    """(optimizer group index, multiplier, params) triples, so each step reads the
    group's current lr without searching."""
    group_of = {id(param): index for index, group in enumerate(optimizer.param_groups) for param in group["params"]}
    plan: dict[tuple[int, float], list[torch.Tensor]] = {}
    for penalty_group in penalty_groups:
        for param in penalty_group.params:
            if id(param) not in group_of:
                raise ValueError("a regularized parameter is not in the optimizer")
            plan.setdefault((group_of[id(param)], penalty_group.multiplier), []).append(param)
    return [(index, multiplier, params) for (index, multiplier), params in plan.items()]


class ProximalL1Hook(StepHook):
    """After each optimizer step, soft-threshold the scoped weights by lr·λ·multiplier.

    Args:
        groups: scoped parameters grouped by per-layer multiplier (`group_by_multiplier`).
        strength: λ₁.

    Example:
        >>> hook = ProximalL1Hook(group_by_multiplier(select_parameters(model)), strength=1e-3)
        >>> optimizer.step(); hook.after_step(model, optimizer)   # exact zeros appear
    """

    name = "proximal_l1"

    def __init__(self, groups: Sequence[PenaltyGroup], strength: float) -> None:
        self.groups = list(groups)
        self.strength = strength
        self._plan: list[tuple[int, float, list[torch.Tensor]]] | None = None
        self._optimizer_id: int | None = None

    def after_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        if self._plan is None or self._optimizer_id != id(optimizer):
            self._plan = _groups_by_optimizer_group(self.groups, optimizer)
            self._optimizer_id = id(optimizer)
        for group_index, multiplier, params in self._plan:
            lr = optimizer.param_groups[group_index]["lr"]
            soft_threshold_(params, float(lr) * self.strength * multiplier)


class SubgradientL1Hook(StepHook):
    """Before each optimizer step, add λ·multiplier·sign(w) to the gradient of the scoped weights.

    Args:
        groups: scoped parameters grouped by per-layer multiplier.
        strength: λ₁.

    Example:
        >>> hook = SubgradientL1Hook(group_by_multiplier(select_parameters(model)), strength=1e-3)
        >>> loss.backward(); hook.before_step(model, optimizer); optimizer.step()
    """

    name = "subgradient_l1"

    def __init__(self, groups: Sequence[PenaltyGroup], strength: float) -> None:
        self.groups = list(groups)
        self.strength = strength

    @torch.no_grad()
    def before_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        for group in self.groups:
            for param in group.params:
                if param.grad is None:
                    # A weight the loss did not reach still feels the penalty.
                    param.grad = torch.zeros_like(param)
            strength = torch.tensor([self.strength * group.multiplier], device=group.params[0].device)
            add_l1_subgradient_([p.unsqueeze(0) for p in group.params], [p.grad.unsqueeze(0) for p in group.params], strength)
