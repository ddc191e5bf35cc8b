"""What `reglab runs show ID` prints: identity, config differences from the defaults,
summary and per-epoch history, each fitted to the terminal."""

from __future__ import annotations

import json
from typing import Any, Sequence

from reglab.text_table import Column, TextTable, render_table, terminal_width, wrap_line
from reglab.formatting import column_formatter, format_plain

__all__ = ["run_details", "config_changes", "summary_lines", "HISTORY_KEYS", "MAX_HISTORY_ROWS"]

HISTORY_KEYS = ("epoch", "train/loss", "train/acc", "val/loss", "val/acc", "test/loss", "test/acc", "lr")
# Longer histories show their first and last epochs and evenly spaced ones between;
# `--json` has every epoch.
MAX_HISTORY_ROWS = 30
# Summary entries already shown elsewhere (history, config) or too long for a line.
SUMMARY_SKIPPED = {"final", "best", "final_eval", "decayed", "not_decayed", "lottery"}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _time(stamp: str) -> str:
    """`2026-12-01T10:02:33+00:00` -> `2026-12-01 10:02:33 UTC`."""
    return stamp.replace("T", " ").replace("+00:00", " UTC")


def _same(left: Any, right: Any) -> bool:
    return json.dumps(left, sort_keys=True, default=str) == json.dumps(right, sort_keys=True, default=str)


def config_changes(config: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(dotted key, the run's value, the default) for every key that differs from reglab's defaults."""
    from reglab.config.root import Config, flatten

    defaults = Config().flat()
    return [
        (key, value, defaults.get(key))
        for key, value in flatten(config).items()
        if key != "name" and not _same(value, defaults.get(key))
    ]


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """`key: value` lines of the summary's scalars, then the kept weights' metrics."""
    lines = []
    for key in sorted(summary):
        value = summary[key]
        if key in SUMMARY_SKIPPED or isinstance(value, (dict, list)):
            continue
        lines.append(f"  {key}: {format_plain(value)}")
    kept = summary.get("final_eval") or {}
    if kept:
        shown = "   ".join(f"{key} {value:.4f}" for key, value in sorted(kept.items()) if isinstance(value, float))
        lines.append(f"  weights kept: {shown}")
    return lines


def _history_rows(history: Sequence[dict[str, float]]) -> tuple[list[dict[str, float]], int]:
    if len(history) <= MAX_HISTORY_ROWS:
        return list(history), 0
    step = -(-len(history) // (MAX_HISTORY_ROWS - 1))
    chosen = list(range(0, len(history), step))
    if chosen[-1] != len(history) - 1:
        chosen.append(len(history) - 1)
    return [history[index] for index in chosen], len(history) - len(chosen)


def _history_table(history: Sequence[dict[str, float]]) -> TextTable:
    rows, hidden = _history_rows(history)
    keys = [key for key in HISTORY_KEYS if any(key in row for row in rows)]
    columns = []
    for key in keys:
        values = [row.get(key) for row in rows]
        if key == "epoch":
            values = [int(value) if value is not None else None for value in values]
        formatter = column_formatter(values)
        columns.append(Column(key, [formatter(value) for value in values], optional=False))
    notes = [f"{hidden} epochs not shown (every epoch: reglab runs show ID --json)"] if hidden else []
    return TextTable(columns, f"history ({_count(len(history), 'epoch')})", notes)


def run_details(run: Any, history: Sequence[dict[str, float]], tags: Sequence[str] = (), width: int | None = None) -> str:
    """The text of `reglab runs show` for a `StoredRun` and its history."""
    width = width or terminal_width()
    lines = [f"run {run.id} ({run.name})",
             f"{run.status}, {_count(run.epochs, 'epoch')}",
             f"started {_time(run.started_at)}" + (f", ended {_time(run.ended_at)}" if run.ended_at else "")]
    if run.sweep:
        lines.append(f"sweep: {run.sweep}")
    if tags:
        lines.append(f"tags: {', '.join(tags)}")
    if run.error:
        lines.append(f"error: {run.error.strip().splitlines()[-1]}")
    changes = config_changes(run.config)
    if changes:
        table = TextTable(
            [
                Column("config key", [key for key, _, _ in changes], align="left", identity=True, optional=False),
                Column("value", [format_plain(value) for _, value, _ in changes], align="left", wrap=True, optional=False),
                Column("default", [format_plain(default) for _, _, default in changes], align="left", wrap=True,
                       optional=False),
            ],
            f"\nconfig: {_count(len(changes), 'key')} differ{'s' if len(changes) == 1 else ''} from the defaults",
        )
        lines.append(render_table(table, width))
    else:
        lines.append("\nconfig: the defaults")
    summary = summary_lines(run.summary)
    if summary:
        lines.append("\nsummary")
        lines.extend(summary)
    elif history:
        lines.append("\nsummary: none stored (the run did not finish); its last epoch is the last history row")
    if history:
        lines.append("")
        lines.append(render_table(_history_table(history), width))
    best = run.summary.get("best_epoch")
    if best:
        lines.append(f"best epoch {best} by {run.summary.get('best_monitor')}")
    return "\n".join(wrap_line(line, width) for line in "\n".join(lines).split("\n"))
