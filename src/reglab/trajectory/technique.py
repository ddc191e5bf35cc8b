"""The trajectory family's entry point: `trajectory.*` keys -> every member's `MemberTrajectory`."""

from __future__ import annotations

from typing import Any

import torch

from reglab.contract.technique import Technique, register_technique
from reglab.contract.units import MemberStart, MemberUnit
from reglab.trajectory.members import MemberTrajectory

__all__ = ["build_technique", "member_units"]


def member_units(start: MemberStart) -> list[MemberUnit]:
    """The members' trajectory (its keys are shared by a population), or none when disabled."""
    settings = start.configs[0].trajectory
    if not settings.enabled:
        return []
    batchnorm = [name for name, module in start.template.named_modules() if isinstance(module, torch.nn.modules.batchnorm._BatchNorm)]
    return [MemberTrajectory(start.params, start.buffers, batchnorm, settings)]


@register_technique(order=60, units=member_units)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """An (empty) technique when the trajectory is recorded, None when disabled: the work is
    `MemberTrajectory`'s, last among the units so it measures what the optimizer used."""
    return Technique() if config.trajectory.enabled else None
