"""`optimizer.*` and `schedule.*` keys."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from reglab.config.base import Section

__all__ = ["OptimizerConfig", "ScheduleConfig"]


class OptimizerConfig(Section):
    """The optimizer and its weight decay.

    Keys:
        name: sgd | adam | adamw.
        lr: learning rate (> 0).
        momentum: SGD momentum in [0, 1).
        nesterov: Nesterov momentum (SGD).
        weight_decay: coupled decay for sgd/adam (added to the gradient), decoupled for adamw.
        betas: Adam's (beta1, beta2).
        eps: Adam's epsilon.
        decay_exclude: parameters that get no weight decay: `bias` (every bias),
            `norm` (normalisation layers' parameters), or fnmatch patterns on names.
    """

    name: Literal["sgd", "adam", "adamw"] = "sgd"
    lr: float = Field(0.1, gt=0.0)
    momentum: float = Field(0.0, ge=0.0, lt=1.0)
    nesterov: bool = False
    weight_decay: float = Field(0.0, ge=0.0)
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = Field(1e-8, gt=0.0)
    decay_exclude: list[str] = Field(default_factory=lambda: ["bias", "norm"])


class ScheduleConfig(Section):
    """Learning-rate schedule.

    Keys:
        name: none | step | cosine | onecycle.
        step_size: epochs between decays (step).
        gamma: decay factor (step).
        min_lr: final learning rate (cosine).
        max_lr: peak learning rate (onecycle); defaults to optimizer.lr.
        warmup_fraction: fraction of steps spent rising (onecycle).
    """

    name: Literal["none", "step", "cosine", "onecycle"] = "none"
    step_size: int = Field(10, ge=1)
    gamma: float = Field(0.1, gt=0.0, le=1.0)
    min_lr: float = Field(0.0, ge=0.0)
    max_lr: float | None = Field(None, gt=0.0)
    warmup_fraction: float = Field(0.3, gt=0.0, lt=1.0)
