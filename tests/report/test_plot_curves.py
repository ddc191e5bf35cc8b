"""Learning curves per run and the comparison of every run, checked line by line."""

from __future__ import annotations

import numpy as np
import pytest

from reglab.report import load_report_runs
from reglab.report.plots import plot_metric_comparison, plot_run_curves
from tests.report.conftest import make_history, store_run


@pytest.fixture
def runs(store):
    ids = [
        store_run(store, "plain", make_history(1.0)),
        store_run(store, "decay", make_history(0.5)),
        store_run(store, "regression", make_history(with_val=False, classification=False), [("data.dataset", "toy_regression")]),
    ]
    return load_report_runs(store, ids)


def test_accuracy_per_run_has_train_val_and_best_line(runs):
    figure = plot_run_curves(runs, "acc")
    axes = figure.axes
    assert len(axes) == 2  # the regression run has no accuracy
    first = axes[0]
    assert first.get_title() == "plain" and first.get_xlabel() == "epoch" and first.get_ylabel() == "accuracy"
    lines = {line.get_label(): line for line in first.get_lines()}
    history = make_history(1.0)
    np.testing.assert_allclose(lines["train"].get_ydata(), [row["train/acc"] for row in history])
    np.testing.assert_allclose(lines["validation"].get_ydata(), [row["val/acc"] for row in history])
    best = next(line for label, line in lines.items() if label.startswith("best val"))
    # val/acc = 0.8 - 0.02 (epoch - 4)^2 peaks at epoch 4 with 0.8.
    assert np.allclose(best.get_ydata(), 0.8) and "(epoch 4)" in best.get_label()
    assert first.get_legend() is not None


def test_loss_per_run_falls_back_to_test_split_without_validation(runs):
    figure = plot_run_curves(runs, "loss")
    assert len(figure.axes) == 3
    labels = [line.get_label() for line in figure.axes[2].get_lines()]
    assert "test (no validation split)" in labels
    best = next(label for label in labels if label.startswith("best test"))
    assert "epoch 6" in best  # test/loss = 0.5 + 0.4/epoch is lowest at the end


def test_comparison_draws_each_run_on_one_axis(runs):
    figure = plot_metric_comparison(runs, "acc")
    (axes,) = figure.axes
    solid = [line for line in axes.get_lines() if line.get_linestyle() == "-"]
    assert [line.get_label() for line in solid] == ["plain", "decay"]
    assert len(axes.get_lines()) == 4  # validation + dotted train per classification run
    # Two datasets: one axis each (an MSE and an NLL share no scale).
    figure = plot_metric_comparison(runs, "loss")
    digits, regression = figure.axes
    assert [line.get_label() for line in digits.get_lines() if line.get_linestyle() == "-"] == ["plain", "decay"]
    assert [line.get_label() for line in regression.get_lines() if line.get_linestyle() == "-"] == ["regression (test)"]
    assert "on digits" in digits.get_title() and "on toy_regression" in regression.get_title()


def test_per_run_panels_share_the_y_range_and_epoch_ticks_are_whole(runs):
    figure = plot_run_curves(runs, "acc")
    first, second = figure.axes
    assert first.get_ylim() == second.get_ylim()
    for axes in figure.axes:
        ticks = [tick for tick in axes.get_xticks() if axes.get_xlim()[0] <= tick <= axes.get_xlim()[1]]
        assert ticks and all(float(tick).is_integer() for tick in ticks)


def test_runs_of_one_config_over_seeds_draw_a_mean_with_a_band(store):
    histories = [make_history(1.0), make_history(1.0), make_history(1.0)]
    for shift, history in zip((-0.03, 0.0, 0.03), histories):
        for row in history:
            row["val/acc"] += shift
    ids = [store_run(store, "plain", history, [("seed", seed)]) for seed, history in enumerate(histories)]
    ids.append(store_run(store, "other", make_history(0.5)))
    runs = load_report_runs(store, ids)
    figure = plot_metric_comparison(runs, "acc")
    (axes,) = figure.axes
    solid = [line for line in axes.get_lines() if line.get_linestyle() == "-"]
    assert [line.get_label() for line in solid] == ["plain (mean ± std, 3 seeds)", "other"]
    np.testing.assert_allclose(solid[0].get_ydata(), [row["val/acc"] for row in histories[1]])
    band = axes.collections[0]  # the validation band (the train mean has its own)
    upper = band.get_paths()[0].vertices[:, 1].max()
    # mean + sample std of (-0.03, 0, 0.03) around the peak 0.8
    assert upper == pytest.approx(0.8 + 0.03, abs=1e-9)
    per_run = plot_run_curves(runs, "acc")
    assert [axes.get_title() for axes in per_run.axes] == ["plain (mean ± std, 3 seeds)", "other"]


def test_no_figure_without_data(store):
    runs = load_report_runs(store, [store_run(store, "r", make_history(with_val=False, classification=False))])
    assert plot_run_curves(runs, "acc") is None
    assert plot_metric_comparison(runs, "acc") is None
