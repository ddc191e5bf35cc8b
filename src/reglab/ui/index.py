"""Every run of the store, held in memory and kept current by cheap refreshes.

The runs table must sort, filter and group 10,000 runs within a page request, so the
server keeps one `RunRecord` per run: identity columns, the flattened config, and the
headline metrics (final ones for finished runs, the last epoch's for running ones). A
refresh first asks SQLite whether anything was committed (`PRAGMA data_version`); only
then does it read the small `(id, status, epochs, ended_at)` of every run and parse the
config and summary of the runs that changed.

Configs are stored as differences from the first run's config (a sweep's runs share
almost every key), which keeps 10,000 runs in a few megabytes.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from typing import Any, Iterable

from reglab.config import flatten
from reglab.ui.database import ReadOnlyDatabase

__all__ = ["MISSING", "RunRecord", "RunIndex", "Snapshot", "IDENTITY_KEYS", "headline_metric", "parse_time", "varying_keys"]

IDENTITY_KEYS = ("id", "name", "status", "sweep", "epochs", "started_at", "ended_at", "duration_s", "best_epoch")
MISSING = object()
CACHED_VIEWS = 32  # views kept per snapshot; a new snapshot starts empty
REFRESH_INTERVAL_S = 0.5  # at most one re-read of the runs table per interval while writers commit
# The summary is decoded in Python: it may hold NaN, which SQLite's JSON functions refuse.
RUN_COLUMNS = "rowid, id, name, status, config, sweep, epochs, started_at, ended_at, host, pid, summary"


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


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _json_object(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _nested(key: str, value: Any) -> bool:
    """Whether `flatten` descends into this value (as reglab.config.flatten does)."""
    return isinstance(value, dict) and bool(value) and key != "per_layer"


def _collect_changes(tree: dict[str, Any], base: dict[str, Any], prefix: str, changes: dict[str, Any]) -> None:
    """The flattened keys where `tree` differs from `base`, without flattening equal sections.

    Whole sections are compared first (one C-level dict comparison), so a sweep's config
    costs a few comparisons plus the keys that really differ. Keys of `base` that `tree`
    lacks are recorded as MISSING.
    """
    for key, value in tree.items():
        other = base.get(key, MISSING)
        if other == value and type(other) is type(value):
            continue
        dotted = prefix + key
        if _nested(key, value):
            _collect_changes(value, other if isinstance(other, dict) else {}, dotted + ".", changes)
        else:
            column = _config_key(dotted)
            if column is not None:
                changes[column] = value
    for key, other in base.items():
        if key not in tree:
            dotted = prefix + key
            leaves = flatten(other, dotted + ".") if _nested(key, other) else {dotted: other}
            for leaf in leaves:
                column = _config_key(leaf)
                if column is not None:
                    changes[column] = MISSING


def _config_key(key: str) -> str | None:
    """The column name of a flattened config key (as `reglab runs export` names it)."""
    if key == "epochs":
        return "epochs_planned"  # `epochs` is the number trained
    if key == "name":
        return None
    return key


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

    def getter(self, key: str):
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


class RunIndex:
    """The store's runs in memory, refreshed from a read-only database.

    Args:
        database: the store's database, opened read-only.
    """

    def __init__(self, database: ReadOnlyDatabase) -> None:
        self.database = database
        self.hostname = socket.gethostname()
        self._lock = threading.Lock()
        self._records: dict[str, RunRecord] = {}
        self._signatures: dict[str, tuple] = {}
        self._baseline: dict[str, Any] | None = None
        self._baseline_tree: dict[str, Any] = {}
        self._db_version: Any = None
        self._checked_at = 0.0
        self._snapshot = Snapshot([], {}, [], [], 0)
        self._counter = 0

    def snapshot(self) -> Snapshot:
        """The current runs, refreshed first when the database changed."""
        with self._lock:
            self._refresh()
            return self._snapshot

    def _refresh(self) -> None:
        now = time.monotonic()
        running = any(record.status == "running" for record in self._records.values())
        if self._db_version is not None and now - self._checked_at < REFRESH_INTERVAL_S:
            return
        version = self.database.version()
        self._checked_at = now
        if version == self._db_version:
            if running and self._mark_stale():
                self._rebuild_snapshot()
            return
        self._db_version = version
        rows = self.database.query("SELECT id, status, epochs, ended_at FROM runs")
        signatures = {row[0]: row[1:] for row in rows}
        changed = [run_id for run_id, signature in signatures.items() if self._signatures.get(run_id) != signature]
        removed = [run_id for run_id in self._signatures if run_id not in signatures]
        dirty = bool(changed or removed)
        for run_id in removed:
            self._records.pop(run_id, None)
            self._signatures.pop(run_id, None)
        if changed:
            self._load(changed, all_runs=len(changed) == len(signatures))
            for run_id in changed:
                self._signatures[run_id] = signatures[run_id]
        dirty |= self._mark_stale()
        if dirty or self._counter == 0:
            self._rebuild_snapshot()

    def _mark_stale(self) -> bool:
        """Flag `running` runs whose process on this host is gone; True when a flag changed."""
        changed = False
        for record in self._records.values():
            if record.status == "running" and record.host == self.hostname:
                stale = not _process_alive(record.pid)
                changed |= stale != record.stale
                record.stale = stale
        return changed

    def _load(self, run_ids: list[str], all_runs: bool) -> None:
        if all_runs:
            rows = self.database.query(f"SELECT {RUN_COLUMNS} FROM runs")
        else:
            rows = []
            for start in range(0, len(run_ids), 500):
                chunk = run_ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows += self.database.query(f"SELECT {RUN_COLUMNS} FROM runs WHERE id IN ({marks})", chunk)
        running_ids = [row[1] for row in rows if row[3] == "running" and row[6]]
        latest = self._latest_metrics(running_ids, {row[1]: row[6] for row in rows})
        for row in sorted(rows, key=lambda row: row[0]):
            record = self._record(row, latest.get(row[1], {}))
            self._records[record.id] = record

    def _latest_metrics(self, run_ids: list[str], epochs: dict[str, int]) -> dict[str, dict[str, float]]:
        """The last epoch's headline metrics of running runs (they have no summary yet)."""
        latest: dict[str, dict[str, float]] = {}
        for run_id in run_ids:
            rows = self.database.query(
                "SELECT key, value FROM metrics WHERE run_id = ? AND epoch = ?", (run_id, epochs[run_id])
            )
            latest[run_id] = {key: value for key, value in rows if value is not None and headline_metric(key)}
        return latest

    def _record(self, row: tuple, latest: dict[str, float]) -> RunRecord:
        rowid, run_id, name, status, config_text, sweep, epochs, started, ended, host, pid, summary_text = row
        config = json.loads(config_text)
        if self._baseline is None:
            self._baseline_tree = config
            self._baseline = {}
            for key, value in flatten(config).items():
                column = _config_key(key)
                if column is not None:
                    self._baseline[column] = value
        changes: dict[str, Any] = {}
        _collect_changes(config, self._baseline_tree, "", changes)
        summary = _json_object(summary_text)
        metrics = dict(latest)
        final = summary.get("final")
        for key, value in (final if isinstance(final, dict) else {}).items():
            if key != "epoch" and headline_metric(key) and isinstance(value, (int, float)):
                metrics[key] = value
        final_eval = summary.get("final_eval")
        for key, value in (final_eval if isinstance(final_eval, dict) else {}).items():
            if isinstance(value, (int, float)):
                metrics[f"final_eval/{key}"] = value
        best = summary.get("best_epoch")
        return RunRecord(
            rowid=rowid,
            id=run_id,
            name=name,
            status=status,
            sweep=sweep,
            epochs=epochs or 0,
            started_at=started,
            ended_at=ended,
            host=host,
            pid=pid,
            config_changes=changes,
            metrics=metrics,
            best_epoch=best if isinstance(best, int) else None,
            text=" ".join(part for part in (run_id, name, sweep or "", status) if part).lower(),
            started_s=parse_time(started),
            ended_s=parse_time(ended),
        )

    def _rebuild_snapshot(self) -> None:
        records = sorted(self._records.values(), key=lambda record: record.rowid)
        baseline = self._baseline or {}
        config_keys = list(baseline)
        seen = set(config_keys)
        metric_keys: list[str] = []
        metric_seen: set[str] = set()
        for record in records:
            for key in record.config_changes:
                if key not in seen:
                    seen.add(key)
                    config_keys.append(key)
            for key in record.metrics:
                if key not in metric_seen:
                    metric_seen.add(key)
                    metric_keys.append(key)
        self._counter += 1
        self._snapshot = Snapshot(
            records=records,
            baseline=baseline,
            config_keys=config_keys,
            metric_keys=sorted(metric_keys, key=_metric_order),
            version=self._counter,
            by_id={record.id: record for record in records},
        )


def _none_missing(value: Any) -> Any:
    return MISSING if value is None else value


def _metric_order(key: str) -> tuple[int, str]:
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
        for record in records:
            value = record.config_changes.get(key, MISSING)
            if value is MISSING:
                value = snapshot.baseline.get(key, MISSING)
            text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str) if isinstance(value, (list, dict)) else (type(value), value)
            if first is None:
                first = (text,)
            elif first[0] != text:
                keys.append(key)  # two different values: it varies (stop looking)
                break
        if limit and len(keys) >= limit:
            break
    return keys

