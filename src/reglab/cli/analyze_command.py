"""`reglab analyze RUN_ID [--store DIR] [--grid 21] [--samples 512] [--directions auto|pca|random]`
and `reglab analyze --sweep NAME [--gap acc|loss] [--out FILE]`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from reglab.cli.app import app, fail
from reglab.cli.options import StoreOption, existing_store

__all__ = ["analyze_command"]


@app.command("analyze", short_help="Weight-trajectory PCA, loss along init→final, loss surface")
def analyze_command(
    run_id: Optional[str] = typer.Argument(None, help="Run id (a unique prefix is enough); or use --sweep."),
    store: Optional[Path] = StoreOption,
    grid: int = typer.Option(21, "--grid", help="Points per axis of the loss surface (odd keeps the final weights on it)."),
    samples: int = typer.Option(512, "--samples", help="Size of the fixed, seeded evaluation subset."),
    directions: str = typer.Option(
        "auto", "--directions", help="Surface plane: pca (snapshot trajectory), random (filter-normalised), auto."
    ),
    split: str = typer.Option("train", "--split", help="Split the evaluation subset is drawn from: train, val, test."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Subset and direction seed (default: the run's seed)."),
    sweep: Optional[str] = typer.Option(
        None, "--sweep", help="Rank every measure/* metric of this sweep's runs by Kendall's τ with the generalization gap."
    ),
    gap: str = typer.Option("acc", "--gap", help="With --sweep: acc (train − test accuracy) or loss (test − train loss)."),
    out: Optional[Path] = typer.Option(None, "--out", help="With --sweep: the HTML file (default: <store>/reports/)."),
) -> None:
    """PCA of the weight trajectory, loss along init→final, and the loss surface around the final weights;
    with --sweep, which measure predicts the generalization gap."""
    if sweep is not None:
        if run_id is not None:
            fail(f"run id: got {run_id!r} with --sweep {sweep!r}; allowed: a run id or --sweep, not both")
        _rank_sweep(sweep, store, gap, out)
        return
    if run_id is None:
        fail("run id: missing; allowed: a run id (reglab runs list) or --sweep NAME")
    from reglab.engine.analysis import analyze_run

    from reglab.store.opening import read_only_store

    with existing_store(store) as run_store:
        if run_store.read_only:
            raise read_only_store(run_store.directory)  # the analysis is written into the run's folder
        analysis = analyze_run(run_id, run_store, grid=grid, samples=samples, directions=directions, split=split, seed=seed)
    typer.echo(f"run {analysis.run_id}: loss surface in the {analysis.directions} plane")
    for note in analysis.notes:
        typer.echo(note)
    for path in analysis.files:
        typer.echo(f"wrote {path}")


def _rank_sweep(sweep: str, store: Optional[Path], gap: str, out: Optional[Path]) -> None:
    """`analyze --sweep`: check the input, print the ranking table, write the HTML page."""
    if gap not in ("acc", "loss"):
        fail(f"--gap: got {gap!r}; allowed: acc, loss")
    if out is not None and out.exists() and out.is_dir():
        fail(f"--out: got {str(out)!r}; allowed: a file path (this is a folder)")
    from reglab.ranking import collect_sweep, rank_measures, ranking_table, write_ranking_page
    from reglab.report.html import default_report_path
    from reglab.store.opening import read_only_store
    from reglab.text_table import terminal_width

    with existing_store(store) as run_store:
        if not run_store.runs(sweep=sweep):
            names = sorted({run.sweep for run in run_store.runs() if run.sweep})
            allowed = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "") if names else "none in this store"
            fail(f"--sweep: got {sweep!r}; allowed: a sweep of this store ({allowed})")
        runs = collect_sweep(run_store, sweep, gap)  # type: ignore[arg-type]
        if len(runs.run_ids) < 2:
            fail(f"--sweep: got {sweep!r}; allowed: a sweep with at least 2 finished runs with a {gap} gap ({len(runs.run_ids)} found)")
        if not runs.measures:
            fail(f"--sweep: got {sweep!r}; allowed: a sweep whose runs record measure/* metrics (set measures.* in its config)")
        if out is None and run_store.read_only:
            raise read_only_store(run_store.directory)
        path = out if out is not None else default_report_path(run_store, f"ranking-{sweep}")
    ranks = rank_measures(runs)
    typer.echo(ranking_table(runs, ranks, terminal_width()))
    typer.echo(f"wrote {write_ranking_page(runs, ranks, path)}")
