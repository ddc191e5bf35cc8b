"""A side-by-side table of runs: final and best metrics, parameter norm, stop epoch."""

from __future__ import annotations

from typing import Sequence

from rich.table import Table

from reglab.engine.run import Run

__all__ = ["comparison_table"]

COLUMNS = (
    ("train/acc", "train acc"),
    ("val/acc", "val acc"),
    ("test/acc", "test acc"),
    ("test/loss", "test loss"),
)


def comparison_table(runs: Sequence[Run], title: str = "comparison") -> Table:
    """Rows = runs; final train/val/test accuracy, test loss, best epoch, time."""
    table = Table(title=title)
    table.add_column("run")
    table.add_column("id")
    for _, header in COLUMNS:
        table.add_column(header, justify="right")
    table.add_column("best epoch", justify="right")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    for run in runs:
        final = run.history[-1] if run.history else {}
        cells = [f"{final[key]:.4f}" if key in final else "-" for key, _ in COLUMNS]
        table.add_row(
            run.name,
            run.id or "-",
            *cells,
            str(run.summary.get("best_epoch") or "-"),
            run.status,
            f"{run.summary.get('time/total', 0.0):.2f}",
        )
    return table
