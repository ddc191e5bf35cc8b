"""Sparsity over epochs: the fraction of weights that are exactly zero.

Pruning masks and proximal L1 make exact zeros; other runs stay at 0 %. Values come
from the trajectory recorder's `param/sparsity/total` and `param/sparsity/<layer>`.
"""

from __future__ import annotations

from typing import Sequence

from matplotlib.figure import Figure

from reglab.report.groups import seed_groups
from reglab.report.plots.bands import BAND_ALPHA, group_label
from reglab.report.plots.style import epoch_axis, finish_legend, new_figure, run_colors, run_widths, styled
from reglab.report.runs import ReportRun, layer_names

__all__ = ["plot_sparsity", "plot_accuracy_vs_sparsity", "accuracy_by_sparsity", "accuracy_by_epoch"]


@styled
def plot_sparsity(runs: Sequence[ReportRun]) -> Figure | None:
    """`param/sparsity/total` per epoch for every run on one axis, a config over seeds as
    its mean with a ±1 std band (one legend entry per config, as in the other figures);
    for a single run, a second panel with each layer's sparsity.

    Returns:
        The figure, or None when no run recorded sparsity or every value is zero
        (a flat line at 0 % says nothing a table would not).
    """
    key = "param/sparsity/total"
    if not any(run.has(key) and run.series(key)[1].max() > 0 for run in runs):
        return None
    layers = layer_names(runs, "param/sparsity/") if len(runs) == 1 else []
    panels = 2 if layers else 1
    figure = new_figure(6.0 * panels + 1.5, 4.2)
    axes = figure.add_subplot(1, panels, 1)
    groups = [group for group in seed_groups(runs) if group.has(key)]
    for color, width, group in zip(run_colors(len(groups)), run_widths(len(groups)), groups):
        epochs, mean, std, _ = group.series(key)
        axes.plot(epochs, 100 * mean, color=color, linewidth=width, label=group_label(group))
        if group.size > 1:
            axes.fill_between(epochs, 100 * (mean - std), 100 * (mean + std), color=color, alpha=BAND_ALPHA, linewidth=0)
    axes.set_title("Sparsity of the weights")
    epoch_axis(axes)
    axes.set_ylabel("weights exactly zero (%)")
    axes.set_ylim(bottom=0)
    finish_legend(axes)
    if layers:
        layer_axes = figure.add_subplot(1, panels, 2)
        for color, layer in zip(run_colors(len(layers)), layers):
            epochs, values = runs[0].series(f"param/sparsity/{layer}")
            layer_axes.plot(epochs, 100 * values, color=color, label=layer)
        layer_axes.set_title(f"Sparsity per layer: {runs[0].label}")
        epoch_axis(layer_axes)
        layer_axes.set_ylabel("weights exactly zero (%)")
        layer_axes.set_ylim(bottom=0)
        finish_legend(layer_axes, outside=True)
    return figure


def accuracy_by_sparsity(run: ReportRun, key: str = "test/acc") -> list[tuple[float, float]]:
    """(sparsity, accuracy) at the end of each pruning level of a run, in training order.

    From the lottery-ticket summary (`summary["lottery"]`: per round `sparsity` and
    `final_test/acc`) when present; else from the history: `key` at the last epoch
    of each distinct `param/sparsity/total` value (rounded to 0.1 %).
    """
    rounds = run.summary.get("lottery")
    if isinstance(rounds, list) and rounds and all("sparsity" in item for item in rounds):
        field = "final_" + key
        return [(float(item["sparsity"]), float(item[field])) for item in rounds if item.get(field) is not None]
    points: dict[float, float] = {}
    for row in run.history:
        if "param/sparsity/total" in row and key in row:
            points[round(row["param/sparsity/total"], 3)] = row[key]
    return list(points.items())


def accuracy_by_epoch(run: ReportRun, key: str = "test/acc") -> list[tuple[float, float, int]]:
    """(sparsity, accuracy, epoch) of every epoch that recorded both, in training order."""
    return [
        (float(row["param/sparsity/total"]), float(row[key]), int(row["epoch"]))
        for row in run.history
        if row.get("param/sparsity/total") is not None and row.get(key) is not None
    ]


def _lottery_rounds(run: ReportRun, key: str) -> list[tuple[float, float]]:
    rounds = run.summary.get("lottery")
    if not (isinstance(rounds, list) and rounds and all("sparsity" in item for item in rounds)):
        return []
    return accuracy_by_sparsity(run, key)


@styled
def plot_accuracy_vs_sparsity(runs: Sequence[ReportRun], key: str = "test/acc") -> Figure | None:
    """Test accuracy against sparsity for every run that pruned at least once.

    Lottery-ticket runs (Frankle & Carbin 2019, arXiv:1803.03635) draw one point per
    round, joined in round order and labelled with the round: each point is a network
    trained to the end at that sparsity. Other runs (one-shot or gradual pruning) draw
    every epoch as a small dot and the last epoch of each sparsity level as a large one
    labelled with its epoch, without a line: two levels of one run are two moments of
    training, and a line between them would read as a trend.

    Returns:
        The figure, or None when no run has two or more sparsity levels.
    """
    drawn = [run for run in runs if len(accuracy_by_sparsity(run, key)) >= 2]
    if not drawn:
        return None
    figure = new_figure(8.5, 4.4)
    axes = figure.add_subplot()
    explained = []
    for color, width, run in zip(run_colors(len(drawn)), run_widths(len(drawn)), drawn):
        rounds = _lottery_rounds(run, key)
        if rounds:
            sparsity, accuracy = zip(*rounds)
            axes.plot([100 * value for value in sparsity], accuracy, color=color, linewidth=width, marker="o",
                      label=f"{run.label} (one point per round)")
            explained.append("lines: one point per lottery round")
            for index, (x, y) in enumerate(rounds):
                axes.annotate(f"round {index}", (100 * x, y), xytext=(4, 4), textcoords="offset points", fontsize=7,
                              color=color)
            continue
        explained.append("small dots: every epoch; large: the last epoch of each level")
        points = accuracy_by_epoch(run, key)
        axes.plot([100 * x for x, _, _ in points], [y for _, y, _ in points], linestyle="none", marker=".",
                  markersize=4, color=color, alpha=0.45)
        last: dict[float, tuple[float, float, int]] = {}
        for point in points:
            last[round(point[0], 3)] = point
        axes.plot([100 * x for x, _, _ in last.values()], [y for _, y, _ in last.values()], linestyle="none",
                  marker="o", markersize=7, color=color, label=run.label)
        for x, y, epoch in last.values():
            axes.annotate(f"epoch {epoch}", (100 * x, y), xytext=(5, -10), textcoords="offset points", fontsize=7,
                          color=color)
    axes.set_title("Accuracy against sparsity\n(" + "; ".join(dict.fromkeys(explained)) + ")", fontsize=10)
    axes.set_xlabel("weights pruned (%)")
    axes.set_ylabel(key.replace("/", " ").replace("acc", "accuracy"))
    finish_legend(axes, outside=True)
    return figure
