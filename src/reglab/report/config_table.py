"""The report's config section: the keys that tell the runs apart, and the ones they share.

Up to `MAX_RUN_COLUMNS` runs, one row per differing key and one column per run. Beyond,
one row per config (the runs of a config over seeds share its name: one row, its values
said once) and one column per differing key, headed by its short name as in the
terminal's tables (`reglab.text_table.short_names`): the lottery-ticket preset's 70 runs
had made a table of 71 columns. A cell whose runs differ (the seeds of a config) reads
`0–4`, or how many values there are; a column that reads the same in every row moves to
one line under the table, as `reglab runs list` prints "same in every row". The keys
every run shares are said once, in one line: those not at reglab's defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Sequence

from reglab.report.groups import seed_groups
from reglab.report.runs import ReportRun, config_differences, off_defaults, same_value
from reglab.report.tables import format_value
from reglab.text_table import shown_names, short_names

__all__ = ["MAX_RUN_COLUMNS", "ConfigTable", "config_table", "one_cell", "shared_keys"]

# Runs side by side up to this many (the report's page is 1,200 px wide); configs down beyond.
MAX_RUN_COLUMNS = 6


@dataclass(frozen=True)
class ConfigTable:
    """The config section of a report.

    Attributes:
        intro: the sentence before the table (what the values are compared with).
        header: the table's header; empty when no key differs.
        rows: the table's rows.
        notes: lines under the table (short column names, columns the same in every row,
            the keys every run shares).
    """

    intro: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _integer_ranges(values: Sequence[int]) -> str:
    """`0–4` for 0, 1, 2, 3, 4; `0, 1, 5–7` otherwise (runs of three or more as ranges)."""
    ordered = sorted(set(values))
    pieces: list[str] = []
    start = 0
    for index in range(1, len(ordered) + 1):
        if index == len(ordered) or ordered[index] != ordered[index - 1] + 1:
            run = ordered[start:index]
            pieces.extend([f"{run[0]}–{run[-1]}"] if len(run) >= 3 else [str(value) for value in run])
            start = index
    return ", ".join(pieces)


def one_cell(values: Sequence[Any]) -> str:
    """The values of one key over a config's runs, in one cell: the value once when the
    runs share it; integers (seeds) as ranges; else the common start and the count.

    Example:
        >>> one_cell([0.1, 0.1]), one_cell([0, 1, 2, 3, 4]), one_cell(["runs/3f2a", "runs/9b1c"])
        ('0.1', '0–4', 'runs/… (2 values)')
    """
    texts = list(dict.fromkeys(format_value(value) for value in values))
    if len(texts) == 1:
        return texts[0]
    if all(isinstance(value, int) and not isinstance(value, bool) for value in values):
        return _integer_ranges(values)
    prefix = os.path.commonprefix(texts)
    cut = max(prefix.rfind(mark) for mark in "/._-") + 1
    return f"{prefix[:cut]}… ({len(texts)} values)" if cut >= 4 else f"{len(texts)} values"


def shared_keys(runs: Sequence[ReportRun]) -> list[tuple[str, Any]]:
    """(key, value) of the keys with one value in every run that is not reglab's default
    (`name` left out), in config order."""
    return [(key, value) for key, value in off_defaults(runs[0].flat_config)
            if all(same_value(run.flat_config.get(key), value) for run in runs[1:])]


def _shared_line(runs: Sequence[ReportRun]) -> str:
    shared = shared_keys(runs)
    if not shared:
        return "Every other key has reglab's default value in every run."
    return "Every run shares the other keys; those not at reglab's defaults: " + ", ".join(
        f"{key} = {format_value(value)}" for key, value in shared
    ) + "."


def _by_config(runs: Sequence[ReportRun], differences: list[tuple[str, list[Any]]]) -> tuple[list[str], list[list[str]], list[str]]:
    """Header, one row per config, and the notes: short names, columns the same in every row."""
    groups = seed_groups(runs)
    position = {run.id: index for index, run in enumerate(runs)}
    cells = {key: [one_cell([values[position[run.id]] for run in group.runs]) for group in groups] for key, values in differences}
    varying = [key for key in cells if len(set(cells[key])) > 1]
    same = [key for key in cells if key not in varying]
    with_counts = any(group.size > 1 for group in groups)
    names = short_names([*varying, *same], taken=["config", "runs"])
    header = ["config", *(["runs"] if with_counts else []), *(names[key] for key in varying)]
    labels, _ = shown_names([group.label for group in groups])
    rows = [
        [labels[index], *([str(group.size)] if with_counts else []), *(cells[key][index] for key in varying)]
        for index, group in enumerate(groups)
    ]
    notes = []
    shortened = [f"{names[key]} = {key}" for key in varying if names[key] != key]
    if shortened:
        notes.append("columns: " + ", ".join(shortened))
    if same:
        notes.append("same in every config: " + ", ".join(f"{key} {cells[key][0]}" for key in same))
    return header, rows, notes


def config_table(runs: Sequence[ReportRun]) -> ConfigTable:
    """The config section of a report of `runs` (see the module docstring)."""
    against, differences = config_differences(runs)
    if len(runs) < 2:
        if not differences:
            return ConfigTable(f"No config key differs from {against}.")
        return ConfigTable(f"Config keys whose values differ from {against}.", ["config key", runs[0].label],
                           [[key, format_value(values[0])] for key, values in differences])
    shared = _shared_line(runs)
    if not differences:
        return ConfigTable("No config key differs between the runs.", notes=[shared])
    if len(runs) <= MAX_RUN_COLUMNS:
        header = ["config key", *shown_names([run.label for run in runs])[0]]
        rows = [[key, *(format_value(value) for value in values)] for key, values in differences]
        return ConfigTable("Config keys whose values differ between the runs.", header, rows, [shared])
    header, rows, notes = _by_config(runs, differences)
    intro = f"Config keys whose values differ between the {len(runs)} runs, one row per config"
    intro += " (the runs of a config over seeds share its name)." if len(rows) < len(runs) else "."
    return ConfigTable(intro, header, rows, [*notes, shared])
