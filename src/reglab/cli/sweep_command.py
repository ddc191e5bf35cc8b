"""`reglab sweep SWEEP.yaml [--backend sequential|population|processes|ray] [--address ADDR] [--workers N] [--set KEY=VALUE ...]`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from reglab.cli.app import EXIT_FAILED, app
from reglab.cli.options import SetOption, StoreOption, store_dir

__all__ = ["sweep_command"]


@app.command("sweep", short_help="Train every config of a sweep; rerunning it resumes")
def sweep_command(
    sweep_file: Path = typer.Argument(..., help="Sweep YAML: name, base, method, parameters (see docs/sweeps.md)."),
    backend: Optional[str] = typer.Option(None, "--backend", help="sequential | population | processes | ray (default: the file's)."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address of the ray backend (default: the file's ray.address, else a local Ray)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Worker processes of the processes backend."),
    set_: Optional[List[str]] = SetOption,
    store: Optional[Path] = StoreOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress, only the final line."),
) -> None:
    """Train every config of a sweep; rerunning it resumes (completed configs are skipped).

    Several `reglab sweep` of the same file on one store share the work: each config
    is claimed in the store before it trains. Exit code 1 when a config failed.
    """
    from rich.console import Console

    from reglab.cli.interrupt import watch_store
    from reglab.cli.paths import check_store_target
    from reglab.sweep import load_sweep, run_sweep

    from reglab.cli.config_warnings import warn_about
    from reglab.config import ConfigError, load_config

    spec = load_sweep(sweep_file, set_ or [])
    directory = store_dir(store)
    check_store_target(directory)
    try:
        warn_about([load_config(base={"name": spec.name, **spec.base})])
    except ConfigError:
        pass  # a base that only validates with its swept values: expanding the sweep says what is wrong
    watch_store(directory, resumes=True, sweep=spec.name)
    console = Console(highlight=False, soft_wrap=True)  # notes stay one line in logs
    result = run_sweep(spec, backend=backend, store=directory, workers=workers, console=console, quiet=quiet, address=address)
    counts = ", ".join(f"{count} {status}" for status, count in sorted(result.statuses.items()))
    elsewhere = f", {result.elsewhere} trained by another process" if result.elsewhere else ""
    if result.answered:
        elsewhere += f", {result.answered} told from stored runs of the same config"
    typer.echo(
        f"sweep {result.name}: {result.total} configs, {result.skipped} already done, {result.trained} trained now"
        f"{elsewhere}; store holds {counts or 'no runs'}"
    )
    for line in result.failures:
        typer.echo(f"failed: {line}", err=True)
    typer.echo(f"see: reglab runs list --sweep {result.name} --sort test/acc")
    if result.failures:
        raise typer.Exit(EXIT_FAILED)
