"""Parameter norm over epochs and per-layer bars, against the stored values and torch's norm."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from reglab.report import load_report_runs
from reglab.report.plots import final_layer_norms, frobenius_norms, plot_layer_norms, plot_parameter_norm
from tests.report.conftest import make_history, store_run, tiny_state


def test_parameter_norm_lines_equal_history_and_has_distance_panel(store):
    runs = load_report_runs(store, [store_run(store, "plain", make_history(1.0)), store_run(store, "wd", make_history(0.5))])
    figure = plot_parameter_norm(runs)
    norm_axes, distance_axes = figure.axes
    assert norm_axes.get_title() == "Norm of the parameters" and distance_axes.get_title() == "Distance from initialisation"
    assert [line.get_label() for line in norm_axes.get_lines()] == ["plain", "wd"]
    for line, run in zip(norm_axes.get_lines(), runs):
        np.testing.assert_allclose(line.get_ydata(), run.series("param/l2/total")[1])
    np.testing.assert_allclose(distance_axes.get_lines()[1].get_ydata(), [0.1 * epoch for epoch in range(1, 7)])
    # The weight-decayed run is the lower line at every epoch.
    assert (norm_axes.get_lines()[1].get_ydata() < norm_axes.get_lines()[0].get_ydata()).all()


def test_parameter_norm_absent_gives_no_figure(store):
    history = [{key: value for key, value in row.items() if not key.startswith("param/")} for row in make_history()]
    assert plot_parameter_norm(load_report_runs(store, [store_run(store, "a", history)])) is None


def test_frobenius_norms_match_torch_and_skip_buffers():
    state = tiny_state(0) | {"norm.running_mean": torch.ones(8) * 100, "norm.num_batches_tracked": torch.tensor(3)}
    norms = frobenius_norms(state)
    assert set(norms) == {"hidden.0.linear.weight", "hidden.0.linear.bias", "head.weight", "head.bias"}
    assert norms["head.weight"] == pytest.approx(float(torch.linalg.matrix_norm(state["head.weight"], "fro")))


def test_layer_bars_from_metrics_with_total_lines(store):
    runs = load_report_runs(store, [store_run(store, "plain", make_history(1.0)), store_run(store, "wd", make_history(0.5))])
    figure = plot_layer_norms(runs)
    (axes,) = figure.axes
    assert [tick.get_text() for tick in axes.get_xticklabels()] == ["hidden.0.weight", "head.weight"]
    heights = [patch.get_height() for patch in axes.patches]
    # Bars per run, layers in network order: last epoch's param/l2/<layer>.
    assert heights == pytest.approx([3.8, 1.6, 1.9, 0.8])
    totals = [line.get_ydata()[0] for line in axes.get_lines()]
    assert totals == pytest.approx([math.hypot(3.8, 1.6), math.hypot(1.9, 0.8)])
    assert axes.get_ylabel() == "Frobenius norm"


def test_layer_bars_fall_back_to_final_weights(store):
    history = [{key: value for key, value in row.items() if not key.startswith("param/")} for row in make_history()]
    weights = tiny_state(3)
    run = load_report_runs(store, [store_run(store, "a", history, weights=weights)])
    norms, total = final_layer_norms(run[0])
    assert list(norms) == ["hidden.0.linear.bias", "hidden.0.linear.weight", "head.bias", "head.weight"]
    assert norms["hidden.0.linear.weight"] == pytest.approx(float(weights["hidden.0.linear.weight"].norm()))
    assert total == pytest.approx(float(torch.cat([tensor.flatten() for tensor in weights.values()]).norm()), rel=1e-6)
    figure = plot_layer_norms(run)
    assert len(figure.axes[0].patches) == 4


def test_layer_bars_absent_without_metrics_or_weights(store):
    history = [{key: value for key, value in row.items() if not key.startswith("param/")} for row in make_history()]
    assert plot_layer_norms(load_report_runs(store, [store_run(store, "a", history)])) is None


def test_many_runs_and_tensors_give_a_heatmap_with_the_values_written(store):
    state = tiny_state(0)
    extra = {f"hidden.{index}.linear.weight": torch.full((4, 4), float(index + 1)) for index in range(1, 6)}
    history = [{key: value for key, value in row.items() if not key.startswith("param/")} for row in make_history()]
    ids = [store_run(store, f"run {index}", history, weights={**state, **extra}) for index in range(6)]
    runs = load_report_runs(store, ids)
    figure = plot_layer_norms(runs)
    axes = figure.axes[0]
    assert not axes.patches  # no bars
    image = axes.get_images()[0].get_array()
    assert image.shape == (6, len(state) + len(extra) + 1)  # runs × (tensors + whole model)
    labels = [tick.get_text() for tick in axes.get_xticklabels()]
    assert labels[-1] == "whole model" and "hidden.5.weight" in labels
    texts = {text.get_text() for text in axes.texts}
    assert f"{4 * 6.0:.3g}" in texts  # ‖6·1₄ₓ₄‖_F = 24


def test_parameter_norm_of_a_config_over_seeds_is_its_mean_with_a_band(store):
    ids = [store_run(store, "plain", make_history(scale), [("seed", seed)]) for seed, scale in enumerate((1.0, 0.5))]
    runs = load_report_runs(store, ids)
    norm_axes, _ = plot_parameter_norm(runs).axes
    (line,) = norm_axes.get_lines()
    assert line.get_label() == "plain (mean ± std, 2 seeds)"
    np.testing.assert_allclose(line.get_ydata(), (runs[0].series("param/l2/total")[1] + runs[1].series("param/l2/total")[1]) / 2)
    assert len(norm_axes.collections) == 1  # the ±1 std band


def test_layer_norms_of_configs_over_seeds_are_one_row_each_with_the_seeds_mean(store):
    """Configs over seeds are one heatmap row each (a lottery-ticket report drew 70 rows for 14 configs)."""
    state = tiny_state(0)
    extra = {f"hidden.{index}.linear.weight": torch.full((4, 4), float(index + 1)) for index in range(1, 6)}
    history = [{key: value for key, value in row.items() if not key.startswith("param/")} for row in make_history()]
    ids = []
    for config in ("ticket", "control", "dense"):
        for seed in range(3):
            scaled = {key: value * (1 + seed) for key, value in extra.items()}
            ids.append(store_run(store, config, history, [("seed", seed)], weights={**state, **scaled}))
    axes = plot_layer_norms(load_report_runs(store, ids)).axes[0]
    assert [tick.get_text() for tick in axes.get_yticklabels()] == [f"{config} (mean of 3 seeds)" for config in ("ticket", "control", "dense")]
    assert axes.get_images()[0].get_array().shape == (3, len(state) + len(extra) + 1)
    # ‖6·1₄ₓ₄‖_F = 24 scaled by 1, 2, 3 over the seeds: mean 48.
    assert f"{48.0:.3g}" in {text.get_text() for text in axes.texts}


def test_layer_bars_of_a_config_over_seeds_are_its_mean(store):
    ids = [store_run(store, "plain", make_history(scale), [("seed", seed)]) for seed, scale in enumerate((1.0, 0.5))]
    (axes,) = plot_layer_norms(load_report_runs(store, ids)).axes
    # Last epoch: hidden 2 + 0.3·6 = 3.8 and head 1.6 at scale 1, half at scale 0.5.
    assert [patch.get_height() for patch in axes.patches] == pytest.approx([0.75 * 3.8, 0.75 * 1.6])
    assert axes.get_legend().get_texts()[0].get_text().startswith("plain (mean of 2 seeds)")
