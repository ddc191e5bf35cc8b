"""The trajectory in real runs: keys in the history, snapshots on disk, `reglab analyze`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import reglab
from reglab.cli import main
from reglab.config import ConfigError, load_config
from reglab.objective.evaluate import evaluate
from reglab.engine.setup import build_setup
from reglab.store import RunStore, load_weights
from reglab.engine.analysis import analyze_run, evaluation_subset
from tests.conftest import tiny_digits

LAYERS = ("hidden.0.linear.weight", "hidden.0.linear.bias", "head.weight", "head.bias")


def test_default_run_records_the_trajectory_in_its_history(store_dir):
    run = reglab.train(tiny_digits(), store=store_dir)
    assert len(run.history) == 2
    for row in run.history:
        for layer in LAYERS:
            for family in ("param/l2", "param/l1", "param/dist_init", "param/dist_init_rel", "param/cos_init",
                           "param/sparsity", "param/near_zero", "grad/l2", "update_ratio"):
                assert f"{family}/{layer}" in row, f"{family}/{layer}"
        for family in ("param/l2", "param/l1", "param/dist_init", "param/dist_init_rel", "param/cos_init",
                       "param/sparsity", "param/near_zero", "grad/l2", "update_ratio"):
            assert f"{family}/total" in row
    flat = torch.cat([p.detach().reshape(-1) for p in run.model.parameters()])
    assert run.history[-1]["param/l2/total"] == pytest.approx(flat.norm().item(), rel=1e-5)
    assert run.history[1]["param/dist_init/total"] > run.history[0]["param/dist_init/total"] > 0
    with RunStore(store_dir) as store:
        stored = store.history(run.id)
        assert stored[-1]["param/l2/total"] == pytest.approx(run.history[-1]["param/l2/total"])
        folder = store.run_dir(run.id)
    assert not (folder / "snapshots").exists()  # snapshots are off by default
    assert "initial" in run.summary["trajectory"]


def test_trajectory_can_be_disabled(store_dir):
    run = reglab.train(tiny_digits(**{"trajectory.enabled": False}), store=store_dir)
    assert not any(key.startswith(("param/", "grad/", "update_ratio/")) for key in run.history[-1])
    assert "trajectory" not in run.summary


def test_config_errors_name_the_trajectory_key():
    with pytest.raises(ConfigError, match=r"^trajectory.metrics.0: got 'weights'"):
        load_config(overrides=["trajectory.metrics=[weights]"])
    with pytest.raises(ConfigError, match=r"^trajectory.snapshot_epochs: got 3; allowed: a list"):
        load_config(overrides=["trajectory.snapshot_epochs=3"])
    with pytest.raises(ConfigError, match=r"^trajectory.every_steps"):
        load_config(overrides=["trajectory.every_steps=0"])
    assert load_config(overrides=["trajectory.snapshot_epochs.every=2"]).trajectory.snapshot_epochs.every == 2


@pytest.fixture(scope="module")
def stored_run(tmp_path_factory):
    """A 4-epoch digits run with a snapshot after every epoch and step rows every 5 steps."""
    store = tmp_path_factory.mktemp("analyze") / "store"
    config = tiny_digits(**{"epochs": 4, "trajectory.snapshot_epochs": {"every": 1}, "trajectory.every_steps": 5})
    run = reglab.train(config, store=store)
    return store, run


def test_snapshots_and_step_rows_of_a_stored_run(stored_run):
    store, run = stored_run
    folder = store / "runs" / run.id
    names = sorted(path.name for path in (folder / "snapshots").glob("*.safetensors"))
    assert names == [f"epoch_{epoch:04d}.safetensors" for epoch in range(5)]
    last = load_weights(folder / "snapshots" / "epoch_0004.safetensors")
    final = load_weights(folder / "model.safetensors")
    assert all(torch.equal(last[name], final[name]) for name in final)
    lines = (folder / "trajectory_steps.csv").read_text().splitlines()
    steps = [int(line.split(",")[1]) for line in lines[1:]]
    assert steps == list(range(0, 4 * 7 + 1, 5))  # 200 samples / 32 = 7 steps per epoch


def test_analyze_cli_writes_pca_interpolation_and_surface(stored_run, capsys):
    store, run = stored_run
    with pytest.raises(SystemExit) as exit_:
        main(["analyze", run.id[:8], "--store", str(store), "--grid", "5", "--samples", "64"])
        raise SystemExit(0)
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    folder = store / "runs" / run.id / "analysis"
    assert "pca plane" in out and str(folder / "surface.json") in out
    pca = json.loads((folder / "pca.json").read_text())
    assert pca["epochs"] == [0, 1, 2, 3, 4] and len(pca["coordinates"]) == 5
    assert 0.5 < pca["explained_variance_ratio"][0] <= 1.0
    curve = json.loads((folder / "interpolation.json").read_text())
    surface = json.loads((folder / "surface.json").read_text())
    arrays = np.load(folder / "surface.npz")
    assert arrays["loss"].shape == (5, 5) and surface["xs"][2] == 0.0

    # reference: the final and initial weights evaluated on the same seeded subset
    config = load_config(base=run.config.to_dict())
    setup = build_setup(config)
    x, y = evaluation_subset(setup.data.train_x, setup.data.train_y, 64, config.seed)
    setup.model.load_state_dict(load_weights(store / "runs" / run.id / "model.safetensors"))
    final = evaluate(setup.model, x, y, setup.objective, 1024, "e")
    assert surface["loss"][2][2] == pytest.approx(final["e/loss"], rel=1e-6)
    assert curve["loss"][curve["alphas"].index(1.0)] == pytest.approx(final["e/loss"], rel=1e-6)
    setup.model.load_state_dict(load_weights(store / "runs" / run.id / "snapshots" / "epoch_0000.safetensors"))
    initial = evaluate(setup.model, x, y, setup.objective, 1024, "e")
    assert curve["loss"][curve["alphas"].index(0.0)] == pytest.approx(initial["e/loss"], rel=1e-6)
    # the path ends at the final weights: the origin of the PCA plane
    assert surface["path"][-1] == pytest.approx([0.0, 0.0], abs=1e-4)


def test_analyze_random_directions_without_snapshots(store_dir):
    run = reglab.train(tiny_digits(), store=store_dir)
    analysis = analyze_run(run.id, store_dir, grid=3, samples=32, directions="auto")
    assert analysis.directions == "random"
    assert any("rebuilt from the config seed" in note for note in analysis.notes)
    names = sorted(path.name for path in analysis.files)
    assert names == ["interpolation.json", "surface.json", "surface.npz"]
    with pytest.raises(ConfigError, match="^--directions: got 'pca'"):
        analyze_run(run.id, store_dir, grid=3, samples=32, directions="pca")


def test_analyze_cli_bad_input_exits_2(stored_run, capsys):
    store, run = stored_run
    for args, message in (
        (["analyze", "nope", "--store", str(store)], "run id: got 'nope'"),
        (["analyze", run.id, "--store", str(store), "--grid", "2"], "--grid: got 2"),
        (["analyze", run.id, "--store", str(store), "--directions", "up"], "--directions: got 'up'"),
    ):
        with pytest.raises(SystemExit) as exit_:
            main(args)
        assert exit_.value.code == 2
        assert message in capsys.readouterr().err


def test_snapshots_of_a_pruned_run_keep_plain_names_and_zeros(store_dir):
    config = tiny_digits(**{"epochs": 3, "pruning.method": "magnitude", "pruning.amount": 0.5,
                            "trajectory.snapshot_epochs": {"every": 1}})
    run = reglab.train(config, store=store_dir)
    folder = store_dir / "runs" / run.id / "snapshots"
    states = [load_weights(folder / f"epoch_{epoch:04d}.safetensors") for epoch in range(4)]
    assert all(state.keys() == states[0].keys() for state in states)
    assert not any(key.endswith(("_orig", "_mask")) for key in states[-1])
    weight = states[-1]["hidden.0.linear.weight"]
    assert (weight == 0).float().mean().item() == pytest.approx(run.history[-1]["param/sparsity/hidden.0.linear.weight"])
    assert run.history[-1]["param/sparsity/hidden.0.linear.weight"] >= 0.5
    from reglab.trajectory import pca_path

    assert pca_path(store_dir / "runs" / run.id).epochs == [0, 1, 2, 3]


def test_analyze_run_refuses_a_folder_without_a_store(tmp_path):
    with pytest.raises(ConfigError, match="^store: got"):
        analyze_run("abc", tmp_path / "nothing-here")
    assert not (tmp_path / "nothing-here").exists()  # nothing written
