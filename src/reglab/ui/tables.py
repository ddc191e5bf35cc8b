"""The runs table on the server: filter, sort, one page, groups with mean ± std.

Everything a page shows is computed here from the in-memory index, so the browser
receives one page of rows (100 by default) however many runs the store holds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from reglab.ui.filters import Filter, canonical_text, comparable_number, parse_filter
from reglab.ui.index import IDENTITY_KEYS, RunRecord, Snapshot, varying_keys

__all__ = [
    "ColumnError",
    "RunsQuery",
    "known_keys",
    "default_columns",
    "default_metrics",
    "select_runs",
    "sort_records",
    "runs_page",
    "run_groups",
    "record_row",
    "mean_and_std",
]

PREFERRED_METRICS = ("val/acc", "test/acc", "train/acc", "val/loss", "test/loss", "train/loss")
MAX_LIMIT = 1000


class ColumnError(ValueError):
    """An unknown column in sort, columns or group-by; the message says what is allowed."""


@dataclass(frozen=True)
class RunsQuery:
    """What the runs table asks for (the query string of `/api/runs`)."""

    filter: str = ""
    sort: str = "started_at"
    descending: bool = True
    offset: int = 0
    limit: int = 100
    columns: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    sweep: str | None = None


def known_keys(snapshot: Snapshot) -> list[str]:
    return [*IDENTITY_KEYS, *snapshot.config_keys, *snapshot.metric_keys]


def _check_columns(snapshot: Snapshot, keys: Iterable[str], what: str) -> None:
    known = set(known_keys(snapshot))
    for key in keys:
        if key not in known:
            close = sorted(candidate for candidate in known if key.split(".")[-1].split("/")[-1] in candidate)[:6]
            hint = ", ".join(close or sorted(known)[:6])
            raise ColumnError(f"{what}: unknown key {key!r}; allowed: a column such as {hint}")


def default_metrics(snapshot: Snapshot) -> list[str]:
    present = [key for key in PREFERRED_METRICS if key in snapshot.metric_keys]
    return present[:4] if present else snapshot.metric_keys[:4]


def default_columns(snapshot: Snapshot, records: Sequence[RunRecord]) -> list[str]:
    """The config keys that vary over `records` (at most 6), then the headline metrics."""
    return [*varying_keys(snapshot, records, limit=6), *default_metrics(snapshot)]


def select_runs(snapshot: Snapshot, run_filter: Filter, sweep: str | None = None) -> list[RunRecord]:
    records = snapshot.records
    if sweep is not None:
        records = [record for record in records if record.sweep == sweep]
    if run_filter.empty:
        return list(records)
    return [
        record
        for record in records
        if run_filter.matches(record.text, lambda key, record=record: snapshot.value(record, key))
    ]


def sort_records(snapshot: Snapshot, records: list[RunRecord], key: str, descending: bool) -> list[RunRecord]:
    """Numbers before text; runs without a value (or NaN) last whatever the direction."""
    present, absent = [], []
    for record in records:
        has, value = snapshot.value(record, key)
        number = comparable_number(value) if has else None
        if number is not None:
            present.append(((0, number, ""), record))
        elif has and value is not None and not (isinstance(value, float) and math.isnan(value)):
            present.append(((1, 0.0, canonical_text(value)), record))
        else:
            absent.append(record)
    present.sort(key=lambda pair: (pair[0], pair[1].rowid), reverse=descending)
    return [record for _, record in present] + absent


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def record_row(snapshot: Snapshot, record: RunRecord, columns: Sequence[str], now: float) -> dict[str, Any]:
    """One run as the API sends it: identity, progress, and the asked-for columns."""
    planned = snapshot.value(record, "epochs_planned")[1]
    duration = record.duration_s(now)
    eta = record.eta_s(planned, now)
    return {
        "id": record.id,
        "name": record.name,
        "status": "interrupted" if record.stale else record.status,
        "stale": record.stale,
        "sweep": record.sweep,
        "epochs": record.epochs,
        "epochs_planned": planned if isinstance(planned, int) else None,
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "duration_s": None if duration is None else round(duration, 1),
        "eta_s": None if eta is None else round(eta, 1),
        "best_epoch": record.best_epoch,
        "values": {column: _json_number(snapshot.value(record, column)[1]) for column in columns},
    }


def runs_page(snapshot: Snapshot, query: RunsQuery) -> dict[str, Any]:
    """One page of the filtered, sorted runs, with the total and the columns shown."""
    run_filter = parse_filter(query.filter, known_keys(snapshot))
    _check_columns(snapshot, [query.sort, *query.columns], "sort/columns")
    records = select_runs(snapshot, run_filter, query.sweep)
    columns = list(query.columns) or default_columns(snapshot, records)
    ordered = sort_records(snapshot, records, query.sort, query.descending)
    limit = max(1, min(query.limit, MAX_LIMIT))
    offset = max(0, query.offset)
    now = time.time()
    page = [record_row(snapshot, record, columns, now) for record in ordered[offset : offset + limit]]
    return {
        "total": len(records),
        "store_total": len(snapshot.records),
        "offset": offset,
        "limit": limit,
        "sort": query.sort,
        "order": "desc" if query.descending else "asc",
        "columns": columns,
        "rows": page,
        "running": sum(1 for record in records if record.status == "running" and not record.stale),
        "version": snapshot.version,
    }


def mean_and_std(values: Sequence[float]) -> dict[str, Any]:
    """Mean and sample standard deviation (n − 1; 0 for one value) of the finite values."""
    finite = [value for value in values if value is not None and math.isfinite(value)]
    if not finite:
        return {"mean": None, "std": None, "n": 0}
    mean = sum(finite) / len(finite)
    variance = sum((value - mean) ** 2 for value in finite) / (len(finite) - 1) if len(finite) > 1 else 0.0
    return {"mean": mean, "std": math.sqrt(variance), "n": len(finite)}


def run_groups(snapshot: Snapshot, query: RunsQuery) -> dict[str, Any]:
    """Runs grouped by the values of `query.group_by`; numeric columns as mean ± std.

    A group of runs that differ only in `seed` gives the mean ± std over seeds.
    """
    if not query.group_by:
        raise ColumnError("group: no key given; allowed: one or more columns, e.g. optimizer.lr,model.dropout")
    run_filter = parse_filter(query.filter, known_keys(snapshot))
    _check_columns(snapshot, [*query.group_by, *query.columns], "group/columns")
    records = select_runs(snapshot, run_filter, query.sweep)
    columns = [column for column in (query.columns or default_metrics(snapshot)) if column not in query.group_by]
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for record in records:
        values = [snapshot.value(record, key)[1] for key in query.group_by]
        label = tuple(canonical_text(value) for value in values)
        group = groups.setdefault(label, {"key": [_json_number(value) for value in values], "records": []})
        group["records"].append(record)
    rows = []
    for group in groups.values():
        members = group["records"]
        stats = {}
        for column in columns:
            numbers = [comparable_number(snapshot.value(record, column)[1]) for record in members]
            if any(number is not None for number in numbers):
                stats[column] = mean_and_std([number for number in numbers if number is not None])
        rows.append({"key": group["key"], "count": len(members), "run_ids": [record.id for record in members[:50]], "stats": stats})
    sort_key = query.sort if query.sort in columns else None

    def order(row: dict[str, Any]) -> tuple:
        if sort_key is not None:
            mean = row["stats"].get(sort_key, {}).get("mean")
            return (mean is None, -(mean or 0.0) if query.descending else (mean or 0.0))
        return (False, tuple((comparable_number(value) is None, comparable_number(value) or 0.0, canonical_text(value)) for value in row["key"]))

    rows.sort(key=order)
    return {"by": list(query.group_by), "columns": columns, "total": len(records), "groups": rows, "version": snapshot.version}
