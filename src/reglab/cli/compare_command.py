"""`reglab compare [CONFIG ...] [--preset NAME] [--vary KEY=V1,V2 ...] [--set KEY=VALUE ...] [--out FILE.html]`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from reglab.cli.app import EXIT_FAILED, app, fail
from reglab.cli.options import SetOption, StoreOption, ThreadsOption, open_store, store_dir

__all__ = ["compare_command"]


def _list_presets() -> None:
    from rich.table import Table

    from reglab.cli.console import make_console
    from reglab.compare.presets import PRESETS, SWEEP_PRESETS

    table = Table(title="reglab compare presets")
    for column in ("name", "runs", "source", "what it shows"):
        table.add_column(column, overflow="fold")
    for preset in PRESETS.values():
        table.add_row(preset.name, str(len(preset.variants)), preset.source, preset.expectation)
    for sweep_preset in SWEEP_PRESETS.values():
        table.add_row(sweep_preset.name, f"{sweep_preset.size:,}", sweep_preset.source, sweep_preset.expectation)
    make_console().print(table)


@app.command("compare", short_help="Train several configs on one split and seed; one HTML report")
def compare_command(
    configs: Optional[List[Path]] = typer.Argument(None, help="YAML configs, one run each."),
    preset: Optional[str] = typer.Option(None, "--preset", help="A named comparison (see --list)."),
    vary: Optional[List[str]] = typer.Option(None, "--vary", help="KEY=V1,V2,... one run per value (repeat to cross keys)."),
    set_: Optional[List[str]] = SetOption,
    out: Optional[Path] = typer.Option(None, "--out", help="Report file (default: <store>/reports/<title>-<time>.html)."),
    figures: Optional[Path] = typer.Option(None, "--figures", help="Also save every figure as PNG and SVG in this folder."),
    title: Optional[str] = typer.Option(None, "--title", help="Report title."),
    analyze: bool = typer.Option(False, "--analyze", help="Also run 'reglab analyze' on every run (interpolation, "
                                 "loss surface, PCA path) so the report shows those figures."),
    threads: int = ThreadsOption,
    backend: Optional[str] = typer.Option(None, "--backend", help="sequential | population (runs that share an "
                                          "architecture shape train at once, each reproducing its single run); "
                                          "default: the preset's, else sequential."),
    seeds: Optional[int] = typer.Option(None, "--seeds", min=1, help="Train every config with N seeds (its seed, "
                                        "+1, ...); the table and report show mean ± std per config. Default: the "
                                        "preset's, else 1."),
    list_presets: bool = typer.Option(False, "--list", help="List the presets and exit."),
    store: Optional[Path] = StoreOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the report path."),
) -> None:
    """Train several configs on the same data split and seed; write one HTML report.

    Every config is validated before the first run starts; --set applies to every run
    (after the preset's or file's own keys).
    """
    if list_presets:
        _list_presets()
        return
    from reglab.compare.presets import SWEEP_PRESETS

    if preset in SWEEP_PRESETS:  # a whole sweep, ranked by its measures
        from reglab.cli.sweep_preset_command import run_sweep_preset_command

        others = {"--figures": figures is not None, "--title": title is not None, "--analyze": analyze,
                  "--seeds": seeds not in (None, 1), "--backend": backend not in (None, "sequential", "population")}
        run_sweep_preset_command(SWEEP_PRESETS[preset], configs or [], vary or [], set_ or [], out, store, threads, quiet,
                                 unsupported=[name for name, given in others.items() if given])
        return
    from reglab.cli.console import make_console
    from reglab.cli.interrupt import watch_store
    from reglab.cli.paths import check_output_file, check_output_folder, check_store_target
    from reglab.compare.table import comparison_table, grouped_comparison_table, progress_line
    from reglab.compare.session import plan_comparison, run_comparison
    from reglab.text_table import render_table, terminal_width, wrap_line
    from reglab.compare.training import COMPARE_BACKENDS

    if backend is not None and backend not in COMPARE_BACKENDS:
        fail(f"--backend: got {backend!r}; allowed: {' | '.join(COMPARE_BACKENDS)}")
    check_output_file("--out", out, (".html", ".htm"))
    check_output_folder("--figures", figures)
    plan = plan_comparison(configs or [], preset, vary or [], set_ or [], title, seeds=seeds)
    directory = store_dir(store)
    check_store_target(directory)
    watch_store(directory, resumes=False)
    if not quiet:
        from reglab.cli.config_warnings import warn_about

        warn_about(plan.configs)
    import torch

    torch.set_num_threads(threads)  # one by default: see ThreadsOption
    console = make_console()
    width = terminal_width()

    def progress(run) -> None:
        if quiet:
            return
        typer.echo(wrap_line(progress_line(run), width))

    if not quiet:
        console.print(f"{plan.title}: {len(plan.configs)} runs", markup=False)
    from reglab.config import ConfigError

    try:
        result = run_comparison(
            plan, open_store(directory), out, on_run=progress, figures_dir=figures, analyze=analyze, backend=backend
        )
    except ConfigError:
        raise
    except Exception as error:  # a run raised: it is stored as failed, with its traceback
        typer.echo(f"comparison failed: {type(error).__name__}: {' '.join(str(error).split())}", err=True)
        typer.echo(f"see: reglab runs list --status failed --store {directory}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    if not quiet:
        repeated = len({run.name for run in result.runs}) < len(result.runs)
        table = grouped_comparison_table if repeated else comparison_table
        typer.echo(render_table(table(result.runs, title=plan.title), width))
        for note in result.notes[1:]:
            typer.echo(f"\n{note.title}\n{note.text}")
    typer.echo(str(result.report))
