"""Epochs of members that train in Ray tasks, shown by the driver's progress as they happen.

A Ray task returns only when its whole population has trained, so a sweep's bar would
sit still for a population's whole training and then jump. Instead each task's members
report every epoch to a small actor, and the driver polls it while it waits:

    worker (each member epoch)                 driver (every POLL_SECONDS)
    tally.add.remote(task, member, 1/epochs) ──▶ EpochTally ── take() ──▶ progress.step(sum)
    task returns                                 each member recorded  ──▶ progress.advance(settled=…)

The reports are fire-and-forget: the worker never waits on the driver, and a report
that arrives after its task's result was recorded is dropped (`advance` settles the
whole config then). Shares are capped at one config per member, as the population
backend caps them (`reglab.sweep.member_epochs.epoch_shares_hook`, the hook every backend
uses).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Mapping, Sequence

from reglab.sweep.member_epochs import EpochHook, epoch_shares_hook
from reglab.sweep.progress import SweepProgress

__all__ = ["EpochTally", "POLL_SECONDS", "TaskProgress", "reporting_factory"]

POLL_SECONDS = 0.5
TALLY_SECONDS = 10.0


class EpochTally:
    """Shares of configs trained, per (task, member), since the driver last asked (a Ray actor's class)."""

    def __init__(self) -> None:
        self._shares: dict[tuple[int, int], float] = {}

    def add(self, task: int, member: int, share: float) -> None:
        self._shares[task, member] = self._shares.get((task, member), 0.0) + share

    def take(self) -> dict[tuple[int, int], float]:
        shares, self._shares = self._shares, {}
        return shares


def _tally_actor(ray: Any) -> Any:
    """The tally actor, reserving no CPU, on the driver's node where Ray can (it lives as long
    as the driver does)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=True)
    return ray.remote(num_cpus=0, scheduling_strategy=here)(EpochTally).remote()


def reporting_factory(tally: Any, task: int, configs: Sequence[Mapping[str, Any]], factory: Callable[[], EpochHook] | None) -> Callable[[], EpochHook]:
    """The `on_epoch` factory a task runs on its worker: `epoch_shares_hook` sending each share
    to `tally`, around the hook `factory` builds."""
    epochs = [int(config.get("epochs", 1)) for config in configs]
    return lambda: epoch_shares_hook(partial(_send, tally, task), epochs, factory() if factory is not None else None)


def _send(tally: Any, task: int, member: int, share: float) -> None:
    tally.add.remote(task, member, share)  # fire and forget: the worker never waits on the driver


class TaskProgress:
    """On the driver: the tally actor, the running tasks and each member's share shown so far.

    Example:
        >>> tasks = TaskProgress(ray, progress)
        >>> ref = trainer.remote(configs, ..., tasks.reporter(task, configs))
        >>> tasks.poll()                                            # while waiting
        >>> progress.advance(settled=tasks.settle(task, member))    # as each member is recorded
        >>> tasks.finish(task)
    """

    def __init__(self, ray: Any, progress: SweepProgress) -> None:
        self.ray, self.progress = ray, progress
        self.tally: Any = _tally_actor(ray)
        self.running: set[int] = set()
        self.shown: dict[tuple[int, int], float] = {}

    def reporter(self, task: int, configs: Sequence[Mapping[str, Any]], factory: Callable[[], EpochHook] | None = None) -> Callable[[], EpochHook] | None:
        """The `on_epoch` factory to send with `task` (wrapping `factory`, e.g. Optuna's pruner);
        the task's reports count from now on."""
        self.running.add(task)
        if self.tally is None:
            return factory
        return reporting_factory(self.tally, task, configs, factory)

    def poll(self) -> None:
        """Show the epochs reported since the last poll, all at once (those of finished tasks are dropped).

        If the tally is lost or does not answer within TALLY_SECONDS, the progress moves only
        as tasks return, as it did without it: the sweep itself goes on."""
        if self.tally is None:
            return
        try:
            shares = self.ray.get(self.tally.take.remote(), timeout=TALLY_SECONDS)
        except self.ray.exceptions.RayError:
            self.tally = None
            return
        total = 0.0
        for (task, member), share in shares.items():
            if task in self.running:
                self.shown[task, member] = self.shown.get((task, member), 0.0) + share
                total += share
        if total:
            self.progress.step(total)

    def settle(self, task: int, member: int) -> float:
        """The part of `task`'s `member` shown so far (for `advance(settled=…)` as it is recorded)."""
        return self.shown.pop((task, member), 0.0)

    def finish(self, task: int) -> float:
        """`task` is recorded (or failed): later reports are dropped; returns the part of its
        members shown and not settled yet."""
        self.running.discard(task)
        return sum(self.shown.pop(key) for key in [key for key in self.shown if key[0] == task])
