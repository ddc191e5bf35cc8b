"""An animated GIF of a 1-D regression model's predictions over epochs (seed 002's
dropout animation), written with Pillow so no ffmpeg is needed.

The predictions come from the run's snapshots: the model is rebuilt from the stored
config, each snapshot is loaded into it and evaluated on a grid of inputs.

Frames are drawn with matplotlib and assembled with Pillow by hand rather than with
`matplotlib.animation.PillowWriter`, because that writer needs a file path and a
fixed canvas size, and the report wants the GIF as bytes to embed in the HTML.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
from PIL import Image

from reglab.report.plots.histograms import choose_epochs, snapshot_paths
from reglab.report.plots.style import figure_style, new_figure
from reglab.report.runs import ReportRun
from reglab.store import load_weights

__all__ = ["RegressionFrames", "regression_predictions", "predictions_gif", "y_limits", "MAX_FRAMES"]

MAX_FRAMES = 40
GRID_POINTS = 200


@dataclass(frozen=True)
class RegressionFrames:
    """What the animation draws.

    Attributes:
        train_x, train_y: the training points (1-D inputs and targets).
        truth_x, truth_y: the noise-free test curve (the function to recover).
        grid_x: inputs the predictions are evaluated at.
        predictions: epoch -> model output at `grid_x`.
    """

    train_x: np.ndarray
    train_y: np.ndarray
    truth_x: np.ndarray
    truth_y: np.ndarray
    grid_x: np.ndarray
    predictions: Mapping[int, np.ndarray]


def regression_predictions(run: ReportRun, max_frames: int = MAX_FRAMES) -> RegressionFrames | None:
    """Predictions of a 1-D regression run at up to `max_frames` snapshot epochs.

    Returns:
        None when the run is not a regression on 1-D inputs or kept no snapshots.
    """
    paths = snapshot_paths(run.directory)
    if not paths:
        return None
    from reglab.config import validate_config
    from reglab.data import load_data
    from reglab.models import build_model

    config = validate_config(run.config)
    data = load_data(config.data, config.seed, torch.device("cpu"))
    if data.task != "regression" or tuple(data.input_shape) != (1,):
        return None
    model = build_model(config.model, data.input_shape, data.output_dim)
    model.eval()
    xs = torch.cat([data.train_x, data.test_x]).flatten()
    grid = torch.linspace(float(xs.min()), float(xs.max()), GRID_POINTS).unsqueeze(1)
    predictions = {}
    with torch.no_grad():
        for epoch in choose_epochs(list(paths), max_frames):
            model.load_state_dict(load_weights(paths[epoch]))
            predictions[epoch] = model(grid).flatten().numpy()
    order = torch.argsort(data.test_x.flatten())
    return RegressionFrames(
        train_x=data.train_x.flatten().numpy(),
        train_y=data.train_y.flatten().numpy(),
        truth_x=data.test_x.flatten()[order].numpy(),
        truth_y=data.test_y.flatten()[order].numpy(),
        grid_x=grid.flatten().numpy(),
        predictions=predictions,
    )


def _frame(frames: RegressionFrames, epoch: int, limits: tuple[float, float], title: str) -> Image.Image:
    with figure_style():
        figure = new_figure(6.0, 4.2)
        axes = figure.add_subplot()
        axes.scatter(frames.train_x, frames.train_y, color="tab:blue", s=28, label="training points", zorder=3)
        axes.plot(frames.truth_x, frames.truth_y, color="0.3", linestyle="--", linewidth=1.2, label="true function")
        axes.plot(frames.grid_x, frames.predictions[epoch], color="tab:red", linewidth=2.0, label="model")
        axes.set_ylim(*limits)
        axes.set_xlabel("x")
        axes.set_ylabel("y")
        axes.set_title(f"{title + ': ' if title else ''}epoch {epoch}")
        # Below the axes: a legend inside would cover points in some frame or other.
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
        buffer = io.BytesIO()
        # A fixed canvas (no tight bbox): every frame must have the same size.
        figure.savefig(buffer, format="png", dpi=90, bbox_inches=None)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def y_limits(*all_frames: RegressionFrames) -> tuple[float, float]:
    """One y range holding the points, the true curve and every prediction of all the
    given animations (8 % margin), so animations shown side by side compare."""
    values = np.concatenate([
        array for frames in all_frames
        for array in (frames.train_y, frames.truth_y, *frames.predictions.values())
    ])
    values = values[np.isfinite(values)]
    if not len(values):
        return -1.0, 1.0
    low, high = float(values.min()), float(values.max())
    margin = 0.08 * (high - low or 1.0)
    return low - margin, high + margin


def predictions_gif(
    frames: RegressionFrames,
    title: str = "",
    seconds_per_frame: float = 0.4,
    limits: tuple[float, float] | None = None,
) -> bytes:
    """The animation as GIF bytes: one frame per epoch, looping, the last frame held longer.

    Args:
        limits: the y range (default: this animation's own, `y_limits(frames)`); a report
            passes one range for all its animations.

    Example:
        >>> frames = regression_predictions(run)
        >>> Path("predictions.gif").write_bytes(predictions_gif(frames, run.label))
    """
    epochs: Sequence[int] = sorted(frames.predictions)
    if not epochs:
        raise ValueError("predictions_gif needs at least one epoch of predictions")
    limits = limits or y_limits(frames)
    images = [_frame(frames, epoch, limits, title) for epoch in epochs]
    durations = [int(1000 * seconds_per_frame)] * len(images)
    durations[-1] = int(2500)
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
    return buffer.getvalue()
