"""Epochs of members that train in Ray tasks, shown and stored by the driver as they happen.

A Ray task returns only when its whole population has trained, so a sweep's bar would
sit still for a population's whole training and then jump, and the store (`reglab runs
list`, the dashboard) would hold none of its members until then. Instead each task's
members report every epoch to a small actor, and the driver polls it while it waits:

    worker, each member epoch               driver, every POLL_SECONDS
    tally.add.remote(task, member,  ──▶  EpochTally.take() ──▶ progress.step(the shares)
                     share, row)                            ──▶ store: the member's run
                                                                started, its rows written
    task returns ───────────────────────────────────────────▶ record_member completes
                                                                the run; advance(settled)

The reports are fire-and-forget: the worker never waits on the driver, and a report
that arrives after its task's result was recorded is dropped (`record_member` writes
the epochs the live run lacks, `advance` settles the whole config). The epochs of one
member read in one poll are written in one transaction. A share is 1/epochs of a config,
capped at one config per member (`reglab.sweep.member_epochs.epoch_shares_hook`, the hook
every backend uses). Live runs of a task that fails or is cut short end `failed` or
`interrupted`; a driver killed outright leaves them `running`, which the next open of the
store marks `interrupted`; either way a rerun of the sweep trains those configs again.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Mapping, Sequence

from reglab.sweep.member_epochs import EpochHook, epoch_shares_hook
from reglab.sweep.progress import SweepProgress

__all__ = ["ANSWER_SECONDS", "EpochTally", "POLL_SECONDS", "TaskProgress", "reporting_factory"]

POLL_SECONDS = 0.5
ANSWER_SECONDS = 0.05  # a poll's wait for the tally's answer


class EpochTally:
    """Member epochs reported since the driver last asked, per (task, member): the shares of
    configs trained and the epochs' metric rows (a Ray actor's class)."""

    def __init__(self) -> None:
        self._reports: dict[tuple[int, int], tuple[float, list[dict[str, float]]]] = {}

    def add(self, task: int, member: int, share: float, row: dict[str, float]) -> None:
        shown, rows = self._reports.get((task, member), (0.0, []))
        self._reports[task, member] = (shown + share, [*rows, row])

    def take(self) -> dict[tuple[int, int], tuple[float, list[dict[str, float]]]]:
        reports, self._reports = self._reports, {}
        return reports


def _tally_actor(ray: Any) -> Any:
    """The tally actor, reserving no CPU, on the driver's node where Ray can (it lives as long
    as the driver does)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=True)
    return ray.remote(num_cpus=0, scheduling_strategy=here)(EpochTally).remote()


def reporting_factory(tally: Any, task: int, configs: Sequence[Mapping[str, Any]], factory: Callable[[], EpochHook] | None) -> Callable[[], EpochHook]:
    """The `on_epoch` factory a task runs on its worker: `epoch_shares_hook` sending each
    member epoch's share and metrics row to `tally`, around the hook `factory` builds."""
    epochs = [int(config.get("epochs", 1)) for config in configs]
    return lambda: epoch_shares_hook(partial(_send, tally, task), epochs, factory() if factory is not None else None)


def _send(tally: Any, task: int, member: int, share: float, metrics: Mapping[str, float]) -> None:
    tally.add.remote(task, member, share, dict(metrics))  # fire and forget: the worker never waits on the driver


