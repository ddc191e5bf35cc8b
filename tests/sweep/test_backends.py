"""The three backends train the same configs to the same results; unsupported configs fall back."""

from __future__ import annotations

import pytest

from reglab.store import RunStore, config_hash
from reglab.sweep import run_sweep


def sweep(name: str, backend: str, **extra) -> dict:
    return {
        "name": name,
        "backend": backend,
        "population": {"data_order": "independent"},
        "base": {
            "epochs": 2,
            "device": "cpu",
            "data": {"dataset": "digits", "train_size": 120, "batch_size": 40},
            "model": {"hidden": [8]},
            "optimizer": {"momentum": 0.9},
        },
        "parameters": {"optimizer.lr": [0.2, 0.05], "seed": [0, 1]},
        **extra,
    }


def final_test_acc(store_dir, name: str) -> dict[str, float]:
    with RunStore(store_dir) as store:
        runs = store.runs(sweep=name)
        assert {run.status for run in runs} == {"completed"}
        return {config_hash(run.config): store.history(run.id)[-1]["test/loss"] for run in runs}


@pytest.mark.parametrize("shards", [None, 8], ids=["automatic", "shards-capped-at-size"])
def test_population_backend_matches_sequential_runs(store_dir, shards):
    run_sweep(sweep("same", "sequential"), store=store_dir, quiet=True)
    sequential = final_test_acc(store_dir, "same")
    with RunStore(store_dir) as store:
        for run in store.runs(sweep="same"):
            store.delete_run(run.id)
    options = {"data_order": "independent", **({"shards": shards} if shards else {})}
    result = run_sweep(sweep("same", "population", population=options), store=store_dir, quiet=True)
    assert result.statuses == {"completed": 4}
    with RunStore(store_dir) as store:
        assert {run.summary["population"]["shards"] for run in store.runs(sweep="same")} == {4 if shards else 1}
    population = final_test_acc(store_dir, "same")
    assert population.keys() == sequential.keys()
    for key, value in sequential.items():
        assert population[key] == pytest.approx(value, rel=1e-5)


def test_processes_backend_stores_every_config_and_shows_each_epoch(store_dir, monkeypatch):
    """Each epoch a worker trains reaches the driver's progress as 1/epochs of its config, all
    of them before the config is settled: nothing is lost or counted twice."""
    from reglab.sweep.progress import SweepProgress

    steps, settled_parts = [], []
    step, advance = SweepProgress.step, SweepProgress.advance
    monkeypatch.setattr(SweepProgress, "step", lambda self, fraction, show=True: (steps.append(fraction), step(self, fraction, show)))
    monkeypatch.setattr(SweepProgress, "advance", lambda self, count=1, settled=0.0: (settled_parts.append(settled), advance(self, count, settled)))
    result = run_sweep(sweep("workers", "processes", parameters={"seed": [0, 1]}), store=store_dir, workers=1, quiet=True)
    assert result.statuses == {"completed": 2} and not result.failures
    assert sum(steps) == pytest.approx(2.0) and all(round(share * 2, 9) == int(share * 2) for share in steps)
    assert settled_parts == [pytest.approx(1.0), pytest.approx(1.0)]  # both epochs of each config, shown before it was done


def test_mlps_and_cnns_train_as_populations_of_their_own(store_dir):
    spec = sweep("mixed", "population", parameters={"model.kind": ["mlp", "cnn"], "seed": [0, 1]})
    spec["base"]["model"]["channels"] = [2]
    result = run_sweep(spec, store=store_dir, quiet=True)
    assert result.statuses == {"completed": 4}
    with RunStore(store_dir) as store:
        runs = store.runs(sweep="mixed")
    assert sorted((run.config["model"]["kind"], run.summary["population"]["size"]) for run in runs) == [("cnn", 2), ("cnn", 2), ("mlp", 2), ("mlp", 2)]