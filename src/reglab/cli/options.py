"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from reglab.store import RunStore, default_store_dir

__all__ = ["StoreOption", "SetOption", "open_store", "existing_store"]

StoreOption = typer.Option(None, "--store", help="Store folder (default: $REGLAB_STORE or ./reglab-runs).")
SetOption = typer.Option(None, "--set", help="Override a config key: --set optimizer.lr=0.05 (repeatable).")


def open_store(store: Optional[Path]) -> RunStore:
    """Open (creating if needed) the store for writing."""
    return RunStore(store if store is not None else default_store_dir())


def existing_store(store: Optional[Path]) -> RunStore:
    """Open a store that must already exist (read commands create nothing)."""
    from reglab.cli.app import fail

    directory = store if store is not None else default_store_dir()
    if not (directory / "reglab.db").is_file():
        fail(f"--store: no run store at {str(directory)!r}; allowed: a folder made by 'reglab train' (or set REGLAB_STORE)")
    return RunStore(directory)
