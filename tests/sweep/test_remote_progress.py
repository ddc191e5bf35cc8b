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


def _counting_transactions(store) -> list[int]:
    """Counts the store's write transactions (one entry each)."""
    opened, transaction = [], store._transaction
    store._transaction = lambda: (opened.append(1), transaction())[1]
    return opened


def test_a_members_epochs_are_written_once_and_its_record_adds_only_what_the_live_run_lacks(tmp_path):
    """The epochs reported live are not written again as the task returns; a member's dropped
    report (epoch 1) and one not read yet (epoch 3) are, in one transaction."""
    from reglab.store import RunStore
    from reglab.sweep.backends.remote_members import MemberResult, record_member
    from tests.conftest import tiny_digits

    store = RunStore(tmp_path / "store")
    tasks = TaskProgress(_Ray(), _progress(total=2), store, "grid")
    configs = [tiny_digits(epochs=3), tiny_digits(epochs=3, **{"optimizer.lr": 0.2})]
    hook = tasks.reporter(0, configs)()
    history = {member: [{"epoch": epoch, "val/acc": 0.1 * epoch + member, "loss/l1": float("nan")} for epoch in (1, 2, 3)] for member in (0, 1)}
    for epoch in (1, 2, 3):
        hook(0, history[0][epoch - 1])
    hook(1, history[1][1])  # member 1's epoch 1 report is lost, its epoch 3 not read yet
    opened = _counting_transactions(store)
    tasks.poll()
    assert len(opened) == 2 + 2  # each member: its run started, then its epochs of this poll at once
    for member in (0, 1):
        opened.clear()
        run_id = record_member(store, "grid", MemberResult(configs[member], "completed", history[member], {"epochs": 3}), tasks.live_run(0, member))
        assert len(opened) == (1 if member == 0 else 2)  # member 0: its status only; member 1: epochs 1 and 3, then its status
        got = store.history(run_id)
        assert [row["epoch"] for row in got] == [1, 2, 3]
        assert [row["val/acc"] for row in got] == pytest.approx([row["val/acc"] for row in history[member]])
        assert store.get_run(run_id).status == "completed" and store.get_run(run_id).epochs == 3
    store.close()


def test_the_epochs_to_write_are_those_missing_or_differing_as_the_store_keeps_them():
    from reglab.sweep.backends.remote_members import epochs_to_write

    stored = [{"epoch": 1, "a": 0.5, "b": float("nan")}, {"epoch": 2, "a": 0.25, "b": 1.0}, {"epoch": 3, "a": 1.0}]
    history = [
        {"epoch": 1, "a": 0.5, "b": float("inf")},  # held: the store keeps a non-finite value as NULL
        {"epoch": 2, "a": 0.3, "b": 1.0},           # another value
        {"epoch": 3, "a": 1.0, "c": 2.0},           # another key
        {"epoch": 4, "a": 1.0},                     # missing
    ]
    assert [row["epoch"] for row in epochs_to_write(stored, history)] == [2, 3, 4]
    assert epochs_to_write([], history) == history
