"""PCA path, interpolation curve and loss surface built from known arrays."""

from __future__ import annotations

import numpy as np

from reglab.report.plots import plot_interpolation, plot_loss_surface, plot_pca_path


def test_pca_path_points_are_the_coordinates():
    coordinates = np.array([[0.0, 0.0], [1.0, 0.5], [2.0, 0.7], [3.0, 0.6]])
    figure = plot_pca_path(coordinates, epochs=[0, 1, 2, 3], explained=[0.9, 0.05], title="run a")
    axes = figure.axes[0]  # the second axes is the epoch colour bar
    assert len(figure.axes) == 2 and figure.axes[1].get_ylabel() == "epoch"
    np.testing.assert_allclose(axes.collections[0].get_offsets(), coordinates)
    np.testing.assert_allclose(axes.get_lines()[0].get_xydata(), coordinates)
    assert axes.get_xlabel() == "PC1 (90.0 % of variance)" and axes.get_ylabel() == "PC2 (5.0 % of variance)"
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ["start (epoch 0)", "end (epoch 3)"]
    assert "run a" in axes.get_title()
    assert plot_pca_path(coordinates[:1]) is None


def test_interpolation_curves_and_endpoints():
    alphas = np.linspace(-0.5, 1.5, 9)
    curves = {"train loss": (alphas - 1) ** 2, "test loss": (alphas - 1) ** 2 + 0.3}
    figure = plot_interpolation(alphas, curves, "run a")
    (axes,) = figure.axes
    lines = [line for line in axes.get_lines() if line.get_label() in curves]
    assert [line.get_label() for line in lines] == ["train loss", "test loss"]
    np.testing.assert_allclose(lines[1].get_ydata(), curves["test loss"])
    endpoints = [line.get_xdata()[0] for line in axes.get_lines() if line.get_label() not in curves]
    assert endpoints == [0.0, 1.0]
    assert plot_interpolation([0.0], {"loss": [1.0]}) is None


def test_interpolation_puts_accuracy_on_its_own_axis():
    alphas = np.linspace(0, 1, 5)
    figure = plot_interpolation(alphas, {"train loss": 2 - alphas, "train accuracy": alphas})
    loss_axes, accuracy_axes = figure.axes
    assert loss_axes.get_ylabel() == "loss" and accuracy_axes.get_ylabel() == "accuracy"
    np.testing.assert_allclose(accuracy_axes.get_lines()[0].get_ydata(), alphas)
    assert accuracy_axes.get_ylim() == (0.0, 1.02)
    assert [text.get_text() for text in loss_axes.get_legend().get_texts()] == ["train loss", "train accuracy"]


def test_loss_surface_contours_with_path():
    x = np.linspace(-1, 1, 21)
    y = np.linspace(-1, 1, 11)
    losses = 0.1 + np.add.outer(y**2, 3 * x**2)  # (len(y), len(x)), minimum at the origin
    path = np.array([[0.9, 0.8], [0.5, 0.3], [0.1, 0.05]])
    figure = plot_loss_surface(x, y, losses, path, "run a")
    axes = figure.axes[0]
    assert figure.axes[1].get_ylabel() == "loss"  # colour bar
    filled = axes.collections[0]
    assert filled.levels[0] <= losses.min() + 1e-12 and filled.levels[-1] >= losses.max() - 1e-12
    trajectory = next(line for line in axes.get_lines() if line.get_label() == "trajectory")
    np.testing.assert_allclose(trajectory.get_xydata(), path)
    assert plot_loss_surface(x, y, losses.T) is None  # wrong shape
    assert plot_loss_surface(x, y, np.full_like(losses, np.nan)) is None
