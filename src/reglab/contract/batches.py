"""How an epoch is cut into batches: the same offsets for one run and for every member."""

from __future__ import annotations

__all__ = ["batch_starts"]


def batch_starts(count: int, batch_size: int) -> list[int]:
    """Start offsets of the batches of an epoch; a trailing batch of one sample is dropped
    (batch norm cannot normalise a single sample)."""
    starts = list(range(0, count, batch_size))
    if len(starts) > 1 and count - starts[-1] == 1:
        starts.pop()
    return starts
