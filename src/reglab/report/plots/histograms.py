"""Weight histograms per layer at chosen epochs, read from the run's snapshots.

Snapshots are the trajectory recorder's `runs/<id>/snapshots/epoch_XXXX.safetensors`
(epoch 0 = the initial weights). Only weight matrices and kernels (ndim ≥ 2) are
drawn: biases and normalisation parameters are a handful of numbers each. Weights that
are exactly 0 (pruned) are left out and said in the panel's title
(`reglab.presentation.pruned_weights`, the dashboard's rule too): their spike flattened the
weights that remain.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from reglab.report.plots.style import new_figure, panel_grid, run_colors, styled
from reglab.presentation.pruned_weights import pruned_note, split_pruned
from reglab.report.runs import network_order

__all__ = ["snapshot_paths", "choose_epochs", "weight_matrices", "plot_weight_histograms"]

SNAPSHOT_NAME = re.compile(r"epoch_(\d+)\.safetensors$")
MAX_LAYERS = 6


def snapshot_paths(run_dir: Path) -> dict[int, Path]:
    """Epoch -> snapshot file, sorted by epoch; empty when the run kept no snapshots."""
    folder = Path(run_dir) / "snapshots"
    if not folder.is_dir():
        return {}
    found = {int(match.group(1)): path for path in folder.iterdir() if (match := SNAPSHOT_NAME.search(path.name))}
    return dict(sorted(found.items()))


def choose_epochs(available: Sequence[int], count: int = 3) -> list[int]:
    """`count` epochs spread over `available`: the first, the last and evenly between.

    Example:
        >>> choose_epochs([0, 1, 2, 3, 4, 5, 6, 7, 8], 3)
        [0, 4, 8]
    """
    epochs = sorted(available)
    if len(epochs) <= count:
        return epochs
    picks = np.linspace(0, len(epochs) - 1, count).round().astype(int)
    return [epochs[index] for index in dict.fromkeys(picks.tolist())]


def weight_matrices(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The weight matrices and kernels (floating, ndim ≥ 2) of a state dict, in network order."""
    names = sorted((name for name, tensor in state.items() if tensor.is_floating_point() and tensor.dim() >= 2), key=network_order)
    return {name: state[name] for name in names}


@styled
def plot_weight_histograms(states: Mapping[int, Mapping[str, torch.Tensor]], title: str = "") -> Figure | None:
    """One panel per layer (at most six), one outlined histogram per epoch, shared bins,
    of the weights that are not exactly 0; a panel whose layer has exact zeros (pruned)
    says under its title how many, at the latest epoch that has them.

    Args:
        states: epoch -> state dict (e.g. `load_weights(snapshot_paths(run_dir)[epoch])`).
        title: the figure title (the run's label).

    Returns:
        The figure, or None when there are no weight matrices.

    Example:
        >>> paths = snapshot_paths(run_dir)
        >>> figure = plot_weight_histograms({e: load_weights(paths[e]) for e in choose_epochs(list(paths))})
    """
    epochs = sorted(states)
    if not epochs:
        return None
    layers = list(weight_matrices(states[epochs[-1]]))[:MAX_LAYERS]
    if not layers:
        return None
    columns = min(3, len(layers))
    rows = -(-len(layers) // columns)
    figure = new_figure(4.0 * columns + 0.5, 3.0 * rows + 0.6)
    colors = run_colors(len(epochs))
    for axes, layer in zip(panel_grid(figure, len(layers), columns), layers):
        values = {epoch: states[epoch][layer].detach().float().flatten().numpy() for epoch in epochs if layer in states[epoch]}
        split = {epoch: split_pruned(array) for epoch, array in values.items()}
        low = min((float(kept.min()) for kept, _ in split.values() if kept.size), default=-1.0)
        high = max((float(kept.max()) for kept, _ in split.values() if kept.size), default=1.0)
        bins = np.linspace(low, high if high > low else low + 1.0, 41)
        for color, epoch in zip(colors, epochs):
            if epoch in split:  # one colour per epoch in every panel, as the shared legend says
                axes.hist(split[epoch][0], bins=bins, histtype="step", color=color, linewidth=1.4, label=f"epoch {epoch}")
        pruned = [epoch for epoch in split if split[epoch][1]]
        note = pruned_note(f"epoch {pruned[-1]}", split[pruned[-1]][1], values[pruned[-1]].size) if pruned else ""
        axes.set_title(f"{layer}\n{note}" if note else layer, fontsize=9 if note else 9.5)
        axes.set_xlabel("weight value")
        axes.set_ylabel("count")
    # One legend under the panels: inside, it covered the bars of some layer or other.
    handles, labels = figure.axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)
    figure.suptitle(f"Weight histograms per layer{': ' + title if title else ''}")
    return figure
