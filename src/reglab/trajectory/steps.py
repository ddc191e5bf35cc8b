"""Step-level trajectory rows: `runs/<id>/trajectory_steps.csv`, beside the per-epoch table."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Mapping, Sequence

from reglab.config.trajectory import SnapshotEvery

__all__ = ["STEPS_FILE", "StepRowWriter", "step_cadence"]

STEPS_FILE = "trajectory_steps.csv"


def step_cadence(every_steps: int | None, snapshot_steps: Sequence[int] | SnapshotEvery | None) -> int | None:
    """How often the recorder needs `on_step_end`: the gcd of both cadences (every step for a list).

    Example:
        >>> step_cadence(4, SnapshotEvery(every=6))
        2
    """
    cadences = [every_steps] if every_steps else []
    if isinstance(snapshot_steps, SnapshotEvery):
        cadences.append(snapshot_steps.every)
    elif snapshot_steps is not None:
        cadences.append(1)
    return math.gcd(*cadences) if cadences else None


class StepRowWriter:
    """Appends rows (`epoch`, `step`, metric keys) to a CSV, or keeps them in `rows` without a file.

    The columns are fixed by the first batch of rows written (the union of their keys,
    in order of appearance); a later row's missing key is left blank.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.rows: list[dict[str, float]] = []
        self._columns: list[str] | None = None

    def write(self, rows: Sequence[Mapping[str, float]]) -> None:
        if not rows:
            return
        if self.path is None:
            self.rows.extend(dict(row) for row in rows)
            return
        if self._columns is None:
            self._columns = []
            for row in rows:
                self._columns.extend(key for key in row if key not in self._columns)
            with self.path.open("w", newline="") as handle:
                csv.DictWriter(handle, fieldnames=self._columns).writeheader()
        with self.path.open("a", newline="") as handle:
            csv.DictWriter(handle, fieldnames=self._columns, restval="", extrasaction="ignore").writerows(rows)
