"""Text a preset adds to its report: what to look for, and numbers that check it.

Each check reads the finished runs and states what was measured; it never asserts
the expected outcome, so a report shows honestly when an effect did not appear.
"""

from __future__ import annotations

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
    from reglab.compare.papers import fit_time_table

    classes = getattr(runs[0].data, "num_classes", 0) if runs else 0
    return [ReportNote("Measured: fit time and test accuracy (Zhang et al., Fig. 1)", fit_time_table(runs, classes), True)]


def _early_stopping(runs: Sequence[Run]) -> list[ReportNote]:
    from reglab.compare.papers.prechelt import criterion_rows, criterion_table, plot_tradeoff
    from reglab.report.figures import ReportFigure

    histories = [run.history for run in runs]
    rows = criterion_rows(histories)
    figure = ReportFigure("early-stopping-tradeoff", "Training time vs generalization per criterion",
                          "Each criterion's mean training time relative to the epoch of lowest validation error (x) "
                          "against the mean ratio of its kept weights' test error to the test error at that epoch "
                          "(y, 1 = the best stop); grey: the references.", plot_tradeoff(rows))
    return [ReportNote("Measured: Prechelt's criteria replayed on every run", criterion_table(histories, rows=rows), True,
                       figure)]


def _lottery(runs: Sequence[Run]) -> list[ReportNote]:
    from reglab.compare.papers import plot_tickets, ticket_points, ticket_table
    from reglab.report.figures import ReportFigure

    points = ticket_points(runs)
    if not any(points.values()):
        return [ReportNote("Measured: accuracy per sparsity", "no lottery rounds were recorded")]
    ticket, control = (list(points) + ["", ""])[:2]
    figure = ReportFigure("lottery-tickets", "Test accuracy vs weights remaining",
                          "Median over the seeds (line) and every seed (dots) of the test accuracy at the end of each "
                          "round; dotted lines: the rounds nearest 20 %, 10 % and 5 % of the weights remaining; dashed: "
                          "the dense network.", plot_tickets(points))
    return [ReportNote("Measured: test accuracy at the end of each round", ticket_table(points, ticket, control), True,
                       figure if figure.figure is not None else None)]


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
