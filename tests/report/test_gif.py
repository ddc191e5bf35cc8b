"""The toy-regression animation: predictions rebuilt from snapshots, written as a GIF."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image, ImageChops

from reglab.config import load_config
from reglab.data import load_data
from reglab.models import build_model
from reglab.report import load_report_runs, predictions_gif, regression_predictions
from tests.report.conftest import make_history, store_run

OVERRIDES = [("data.dataset", "toy_regression"), ("model.hidden", [8])]


def _snapshots():
    config = load_config(overrides=[*OVERRIDES, ("device", "cpu")])
    data = load_data(config.data, config.seed, torch.device("cpu"))
    torch.manual_seed(0)
    model = build_model(config.model, data.input_shape, data.output_dim)
    first = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    later = {name: tensor * 3.0 + 0.5 for name, tensor in first.items()}
    return model, data, {0: first, 5: later}


def test_predictions_are_the_model_at_each_snapshot(store):
    model, data, snapshots = _snapshots()
    history = make_history(with_val=False, classification=False)
    run = load_report_runs(store, [store_run(store, "toy", history, OVERRIDES, snapshots=snapshots)])[0]
    frames = regression_predictions(run)
    assert list(frames.predictions) == [0, 5]
    np.testing.assert_allclose(frames.train_x, data.train_x.flatten().numpy())
    # The true line y = 2x, seen through the inputs' standardisation: still a straight line.
    slope, intercept = np.polyfit(frames.truth_x, frames.truth_y, 1)
    np.testing.assert_allclose(frames.truth_y, slope * frames.truth_x + intercept, atol=1e-5)
    assert slope > 0
    grid = torch.as_tensor(frames.grid_x).unsqueeze(1)
    for epoch, state in snapshots.items():
        model.load_state_dict(state)
        with torch.no_grad():
            expected = model.eval()(grid).flatten().numpy()
        np.testing.assert_allclose(frames.predictions[epoch], expected, rtol=1e-5, atol=1e-6)


def test_gif_has_one_frame_per_epoch_of_equal_size(store):
    _, _, snapshots = _snapshots()
    history = make_history(with_val=False, classification=False)
    run = load_report_runs(store, [store_run(store, "toy", history, OVERRIDES, snapshots=snapshots)])[0]
    image = Image.open(io.BytesIO(predictions_gif(regression_predictions(run), run.label)))
    assert image.format == "GIF" and image.n_frames == 2
    frames = []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append(image.convert("RGB"))
    assert frames[0].size == frames[1].size and frames[0].size[0] > 300
    assert ImageChops.difference(frames[0], frames[1]).getbbox() is not None  # the curve moved


def test_no_animation_for_classification_or_without_snapshots(store):
    run = load_report_runs(store, [store_run(store, "toy", make_history(classification=False), OVERRIDES)])[0]
    assert regression_predictions(run) is None


def test_animations_of_one_report_share_one_y_range(store):
    from reglab.report import report_figures
    from reglab.report.gif import y_limits

    _, _, snapshots = _snapshots()
    wild = {0: snapshots[0], 5: {name: tensor * 10.0 for name, tensor in snapshots[5].items()}}
    history = make_history(with_val=False, classification=False)
    ids = [store_run(store, "calm", history, OVERRIDES, snapshots=snapshots),
           store_run(store, "wild", history, OVERRIDES, snapshots=wild)]
    runs = load_report_runs(store, ids)
    calm, wild_frames = regression_predictions(runs[0]), regression_predictions(runs[1])
    shared = y_limits(calm, wild_frames)
    assert shared[0] <= y_limits(calm)[0] and shared[1] >= y_limits(calm)[1] and shared != y_limits(calm)
    gifs = {figure.key: figure.gif for figure in report_figures(runs) if figure.gif is not None}
    # The calm run's animation is drawn on the shared range, not its own.
    assert gifs[f"predictions-{runs[0].id}"] == predictions_gif(calm, runs[0].label, limits=shared)
    assert gifs[f"predictions-{runs[0].id}"] != predictions_gif(calm, runs[0].label)
