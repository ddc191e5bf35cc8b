"""`reglab train [CONFIG] [--set KEY=VALUE ...] [--store DIR] [--json] [--quiet]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from reglab.cli.app import EXIT_FAILED, app
from reglab.cli.options import SetOption, StoreOption, store_dir

__all__ = ["train_command"]


@app.command("train", short_help="Train one configuration and store the run, or resume one")
def train_command(
    config: Optional[Path] = typer.Argument(None, help="YAML config file (keys: docs/config.md)."),
    set_: Optional[List[str]] = SetOption,
    store: Optional[Path] = StoreOption,
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as one JSON object."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar, no epoch lines: print only the run id."),
    resume_id: Optional[str] = typer.Option(
        None, "--resume", metavar="RUN_ID", help="Continue an interrupted run from its last finished epoch."
    ),
) -> None:
    """Train one configuration and store the run (or resume an interrupted one).

    Exit code 1 when training raised (the run is stored as failed, with its traceback).
    """
    from reglab.cli.interrupt import watch_store
    from reglab.cli.paths import check_store_target
    from reglab.config import ConfigError, load_config

    from reglab.cli.config_warnings import warn_about

    if resume_id is not None and (config is not None or set_):
        raise ConfigError("--resume", resume_id, "no config file or --set with --resume (the run keeps its config)")
    cfg = load_config(config, set_ or []) if resume_id is None else None
    directory = store_dir(store)
    check_store_target(directory)
    if cfg is not None:
        warn_about([cfg])
    watch_store(directory, resumes=False)
    from reglab.engine.run import resume, train
    from reglab.engine.setup import build_setup  # noqa: F401  (import cost paid before the bar)
    from reglab.store import RunStore

    try:
        if resume_id is not None:
            run = resume(resume_id, store=directory, verbose=not (quiet or as_json))
        else:
            run = train(cfg, store=directory, verbose=not (quiet or as_json))
    except ConfigError:
        raise
    except Exception as error:
        with RunStore(directory, read_only=True) as run_store:
            failed = [run for run in run_store.runs_of_process() if run.status == "failed"]
        where = f"run {failed[-1].id} failed" if failed else "training failed"
        typer.echo(f"{where}: {type(error).__name__}: {' '.join(str(error).split())}", err=True)
        if failed:
            typer.echo(f"see: reglab runs show {failed[-1].id} --store {directory}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    if as_json:
        typer.echo(json.dumps(run.to_json(), default=float))
    elif quiet:
        typer.echo(run.id)
    else:
        final = run.history[-1] if run.history else {}
        shown = ", ".join(f"{key} {final[key]:.4f}" for key in ("train/acc", "val/acc", "test/acc", "test/loss") if key in final)
        typer.echo(f"run {run.id} {run.status} after {len(run.history)} epochs: {shown}")
        typer.echo(f"stored in {run.store}")
