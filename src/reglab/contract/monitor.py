"""Which metric picks a run's best epoch, and which epoch that is."""

from __future__ import annotations

import math
from typing import Mapping, Sequence

__all__ = ["best_epoch", "default_monitor"]


def default_monitor(history: Sequence[Mapping[str, float]]) -> tuple[str, str]:
    """The metric that picks the best epoch, and whether higher is better.

    val/acc (max) when present, else val/loss (min), else train/loss (min).
    """
    last = history[-1] if history else {}
    if "val/acc" in last:
        return "val/acc", "max"
    if "val/loss" in last:
        return "val/loss", "min"
    return "train/loss", "min"


def best_epoch(history: Sequence[Mapping[str, float]], key: str, mode: str) -> int | None:
    """Epoch number with the best finite value of `key` (the first one on ties)."""
    best, best_value = None, None
    for row in history:
        value = row.get(key)
        if value is None or not math.isfinite(value):
            continue
        if best_value is None or (value > best_value if mode == "max" else value < best_value):
            best, best_value = int(row["epoch"]), value
    return best
