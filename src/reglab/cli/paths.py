"""Checks of every path a command will write, made before any work starts.

A report that fails on `--figures` after its HTML is written, or a store that turns
out to be a file after the data was built, leaves half a result behind; these checks
refuse such paths in one line (`ConfigError`: exit code 2) while nothing is written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from reglab.config.errors import ConfigError
from reglab.store.opening import check_store_folder, may_write, nearest_existing, read_only_store

__all__ = ["check_output_file", "check_output_folder", "check_store_target"]


def _folder_problem(folder: Path) -> str | None:
    """Why files cannot be created in `folder` (created with its parents if missing), or None."""
    existing = nearest_existing(folder)
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not may_write(existing):
        return f"{existing} is a read-only folder"
    return None


def check_output_file(option: str, path: Path | None, suffixes: Sequence[str] = (), existing_folder: bool = True) -> None:
    """Refuse an output file that could not be written.

    Args:
        option: the option's name for the message (`--out`).
        path: the file (None: nothing to check).
        suffixes: allowed endings (`.html`), any when empty.
        existing_folder: the file's folder must exist already.
    """
    if path is None:
        return
    if suffixes and path.suffix.lower() not in suffixes:
        raise ConfigError(option, str(path), f"a file name ending in {' or '.join(suffixes)}")
    if path.is_dir():
        raise ConfigError(option, str(path), "a file name (this path is a folder)")
    folder = path.parent if str(path.parent) else Path(".")
    if existing_folder and not folder.is_dir():
        raise ConfigError(option, str(path), "a file in an existing folder")
    problem = _folder_problem(folder)
    if problem:
        raise ConfigError(option, str(path), f"a file in a folder this user may write ({problem})")
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(option, str(path), "a file this user may write (this one is read-only)")


def check_output_folder(option: str, path: Path | None) -> None:
    """Refuse an output folder that is a file, lies under a file, or may not be written."""
    if path is None:
        return
    if path.exists() and not path.is_dir():
        raise ConfigError(option, str(path), "a folder (this path is a file)")
    problem = _folder_problem(path)
    if problem:
        raise ConfigError(option, str(path), f"a folder this user may write ({problem})")


def check_store_target(directory: Path) -> None:
    """Refuse a store a training command could not write: a file, a damaged or foreign
    database, a read-only store or a missing store under a read-only folder."""
    from reglab.store import RunStore

    database = directory / "reglab.db"
    writable = check_store_folder(directory, database, create=True)
    if database.is_file():
        try:
            RunStore(directory, read_only=True).close()  # "not a reglab store" when it is not
        except ConfigError:
            if not _blank(database):
                raise
            # no tables yet: another reglab process is creating this store right now
    if not writable:
        raise read_only_store(directory)


def _blank(database: Path) -> bool:
    """Whether an SQLite file holds no table at all (a store being created)."""
    import sqlite3

    try:
        connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return False
