"""`early_stopping.*` keys (Prechelt 1998; Keras/Lightning patience semantics)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from reglab.config.base import Section

__all__ = ["EarlyStoppingConfig"]


class EarlyStoppingConfig(Section):
    """When to stop training early, and which weights to keep.

    Keys:
        criterion: none | patience | gl | pq | up.
        monitor: metric watched by `patience` and `restore_best` (e.g. val/loss, val/acc).
        mode: min | max | auto (max for accuracies, min otherwise).
        patience: epochs without improvement before stopping (patience).
        min_delta: smallest change that counts as an improvement.
        start_from_epoch: epochs before which no stop is taken.
        threshold: stop as soon as the monitored value reaches this.
        alpha: threshold of GL_α and PQ_α, in percent.
        strip: strip length k of PQ and UP, in epochs.
        successive_strips: s of UP_s.
        restore_best: end with the weights of the best monitored epoch (E_opt).
        stop_on_divergence: a non-finite training loss ends the run as diverged.
    """

    criterion: Literal["none", "patience", "gl", "pq", "up"] = "none"
    monitor: str = "val/loss"
    mode: Literal["min", "max", "auto"] = "auto"
    patience: int = Field(5, ge=1)
    min_delta: float = Field(0.0, ge=0.0)
    start_from_epoch: int = Field(0, ge=0)
    threshold: float | None = None
    alpha: float = Field(5.0, gt=0.0)
    strip: int = Field(5, ge=1)
    successive_strips: int = Field(3, ge=1)
    restore_best: bool = False
    stop_on_divergence: bool = True
