"""The run store: embedded SQLite in WAL mode, safe for several writing processes.

Every epoch is committed as it ends, so a run killed mid-way keeps every finished
epoch. A run left `running` by a process that no longer exists on this host is marked
`interrupted` the next time the store is opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

from reglab.store.schema import RUN_STATUSES, SCHEMA

__all__ = ["RunStore", "StoredRun", "default_store_dir", "config_hash"]

DATABASE_NAME = "reglab.db"


def default_store_dir() -> Path:
    """`$REGLAB_STORE` if set, else `./reglab-runs`."""
    return Path(os.environ.get("REGLAB_STORE", "reglab-runs"))


def config_hash(config: Mapping[str, Any]) -> str:
    """Stable hash of a config dict (keys sorted); identifies a configuration in sweeps.

    `tracking` (where a run is mirrored live) does not change what it computes and is left out.
    """
    config = {key: value for key, value in config.items() if key != "tracking"}
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class StoredRun:
    """One run as read back from the store."""

    id: str
    name: str
    status: str
    config: dict[str, Any]
    summary: dict[str, Any]
    error: str | None
    sweep: str | None
    epochs: int
    started_at: str
    ended_at: str | None
    reglab_version: str


class RunStore:
    """Runs, their per-epoch metrics and their artifact folders.

    Args:
        directory: the store folder; holds `reglab.db`, `runs/<id>/` and `reports/`.

    Example:
        >>> store = RunStore("reglab-runs")
        >>> run_id = store.start_run("demo", {"seed": 0})
        >>> store.log_epoch(run_id, 1, {"train/loss": 0.5})
        >>> store.finish_run(run_id, "completed", {"epochs": 1})
    """

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_store_dir()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / DATABASE_NAME
        self._connection = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        self._connection.execute("PRAGMA busy_timeout = 60000")
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.execute("PRAGMA synchronous = NORMAL")
        self._connection.execute("PRAGMA foreign_keys = ON")
        with self._transaction() as cursor:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    cursor.execute(statement)
        self.mark_interrupted()

    # -- writing -----------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        cursor = self._connection.cursor()
        for attempt in range(50):
            try:
                cursor.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 49:
                    raise
                time.sleep(0.05 * (attempt + 1))
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        else:
            cursor.execute("COMMIT")

    def start_run(
        self,
        name: str,
        config: Mapping[str, Any],
        sweep: str | None = None,
        reglab_version: str | None = None,
    ) -> str:
        """Record a new run as `running`; create its artifact folder; return its id."""
        from reglab import __version__

        run_id = uuid.uuid4().hex[:12]
        with self._transaction() as cursor:
            cursor.execute(
                "INSERT INTO runs (id, name, status, config, config_hash, sweep, started_at,"
                " reglab_version, host, pid) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    name,
                    json.dumps(dict(config), sort_keys=True),
                    config_hash(config),
                    sweep,
                    _now(),
                    reglab_version or __version__,
                    socket.gethostname(),
                    os.getpid(),
                ),
            )
        self.run_dir(run_id).mkdir(parents=True, exist_ok=True)
        return run_id

    def log_epoch(self, run_id: str, epoch: int, metrics: Mapping[str, float]) -> None:
        """Commit one epoch's metrics (non-finite values stored as NULL)."""
        rows = [(run_id, epoch, key, _finite_or_none(value)) for key, value in metrics.items()]
        with self._transaction() as cursor:
            cursor.executemany("INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?)", rows)
            cursor.execute("UPDATE runs SET epochs = MAX(epochs, ?) WHERE id = ?", (epoch, run_id))

    def finish_run(
        self, run_id: str, status: str, summary: Mapping[str, Any], error: str | None = None
    ) -> None:
        """Set the final status and summary of a run."""
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        with self._transaction() as cursor:
            cursor.execute(
                "UPDATE runs SET status = ?, summary = ?, error = ?, ended_at = ? WHERE id = ?",
                (status, json.dumps(dict(summary), sort_keys=True, default=float), error, _now(), run_id),
            )

    def mark_interrupted(self) -> int:
        """Mark `running` runs of dead processes on this host as `interrupted`."""
        host = socket.gethostname()
        rows = self._connection.execute(
            "SELECT id, pid FROM runs WHERE status = 'running' AND host = ?", (host,)
        ).fetchall()
        dead = [run_id for run_id, pid in rows if pid != os.getpid() and not _process_alive(pid)]
        if dead:
            with self._transaction() as cursor:
                cursor.executemany(
                    "UPDATE runs SET status = 'interrupted', ended_at = ? WHERE id = ? AND status = 'running'",
                    [(_now(), run_id) for run_id in dead],
                )
        return len(dead)

    def delete_run(self, run_id: str) -> None:
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM metrics WHERE run_id = ?", (run_id,))
            cursor.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    # -- reading -----------------------------------------------------------------

    def run_dir(self, run_id: str) -> Path:
        return self.directory / "runs" / run_id

    def reports_dir(self) -> Path:
        folder = self.directory / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def resolve_id(self, prefix: str) -> str | None:
        """The full id of the one run whose id starts with `prefix`, else None."""
        rows = self._connection.execute(
            "SELECT id FROM runs WHERE id LIKE ? LIMIT 2", (prefix.replace("%", "") + "%",)
        ).fetchall()
        return rows[0][0] if len(rows) == 1 else None

    def get_run(self, run_id: str) -> StoredRun | None:
        row = self._connection.execute(
            "SELECT id, name, status, config, summary, error, sweep, epochs, started_at, ended_at,"
            " reglab_version FROM runs WHERE id = ?",
            (run_id,),
        ).fetchone()
        return _stored_run(row) if row else None

    def runs(
        self,
        sweep: str | None = None,
        status: str | None = None,
        name: str | None = None,
    ) -> list[StoredRun]:
        """Runs in the order they started, optionally filtered."""
        clauses, values = [], []
        for column, value in (("sweep", sweep), ("status", status), ("name", name)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._connection.execute(
            "SELECT id, name, status, config, summary, error, sweep, epochs, started_at, ended_at,"
            f" reglab_version FROM runs{where} ORDER BY rowid",
            values,
        ).fetchall()
        return [_stored_run(row) for row in rows]

    def history(self, run_id: str) -> list[dict[str, float]]:
        """Per-epoch metric dicts, each with its `epoch`, in epoch order."""
        rows = self._connection.execute(
            "SELECT epoch, key, value FROM metrics WHERE run_id = ? ORDER BY epoch", (run_id,)
        ).fetchall()
        by_epoch: dict[int, dict[str, float]] = {}
        for epoch, key, value in rows:
            by_epoch.setdefault(epoch, {"epoch": epoch})[key] = float("nan") if value is None else value
        return [by_epoch[epoch] for epoch in sorted(by_epoch)]

    def completed_hashes(self, sweep: str) -> set[str]:
        """Config hashes of the runs of a sweep that reached a final status."""
        rows = self._connection.execute(
            "SELECT config_hash FROM runs WHERE sweep = ? AND status IN ('completed', 'stopped_early', 'diverged', 'pruned')",
            (sweep,),
        ).fetchall()
        return {row[0] for row in rows}

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _finite_or_none(value: float) -> float | None:
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


def _stored_run(row: tuple) -> StoredRun:
    return StoredRun(
        id=row[0],
        name=row[1],
        status=row[2],
        config=json.loads(row[3]),
        summary=json.loads(row[4]) if row[4] else {},
        error=row[5],
        sweep=row[6],
        epochs=row[7],
        started_at=row[8],
        ended_at=row[9],
        reglab_version=row[10],
    )
