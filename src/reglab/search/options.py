"""The search keys of a sweep file: which methods go through Optuna, the objective, the pruners.

    method: tpe                    # tpe | cmaes | random (Optuna's samplers; see below)
    samples: 64                    # trials in the study (a rerun continues up to this many)
    batch: 16                      # trials asked at once and trained as one population
    objective: {metric: val/acc, direction: maximize}
    pruner: median                 # none | median | hyperband

`method: random` with an `objective` draws through Optuna's RandomSampler (so it
prunes and keeps a study); without one it is reglab's own seeded draws, expanded up
front like a grid.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Objective", "SAMPLERS", "PRUNERS", "uses_optuna"]

SAMPLERS = ("tpe", "cmaes", "random")
PRUNERS = ("none", "median", "hyperband")


class Objective(BaseModel):
    """What a trial is scored by: a per-epoch metric and whether larger is better.

    A completed trial's value is the metric at its best epoch (the largest value over its
    epochs when maximizing, the smallest when minimizing); each epoch's value is reported
    to the pruner as it ends.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str = Field("val/acc", min_length=1)
    direction: Literal["maximize", "minimize"] = "maximize"

    def best(self, values: list[float]) -> float:
        """The trial's value from its per-epoch values (NaN when none is finite)."""
        finite = [value for value in values if value == value and abs(value) != float("inf")]
        if not finite:
            return float("nan")
        return max(finite) if self.direction == "maximize" else min(finite)


def uses_optuna(spec: Any) -> bool:
    """Does this sweep run as an Optuna study (tpe, cmaes, or random with an objective)?"""
    return spec.method in ("tpe", "cmaes") or (spec.method == "random" and spec.objective is not None)
