"""`measures.*` as a technique family: one `MeasureRecorder` when the section names a family."""

from __future__ import annotations

from typing import Any

import torch

from reglab.config import ConfigError
from reglab.contract.technique import Technique, register_technique
from reglab.measures.callback import MeasureRecorder, copy_architecture

__all__ = ["build_technique"]

NEEDS_CLASSES = ("margin", "flatness")  # measured on class predictions


@register_technique(order=70)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """The measure recorder `config.measures` asks for; None (no unit, no cost) without names.

    Example:
        >>> config = load_config(overrides=["measures.names=[norms, hessian]", "measures.every=5"])
        >>> technique = build_technique(config, model, data)
    """
    settings = config.measures
    if not settings.names:
        return None
    if data.task == "regression":
        for name in NEEDS_CLASSES:
            if name in settings.names:
                raise ConfigError("measures.names", name, "a family other than margin and flatness for regression (no classes)")
    if settings.every is not None and settings.every > config.epochs:
        raise ConfigError("measures.every", settings.every, f"1 to {config.epochs} (epochs), or null for the final weights only")
    from reglab.objective import make_objective

    objective = make_objective(config.loss, data.task, data.num_classes, config.model.output_activation)
    probabilities = objective.name != "bce" or config.model.output_activation == "sigmoid"
    threshold = 0.5 if data.task == "binary" and probabilities else 0.0  # as the objective's accuracy
    recorder = MeasureRecorder(settings, config.seed, copy_architecture(model), data, objective, threshold)
    return Technique(callbacks=[recorder])
