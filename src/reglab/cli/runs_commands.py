"""`reglab runs list | show | export`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from reglab.cli.app import fail, runs_app
from reglab.cli.console import make_console
from reglab.cli.options import StoreOption, existing_store
from reglab.store.export import rows_to_csv, rows_to_json, run_rows, sort_rows

__all__ = ["list_command", "show_command", "export_command"]

SUMMARY_COLUMNS = ("train/acc", "val/acc", "test/acc", "test/loss")


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


@runs_app.command("list")
def list_command(
    sort: Optional[str] = typer.Option(None, "--sort", help="Column to sort by, e.g. test/acc or optimizer.lr."),
    ascending: bool = typer.Option(False, "--ascending", help="Sort from small to large (default: large first)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Show at most N runs."),
    sweep: Optional[str] = typer.Option(None, "--sweep", help="Only the runs of this sweep."),
    status: Optional[str] = typer.Option(None, "--status", help="Only runs with this status."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Extra comma-separated columns (config keys)."),
    store: Optional[Path] = StoreOption,
) -> None:
    """A table of stored runs."""
    with existing_store(store) as run_store:
        rows = run_rows(run_store.runs(sweep=sweep, status=status))
    if sort:
        known = {key for row in rows for key in row}
        if rows and sort not in known:
            fail(f"--sort: got {sort!r}; allowed: a column of the runs, e.g. {', '.join(sorted(known)[:12])} ...")
        rows = sort_rows(rows, sort, descending=not ascending)
    extra = [column.strip() for column in columns.split(",")] if columns else []
    if sweep and rows and not extra:
        extra = _varying_keys(rows)  # over the whole sweep, before --limit
    if limit:
        rows = rows[:limit]
    shown = ["id", "name", "status", "epochs", *extra, *SUMMARY_COLUMNS]
    if sort and sort not in shown:
        shown.append(sort)
    table = Table(title=f"{len(rows)} runs" + (f" of sweep {sweep}" if sweep else ""))
    for column in shown:
        left = column in ("id", "name", "status")
        table.add_column(column, justify="left" if left else "right", no_wrap=column == "id")
    for row in rows:
        table.add_row(*(_format(row.get(column)) for column in shown))
    make_console().print(table)


IDENTITY_COLUMNS = {"id", "name", "status", "epochs", "sweep", "best_epoch"}


def _varying_keys(rows: list[dict]) -> list[str]:
    """Config keys whose value differs between the rows (the swept ones, seed included)."""
    from reglab.config import Config

    top_level = set(Config.model_fields) | {"epochs_planned"}
    keys = [key for key in rows[0] if ("." in key or key in top_level) and "/" not in key and key not in IDENTITY_COLUMNS]
    return [key for key in keys if len({json.dumps(row.get(key), default=str) for row in rows}) > 1][:8]


@runs_app.command("show")
def show_command(
    run_id: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
    as_json: bool = typer.Option(False, "--json", help="Print config, summary and history as JSON."),
    store: Optional[Path] = StoreOption,
) -> None:
    """Config, summary and per-epoch history of one run."""
    with existing_store(store) as run_store:
        full_id = run_store.resolve_id(run_id)
        if full_id is None:
            fail(f"run id: got {run_id!r}; allowed: the id (or a unique prefix) of a stored run; see 'reglab runs list'")
        run = run_store.get_run(full_id)
        history = run_store.history(full_id)
    payload = {
        "id": run.id,
        "name": run.name,
        "status": run.status,
        "sweep": run.sweep,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "reglab_version": run.reglab_version,
        "config": run.config,
        "summary": run.summary,
        "history": history,
    }
    if as_json:
        typer.echo(json.dumps(payload, default=float))
        return
    console = make_console()
    console.print(f"run {run.id} ({run.name}): {run.status}, {run.epochs} epochs, started {run.started_at}")
    if run.error:
        console.print(f"error: {run.error.strip().splitlines()[-1]}", markup=False)
    table = Table(title="history")
    keys = [key for key in ("epoch", "train/loss", "train/acc", "val/loss", "val/acc", "test/loss", "test/acc", "lr") if any(key in row for row in history)]
    for key in keys:
        table.add_column(key, justify="right")
    for row in history:
        table.add_row(*(_format(row.get(key)) for key in keys))
    console.print(table)
    best = run.summary.get("best_epoch")
    if best:
        console.print(f"best epoch {best} by {run.summary.get('best_monitor')}")


@runs_app.command("export")
def export_command(
    format_: str = typer.Option("csv", "--format", help="csv, json, mlflow or tensorboard."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of stdout (tensorboard: the log folder)."),
    sweep: Optional[str] = typer.Option(None, "--sweep", help="Only the runs of this sweep."),
    status: Optional[str] = typer.Option(None, "--status", help="Only runs with this status."),
    uri: Optional[str] = typer.Option(None, "--uri", help="mlflow: the tracking URI, e.g. sqlite:///mlflow.db."),
    experiment: Optional[str] = typer.Option(None, "--experiment", help="mlflow: the experiment (default: each run's sweep, else reglab)."),
    store: Optional[Path] = StoreOption,
) -> None:
    """One row per run (csv, json), or every run copied into MLflow or TensorBoard."""
    if format_ not in ("csv", "json", "mlflow", "tensorboard"):
        fail(f"--format: got {format_!r}; allowed: csv, json, mlflow, tensorboard")
    if format_ in ("mlflow", "tensorboard"):
        from reglab.tracking.export_command import export_to_tracker

        with existing_store(store) as run_store:
            typer.echo(export_to_tracker(run_store, run_store.runs(sweep=sweep, status=status), format_, uri, experiment, out), err=True)
        return
    if out is not None and not out.parent.exists():
        fail(f"--out: got {str(out)!r}; allowed: a file in an existing folder")
    with existing_store(store) as run_store:
        rows = run_rows(run_store.runs(sweep=sweep, status=status))
    text = rows_to_csv(rows) if format_ == "csv" else rows_to_json(rows)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        typer.echo(f"wrote {len(rows)} runs to {out}", err=True)
