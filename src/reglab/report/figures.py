"""Every figure that applies to a set of runs, in report order; absent data skips a figure.

| key prefix              | figure                                              | needs                              |
|-------------------------|-----------------------------------------------------|------------------------------------|
| `accuracy-comparison`   | validation accuracy of every run on one axis        | `val/acc` or `test/acc`            |
| `loss-comparison`       | validation loss of every run on one axis            | `val/loss` or `test/loss`          |
| `accuracy-per-run`      | train/validation accuracy per run + best-val line   | `train/acc`                        |
| `loss-per-run`          | train/validation loss per run + best-val line       | `train/loss`                       |
| `parameter-norm`        | ‖θ‖ (and ‖θ − θ₀‖) over epochs, runs on one axis    | `param/l2/total`                   |
| `layer-norms`           | final norm per layer (bars) and total (line)        | `param/l2/<layer>` or weights file |
| `sparsity`              | fraction of zero weights over epochs                | `param/sparsity/total` > 0         |
| `accuracy-vs-sparsity`  | test accuracy at each pruning level                 | `lottery` summary or ≥ 2 sparsities|
| `weight-histograms-<id>`| weight histograms per layer at 3 epochs, zeros said | snapshots                          |
| `pca-path-<id>`         | trajectory in the PCA plane                         | analysis: PCA path                 |
| `interpolation-<id>`    | loss along θ₀ → θ_T                                 | analysis: interpolation            |
| `loss-surface-<id>`     | loss contours with the path                         | analysis: loss surface             |
| `predictions-<id>`      | toy-regression predictions over epochs (GIF)        | 1-D regression + snapshots         |
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from matplotlib.figure import Figure

from reglab.report import analysis
from reglab.report.gif import RegressionFrames, predictions_gif, regression_predictions, y_limits
from reglab.report.plots.curves import plot_metric_comparison, plot_run_curves
from reglab.report.plots.histograms import MAX_LAYERS as HISTOGRAM_LAYERS
from reglab.report.plots.histograms import choose_epochs, plot_weight_histograms, snapshot_paths, weight_matrices
from reglab.report.plots.norms import plot_layer_norms, plot_parameter_norm
from reglab.report.plots.sparsity import plot_accuracy_vs_sparsity, plot_sparsity
from reglab.report.plots.style import figure_bytes, save_figure
from reglab.report.plots.trajectory import plot_interpolation, plot_loss_surface, plot_pca_path
from reglab.presentation.pruned_weights import LEFT_OUT
from reglab.report.runs import ReportRun
from reglab.store import load_weights

__all__ = ["ReportFigure", "report_figures", "write_figures"]

log = logging.getLogger(__name__)


@dataclass
class ReportFigure:
    """One figure of a report: a matplotlib figure, or GIF bytes for an animation."""

    key: str
    title: str
    caption: str
    figure: Figure | None = None
    gif: bytes | None = None

    def png(self) -> bytes:
        if self.figure is None:
            raise ValueError(f"figure {self.key} is an animation; use .gif")
        return figure_bytes(self.figure, "png")

    def svg(self) -> bytes:
        if self.figure is None:
            raise ValueError(f"figure {self.key} is an animation; use .gif")
        return figure_bytes(self.figure, "svg")


def _layer_norms_figure(runs: Sequence[ReportRun]) -> ReportFigure:
    figure = plot_layer_norms(runs)
    if figure is not None and figure.axes and figure.axes[0].get_images():
        caption = ("Frobenius norm of every tensor at the end of training, one row per run (a config over seeds: "
                   "the mean of its seeds), the whole model in the last column: the number in each cell is the norm; its colour compares the runs within a column "
                   "(tensors differ in size by orders of magnitude). Too many runs × tensors for seed 002's bars.")
    else:
        caption = ("Seed 002's plot_weights: Frobenius norm of each layer at the end of training (bars), "
                   "the norm of the whole model as a dashed line in the run's colour.")
    return ReportFigure("layer-norms", "Weight size per layer", caption, figure)


def _comparison_figures(runs: Sequence[ReportRun]) -> list[ReportFigure]:
    return [
        ReportFigure("accuracy-comparison", "Validation accuracy of every run",
                     "Solid: validation accuracy (test where a run has no validation split); dotted: train "
                     "accuracy in the same colour. The gap between them is the generalization gap.",
                     plot_metric_comparison(runs, "acc")),
        ReportFigure("loss-comparison", "Validation loss of every run",
                     "Solid: validation loss (test where a run has no validation split); dotted: train loss.",
                     plot_metric_comparison(runs, "loss")),
        ReportFigure("accuracy-per-run", "Train and validation accuracy per run",
                     "Seed 002's plot for each run: train solid, validation dashed, the dotted line and dot "
                     "mark the best validation accuracy and its epoch.",
                     plot_run_curves(runs, "acc")),
        ReportFigure("loss-per-run", "Train and validation loss per run",
                     "Train solid, validation dashed; the dotted line marks the lowest validation loss.",
                     plot_run_curves(runs, "loss")),
        ReportFigure("parameter-norm", "Parameter norm over epochs",
                     "‖θ‖₂ over all parameters per epoch (weight decay and L2 keep it lower); right: "
                     "distance travelled from the initial weights, when recorded.",
                     plot_parameter_norm(runs)),
        _layer_norms_figure(runs),
        ReportFigure("sparsity", "Sparsity over epochs",
                     "Percentage of weights that are exactly zero (pruning, proximal L1); a config over seeds as its "
                     "mean with a ±1 std band.",
                     plot_sparsity(runs)),
        ReportFigure("accuracy-vs-sparsity", "Accuracy against sparsity",
                     "Test accuracy against the share of weights pruned. Lottery-ticket runs: one point per round, "
                     "each a network trained to the end at that sparsity (a ticket that keeps its accuracy at high "
                     "sparsity is a winning ticket). Other pruned runs: every epoch as a small dot, the last epoch "
                     "of each sparsity level as a large dot labelled with its epoch; no line joins two moments of "
                     "one training.",
                     plot_accuracy_vs_sparsity(runs)),
    ]


def _histogram_figure(run: ReportRun) -> ReportFigure | None:
    paths = snapshot_paths(run.directory)
    if not paths:
        return None
    epochs = choose_epochs(list(paths), 3)
    states = {epoch: load_weights(paths[epoch]) for epoch in epochs}
    figure = plot_weight_histograms(states, run.label)
    caption = f"Distribution of each layer's weights at epochs {', '.join(map(str, epochs))} (from the run's snapshots)."
    drawn = list(weight_matrices(states[epochs[-1]]))[:HISTOGRAM_LAYERS]
    if any(bool((state[layer] == 0).any()) for state in states.values() for layer in drawn if layer in state):
        caption += " " + LEFT_OUT
    return ReportFigure(f"weight-histograms-{run.id}", f"Weight histograms: {run.label}", caption, figure)


def _trajectory_figures(run: ReportRun) -> list[ReportFigure]:
    figures = []
    path = analysis.read_pca_path(run.directory)
    if path is not None:
        figures.append(ReportFigure(
            f"pca-path-{run.id}", f"Trajectory in the PCA plane: {run.label}",
            "The snapshots of the weights projected on the two directions in which they varied most.",
            plot_pca_path(path.coordinates, path.epochs, path.explained, run.label)))
    line = analysis.read_interpolation(run.directory)
    if line is not None:
        figures.append(ReportFigure(
            f"interpolation-{run.id}", f"Linear interpolation: {run.label}",
            "Loss along the straight line between two weight vectors (α = 0: start, α = 1: end). "
            "A curve without a bump means no barrier between them.",
            plot_interpolation(line.alphas, line.curves, run.label, line.start_label, line.end_label)))
    surface = analysis.read_loss_surface(run.directory)
    if surface is not None:
        if surface.path is not None and len(surface.path):
            caption = ("Contours of the loss on the plane of the two principal directions of the trajectory, "
                       "the training path (its snapshots projected on the plane) drawn on it.")
        else:
            caption = ("Contours of the loss on a plane through the final weights (the centre), spanned by two "
                       "random filter-normalised directions. No path is drawn: the training path does not lie "
                       "in a random plane.")
        figures.append(ReportFigure(
            f"loss-surface-{run.id}", f"Loss surface: {run.label}", caption,
            plot_loss_surface(surface.x, surface.y, surface.losses, surface.path, run.label,
                              surface.x_label, surface.y_label)))
    return figures


def _frames(run: ReportRun) -> RegressionFrames | None:
    if run.dataset != "toy_regression":
        return None
    frames = regression_predictions(run)
    return frames if frames is not None and frames.predictions else None


def _animation(run: ReportRun, frames: RegressionFrames, limits: tuple[float, float]) -> ReportFigure:
    return ReportFigure(f"predictions-{run.id}", f"Predictions over epochs: {run.label}",
                        "Seed 002's animation: the model's function at each snapshot epoch, the noisy "
                        "training points and the true line; every animation of the report has the same y range.",
                        gif=predictions_gif(frames, run.label, limits=limits))


def _guarded(builder: Callable[[ReportRun], object], run: ReportRun) -> object:
    """A figure whose artifacts are unreadable is left out with a warning, not fatal:
    the report of the other figures is still worth writing."""
    try:
        return builder(run)
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        log.warning("figure %s skipped for run %s: %s", builder.__name__, run.id, error)
        return None


def report_figures(runs: Sequence[ReportRun], per_run: bool = True) -> list[ReportFigure]:
    """Build every figure that applies to `runs`, skipping those whose data is absent.

    Args:
        runs: the runs of the report.
        per_run: also build the per-run figures (histograms, trajectory, animation).
    """
    figures = [figure for figure in _comparison_figures(runs) if figure.figure is not None]
    if per_run:
        frames = {run.id: found for run in runs if (found := _guarded(_frames, run)) is not None}
        limits = y_limits(*frames.values()) if frames else (0.0, 1.0)
        for run in runs:
            for builder in (_histogram_figure, _trajectory_figures):
                found = _guarded(builder, run)
                for figure in found if isinstance(found, list) else [found]:
                    if figure is not None and (figure.figure is not None or figure.gif is not None):
                        figures.append(figure)
            if run.id in frames:
                figures.append(_animation(run, frames[run.id], limits))
    return figures


def write_figures(figures: Sequence[ReportFigure], folder: str | Path) -> list[Path]:
    """Save each figure as `<key>.png` and `<key>.svg` (animations as `<key>.gif`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for figure in figures:
        if figure.gif is not None:
            path = folder / f"{figure.key}.gif"
            path.write_bytes(figure.gif)
            written.append(path)
        else:
            written.extend(save_figure(figure.figure, folder / figure.key))
    return written
