"""Options shared by several commands, and the stores they open."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:
    from reglab.store import RunStore

__all__ = ["StoreOption", "SetOption", "store_dir", "open_store", "existing_store"]

StoreOption = typer.Option(None, "--store", help="Store folder (default: $REGLAB_STORE or ./reglab-runs).")
SetOption = typer.Option(None, "--set", help="Override a config key: --set optimizer.lr=0.05 (repeatable).")
# Tiny networks spend their time in per-op overhead; on 2 shared cores two OpenMP threads
# were measured 10-40x slower than one (see docs/reports.md).
ThreadsOption = typer.Option(1, "--threads", min=1, help="torch CPU threads (1: small nets are overhead-bound; "
                             "more threads on shared cores can be many times slower).")


def store_dir(store: Optional[Path]) -> Path:
    """The store folder a command uses: `--store`, else `$REGLAB_STORE`, else `./reglab-runs`."""
    from reglab.store.sqlite import default_store_dir

    return store if store is not None else default_store_dir()


def open_store(store: Optional[Path]) -> "RunStore":
    """Open (creating if needed) the store for writing."""
    from reglab.store import RunStore

    return RunStore(store_dir(store))


def existing_store(store: Optional[Path], read_only: bool = False) -> "RunStore":
    """Open a store that must already exist (read commands create nothing).

    A store this user may not write opens read-only, so listing and showing runs work;
    `read_only=True` opens it read-only in any case.
    """
    from reglab.cli.app import fail
    from reglab.store import RunStore

    directory = store_dir(store)
    if directory.exists() and not directory.is_dir():
        fail(f"--store: got {str(directory)!r}; allowed: a folder (this path is a file)")
    if not (directory / "reglab.db").exists():
        fail(f"--store: no run store at {str(directory)!r}; allowed: a folder made by 'reglab train' (or set REGLAB_STORE)")
    return RunStore(directory, read_only=read_only)
