"""A sweep as tables: its runs with the swept keys, a metric over two keys, the best runs."""

from __future__ import annotations

import math
import time
from typing import Any, Sequence

from reglab.ui.filters import canonical_text, comparable_number
from reglab.ui.records import MISSING, RunRecord
from reglab.ui.snapshot import Snapshot, varying_keys
from reglab.ui.tables import ColumnError, column_headers, default_metrics, mean_and_std, metric_cells, record_row, sort_records

__all__ = ["sweep_list", "sweep_table", "sweep_heatmap", "lower_is_better"]


def lower_is_better(metric: str) -> bool:
    """Losses, errors and times are better small; everything else (accuracy) large."""
    return any(word in metric for word in ("loss", "error", "time", "gap"))


def sweep_list(snapshot: Snapshot) -> list[dict[str, Any]]:
    """`[{name, runs, running, completed, failed, started_at}]`, newest sweep first."""
    sweeps: dict[str, dict[str, Any]] = {}
    for record in snapshot.records:
        if record.sweep is None:
            continue
        entry = sweeps.setdefault(
            record.sweep, {"name": record.sweep, "runs": 0, "running": 0, "finished": 0, "failed": 0, "started_at": record.started_at}
        )
        entry["runs"] += 1
        status = "interrupted" if record.stale else record.status
        if status == "running":
            entry["running"] += 1
        elif status in ("failed", "interrupted"):
            entry["failed"] += 1
        else:
            entry["finished"] += 1
    return sorted(sweeps.values(), key=lambda entry: entry["started_at"] or "", reverse=True)


def _sweep_records(snapshot: Snapshot, sweep: str):
    records = [record for record in snapshot.records if record.sweep == sweep]
    if not records:
        raise KeyError(sweep)
    return records


def _column(snapshot: Snapshot, records: Sequence[RunRecord], key: str) -> list[Any]:
    get = snapshot.getter(key)
    values = []
    for record in records:
        value = get(record)
        values.append(None if value is MISSING or (type(value) is float and not math.isfinite(value)) else value)
    return values


def sweep_table(
    snapshot: Snapshot, sweep: str, metric: str | None = None, best: int = 10, extra: Sequence[str] = ()
) -> dict[str, Any]:
    """Every run of the sweep, column by column: its swept keys and `metric` (plus `extra`
    columns), and the best `best` runs in full.

    Columns rather than rows keep a 10,000-run sweep to a few hundred kilobytes of JSON.
    """
    records = _sweep_records(snapshot, sweep)
    keys = varying_keys(snapshot, records)
    metrics = [key for key in snapshot.metric_keys if not key.startswith(("param/", "grad/", "update_ratio/", "bn/"))]
    metric = metric or (default_metrics(snapshot) or [None])[0]
    known = set(snapshot.metric_keys) | set(snapshot.config_keys)
    for key in (metric, *extra):
        if key is not None and key not in known:
            raise ColumnError(f"metric/columns: unknown key {key!r}; allowed: {', '.join(metrics[:12])}")
    shown = list(dict.fromkeys([*keys, *([metric] if metric else []), *extra]))
    ranked = sort_records(snapshot, records, metric, descending=not lower_is_better(metric)) if metric else []
    get_metric = snapshot.getter(metric) if metric else None
    now = time.time()
    best_rows = [
        record_row(snapshot, record, shown, now)
        for record in ranked[:best]
        if comparable_number(get_metric(record)) is not None
    ]
    metric_cells(best_rows, shown)
    headers, legend = column_headers(shown)
    return {
        "sweep": sweep,
        "total": len(records),
        "keys": keys,
        "metrics": metrics,
        "metric": metric,
        "lower_is_better": lower_is_better(metric) if metric else False,
        "runs": {
            "id": [record.id for record in records],
            "name": [record.name for record in records],
            "status": ["interrupted" if record.stale else record.status for record in records],
        },
        "columns": {key: _column(snapshot, records, key) for key in shown},
        "best": best_rows,
        "headers": headers,
        "header_legend": legend,
        "version": snapshot.version,
    }


def _axis(values: list[Any]) -> list[Any]:
    """Distinct values, numbers in numeric order before text."""
    distinct: dict[str, Any] = {}
    for value in values:
        distinct.setdefault(canonical_text(value), value)
    return sorted(
        distinct.values(),
        key=lambda value: (comparable_number(value) is None, comparable_number(value) or 0.0, canonical_text(value)),
    )


def sweep_heatmap(snapshot: Snapshot, sweep: str, x: str, y: str, metric: str) -> dict[str, Any]:
    """Mean (and std, count) of `metric` in each cell of the grid of `x` × `y` values."""
    records = _sweep_records(snapshot, sweep)
    known = set(snapshot.config_keys) | set(snapshot.metric_keys)
    for what, key in (("x", x), ("y", y), ("metric", metric)):
        if key not in known:
            raise ColumnError(f"{what}: unknown key {key!r}; allowed: {', '.join(varying_keys(snapshot, records)[:12])}")
    xs, ys = _column(snapshot, records, x), _column(snapshot, records, y)
    metrics = _column(snapshot, records, metric)
    x_axis, y_axis = _axis(xs), _axis(ys)
    x_index = {canonical_text(value): index for index, value in enumerate(x_axis)}
    y_index = {canonical_text(value): index for index, value in enumerate(y_axis)}
    cells: list[list[list[float]]] = [[[] for _ in x_axis] for _ in y_axis]
    for value, x_value, y_value in zip(metrics, xs, ys):
        number = comparable_number(value)
        if number is not None:
            cells[y_index[canonical_text(y_value)]][x_index[canonical_text(x_value)]].append(number)
    stats = [[mean_and_std(cell) for cell in row] for row in cells]
    return {
        "x": x,
        "y": y,
        "metric": metric,
        "x_values": [canonical_text(value) for value in x_axis],
        "y_values": [canonical_text(value) for value in y_axis],
        "mean": [[cell["mean"] for cell in row] for row in stats],
        "std": [[cell["std"] for cell in row] for row in stats],
        "count": [[cell["n"] for cell in row] for row in stats],
    }
