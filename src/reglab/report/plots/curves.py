"""Learning curves: train and validation accuracy/loss per run, with the best-validation line.

Seed 002's plots: train solid, validation dashed, a horizontal line at the best
validation value. Runs without a validation split (toy regression, symmetry) use
the test split instead and say so in the legend. Runs of one config over several
seeds (same name) are drawn as their mean with a ±1 std band; runs on different
datasets get one axis per dataset, and panels of one dataset share their y range.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reglab.report.groups import RunGroup, by_dataset, seed_groups
from reglab.report.plots.bands import draw_group, group_label
from reglab.report.plots.style import (
    epoch_axis,
    finish_legend,
    new_figure,
    panel_grid,
    run_colors,
    run_widths,
    share_y_limits,
    styled,
)
from reglab.report.runs import ReportRun

__all__ = ["plot_run_curves", "plot_metric_comparison", "evaluation_split"]

METRIC_NAMES = {"acc": "accuracy", "loss": "loss"}


def evaluation_split(run: ReportRun | RunGroup, metric: str) -> str:
    """`val` when the run (or group) has validation values of `metric`, else `test`."""
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
    """One panel per run (per config, for runs repeated over seeds): train (solid) and
    validation (dashed) `metric` per epoch, a dotted line at the best validation value
    and a dot at its epoch. Panels of one dataset share their y range.

    Args:
        runs: the runs to draw; runs without `train/<metric>` are left out.
        metric: `acc` or `loss`.

    Returns:
        The figure, or None when no run has the metric.

    Example:
        >>> figure = plot_run_curves(load_report_runs(store, [run_id]), "acc")
    """
    groups = [group for group in seed_groups(runs) if group.has(f"train/{metric}")]
    if not groups:
        return None
    columns = min(3, len(groups))
    rows = -(-len(groups) // columns)
    figure = new_figure(4.2 * columns + 0.4, 3.2 * rows + 0.5)
    name = METRIC_NAMES.get(metric, metric)
    panels: dict[str, list[Axes]] = {}
    # One scale per dataset, so its panels compare: log when its losses span > 50×.
    logarithmic = {
        dataset: metric == "loss" and _wants_log_scale([
            group.series(f"{split}/{metric}")[1] for group in groups if group.dataset == dataset
            for split in ("train", evaluation_split(group, metric))
        ])
        for dataset in {group.dataset for group in groups}
    }
    for axes, group in zip(panel_grid(figure, len(groups), columns), groups):
        split = evaluation_split(group, metric)
        split_name = "validation" if split == "val" else "test (no validation split)"
        draw_group(axes, group, f"train/{metric}", "train", color="tab:blue")
        eval_epochs, eval_values, _, _ = group.series(f"{split}/{metric}")
        draw_group(axes, group, f"{split}/{metric}", split_name, color="tab:red", linestyle="--")
        if len(eval_values):
            best = _best(eval_values, metric)
            axes.axhline(eval_values[best], color="tab:green", linestyle=":", linewidth=1.2,
                         label=f"best {split}: {eval_values[best]:.3g} (epoch {int(eval_epochs[best])})")
            axes.plot([eval_epochs[best]], [eval_values[best]], "o", color="tab:green", markersize=5)
        if logarithmic[group.dataset]:
            axes.set_yscale("log")
        axes.set_title(group_label(group), fontsize=10)
        epoch_axis(axes)
        axes.set_ylabel(name)
        axes.legend(loc="best")
        panels.setdefault(group.dataset, []).append(axes)
    for axes_list in panels.values():
        share_y_limits(axes_list)
    figure.suptitle(f"Train and validation {name} per run" + (" (same y range per dataset)" if len(groups) > 1 else ""))
    return figure


@styled
def plot_metric_comparison(runs: Sequence[ReportRun], metric: str = "acc", split: str = "val") -> Figure | None:
    """Every run's `<split>/<metric>` on one axis per dataset (falling back to the test
    split per run when a run has no validation values), so runs can be compared at a
    glance; runs of one config over seeds as a mean curve with a ±1 std band.

    Returns:
        The figure, or None when no run has the metric.
    """
    datasets = []
    for dataset, members in by_dataset(runs):
        groups = [group for group in seed_groups(members)
                  if group.has(f"{split}/{metric}") or group.has(f"test/{metric}")]
        if groups:
            datasets.append((dataset, groups))
    if not datasets:
        return None
    seeded = any(group.size > 1 for _, groups in datasets for group in groups)
    outside = len(datasets) > 1 or seeded  # long legends go beside the axes, which keep their width
    figure = new_figure((7.5 if len(datasets) == 1 else 6.2 * len(datasets)) + (3.5 if outside else 0), 4.2)
    name = METRIC_NAMES.get(metric, metric)
    split_name = "validation" if split == "val" else split
    axes_list = [figure.add_subplot(1, len(datasets), index + 1) for index in range(len(datasets))]
    for axes, (dataset, groups) in zip(axes_list, datasets):
        drawn = []
        for color, width, group in zip(run_colors(len(groups)), run_widths(len(groups)), groups):
            group_split = split if group.has(f"{split}/{metric}") else "test"
            suffix = "" if group_split == split else f" ({group_split})"
            drawn.append(draw_group(axes, group, f"{group_split}/{metric}", f"{group_label(group)}{suffix}",
                               color=color, linewidth=width))
            if group.has(f"train/{metric}"):
                # The mean only: train bands would hide the validation ones.
                draw_group(axes, group, f"train/{metric}", None, band=False, color=color, linestyle=":",
                           linewidth=1.0, alpha=0.8)
        if metric == "loss" and _wants_log_scale(drawn):
            axes.set_yscale("log")
        where = f" on {dataset}" if len(datasets) > 1 else ""
        axes.set_title(f"{split_name.capitalize()} {name}{where} (dotted: train)")
        epoch_axis(axes)
        axes.set_ylabel(f"{split_name} {name}")
        finish_legend(axes, outside=outside)
    return figure
