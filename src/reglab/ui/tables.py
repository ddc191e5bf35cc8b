"""The runs table on the server: filter, sort, one page, groups with mean ± std.

Everything a page shows is computed here from the in-memory index, so the browser
receives one page of rows (100 by default) however many runs the store holds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Iterable, Sequence

from reglab.formatting import column_formatter, mean_std_column
from reglab.text_table import short_names
from reglab.ui.filters import Filter, canonical_text, comparable_number, parse_filter
from reglab.ui.records import IDENTITY_KEYS, MISSING, RunRecord
from reglab.ui.run_detail import planned_epochs
from reglab.ui.snapshot import Snapshot, varying_keys

__all__ = [
    "ColumnError",
    "RunsQuery",
    "known_keys",
    "default_columns",
    "default_metrics",
    "select_runs",
    "sort_records",
    "sorted_runs",
    "runs_page",
    "run_groups",
    "record_row",
    "mean_and_std",
    "column_headers",
    "metric_cells",
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


def default_columns(snapshot: Snapshot, records: Sequence[RunRecord], cache_key: Any = None) -> list[str]:
    """The config keys that vary over `records` (at most 6), then the headline metrics."""
    if cache_key is not None and ("columns", cache_key) in snapshot.cache:
        return snapshot.cache[("columns", cache_key)]
    columns = [*varying_keys(snapshot, records, limit=6), *default_metrics(snapshot)]
    return columns if cache_key is None else snapshot.remember(("columns", cache_key), columns)


def select_runs(snapshot: Snapshot, run_filter: Filter, sweep: str | None = None) -> list[RunRecord]:
    """The runs that pass the filter (and belong to `sweep`), in start order; cached per snapshot."""
    cache_key = ("select", run_filter.cache_key, sweep)
    if cache_key in snapshot.cache:
        return snapshot.cache[cache_key]
    records = snapshot.records
    if sweep is not None:
        records = [record for record in records if record.sweep == sweep]
    if not run_filter.empty:
        words = run_filter.words
        checks = [(snapshot.getter(condition.key), condition.holds) for condition in run_filter.conditions]

        def passes(record: RunRecord) -> bool:
            if not all(word in record.text for word in words):
                return False
            for get, holds in checks:
                value = get(record)
                if not (holds(None, False) if value is MISSING else holds(value, True)):
                    return False
            return True

        records = [record for record in records if passes(record)]
    return snapshot.remember(cache_key, list(records))


def sort_records(snapshot: Snapshot, records: list[RunRecord], key: str, descending: bool) -> list[RunRecord]:
    """Numbers before text; runs without a value (or NaN) last whatever the direction."""
    present, absent = [], []
    get = snapshot.getter(key)
    for record in records:
        value = get(record)
        kind = type(value)
        if kind is float or kind is int:
            if value == value:
                present.append((0, value, "", record.rowid, record))
            else:
                absent.append(record)  # NaN
        elif kind is str:
            present.append((1, 0.0, value, record.rowid, record))
        elif kind is bool:
            present.append((0, float(value), "", record.rowid, record))
        elif value is not MISSING and value is not None:
            present.append((1, 0.0, canonical_text(value), record.rowid, record))
        else:
            absent.append(record)
    present.sort(key=itemgetter(0, 1, 2, 3), reverse=descending)
    return [item[4] for item in present] + absent


def sorted_runs(snapshot: Snapshot, run_filter: Filter, sweep: str | None, key: str, descending: bool) -> list[RunRecord]:
    """Filtered and sorted runs, cached per snapshot so that paging costs nothing."""
    cache_key = ("sorted", run_filter.cache_key, sweep, key, descending)
    if cache_key in snapshot.cache:
        return snapshot.cache[cache_key]
    return snapshot.remember(cache_key, sort_records(snapshot, select_runs(snapshot, run_filter, sweep), key, descending))


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def record_row(snapshot: Snapshot, record: RunRecord, columns: Sequence[str], now: float) -> dict[str, Any]:
    """One run as the API sends it: identity, progress, and the asked-for columns."""
    planned = planned_epochs(*(snapshot.value(record, key)[1] for key in ("epochs_planned", "pruning.method", "pruning.rounds")))
    duration = record.duration_s(now)
    eta = record.eta_s(planned, now)
    return {
        "id": record.id,
        "name": record.name,
        "status": "interrupted" if record.stale else record.status,
        "stale": record.stale,
        "sweep": record.sweep,
        "epochs": record.epochs,
        "epochs_planned": planned,
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "duration_s": None if duration is None else round(duration, 1),
        "eta_s": None if eta is None else round(eta, 1),
        "best_epoch": record.best_epoch,
        "values": {column: _json_number(snapshot.value(record, column)[1]) for column in columns},
    }


IDENTITY_HEADERS = ("name", "status", "sweep", "started", "duration", "runs")


def column_headers(columns: Sequence[str]) -> tuple[dict[str, str], str]:
    """Each column's header and the line saying what shortened ones stand for, by the
    rule of `reglab runs list`: a config key by its shortest unique dotted suffix
    (`optimizer.lr` → `lr`), metric keys (with a `/`) as they are.

    Example:
        >>> column_headers(["optimizer.lr", "model.dropout", "val/acc"])
        ({'optimizer.lr': 'lr', 'model.dropout': 'dropout', 'val/acc': 'val/acc'}, 'columns: lr = optimizer.lr, dropout = model.dropout')
    """
    config = [column for column in columns if "/" not in column]
    names = short_names(config, taken=[*IDENTITY_HEADERS, *(column for column in columns if "/" in column)])
    abbreviated = [f"{short} = {key}" for key, short in names.items() if short != key]
    return {column: names.get(column, column) for column in columns}, ("columns: " + ", ".join(abbreviated) if abbreviated else "")


def metric_cells(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Give each row `text`: its metric values (keys with a `/`) as the page shows them, in
    one format per column (the same decimals in every row, as `reglab runs list` prints
    them: `reglab.formatting.column_formatter`)."""
    for row in rows:
        row["text"] = {}
    for column in columns:
        if "/" not in column:
            continue
        values = [row["values"].get(column) for row in rows]
        formatter = column_formatter(values)
        for row, value in zip(rows, values):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                row["text"][column] = formatter(value)


