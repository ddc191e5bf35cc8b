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

    @property
    def columns(self) -> list[str] | None:
        """The file's columns, once the first rows fixed them."""
        return None if self._columns is None else list(self._columns)

    def restore(self, columns: Sequence[str] | None, last_step: int) -> None:
        """Continue a file written up to a checkpoint: its columns, and only its rows of steps
        up to `last_step` (rows written after the checkpoint are trained again)."""
        self._columns = None if columns is None else list(columns)
        if self.path is None or self._columns is None or not self.path.is_file():
            return
        with self.path.open(newline="") as handle:
            kept = [row for row in csv.DictReader(handle) if int(float(row["step"])) <= last_step]
        with self.path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self._columns, restval="", extrasaction="ignore")
            writer.writeheader()
            writer.writerows(kept)

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
