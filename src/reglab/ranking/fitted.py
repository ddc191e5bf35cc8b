"""Only the runs that fit their training set: Jiang et al. 2019's stopping target.

Jiang et al. train every network to the same training cross-entropy (0.01) and compare
only those, so that the gap is not confounded with how far training got: a network
that stopped early on a high training loss has a small gap whatever its measures say.
A sweep trained for a fixed number of epochs can be ranked the same way afterwards,
on the runs whose training accuracy reached a target (`fitted_runs`).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from reglab.ranking.collect import SweepRuns

__all__ = ["fitted_runs"]


def fitted_runs(runs: SweepRuns, store: Any, min_train_acc: float) -> SweepRuns:
    """`runs` restricted to those whose last epoch's train/acc is at least `min_train_acc`
    (the others are counted in `skipped`).

    Example:
        >>> fitted_runs(collect_sweep(store, "fantastic-measures"), store, 0.99).run_ids
    """
    keep = []
    for index, run_id in enumerate(runs.run_ids):
        history = store.history(run_id)
        accuracy = history[-1].get("train/acc", math.nan) if history else math.nan
        if accuracy >= min_train_acc:
            keep.append(index)
    skipped = dict(runs.skipped)
    left_out = len(runs.run_ids) - len(keep)
    if left_out:
        skipped[f"train acc below {min_train_acc:g}"] = left_out
    return replace(
        runs,
        run_ids=[runs.run_ids[index] for index in keep],
        gaps=[runs.gaps[index] for index in keep],
        measures={name: [values[index] for index in keep] for name, values in runs.measures.items()},
        hyperparameters=[runs.hyperparameters[index] for index in keep],
        skipped=skipped,
    )
