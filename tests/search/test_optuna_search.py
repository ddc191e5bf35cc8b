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
from reglab.search.study import MEDIAN_FIRST_EPOCH, MEDIAN_STARTUP_TRIALS, open_study, study_path
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
SAMPLES = STARTUP + 8


def batches(samples, batch):
    """The trial numbers of each batch."""
    return [range(start, min(start + batch, samples)) for start in range(0, samples, batch)]


def load(store_dir, name="tpe"):
    return optuna.load_study(study_name=name, storage=optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(study_path(store_dir, name)))))


def reference(study, trial, members, epoch):
    """The values the median pruner compares `trial` with after `epoch`: the trials completed
    before its batch, and, while fewer than 10 had completed, its batch-mates at that epoch."""
    completed = [other for other in study.trials if other.number < members.start and other.state == TrialState.COMPLETE]
    others = completed if len(completed) >= STARTUP else completed + [other for other in study.trials if other.number in members and other.number != trial.number]
    return [other.intermediate_values[epoch] for other in others if epoch in other.intermediate_values]


def test_batches_train_as_populations_and_the_median_pruner_stops_members(store_dir):
    result = run_sweep(search(samples=SAMPLES), backend="population", store=store_dir, quiet=True)
    assert result.total == SAMPLES and result.trained == SAMPLES and result.failures == []
    study = load(store_dir)
    trials = {trial.user_attrs["run_id"]: trial for trial in study.trials}
    assert len(trials) == SAMPLES
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
            # The median rule, epoch by epoch from the second on: kept while the best value so far
            # is at least the reference's median (or the reference holds fewer than 10 values).
            for epoch in range(MEDIAN_FIRST_EPOCH, run.epochs + 1):
                values = reference(study, trial, members, epoch)
                best = max(row["val/acc"] for row in history[:epoch])
                below = len(values) >= STARTUP and best < statistics.median(values)
                assert below == (run.status == "pruned" and epoch == run.epochs), (trial.number, epoch)
            if run.status == "pruned":
                assert trial.state == TrialState.PRUNED and trial.number >= 4  # the first batch has 3 batch-mates only
                assert MEDIAN_FIRST_EPOCH <= run.epochs < 4 and len(history) == run.epochs  # its epochs are kept
                assert run.summary["stop_criterion"] == "median"
            else:
                assert trial.state == TrialState.COMPLETE and run.epochs == 4
                assert trial.value == pytest.approx(max(row["val/acc"] for row in history))

    again = run_sweep(search(samples=SAMPLES), backend="population", store=store_dir, quiet=True)
    assert (again.skipped, again.trained) == (SAMPLES, 0)
    more = run_sweep(search(samples=SAMPLES + 2), backend="population", store=store_dir, quiet=True)
    assert (more.skipped, more.trained) == (SAMPLES, 2)
    with RunStore(store_dir) as store:
        assert len(store.runs(sweep="tpe")) == SAMPLES + 2


def _statuses(store_dir, samples):
    study = load(store_dir)
    with RunStore(store_dir) as store:
        by_id = {run.id: run for run in store.runs(sweep="tpe")}
    runs = {trial.number: by_id[trial.user_attrs["run_id"]] for trial in study.trials}
    assert sorted(runs) == list(range(samples))
    return runs


def test_the_first_batch_is_pruned_by_its_batch_mates_whatever_their_order(store_dir):
    """No trial has completed: the members of the first batch (12, one population) are compared
    with each other. After epoch 2 each of the 6 members at lr 1e-5 (chance) is below the median
    of its 11 batch-mates, member 0 included (every member reported the epoch before any was
    decided); the 6 at lr 0.3 train on, and with 5 batch-mates left nothing more is pruned."""
    spec = search(samples=12, batch=12, parameters={"optimizer.lr": [0.3, 1.0e-5], "model.dropout": {"uniform": [0.0, 0.3]}})
    with RunStore(store_dir) as store:
        study = open_study(store.directory, "tpe", "tpe", "median", "maximize", 0, 4)
    lrs = [1.0e-5, 1.0e-5, 0.3, 1.0e-5, 0.3, 0.3, 1.0e-5, 0.3, 1.0e-5, 0.3, 1.0e-5, 0.3]
    for number, lr in enumerate(lrs):
        study.enqueue_trial({"optimizer.lr": lr, "model.dropout": 0.001 * number})  # distinct configs
    result = run_sweep(spec, backend="population", store=store_dir, quiet=True)
    assert (result.trained, result.failures) == (12, [])
    runs = _statuses(store_dir, 12)
    assert {run.summary["population"]["size"] for run in runs.values()} == {12}
    for number, lr in enumerate(lrs):
        run = runs[number]
        assert run.config["optimizer"]["lr"] == lr
        if lr == 0.3:
            assert (run.status, run.epochs) == ("completed", 4)
        else:
            assert (run.status, run.epochs, run.summary.get("stop_criterion")) == ("pruned", MEDIAN_FIRST_EPOCH, "median")


