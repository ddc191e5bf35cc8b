"""Optuna search: batches of trials trained as populations (ask-and-tell), pruned members
stopped with status `pruned` and their epochs kept, the study in a journal file beside
the store, continued by a rerun and by a run whose driver was killed mid-batch."""

from __future__ import annotations

import statistics
import sys

import pytest

optuna = pytest.importorskip("optuna")

from optuna.trial import TrialState

from reglab.config import ConfigError
from reglab.search.study import MEDIAN_STARTUP_TRIALS, open_study, study_path
from reglab.store import RunStore
from reglab.sweep import load_sweep, run_sweep
from tests.conftest import tiny_digits


def search(**keys):
    """A TPE search on tiny digits where lr 1e-5 stays at chance: the median pruner stops it."""
    tree = {
        "name": "tpe", "method": "tpe", "samples": 12, "batch": 4, "pruner": "median",
        "objective": {"metric": "val/acc", "direction": "maximize"},
        "base": tiny_digits(epochs=4),
        "parameters": {"optimizer.lr": [0.3, 0.2, 0.1, 1.0e-5], "model.dropout": {"uniform": [0.0, 0.3]}},
    }
    tree.update(keys)
    return load_sweep(tree)


STARTUP = MEDIAN_STARTUP_TRIALS
SAMPLES = STARTUP + 8  # two prunable batches of 4 after the startup trials


def batches(samples, batch, startup=STARTUP):
    """The trial numbers of each batch when every startup trial completes."""
    bounds, done = [], 0
    while done < samples:
        size = min(batch, samples - done, startup - done) if done < startup else min(batch, samples - done)
        bounds.append(range(done, done + size))
        done += size
    return bounds


def load(store_dir, name="tpe"):
    return optuna.load_study(study_name=name, storage=optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(study_path(store_dir, name)))))


def test_batches_train_as_populations_and_the_median_pruner_stops_members(store_dir):
    result = run_sweep(search(samples=SAMPLES), backend="population", store=store_dir, quiet=True)
    assert result.total == SAMPLES and result.trained == SAMPLES and result.failures == []
    study = load(store_dir)
    trials = {trial.user_attrs["run_id"]: trial for trial in study.trials}
    assert len(trials) == SAMPLES
    # Batches of 4, except that the median pruner's startup trials complete before a prunable batch is asked.
    trained = batches(SAMPLES, 4)
    with RunStore(store_dir) as store:
        runs = store.runs(sweep="tpe")
        assert len(runs) == SAMPLES
        pruned = [run for run in runs if run.status == "pruned"]
        assert pruned, "members below the median of earlier trials are stopped"
        for run in runs:
            trial, history = trials[run.id], store.history(run.id)
            members = next(batch for batch in trained if trial.number in batch)
            assert run.summary.get("population", {"size": 1})["size"] == len(members)  # a batch is one population
            assert trial.intermediate_values == {row["epoch"]: pytest.approx(row["val/acc"]) for row in history}
            if run.status == "pruned":
                assert trial.state == TrialState.PRUNED and trial.number >= STARTUP
                assert 1 <= run.epochs < 4 and len(history) == run.epochs  # its epochs are kept
                assert run.summary["stop_criterion"] == "median"
                # Below the median of the trials completed before its batch was asked, at its last epoch.
                earlier = [other for other in study.trials if other.number < members.start and other.state == TrialState.COMPLETE]
                assert len(earlier) >= STARTUP
                assert history[-1]["val/acc"] < statistics.median(other.intermediate_values[run.epochs] for other in earlier)
            else:
                assert trial.state == TrialState.COMPLETE and run.epochs == 4
                assert trial.value == pytest.approx(max(row["val/acc"] for row in history))

    again = run_sweep(search(samples=SAMPLES), backend="population", store=store_dir, quiet=True)
    assert (again.skipped, again.trained) == (SAMPLES, 0)
    more = run_sweep(search(samples=SAMPLES + 2), backend="population", store=store_dir, quiet=True)
    assert (more.skipped, more.trained) == (SAMPLES, 2)
    with RunStore(store_dir) as store:
        assert len(store.runs(sweep="tpe")) == SAMPLES + 2


