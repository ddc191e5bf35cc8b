"""One `warning:` line on stderr per distinct surprise in the configs a command trains."""

from __future__ import annotations

from typing import Iterable

import typer

__all__ = ["warn_about"]


def warn_about(configs: Iterable[object]) -> None:
    """Print each distinct `feasibility_notes` line of `configs` once."""
    from reglab.config.feasibility import feasibility_notes

    seen: dict[str, None] = {}
    for config in configs:
        for note in feasibility_notes(config):
            seen.setdefault(note)
    for note in seen:
        typer.echo(f"warning: {note}", err=True)
