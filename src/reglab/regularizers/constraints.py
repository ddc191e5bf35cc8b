"""Max-norm constraint: cap the L2 norm of every unit's incoming weight vector.

After each optimizer step, for a weight W of shape (units, ...) — a Linear's rows,
a convolution's output channels — each slice W[u] is rescaled so that

    ‖W[u]‖₂ ≤ c:   W[u] ← W[u]·c/‖W[u]‖₂  when ‖W[u]‖₂ > c, unchanged otherwise.

This is `torch.renorm(W, p=2, dim=0, maxnorm=c)`; reglab uses PyTorch's operator
rather than a hand-written loop (it divides by ‖W[u]‖ + 1e-7, so a rescaled row
lands a hair under c).

Reference:
    Srebro & Shraibman 2005, Rank, Trace-Norm and Max-Norm; Srivastava et al. 2014,
    Dropout: A Simple Way to Prevent Neural Networks from Overfitting, §5.1
    (max-norm with dropout); Keras `constraints.MaxNorm`.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import torch

from reglab.contract.units import MemberStep, MemberUnit

__all__ = ["MaxNorm", "max_norm_", "max_norm_members_", "unit_norms"]


def unit_norms(weight: torch.Tensor) -> torch.Tensor:
    """‖W[u]‖₂ for every unit u (slices along dim 0).

    Example:
        >>> unit_norms(torch.tensor([[3.0, 4.0], [0.0, 1.0]]))
        tensor([5., 1.])
    """
    return weight.detach().flatten(1).norm(dim=1)


@torch.no_grad()
def max_norm_members_(weights: Iterable[torch.Tensor], max_norm: torch.Tensor) -> None:
    """Rescale, in place, every unit's incoming weights of stacked tensors (K, units, ...)
    to L2 norm ≤ its member's cap, shape (K,); inf leaves a member as it is.

    w_u ← w_u · c/(‖w_u‖ + 1e-7) where ‖w_u‖ > c (PyTorch's `renorm`).
    """
    for weight in weights:
        norms = weight.flatten(2).norm(dim=2)  # (K, units)
        cap = max_norm.view(-1, 1)
        factor = torch.where(norms > cap, cap / (norms + 1e-7), torch.ones_like(norms))
        weight.mul_(factor.view(*factor.shape, *([1] * (weight.dim() - 2))))


def max_norm_(weights: Iterable[torch.Tensor], max_norm: float) -> None:
    """Rescale, in place, every unit's incoming weights to L2 norm ≤ `max_norm`.

    Example:
        >>> weight = torch.tensor([[3.0, 4.0], [0.0, 1.0]])
        >>> max_norm_([weight], 2.0); weight
        tensor([[1.2000, 1.6000],
                [0.0000, 1.0000]])
    """
    views = [weight.unsqueeze(0) for weight in weights]
    if views:
        max_norm_members_(views, torch.tensor([max_norm], device=views[0].device))


class MaxNorm(MemberUnit):
    """`regularization.max_norm`: after each step, every unit's incoming weights of the
    scoped weight matrices are rescaled to L2 norm ≤ the member's cap c_k (inf: none).

    Args:
        matrices: names of the scoped parameters with a unit dimension (2 or more dims).
    """

    name = "max_norm"
    slots = ("weight_transform",)

    def __init__(self, matrices: Sequence[str]) -> None:
        self.matrices = list(matrices)

    def transform_weights(self, step: MemberStep) -> None:
        max_norm_members_([step.params[name] for name in self.matrices], step.hyper.max_norm)
