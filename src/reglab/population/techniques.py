"""What a member's single run would add through the technique families, and whether a population can do it.

Each member's techniques are built exactly as `reglab.engine.setup` builds them
(`build_techniques`), then read: the population reproduces the units it knows
(below) with batched tensors, and refuses anything else, so a population never
silently drops a technique a single run would apply.

| unit (single run)                  | in a population                                     |
|------------------------------------|-----------------------------------------------------|
| PenaltyHook (every l1_mode, l2)    | `MemberPenalties`                                   |
| ProximalL1Hook, SubgradientL1Hook  | `soft_threshold_members_`, `add_l1_subgradient_`    |
| GradientClipHook, MaxNormHook      | `clip_member_gradients_`, `max_norm_members_`       |
| OrthogonalityHook                  | `MemberPenalties` (`orthogonality_penalty`)         |
| FloodingHook                       | `flood` on the (K,) data losses                     |
| ActivityPenaltyHook                | `MemberActivity` on the stacked hidden outputs      |
| SharpnessAwareHook                 | `sam_perturbation` on the stacked gradients         |
| ZeroFractionMonitor (`l1/zeros`)   | zero counts over the stacked scoped weights        |
| EarlyStopping, RestoreBest         | the same object per member, fed the member's metrics and, with restore_best, its weights |
| TrajectoryRecorder, GradientNormHook | `MemberTrajectory` (same keys, batched)            |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from reglab.config import Config
from reglab.techniques import build_techniques

__all__ = ["MemberTechniques", "PopulationUnsupported", "inspect_techniques"]


class PopulationUnsupported(ValueError):
    """A config asks for something the population engine does not do; train it sequentially."""


@dataclass
class MemberTechniques:
    """The technique units of one member's single run, as the population uses them."""

    stopper: Any | None  # reglab.stopping.EarlyStopping
    zero_fraction: bool
    trajectory_sets: tuple[str, ...] | None
    trajectory_epsilon: float
    gradient_mode: str


def inspect_techniques(config: Config, model: torch.nn.Module, data: Any) -> MemberTechniques:
    """Build the member's techniques as a single run would and translate them.

    Raises:
        ConfigError: bad input (the same errors a single run raises).
        PopulationUnsupported: a unit the population engine does not reproduce.
    """
    technique = build_techniques(config, model, data)
    if technique.augment is not None:
        raise PopulationUnsupported("augmentation (augment.*)")
    if technique.total_epochs is not None:
        raise PopulationUnsupported("a multi-phase technique (lottery-ticket rounds)")
    stopper, zero_fraction, sets, epsilon, gradient_mode = None, False, None, 1e-3, "last_step"
    for hook in technique.hooks:
        kind = type(hook).__name__
        if kind in ("PenaltyHook", "ProximalL1Hook", "SubgradientL1Hook", "GradientClipHook", "MaxNormHook"):
            continue  # `MemberPenalties` and the population loop, from the members' configs
        if kind in ("FloodingHook", "OrthogonalityHook", "SharpnessAwareHook"):
            continue  # read from the members' configs (`MemberHyperparameters`)
        if kind == "ActivityPenaltyHook":
            hook.remove()  # the stacked forward pass hands its hidden outputs to `MemberActivity`
            continue
        if kind == "GradientNormHook":
            gradient_mode = hook.mode
            continue
        raise PopulationUnsupported(f"the step hook {kind}")
    for callback in technique.callbacks:
        kind = type(callback).__name__
        if kind == "ZeroFractionMonitor":
            zero_fraction = True
        elif kind == "EarlyStopping":
            stopper = callback
        elif kind == "RestoreBest":
            continue  # the population loads the stopper's best weights when the member ends
        elif kind == "TrajectoryRecorder" and not (callback.every_steps or callback.snapshot_epochs or callback.snapshot_steps):
            sets, epsilon = tuple(sorted(callback.sets)), callback.epsilon
        else:
            raise PopulationUnsupported(f"the callback {kind}")
    return MemberTechniques(stopper, zero_fraction, sets, epsilon, gradient_mode)
