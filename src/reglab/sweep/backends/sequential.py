"""The sequential backend: `reglab.train` for one config after another."""

from __future__ import annotations

from typing import Sequence

from reglab.sweep.backends.context import SweepContext
from reglab.sweep.expand import SweepPoint
from reglab.sweep.member_epochs import MemberShares, single_run_callback

__all__ = ["run_sequential", "describe_point"]


def describe_point(point: SweepPoint) -> str:
    """`optimizer.lr=0.1 seed=2`: the swept values of a config."""
    return " ".join(f"{key}={value}" for key, value in point.values.items()) or point.config.name


def run_sequential(points: Sequence[SweepPoint], context: SweepContext, claimed: bool = False) -> None:
    """Train each config as a single run, claimed first (a config another process claimed
    or finished is skipped; `claimed`: the caller holds the claims); a failure is logged and
    the sweep goes on. An interrupted run with a checkpoint continues (`reglab.resume`).
    The progress moves with every epoch."""
    from reglab.config import ConfigError
    from reglab.engine.run import resume, train

    shares = MemberShares(context.progress)
    for point in points:
        if not claimed and not context.claim([point]):
            continue
        callbacks = [single_run_callback(shares.hook([point.config.epochs]))]
        try:
            context.trained += 1
            run_id = context.continued_run(point)
            continued = False
            if run_id is not None:
                try:
                    resume(run_id, store=context.store, callbacks=callbacks)
                    continued = True
                except ConfigError as reason:  # a run whose units cannot continue: trained anew
                    context.progress.note(f"run {run_id[:8]} trains again: {reason}")
                    context.start_over([point])
            if not continued:
                train(point.config, store=context.store, sweep=context.sweep, callbacks=callbacks)
        except Exception as error:  # recorded as failed by train(); the other configs still run
            context.failed(describe_point(point), error)
        finally:
            if not claimed:
                context.release([point])
        context.progress.advance(settled=shares.settle(0))
