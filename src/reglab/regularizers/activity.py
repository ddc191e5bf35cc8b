"""Activity regularization: L1/L2 penalties on the hidden activations (Keras ActivityRegularization).

For each hidden block with output a (batch × features):

    activity_l1 = λ·mean_batch Σ_features |a|        activity_l2 = λ·mean_batch Σ_features a²

summed over the hidden blocks. The formula is written once for K members stacked
along dim 0 (`member_activity_penalties`: outputs (K, B, ...) and one λ per member);
a single run is K = 1. The stacked forward pass of a training step hands its hidden
outputs to `ActivityPenalty` (only when some member asks: `reads_hidden`).

Reference:
    Keras `ActivityRegularization` / `activity_regularizer`; Glorot, Bordes & Bengio
    2011 (Deep Sparse Rectifier Neural Networks) use the L1 activation penalty for sparsity.
"""

from __future__ import annotations

from typing import Any, Sequence, Union

import torch

from reglab.contract.units import MemberStep, MemberUnit

__all__ = ["ActivityPenalty", "activity_l1", "activity_l2", "member_activity_penalties"]

Strength = Union[float, torch.Tensor]


def _member_sums(activations: torch.Tensor, squared: bool) -> torch.Tensor:
    """(K, B, ...) -> (K,): mean over the batch (dim 1) of Σ|a| (or Σa²) over every other dimension."""
    values = activations.pow(2) if squared else activations.abs()
    return values.flatten(1).sum(dim=1) / activations.shape[1]


def member_activity_penalties(outputs: Sequence[torch.Tensor], l1: Strength | None, l2: Strength | None) -> dict[str, torch.Tensor]:
    """The activity terms of K members: λ_k·Σ_blocks mean_batch Σ|a_k| (and Σa_k²), each (K,).

    Args:
        outputs: each hidden block's output, member-first (K, B, ...).
        l1, l2: λ per member, (K,) or one float; None leaves the term out.

    Example:
        >>> member_activity_penalties([torch.tensor([[[1.0, -2.0], [0.0, 3.0]]])], l1=1.0, l2=None)
        {'activity_l1': tensor([3.])}
    """
    terms: dict[str, torch.Tensor] = {}
    for name, strength, squared in (("activity_l1", l1, False), ("activity_l2", l2, True)):
        if strength is not None:
            terms[name] = strength * torch.stack([_member_sums(output, squared) for output in outputs]).sum(dim=0)
    return terms


def activity_l1(activations: torch.Tensor) -> torch.Tensor:
    """mean over the batch (dim 0) of Σ|a| over every other dimension.

    Example:
        >>> activity_l1(torch.tensor([[1.0, -2.0], [0.0, 3.0]]))
        tensor(3.)
    """
    return _member_sums(activations.unsqueeze(0), squared=False)[0]


def activity_l2(activations: torch.Tensor) -> torch.Tensor:
    """mean over the batch (dim 0) of Σa² over every other dimension.

    Example:
        >>> activity_l2(torch.tensor([[1.0, -2.0], [0.0, 3.0]]))
        tensor(7.)
    """
    return _member_sums(activations.unsqueeze(0), squared=True)[0]


class ActivityPenalty(MemberUnit):
    """`regularization.activity_l1` / `activity_l2`: each member's λ times its hidden blocks'
    activity sums, from the hidden outputs (K, B, width) of the step's forward pass.

    Metric keys (per epoch, means over the batches; a member whose λ is 0 records none):

    | key                | meaning                        |
    |--------------------|--------------------------------|
    | `loss/activity_l1` | λ·Σ_blocks mean_batch Σ|a|      |
    | `loss/activity_l2` | λ·Σ_blocks mean_batch Σa²       |

    Example:
        >>> activity = ActivityPenalty(); activity.configure(hyper)
        >>> activity.loss_terms(step)["activity_l1"].shape     # step.hidden: the hidden outputs
        torch.Size([2])
    """

    name = "activity"
    slots = ("loss_term",)
    reads_hidden = True

    def configure(self, hyper: Any) -> None:
        self.l1_on = [value > 0 for value in hyper.activity_l1.tolist()]
        self.l2_on = [value > 0 for value in hyper.activity_l2.tolist()]

    def loss_terms(self, step: MemberStep) -> dict[str, torch.Tensor]:
        l1 = step.hyper.activity_l1 if any(self.l1_on) else None
        l2 = step.hyper.activity_l2 if any(self.l2_on) else None
        return member_activity_penalties(step.hidden or [], l1, l2)

    def emitted(self, position: int) -> set[str]:
        flags = (("activity_l1", self.l1_on[position]), ("activity_l2", self.l2_on[position]))
        return {name for name, on in flags if on}
