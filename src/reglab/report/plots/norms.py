"""Parameter size: the total norm over epochs for several runs, and per-layer bars.

Seed 002 measures "the size of the model" as the Frobenius norm of all parameters,
√(Σ_layers ‖W_l‖_F²), and draws it per layer as bars with the total as a line
(`plot_weights`). Values come from the trajectory recorder's metrics
(`param/l2/<layer>`, `param/l2/total`, `param/dist_init/total`); the per-layer bars
fall back to the run's final weights (`model.safetensors`) when no per-layer
metric was recorded.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from reglab.report.plots.style import epoch_axis, finish_legend, new_figure, run_colors, run_widths, styled
from reglab.report.groups import by_dataset, seed_groups
from reglab.report.plots.bands import draw_group, group_label
from reglab.report.runs import ReportRun, layer_names, network_order
from reglab.store import load_weights

__all__ = ["plot_parameter_norm", "plot_layer_norms", "final_layer_norms", "frobenius_norms"]

# State-dict entries that are buffers, not parameters: not part of the model's size.
BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")


@styled
def plot_parameter_norm(runs: Sequence[ReportRun]) -> Figure | None:
    """`param/l2/total` per epoch, one line per run; a second panel with the distance
    from initialisation `param/dist_init/total` when it was recorded.

    Returns:
        The figure, or None when no run recorded `param/l2/total`.
    """
    panels = [key for key in ("param/l2/total", "param/dist_init/total") if any(run.has(key) for run in runs)]
    if "param/l2/total" not in panels:
        return None
    # One row of panels per dataset: different data, different networks, different scales.
    datasets = [(dataset, members) for dataset, members in by_dataset(runs) if any(run.has("param/l2/total") for run in members)]
    figure = new_figure(6.0 * len(panels) + 1.5, 4.2 * len(datasets))
    groups = seed_groups(runs)
    colors = dict(zip((group.label for group in groups), run_colors(len(groups))))
    widths = dict(zip((group.label for group in groups), run_widths(len(groups))))
    titles = {
        "param/l2/total": ("Norm of the parameters", "‖θ‖₂ (Frobenius, all layers)"),
        "param/dist_init/total": ("Distance from initialisation", "‖θ − θ₀‖₂"),
    }
    for row, (dataset, members) in enumerate(datasets):
        axes_list = [figure.add_subplot(len(datasets), len(panels), row * len(panels) + index + 1)
                     for index in range(len(panels))]
        for axes, key in zip(axes_list, panels):
            for group in seed_groups(members):
                draw_group(axes, group, key, group_label(group), color=colors[group.label], linewidth=widths[group.label])
            title, label = titles[key]
            axes.set_title(title + (f" on {dataset}" if len(datasets) > 1 else ""))
            epoch_axis(axes)
            axes.set_ylabel(label)
        finish_legend(axes_list[-1], outside=len(panels) > 1)
    return figure


def frobenius_norms(state: dict[str, torch.Tensor]) -> dict[str, float]:
    """Frobenius norm of every parameter tensor of a state dict (buffers left out).

    ‖W‖_F = √(Σ_ij W_ij²).

    Example:
        >>> frobenius_norms({"w": torch.tensor([[3.0, 4.0]])})
        {'w': 5.0}
    """
    return {
        name: float(torch.linalg.vector_norm(tensor.detach().float()))
        for name, tensor in state.items()
        if not name.endswith(BUFFER_SUFFIXES) and tensor.is_floating_point()
    }


def final_layer_norms(run: ReportRun) -> tuple[dict[str, float], float] | None:
    """(norm per layer, total norm) at the run's last epoch, or None when unknown.

    From the last epoch's `param/l2/<layer>` metrics when recorded, else from
    `model.safetensors`; the total is `param/l2/total` when recorded, else
    √(Σ layer norm²).
    """
    layers = layer_names([run], "param/l2/")
    norms = {layer: run.last(f"param/l2/{layer}") for layer in layers}
    norms = {layer: value for layer, value in norms.items() if value is not None}
    if not norms:
        weights = run.directory / "model.safetensors"
        if not weights.is_file():
            return None
        found = frobenius_norms(load_weights(weights))
        norms = {layer: found[layer] for layer in sorted(found, key=network_order)}
    if not norms:
        return None
    total = run.last("param/l2/total")
    if total is None:
        total = math.sqrt(sum(value**2 for value in norms.values()))
    return norms, total


# Bars stay readable up to this many (runs × tensors); beyond it the figure is a heatmap.
MAX_BARS = 24


def _mean_norms(found: Sequence[tuple[dict[str, float], float]]) -> tuple[dict[str, float], float]:
    """The mean of each tensor's norm (over the members that have it) and of the total."""
    layers = list(dict.fromkeys(layer for norms, _ in found for layer in norms))
    means = {layer: float(np.mean([norms[layer] for norms, _ in found if layer in norms])) for layer in layers}
    return means, float(np.mean([total for _, total in found]))


