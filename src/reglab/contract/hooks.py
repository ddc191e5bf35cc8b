"""Step hooks: units that act inside the training step (penalties, gradient and weight rules).

The loop runs, for every batch:
    loss = transform_loss(data_loss) + Σ hook.penalty(...)   →  backward
    →  [hook.perturbation: a second forward/backward at perturbed weights, then undo]
    →  hook.before_step (gradients)  →  optimizer.step()
    →  hook.after_step (weights: proximal steps, constraints, masks, averages)

Where a unit acts:

| method          | acts on                        | examples                          |
|-----------------|--------------------------------|-----------------------------------|
| transform_loss  | the data loss (a transform)    | flooding                          |
| penalty         | the loss (an added term)       | L1, L2, activity, orthogonality   |
| perturbation    | the step (an extra pass)       | sharpness-aware minimization      |
| before_step     | gradients                      | clipping, L1 subgradient          |
| after_step      | weights after the step         | proximal L1, max-norm, masks, EMA |
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["StepHook", "StepContext"]


@dataclass(frozen=True)
class StepContext:
    """What a penalty may need to know about the current batch."""

    batch_size: int
    step: int
    lr: float


class StepHook:
    """Base class of in-step units; override what you need. Names key the loss breakdown."""

    name: str = "hook"
    resumable: bool = True  # see `reglab.contract.Callback.resumable`

    def state_dict(self) -> dict:
        """State carried between epochs (see `Callback.state_dict`); {} when none."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Take back what `state_dict` returned."""

    def penalty(self, model: torch.nn.Module, context: StepContext) -> dict[str, torch.Tensor]:
        """Loss terms to add, by name (recorded per epoch as `loss/<name>`)."""
        return {}

    def transform_loss(self, loss: torch.Tensor, context: StepContext) -> torch.Tensor:
        """The data loss the gradient is taken of (identity unless overridden)."""
        return loss

    def perturbation(self, model: torch.nn.Module) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
        """(parameter, offset) pairs for a second forward/backward at θ + offset, read from
        the first pass's gradients; the loop adds them, recomputes the gradient, and
        subtracts them before the optimizer step. None: no extra pass."""
        return None

    def before_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        """Act on gradients after backward (clipping, masking, subgradients)."""

    def after_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        """Act on weights after the optimizer step (proximal steps, constraints, masks)."""
