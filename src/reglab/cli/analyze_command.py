"""`reglab analyze RUN_ID [--store DIR] [--grid 21] [--samples 512] [--directions auto|pca|random]`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from reglab.cli.app import app
from reglab.cli.options import StoreOption, existing_store

__all__ = ["analyze_command"]


@app.command("analyze")
def analyze_command(
    run_id: str = typer.Argument(..., help="Run id (a unique prefix is enough)."),
    store: Optional[Path] = StoreOption,
    grid: int = typer.Option(21, "--grid", help="Points per axis of the loss surface (odd keeps the final weights on it)."),
    samples: int = typer.Option(512, "--samples", help="Size of the fixed, seeded evaluation subset."),
    directions: str = typer.Option(
        "auto", "--directions", help="Surface plane: pca (snapshot trajectory), random (filter-normalised), auto."
    ),
    split: str = typer.Option("train", "--split", help="Split the evaluation subset is drawn from: train, val, test."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Subset and direction seed (default: the run's seed)."),
) -> None:
    """PCA of the weight trajectory, loss along init→final, and the loss surface around the final weights."""
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
