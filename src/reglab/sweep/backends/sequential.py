"""The sequential backend: `reglab.train` for one config after another."""

from __future__ import annotations

from typing import Sequence

from reglab.sweep.backends.context import SweepContext
from reglab.sweep.expand import SweepPoint

__all__ = ["run_sequential", "describe_point"]


def describe_point(point: SweepPoint) -> str:
    """`optimizer.lr=0.1 seed=2`: the swept values of a config."""
    return " ".join(f"{key}={value}" for key, value in point.values.items()) or point.config.name


def run_sequential(points: Sequence[SweepPoint], context: SweepContext) -> None:
    """Train each config as a single run, claimed first (a config another process claimed
    or finished is skipped); a failure is logged and the sweep goes on."""
    from reglab.engine.run import train

    for point in points:
        if not context.claim([point]):
            continue
        try:
            context.trained += 1
            train(point.config, store=context.store, sweep=context.sweep)
        except Exception as error:  # recorded as failed by train(); the other configs still run
            context.failed(describe_point(point), error)
        finally:
            context.release([point])
        context.progress.advance()
