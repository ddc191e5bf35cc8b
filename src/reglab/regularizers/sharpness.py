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

from reglab.contract.units import MemberStep, MemberUnit

__all__ = ["SharpnessAware", "sam_perturbation"]


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


class SharpnessAware(MemberUnit):
    """`regularization.sam_rho`: each member's gradient is taken again at θ_k + ε̂_k.

    The second pass (`MemberStep.regradient`) goes through the gradient transforms that
    come before this unit (pruning masks), so it sees the gradient the first pass gave.
    A member with ρ = 0 is not moved and gets its first gradient again."""

    name = "sam"
    slots = ("gradient_transform",)
    regradients = True

    def transform_gradients(self, gradients: dict[str, torch.Tensor], step: MemberStep) -> dict[str, torch.Tensor]:
        names = list(gradients)
        offsets = sam_perturbation([gradients[name] for name in names], step.hyper.sam_rho)
        with torch.no_grad():
            for name, offset in zip(names, offsets):
                step.params[name].add_(offset)
        again = step.regradient()
        with torch.no_grad():
            for name, offset in zip(names, offsets):
                step.params[name].sub_(offset)
        return again
