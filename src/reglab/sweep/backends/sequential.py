"""The sequential backend: `reglab.train` for one config after another."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from reglab.sweep.backends.context import SweepContext
from reglab.sweep.expand import SweepPoint
from reglab.sweep.member_epochs import MemberShares, single_run_callback

__all__ = ["continue_or_train", "describe_point", "run_sequential"]


def describe_point(point: SweepPoint) -> str:
    """`optimizer.lr=0.1 seed=2`: the swept values of a config."""
    return " ".join(f"{key}={value}" for key, value in point.values.items()) or point.config.name


def continue_or_train(config, store, sweep: str, continued: str | None, callbacks: list, restart: Callable[[str], None]) -> Any:
    """The Run: the interrupted run `continued` continued from its checkpoint
    (`reglab.resume`), or `config` trained anew when there is none, or when its units
    cannot continue, after `restart(reason)` (which drops the old run). Every backend of
    single runs resumes so."""
    from reglab.config import ConfigError
    from reglab.engine.run import resume, train

    if continued is not None:
        try:
            return resume(continued, store=store, callbacks=callbacks)
        except ConfigError as reason:  # a run whose units cannot continue: trained anew
            restart(f"run {continued[:8]} trains again: {reason}")
    return train(config, store=store, sweep=sweep, callbacks=callbacks)


def run_sequential(points: Sequence[SweepPoint], context: SweepContext, claimed: bool = False) -> None:
    """Train each config as a single run, claimed first (a config another process claimed
    or finished is skipped; `claimed`: the caller holds the claims); a failure is logged and
    the sweep goes on. An interrupted run with a checkpoint continues (`reglab.resume`).
    The progress moves with every epoch."""
    shares = MemberShares(context.progress)
    for point in points:
        if not claimed and not context.claim([point]):
            continue
        callbacks = [single_run_callback(shares.hook([point.config.epochs]))]

        def restart(note: str, point: SweepPoint = point) -> None:
            context.progress.note(note)
            context.start_over([point])

        try:
            context.trained += 1
            continue_or_train(point.config, context.store, context.sweep, context.continued_run(point), callbacks, restart)
        except Exception as error:  # stored as failed (by train(), or here if its run never started); the others still run
            context.failed(describe_point(point), error, [point])
        finally:
            if not claimed:
                context.release([point])
        context.progress.advance(settled=shares.settle(0))
