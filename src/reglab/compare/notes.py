"""Text a preset adds to its report: what to look for, and numbers that check it.

Each check reads the finished runs and states what was measured; it never asserts
the expected outcome, so a report shows honestly when an effect did not appear.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import torch

from reglab.compare.presets import ComparePreset
from reglab.compare.rumelhart import PAPER_PATTERN, format_solution
from reglab.engine.run import Run
from reglab.report.html import ReportNote
from reglab.compare.table import final_weight_stats, run_figures

__all__ = ["preset_notes", "first_epoch_reaching", "distinct_units"]


# Every note's test accuracy is the one the comparison table shows for the run.
KEPT = "test acc: the weights the run kept (as in the comparison table)"


def _value(row: dict, key: str) -> str:
    value = row.get(key)
    return "–" if value is None else f"{value:.3f}"


def first_epoch_reaching(history: Sequence[dict], key: str, threshold: float) -> int | None:
    """The first epoch whose `key` is ≥ `threshold`, or None."""
    return next((int(row["epoch"]) for row in history if row.get(key, float("-inf")) >= threshold), None)


def _norm(run: Run) -> float:
    return final_weight_stats(run.model)[0]


def _seed000(runs: Sequence[Run]) -> list[ReportNote]:
    lines = [f"{'run':<28}{'final ‖θ‖':>10}{'test acc':>10}"]
    for run in runs:
        lines.append(f"{run.name:<28}{_norm(run):>10.2f}{_value(run_figures(run), 'test/acc'):>10}")
    lines.append(KEPT)
    plain = next((run for run in runs if run.name == "plain"), None)
    decayed = next((run for run in runs if run.name.startswith("weight decay")), None)
    if plain and decayed:
        lines.append(f"\nweight decay / plain parameter norm: {_norm(decayed) / _norm(plain):.2f}")
    return [ReportNote("Measured: parameter norm and test accuracy of the final weights", "\n".join(lines), True)]


def _rethinking(runs: Sequence[Run]) -> list[ReportNote]:
    classes = getattr(runs[0].data, "num_classes", 0) if runs else 0
    lines = [f"{'run':<20}{'train acc':>10}{'test acc':>10}{'epoch train ≥ 95%':>19}"]
    for run in runs:
        figures = run_figures(run)
        reached = first_epoch_reaching(run.history, "train/acc", 0.95)
        lines.append(f"{run.name:<20}{_value(figures, 'train/acc'):>10}{_value(figures, 'test/acc'):>10}"
                     f"{reached if reached else 'never':>19}")
    lines.append("train acc: last epoch; " + KEPT)
    if classes:
        lines.append(f"\nchance level: 1/{classes} = {1 / classes:.3f}")
    return [ReportNote("Measured: memorisation and generalization", "\n".join(lines), True)]


def _early_stopping(runs: Sequence[Run]) -> list[ReportNote]:
    planned = max(run.config.epochs for run in runs)
    lines = [f"{'run':<18}{'stopped at':>11}{'rule':>10}{'kept epoch':>11}{'test acc':>10}{'epochs saved':>13}"]
    for run in runs:
        stopped = len(run.history)
        rule = run.summary.get("stop_criterion") or "–"
        kept = run.summary.get("restored_epoch") or stopped
        lines.append(f"{run.name:<18}{stopped:>11}{rule:>10}{kept:>11}"
                     f"{_value(run_figures(run), 'test/acc'):>10}{planned - stopped:>13}")
    lines.append(KEPT)
    return [ReportNote("Measured: when each criterion stopped", "\n".join(lines), True)]


def _sparsity_points(run: Run) -> list[tuple[float, float]]:
    """The report's (sparsity, test accuracy) points of a live run."""
    from reglab.report.plots.sparsity import accuracy_by_sparsity
    from reglab.report.runs import ReportRun

    view = ReportRun(run.id or "", run.name, run.status, {}, run.summary, list(run.history), Path("."))
    return accuracy_by_sparsity(view)


def _lottery(runs: Sequence[Run]) -> list[ReportNote]:
    columns = {run.name: dict(_sparsity_points(run)) for run in runs}
    levels = sorted({level for points in columns.values() for level in points})
    if not levels:
        return [ReportNote("Measured: accuracy per sparsity", "no sparsity was recorded (trajectory off?)")]
    lines = [f"{'sparsity':>9}" + "".join(f"{name[:26]:>28}" for name in columns)]
    for level in levels:
        cells = "".join(f"{columns[name].get(level, float('nan')):>28.3f}" for name in columns)
        lines.append(f"{100 * level:>8.1f}%" + cells)
    return [ReportNote("Measured: test accuracy at the end of each round", "\n".join(lines), True)]


def distinct_units(weight: torch.Tensor, decimals: int = 5) -> int:
    """How many different rows (hidden units' incoming weights) a weight matrix has."""
    return int(torch.unique(weight.detach().round(decimals=decimals), dim=0).shape[0])


def _init(runs: Sequence[Run]) -> list[ReportNote]:
    lines = [f"{'run':<20}{'test acc':>10}   distinct hidden units per layer"]
    for run in runs:
        state = run.model.state_dict()
        layers = sorted(name for name in state if name.startswith("hidden.") and name.endswith("linear.weight"))
        units = ", ".join(f"{distinct_units(state[name])}/{state[name].shape[0]}" for name in layers)
        lines.append(f"{run.name:<20}{_value(run_figures(run), 'test/acc'):>10}   {units}")
    lines.append(KEPT)
    return [ReportNote("Measured: symmetry breaking", "\n".join(lines), True)]


def _rumelhart(runs: Sequence[Run]) -> list[ReportNote]:
    notes = [ReportNote("The paper's solution", PAPER_PATTERN)]
    for run in runs:
        solved = first_epoch_reaching(run.history, "train/acc", 1.0)
        heading = f"Learned weights: {run.name}"
        status = f"all 64 patterns right from sweep {solved}" if solved else "not all 64 patterns right after the last sweep"
        text = f"{status}; final loss {_value(run.history[-1], 'train/loss')}\n\n" + format_solution(run.model.state_dict())
        notes.append(ReportNote(heading, text, True))
    return notes


CHECKS: dict[str, Callable[[Sequence[Run]], list[ReportNote]]] = {
    "seed000-lab": _seed000,
    "rethinking-generalization": _rethinking,
    "early-stopping": _early_stopping,
    "lottery-ticket": _lottery,
    "init-schemes": _init,
    "rumelhart-1986": _rumelhart,
}


def preset_notes(preset: ComparePreset, runs: Sequence[Run]) -> list[ReportNote]:
    """The preset's source and expectation, then its measured checks (if it has any)."""
    notes = [ReportNote("What to look for", f"{preset.expectation} (Source: {preset.source}.)")]
    check = CHECKS.get(preset.name)
    if check is not None and runs:
        notes.extend(check(runs))
    return notes
