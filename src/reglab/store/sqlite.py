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
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from reglab.config.errors import ConfigError
from reglab.store.claims import claim_configs, process_alive, release_configs
from reglab.store.opening import check_store_folder, not_a_store, read_only_store
from reglab.store.schema import ADDED_COLUMNS, FINAL_STATUSES, RUN_STATUSES, SCHEMA
from reglab.store.strict_json import strict_json_text

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
    threads: int | None = None  # torch threads it trained with (None: stored before this was recorded)


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

    def __init__(self, directory: str | Path | None = None, read_only: bool = False) -> None:
        self.directory = Path(directory) if directory is not None else default_store_dir()
        self.path = self.directory / DATABASE_NAME
        writable = check_store_folder(self.directory, self.path, create=not read_only)
        self.read_only = read_only or not writable
        if self.read_only and not self.path.is_file():
            raise ConfigError("--store", str(self.directory), "a folder made by 'reglab train' (no reglab.db here)")
        existed = self.path.is_file() and self.path.stat().st_size > 0
        self._writing = False  # inside `_transaction` (nesting is refused)
        try:
            self._connection = self._connect()
            if existed:
                self._check_schema(empty_is_ours=not self.read_only)  # before creating tables in someone else's database
            if not self.read_only:
                self._connection.execute("PRAGMA journal_mode = WAL")
                self._connection.execute("PRAGMA synchronous = NORMAL")
                with self._transaction() as cursor:
                    for statement in SCHEMA.split(";"):
                        if statement.strip():
                            cursor.execute(statement)
                    _add_missing_columns(cursor)
            self._check_schema()
        except sqlite3.DatabaseError as error:
            raise self._database_error(error) from None
        self._threads_column = "threads" if "threads" in self._columns("runs") else "NULL"
        if not self.read_only:
            self.mark_interrupted()

    @classmethod
    def of(cls, store: "RunStore | str | Path | None", read_only: bool = False) -> "RunStore":
        """`store` itself when it is a RunStore, else the store in that folder (default folder for None)."""
        return store if isinstance(store, RunStore) else cls(store, read_only=read_only)

    def _connect(self) -> sqlite3.Connection:
        if not self.read_only:
            self.directory.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        else:
            # mode=ro reads a WAL database when its -shm file can be used; immutable=1
            # reads one whose folder is read-only too (no other process writes it then).
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=60.0, isolation_level=None)
            try:
                connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                connection.close()
                connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?immutable=1", uri=True, isolation_level=None)
        connection.execute("PRAGMA busy_timeout = 60000")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def _check_schema(self, empty_is_ours: bool = False) -> None:
        """Refuse a database without reglab's `runs` table. An empty one (no tables) is a store
        another process is creating this instance: `empty_is_ours` lets it be set up here."""
        tables = {row[0] for row in self._connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "runs" not in tables and (tables or not empty_is_ours):
            raise not_a_store(self.directory, "an SQLite database without reglab's runs table")

    def _columns(self, table: str) -> set[str]:
        return {row[1] for row in self._connection.execute(f"PRAGMA table_info({table})")}

    def _database_error(self, error: sqlite3.DatabaseError) -> ConfigError:
        text = str(error)
        if "readonly" in text or "read-only" in text:
            return read_only_store(self.directory)
        if isinstance(error, sqlite3.OperationalError) and "unable to open" in text:
            return ConfigError("--store", str(self.directory), f"a store folder this user may read and write ({text})")
        return not_a_store(self.directory, text)

    # -- writing -----------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction (BEGIN IMMEDIATE: the write lock is taken at once).

        A Ctrl-C can land between two statements, after BEGIN returned and before the
        body's `try`, or after the body and before COMMIT. Such a transaction never
        committed; the next one on this connection rolls it back first, so the writes
        that record the interruption (the run's status) still go through.
        """
        if self.read_only:
            raise read_only_store(self.directory)
        if self._writing:
            raise RuntimeError("a store transaction inside another one (each write method commits its own)")
        cursor = self._connection.cursor()
        if self._connection.in_transaction:  # one that an interrupt cut short: nothing of it was committed
            cursor.execute("ROLLBACK")
        try:
            self._writing = True
            self._begin(cursor)
            yield cursor
        except BaseException as error:
            if self._connection.in_transaction:
                cursor.execute("ROLLBACK")
            if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
                raise read_only_store(self.directory) from None
            raise
        else:
            cursor.execute("COMMIT")
        finally:
            self._writing = False

    def _begin(self, cursor: sqlite3.Cursor) -> None:
        """BEGIN IMMEDIATE, waiting while another process holds the write lock."""
        for attempt in range(50):
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "readonly" in str(error):
                    raise read_only_store(self.directory) from None
                if "locked" not in str(error) or attempt == 49:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def start_run(
        self,
        name: str,
        config: Mapping[str, Any],
        sweep: str | None = None,
        reglab_version: str | None = None,
    ) -> str:
        """Record a new run as `running`; create its artifact folder; return its id."""
        run_id = uuid.uuid4().hex[:12]
        with self._transaction() as cursor:
            self._insert_run(cursor, run_id, name, config, sweep, reglab_version)
        self.run_dir(run_id).mkdir(parents=True, exist_ok=True)
        return run_id

    def record_failed_run(
        self, name: str, config: Mapping[str, Any], error: str, sweep: str | None = None, trace: str | None = None
    ) -> str:
        """Record a run that failed before its first epoch began (a sweep config whose data
        could not be loaded, say) as `failed`, in one transaction: its config, the summary
        `{"error": error}` and, as its error, `trace` (else `error`). Creates its artifact
        folder; returns its id. A sweep's rerun trains it again, as any failed run.

        Example:
            >>> store.record_failed_run("grid", config, "ConfigError: data.root: got '/gone'; allowed: ...", sweep="grid")
        """
        run_id = uuid.uuid4().hex[:12]
        with self._transaction() as cursor:
            self._insert_run(cursor, run_id, name, config, sweep)
            cursor.execute(
                "UPDATE runs SET status = 'failed', summary = ?, error = ?, ended_at = started_at WHERE id = ?",
                (strict_json_text({"error": error}), trace or error, run_id),
            )
        self.run_dir(run_id).mkdir(parents=True, exist_ok=True)
        return run_id

    def _insert_run(
        self, cursor: sqlite3.Cursor, run_id: str, name: str, config: Mapping[str, Any], sweep: str | None, reglab_version: str | None = None
    ) -> None:
        from reglab import __version__

        cursor.execute(
            "INSERT INTO runs (id, name, status, config, config_hash, sweep, started_at,"
            " reglab_version, host, pid, threads) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)",
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
                torch_threads(),
            ),
        )

    def log_epoch(self, run_id: str, epoch: int, metrics: Mapping[str, float]) -> None:
        """Commit one epoch's metrics (non-finite values stored as NULL)."""
        self.log_epochs(run_id, [{**metrics, "epoch": epoch}])

    def log_epochs(self, run_id: str, rows: Sequence[Mapping[str, float]]) -> None:
        """Commit several epochs' metrics (each row with its `epoch`; non-finite values
        stored as NULL) in one transaction."""
        if not rows:
            return
        values = [(run_id, int(row["epoch"]), key, _finite_or_none(value)) for row in rows for key, value in row.items() if key != "epoch"]
        with self._transaction() as cursor:
            cursor.executemany("INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?)", values)
            cursor.execute("UPDATE runs SET epochs = MAX(epochs, ?) WHERE id = ?", (max(int(row["epoch"]) for row in rows), run_id))

    def finish_run(
        self, run_id: str, status: str, summary: Mapping[str, Any], error: str | None = None
    ) -> None:
        """Set the final status and summary of a run (strict JSON: non-finite numbers as null)."""
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        with self._transaction() as cursor:
            cursor.execute(
                "UPDATE runs SET status = ?, summary = ?, error = ?, ended_at = ? WHERE id = ?",
                (status, strict_json_text(dict(summary)), error, _now(), run_id),
            )

    def reopen_run(self, run_id: str) -> None:
        """An interrupted run trains again (resumed) in this process: `running`, owned by it."""
        with self._transaction() as cursor:
            cursor.execute(
                "UPDATE runs SET status = 'running', error = NULL, ended_at = NULL, host = ?, pid = ? WHERE id = ?",
                (socket.gethostname(), os.getpid(), run_id),
            )

    def mark_interrupted(self) -> int:
        """Mark `running` runs of dead processes on this host as `interrupted`."""
        host = socket.gethostname()
        rows = self._connection.execute(
            "SELECT id, pid FROM runs WHERE status = 'running' AND host = ?", (host,)
        ).fetchall()
        dead = [run_id for run_id, pid in rows if pid != os.getpid() and not process_alive(pid)]
        if dead:
            with self._transaction() as cursor:
                cursor.executemany(
                    "UPDATE runs SET status = 'interrupted', ended_at = ? WHERE id = ? AND status = 'running'",
                    [(_now(), run_id) for run_id in dead],
                )
        return len(dead)

    def mark_own_interrupted(self) -> int:
        """Mark this process's `running` runs as `interrupted` (after Ctrl-C); return how many."""
        with self._transaction() as cursor:
            cursor.execute(
                "UPDATE runs SET status = 'interrupted', ended_at = ? WHERE status = 'running' AND pid = ? AND host = ?",
                (_now(), os.getpid(), socket.gethostname()),
            )
            return cursor.rowcount

    def delete_run(self, run_id: str) -> None:
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM metrics WHERE run_id = ?", (run_id,))
            cursor.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    # -- reading -----------------------------------------------------------------

    def run_dir(self, run_id: str) -> Path:
        return self.directory / "runs" / run_id

    def reports_dir(self) -> Path:
        """`<store>/reports/`, created if needed (refused on a read-only store)."""
        folder = self.directory / "reports"
        if self.read_only and not folder.is_dir():
            raise read_only_store(self.directory)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def resolve_id(self, prefix: str) -> str | None:
        """The full id of the one run whose id starts with `prefix`; None when none does.

        Raises:
            ConfigError: several runs match (`ambiguous: matches 2a24…, 2a13…`).
        """
        cleaned = prefix.replace("%", "").replace("_", "")
        if not cleaned:
            return None
        rows = self._connection.execute(
            "SELECT id FROM runs WHERE substr(id, 1, ?) = ? ORDER BY rowid LIMIT 6", (len(cleaned), cleaned)
        ).fetchall()
        if len(rows) > 1:
            shown = ", ".join(f"{row[0][: len(cleaned) + 4]}…" for row in rows[:5])
            raise ConfigError("run id", prefix, f"a prefix of one run; ambiguous: matches {shown}{' ...' if len(rows) > 5 else ''}")
        return rows[0][0] if rows else None

    def get_run(self, run_id: str) -> StoredRun | None:
        row = self._connection.execute(
            "SELECT id, name, status, config, summary, error, sweep, epochs, started_at, ended_at,"
            f" reglab_version, {self._threads_column} FROM runs WHERE id = ?",
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
            f" reglab_version, {self._threads_column} FROM runs{where} ORDER BY rowid",
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

    def runs_of_configs(self, sweep: str | None, hashes: Sequence[str]) -> dict[str, list[str]]:
        """Config hash -> the ids of the runs of `sweep` with that config (oldest first), for
        those of `hashes` the store holds a run of (an indexed look-up, not a scan of the sweep)."""
        found: dict[str, list[str]] = {}
        hashes = list(dict.fromkeys(hashes))
        for start in range(0, len(hashes), 500):  # SQLite's limit on variables per statement
            chunk = hashes[start : start + 500]
            rows = self._connection.execute(
                f"SELECT config_hash, id FROM runs WHERE sweep IS ? AND config_hash IN ({', '.join('?' for _ in chunk)}) ORDER BY rowid",
                (sweep, *chunk),
            ).fetchall()
            for key, run_id in rows:
                found.setdefault(key, []).append(run_id)
        return found

    # -- sweep claims ------------------------------------------------------------

    def claim(self, sweep: str, hashes: Sequence[str]) -> list[str]:
        """Claim sweep configs for this process, in one transaction; return those it got.

        A config is not given when the sweep already holds a finished run of it, or
        another live process claimed it. A claim whose process is gone (same host,
        no such pid) is free again. Claims of another host are respected.
        """
        with self._transaction() as cursor:
            return claim_configs(cursor, sweep, hashes, FINAL_STATUSES)

    def release(self, sweep: str, hashes: Sequence[str]) -> None:
        """Drop this process's claims on `hashes` (after training them, whatever the outcome)."""
        if hashes:
            with self._transaction() as cursor:
                release_configs(cursor, sweep, hashes)

    def claims(self, sweep: str) -> list[tuple[str, str, int, str]]:
        """(config_hash, host, pid, started_at) of every claim on `sweep`."""
        return self._connection.execute(
            "SELECT config_hash, host, pid, started_at FROM claims WHERE sweep = ? ORDER BY started_at", (sweep,)
        ).fetchall()

    def runs_of_process(self, pid: int | None = None) -> list[StoredRun]:
        """Runs started by process `pid` (default: this one) on this host, oldest first."""
        rows = self._connection.execute(
            "SELECT id, name, status, config, summary, error, sweep, epochs, started_at, ended_at,"
            f" reglab_version, {self._threads_column} FROM runs WHERE pid = ? AND host = ? ORDER BY rowid",
            (pid if pid is not None else os.getpid(), socket.gethostname()),
        ).fetchall()
        return [_stored_run(row) for row in rows]

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def torch_threads() -> int | None:
    """torch's intra-op thread count when torch is loaded (it always is while training)."""
    torch = sys.modules.get("torch")
    return int(torch.get_num_threads()) if torch is not None else None


def _add_missing_columns(cursor: sqlite3.Cursor) -> None:
    for table, columns in ADDED_COLUMNS.items():
        present = {row[1] for row in cursor.execute(f"PRAGMA table_info({table})")}
        for column, kind in columns.items():
            if column not in present:
                cursor.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


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
        threads=row[11],
    )
