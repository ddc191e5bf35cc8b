"""`reglab runs list | show | export | delete | tag`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from reglab.cli.app import fail, runs_app
from reglab.cli.options import StoreOption, existing_store
from reglab.store.export import rows_to_csv, rows_to_json, run_rows, sort_rows

__all__ = ["list_command", "show_command", "export_command", "delete_command", "tag_command"]



def _echo(text: str) -> None:
    typer.echo(text)


def _resolve(run_store, given: str) -> str:
    """The full id of a given id or prefix; one error line when it matches none or several."""
    full_id = run_store.resolve_id(given)
    if full_id is not None:
        return full_id
    matches = [run.id for run in run_store.runs() if run.id.startswith(given)] if given else []
    if len(matches) > 1:
        shown = ", ".join(f"{match[:8]}…" for match in matches[:4])
        fail(f"run id: got {given!r}; ambiguous: matches {shown}; allowed: a longer prefix")
    fail(f"run id: got {given!r}; allowed: the id (or a unique prefix) of a stored run; see 'reglab runs list'")
    raise AssertionError  # fail() exits


# Columns of `reglab.store.export.run_row` that are not config keys.
ROW_IDENTITY = {"id", "name", "status", "epochs", "sweep", "best_epoch"}


def _list_rows(run_store, sweep: Optional[str], status: Optional[str], tag: Optional[str]) -> tuple[list[dict], set[str]]:
    """The runs' rows and the config keys among their columns."""
    from reglab.cli.runs_table import list_row
    from reglab.store.edit import run_tags
    from reglab.store.export import run_row

    tags = run_tags(run_store)
    rows, config_keys = [], set()
    for run in run_store.runs(sweep=sweep, status=status):
        if tag is not None and tag not in tags.get(run.id, []):
            continue
        last = None
        if not run.summary.get("final"):
            history = run_store.history(run.id)
            last = history[-1] if history else None
        row = run_row(run)
        # The row's config keys: all but its identity columns and the run's metrics.
        metrics = set(run.summary.get("final") or {})
        config_keys.update(key for key in row if key not in ROW_IDENTITY and "/" not in key and key not in metrics)
        rows.append(list_row(row, run.started_at, last, tags.get(run.id, [])))
    return rows, config_keys


@runs_app.command("list", short_help="A table of stored runs, newest first, fitted to the terminal")
def list_command(
    sort: Optional[str] = typer.Option(None, "--sort", help="Column to sort by: started (default), test/acc, optimizer.lr, ..."),
    ascending: bool = typer.Option(False, "--ascending", help="Sort from small to large (default: large first, newest first)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Show at most N runs."),
    sweep: Optional[str] = typer.Option(None, "--sweep", help="Only the runs of this sweep."),
    status: Optional[str] = typer.Option(None, "--status", help="Only runs with this status."),
    tag: Optional[str] = typer.Option(None, "--tag", help="Only runs with this tag (see 'reglab runs tag')."),
    columns: Optional[str] = typer.Option(None, "--columns", help="Extra comma-separated columns (config keys; "
                                          "a unique last part is enough: lr)."),
    group_by: Optional[str] = typer.Option(None, "--group-by", help="Comma-separated keys (name or config keys): "
                                           "one row per group with n and mean ± std of each metric."),
    store: Optional[Path] = StoreOption,
) -> None:
    """A table of stored runs, newest first, fitted to the terminal's width."""
    from reglab.cli.runs_table import METRIC_COLUMNS, grouped_table, resolve_column, runs_table, varying_keys
    from reglab.text_table import render_table, terminal_width

    with existing_store(store) as run_store:
        rows, config_keys = _list_rows(run_store, sweep, status, tag)
    known = sorted({key for row in rows for key in row})

    def column(name: str, option: str) -> str:
        found = resolve_column(name, known, config_keys)
        if found is None and rows:
            examples = ", ".join(["name", *sorted(config_keys)][:10])
            fail(f"{option}: got {name!r}; allowed: a column of the runs, e.g. {examples} ...")
        return found or name

    sort_key = column(sort, "--sort") if sort else "started"
    # Newest rows first among equal keys too (runs started in the same second).
    rows = sort_rows(rows if ascending else rows[::-1], sort_key, descending=not ascending)
    extra = [column(name.strip(), "--columns") for name in columns.split(",") if name.strip()] if columns else []
    what = f" of sweep {sweep}" if sweep else ""
    width = terminal_width()
    if group_by:
        keys = [column(name.strip(), "--group-by") for name in group_by.split(",") if name.strip()]
        if not keys:
            fail(f"--group-by: got {group_by!r}; allowed: comma-separated keys, e.g. name or optimizer.lr")
        _echo(render_table(grouped_table(rows, keys, f"{len(rows)} runs{what}, grouped"), width))
        return
    total = len(rows)
    automatic = not extra
    if automatic:
        # What tells the runs apart: a sweep's swept keys over the whole sweep (before
        # --limit, up to 8); for other listings the first keys that differ between the
        # runs shown, as many as fit.
        extra = varying_keys(rows if sweep else rows[:limit] if limit else rows, config_keys, limit=8 if sweep else 4)
    shown_anyway = {"started", "name", "status", "epochs", "tags", *(key for key, _ in METRIC_COLUMNS)}
    if sort_key not in shown_anyway and sort_key not in extra:
        extra.append(sort_key)
    if limit:
        rows = rows[:limit]
    order = "newest first" if sort_key == "started" and not ascending else f"by {sort_key}"
    title = f"{len(rows)} run{'s' if len(rows) != 1 else ''}{what}" + (f" (of {total})" if len(rows) < total else "") + f", {order}"
    explicit = [name for name in extra if columns or name == sort_key]
    table = runs_table(rows, extra, title, explicit=explicit)
    optional = [name for name in extra if name not in explicit]
    while automatic and not sweep and optional and not table.fits(width):
        optional.pop()
        table = runs_table(rows, [*optional, *explicit], title, explicit=explicit)
    _echo(render_table(table, width))


