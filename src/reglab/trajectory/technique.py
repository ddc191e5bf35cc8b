"""The trajectory family's entry point: `trajectory.*` keys -> a recorder (and its gradient hook)."""

from __future__ import annotations

from typing import Any

import torch

from reglab.contract.batches import batch_starts
from reglab.contract.technique import Technique, register_technique
from reglab.trajectory.gradients import GradientNormHook
from reglab.trajectory.recorder import TrajectoryRecorder

__all__ = ["build_technique"]


@register_technique(order=60)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """A `TrajectoryRecorder` configured from `config.trajectory`, or None when disabled.

    The gradient hook is added only when the `gradients` set is on; it runs last
    among the step hooks, so it measures the gradient the optimizer applies.
    """
    settings = config.trajectory
    if not settings.enabled:
        return None
    hook = None
    if "gradients" in settings.metrics:
        steps_per_epoch = len(batch_starts(data.train_x.shape[0], config.data.batch_size))
        hook = GradientNormHook(list(model.parameters()), steps_per_epoch, settings.gradient_mode)
    recorder = TrajectoryRecorder(
        metrics=settings.metrics,
        epsilon=settings.epsilon,
        gradient_hook=hook,
        every_steps=settings.every_steps,
        snapshot_epochs=settings.snapshot_epochs,
        snapshot_steps=settings.snapshot_steps,
        snapshot_budget_mb=settings.snapshot_budget_mb,
    )
    return Technique(hooks=[hook] if hook is not None else [], callbacks=[recorder])
