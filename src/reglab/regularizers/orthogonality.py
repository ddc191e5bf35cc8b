"""Orthogonality penalty: the weight vectors of a layer are pushed towards orthogonality.

For a weight W with n vectors (rows: one per output unit, W of shape (out, in, ...)
flattened to (out, d); columns: one per input feature) normalised to unit length,
Ŵ = W / ‖W‖ per vector:

    R(W) = λ · ½ · Σ_{i≠j} |⟨ŵ_i, ŵ_j⟩| / (n(n−1)/2)

the mean absolute cosine similarity over pairs of vectors, times λ (the penalty
Keras's `OrthogonalRegularizer(factor=λ, mode)` adds; a Keras Dense kernel is stored
(in, out), so Keras's "columns" are reglab's "rows"). Summed over the selected
weight tensors; a tensor with one vector adds nothing.

Reference:
    Brock, Lim, Ritchie & Weston 2017, Neural Photo Editing with Introspective
    Adversarial Networks, ICLR, arXiv:1609.07093 (orthogonal regularization);
    keras.regularizers.OrthogonalRegularizer.
"""

from __future__ import annotations

from typing import Any, Literal, Sequence

import torch
import torch.nn.functional as F

from reglab.contract.units import MemberStep, MemberUnit

__all__ = ["ORTHOGONALITY_MODES", "OrthogonalityPenalty", "orthogonality_penalty"]

ORTHOGONALITY_MODES = ("rows", "columns")


def orthogonality_penalty(weights: torch.Tensor, mode: Literal["rows", "columns"] = "rows") -> torch.Tensor:
    """Mean |cosine similarity| over pairs of vectors of each member's weight, shape (K,).

    Args:
        weights: a stacked weight (K, out, in, ...): member k's tensor is `weights[k]`.
        mode: rows (one vector per output unit) | columns (one per input entry).

    Example:
        >>> orthogonality_penalty(torch.eye(3).unsqueeze(0))     # orthogonal rows
        tensor([0.])
        >>> orthogonality_penalty(torch.ones(1, 2, 2))           # parallel rows
        tensor([0.5000])
    """
    vectors = weights.flatten(2)  # (K, out, d)
    if mode == "columns":
        vectors = vectors.transpose(1, 2)
    count = vectors.shape[1]
    if count < 2:
        return weights.new_zeros(weights.shape[0])
    unit = F.normalize(vectors, dim=2)
    cosines = torch.bmm(unit, unit.transpose(1, 2)).abs()
    off_diagonal = cosines.sum(dim=(1, 2)) - cosines.diagonal(dim1=1, dim2=2).sum(dim=1)
    return 0.5 * off_diagonal / (count * (count - 1) / 2)


class OrthogonalityPenalty(MemberUnit):
    """`regularization.orthogonality`: λ_k · Σ_W R(W_k) over the scoped weight matrices
    (`loss/orthogonality`), R = `orthogonality_penalty`.

    Args:
        matrices: names of the scoped parameters with two or more dims, in model order.
        mode: rows | columns (`regularization.orthogonality_mode`).
    """

    name = "orthogonality"
    slots = ("loss_term",)

    def __init__(self, matrices: Sequence[str], mode: Literal["rows", "columns"] = "rows") -> None:
        self.matrices = list(matrices)
        self.mode = mode

    def configure(self, hyper: Any) -> None:
        self.on = [value > 0 for value in hyper.orthogonality.tolist()]

    def loss_terms(self, step: MemberStep) -> dict[str, torch.Tensor]:
        total = torch.stack([orthogonality_penalty(step.params[name], self.mode) for name in self.matrices]).sum(dim=0)
        return {"orthogonality": step.hyper.orthogonality * total}

    def emitted(self, position: int) -> set[str]:
        return {"orthogonality"} if self.on[position] else set()
