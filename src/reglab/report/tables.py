"""The report's tables as plain rows: final and best metrics of each run, configs over seeds
(the config differences: `reglab.report.config_table`)."""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

from reglab.formatting import column_formatter, format_column, format_plain, mean_and_std, mean_std_column
from reglab.report.runs import ReportRun
from reglab.presentation.stop_reason import stop_reason_text
from reglab.text_table import shown_names

__all__ = [
    "FINAL_COLUMNS",
    "BEST_COLUMNS",
    "GROUP_COLUMNS",
    "metrics_rows",
    "group_rows",
    "format_value",
    "run_names_note",
]

# (header, how to read it from a run); a column is shown when any run has a value.
# A run's figures are the ones every output shows (the compare table, `runs list`):
# train metrics, ‖θ‖ and sparsity of the last epoch, validation and test metrics of the
# weights the run kept (`kept:`; the last epoch's when the run stored none).
FINAL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("train acc (last epoch)", "final:train/acc"),
    ("val acc (weights kept)", "kept:val/acc"),
    ("test acc (weights kept)", "kept:test/acc"),
    ("train loss (last epoch)", "final:train/loss"),
    ("val loss (weights kept)", "kept:val/loss"),
    ("test loss (weights kept)", "kept:test/loss"),
    ("‖θ‖ (last epoch)", "final:param/l2/total"),
    ("sparsity (last epoch)", "final:param/sparsity/total"),
    ("seconds", "summary:time/total"),
)
STOP_REASON = "summary:stop_reason"
BEST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("best epoch", "summary:best_epoch"),
    ("chosen by", "summary:best_monitor"),
    ("val acc", "best:val/acc"),
    ("val loss", "best:val/loss"),
    ("test acc", "best:test/acc"),
    ("test loss", "best:test/loss"),
    ("stop reason", STOP_REASON),
)


def format_value(value: Any) -> str:
    """Numbers to 4 significant digits, lists and dicts as compact JSON, None as '–'."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(", ", ": "))
    return str(value)


def _read(run: ReportRun, where: str) -> Any:
    source, _, key = where.partition(":")
    if source == "final":
        return run.last(key)
    if source == "summary":
        return run.summary.get(key)
    if source == "best":
        return (run.summary.get("best") or {}).get(key)
    if source == "final_eval":
        return (run.summary.get("final_eval") or {}).get(key)
    if source == "kept":
        kept = (run.summary.get("final_eval") or {}).get(key)
        return kept if kept is not None else run.last(key)
    raise ValueError(f"unknown metric source {source!r}")


def _stop_reasons(runs: Sequence[ReportRun]) -> list[str]:
    """Each run's stop reason, its monitored value in the number format of that metric's
    column of the best-epoch table (`0.8681`, not the reason's `0.868056`)."""

    def formatter(key: str):
        values = [_read(run, f"best:{key}") for run in runs]
        return column_formatter(values) if any(isinstance(value, (int, float)) for value in values) else None

    reasons = [_read(run, STOP_REASON) for run in runs]
    return [stop_reason_text(reason, formatter) if isinstance(reason, str) else format_plain(reason) for reason in reasons]


def run_names_note(runs: Sequence[ReportRun]) -> str:
    """What the short keys of the tables' run names stand for ("" when none was shortened):
    `compare --vary` names (`regularization.l2=1e-4`) show by their short keys (`l2=1e-4`),
    as in `reglab compare`'s table (`reglab.text_table.shown_names`)."""
    return " ".join(shown_names([run.label for run in runs])[1])


def metrics_rows(
    runs: Sequence[ReportRun], columns: Sequence[tuple[str, str]] = FINAL_COLUMNS, identity: bool = True
) -> tuple[list[str], list[list[str]]]:
    """Header and one row per run: with `identity` the run's name, id, status and epochs,
    else its label (the name, with the id's first characters when runs share it); then
    the `columns` that at least one run has a value for, each column in one number
    format (`reglab.formatting.column_formatter`)."""
    shown = [(header, where) for header, where in columns if any(_read(run, where) is not None for run in runs)]
    header = ["run", *(["id", "status", "epochs"] if identity else []), *(name for name, _ in shown)]
    formatted = [_stop_reasons(runs) if where == STOP_REASON else format_column([_read(run, where) for run in runs])
                 for _, where in shown]
    # Beside the id column a run is named as stored: its label's id suffix would say it twice.
    names, _ = shown_names([str(run.config.get("name") or run.label) if identity else run.label for run in runs])
    rows = []
    for index, run in enumerate(runs):
        stop = run.summary.get("stop_criterion")
        status = f"{run.status} ({stop})" if stop else run.status
        cells = [names[index], *([run.id, status, str(len(run.history))] if identity else [])]
        rows.append([*cells, *(column[index] for column in formatted)])
    return header, rows


# The figures a group of runs over seeds is summarised by: the same sources as above.
GROUP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("train acc (last epoch)", "final:train/acc"),
    ("val acc (weights kept)", "kept:val/acc"),
    ("test acc (weights kept)", "kept:test/acc"),
    ("test loss (weights kept)", "kept:test/loss"),
    ("‖θ‖ (last epoch)", "final:param/l2/total"),
    ("seconds", "summary:time/total"),
)


def group_rows(runs: Sequence[ReportRun]) -> tuple[list[str], list[list[str]]]:
    """Header and one row per config repeated over seeds (runs sharing a name): n, the
    seeds, then mean ± sample std (n − 1) of each figure. Empty when no config repeats."""
    from reglab.report.groups import seed_groups

    groups = [group for group in seed_groups(runs) if group.size > 1]
    if not groups:
        return [], []
    shown = [(header, where) for header, where in GROUP_COLUMNS
             if any(_read(run, where) is not None for group in groups for run in group.runs)]
    columns = []
    for _, where in shown:
        stats = [mean_and_std([_read(run, where) for run in group.runs]) for group in groups]
        columns.append(mean_std_column(stats))
    header = ["config", "n", "seeds", *(name for name, _ in shown)]
    names, _ = shown_names([group.label for group in groups])
    rows = [
        [names[index], str(group.size), ", ".join(str(run.config.get("seed")) for run in group.runs),
         *(column[index] for column in columns)]
        for index, group in enumerate(groups)
    ]
    return header, rows
