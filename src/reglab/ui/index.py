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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from reglab.config import flatten
from reglab.ui.database import ReadOnlyDatabase

__all__ = ["RunRecord", "RunIndex", "Snapshot", "IDENTITY_KEYS", "headline_metric", "parse_time", "varying_keys"]

IDENTITY_KEYS = ("id", "name", "status", "sweep", "epochs", "started_at", "ended_at", "duration_s", "best_epoch")
MISSING = object()
REFRESH_INTERVAL_S = 0.5  # at most one re-read of the runs table per interval while writers commit
RUN_COLUMNS = "rowid, id, name, status, config, summary, sweep, epochs, started_at, ended_at, host, pid"


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

    def value(self, record: RunRecord, key: str) -> tuple[bool, Any]:
        """(present, value) of any column for one run."""
        if key in record.metrics:
            return True, record.metrics[key]
        if key in ("id", "name", "status", "sweep", "epochs", "started_at", "ended_at", "best_epoch"):
            value = getattr(record, key)
            return value is not None, value
        if key == "duration_s":
            value = record.duration_s(time.time())
            return value is not None, value
        value = record.config_changes.get(key, MISSING)
        if value is MISSING:
            value = self.baseline.get(key, MISSING)
        if value is MISSING:
            return False, None
        return True, value


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
        running_ids = [row[1] for row in rows if row[3] == "running" and row[7]]
        latest = self._latest_metrics(running_ids, {row[1]: row[7] for row in rows})
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
        rowid, run_id, name, status, config_text, summary_text, sweep, epochs, started, ended, host, pid = row
        flat = {}
        for key, value in flatten(json.loads(config_text)).items():
            column = _config_key(key)
            if column is not None:
                flat[column] = value
        if self._baseline is None:
            self._baseline = {key: value for key, value in flat.items()}
        changes = {key: value for key, value in flat.items() if self._baseline.get(key, MISSING) != value}
        changes.update({key: MISSING for key in self._baseline if key not in flat})
        summary = json.loads(summary_text) if summary_text else {}
        metrics = dict(latest)
        for key, value in (summary.get("final") or {}).items():
            if key != "epoch" and headline_metric(key) and isinstance(value, (int, float)):
                metrics[key] = value
        for key, value in (summary.get("final_eval") or {}).items():
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


def _metric_order(key: str) -> tuple[int, str]:
    for rank, prefix in enumerate(("train/", "val/", "test/", "final_eval/", "lr", "param/", "grad/", "time/")):
        if key.startswith(prefix):
            return rank, key
    return 99, key


def varying_keys(snapshot: Snapshot, records: Iterable[RunRecord], limit: int | None = None) -> list[str]:
    """Config keys whose value differs between `records`, in config order."""
    records = list(records)
    candidates = {key for record in records for key in record.config_changes}
    keys = []
    for key in snapshot.config_keys:
        if key not in candidates:
            continue
        texts = {json.dumps(snapshot.value(record, key)[1], sort_keys=True, default=str) for record in records}
        if len(texts) > 1:
            keys.append(key)
    return keys[:limit] if limit else keys