def test_once_ten_trials_completed_only_they_are_compared_with(store_dir):
    """Batches of 5: the first two (4, then 5 + 4 values) cannot prune and complete 10 trials
    whose median curve is an lr 0.01 one. The third batch, all at lr 0.3, is compared with
    those alone: it ends above their median and nobody in it is pruned (among themselves,
    the worse of five lr-0.3 members would be); in the fourth, lr 1e-5 members are pruned."""
    samples = 20
    spec = search(samples=samples, batch=5, parameters={"optimizer.lr": [0.3, 0.01, 1.0e-5], "model.dropout": {"uniform": [0.0, 0.3]}})
    with RunStore(store_dir) as store:
        study = open_study(store.directory, "tpe", "tpe", "median", "maximize", 0, 4)
    startup = [0.3, 1.0e-5, 0.01, 0.3, 1.0e-5, 0.3, 1.0e-5, 0.01, 0.3, 1.0e-5]
    lrs = startup + [0.3] * 5 + [1.0e-5, 0.3, 1.0e-5, 0.3, 1.0e-5]
    for number, lr in enumerate(lrs):
        study.enqueue_trial({"optimizer.lr": lr, "model.dropout": 0.01 * number})
    result = run_sweep(spec, backend="population", store=store_dir, quiet=True)
    assert (result.trained, result.failures) == (samples, [])
    runs = _statuses(store_dir, samples)
    assert [runs[number].status for number in range(STARTUP)] == ["completed"] * STARTUP
    assert [runs[number].status for number in range(10, 15)] == ["completed"] * 5
    assert [runs[number].status for number in range(15, 20)] == ["pruned", "completed", "pruned", "completed", "pruned"]


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


def test_each_trials_epochs_move_the_progress_and_settle_as_it_is_told(store_dir, monkeypatch):
    """A batch's members show each epoch as 1/epochs of a config; a pruned trial settles what it showed."""
    from reglab.sweep.progress import SweepProgress

    calls = []
    step, advance = SweepProgress.step, SweepProgress.advance
    monkeypatch.setattr(SweepProgress, "step", lambda self, share, show=True: (calls.append(("step", share)), step(self, share, show))[1])
    monkeypatch.setattr(SweepProgress, "advance", lambda self, count=1, settled=0.0: (calls.append(("advance", settled)), advance(self, count, settled))[1])
    result = run_sweep(search(samples=4, batch=4), backend="population", store=store_dir, quiet=True)
    assert sum(result.statuses.values()) == 4
    with RunStore(store_dir) as store:
        epochs = sorted(len(store.history(run.id)) for run in store.runs(sweep="tpe"))
    steps = [share for kind, share in calls if kind == "step"]
    assert steps == [0.25] * sum(epochs)  # every member epoch of the 4-epoch trials
    assert sorted(settled * 4 for kind, settled in calls if kind == "advance") == pytest.approx(epochs)


def test_trials_answered_from_the_store_are_done_but_not_counted_in_the_eta_rate(store_dir, monkeypatch):
    """A trial whose parameters a stored run already has is told from that run: the progress
    counts it done, but not as trained here (the ETA's rate counts only what this process trains)."""
    from reglab.sweep.progress import SweepProgress

    seen = []
    show = SweepProgress.show
    monkeypatch.setattr(SweepProgress, "show", lambda self: (seen.append((self.done, self.finished_here)), show(self))[1])
    spec = search(method="random", pruner="none", samples=6, batch=2, parameters={"optimizer.lr": [0.3, 0.1]})
    result = run_sweep(spec, backend="sequential", store=store_dir, quiet=True)
    with RunStore(store_dir) as store:
        trained = len(store.runs(sweep="tpe"))
    assert trained == 2 and sum(result.statuses.values()) == 2  # two configs exist: four trials are told from them
    assert (result.trained, result.answered) == (2, 4)
    assert seen[-1] == (6, trained)
