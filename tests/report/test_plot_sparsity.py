"""Sparsity over epochs: percent of zero weights per run; skipped when every value is 0."""

from __future__ import annotations

import numpy as np

from reglab.report import load_report_runs
from reglab.report.plots import accuracy_by_sparsity, plot_accuracy_vs_sparsity, plot_sparsity
from tests.report.conftest import make_history, store_run


def test_sparsity_lines_in_percent_with_layer_panel_for_one_run(store):
    runs = load_report_runs(store, [store_run(store, "pruned", make_history(sparsity=0.6))])
    figure = plot_sparsity(runs)
    total_axes, layer_axes = figure.axes
    np.testing.assert_allclose(total_axes.get_lines()[0].get_ydata(), [10.0 * epoch for epoch in range(1, 7)])
    assert total_axes.get_ylabel() == "weights exactly zero (%)"
    assert [line.get_label() for line in layer_axes.get_lines()] == ["hidden.0.linear.weight", "head.weight"]


def test_sparsity_of_several_runs_on_one_axis(store):
    ids = [store_run(store, "dense", make_history()), store_run(store, "pruned", make_history(sparsity=0.5))]
    figure = plot_sparsity(load_report_runs(store, ids))
    assert len(figure.axes) == 1
    assert [line.get_label() for line in figure.axes[0].get_lines()] == ["dense", "pruned"]


def test_all_zero_sparsity_gives_no_figure(store):
    assert plot_sparsity(load_report_runs(store, [store_run(store, "dense", make_history())])) is None


def test_accuracy_against_sparsity_from_the_lottery_summary(store):
    rounds = [{"round": index, "sparsity": level, "final_test/acc": accuracy}
              for index, (level, accuracy) in enumerate([(0.0, 0.98), (0.5, 0.97), (0.75, 0.9)])]
    ticket = store_run(store, "ticket", make_history(sparsity=0.75))
    store.finish_run(ticket, "completed", {"lottery": rounds})
    dense = store_run(store, "dense", make_history())
    runs = load_report_runs(store, [ticket, dense])
    assert accuracy_by_sparsity(runs[0]) == [(0.0, 0.98), (0.5, 0.97), (0.75, 0.9)]
    figure = plot_accuracy_vs_sparsity(runs)
    (line,) = figure.axes[0].get_lines()  # the dense run has one sparsity level: no line
    assert line.get_label() == "ticket (one point per round)"
    np.testing.assert_allclose(line.get_xydata(), [[0.0, 0.98], [50.0, 0.97], [75.0, 0.9]])
    assert [text.get_text() for text in figure.axes[0].texts] == ["round 0", "round 1", "round 2"]


def test_accuracy_against_sparsity_from_history_levels(store):
    history = make_history()
    for row in history:
        row["param/sparsity/total"] = 0.0 if row["epoch"] <= 3 else 0.5
    run = load_report_runs(store, [store_run(store, "one shot", history)])[0]
    # test/acc = 0.45 + 0.05 epoch at the last epoch of each level (3 and 6).
    np.testing.assert_allclose(accuracy_by_sparsity(run), [(0.0, 0.6), (0.5, 0.75)])
    # Every epoch as a dot, the last of each level labelled with its epoch, no line between levels.
    figure = plot_accuracy_vs_sparsity([run])
    every, last = figure.axes[0].get_lines()
    assert every.get_linestyle() == "None" and last.get_linestyle() == "None"
    assert len(every.get_xdata()) == 6
    np.testing.assert_allclose(last.get_xydata(), [[0.0, 0.6], [50.0, 0.75]])
    assert [text.get_text() for text in figure.axes[0].texts] == ["epoch 3", "epoch 6"]
    assert plot_accuracy_vs_sparsity(load_report_runs(store, [store_run(store, "dense", make_history())])) is None


def test_sparsity_of_a_config_over_seeds_is_one_mean_line_with_a_band(store):
    """Five seeds of a pruned config are one legend entry (a lottery-ticket report had one per run)."""
    ids = [store_run(store, "pruned", make_history(sparsity=0.3 + 0.1 * seed), [("seed", seed)]) for seed in range(3)]
    ids.append(store_run(store, "dense", make_history()))
    figure = plot_sparsity(load_report_runs(store, ids))
    axes = figure.axes[0]
    assert [line.get_label() for line in axes.get_lines()] == ["pruned (mean ± std, 3 seeds)", "dense"]
    # Mean of 30, 40 and 50 % at the last epoch, ramping up linearly from epoch 1.
    np.testing.assert_allclose(axes.get_lines()[0].get_ydata(), [40.0 * epoch / 6 for epoch in range(1, 7)])
    assert len(axes.collections) == 1  # the ±1 std band of the seeds
