"""Weight averaging (`regularization.ema_decay`, `regularization.swa_start`, `regularization.swa_lr`)
as a technique family. At most one of EMA and SWA: each replaces the final weights."""

from __future__ import annotations

from typing import Any

import torch

from reglab.averaging.ema import WeightEMA
from reglab.averaging.swa import StochasticWeightAveraging
from reglab.config import ConfigError
from reglab.contract.technique import Technique, register_technique
from reglab.contract.units import MemberStart, MemberUnit

__all__ = ["build_technique", "member_units"]


def member_units(start: MemberStart) -> list[MemberUnit]:
    """The members' average: all average alike (a population key, see `population_key`), or none."""
    settings = [config.regularization for config in start.configs]
    if all(setting.ema_decay is not None for setting in settings):
        return [WeightEMA([setting.ema_decay for setting in settings], start.params, start.buffers)]
    if all(setting.swa_start is not None for setting in settings):
        return [StochasticWeightAveraging([setting.swa_start for setting in settings], [setting.swa_lr for setting in settings], start.params)]
    return []


@register_technique(order=30, units=member_units)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """Check the EMA or SWA keys of one member; an (empty) technique when it averages, None otherwise.

    Example:
        >>> config = load_config(overrides=["regularization.ema_decay=0.99"])
        >>> technique = build_technique(config, model, data)
    """
    settings = config.regularization
    if settings.swa_lr is not None and settings.swa_start is None:
        raise ConfigError("regularization.swa_lr", settings.swa_lr, "null unless regularization.swa_start is set")
    if settings.ema_decay is None and settings.swa_start is None:
        return None
    if settings.ema_decay is not None and settings.swa_start is not None:
        allowed = "null when regularization.ema_decay is set (pick one average)"
        raise ConfigError("regularization.swa_start", settings.swa_start, allowed)
    if settings.swa_start is not None and settings.swa_start > config.epochs:
        allowed = f"an epoch from 1 to epochs={config.epochs}"
        raise ConfigError("regularization.swa_start", settings.swa_start, allowed)
    return Technique()