@styled
def plot_layer_norms(runs: Sequence[ReportRun]) -> Figure | None:
    """Final Frobenius norm per layer: bars (one per run in each group, each run's total
    norm as a dashed line in its colour: seed 002's `plot_weights`) for a few runs and
    tensors; a heatmap (runs × tensors, the value written in each cell) beyond
    `MAX_BARS` bars, where grouped bars could no longer be told apart. A config over
    seeds is one bar or row: the mean norms of its seeds.

    Returns:
        The figure, or None when no run has per-layer norms or weights.
    """
    measured: list[tuple[str, tuple[dict[str, float], float]]] = []
    for group in seed_groups(runs):
        found = [norms for run in group.runs if (norms := final_layer_norms(run)) is not None]
        if found:
            label = group.label if len(found) == 1 else f"{group.label} (mean of {len(found)} seeds)"
            measured.append((label, _mean_norms(found)))
    if not measured:
        return None
    layers: list[str] = []
    for _, (norms, _) in measured:
        layers.extend(layer for layer in norms if layer not in layers)
    layers.sort(key=network_order)
    if len(layers) * len(measured) > MAX_BARS:
        return _layer_norm_heatmap(measured, layers)
    figure = new_figure(max(6.5, 0.9 * len(layers) * max(1, len(measured)) ** 0.5 + 3.0), 4.6)
    axes = figure.add_subplot()
    colors = run_colors(len(measured))
    width = 0.8 / len(measured)
    positions = np.arange(len(layers))
    for index, (color, (label, (norms, total))) in enumerate(zip(colors, measured)):
        heights = [norms.get(layer, 0.0) for layer in layers]
        axes.bar(positions - 0.4 + width * (index + 0.5), heights, width=width, color=color,
                 label=f"{label} (total {total:.3g})")
        axes.axhline(total, color=color, linestyle="--", linewidth=1.2)
    axes.set_xticks(positions, [_short(layer) for layer in layers], rotation=30, ha="right")
    axes.set_title("Weight size per layer (bars) and of the whole model (dashed)")
    axes.set_xlabel("model layers")
    axes.set_ylabel("Frobenius norm")
    finish_legend(axes, outside=True)
    return figure


def _layer_norm_heatmap(measured: Sequence[tuple[str, tuple[dict[str, float], float]]], layers: Sequence[str]) -> Figure:
    """Runs as rows, tensors (then the whole model) as columns; each cell coloured by
    its norm relative to the largest run in that column, so each column compares runs
    (layers differ in size by orders of magnitude), and labelled with the norm itself."""
    names = [*(_short(layer) for layer in layers), "whole model"]
    values = np.array([[norms.get(layer, np.nan) for layer in layers] + [total] for _, (norms, total) in measured])
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = values / np.nanmax(values, axis=0, keepdims=True)
    figure = new_figure(max(6.5, 0.62 * len(names) + 3.2), max(2.6, 0.42 * len(measured) + 2.2))
    axes = figure.add_subplot()
    image = axes.imshow(np.ma.masked_invalid(relative), cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    for row in range(values.shape[0]):
        for column in range(values.shape[1]):
            if np.isfinite(values[row, column]):
                axes.text(column, row, f"{values[row, column]:.3g}", ha="center", va="center", fontsize=7,
                          color="white" if relative[row, column] < 0.6 else "black")
    axes.set_xticks(np.arange(len(names)), names, rotation=40, ha="right", fontsize=8)
    axes.set_yticks(np.arange(len(measured)), [label for label, _ in measured], fontsize=8.5)
    axes.axvline(len(layers) - 0.5, color="white", linewidth=2.5)
    axes.grid(False)
    figure.colorbar(image, ax=axes, label="norm / largest norm of that column", shrink=0.9)
    axes.set_title("Frobenius norm per tensor at the end of training (number in each cell)")
    return figure


def _short(layer: str) -> str:
    """`hidden.0.linear.weight` -> `hidden.0.weight`: the module path a reader needs."""
    return layer.replace(".linear.", ".")
