"""The median pruner of a population: members compared with the completed trials and with each other.

EXPERIMENT
"""

from __future__ import annotations

import math
import os
import statistics
from typing import Any

__all__ = ["PopulationMedianPruner"]


def _base() -> Any:
    from optuna.pruners import BasePruner

    return BasePruner


class PopulationMedianPruner(_base()):
    """Optuna's median rule over the completed trials and the running batch-mates at the same epoch."""

    def __init__(self, min_values: int, warmup: int = 0, mates: str = "always", percentile: float = 50.0) -> None:
        self.min_values, self.warmup, self.mates, self.percentile = min_values, warmup, mates, percentile

    def prune(self, study: Any, trial: Any) -> bool:
        from optuna.study import StudyDirection
        from optuna.trial import TrialState
        import numpy as np

        step = trial.last_step
        if step is None or step < self.warmup:
            return False
        values = [value for value in trial.intermediate_values.values() if value == value]
        maximize = study.direction == StudyDirection.MAXIMIZE
        if not values:
            return True
        best = max(values) if maximize else min(values)
        completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        states = (TrialState.COMPLETE, TrialState.RUNNING)
        if self.mates == "startup" and len(completed) >= self.min_values:
            states = (TrialState.COMPLETE,)
        reference = [other.intermediate_values[step] for other in study.get_trials(deepcopy=False, states=states) if other.number != trial.number and step in other.intermediate_values]
        if len(reference) < self.min_values:
            return False
        q = np.nanpercentile(np.array(reference, dtype=float), 100 - self.percentile if maximize else self.percentile)
        return best < q if maximize else best > q
