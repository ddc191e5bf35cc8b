"""A side-by-side table of runs: final metrics, parameter norm, sparsity, stop epoch."""

from __future__ import annotations

from typing import Sequence

from rich.table import Table

from reglab.engine.run import Run

__all__ = ["comparison_table"]

# (metric key, header); a column appears when at least one run has the metric.
COLUMNS = (
    ("train/acc", "train acc"),
    ("val/acc", "val acc"),
    ("test/acc", "test acc"),
    ("test/loss", "test loss"),
    ("param/l2/total", "‖w‖₂"),
    ("param/sparsity/total", "sparsity"),
)


def comparison_table(runs: Sequence[Run], title: str = "comparison") -> Table:
    """Rows = runs; final metrics of the last epoch, best epoch, status and training time."""
    finals = [run.history[-1] if run.history else {} for run in runs]
    columns = [(key, header) for key, header in COLUMNS if any(key in final for final in finals)]
    table = Table(title=title)
    table.add_column("run", no_wrap=True)
    table.add_column("id", no_wrap=True)
    for _, header in columns:
        table.add_column(header, justify="right")
    for header in ("epochs", "best epoch", "status", "seconds"):
        table.add_column(header, justify="right" if header != "status" else "left")
    for run, final in zip(runs, finals):
        cells = [f"{final[key]:.4f}" if key in final else "-" for key, _ in columns]
        table.add_row(
            run.name,
            run.id or "-",
            *cells,
            str(len(run.history)),
            str(run.summary.get("best_epoch") or "-"),
            run.status,
            f"{run.summary.get('time/total', 0.0):.2f}",
        )
    return table
