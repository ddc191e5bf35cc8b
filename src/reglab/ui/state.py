"""What the server holds while it runs: the store folder, its read-only database, the index."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from reglab.ui.database import DATABASE_NAME, ReadOnlyDatabase
from reglab.ui.index import RunIndex
from reglab.ui.tables import RunsQuery, runs_page

__all__ = ["UIState", "StoreNotFound", "open_state"]


class StoreNotFound(ValueError):
    """The folder holds no run store; the message names it and what is allowed."""


@dataclass
class UIState:
    store_dir: Path
    database: ReadOnlyDatabase
    index: RunIndex

    def close(self) -> None:
        self.database.close()


def open_state(store_dir: str | Path) -> UIState:
    """Open `<store_dir>/reglab.db` read-only and index its runs (creating nothing)."""
    store_dir = Path(store_dir)
    path = store_dir / DATABASE_NAME
    if not path.is_file():
        raise StoreNotFound(
            f"--store: no run store at {str(store_dir)!r}; allowed: a folder made by 'reglab train' (or set REGLAB_STORE)"
        )
    try:
        database = ReadOnlyDatabase(path)
        index = RunIndex(database)
        runs_page(index.snapshot(), RunsQuery())  # the landing view, ready before the first request
    except sqlite3.DatabaseError as damaged:
        raise StoreNotFound(
            f"--store: {str(path)!r} cannot be read ({damaged}); allowed: a run store made by 'reglab train'"
        ) from None
    return UIState(store_dir=store_dir.resolve(), database=database, index=index)
