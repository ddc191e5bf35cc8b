"""`early_stopping.*` as a technique family: the stopping observer and, with restore_best, its restorer."""

from __future__ import annotations

from typing import Any

import torch

from reglab.config import ConfigError
from reglab.contract.technique import Technique, register_technique
from reglab.stopping.callback import EarlyStopping, RestoreBest, resolve_mode
from reglab.stopping.criteria import GL, PQ, UP, Patience, StoppingCriterion

__all__ = ["build_technique", "make_criterion"]


def make_criterion(settings: Any, mode: str) -> StoppingCriterion | None:
    """The criterion object `early_stopping.criterion` names (None for `none`)."""
    if settings.criterion == "patience":
        return Patience(settings.patience, settings.min_delta, mode)  # type: ignore[arg-type]
    if settings.criterion == "gl":
        return GL(settings.alpha)
    if settings.criterion == "pq":
        return PQ(settings.alpha, settings.strip)
    if settings.criterion == "up":
        return UP(settings.successive_strips, settings.strip)
    return None


def _check_monitor(settings: Any, data: Any) -> None:
    has_val = data.val_x.shape[0] > 0
    if settings.monitor.endswith("/acc") and data.task == "regression":
        raise ConfigError("early_stopping.monitor", settings.monitor, "a loss (regression records no accuracy)")
    if settings.monitor.startswith("val/") and not has_val:
        raise ConfigError(
            "early_stopping.monitor", settings.monitor, "train/* or test/* metrics, or a validation split (data.val_size > 0)"
        )
    if settings.criterion in ("gl", "pq", "up") and not has_val:
        raise ConfigError("early_stopping.criterion", settings.criterion, "patience or none without a validation split")


@register_technique(order=50)
def build_technique(config: Any, model: torch.nn.Module, data: Any) -> Technique | None:
    """The early-stopping callbacks `config.early_stopping` asks for.

    None when no criterion, no threshold and no restore_best are set (divergence
    stopping is the loop's own, `early_stopping.stop_on_divergence`).

    Example:
        >>> config = load_config(overrides=["early_stopping.criterion=gl", "early_stopping.alpha=5"])
        >>> technique = build_technique(config, model, data)
    """
    settings = config.early_stopping
    if settings.criterion == "none" and settings.threshold is None and not settings.restore_best:
        return None
    _check_monitor(settings, data)
    averaging = {"ema_decay": config.regularization.ema_decay, "swa_start": config.regularization.swa_start}
    if settings.restore_best and any(value is not None for value in averaging.values()):
        used = next(key for key, value in averaging.items() if value is not None)
        raise ConfigError(
            "early_stopping.restore_best", True, f"false with regularization.{used} (both choose the final weights)"
        )
    if settings.start_from_epoch >= config.epochs:
        raise ConfigError(
            "early_stopping.start_from_epoch", settings.start_from_epoch, f"0 to {config.epochs - 1} (below epochs)"
        )
    stopper = EarlyStopping(
        make_criterion(settings, resolve_mode(settings.monitor, settings.mode)),
        monitor=settings.monitor,
        mode=settings.mode,
        start_from_epoch=settings.start_from_epoch,
        threshold=settings.threshold,
        keep_best=settings.restore_best,
        planned_epochs=config.epochs,
    )
    callbacks: list[Any] = [stopper]
    if settings.restore_best:
        callbacks.append(RestoreBest(stopper))
    return Technique(callbacks=callbacks)
