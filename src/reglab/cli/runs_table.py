"""The rows and tables of `reglab runs list`: one row per run, or one per group.

Metric columns show one figure per run, the same one every command shows:
train accuracy of the last epoch, validation and test figures of the weights the run
*kept* (`summary.final_eval`: after restoring the best epoch or averaging; the last
epoch's weights otherwise). A run without a summary (interrupted, failed, still
running) shows its last stored epoch instead of blanks.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Sequence

from reglab.text_table import Column, TextTable, short_names, shown_names
from reglab.formatting import MISSING, column_formatter, format_plain, mean_and_std, mean_std_column

__all__ = [
    "METRIC_COLUMNS",
    "IDENTITY_COLUMNS",
    "list_row",
    "started_text",
    "short_ids",
    "varying_keys",
    "resolve_column",
    "runs_table",
    "grouped_table",
    "group_rows",
]

# (row key, header): headers say which weights the figure belongs to (see the module docstring).
METRIC_COLUMNS = (("train/acc", "train acc"), ("val/acc", "val acc"), ("test/acc", "test acc"), ("test/loss", "test loss"))
IDENTITY_COLUMNS = {"id", "name", "status", "epochs", "sweep", "best_epoch", "started", "tags"}
METRIC_NOTE = "train acc: last epoch; val and test: the weights each run kept (its last epoch when interrupted)"


def list_row(row: dict[str, Any], started_at: str, last_epoch: dict[str, float] | None, tags: Sequence[str]) -> dict[str, Any]:
    """A `run_row` completed for the list: start time, tags, and the shown metrics.

    Args:
        row: `reglab.store.export.run_row(run)`.
        started_at: the run's ISO start time (UTC).
        last_epoch: the run's last history row, used when its summary has no metrics.
        tags: the run's tags.
    """
    row = dict(row)
    row["started"] = started_at
    if tags:
        row["tags"] = ", ".join(tags)
    for key, _ in METRIC_COLUMNS:
        kept = row.get(f"final_eval/{key}")
        if kept is not None and not key.startswith("train/"):
            row[key] = kept
        elif row.get(key) is None and last_epoch and last_epoch.get(key) is not None:
            row[key] = last_epoch[key]
    return row


def started_text(started_at: str | None) -> str:
    """`2026-12-01T10:02:33+00:00` -> `12-01 10:02` (UTC; the header says so)."""
    if not started_at or len(started_at) < 16:
        return started_at or MISSING
    return f"{started_at[5:10]} {started_at[11:16]}"


def short_ids(ids: Sequence[str], minimum: int = 7) -> dict[str, str]:
    """Each id by its shortest prefix of at least `minimum` characters that no other id
    shares (only sorted neighbours can share the longest prefix: O(n log n))."""
    ordered = sorted(set(ids))

    def common(left: str, right: str) -> int:
        length = 0
        while length < min(len(left), len(right)) and left[length] == right[length]:
            length += 1
        return length

    shown = {}
    for index, run_id in enumerate(ordered):
        shared = max([common(run_id, ordered[other]) for other in (index - 1, index + 1) if 0 <= other < len(ordered)] or [0])
        shown[run_id] = run_id[: max(minimum, shared + 1)]
    return shown


def _differs(rows: Sequence[dict[str, Any]], key: str) -> bool:
    first = rows[0].get(key)
    for row in rows[1:]:
        value = row.get(key)
        if value != first or type(value) is not type(first):
            return True
    return False


def varying_keys(rows: Sequence[dict[str, Any]], config_keys: set[str], limit: int = 8) -> list[str]:
    """Config keys whose value differs between the rows (the swept ones, seed included),
    in the rows' column order."""
    if not rows:
        return []
    keys: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for key in row:
            if key in config_keys and key not in seen:
                seen.add(key)
                keys.append(key)
    found = []
    for key in keys:
        if _differs(rows, key):
            found.append(key)
            if len(found) == limit:
                break
    return found


def resolve_column(name: str, known: Sequence[str], config_keys: Sequence[str] = ()) -> str | None:
    """The column `name` means: a config key (itself, or the one ending in `.name`, so
    `lr` is `optimizer.lr` rather than the logged `lr` metric), else any column."""
    for keys in (sorted(config_keys), known):
        if name in keys:
            return name
        matches = [key for key in keys if key.endswith("." + name)]
        if len(matches) == 1:
            return matches[0]
    return None