@runs_app.command("show", short_help="One run: config differences, summary, per-epoch history")
def show_command(
    run_id: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
    as_json: bool = typer.Option(False, "--json", help="Print config, summary and history as JSON."),
    store: Optional[Path] = StoreOption,
) -> None:
    """Config differences from the defaults, summary and per-epoch history of one run."""
    from reglab.store.edit import run_tags

    with existing_store(store) as run_store:
        full_id = _resolve(run_store, run_id)
        run = run_store.get_run(full_id)
        history = run_store.history(full_id)
        tags = run_tags(run_store).get(full_id, [])
    payload = {
        "id": run.id,
        "name": run.name,
        "status": run.status,
        "sweep": run.sweep,
        "tags": tags,
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
    from reglab.cli.run_details import run_details

    _echo(run_details(run, history, tags))


@runs_app.command("export", short_help="One row per run (csv, json), or the runs into MLflow/TensorBoard")
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
    from reglab.cli.paths import check_output_file

    check_output_file("--out", out)
    with existing_store(store) as run_store:
        rows = run_rows(run_store.runs(sweep=sweep, status=status))
    text = rows_to_csv(rows) if format_ == "csv" else rows_to_json(rows)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        typer.echo(f"wrote {len(rows)} runs to {out}", err=True)


@runs_app.command("delete", short_help="Delete runs: their rows and their folders")
def delete_command(
    run_ids: List[str] = typer.Argument(..., help="Run ids (unique prefixes are enough)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Delete without asking."),
    store: Optional[Path] = StoreOption,
) -> None:
    """Delete runs: their rows in the store and their folders (weights, snapshots, analysis)."""
    from reglab.store.edit import delete_runs

    with existing_store(store) as run_store:
        ids = list(dict.fromkeys(_resolve(run_store, given) for given in run_ids))
        runs = [run_store.get_run(run_id) for run_id in ids]
        running = [run for run in runs if run.status == "running"]
        if running:
            fail(f"run id: got {running[0].id!r}; allowed: a run that is not running (it is still training)")
        for run in runs:
            _echo(f"  {run.id}  {run.name}  {run.status}  {run.epochs} epochs  started {run.started_at}")
        if not yes and not typer.confirm(f"Delete these {len(runs)} runs and their folders?", default=False):
            _echo("nothing deleted")
            return
        deleted = delete_runs(run_store, ids)
    _echo(f"deleted {len(deleted)} run{'s' if len(deleted) != 1 else ''}")


@runs_app.command("tag", short_help="Tag a run (shown and filtered by 'runs list')")
def tag_command(
    run_id: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
    tag: str = typer.Argument(..., help="The tag, e.g. baseline."),
    remove: bool = typer.Option(False, "--remove", help="Remove the tag instead."),
    store: Optional[Path] = StoreOption,
) -> None:
    """Tag a run (shown by 'runs list', filtered with 'runs list --tag TAG')."""
    from reglab.store.edit import add_tag, remove_tag

    tag = tag.strip()
    if not tag or any(char in tag for char in ",\n"):
        fail(f"tag: got {tag!r}; allowed: a non-empty word without commas or line breaks")
    with existing_store(store) as run_store:
        full_id = _resolve(run_store, run_id)
        if remove:
            changed = remove_tag(run_store, full_id, tag)
            _echo(f"{full_id}: removed tag {tag!r}" if changed else f"{full_id}: had no tag {tag!r}")
        else:
            changed = add_tag(run_store, full_id, tag)
            _echo(f"{full_id}: tagged {tag!r}" if changed else f"{full_id}: already tagged {tag!r}")
