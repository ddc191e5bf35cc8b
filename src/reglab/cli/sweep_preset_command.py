"""`reglab compare --preset fantastic-measures [--set KEY=VALUE] [--vary KEY=V1,V2] [--out FILE.html]`:
a sweep preset trained as populations, then its measures ranked (`reglab.compare.sweep_ranking`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence

import typer

from reglab.cli.app import EXIT_FAILED, fail
from reglab.cli.options import store_dir
from reglab.compare.presets.sweep_preset import SweepPreset

__all__ = ["run_sweep_preset_command"]


def run_sweep_preset_command(
    preset: SweepPreset,
    configs: Sequence[Path],
    varies: Sequence[str],
    sets: Sequence[str],
    out: Optional[Path],
    store: Optional[Path],
    threads: int,
    quiet: bool,
    unsupported: Sequence[str] = (),
) -> None:
    """Check the input, train the sweep (resuming what the store holds), print the ranking and the page's path.

    `unsupported`: the `reglab compare` options given that a sweep preset does not use.
    """
    from rich.console import Console

    from reglab.cli.interrupt import watch_store
    from reglab.cli.paths import check_output_file, check_store_target
    from reglab.compare.presets.sweep_preset import sweep_spec
    from reglab.compare.sweep_ranking import run_sweep_preset
    from reglab.text_table import terminal_width, wrap_line

    if configs:
        fail(f"--preset: got {preset.name!r} with config files; allowed: either config files or a preset, not both")
    if unsupported:
        fail(f"{unsupported[0]}: got it with --preset {preset.name}; allowed: --set, --vary, --out, --store, --threads, "
             "--quiet (a sweep preset trains as populations and writes a ranking page)")
    check_output_file("--out", out, (".html", ".htm"))
    spec = sweep_spec(preset, sets, varies)  # bad --set/--vary: one line before anything is written
    directory = store_dir(store)
    check_store_target(directory)
    watch_store(directory, resumes=True, sweep=spec.name)
    import torch

    torch.set_num_threads(threads)  # the sweep's two shards step on two cores at once (population.shards)
    width = terminal_width()
    console = Console(highlight=False, width=width)  # the sweep's notes wrap to the table's width
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    result = run_sweep_preset(preset, directory, sets, varies, out, console=console, quiet=quiet, width=width)
    trained = result.sweep
    if not quiet:
        counts = ", ".join(f"{count} {status}" for status, count in sorted(trained.statuses.items()))
        typer.echo("")
        typer.echo(wrap_line(f"{preset.title} ({preset.source})", width))
        typer.echo(wrap_line(
            f"sweep {trained.name}: {trained.total} configs, {trained.skipped} already done, {trained.trained} trained now; "
            f"store holds {counts or 'no runs'}; {result.seconds:.0f} s (load average {load:.2f} at the start, "
            f"{os.getloadavg()[0]:.2f} at the end)", width))
        # (the table's title line is not fitted by the table itself: a long sweep name overflows it)
        typer.echo("\n".join(wrap_line(line, width) for line in result.ranking.table.splitlines()))
        if result.fitted is not None:
            typer.echo("")
            typer.echo(wrap_line(f"Only the runs that fit their training set (train acc ≥ {preset.fit_target:g}), "
                                 f"also in {result.fitted.report}:", width))
            typer.echo("\n".join(wrap_line(line, width) for line in result.fitted.table.splitlines()))
    for line in trained.failures:
        typer.echo(f"failed: {line}", err=True)
    ranked = result.ranking.runs
    if len(ranked.run_ids) < 2 or not ranked.measures:
        typer.echo(f"ranking: {len(ranked.run_ids)} finished runs with measures; at least 2 are needed", err=True)
        raise typer.Exit(EXIT_FAILED)
    typer.echo(str(result.ranking.report))
    if trained.failures:
        raise typer.Exit(EXIT_FAILED)
