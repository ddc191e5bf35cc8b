"""`reglab train [CONFIG] [--set KEY=VALUE ...] [--store DIR] [--json] [--quiet]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from reglab.cli.app import app
from reglab.cli.options import SetOption, StoreOption
from reglab.config import ConfigError, load_config

__all__ = ["train_command"]


@app.command("train")
def train_command(
    config: Optional[Path] = typer.Argument(None, help="YAML config file (keys: docs/config.md)."),
    set_: Optional[List[str]] = SetOption,
    store: Optional[Path] = StoreOption,
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as one JSON object."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar, no epoch lines."),
    resume_id: Optional[str] = typer.Option(
        None, "--resume", metavar="RUN_ID", help="Continue an interrupted run from its last finished epoch."
    ),
) -> None:
    """Train one configuration and store the run (or resume an interrupted one)."""
    from reglab.engine.run import resume, train
    from reglab.engine.setup import build_setup  # noqa: F401  (import cost paid before the bar)

    if resume_id is not None:
        if config is not None or set_:
            raise ConfigError("--resume", resume_id, "no config file or --set with --resume (the run keeps its config)")
        run = resume(resume_id, store=store, verbose=not (quiet or as_json))
    else:
        run = train(load_config(config, set_ or []), store=store, verbose=not (quiet or as_json))
    if as_json:
        typer.echo(json.dumps(run.to_json(), default=float))
    elif not quiet:
        final = run.history[-1] if run.history else {}
        shown = ", ".join(f"{key} {final[key]:.4f}" for key in ("train/acc", "val/acc", "test/acc", "test/loss") if key in final)
        typer.echo(f"run {run.id} {run.status} after {len(run.history)} epochs: {shown}")
        typer.echo(f"stored in {run.store}")
