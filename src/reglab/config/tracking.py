"""`tracking.*` keys: live copies of a run's params, metrics and files in MLflow or TensorBoard.

Tracking never changes what a run computes, so it is left out of the config hash that
sweeps resume by (`reglab.store.config_hash`).
"""

from __future__ import annotations

from pydantic import Field

from reglab.config.base import Section

__all__ = ["TrackingConfig", "MlflowTracking", "TensorboardTracking"]


class MlflowTracking(Section):
    """`tracking.mlflow.*`: log each run to an MLflow tracking server or database as it trains.

    Keys:
        uri: the tracking URI, e.g. sqlite:///mlflow.db, a folder, or http://127.0.0.1:5000
            (null = off; needs `pip install "reglab[mlflow]"`).
        experiment: the MLflow experiment (default: the sweep's name, else "reglab").
    """

    uri: str | None = None
    experiment: str | None = Field(None, min_length=1)


class TensorboardTracking(Section):
    """`tracking.tensorboard.*`: write TensorBoard event files as each run trains.

    Keys:
        dir: the log folder; each run writes to DIR/<run id> (null = off; needs
            `pip install "reglab[tensorboard]"`).
    """

    dir: str | None = None


class TrackingConfig(Section):
    """Live sinks to tools that watch runs (see docs/scale.md)."""

    mlflow: MlflowTracking = Field(default_factory=MlflowTracking)
    tensorboard: TensorboardTracking = Field(default_factory=TensorboardTracking)
