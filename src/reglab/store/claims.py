"""Claims: which process trains which config of a sweep, so concurrent sweeps share the work.

Before training a config, a sweep process claims it in the store, in one
`BEGIN IMMEDIATE` transaction (SQLite's write lock: no two processes run it at once):

    finished run of (sweep, hash) in the store        -> not given (already done)
    claim by a live process (not this one)            -> not given (being trained)
    claim by a process gone from this host, or none   -> given: (sweep, hash, host, pid, started_at)

A claim of another host is respected (its process cannot be checked from here);
claims are dropped when their process finishes the config, whatever the outcome.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from datetime import datetime, timezone
from typing import Sequence

__all__ = ["process_alive", "claim_configs", "release_configs"]


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_configs(cursor: sqlite3.Cursor, sweep: str, hashes: Sequence[str], final_statuses: Sequence[str]) -> list[str]:
    """Inside an open write transaction: claim what is free of `hashes` for this process."""
    host, pid = socket.gethostname(), os.getpid()
    marks = ", ".join("?" for _ in final_statuses)
    finished = {
        row[0]
        for row in cursor.execute(
            f"SELECT config_hash FROM runs WHERE sweep = ? AND status IN ({marks})", (sweep, *final_statuses)
        )
    }
    owners = {row[0]: (row[1], row[2]) for row in cursor.execute("SELECT config_hash, host, pid FROM claims WHERE sweep = ?", (sweep,))}
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    given: list[str] = []
    for key in dict.fromkeys(hashes):
        if key in finished:
            continue
        owner = owners.get(key)
        if owner is not None and owner != (host, pid):
            owner_host, owner_pid = owner
            if owner_host != host or process_alive(owner_pid):
                continue
        cursor.execute("INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?)", (sweep, key, host, pid, now))
        given.append(key)
    return given


def release_configs(cursor: sqlite3.Cursor, sweep: str, hashes: Sequence[str]) -> None:
    """Inside an open write transaction: drop this process's claims on `hashes`."""
    host, pid = socket.gethostname(), os.getpid()
    cursor.executemany(
        "DELETE FROM claims WHERE sweep = ? AND config_hash = ? AND host = ? AND pid = ?",
        [(sweep, key, host, pid) for key in hashes],
    )
