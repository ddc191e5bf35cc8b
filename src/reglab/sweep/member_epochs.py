"""Members' epochs shown as parts of their configs on a sweep's progress.

A population's members finish together at its last epoch, and a single run may train for
minutes, so a sweep counts each epoch as 1/epochs of its config (`SweepProgress.step`)
and settles that part when the config is recorded (`SweepProgress.advance(settled=...)`).
The hook is the same wherever the members train: in this process (population and
sequential backends, Optuna searches: `MemberShares`), in a worker process, which puts
its shares on a queue (`backends.processes`), or in a Ray task, which sends them to the
driver (`backends.remote_progress`). A single run takes the hook as a callback
(`single_run_callback`).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from reglab.contract.events import Callback, EpochRecord
from reglab.sweep.progress import SweepProgress

__all__ = ["EpochHook", "MemberShares", "epoch_shares_hook", "single_run_callback"]

# (member index, epoch metrics) -> a Stop, a function returning one, or None
EpochHook = Callable[[int, Mapping[str, float]], Any]


def epoch_shares_hook(
    report: Callable[[int, float, Mapping[str, float]], Any], epochs: Sequence[int], hook: EpochHook | None = None,
    show: Callable[[], None] | None = None,
) -> EpochHook:
    """The epoch hook that calls `report(member, share, metrics)` after each member epoch (share:
    1/epochs of a config, capped at one config per member: a lottery ticket trains more epochs
    than `epochs`, its later epochs have share 0), then runs `hook` (Optuna pruning).

    Without `show` it returns what `hook` returns. With `show`, it returns a function that
    calls `show` and then gives `hook`'s answer: a population calls it once its members have
    all reported the epoch (`train_population(on_member_epoch=...)`), so the progress is
    drawn once per epoch with every member counted (drawn after the first member, a line
    counted that member only, and its ETA was many times too long)."""
    counted: dict[int, float] = {}

    def report_epoch(member: int, metrics: Mapping[str, float]) -> Any:
        share = max(min(1.0 / max(int(epochs[member]), 1), 1.0 - counted.get(member, 0.0)), 0.0)
        counted[member] = counted.get(member, 0.0) + share
        report(member, share, metrics)
        answer = hook(member, metrics) if hook is not None else None
        if show is None:
            return answer

        def shown_then_answer() -> Any:
            show()
            return answer() if callable(answer) else answer

        return shown_then_answer

    return report_epoch


class MemberShares:
    """The parts of configs shown on `progress` so far, per member, for members training here.

    Example:
        >>> shares = MemberShares(progress)
        >>> train_population(configs, on_member_epoch=shares.hook([c.epochs for c in configs]), ...)
        >>> progress.advance(settled=shares.settle(member))   # as each member is recorded
    """

    def __init__(self, progress: SweepProgress) -> None:
        self.progress = progress
        self.shown: dict[int, float] = {}

    def hook(self, epochs: Sequence[int], inner: EpochHook | None = None) -> EpochHook:
        """The epoch hook for members with `epochs` epochs each, around `inner` (Optuna pruning)."""
        return epoch_shares_hook(self._count, epochs, inner, show=self.progress.show)

    def _count(self, member: int, share: float, metrics: Mapping[str, float]) -> None:
        self.shown[member] = self.shown.get(member, 0.0) + share
        self.progress.step(share, show=False)

    def settle(self, member: int | None) -> float:
        """The part of `member`'s config shown so far, now settled."""
        return self.shown.pop(member, 0.0) if member is not None else 0.0

    def settle_all(self) -> float:
        """The parts shown of every member not settled yet (a population that failed)."""
        total = sum(self.shown.values())
        self.shown.clear()
        return total


class _EpochHookCallback(Callback):
    """A per-member epoch hook as a single run's observer callback."""

    kind = "observer"

    def __init__(self, hook: EpochHook, member: int) -> None:
        self.hook, self.member = hook, member

    def on_epoch_end(self, record: EpochRecord) -> Any:
        asked = self.hook(self.member, {**record.metrics, "epoch": record.epoch})
        return asked() if callable(asked) else asked


def single_run_callback(hook: EpochHook, member: int = 0) -> Callback:
    """`hook(member, metrics)` run after every epoch of one `reglab.train` run (a Stop or a
    function returning one, as a population's hook may return, is the run's answer)."""
    return _EpochHookCallback(hook, member)