def test_the_worse_half_of_a_batch_is_pruned_before_its_last_epoch(store_dir):
    """The startup trials complete first; the last batch of 8 is one population whose 4 members
    at lr 1e-5 (chance) are stopped early while its 4 members at lr 0.3 train on."""
    samples = STARTUP + 8
    spec = search(samples=samples, batch=8, parameters={"optimizer.lr": [0.3, 0.01, 1.0e-5], "model.dropout": {"uniform": [0.0, 0.3]}})
    with RunStore(store_dir) as store:
        study = open_study(store.directory, "tpe", "tpe", "median", "maximize", 0, 4)
    # The startup trials' median at each epoch is an lr 0.01 curve: above chance, below lr 0.3.
    good = (STARTUP - 1) // 2
    startup = [0.3] * good + [0.01] * (STARTUP - 2 * good) + [1.0e-5] * good
    for number, lr in enumerate(startup + [0.3, 1.0e-5] * 4):
        study.enqueue_trial({"optimizer.lr": lr, "model.dropout": 0.001 * number})  # distinct configs
    result = run_sweep(spec, backend="population", store=store_dir, quiet=True)
    assert (result.trained, result.failures) == (samples, [])
    with RunStore(store_dir) as store:
        runs = {trial.number: run for run in store.runs(sweep="tpe") for trial in load(store_dir).trials if trial.user_attrs["run_id"] == run.id}
    assert batches(samples, 8)[-1] == range(STARTUP, samples)
    assert [runs[number].summary["population"]["size"] for number in range(STARTUP, samples)] == [8] * 8
    assert [runs[number].status for number in range(STARTUP)] == ["completed"] * STARTUP
    assert {runs[number].status for number in range(STARTUP, samples, 2)} == {"completed"}  # lr 0.3
    for number in range(STARTUP + 1, samples, 2):  # lr 1e-5
        assert runs[number].status == "pruned" and runs[number].epochs < 4
        assert runs[number].config["optimizer"]["lr"] == 1.0e-5


@pytest.mark.parametrize("pruner, first", [("median", STARTUP), ("hyperband", 16), ("none", 16)])
def test_the_first_batch_holds_the_median_pruners_startup_trials(store_dir, pruner, first):
    """How many trials are asked: the Ray backend asks nothing (0) while the startup trials are in flight."""
    from reglab.search.options import Objective
    from reglab.search.run import _Search
    from reglab.search.space import search_space

    assert STARTUP < 16
    spec = search(pruner=pruner, batch=16, samples=40)
    space = search_space(spec)
    with RunStore(store_dir) as store:
        study = open_study(store.directory, "tpe", "tpe", pruner, "maximize", 0, 4)
        searching = _Search(spec, space, Objective(), store, study)
        assert searching.next_size(16, 40) == first
        assert searching.next_size(16, 3) == 3
        if pruner == "median":
            assert searching.next_size(16, 40, running=STARTUP) == 0  # wait for them
            assert searching.next_size(16, 40, running=STARTUP - 3) == 3
        for number in range(STARTUP):
            study.tell(study.ask(space.distributions), 0.5 + 0.01 * number)
        assert searching.next_size(16, 40) == 16  # the pruner can prune now: full batches


def test_a_trial_left_running_by_a_killed_driver_is_trained_again_once(store_dir):
    spec = search(samples=3, batch=3, pruner="none", backend="sequential")
    with RunStore(store_dir) as store:
        study = open_study(store.directory, "tpe", "tpe", "none", "maximize", 0, 4)
    from reglab.search.space import search_space

    orphan = study.ask(search_space(spec).distributions)  # asked, never told: the driver died
    result = run_sweep(spec, store=store_dir, quiet=True)
    assert result.trained == 3
    trials = study.trials
    assert trials[0].state == TrialState.FAIL and not trials[0].user_attrs.get("reglab_done")
    assert trials[1].params == orphan.params and trials[1].state == TrialState.COMPLETE  # asked again first
    with RunStore(store_dir) as store:
        assert [run.status for run in store.runs(sweep="tpe")] == ["completed"] * 3


@pytest.mark.parametrize(
    "keys, backend, message",
    [
        ({}, "processes", "--backend: got 'processes'; allowed: sequential | population | ray"),
        ({"objective": {"metric": "accuracy"}}, "population", "objective.metric: got 'accuracy'"),
        ({"parameters": {"optimizer.lr": 0.1}}, "population", "parameters: got"),
    ],
)
def test_bad_search_input_is_one_line_and_writes_nothing(tmp_path, keys, backend, message):
    with pytest.raises(ConfigError, match=message.replace("|", r"\|").replace("(", r"\(")):
        run_sweep(search(**keys), backend=backend, store=tmp_path / "store", quiet=True)
    assert not (tmp_path / "store").exists()


def test_tpe_needs_samples_and_the_optuna_extra(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="samples: got None"):
        load_sweep({"name": "x", "method": "tpe", "parameters": {"optimizer.lr": [0.1, 0.2]}})
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ConfigError, match=r'pip install "reglab\[optuna\]"'):
        run_sweep(search(), store=tmp_path / "store", quiet=True)
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize("method, pruner", [("cmaes", "hyperband"), ("random", "median")])
def test_other_samplers_and_pruners_one_run_after_another(store_dir, method, pruner):
    spec = search(method=method, pruner=pruner, samples=4, batch=2, parameters={"optimizer.lr": {"loguniform": [1.0e-3, 0.3]}, "model.dropout": {"uniform": [0.0, 0.3]}})
    result = run_sweep(spec, backend="sequential", store=store_dir, quiet=True)
    assert (result.trained, result.failures) == (4, [])
    with RunStore(store_dir) as store:
        runs = store.runs(sweep="tpe")
        assert len(runs) == 4 and {run.status for run in runs} <= {"completed", "pruned"}
        assert all(run.summary["population"]["size"] == 1 for run in runs)  # single runs: populations of one
        lrs = [run.config["optimizer"]["lr"] for run in runs]
        assert len(set(lrs)) == 4 and all(1.0e-3 <= lr <= 0.3 for lr in lrs)