def _cells(values: Sequence[Any], formatter: Callable[[Any], str] | None = None) -> list[str]:
    formatter = formatter or column_formatter(values)
    return [formatter(value) for value in values]


def runs_table(rows: Sequence[dict[str, Any]], config_columns: Sequence[str], title: str, explicit: Sequence[str] = ()) -> TextTable:
    """One row per run: id, name, status, start, epochs, config columns, metrics.

    Args:
        rows: `list_row` rows, in display order.
        config_columns: config keys to show (abbreviated by their last part when unique).
        title: the line above the table.
        explicit: columns the user asked for; kept even when the same in every row.
    """
    ids = short_ids([row["id"] for row in rows])  # shortest unique prefixes, at least 7 characters (as git)
    run_names, legend = shown_names([str(row.get("name", "")) for row in rows])
    columns = [
        Column("id", [ids[row["id"]] for row in rows], align="left", identity=True, optional=False),
        Column("name", run_names, align="left", wrap=True, identity=True),
        Column("status", [str(row.get("status", "")) for row in rows], align="left", identity=True),
        Column("started", [started_text(row.get("started")) for row in rows], align="left", wrap=True, optional=False),
        Column("epochs", _cells([row.get("epochs") for row in rows])),
    ]
    if any(row.get("tags") for row in rows):
        columns.append(Column("tags", [row.get("tags", "") for row in rows], align="left", wrap=True))
    fixed = {column.header for column in columns} | {header for _, header in METRIC_COLUMNS}
    names = short_names(list(config_columns), taken=sorted(fixed))
    for key in config_columns:
        values = [row.get(key) for row in rows]
        text = [format_plain(value) for value in values]
        numeric = all(isinstance(value, (int, float)) or value is None for value in values)
        columns.append(Column(names[key], text, align="right" if numeric else "left", optional=key not in explicit))
    for key, header in METRIC_COLUMNS:
        values = [row.get(key) for row in rows]
        if any(value is not None for value in values):
            columns.append(Column(header, _cells(values), optional=False))
    notes = [METRIC_NOTE + "; started: UTC"]
    abbreviated = [f"{short} = {key}" for key, short in names.items() if short != key]
    if abbreviated:
        notes.append("columns: " + ", ".join(abbreviated))
    return TextTable(columns, title, notes + legend)


def group_rows(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> list[tuple[tuple, list[dict[str, Any]]]]:
    """Rows grouped by their values of `keys`, groups in order of first appearance."""
    groups: dict[str, tuple[tuple, list[dict[str, Any]]]] = {}
    for row in rows:
        values = tuple(row.get(key) for key in keys)
        identity = json.dumps(values, default=str)
        groups.setdefault(identity, (values, []))[1].append(row)
    return list(groups.values())


def grouped_table(rows: Sequence[dict[str, Any]], keys: Sequence[str], title: str) -> TextTable:
    """One row per group of runs sharing `keys`: n, then mean ± std of each metric
    (sample standard deviation, n − 1; `±` is left out for a group of one run)."""
    groups = group_rows(rows, keys)
    names = short_names(list(keys), taken=["n"])
    columns = [
        Column(names[key], [format_plain(values[index]) for values, _ in groups], align="left", wrap=True, identity=True,
               optional=False)
        for index, key in enumerate(keys)
    ]
    columns.append(Column("n", [str(len(members)) for _, members in groups], optional=False))
    for key, header in METRIC_COLUMNS:
        stats = [mean_and_std([member.get(key) for member in members]) for _, members in groups]
        if any(count for _, _, count in stats):
            columns.append(Column(header, mean_std_column(stats), optional=False))
    notes = [f"{len(rows)} runs in {len(groups)} groups by {', '.join(keys)}; metrics: mean ± sample standard "
             "deviation (n − 1) over the group's runs",
             METRIC_NOTE]
    abbreviated = [f"{short} = {key}" for key, short in names.items() if short != key]
    if abbreviated:
        notes.append("columns: " + ", ".join(abbreviated))
    return TextTable(columns, title, notes)
