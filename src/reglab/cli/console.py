"""The console every command prints through: wide enough for tables when piped."""

from __future__ import annotations

from rich.console import Console

__all__ = ["make_console"]


def make_console() -> Console:
    """A rich console; 200 columns when stdout is not a terminal (pipes, CI logs) and
    `$COLUMNS` does not say otherwise."""
    import os

    console = Console(highlight=False)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        console = Console(highlight=False, width=200)
    return console
