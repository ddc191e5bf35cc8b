"""Resuming: completed configs are skipped, interrupted or failed ones are rerun once and replace their rows."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import torch
from safetensors.torch import load_file

from reglab.contract.events import Callback
from reglab.store import RunStore, config_hash
from reglab.sweep import expand_sweep, load_sweep, plan_resume, run_sweep

SWEEP = {
    "name": "tiny",
    "backend": "sequential",
    "base": {
        "epochs": 1,
        "device": "cpu",
        "data": {"dataset": "digits", "train_size": 100, "batch_size": 50},
        "model": {"hidden": [8]},
        "trajectory": {"enabled": False},
    },
    "parameters": {"optimizer.lr": [0.1, 0.01], "seed": [0, 1]},
}


def completed_by_hash(store: RunStore, sweep: str) -> Counter:
    return Counter(config_hash(run.config) for run in store.runs(sweep=sweep) if run.status == "completed")


class InterruptAtEpoch3(Callback):
    def on_epoch_start(self, record):
        if record.epoch == 3:
            raise KeyboardInterrupt


def assert_continued_as_if_never_interrupted(cut: RunStore, whole: RunStore, sweep: str, interrupted: dict[str, str]) -> None:
    """Every run of `cut` kept its interrupted run id and ends with the rows and weights of
    the same config in `whole`, trained without interruption."""
    reference = {config_hash(run.config): run for run in whole.runs(sweep=sweep)}
    for run in cut.runs(sweep=sweep):
        key = config_hash(run.config)
        assert run.id == interrupted[key]  # continued, not replaced
        assert [row["val/loss"] for row in cut.history(run.id)] == [row["val/loss"] for row in whole.history(reference[key].id)]
        got = load_file(str(cut.run_dir(run.id) / "model.safetensors"))
        expected = load_file(str(whole.run_dir(reference[key].id) / "model.safetensors"))
        assert all(torch.equal(got[name], expected[name]) for name in expected)


def test_plan_resume_sorts_configs_by_what_the_store_holds(store_dir):
    points = expand_sweep(load_sweep(SWEEP))
    with RunStore(store_dir) as store:
        done = store.start_run("tiny", points[0].config.to_dict(), sweep="tiny")
        store.finish_run(done, "completed", {})
        cut = store.start_run("tiny", points[1].config.to_dict(), sweep="tiny")
        store.finish_run(cut, "interrupted", {})
        broken = store.start_run("tiny", points[2].config.to_dict(), sweep="tiny")
        store.finish_run(broken, "failed", {})
        elsewhere = store.start_run("tiny", points[3].config.to_dict(), sweep="another")
        store.finish_run(elsewhere, "completed", {})
        plan = plan_resume(store, "tiny", points)
    assert plan.done == 1
    assert [point.hash for point in plan.todo] == [point.hash for point in points[1:]]
    assert sorted(plan.partial) == sorted([cut, broken])


def test_rerun_trains_only_what_is_missing_and_keeps_one_row_per_config(store_dir):
    first = run_sweep(SWEEP, store=store_dir, quiet=True)
    assert (first.total, first.trained, first.statuses) == (4, 4, {"completed": 4})
    with RunStore(store_dir) as store:
        victim = store.runs(sweep="tiny")[2]
        store.delete_run(victim.id)  # as if this config's process had been killed mid-run:
        partial = store.start_run(victim.name, victim.config, sweep="tiny")
        store.finish_run(partial, "interrupted", {})
    again = run_sweep(SWEEP, store=store_dir, quiet=True)
    assert (again.skipped, again.trained) == (3, 1)
    with RunStore(store_dir) as store:
        assert store.get_run(partial) is None and not store.run_dir(partial).exists()
        counts = completed_by_hash(store, "tiny")
        assert sorted(counts.values()) == [1, 1, 1, 1]
        assert len(store.runs(sweep="tiny")) == 4
    assert run_sweep(SWEEP, store=store_dir, quiet=True).trained == 0


def test_an_interrupted_population_continues_from_its_checkpoints(tmp_path):
    """Members cut short after two of four epochs continue under their run ids and end with
    the weights and rows of a sweep that was never interrupted."""
    from reglab.population import train_population

    spec = {**SWEEP, "name": "cut", "backend": "population", "base": {**SWEEP["base"], "epochs": 4, "model": {"hidden": [8], "dropout": 0.2}}}
    points = expand_sweep(load_sweep(spec))
    cut, whole = RunStore(tmp_path / "cut"), RunStore(tmp_path / "whole")
    with pytest.raises(KeyboardInterrupt):
        train_population([point.config for point in points], store=cut, sweep="cut", callbacks=[InterruptAtEpoch3()])
    interrupted = {config_hash(run.config): run.id for run in cut.runs(sweep="cut")}
    assert {run.status for run in cut.runs(sweep="cut")} == {"interrupted"}

    result = run_sweep(spec, store=cut, quiet=True)
    assert result.statuses == {"completed": 4}
    run_sweep(spec, store=whole, quiet=True)
    assert_continued_as_if_never_interrupted(cut, whole, "cut", interrupted)


def test_interrupted_runs_continue_from_their_checkpoints_in_worker_processes(tmp_path):
    """The processes backend continues an interrupted run in a worker (`reglab.resume`): same
    run id, and the rows and weights of a sweep that was never interrupted."""
    from reglab.engine.run import train

    spec = {**SWEEP, "name": "workers", "backend": "processes", "base": {**SWEEP["base"], "epochs": 4}, "parameters": {"optimizer.lr": [0.1, 0.01]}}
    cut, whole = RunStore(tmp_path / "cut"), RunStore(tmp_path / "whole")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the workers, so the two halves of a run add up bit for bit
    try:
        for point in expand_sweep(load_sweep(spec)):
            with pytest.raises(KeyboardInterrupt):
                train(point.config, store=cut, sweep="workers", callbacks=[InterruptAtEpoch3()])
        run_sweep({**spec, "backend": "sequential"}, store=whole, quiet=True)  # the uninterrupted runs
    finally:
        torch.set_num_threads(threads)
    interrupted = {config_hash(run.config): run.id for run in cut.runs(sweep="workers")}
    assert {run.status for run in cut.runs(sweep="workers")} == {"interrupted"}

    assert run_sweep(spec, store=cut, quiet=True, workers=1).statuses == {"completed": 2}
    assert_continued_as_if_never_interrupted(cut, whole, "workers", interrupted)


def give_checkpoint_a_wrong_shape(store: RunStore, run_id: str) -> None:
    """Rewrite the run's checkpoint with its first weight one row short, as a checkpoint
    taken from another model would be."""
    import json

    from safetensors import safe_open
    from safetensors.torch import save_file

    from reglab.engine.checkpoint import CHECKPOINT_FILE

    path = store.run_dir(run_id) / CHECKPOINT_FILE
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata()
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    first = sorted(key for key in tensors if key.startswith("model/"))[0]
    tensors[first] = tensors[first][1:].clone()
    assert json.loads(metadata["reglab"])["epoch"] == 2
    save_file(tensors, str(path), metadata=metadata)


@pytest.mark.parametrize("backend", ["sequential", "population"])
def test_interrupted_runs_whose_checkpoints_do_not_fit_train_again(tmp_path, backend, capsys):
    """A checkpoint that cannot continue is not an error: the sweep says why, drops the
    interrupted run and trains its config from the start, ending as a run never interrupted."""
    from reglab.population import train_population

    spec = {**SWEEP, "name": "again", "backend": backend, "base": {**SWEEP["base"], "epochs": 3}, "parameters": {"optimizer.lr": [0.1, 0.01]}}
    configs = [point.config for point in expand_sweep(load_sweep(spec))]
    cut, whole = RunStore(tmp_path / "cut"), RunStore(tmp_path / "whole")
    with pytest.raises(KeyboardInterrupt):
        train_population(configs, store=cut, sweep="again", callbacks=[InterruptAtEpoch3()])
    interrupted = [run.id for run in cut.runs(sweep="again")]
    assert len(interrupted) == 2
    for run_id in interrupted:
        give_checkpoint_a_wrong_shape(cut, run_id)

    result = run_sweep(spec, store=cut, quiet=False)
    assert (result.statuses, result.trained) == ({"completed": 2}, 2)
    said = capsys.readouterr()
    assert re.search(r"trains? again", " ".join((said.out + said.err).split()))
    runs = cut.runs(sweep="again")
    assert len(runs) == 2 and not {run.id for run in runs} & set(interrupted)
    assert not any(cut.run_dir(run_id).exists() for run_id in interrupted)
    run_sweep(spec, store=whole, quiet=True)
    reference = {config_hash(run.config): run for run in whole.runs(sweep="again")}
    for run in runs:
        expected = reference[config_hash(run.config)]
        assert [row["val/loss"] for row in cut.history(run.id)] == [row["val/loss"] for row in whole.history(expected.id)]
        assert len(cut.history(run.id)) == 3
