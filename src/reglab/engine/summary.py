"""The run summary: best epoch, final metrics, stop information."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

__all__ = ["best_epoch", "default_monitor", "summarize"]


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


def summarize(history: Sequence[Mapping[str, float]], status: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """Summary dict stored with the run (and printed by `--json`)."""
    monitor, mode = default_monitor(history)
    best = best_epoch(history, monitor, mode)
    final = dict(history[-1]) if history else {}
    summary: dict[str, Any] = {
        "status": status,
        "epochs": len(history),
        "best_epoch": best,
        "best_monitor": monitor,
        "best": dict(history[best - 1]) if best else {},
        "final": final,
        "time/total": sum(row.get("time/epoch", 0.0) for row in history),
    }
    summary.update(extra)
    return summary
