"""Learning curves: train and validation accuracy/loss per run, with the best-validation line.

Seed 002's plots: train solid, validation dashed, a horizontal line at the best
validation value. Runs without a validation split (toy regression, symmetry) use
the test split instead and say so in the legend.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from reglab.report.plots.style import finish_legend, new_figure, panel_grid, run_colors, run_widths, styled
from reglab.report.runs import ReportRun

__all__ = ["plot_run_curves", "plot_metric_comparison", "evaluation_split"]

METRIC_NAMES = {"acc": "accuracy", "loss": "loss"}


def evaluation_split(run: ReportRun, metric: str) -> str:
    """`val` when the run has validation values of `metric`, else `test`."""
    return "val" if run.has(f"val/{metric}") else "test"


def _best(values: np.ndarray, metric: str) -> int:
    """Index of the best value: highest accuracy, lowest loss."""
    return int(np.argmax(values) if metric == "acc" else np.argmin(values))


def _wants_log_scale(values: Sequence[np.ndarray]) -> bool:
    finite = np.concatenate([array[np.isfinite(array)] for array in values if len(array)] or [np.empty(0)])
    positive = finite[finite > 0]
    return len(positive) == len(finite) and len(positive) > 1 and positive.max() / positive.min() > 50


@styled
def plot_run_curves(runs: Sequence[ReportRun], metric: str = "acc") -> Figure | None:
    """One panel per run: train (solid) and validation (dashed) `metric` per epoch, a
    dotted line at the best validation value and a dot at its epoch.

    Args:
        runs: the runs to draw; runs without `train/<metric>` are left out.
        metric: `acc` or `loss`.

    Returns:
        The figure, or None when no run has the metric.

    Example:
        >>> figure = plot_run_curves(load_report_runs(store, [run_id]), "acc")
    """
    runs = [run for run in runs if run.has(f"train/{metric}")]
    if not runs:
        return None
    columns = min(3, len(runs))
    rows = -(-len(runs) // columns)
    figure = new_figure(4.2 * columns + 0.4, 3.2 * rows + 0.5)
    name = METRIC_NAMES.get(metric, metric)
    for axes, run in zip(panel_grid(figure, len(runs), columns), runs):
        split = evaluation_split(run, metric)
        split_name = "validation" if split == "val" else "test (no validation split)"
        train_epochs, train_values = run.series(f"train/{metric}")
        eval_epochs, eval_values = run.series(f"{split}/{metric}")
        axes.plot(train_epochs, train_values, color="tab:blue", label="train")
        if len(eval_values):
            axes.plot(eval_epochs, eval_values, color="tab:red", linestyle="--", label=split_name)
            best = _best(eval_values, metric)
            axes.axhline(eval_values[best], color="tab:green", linestyle=":", linewidth=1.2,
                         label=f"best {split}: {eval_values[best]:.3g} (epoch {int(eval_epochs[best])})")
            axes.plot([eval_epochs[best]], [eval_values[best]], "o", color="tab:green", markersize=5)
        if metric == "loss" and _wants_log_scale([train_values, eval_values]):
            axes.set_yscale("log")
        axes.set_title(run.label)
        axes.set_xlabel("epoch")
        axes.set_ylabel(name)
        axes.legend(loc="best")
    figure.suptitle(f"Train and validation {name} per run")
    return figure


@styled
def plot_metric_comparison(runs: Sequence[ReportRun], metric: str = "acc", split: str = "val") -> Figure | None:
    """Every run's `<split>/<metric>` on one axis (falls back to the test split per run
    when a run has no validation values), so runs can be compared at a glance.

    Returns:
        The figure, or None when no run has the metric.
    """
    drawn = []
    for run in runs:
        run_split = split if run.has(f"{split}/{metric}") else "test"
        epochs, values = run.series(f"{run_split}/{metric}")
        if len(values):
            drawn.append((run, run_split, epochs, values))
    if not drawn:
        return None
    figure = new_figure(7.5, 4.2)
    axes = figure.add_subplot()
    colors = run_colors(len(drawn))
    name = METRIC_NAMES.get(metric, metric)
    for color, width, (run, run_split, epochs, values) in zip(colors, run_widths(len(drawn)), drawn):
        suffix = "" if run_split == split else f" ({run_split})"
        axes.plot(epochs, values, color=color, linewidth=width, label=f"{run.label}{suffix}")
        if run.has(f"train/{metric}"):
            train_epochs, train_values = run.series(f"train/{metric}")
            axes.plot(train_epochs, train_values, color=color, linestyle=":", linewidth=1.0, alpha=0.8)
    if metric == "loss" and _wants_log_scale([values for *_, values in drawn]):
        axes.set_yscale("log")
    split_name = "validation" if split == "val" else split
    axes.set_title(f"{split_name.capitalize()} {name} of every run (dotted: train)")
    axes.set_xlabel("epoch")
    axes.set_ylabel(f"{split_name} {name}")
    finish_legend(axes)
    return figure
