"""`reglab demo`: seed 000's lab on `digits` — plain, weight decay, batchnorm, batchnorm + dropout."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from reglab.cli.app import app
from reglab.cli.options import StoreOption, ThreadsOption, open_store

__all__ = ["demo_command", "demo_plan"]


def demo_plan(epochs: int):
    """Seed 000's lab preset, its first four variants (plain, weight decay, batchnorm,
    batchnorm + dropout), without snapshots so the demo stays a few seconds."""
    from reglab.compare.presets.seed000 import SEED000_LAB

    base = {key: value for key, value in SEED000_LAB.base.items() if key != "trajectory"}
    return {**base, "epochs": epochs}, list(SEED000_LAB.variants[:4])


@app.command("demo", short_help="Seed 000's regularization lab on digits, four ways, in seconds")
def demo_command(
    store: Optional[Path] = StoreOption,
    epochs: int = typer.Option(30, "--epochs", min=1, help="Epochs per run."),
    threads: int = ThreadsOption,
) -> None:
    """Seed 000's regularization lab on digits, four ways, in a few seconds."""
    import torch

    from reglab.cli.console import make_console
    from reglab.cli.interrupt import watch_store
    from reglab.compare import comparison_table, train_variants

    torch.set_num_threads(threads)  # one by default, as `reglab compare`: see ThreadsOption
    console = make_console()
    base, variants = demo_plan(epochs)
    run_store = open_store(store)
    watch_store(run_store.directory, resumes=False)  # Ctrl-C names the runs it left

    def report(variant, run) -> None:
        final = run.history[-1]
        console.print(
            f"  {variant.label:<22} test acc {final['test/acc']:.4f}  ({run.summary['time/total']:.2f} s training)",
            markup=False,
        )

    console.print(f"reglab demo: the seed-000 MLP (16-32-24) on digits, {epochs} epochs each", markup=False)
    runs = train_variants(base, variants, run_store, on_run=report)
    console.print(comparison_table(runs, title="seed 000 lab on digits"))
    console.print(f"runs stored in {run_store.directory} (see: reglab runs list --store {run_store.directory})", markup=False)
