"""Sparsity over epochs: percent of zero weights per run; skipped when every value is 0."""

from __future__ import annotations

import numpy as np

from reglab.report import load_report_runs
from reglab.report.plots import plot_sparsity
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
