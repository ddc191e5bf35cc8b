"""The training trajectory: its path in the PCA plane, the loss along a straight line
between two weight vectors, and the loss surface around it with the path drawn on.

These take plain arrays; `reglab.report.analysis` reads them from a run's
`analysis/` folder (written by `reglab.trajectory`).

Reference:
    H. Li, Z. Xu, G. Taylor, C. Studer, T. Goldstein. "Visualizing the Loss
    Landscape of Neural Nets." NeurIPS 2018, arXiv:1712.09913 (PCA directions,
    contour plots with the trajectory). I. Goodfellow, O. Vinyals, A. Saxe.
    "Qualitatively characterizing neural network optimization problems."
    ICLR 2015, arXiv:1412.6544 (linear interpolation).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib import colors as mcolors
from matplotlib.figure import Figure

from reglab.report.plots.style import finish_legend, new_figure, run_colors, styled

__all__ = ["plot_pca_path", "plot_interpolation", "plot_loss_surface"]


def _axis_label(index: int, explained: Sequence[float] | None) -> str:
    label = f"PC{index + 1}"
    if explained is not None and len(explained) > index:
        label += f" ({100 * float(explained[index]):.1f} % of variance)"
    return label


@styled
def plot_pca_path(
    coordinates: np.ndarray,
    epochs: Sequence[float] | None = None,
    explained: Sequence[float] | None = None,
    title: str = "",
) -> Figure | None:
    """The weight trajectory projected on its first two principal components.

    Points are coloured by epoch; the start and end are marked.

    Args:
        coordinates: (T, 2) projections of the T snapshots.
        epochs: the epoch of each snapshot (default 0..T-1).
        explained: fraction of variance explained by PC1 and PC2.
        title: the run's label.

    Returns:
        The figure, or None with fewer than two points.
    """
    coordinates = np.asarray(coordinates, dtype=float)
    if coordinates.ndim != 2 or coordinates.shape[0] < 2 or coordinates.shape[1] < 2:
        return None
    epochs = np.arange(len(coordinates)) if epochs is None else np.asarray(epochs, dtype=float)
    figure = new_figure(6.2, 4.8)
    axes = figure.add_subplot()
    axes.plot(coordinates[:, 0], coordinates[:, 1], color="0.55", linewidth=1.0, zorder=1)
    points = axes.scatter(coordinates[:, 0], coordinates[:, 1], c=epochs, cmap="viridis", s=22, zorder=2)
    axes.plot(*coordinates[0, :2], marker="s", color="tab:blue", markersize=8, linestyle="none",
              label=f"start (epoch {epochs[0]:g})", zorder=3)
    axes.plot(*coordinates[-1, :2], marker="*", color="tab:red", markersize=12, linestyle="none",
              label=f"end (epoch {epochs[-1]:g})", zorder=3)
    figure.colorbar(points, ax=axes, label="epoch")
    axes.set_xlabel(_axis_label(0, explained))
    axes.set_ylabel(_axis_label(1, explained))
    axes.set_title(f"Trajectory in the PCA plane{': ' + title if title else ''}")
    finish_legend(axes)
    return figure


@styled
def plot_interpolation(
    alphas: Sequence[float],
    curves: Mapping[str, Sequence[float]],
    title: str = "",
    start_label: str = "θ₀ (initial)",
    end_label: str = "θ₁ (final)",
) -> Figure | None:
    """Loss (and accuracy) along θ(α) = (1 − α)·θ₀ + α·θ₁.

    Curves whose name contains "acc" go on a second y axis (0–1), the others on the
    loss axis, so both stay readable.

    Args:
        alphas: the α values (0 = start, 1 = end; values outside [0, 1] extrapolate).
        curves: series name (e.g. "train loss", "train accuracy") -> value at each α.
        title: the run's label.

    Returns:
        The figure, or None when there is nothing to draw.
    """
    alphas = np.asarray(alphas, dtype=float)
    curves = {name: np.asarray(values, dtype=float) for name, values in curves.items() if len(values) == len(alphas)}
    if len(alphas) < 2 or not curves:
        return None
    figure = new_figure(6.8, 4.2)
    axes = figure.add_subplot()
    accuracy_axes = axes.twinx() if any("acc" in name for name in curves) else None
    colors = run_colors(len(curves))
    for color, (name, values) in zip(colors, curves.items()):
        target = accuracy_axes if accuracy_axes is not None and "acc" in name else axes
        target.plot(alphas, values, color=color, marker=".", label=name,
                    linestyle="--" if target is accuracy_axes else "-")
    for alpha, label in ((0.0, start_label), (1.0, end_label)):
        if alphas.min() <= alpha <= alphas.max():
            axes.axvline(alpha, color="0.4", linestyle=":", linewidth=1.0)
            axes.annotate(label, (alpha, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -12),
                          textcoords="offset points", fontsize=8.5, color="0.3")
    axes.set_xlabel("α   (θ = (1 − α)·θ₀ + α·θ₁)")
    axes.set_ylabel("loss")
    if accuracy_axes is not None:
        accuracy_axes.set_ylabel("accuracy")
        accuracy_axes.set_ylim(0.0, 1.02)
        accuracy_axes.grid(False)
        accuracy_axes.spines["right"].set_visible(True)
        handles, labels = axes.get_legend_handles_labels()
        more_handles, more_labels = accuracy_axes.get_legend_handles_labels()
        # Below the axes: curves can fill any part of the plot area.
        axes.legend(handles + more_handles, labels + more_labels, loc="upper center",
                    bbox_to_anchor=(0.5, -0.16), ncol=len(labels) + len(more_labels))
    else:
        finish_legend(axes)
    axes.set_title(f"Linear interpolation{': ' + title if title else ''}")
    return figure


@styled
def plot_loss_surface(
    x: Sequence[float],
    y: Sequence[float],
    losses: np.ndarray,
    path: np.ndarray | None = None,
    title: str = "",
    x_label: str = "direction 1",
    y_label: str = "direction 2",
) -> Figure | None:
    """Filled contours of the loss on a 2-D grid of weight space, the path drawn on it.

    Args:
        x, y: grid coordinates along the two directions.
        losses: (len(y), len(x)) loss at each grid point (non-finite values left blank).
        path: (T, 2) trajectory coordinates in the same plane, or None.
        title: the run's label.

    Returns:
        The figure, or None when the grid is degenerate or has no finite value.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    losses = np.asarray(losses, dtype=float)
    if losses.shape != (len(y), len(x)) or len(x) < 2 or len(y) < 2 or not np.isfinite(losses).any():
        return None
    finite = losses[np.isfinite(losses)]
    figure = new_figure(6.4, 5.0)
    axes = figure.add_subplot()
    # Loss surfaces span orders of magnitude: logarithmic levels keep the basin visible.
    if finite.min() > 0 and finite.max() / finite.min() > 20:
        levels = np.geomspace(finite.min(), finite.max(), 16)
        norm = mcolors.LogNorm(vmin=levels[0], vmax=levels[-1])
    else:
        levels = np.linspace(finite.min(), finite.max() if finite.max() > finite.min() else finite.min() + 1, 16)
        norm = None
    filled = axes.contourf(x, y, np.ma.masked_invalid(losses), levels=levels, cmap="viridis", norm=norm)
    axes.contour(x, y, np.ma.masked_invalid(losses), levels=levels, colors="white", linewidths=0.4, alpha=0.6)
    colorbar = figure.colorbar(filled, ax=axes, label="loss", format="%.3g")
    colorbar.set_ticks(levels[::3])
    if path is not None and len(path) > 0:
        path = np.asarray(path, dtype=float)
        axes.plot(path[:, 0], path[:, 1], color="tab:red", marker=".", markersize=5, linewidth=1.4, label="trajectory")
        axes.plot(*path[0, :2], marker="s", color="white", markeredgecolor="black", linestyle="none", label="start")
        axes.plot(*path[-1, :2], marker="*", color="tab:red", markeredgecolor="black", markersize=12,
                  linestyle="none", label="end")
        finish_legend(axes)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.set_title(f"Loss surface{': ' + title if title else ''}")
    return figure
