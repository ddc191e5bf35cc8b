"""The store's SQLite database, opened so that it cannot be written.

The connection is opened with the URI `file:...?mode=ro`: SQLite then opens
`reglab.db` read-only and refuses every write. A database in WAL mode also has two
companion files, `reglab.db-wal` and `reglab.db-shm`, that exist while a writer has it
open (and after a read-only reader kept them alive). A read-only reader still creates
them when they are missing, so when there is no `-wal` file (no writer since the store
was last closed) the database is opened `immutable=1` instead: SQLite then reads the file
as a plain read-only file and creates nothing. Each `refresh` looks again and moves to a
`mode=ro` connection once a writer has appeared, so a sweep started after the dashboard
is seen live.

Written by hand because no library does this: the standard `sqlite3` module is the
whole of the database access.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import quote

__all__ = ["ReadOnlyDatabase", "read_only_uri"]

DATABASE_NAME = "reglab.db"


def read_only_uri(path: Path, immutable: bool = False) -> str:
    """`file:` URI that opens `path` read-only (and, with `immutable`, without any lock or side file)."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return uri + "&immutable=1" if immutable else uri


class ReadOnlyDatabase:
    """One read-only connection to `<store>/reglab.db`, shared by the server's threads.

    Args:
        path: the database file.

    `version()` changes whenever another process has committed to the database (SQLite's
    `PRAGMA data_version`), or, for an immutable snapshot, when the file changes.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._immutable = False
        self._reopen()

    @property
    def live(self) -> bool:
        """True when a writer's changes are seen as they commit (a `mode=ro` connection)."""
        return not self._immutable

    def _wal_present(self) -> bool:
        return self.path.with_name(self.path.name + "-wal").exists()

    def _file_state(self) -> tuple[int, int, int]:
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size

    def _reopen(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._immutable = not self._wal_present()
        self._opened_file = self._file_state()
        self._connection = sqlite3.connect(
            read_only_uri(self.path, self._immutable), uri=True, check_same_thread=False, timeout=10.0
        )
        self._connection.execute("PRAGMA query_only = ON")

    def version(self) -> tuple[Any, ...]:
        """A token that changes when the database's content may have changed.

        An immutable connection keeps the pages it has read: when a writer came and went
        between two calls (a short run trained while nobody looked, its `-wal` file gone
        again), the file changed under it, and it is opened anew."""
        with self._lock:
            if self._immutable and (self._wal_present() or self._file_state() != self._opened_file):
                self._reopen()
            if self._immutable:
                return ("file", *self._opened_file)
            return ("wal", self._connection.execute("PRAGMA data_version").fetchone()[0])

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        """All rows of one SELECT."""
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
