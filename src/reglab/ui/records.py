"""One run as the dashboard's tables hold it, and the rules for its columns."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

__all__ = ["MISSING", "IDENTITY_KEYS", "RunRecord", "headline_metric", "parse_time", "process_alive"]

IDENTITY_KEYS = ("id", "name", "status", "sweep", "epochs", "started_at", "ended_at", "duration_s", "best_epoch")
MISSING = object()  # a column the run does not have (a key its config lacks, a metric it never logged)


@lru_cache(maxsize=None)
def headline_metric(key: str) -> bool:
    """Metric keys shown in tables: `train/loss`, `test/acc`, `lr`, `*/total`, `final_eval/*`.

    Per-layer trajectory keys (`param/l2/hidden.0.linear.weight`) stay on the run page.
    """
    return key.startswith("final_eval/") or key.count("/") <= 1 or key.endswith("/total")


def parse_time(text: str | None) -> float | None:
    """Seconds since the epoch from the store's ISO time, or None."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (signal 0 sends nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


@dataclass
class RunRecord:
    """One run as the tables need it."""

    rowid: int
    id: str
    name: str
    status: str
    sweep: str | None
    epochs: int
    started_at: str
    ended_at: str | None
    host: str
    pid: int
    config_changes: dict[str, Any]
    metrics: dict[str, float]
    best_epoch: int | None
    stale: bool = False
    text: str = ""
    started_s: float | None = None
    ended_s: float | None = None

    def duration_s(self, now: float) -> float | None:
        if self.started_s is None or (self.stale and self.ended_s is None):
            return None
        end = self.ended_s if self.ended_s is not None else (now if self.status == "running" else None)
        return None if end is None else max(0.0, end - self.started_s)

    def eta_s(self, planned: Any, now: float) -> float | None:
        """Seconds left at the mean epoch time so far (running runs only)."""
        if self.status != "running" or self.stale or self.started_s is None or not self.epochs:
            return None
        if not isinstance(planned, int) or planned <= self.epochs:
            return 0.0 if isinstance(planned, int) else None
        return (now - self.started_s) / self.epochs * (planned - self.epochs)
