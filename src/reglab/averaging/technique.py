"""Weight averaging (`regularization.ema_decay`, `regularization.swa_start`, `regularization.swa_lr`)
as a technique family. At most one of EMA and SWA: each replaces the final weights."""

from __future__ import annotations

from typing import Any

import torch

from reglab.averaging.ema import WeightEMA
from reglab.averaging.swa import StochasticWeightAveraging
from reglab.config import ConfigError
from reglab.objective.losses import make_objective
from reglab.contract.technique import Technique, register_technique

__all__ = ["build_technique"]


@register_technique(order=30)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """The EMA or SWA unit the config asks for, as both a step hook and a callback; None otherwise.

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
    if settings.swa_start is not None:
        if settings.swa_start > config.epochs:
            allowed = f"an epoch from 1 to epochs={config.epochs}"
            raise ConfigError("regularization.swa_start", settings.swa_start, allowed)
        unit: Any = StochasticWeightAveraging(settings.swa_start, settings.swa_lr, config.data.batch_size)
    else:
        # The plain loss (no label smoothing), as the loop's own val/test evaluation uses.
        objective = make_objective(config.loss, data.task, data.num_classes, config.model.output_activation)
        unit = WeightEMA(settings.ema_decay, objective, config.data.eval_batch_size)
    return Technique(hooks=[unit], callbacks=[unit])