def runs_page(snapshot: Snapshot, query: RunsQuery) -> dict[str, Any]:
    """One page of the filtered, sorted runs, with the total and the columns shown."""
    run_filter = parse_filter(query.filter, known_keys(snapshot))
    _check_columns(snapshot, [query.sort, *query.columns], "sort/columns")
    records = select_runs(snapshot, run_filter, query.sweep)
    columns = list(query.columns) or default_columns(snapshot, records, (run_filter.cache_key, query.sweep))
    ordered = sorted_runs(snapshot, run_filter, query.sweep, query.sort, query.descending)
    limit = max(1, min(query.limit, MAX_LIMIT))
    offset = max(0, query.offset)
    now = time.time()
    page = [record_row(snapshot, record, columns, now) for record in ordered[offset : offset + limit]]
    metric_cells(page, columns)
    headers, legend = column_headers(columns)
    return {
        "total": len(records),
        "store_total": len(snapshot.records),
        "offset": offset,
        "limit": limit,
        "sort": query.sort,
        "order": "desc" if query.descending else "asc",
        "columns": columns,
        "headers": headers,
        "header_legend": legend,
        "rows": page,
        "running": sum(1 for record in records if record.status == "running" and not record.stale),
        "version": snapshot.version,
    }


def _group_label(value: Any) -> Any:
    """A hashable label that tells 1 from 1.0 from True (as the JSON text does)."""
    if isinstance(value, (list, dict)):
        return ("json", canonical_text(value))
    return (type(value).__name__, value)


def _number(value: Any) -> float | None:
    if type(value) is float:
        return value if value == value else None
    if type(value) is int:
        return float(value)
    return None if value is MISSING else comparable_number(value)


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
    groups: dict[tuple, dict[str, Any]] = {}
    key_getters = [snapshot.getter(key) for key in query.group_by]
    for record in records:
        values = [None if value is MISSING else value for value in (get(record) for get in key_getters)]
        label = tuple(_group_label(value) for value in values)
        group = groups.get(label)
        if group is None:
            group = groups[label] = {"key": [_json_number(value) for value in values], "records": []}
        group["records"].append(record)
    column_getters = {column: snapshot.getter(column) for column in columns}
    rows = []
    for group in groups.values():
        members = group["records"]
        stats = {}
        for column, get in column_getters.items():
            numbers = [_number(get(record)) for record in members]
            numbers = [number for number in numbers if number is not None]
            if numbers:
                stats[column] = mean_and_std(numbers)
        rows.append({"key": group["key"], "count": len(members), "run_ids": [record.id for record in members[:50]], "stats": stats})
    sort_key = query.sort if query.sort in columns else None

    def order(row: dict[str, Any]) -> tuple:
        if sort_key is not None:
            mean = row["stats"].get(sort_key, {}).get("mean")
            return (mean is None, -(mean or 0.0) if query.descending else (mean or 0.0))
        return (False, tuple((comparable_number(value) is None, comparable_number(value) or 0.0, canonical_text(value)) for value in row["key"]))

    rows.sort(key=order)
    # mean ± std as `reglab runs list --group-by` prints it: one format per column
    for column in columns:
        cells = mean_std_column([(found["mean"], found["std"], found["n"]) if (found := row["stats"].get(column)) else
                                 (math.nan, math.nan, 0) for row in rows])
        for row, cell in zip(rows, cells):
            if column in row["stats"]:
                row.setdefault("text", {})[column] = cell
    for row in rows:
        row.setdefault("text", {})
    headers, legend = column_headers([*query.group_by, *columns])
    return {"by": list(query.group_by), "columns": columns, "headers": headers, "header_legend": legend, "total": len(records),
            "groups": rows, "version": snapshot.version}
