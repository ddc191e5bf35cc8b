"""Activity regularization: L1/L2 penalties on the hidden activations (Keras ActivityRegularization).

For each hidden block with output a (batch × features):

    activity_l1 = λ·mean_batch Σ_features |a|        activity_l2 = λ·mean_batch Σ_features a²

summed over the hidden blocks. The formula is written once for K members stacked
along dim 0 (`member_activity_penalties`: outputs (K, B, ...) and one λ per member);
a single run is K = 1. In a single run the outputs are captured by forward hooks on
`reglab.models.hidden_blocks(model)`. A hook keeps an output only while the block is
in training mode with gradients enabled, so evaluation passes and no-grad passes
(batch-norm refreshes) add nothing; `penalty` takes the captured outputs and clears
the list, so no graph outlives its step. A population's stacked forward pass hands
its hidden outputs to `MemberActivity` instead (only when some member asks).

Reference:
    Keras `ActivityRegularization` / `activity_regularizer`; Glorot, Bordes & Bengio
    2011 (Deep Sparse Rectifier Neural Networks) use the L1 activation penalty for sparsity.
"""

from __future__ import annotations

from typing import Sequence, Union

import torch

from reglab.contract.hooks import StepContext, StepHook

__all__ = ["ActivityPenaltyHook", "MemberActivity", "activity_l1", "activity_l2", "member_activity_penalties"]

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


class ActivityPenaltyHook(StepHook):
    """Penalise the outputs of the given modules (the model's hidden blocks).

    Args:
        modules: the modules whose outputs are penalised (`hidden_blocks(model)`).
        l1: λ of the L1 activity penalty (0 = off).
        l2: λ of the L2 activity penalty (0 = off).

    Metric keys (through the loop's loss breakdown; per epoch, means over the batches):

    | key                | meaning                        |
    |--------------------|--------------------------------|
    | `loss/activity_l1` | λ·Σ_blocks mean_batch Σ|a|      |
    | `loss/activity_l2` | λ·Σ_blocks mean_batch Σa²       |

    Example:
        >>> hook = ActivityPenaltyHook(hidden_blocks(model), l1=1e-4)
        >>> outputs = model(x)
        >>> hook.penalty(model, context)
        {'activity_l1': tensor(...)}
    """

    name = "activity"

    def __init__(self, modules: Sequence[torch.nn.Module], l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = l1
        self.l2 = l2
        self.captured: list[torch.Tensor] = []
        captured = self.captured

        # A closure, not a bound method: deep copies of the model (weight averaging)
        # then share this function instead of copying the whole hook object.
        def capture(module: torch.nn.Module, inputs: object, output: torch.Tensor) -> None:
            if module.training and torch.is_grad_enabled():
                captured.append(output)

        self.handles = [module.register_forward_hook(capture) for module in modules]

    def penalty(self, model: torch.nn.Module, context: StepContext) -> dict[str, torch.Tensor]:
        outputs = list(self.captured)
        self.captured.clear()
        if not outputs:
            return {}
        stacked = [output.unsqueeze(0) for output in outputs]  # one member
        terms = member_activity_penalties(stacked, self.l1 if self.l1 > 0 else None, self.l2 if self.l2 > 0 else None)
        return {name: term[0] for name, term in terms.items()}

    def remove(self) -> None:
        """Unregister the forward hooks and drop any captured outputs."""
        for handle in self.handles:
            handle.remove()
        self.captured.clear()


class MemberActivity:
    """The activity penalties of a population's members, λ₁ and λ₂ per member.

    Args:
        l1, l2: each member's `regularization.activity_l1` / `activity_l2` (host floats).
        device: where the (K,) strengths live.

    The stacked forward pass hands its hidden outputs (K, B, width) to `penalty`;
    `emitted(k)` names the `loss/<name>` keys member k's single run records (a term
    whose λ is 0 for it is left out of its rows, as its single run leaves it out).

    Example:
        >>> activity = MemberActivity([1e-4, 0.0], [0.0, 0.0], torch.device("cpu"))
        >>> activity.penalty(hidden)["activity_l1"].shape
        torch.Size([2])
    """

    def __init__(self, l1: Sequence[float], l2: Sequence[float], device: torch.device) -> None:
        self.l1_on = [value > 0 for value in l1]
        self.l2_on = [value > 0 for value in l2]
        self.l1 = torch.tensor(list(l1), dtype=torch.float32, device=device) if any(self.l1_on) else None
        self.l2 = torch.tensor(list(l2), dtype=torch.float32, device=device) if any(self.l2_on) else None

    @property
    def active(self) -> bool:
        """Does any member penalize its activations?"""
        return self.l1 is not None or self.l2 is not None

    def penalty(self, outputs: Sequence[torch.Tensor]) -> dict[str, torch.Tensor]:
        """The (K,) terms for the hidden outputs of one forward pass."""
        return member_activity_penalties(outputs, self.l1, self.l2)

    def emitted(self, member: int) -> set[str]:
        """The `loss/<name>` keys member `member`'s single run records."""
        flags = (("activity_l1", self.l1_on[member]), ("activity_l2", self.l2_on[member]))
        return {name for name, on in flags if on}
