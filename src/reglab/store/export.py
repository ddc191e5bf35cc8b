"""Runs as flat rows: id, name, status, epochs, dotted config keys, final metrics.

`epochs` is the number of epochs trained; the config's own `epochs` key is exported as
`epochs_planned`; `threads` is the torch thread count the run trained with. Every other
config key keeps its dotted name.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any, Iterable, Sequence

from reglab.config.flat import flatten
from reglab.store.sqlite import StoredRun

__all__ = ["run_row", "run_rows", "sort_rows", "rows_to_csv", "rows_to_json"]


def run_row(run: StoredRun) -> dict[str, Any]:
    """One flat row: identity columns, every config key (dotted), final metrics."""
    row: dict[str, Any] = {"id": run.id, "name": run.name, "status": run.status, "epochs": run.epochs}
    if run.threads is not None:
        row["threads"] = run.threads  # torch threads: a run repeats bit for bit under the same count
    if run.sweep:
        row["sweep"] = run.sweep
    for key, value in flatten(run.config).items():
        if key == "epochs":
            # `epochs` is the number trained (an early stop trains fewer than configured)
            key = "epochs_planned"
        elif key == "name":
            continue
        row[key] = json.dumps(value) if isinstance(value, (list, dict)) else value
    final = run.summary.get("final", {})
    for key, value in final.items():
        if key != "epoch":
            row[key] = value
    if run.summary.get("best_epoch") is not None:
        row["best_epoch"] = run.summary["best_epoch"]
    for key, value in run.summary.get("final_eval", {}).items():
        row[f"final_eval/{key}"] = value
    return row


def run_rows(runs: Iterable[StoredRun]) -> list[dict[str, Any]]:
    return [run_row(run) for run in runs]


def sort_rows(rows: Sequence[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """Sort by a column; rows without a value (or NaN) go last whatever the direction."""

    def missing(row: dict[str, Any]) -> bool:
        value = row.get(key)
        return value is None or (isinstance(value, float) and math.isnan(value))

    present = [row for row in rows if not missing(row)]
    absent = [row for row in rows if missing(row)]
    present.sort(key=lambda row: (isinstance(row[key], str), row[key]), reverse=descending)
    return present + absent


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    return columns


def rows_to_csv(rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_columns(rows))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def rows_to_json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), indent=2, default=float)
