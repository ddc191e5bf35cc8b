"""`trajectory.*` keys: what the trajectory recorder measures, and which snapshots it keeps."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from reglab.config.base import Section

__all__ = ["TrajectoryConfig", "SnapshotEvery", "TRAJECTORY_METRICS"]

TrajectoryMetric = Literal["norms", "distance", "sparsity", "gradients", "updates", "batchnorm"]
TRAJECTORY_METRICS: tuple[str, ...] = TrajectoryMetric.__args__  # type: ignore[attr-defined]

_SCHEDULE_ALLOWED = "a list of {unit} numbers >= {low}, {{every: k}} with k >= 1, or null"


class SnapshotEvery(Section):
    """`{every: k}`: a snapshot every k epochs (or steps)."""

    every: int = Field(ge=1)


def _schedule(value: Any, unit: str, low: int) -> Any:
    """Accept a list of numbers, `{every: k}` or None; refuse anything else in one line."""
    allowed = _SCHEDULE_ALLOWED.format(unit=unit, low=low)
    if value is None or isinstance(value, SnapshotEvery):
        return value
    if isinstance(value, dict):
        every = value.get("every")
        if set(value) != {"every"} or isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(allowed)
        return SnapshotEvery(every=every)
    if isinstance(value, (list, tuple)):
        if any(isinstance(item, bool) or not isinstance(item, int) or item < low for item in value):
            raise ValueError(allowed)
        return sorted(set(value))
    raise ValueError(allowed)


class TrajectoryConfig(Section):
    """The parameter trajectory: per-epoch measurements, step-level rows, weight snapshots.

    Keys:
        enabled: record the trajectory (on by default; the default metrics cost a few
            batched tensor ops and one host sync per epoch).
        metrics: which sets to record: norms (L2, L1), distance (from the initial
            weights, absolute, relative and cosine), sparsity (exact zeros and |w| < ε),
            gradients (per-layer gradient L2 norm), updates (‖Δw‖/‖w‖ over the epoch),
            batchnorm (running statistics and affine parameters).
        epsilon: ε of `param/near_zero/*`: the fraction of entries with |w| < ε.
        gradient_mode: last_step (the gradient of each epoch's last step; free) |
            epoch_mean (mean of the per-step gradient norms; one batched norm per step).
        every_steps: also record every N optimizer steps into `runs/<id>/trajectory_steps.csv`
            (null = per epoch only).
        snapshot_epochs: save the full weights after these epochs: a list, `{every: k}`,
            or null (off). When on, epoch 0 (the initial weights) and the last epoch
            trained are always saved.
        snapshot_steps: save the full weights at these global optimizer steps: a list,
            `{every: k}`, or null (off).
        snapshot_budget_mb: disk budget of one run's snapshots; when exceeded, snapshots
            are thinned evenly (the first and the latest are always kept).
    """

    enabled: bool = True
    metrics: list[TrajectoryMetric] = Field(default_factory=lambda: list(TRAJECTORY_METRICS))
    epsilon: float = Field(1e-3, gt=0.0)
    gradient_mode: Literal["last_step", "epoch_mean"] = "last_step"
    every_steps: int | None = Field(None, ge=1)
    snapshot_epochs: list[int] | SnapshotEvery | None = None
    snapshot_steps: list[int] | SnapshotEvery | None = None
    snapshot_budget_mb: float = Field(256.0, gt=0.0)

    @field_validator("snapshot_epochs", mode="before")
    @classmethod
    def _snapshot_epochs(cls, value: Any) -> Any:
        return _schedule(value, "epoch", 0)

    @field_validator("snapshot_steps", mode="before")
    @classmethod
    def _snapshot_steps(cls, value: Any) -> Any:
        return _schedule(value, "step", 0)

    @field_validator("metrics")
    @classmethod
    def _unique_metrics(cls, value: list[str]) -> list[str]:
        return [name for index, name in enumerate(value) if name not in value[:index]]

    def snapshots_on(self) -> bool:
        """True when any snapshot schedule is set."""
        return self.snapshot_epochs is not None or self.snapshot_steps is not None
