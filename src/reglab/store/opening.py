"""Opening a store folder: what is refused before SQLite is touched, and in which mode.

| the folder                                  | result                                         |
|---------------------------------------------|------------------------------------------------|
| a file, or under a file                     | ConfigError: "a folder (this path is a file)"  |
| `reglab.db` not an SQLite file / truncated  | ConfigError: "not a reglab store"             |
| SQLite, but without reglab's `runs` table   | ConfigError: "not a reglab store"             |
| exists, but this user may not write it      | opened read-only; writing raises "read-only store" |
| missing, and its parent may not be written  | ConfigError: "read-only folder"               |

Every message is one line (`ConfigError`), so the CLI prints it and exits with code 2.
"""

from __future__ import annotations

import os
from pathlib import Path

from reglab.config.errors import ConfigError

__all__ = ["SQLITE_HEADER", "check_store_folder", "may_write", "nearest_existing", "not_a_store", "read_only_store"]

SQLITE_HEADER = b"SQLite format 3\x00"


def may_write(path: Path) -> bool:
    """Whether this process may create and change files in `path` (a folder or a file)."""
    return os.access(path, os.W_OK | (os.X_OK if path.is_dir() else 0))


def nearest_existing(path: Path) -> Path:
    """`path` or its closest existing ancestor."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def not_a_store(directory: Path, reason: str) -> ConfigError:
    return ConfigError("--store", str(directory), f"a reglab store folder; {directory / 'reglab.db'} is not a reglab store ({reason})")


def read_only_store(directory: Path) -> ConfigError:
    return ConfigError("--store", str(directory), "a store this user may write; it is a read-only store (read commands still work)")


def check_store_folder(directory: Path, database: Path, create: bool) -> bool:
    """Refuse a folder that cannot be a store; return True when it may be written.

    Args:
        directory: the store folder.
        database: its `reglab.db`.
        create: whether a missing folder and database will be created.

    Raises:
        ConfigError: a file given as the folder, a database that is not SQLite,
            or a missing store under a folder this user may not write.
    """
    existing = nearest_existing(directory)
    if existing.is_file() or (existing.exists() and not existing.is_dir()):
        what = "a file" if existing == Path(os.path.abspath(directory)) else f"under the file {existing}"
        raise ConfigError("--store", str(directory), f"a folder (this path is {what})")
    if existing != Path(os.path.abspath(directory)):
        if create and not may_write(existing):
            raise ConfigError("--store", str(directory), f"a folder this user may create ({existing} is a read-only folder)")
        return True
    if database.exists():
        if not database.is_file():
            raise not_a_store(directory, "it is a folder")
        with database.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise not_a_store(directory, "not an SQLite database")
        if database.stat().st_size and database.stat().st_size < 512:
            raise not_a_store(directory, "the file is truncated")
        return may_write(database) and may_write(directory)
    if create and not may_write(directory):
        raise ConfigError("--store", str(directory), f"a folder this user may write ({directory} is a read-only folder)")
    return may_write(directory)
