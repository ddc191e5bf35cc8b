"""The store's SQLite schema. One row per run, one row per (run, epoch, metric), one row
per sweep config being trained (its claim).

`runs.threads` is the torch thread count the run trained with: a CPU run repeats bit
for bit under the same seed and the same thread count (reductions split differently
across threads round differently).
"""

from __future__ import annotations

__all__ = ["SCHEMA", "ADDED_COLUMNS", "RUN_STATUSES", "FINAL_STATUSES"]

RUN_STATUSES = ("running", "completed", "stopped_early", "diverged", "pruned", "failed", "interrupted")
FINAL_STATUSES = ("completed", "stopped_early", "diverged", "pruned")  # pruned: stopped by an Optuna pruner

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL,
    config         TEXT NOT NULL,
    config_hash    TEXT NOT NULL,
    summary        TEXT,
    error          TEXT,
    sweep          TEXT,
    epochs         INTEGER NOT NULL DEFAULT 0,
    started_at     TEXT NOT NULL,
    ended_at       TEXT,
    reglab_version TEXT NOT NULL,
    host           TEXT NOT NULL,
    pid            INTEGER NOT NULL,
    threads        INTEGER
);
CREATE INDEX IF NOT EXISTS runs_by_sweep ON runs (sweep, config_hash);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status);
CREATE TABLE IF NOT EXISTS metrics (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    epoch  INTEGER NOT NULL,
    key    TEXT NOT NULL,
    value  REAL,
    PRIMARY KEY (run_id, epoch, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claims (
    sweep       TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    host        TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    PRIMARY KEY (sweep, config_hash)
) WITHOUT ROWID;
"""

# Columns added after the first release, with their type: opened stores gain them.
ADDED_COLUMNS = {"runs": {"threads": "INTEGER"}}
