"""The store's SQLite schema. One row per run, one row per (run, epoch, metric)."""

from __future__ import annotations

__all__ = ["SCHEMA", "RUN_STATUSES", "FINAL_STATUSES"]

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
    pid            INTEGER NOT NULL
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
"""
