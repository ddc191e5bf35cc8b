"""Members training in Ray tasks move the driver's progress every epoch (`remote_progress`).

Ray itself is replaced by a stand-in that runs actor calls at once; the Ray backend's
tests run the real thing on a local cluster.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import reglab.sweep.backends.remote_progress as remote_progress
from reglab.sweep.backends.remote_progress import EpochTally, TaskProgress
from reglab.sweep.progress import SweepProgress


class _Call:
    def __init__(self, method):
        self.remote = method


class _Actor:
    """An actor handle whose `method.remote(...)` runs the method now and returns its value."""

    def __init__(self, instance):
        self.instance = instance

    def __getattr__(self, name):
        return _Call(getattr(self.instance, name))


class _Ray:
    class exceptions:
        class RayError(Exception):
            pass

    def remote(self, **resources):
        assert resources["num_cpus"] == 0  # the tally never takes a task's CPU
        return lambda cls: _Call(lambda *args: _Actor(cls(*args)))

    def get(self, value, timeout=None):
        if isinstance(value, Exception):
            raise value
        return value

    def wait(self, values, timeout=None):
        return values, []  # every call has been answered


@pytest.fixture(autouse=True)
def tally_here(monkeypatch):
    """The tally as the stand-in's actor (the real one is pinned to the driver's node)."""
    monkeypatch.setattr(remote_progress, "_tally_actor", lambda ray: ray.remote(num_cpus=0)(EpochTally).remote())


def _progress(total: int) -> SweepProgress:
    return SweepProgress("grid", total=total, done=0, console=Console(file=io.StringIO(), width=80), enabled=False)


def test_the_driver_shows_reports_of_running_tasks_and_settles_them_member_by_member():
    progress = _progress(total=4)
    tasks = TaskProgress(_Ray(), progress)
    configs = [{"epochs": 4}, {"epochs": 4}]
    hooks = {task: tasks.reporter(task, configs)() for task in (0, 1)}
    for member in (0, 1):
        hooks[0](member, {})
        hooks[1](member, {})
    hooks[0](0, {})
    tasks.poll()
    assert progress.partial == pytest.approx(1.25)  # five member epochs of 4-epoch configs
    assert tasks.settle(0, 0) == pytest.approx(0.5)
    assert tasks.settle(0, 1) == pytest.approx(0.25)
    assert tasks.finish(0) == 0.0
    hooks[0](1, {})  # a report that arrives after its task was recorded is dropped
    hooks[1](0, {})
    tasks.poll()
    assert progress.partial == pytest.approx(1.5)
    assert tasks.finish(1) == pytest.approx(0.75)  # a failed task: what it had shown, to settle at once


def test_a_lost_tally_leaves_the_progress_to_the_tasks_results_and_the_sweep_goes_on():
    ray = _Ray()
    progress = _progress(total=2)
    tasks = TaskProgress(ray, progress)
    hook = tasks.reporter(0, [{"epochs": 2}])()
    hook(0, {})

    class Lost:
        take = _Call(lambda: ray.exceptions.RayError("the actor died"))

    tasks.tally = Lost()
    tasks.poll()  # no exception: the tally is dropped
    assert tasks.tally is None and progress.partial == 0.0
    assert tasks.reporter(1, [{"epochs": 2}], None) is None  # later tasks report nowhere
    assert tasks.finish(0) == 0.0


def test_a_tally_slow_to_answer_is_read_by_a_later_poll():
    """A tally whose worker is still starting delays the display; it is not taken for lost
    (a 10 s timeout used to turn the per-epoch progress off for the whole sweep)."""

    class Starting(_Ray):
        answered = False

        def wait(self, values, timeout=None):
            assert timeout == remote_progress.ANSWER_SECONDS  # the driver never waits long
            return (values, []) if self.answered else ([], values)

    ray = Starting()
    progress = _progress(total=2)
    tasks = TaskProgress(ray, progress)
    hook = tasks.reporter(0, [{"epochs": 2}])()
    hook(0, {})
    tasks.poll()
    tasks.poll()
    assert tasks.tally is not None and progress.partial == 0.0
    ray.answered = True
    tasks.poll()
    assert progress.partial == pytest.approx(0.5)


def test_with_a_store_members_runs_are_written_as_their_epochs_arrive(tmp_path):
    """The dashboard sees a task's members while it trains; the result completes the same runs."""
    from reglab.store import RunStore
    from reglab.sweep.backends.remote_members import MemberResult, record_member
    from tests.conftest import tiny_digits

    store = RunStore(tmp_path / "store")
    tasks = TaskProgress(_Ray(), _progress(total=4), store, "grid")
    configs = [{**tiny_digits(epochs=3), "name": f"lr {lr}", "optimizer": {"lr": lr}} for lr in (0.1, 0.2)]
    hooks = {task: tasks.reporter(task, configs)() for task in (0, 1)}
    for epoch in (1, 2):
        for member in (0, 1):
            hooks[0](member, {"epoch": epoch, "val/acc": 0.1 * epoch + member})
    hooks[1](0, {"epoch": 1, "val/acc": 0.7})
    tasks.poll()
    live = {run.id: run for run in store.runs(sweep="grid")}
    assert sorted(run.status for run in live.values()) == ["running"] * 3
    first = tasks.live_run(0, 0)
    assert [row["val/acc"] for row in store.history(first)] == pytest.approx([0.1, 0.2])
    assert live[first].config["name"] == "lr 0.1"

    history = [{"epoch": epoch, "val/acc": 0.1 * epoch} for epoch in (1, 2, 3)]
    recorded = record_member(store, "grid", MemberResult(configs[0], "completed", history, {"epochs": 3}), first)
    assert recorded == first and store.get_run(first).status == "completed"
    assert [row["val/acc"] for row in store.history(first)] == pytest.approx([0.1, 0.2, 0.3])
    tasks.end_run(0, 1, "failed", "ValueError: member 1 broke")  # a member whose training raised
    tasks.finish(0)
    tasks.finish(1, "interrupted", "the sweep was stopped")  # Ctrl-C while task 1 trained
    statuses = {run.id: run.status for run in store.runs(sweep="grid")}
    assert sorted(statuses.values()) == ["completed", "failed", "interrupted"]
    assert store.get_run([run_id for run_id, status in statuses.items() if status == "failed"][0]).error == "ValueError: member 1 broke"
    store.close()
