"""A sweep config that fails before its run starts (its data cannot be loaded) is stored as a
failed run, and a rerun trains it again; a population member that cannot load its data
fails alone while the others train."""

from __future__ import annotations

import pytest

from reglab.config import ConfigError
from reglab.store import RunStore, config_hash
from reglab.sweep import expand_sweep, load_sweep, run_sweep
from tests.conftest import tiny_digits

MISSING = "data.root: got '/mnt/lab/digits'; allowed: a folder holding the dataset's files"

# toy_regression has no classes, so a member with label noise cannot build its data; the
# member without it (first in its group) passes the sweep's pre-flight.
NOISE = {
    "name": "noise",
    "base": {"epochs": 2, "device": "cpu", "loss": "mse", "data": {"dataset": "toy_regression", "batch_size": 25}, "model": {"hidden": [8]}},
    "parameters": {"data.label_noise": [0.0, 0.2], "seed": [0, 1]},
}


def _lose_the_data_of_seed_1(monkeypatch) -> None:
    """The data of seed 1 cannot be loaded (as a dataset folder gone since the pre-flight)."""
    import reglab.data.load as load

    loader_for = load.loader_for

    def losing(name):
        def load_source(config, seed):
            if seed == 1:
                raise ConfigError("data.root", "/mnt/lab/digits", "a folder holding the dataset's files")
            return loader_for(name)(config, seed)

        return load_source

    monkeypatch.setattr(load, "loader_for", losing)


def test_a_config_whose_data_cannot_load_is_stored_failed_and_a_rerun_trains_it(store_dir, monkeypatch):
    sweep = {"name": "grid", "backend": "sequential", "base": tiny_digits(epochs=1), "parameters": {"seed": [0, 1]}}
    points = {point.values["seed"]: point for point in expand_sweep(load_sweep(sweep))}
    with monkeypatch.context() as patch:
        _lose_the_data_of_seed_1(patch)
        result = run_sweep(sweep, store=store_dir, quiet=True)
    assert result.failures == [f"seed=1: ConfigError: {MISSING}"]
    assert result.statuses == {"completed": 1, "failed": 1}
    with RunStore(store_dir) as store:
        failed = store.runs(sweep="grid", status="failed")
        assert len(failed) == 1
        lost = failed[0]
        assert config_hash(lost.config) == points[1].hash  # the config, as the rerun identifies it
        assert (lost.error, lost.summary, lost.epochs) == (f"ConfigError: {MISSING}", {"error": f"ConfigError: {MISSING}"}, 0)
        assert (store.run_dir(lost.id) / "config.yaml").is_file()

    rerun = run_sweep(sweep, store=store_dir, quiet=True)  # the data is back
    assert (rerun.skipped, rerun.trained, rerun.failures) == (1, 1, [])
    with RunStore(store_dir) as store:
        runs = store.runs(sweep="grid")
    assert sorted((run.config["seed"], run.status) for run in runs) == [(0, "completed"), (1, "completed")]
    assert lost.id not in {run.id for run in runs}  # the failed row was replaced, not kept beside


def test_a_member_whose_data_cannot_load_fails_alone_and_the_others_train_as_a_population(store_dir):
    result = run_sweep({**NOISE, "backend": "population"}, store=store_dir, quiet=True)
    refused = "ConfigError: data.label_noise: got 0.2; allowed: no label corruption for regression datasets (they have no classes)"
    assert result.failures == [f"data.label_noise=0.2 seed=0: {refused}", f"data.label_noise=0.2 seed=1: {refused}"]
    assert (result.trained, result.statuses) == (4, {"completed": 2, "failed": 2})
    with RunStore(store_dir) as store:
        runs = store.runs(sweep="noise")
    completed = [run for run in runs if run.status == "completed"]
    assert sorted(run.config["seed"] for run in completed) == [0, 1]
    assert {run.config["data"]["label_noise"] for run in completed} == {0.0}
    assert [run.summary["population"]["size"] for run in completed] == [2, 2]  # the two trained together
    assert sorted((run.config["data"]["label_noise"], run.config["seed"], run.error) for run in runs if run.status == "failed") == [
        (0.2, 0, refused), (0.2, 1, refused)]

    # A rerun does not count them done: it tries them again, and its pre-flight finds the
    # bad input in one line before anything is written.
    with pytest.raises(ConfigError, match="data.label_noise: got 0.2"):
        run_sweep({**NOISE, "backend": "population"}, store=store_dir, quiet=True)
    with RunStore(store_dir) as store:
        assert sorted(run.id for run in store.runs(sweep="noise")) == sorted(run.id for run in runs)


def test_a_population_that_fails_once_it_has_started_is_not_split(store_dir, monkeypatch):
    """Members stored before the failure keep their rows (failed), nobody is trained again in this call."""
    import reglab.sweep.backends.population as population

    calls = []

    def failing_after_start(configs, store, sweep, **options):
        calls.append(len(configs))
        run_ids = [store.start_run(config.name, config.to_dict(), sweep=sweep) for config in configs]
        for run_id in run_ids:
            store.finish_run(run_id, "failed", {"error": "RuntimeError: the step diverged"}, "RuntimeError: the step diverged")
        raise RuntimeError("the step diverged")

    monkeypatch.setattr(population, "train_population", failing_after_start)
    sweep = {"name": "grid", "backend": "population", "base": tiny_digits(epochs=1), "parameters": {"seed": [0, 1, 2]}}
    result = run_sweep(sweep, store=store_dir, quiet=True)
    assert calls == [3] and result.statuses == {"failed": 3}
    assert result.failures == ["population of 3 (seed=0, ...): RuntimeError: the step diverged"]


def test_a_ray_tasks_members_whose_data_cannot_load_come_back_as_their_errors(tmp_path):
    """What a Ray task runs (`train_members`, in this process, its results pickled as they go
    to the driver): the members that can load their data train as one population, and a
    refused member comes back as its error."""
    import pickle

    from reglab.sweep.backends.remote_members import MemberResult, train_members

    configs = {(point.values["data.label_noise"], point.values["seed"]): point.config.to_dict() for point in expand_sweep(load_sweep(NOISE))}
    configs = [configs[0.0, 0], configs[0.2, 0], configs[0.0, 1]]
    results = pickle.loads(pickle.dumps(train_members(configs, "noise", {"data_order": "shared", "engine": "stacked", "max_size": 64})))
    assert [type(result).__name__ for result in results] == ["MemberResult", "ConfigError", "MemberResult"]
    assert (results[1].key, results[1].value) == ("data.label_noise", 0.2)
    trained = [result for result in results if isinstance(result, MemberResult)]
    assert [(result.status, result.summary["population"]["size"], len(result.history)) for result in trained] == [("completed", 2, 2)] * 2


def test_the_processes_backend_stores_a_config_that_failed_in_a_worker_before_its_run_started(store_dir):
    result = run_sweep({**NOISE, "backend": "processes"}, store=store_dir, workers=1, quiet=True)
    assert result.statuses == {"completed": 2, "failed": 2} and len(result.failures) == 2
    with RunStore(store_dir) as store:
        failed = store.runs(sweep="noise", status="failed")
    assert sorted(run.config["seed"] for run in failed) == [0, 1]
    assert all(run.config["data"]["label_noise"] == 0.2 and "no label corruption" in run.error for run in failed)
