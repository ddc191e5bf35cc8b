"""Figures from a real run's trajectory analysis (`reglab.trajectory.analyze_run`)."""

from __future__ import annotations

import json

import numpy as np

import reglab
from reglab.report import load_report_runs, report_figures
from reglab.engine.analysis import analyze_run
from tests.conftest import tiny_digits


def test_pca_interpolation_and_surface_figures_show_the_analysis(store):
    config = tiny_digits(**{"epochs": 4, "trajectory.snapshot_epochs": {"every": 1}})
    run = reglab.train(config, store=store)
    analyze_run(run.id, store, grid=5, samples=64)
    folder = store.run_dir(run.id) / "analysis"
    pca = json.loads((folder / "pca.json").read_text())
    line = json.loads((folder / "interpolation.json").read_text())
    surface = json.loads((folder / "surface.json").read_text())

    figures = {figure.key: figure for figure in report_figures(load_report_runs(store, [run.id]))}
    for kind in ("weight-histograms", "pca-path", "interpolation", "loss-surface"):
        assert f"{kind}-{run.id}" in figures

    pca_axes = figures[f"pca-path-{run.id}"].figure.axes[0]
    np.testing.assert_allclose(pca_axes.collections[0].get_offsets(), np.array(pca["coordinates"])[:, :2], rtol=1e-6)
    assert len(pca["coordinates"]) == 5  # epoch 0 (initial weights) and epochs 1-4

    interpolation_axes = figures[f"interpolation-{run.id}"].figure.axes
    loss_line = next(line_ for line_ in interpolation_axes[0].get_lines() if line_.get_label() == "train loss")
    np.testing.assert_allclose(loss_line.get_ydata(), line["loss"], rtol=1e-6)
    accuracy_line = interpolation_axes[1].get_lines()[0]  # accuracy sits on its own axis
    np.testing.assert_allclose(accuracy_line.get_ydata(), line["accuracy"], rtol=1e-6)

    surface_axes = figures[f"loss-surface-{run.id}"].figure.axes[0]
    path = next(line_ for line_ in surface_axes.get_lines() if line_.get_label() == "trajectory")
    np.testing.assert_allclose(path.get_xydata(), surface["path"], rtol=1e-6)
    assert surface_axes.get_xlabel().startswith("PC1")
    assert "the training path" in figures[f"loss-surface-{run.id}"].caption


def test_random_plane_surface_caption_mentions_no_path(store):
    from tests.report.conftest import make_history, store_run

    run_id = store_run(store, "flat", make_history())
    folder = store.run_dir(run_id) / "analysis"
    folder.mkdir(parents=True)
    (folder / "surface.json").write_text(json.dumps(
        {"xs": [-1, 0, 1], "ys": [-1, 0, 1], "loss": [[2, 1, 2], [1, 0.5, 1], [2, 1, 2]], "directions": "random"}))
    figures = {figure.key: figure for figure in report_figures(load_report_runs(store, [run_id]))}
    surface = figures[f"loss-surface-{run_id}"]
    assert "random filter-normalised directions" in surface.caption and "No path is drawn" in surface.caption
    assert not [line for line in surface.figure.axes[0].get_lines() if line.get_label() == "trajectory"]
