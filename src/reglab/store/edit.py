"""Editing a store: delete runs (rows and folders) and tag runs.

Tags live in their own table, `tags (run_id, tag)`, created the first time a run is
tagged; a store that never had a tag has no such table and reads as having no tags,
so reading a store (even a read-only one) never needs to write it.
"""

from __future__ import annotations

import shutil
import sqlite3
from typing import Iterable

from reglab.store.sqlite import RunStore

__all__ = ["TAGS_SCHEMA", "delete_runs", "add_tag", "remove_tag", "run_tags"]

TAGS_SCHEMA = """
CREATE TABLE IF NOT EXISTS tags (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tag    TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
) WITHOUT ROWID
"""


def _has_tags_table(store: RunStore) -> bool:
    row = store._connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tags'").fetchone()
    return row is not None


def delete_runs(store: RunStore, run_ids: Iterable[str]) -> list[str]:
    """Delete runs: their rows (run, metrics, tags) in one transaction, then their folders.

    Args:
        store: the store.
        run_ids: full run ids (resolve prefixes with `RunStore.resolve_id` first).

    Returns:
        The ids deleted (ids not in the store are skipped).
    """
    ids = [run_id for run_id in dict.fromkeys(run_ids) if store.get_run(run_id) is not None]
    with store._transaction() as cursor:
        for run_id in ids:
            if _has_tags_table(store):
                cursor.execute("DELETE FROM tags WHERE run_id = ?", (run_id,))
            cursor.execute("DELETE FROM metrics WHERE run_id = ?", (run_id,))
            cursor.execute("DELETE FROM runs WHERE id = ?", (run_id,))
    for run_id in ids:
        shutil.rmtree(store.run_dir(run_id), ignore_errors=True)
    return ids


def add_tag(store: RunStore, run_id: str, tag: str) -> bool:
    """Tag a run; False when it already had the tag."""
    with store._transaction() as cursor:
        cursor.execute(TAGS_SCHEMA)
        cursor.execute("INSERT OR IGNORE INTO tags (run_id, tag) VALUES (?, ?)", (run_id, tag))
        return cursor.rowcount > 0


def remove_tag(store: RunStore, run_id: str, tag: str) -> bool:
    """Remove a tag from a run; False when the run did not have it."""
    if not _has_tags_table(store):
        return False
    with store._transaction() as cursor:
        cursor.execute("DELETE FROM tags WHERE run_id = ? AND tag = ?", (run_id, tag))
        return cursor.rowcount > 0


def run_tags(store: RunStore) -> dict[str, list[str]]:
    """Run id -> its tags, sorted; runs without tags are absent."""
    if not _has_tags_table(store):
        return {}
    tags: dict[str, list[str]] = {}
    try:
        rows = store._connection.execute("SELECT run_id, tag FROM tags ORDER BY run_id, tag").fetchall()
    except sqlite3.DatabaseError:
        return {}
    for run_id, tag in rows:
        tags.setdefault(run_id, []).append(tag)
    return tags
