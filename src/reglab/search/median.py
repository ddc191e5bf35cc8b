"""The median pruner of a sweep whose trials train in batches: Optuna's median rule, with
the first batches pruned among themselves.

Optuna's `MedianPruner` stops a trial after step s when its best value so far is worse
than the median of the completed trials' values at step s. It compares with completed
trials only, so the first batch of a study, asked before any trial completed, could not
be pruned at all. A batch trains as one population, in lockstep, and every member
reports an epoch before the pruner is asked about any of them (`reglab.search.pruning`,
`reglab.population.epoch_end`): its batch-mates' values at the same epoch are there to
compare with. So the reference of a trial at epoch s is

    the completed trials' values at s                       once `n_startup_trials` completed,
    the completed trials' and the running batch-mates' values at s    before that,

and the trial stops when its best value so far is worse than the reference's median,
provided the reference holds at least `n_startup_trials` values and s ≥ `n_warmup_steps`.
In a first batch of 16 with 10 startup trials, the members below the median of their 15
batch-mates (about half) stop at the first epoch pruning is allowed; the others, with 7
or fewer batch-mates left, train to the end and complete.
Running trials of other batches are not in the study a member is pruned against (one batch
trains at a time here; a Ray task prunes against a copy of the study holding its own batch).
"""

from __future__ import annotations

import statistics
from typing import Any

from optuna.pruners import BasePruner
from optuna.study import StudyDirection
from optuna.trial import TrialState

__all__ = ["BatchMedianPruner"]


class BatchMedianPruner(BasePruner):
    """Optuna's median rule; before `n_startup_trials` completed, batch-mates count too.

    Args:
        n_startup_trials: completed trials after which only they are compared with; also the
            fewest values a comparison needs.
        n_warmup_steps: no trial is pruned at a step below this (steps are epochs, from 1).
    """

    def __init__(self, n_startup_trials: int, n_warmup_steps: int) -> None:
        self.n_startup_trials, self.n_warmup_steps = n_startup_trials, n_warmup_steps

    def prune(self, study: Any, trial: Any) -> bool:
        step = trial.last_step
        if step is None or step < self.n_warmup_steps:
            return False
        maximize = study.direction == StudyDirection.MAXIMIZE
        own = [value for value in trial.intermediate_values.values() if value == value]
        if not own:  # nothing but NaN: as Optuna's MedianPruner, stop it
            return True
        best = max(own) if maximize else min(own)
        completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        others = completed
        if len(completed) < self.n_startup_trials:
            others = completed + [other for other in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)) if other.number != trial.number]
        reference = [other.intermediate_values[step] for other in others if step in other.intermediate_values]
        reference = [value for value in reference if value == value]
        if len(reference) < self.n_startup_trials:
            return False
        median = statistics.median(reference)
        return best < median if maximize else best > median
