"""Stopping a shard's epoch early: when one shard fails or Ctrl-C reaches the caller.

Shards step in worker threads (`reglab.population.shards.ShardThreads`), and Python
delivers Ctrl-C to the main thread only. A worker would otherwise train its epoch to the
end (a minute, for a large population) before the command could exit. Each worker
runs with its pool's cancel event (`cancelled_by`); the loop calls `stop_if_cancelled`
at every step and evaluation batch, which raises `ShardCancelled` once the event is set.
The weights are then those after a whole step, as after a Ctrl-C between two steps of
one shard.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["ShardCancelled", "cancelled_by", "stop_if_cancelled"]

_worker = threading.local()  # the cancel event of the pool running this thread's shard


class ShardCancelled(Exception):
    """Raised in a shard's thread at its next step once its epoch was abandoned."""


@contextmanager
def cancelled_by(event: threading.Event) -> Iterator[None]:
    """Run the block (a shard's phase, on a worker thread) under `event`."""
    _worker.event = event
    try:
        yield
    finally:
        _worker.event = None


def stop_if_cancelled() -> None:
    """Raise `ShardCancelled` when this thread's shard was abandoned (no-op elsewhere)."""
    event = getattr(_worker, "event", None)
    if event is not None and event.is_set():
        raise ShardCancelled
