"""How a regularization technique plugs into a run: in-step hooks, callbacks, augmentation.

Each technique family is a module with a function

    build_technique(config: Config, model: nn.Module, data: DataSplits) -> Technique | None

returning None when the config does not ask for it. `TECHNIQUE_MODULES` lists the
families in the order their hooks run inside a step.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from reglab.engine.events import Callback
from reglab.engine.hooks import StepHook

__all__ = ["Technique", "TECHNIQUE_MODULES", "build_techniques"]

# Order matters for step hooks: penalties and gradient rules, then weight rules
# (proximal L1, max-norm), then pruning masks (zeros stay zero), then averages; the
# trajectory's gradient hook comes last so it sees the gradients the optimizer used.
TECHNIQUE_MODULES: tuple[str, ...] = (
    "reglab.regularizers.technique",
    "reglab.pruning.technique",
    "reglab.averaging.technique",
    "reglab.augment.technique",
    "reglab.stopping.technique",
    "reglab.trajectory.technique",
)


@dataclass
class Technique:
    """What one technique family adds to a run."""

    hooks: list[StepHook] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)
    augment: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None = None
    # Set by techniques that train in several phases (lottery-ticket rounds): the loop
    # runs this many epochs instead of `config.epochs`.
    total_epochs: int | None = None
    # Epochs per phase: the learning-rate schedule spans one phase and restarts at the
    # start of the next (every round of a lottery ticket trains with the whole schedule).
    schedule_period: int | None = None


def build_techniques(config: Any, model: torch.nn.Module, data: Any) -> Technique:
    """Collect the hooks, callbacks and augmentation every family asks for."""
    combined = Technique()
    for module_name in TECHNIQUE_MODULES:
        module = importlib.import_module(module_name)
        technique = module.build_technique(config, model, data)
        if technique is None:
            continue
        combined.hooks.extend(technique.hooks)
        combined.callbacks.extend(technique.callbacks)
        if technique.total_epochs is not None:
            combined.total_epochs = max(combined.total_epochs or 0, technique.total_epochs)
        if technique.schedule_period is not None:
            if combined.schedule_period not in (None, technique.schedule_period):
                raise RuntimeError(f"{module_name} sets a second schedule period")
            combined.schedule_period = technique.schedule_period
        if technique.augment is not None:
            if combined.augment is not None:
                raise RuntimeError(f"{module_name} sets a second augmentation function")
            combined.augment = technique.augment
    return combined
