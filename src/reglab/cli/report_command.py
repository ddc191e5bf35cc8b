"""`reglab report RUN_ID ... [--out FILE.html] [--figures DIR] [--title TEXT]`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from reglab.cli.app import app, fail
from reglab.cli.options import StoreOption, existing_store

__all__ = ["report_command"]


@app.command("report")
def report_command(
    run_ids: List[str] = typer.Argument(..., help="Run ids (a unique prefix is enough)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Report file (default: <store>/reports/report-<time>.html)."),
    figures: Optional[Path] = typer.Option(None, "--figures", help="Also save every figure as PNG and SVG in this folder."),
    title: str = typer.Option("reglab report", "--title", help="Report title."),
    store: Optional[Path] = StoreOption,
) -> None:
    """One self-contained HTML file: config differences, final and best metrics, every figure that applies."""
    from reglab.report import write_report

    if out is not None and out.suffix.lower() not in (".html", ".htm"):
        fail(f"--out: got {str(out)!r}; allowed: a file name ending in .html")
    if out is not None and out.parent != Path("") and not out.parent.exists():
        fail(f"--out: got {str(out)!r}; allowed: a file in an existing folder")
    with existing_store(store) as run_store:
        # Unknown ids raise ConfigError in write_report before anything is written.
        path = write_report(run_store, run_ids, out, title, figures_dir=figures)
    typer.echo(str(path))
