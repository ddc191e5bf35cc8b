"""The runs at one refresh of the index, with the views computed from them kept for reuse."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from reglab.ui.records import MISSING, RunRecord

__all__ = ["Snapshot", "varying_keys", "metric_order"]

CACHED_VIEWS = 32  # views kept per snapshot; a new snapshot starts empty


@dataclass
class Snapshot:
    """The index's content at one refresh: records in start order plus the key lists."""

    records: list[RunRecord]
    baseline: dict[str, Any]
    config_keys: list[str]
    metric_keys: list[str]
    version: int
    by_id: dict[str, RunRecord] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict)
    cache_lock: threading.Lock = field(default_factory=threading.Lock)

    def remember(self, key: Any, value: Any) -> Any:
        """Keep a computed view of this snapshot (filtered, sorted runs; columns) for reuse."""
        with self.cache_lock:
            if len(self.cache) >= CACHED_VIEWS:
                self.cache.pop(next(iter(self.cache)))
            self.cache[key] = value
        return value

    def getter(self, key: str) -> Callable[[RunRecord], Any]:
        """A fast function record → value of column `key` (MISSING when the run lacks it)."""
        if key in self.metric_set:
            return lambda record: record.metrics.get(key, MISSING)
        if key in ("id", "name", "status", "sweep", "epochs", "started_at", "ended_at", "best_epoch"):
            return lambda record: _none_missing(getattr(record, key))
        if key == "duration_s":
            return lambda record: _none_missing(record.duration_s(time.time()))
        default = self.baseline.get(key, MISSING)
        return lambda record: record.config_changes.get(key, default)

    @property
    def metric_set(self) -> set[str]:
        found = self.cache.get("metric_set")
        return found if found is not None else self.remember("metric_set", set(self.metric_keys))

    def value(self, record: RunRecord, key: str) -> tuple[bool, Any]:
        """(present, value) of any column for one run; (False, None) when it lacks the column."""
        value = self.getter(key)(record)
        return (False, None) if value is MISSING else (True, value)


def _none_missing(value: Any) -> Any:
    return MISSING if value is None else value


def metric_order(key: str) -> tuple[int, str]:
    """Curves first (train, val, test, final_eval, lr), then the trajectory, then the rest."""
    for rank, prefix in enumerate(("train/", "val/", "test/", "final_eval/", "lr", "param/", "grad/", "time/")):
        if key.startswith(prefix):
            return rank, key
    return 99, key


def varying_keys(snapshot: Snapshot, records: Iterable[RunRecord], limit: int | None = None) -> list[str]:
    """Config keys whose value differs between `records`, in config order."""
    records = list(records)
    candidates = set()
    for record in records:
        candidates.update(record.config_changes)
    keys = []
    for key in snapshot.config_keys:
        if key not in candidates:
            continue
        first = None
        get = snapshot.getter(key)
        for record in records:
            value = get(record)
            text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str) if isinstance(value, (list, dict)) else (type(value), value)
            if first is None:
                first = (text,)
            elif first[0] != text:
                keys.append(key)  # two different values: it varies (stop looking)
                break
        if limit and len(keys) >= limit:
            break
    return keys

