"""`reglab report RUN_ID ... [--out FILE.html] [--figures DIR] [--title TEXT]`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from reglab.cli.app import app
from reglab.cli.options import StoreOption, existing_store

__all__ = ["report_command"]


@app.command("report", short_help="One self-contained HTML report of stored runs")
def report_command(
    run_ids: List[str] = typer.Argument(..., help="Run ids (a unique prefix is enough)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Report file (default: <store>/reports/report-<time>.html)."),
    figures: Optional[Path] = typer.Option(None, "--figures", help="Also save every figure as PNG and SVG in this folder."),
    title: str = typer.Option("reglab report", "--title", help="Report title."),
    store: Optional[Path] = StoreOption,
) -> None:
    """One self-contained HTML file: config differences, final and best metrics, every figure that applies."""
    from reglab.cli.paths import check_output_file, check_output_folder

    check_output_file("--out", out, (".html", ".htm"))
    check_output_folder("--figures", figures)
    with existing_store(store) as run_store:
        if out is None and run_store.read_only:
            from reglab.store.opening import read_only_store

            raise read_only_store(run_store.directory)  # now, not after the figures are drawn
        from reglab.report import write_report

        # Unknown ids raise ConfigError in write_report before anything is written.
        path = write_report(run_store, run_ids, out, title, figures_dir=figures)
    typer.echo(str(path))
