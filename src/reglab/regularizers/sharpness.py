"""Sharpness-aware minimization (SAM): descend with the gradient taken at the worst
nearby weights.

    ε̂(θ) = ρ · ∇L(θ) / ‖∇L(θ)‖₂          (the first-order worst case in an L2 ball of radius ρ)
    θ ← step(θ, ∇L(θ + ε̂))

Each step costs a second forward and backward pass. ‖·‖₂ runs over all trainable
parameters of one member (one norm per member in a population, each with its own
ρ). Batch-norm running statistics are updated by both passes, as in a plain
closure-based implementation.

Reference:
    Foret, Kleiner, Mobahi & Neyshabur 2021, Sharpness-Aware Minimization for
    Efficiently Improving Generalization, ICLR, arXiv:2010.01412.
"""

from __future__ import annotations

from typing import Sequence

import torch

from reglab.contract.hooks import StepHook

__all__ = ["SharpnessAwareHook", "sam_perturbation"]


@torch.no_grad()
def sam_perturbation(gradients: Sequence[torch.Tensor], rho: torch.Tensor, eps: float = 1e-12) -> list[torch.Tensor]:
    """ε̂ per member: ρ_k · g_k / ‖g_k‖₂ for stacked gradients (K, ...), ρ of shape (K,).

    Example:
        >>> sam_perturbation([torch.tensor([[3.0, 4.0]])], torch.tensor([0.5]))
        [tensor([[0.3000, 0.4000]])]
    """
    squares = torch.stack([gradient.pow(2).flatten(1).sum(dim=1) for gradient in gradients]).sum(dim=0)
    scale = rho / (squares.sqrt() + eps)
    return [gradient * scale.view(-1, *([1] * (gradient.dim() - 1))) for gradient in gradients]


class SharpnessAwareHook(StepHook):
    """`regularization.sam_rho`: the step's gradient is taken again at θ + ε̂."""

    name = "sam"

    def __init__(self, params: Sequence[torch.Tensor], rho: float) -> None:
        self.params = list(params)
        self.rho = rho

    def perturbation(self, model: torch.nn.Module) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
        params = [param for param in self.params if param.grad is not None]
        if not params:
            return None
        rho = torch.full((1,), self.rho, device=params[0].device)
        offsets = sam_perturbation([param.grad.unsqueeze(0) for param in params], rho)
        return [(param, offset[0]) for param, offset in zip(params, offsets)]
