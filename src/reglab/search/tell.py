"""Telling the study how a trial's run ended.

| run status                         | Optuna                                                |
|------------------------------------|-------------------------------------------------------|
| completed, stopped_early           | COMPLETE with the objective (its best epoch's value)  |
| pruned                             | PRUNED (its reported epochs are its curve)            |
| diverged, failed, or no finite value | FAIL, counted as done (`reglab_done`)              |

Epochs not yet reported (a run trained on a Ray worker, or read back from the store)
are reported first, so the pruner of later trials sees every curve.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from reglab.search.options import Objective

__all__ = ["tell_run", "tell_failure", "DONE_ATTR"]

DONE_ATTR = "reglab_done"


def tell_run(
    study: Any,
    trial: Any,
    status: str,
    history: Sequence[Mapping[str, float]],
    objective: Objective,
    run_id: str | None,
    reported: set[int] | None = None,
) -> None:
    """Report the epochs not in `reported`, then tell the trial's final state."""
    from optuna.trial import TrialState

    reported = reported if reported is not None else set()
    values = []
    for row in history:
        value = row.get(objective.metric)
        if value is None:
            continue
        values.append(float(value))
        if int(row["epoch"]) not in reported and value == value:
            trial.report(float(value), int(row["epoch"]))
    trial.set_user_attr("run_id", run_id)
    trial.set_user_attr("status", status)
    trial.set_user_attr(DONE_ATTR, True)
    best = objective.best(values)
    if status == "pruned":
        study.tell(trial, state=TrialState.PRUNED)
    elif status in ("completed", "stopped_early") and best == best:
        study.tell(trial, best)
    else:
        study.tell(trial, state=TrialState.FAIL)


def tell_failure(study: Any, trial: Any, error: BaseException | str) -> None:
    """A trial whose training raised: FAIL, counted as done (the rerun does not retry it)."""
    from optuna.trial import TrialState

    trial.set_user_attr("error", str(error)[:500])
    trial.set_user_attr(DONE_ATTR, True)
    study.tell(trial, state=TrialState.FAIL)
