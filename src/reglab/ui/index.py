"""Every run of the store, held in memory and kept current by cheap refreshes.

The runs table must sort, filter and group 10,000 runs within a page request, so the
server keeps one `RunRecord` per run: identity columns, the flattened config, and the
headline metrics (final ones for finished runs, the last epoch's for running ones). A
refresh first asks SQLite whether anything was committed (`PRAGMA data_version`); only
then does it read the small `(id, status, epochs, ended_at)` of every run and parse the
config and summary of the runs that changed.

Configs are kept as differences from the first run's config (a sweep's runs share
almost every key; see config_changes.py).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

from reglab.ui.config_changes import config_changes, flat_config
from reglab.ui.database import ReadOnlyDatabase
from reglab.ui.records import RunRecord, headline_metric, parse_time, process_alive
from reglab.ui.snapshot import Snapshot, metric_order

__all__ = ["RunIndex", "REFRESH_INTERVAL_S"]

REFRESH_INTERVAL_S = 0.5  # at most one re-read of the runs table per interval while writers commit
# The summary is decoded in Python: a store written before summaries became strict JSON may
# hold NaN, which SQLite's JSON functions refuse.
RUN_COLUMNS = "rowid, id, name, status, config, sweep, epochs, started_at, ended_at, host, pid, summary"


def _json_object(text: str | None) -> dict[str, Any]:
    """A JSON object's text as a dict; anything else (damaged, not an object) as {}."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


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
                stale = not process_alive(record.pid)
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
            self._baseline = flat_config(config)
        changes = config_changes(config, self._baseline_tree)
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
            metric_keys=sorted(metric_keys, key=metric_order),
            version=self._counter,
            by_id={record.id: record for record in records},
        )


