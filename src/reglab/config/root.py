"""The run config: every section, validated once and frozen."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from reglab.config.augment import AugmentConfig
from reglab.config.base import Section
from reglab.config.data import DataConfig
from reglab.config.flat import flatten
from reglab.config.measures import MeasuresConfig
from reglab.config.model import ModelConfig
from reglab.config.optimizer import OptimizerConfig, ScheduleConfig
from reglab.config.pruning import PruningConfig
from reglab.config.regularization import RegularizationConfig
from reglab.config.robustness import RobustnessConfig
from reglab.config.stopping import EarlyStoppingConfig
from reglab.config.tracking import TrackingConfig
from reglab.config.trajectory import TrajectoryConfig

__all__ = ["Config", "flatten"]


class Config(Section):
    """Everything one run needs. Saved with the run; dotted keys are the public interface.

    Keys:
        name: a label for the run (several runs may share it).
        seed: seeds initialisation, data order, splits and noise; a CPU run repeats bit for bit
            under the same torch thread count (each run records it).
        device: auto (cuda, then mps, then cpu) | cpu | cuda | cuda:N | mps.
        epochs: passes over the training set.
        loss: auto (cross_entropy for classes, bce for binary targets, mse for regression)
            | cross_entropy | nll | mse | bce.
    """

    name: str = "run"
    seed: int = 0
    device: str = "auto"
    epochs: int = Field(10, ge=1)
    loss: Literal["auto", "cross_entropy", "nll", "mse", "bce"] = "auto"
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    regularization: RegularizationConfig = Field(default_factory=RegularizationConfig)
    augment: AugmentConfig = Field(default_factory=AugmentConfig)
    early_stopping: EarlyStoppingConfig = Field(default_factory=EarlyStoppingConfig)
    pruning: PruningConfig = Field(default_factory=PruningConfig)
    trajectory: TrajectoryConfig = Field(default_factory=TrajectoryConfig)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    measures: MeasuresConfig = Field(default_factory=MeasuresConfig)
    robustness: RobustnessConfig = Field(default_factory=RobustnessConfig)

    @field_validator("device")
    @classmethod
    def _device(cls, value: str) -> str:
        head, _, index = value.partition(":")
        if head in ("auto", "cpu", "mps") and not index:
            return value
        if head == "cuda" and (not index or index.isdigit()):
            return value
        raise ValueError("device must be auto, cpu, cuda, cuda:N or mps")

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict of every key (defaults included), ready for YAML/JSON."""
        return self.model_dump(mode="json")

    def flat(self) -> dict[str, Any]:
        """Dotted keys -> values, as in `--set` and the store's exported columns."""
        return flatten(self.to_dict())
