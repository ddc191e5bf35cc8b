"""The run summary: best epoch, final metrics, stop information."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from reglab.contract.monitor import best_epoch, default_monitor

__all__ = ["summarize"]


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