class TaskProgress:
    """On the driver: the tally actor, the running tasks, each member's share shown so far and,
    with a store, each member's live run.

    With `store`, a member's run is started in the store at its first reported epoch and
    each epoch's row is written as it arrives, so `reglab runs list` and the dashboard show
    the members of a task while it trains; `record_member` completes the same run when the
    task returns.

    Example:
        >>> tasks = TaskProgress(ray, progress, store, "grid")
        >>> ref = trainer.remote(configs, ..., tasks.reporter(task, configs))
        >>> tasks.poll()                                            # while waiting
        >>> record_member(store, "grid", result, tasks.live_run(task, member))
        >>> progress.advance(settled=tasks.settle(task, member))    # as each member is recorded
        >>> tasks.finish(task)
    """

    def __init__(self, ray: Any, progress: SweepProgress, store: Any = None, sweep: str | None = None) -> None:
        self.ray, self.progress, self.store, self.sweep = ray, progress, store, sweep
        self.tally: Any = _tally_actor(ray)
        self._asked: Any = None  # the tally's `take` not read yet
        self.configs: dict[int, Sequence[Mapping[str, Any]]] = {}  # the running tasks' configs
        self.shown: dict[tuple[int, int], float] = {}
        self.live: dict[tuple[int, int], str] = {}  # (task, member) -> run id in the store

    def reporter(self, task: int, configs: Sequence[Mapping[str, Any]], factory: Callable[[], EpochHook] | None = None) -> Callable[[], EpochHook] | None:
        """The `on_epoch` factory to send with `task` (wrapping `factory`, e.g. Optuna's pruner);
        the task's reports count from now on."""
        self.configs[task] = configs
        if self.tally is None:
            return factory
        return reporting_factory(self.tally, task, configs, factory)

    def poll(self) -> None:
        """Show the epochs reported since the last poll, all at once, and write their rows
        (reports of finished tasks are dropped).

        Waits at most ANSWER_SECONDS for the tally: a question it has not answered yet (a
        busy node takes seconds to start the actor's worker) is read by a later poll, so
        a slow start only delays the display. If the tally is lost (its actor died), the
        progress moves only as tasks return, as it did without it: the sweep itself goes on."""
        if self.tally is None:
            return
        if self._asked is None:
            self._asked = self.tally.take.remote()
        ready, _ = self.ray.wait([self._asked], timeout=ANSWER_SECONDS)
        if not ready:
            return
        asked, self._asked = self._asked, None
        try:
            reports = self.ray.get(asked)
        except self.ray.exceptions.RayError:
            self.tally = None
            return
        total = 0.0
        for (task, member), (share, rows) in reports.items():
            if task not in self.configs:
                continue
            self.shown[task, member] = self.shown.get((task, member), 0.0) + share
            total += share
            if self.store is not None:
                self.store.log_epochs(self.live_run(task, member) or self._start_run(task, member), rows)
        if total:
            self.progress.step(total)

    def _start_run(self, task: int, member: int) -> str:
        config = dict(self.configs[task][member])
        self.live[task, member] = self.store.start_run(config.get("name", "run"), config, sweep=self.sweep)
        return self.live[task, member]

    def live_run(self, task: int, member: int) -> str | None:
        """The run the store holds for `task`'s `member` while it trains, or None."""
        return self.live.get((task, member))

    def settle(self, task: int, member: int) -> float:
        """The part of `task`'s `member` shown so far (for `advance(settled=…)` as it is recorded)."""
        return self.shown.pop((task, member), 0.0)

    def end_run(self, task: int, member: int, status: str, error: str | None) -> None:
        """End `task`'s `member`'s live run with `status` unless it was recorded (a rerun of
        the sweep trains a failed or interrupted config again)."""
        run_id = self.live.pop((task, member), None)
        stored = self.store.get_run(run_id) if run_id is not None else None
        if stored is not None and stored.status == "running":
            self.store.finish_run(run_id, status, {}, error)

    def finish(self, task: int, status: str = "failed", error: str | None = None) -> float:
        """`task` is recorded, or failed or was cut short: later reports are dropped, and its
        live runs not recorded end with `status`. Returns the part of its members shown and
        not settled yet."""
        self.configs.pop(task, None)
        for _, member in [key for key in self.live if key[0] == task]:
            self.end_run(task, member, status, error)
        return sum(self.shown.pop(key) for key in [key for key in self.shown if key[0] == task])
