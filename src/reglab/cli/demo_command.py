"""`reglab demo`: seed 000's lab on `digits` — plain, weight decay, batchnorm, batchnorm + dropout."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from reglab.cli.app import app
from reglab.cli.console import make_console
from reglab.cli.options import StoreOption, open_store

__all__ = ["demo_command", "DEMO_BASE", "DEMO_VARIANTS"]

DEMO_BASE = {
    "seed": 0,
    "epochs": 30,
    "data": {"dataset": "digits", "batch_size": 64},
    "model": {"preset": "mlp_seed000"},
    "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9},
}


def demo_variants():
    from reglab.compare import Variant

    return [
        Variant("plain"),
        Variant("weight decay 5e-4", (("optimizer.weight_decay", 5e-4),)),
        Variant("batchnorm", (("model.norm", "batch"),)),
        Variant("batchnorm + dropout", (("model.preset", "mlp_bn_drop"),)),
    ]


@app.command("demo")
def demo_command(
    store: Optional[Path] = StoreOption,
    epochs: int = typer.Option(30, "--epochs", min=1, help="Epochs per run."),
) -> None:
    """Seed 000's regularization lab on digits, four ways, in a few seconds."""
    from reglab.compare import comparison_table, train_variants

    console = make_console()
    base = {**DEMO_BASE, "epochs": epochs}
    run_store = open_store(store)

    def report(variant, run) -> None:
        final = run.history[-1]
        console.print(
            f"  {variant.label:<22} test acc {final['test/acc']:.4f}  ({run.summary['time/total']:.2f} s training)",
            markup=False,
        )

    console.print(f"reglab demo: the seed-000 MLP (16-32-24) on digits, {epochs} epochs each", markup=False)
    runs = train_variants(base, demo_variants(), run_store, on_run=report)
    console.print(comparison_table(runs, title="seed 000 lab on digits"))
    console.print(f"runs stored in {run_store.directory} (see: reglab runs list --store {run_store.directory})", markup=False)
