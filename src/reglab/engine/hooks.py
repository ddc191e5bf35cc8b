"""Step hooks: units that act inside the training step (penalties, gradient and weight rules).

The loop runs, for every batch:
    loss = data_loss + Σ hook.penalty(...)   →  backward  →  hook.before_step (gradients)
    →  optimizer.step()  →  hook.after_step (weights: proximal steps, constraints, masks, averages)
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

    def penalty(self, model: torch.nn.Module, context: StepContext) -> dict[str, torch.Tensor]:
        """Loss terms to add, by name (recorded per epoch as `loss/<name>`)."""
        return {}

    def before_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        """Act on gradients after backward (clipping, masking, subgradients)."""

    def after_step(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
        """Act on weights after the optimizer step (proximal steps, constraints, masks)."""
