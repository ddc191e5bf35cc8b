"""The runs of a sweep as rows of (hyperparameters, generalization gap, measures), read from the store.

| quantity     | where it is read                                                          |
|--------------|---------------------------------------------------------------------------|
| measures     | every `measure/<name>` of the run summary, else of its last epoch row      |
| gap, acc     | train/acc of the last epoch − test/acc of the weights kept (`final_eval`, else the last row) |
| gap, loss    | test/loss of the weights kept − train/loss of the last epoch              |
| hyperparameters | every config key whose value differs between the sweep's runs (`name` and `tracking.*` aside) |

train/acc and train/loss are the last epoch's running means over its training batches
(as `reglab runs list` shows them). Runs that did not finish (failed, diverged,
interrupted, running) and runs without a finite gap are left out and counted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from reglab.config import flatten

__all__ = ["SweepRuns", "collect_sweep", "MEASURE_PREFIX"]

MEASURE_PREFIX = "measure/"
Gap = Literal["acc", "loss"]
_FINISHED = ("completed", "stopped_early")


@dataclass
class SweepRuns:
    """What the ranking reads of a sweep.

    Attributes:
        sweep: its name.
        gap_kind: acc | loss.
        run_ids: the runs used, in store order.
        gaps: the generalization gap of each.
        measures: measure name -> one value per run (NaN where a run lacks it).
        hyperparameters: per run, the value of each varied key (lists as JSON text).
        varied: the config keys whose values differ between runs; `seed` is among the
            held keys but not a hyperparameter of Ψ.
        skipped: why runs were left out -> how many.
    """

    sweep: str
    gap_kind: Gap
    run_ids: list[str] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    measures: dict[str, list[float]] = field(default_factory=dict)
    hyperparameters: list[dict[str, Any]] = field(default_factory=list)
    varied: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def _gap(summary: dict[str, Any], last: dict[str, float], kind: Gap) -> float:
    kept = summary.get("final_eval") or {}
    test = _number(kept.get(f"test/{kind}", last.get(f"test/{kind}")))
    train = _number(last.get(f"train/{kind}"))
    return train - test if kind == "acc" else test - train


def _measures(summary: dict[str, Any], last: dict[str, float]) -> dict[str, float]:
    found = {key: _number(value) for key, value in last.items() if key.startswith(MEASURE_PREFIX)}
    found.update({key: _number(value) for key, value in summary.items() if key.startswith(MEASURE_PREFIX)})
    return found


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, (list, dict)) else value


def collect_sweep(store: Any, sweep: str, gap: Gap = "acc") -> SweepRuns:
    """Read every finished run of `sweep` (a `RunStore`) with its gap and measures."""
    result = SweepRuns(sweep, gap)
    configs: list[dict[str, Any]] = []
    per_run: list[dict[str, float]] = []
    for run in store.runs(sweep=sweep):
        if run.status not in _FINISHED:
            result.skipped[f"status {run.status}"] = result.skipped.get(f"status {run.status}", 0) + 1
            continue
        history = store.history(run.id)
        last = history[-1] if history else {}
        value = _gap(run.summary, last, gap)
        if not math.isfinite(value):
            result.skipped[f"no finite {gap} gap"] = result.skipped.get(f"no finite {gap} gap", 0) + 1
            continue
        result.run_ids.append(run.id)
        result.gaps.append(value)
        per_run.append(_measures(run.summary, last))
        configs.append({key: _hashable(item) for key, item in flatten(run.config).items()})
    names = sorted({name for measures in per_run for name in measures})
    result.measures = {name: [measures.get(name, math.nan) for measures in per_run] for name in names}
    keys = sorted({key for config in configs for key in config})
    changing = [
        key for key in keys
        if key != "name" and not key.startswith("tracking.") and len({config.get(key) for config in configs}) > 1
    ]
    result.hyperparameters = [{key: config.get(key) for key in changing} for config in configs]
    result.varied = [key for key in changing if key != "seed"]
    return result
