"""Weight histograms from snapshots: one panel per weight matrix, one histogram per epoch."""

from __future__ import annotations

import numpy as np
import torch

from reglab.report import load_report_runs
from reglab.report.plots import choose_epochs, plot_weight_histograms, snapshot_paths
from reglab.store import load_weights
from tests.report.conftest import make_history, store_run, tiny_state


def test_snapshots_found_and_epochs_chosen(store):
    snapshots = {epoch: tiny_state(epoch) for epoch in (0, 2, 4, 6)}
    run = load_report_runs(store, [store_run(store, "a", make_history(), snapshots=snapshots)])[0]
    paths = snapshot_paths(run.directory)
    assert list(paths) == [0, 2, 4, 6]
    assert choose_epochs(list(paths), 3) == [0, 4, 6]
    assert choose_epochs([0, 1, 2, 3, 4, 5, 6, 7, 8], 3) == [0, 4, 8]
    assert choose_epochs([5], 3) == [5]
    assert snapshot_paths(run.directory.parent / "missing") == {}


def test_histograms_count_every_weight(store):
    states = {0: tiny_state(0, 0.2), 6: tiny_state(1, 1.0)}
    run = load_report_runs(store, [store_run(store, "a", make_history(), snapshots=states)])[0]
    paths = snapshot_paths(run.directory)
    figure = plot_weight_histograms({epoch: load_weights(path) for epoch, path in paths.items()}, run.label)
    hidden_axes, head_axes = figure.axes  # biases (ndim 1) are not drawn
    assert hidden_axes.get_title() == "hidden.0.linear.weight" and head_axes.get_title() == "head.weight"
    (legend,) = figure.legends  # one legend for every panel, under them
    assert [text.get_text() for text in legend.get_texts()] == ["epoch 0", "epoch 6"]
    assert hidden_axes.get_legend() is None
    assert len(hidden_axes.patches) == 2
    # The outline of each step histogram encloses exactly numel weights: compare to numpy's counts.
    for patch, epoch in zip(head_axes.patches, (0, 6)):
        values = states[epoch]["head.weight"].flatten().numpy()
        everything = np.concatenate([state["head.weight"].flatten().numpy() for state in states.values()])
        counts, _ = np.histogram(values, bins=np.linspace(everything.min(), everything.max(), 41))
        assert counts.sum() == values.size
        heights = patch.get_xy()[1:-1:2, 1]  # top edge of each bin of the step outline
        np.testing.assert_array_equal(heights[: len(counts)], counts)


def test_no_histogram_without_weight_matrices():
    assert plot_weight_histograms({}) is None
    assert plot_weight_histograms({1: {"bias": torch.zeros(3)}}) is None


def test_pruned_weights_are_left_out_and_counted_in_the_title(store):
    """A pruned layer's exact zeros were one spike that flattened every other bar: the
    histogram draws the weights that remain, the title says how many are exactly 0."""
    from reglab.report import report_figures
    from reglab.presentation.pruned_weights import LEFT_OUT

    dense, pruned = tiny_state(0), tiny_state(1)
    hidden = pruned["hidden.0.linear.weight"]  # 8 × 4: 24 of its 32 weights pruned
    hidden[:6] = 0.0
    figure = plot_weight_histograms({0: dense, 6: pruned})
    hidden_axes, head_axes = figure.axes
    assert hidden_axes.get_title() == "hidden.0.linear.weight\nepoch 6: 75 % pruned (24 of 32 exactly 0)"
    assert head_axes.get_title() == "head.weight"  # no weight exactly 0: nothing to say
    kept = hidden[hidden != 0].numpy()
    both = np.concatenate([dense["hidden.0.linear.weight"].flatten().numpy(), kept])
    expected, _ = np.histogram(kept, bins=np.linspace(both.min(), both.max(), 41))
    heights = hidden_axes.patches[1].get_xy()[1:-1:2, 1]
    np.testing.assert_array_equal(heights[: len(expected)], expected)
    assert heights.sum() == 8  # the 8 weights that remain, not 32

    run = load_report_runs(store, [store_run(store, "pruned", make_history(), snapshots={0: dense, 6: pruned})])[0]
    (histograms,) = [figure for figure in report_figures([run]) if figure.key.startswith("weight-histograms")]
    assert histograms.caption.endswith(LEFT_OUT)
    assert histograms.figure.axes[0].get_title().endswith("(24 of 32 exactly 0)")
