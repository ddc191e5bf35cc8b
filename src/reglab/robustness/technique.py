"""`robustness.*` as a technique family: the `RobustnessMonitor` when `robustness.eps` is set."""

from __future__ import annotations

from typing import Any

import torch

from reglab.config import ConfigError
from reglab.contract.technique import Technique, register_technique
from reglab.robustness.callback import RobustnessMonitor

__all__ = ["build_technique"]


@register_technique(order=55)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """The robustness monitor, or None when `robustness.eps` is empty (no cost).

    Example:
        >>> config = load_config(overrides=["robustness.eps=[0.05,0.1]", "robustness.norms=[linf,l2]"])
        >>> technique = build_technique(config, model, data)
    """
    settings = config.robustness
    if not settings.eps:
        return None
    if data.task == "regression":
        raise ConfigError("robustness.eps", list(settings.eps), "[] for a regression task (accuracy under attack needs classes)")
    if settings.split == "val" and data.val_x.shape[0] == 0:
        raise ConfigError("robustness.split", settings.split, "test, or val with a validation split (data.val_size > 0)")
    return Technique(callbacks=[RobustnessMonitor(settings)])
