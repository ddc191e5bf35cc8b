"""The read-only connection: immutable while no writer is around, live once one appears."""

from __future__ import annotations

import sqlite3

import pytest

from reglab.store import RunStore
from reglab.ui.database import ReadOnlyDatabase
from reglab.ui.index import RunIndex
from tests.ui.synthetic_store import write_run


def test_a_closed_store_is_read_without_creating_files_then_followed_live(tmp_path, monkeypatch):
    monkeypatch.setattr("reglab.ui.index.REFRESH_INTERVAL_S", 0.0)
    with RunStore(tmp_path / "store") as writer:
        first = write_run(writer, "first", epochs=2, files=False)
    folder = tmp_path / "store"
    assert sorted(path.name for path in folder.iterdir()) == ["reglab.db", "runs"]
    database = ReadOnlyDatabase(folder / "reglab.db")
    index = RunIndex(database)
    assert [record.id for record in index.snapshot().records] == [first] and not database.live
    assert sorted(path.name for path in folder.iterdir()) == ["reglab.db", "runs"]  # no -wal, no -shm
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only"):
        database.query("DELETE FROM runs")
    with RunStore(folder) as writer:  # a sweep starts while the dashboard is open
        second = write_run(writer, "second", epochs=2, files=False)
        assert [record.id for record in index.snapshot().records] == [first, second] and database.live
        third = write_run(writer, "third", epochs=2, files=False)
        assert index.snapshot().by_id[third].name == "third"
    database.close()


def test_a_writer_that_came_and_went_between_two_looks_is_seen(tmp_path, monkeypatch):
    """A short run trained while the dashboard was idle: its `-wal` file is gone again, and
    the immutable connection must not serve the pages it read before."""
    monkeypatch.setattr("reglab.ui.index.REFRESH_INTERVAL_S", 0.0)
    folder = tmp_path / "store"
    with RunStore(folder) as writer:
        first = write_run(writer, "first", epochs=2, files=False)
    database = ReadOnlyDatabase(folder / "reglab.db")
    index = RunIndex(database)
    assert [record.id for record in index.snapshot().records] == [first] and not database.live
    with RunStore(folder) as writer:  # trains and closes before the dashboard looks again
        second = write_run(writer, "second", epochs=3, files=False)
    assert not (folder / "reglab.db-wal").exists()
    snapshot = index.snapshot()
    assert [record.id for record in snapshot.records] == [first, second] and snapshot.by_id[second].name == "second"
    assert not database.live
    database.close()
