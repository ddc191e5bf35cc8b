"""A side-by-side table of runs, measured on the weights each run ends with."""

from __future__ import annotations

from typing import Sequence

import torch
from rich.table import Table

from reglab.engine.run import Run

__all__ = ["comparison_table", "final_weight_stats"]

# (metric key, header): validation and test figures of the final weights (`final_eval`:
# after restoring the best epoch, weight averaging or pruning), train accuracy of the last epoch.
COLUMNS = (
    ("train/acc", "train acc"),
    ("val/acc", "val acc"),
    ("test/acc", "test acc"),
    ("test/loss", "test loss"),
)


@torch.no_grad()
def final_weight_stats(model: torch.nn.Module) -> tuple[float, float]:
    """‖θ‖₂ over all parameters (as `param/l2/total`) and the fraction of exact zeros."""
    flat = torch.cat([parameter.detach().reshape(-1) for parameter in model.parameters()])
    return float(flat.norm()), float((flat == 0).float().mean())


def comparison_table(runs: Sequence[Run], title: str = "comparison") -> Table:
    """Rows = runs: final metrics, ‖θ‖₂ and sparsity of the final weights, best epoch, status, time."""
    finals = []
    for run in runs:
        final = dict(run.history[-1]) if run.history else {}
        final.update(run.summary.get("final_eval", {}))
        finals.append(final)
    columns = [(key, header) for key, header in COLUMNS if any(key in final for final in finals)]
    table = Table(title=title, caption="val/test and ‖θ‖₂: the weights each run ends with")
    table.add_column("run", no_wrap=True)
    table.add_column("id", no_wrap=True)
    for _, header in columns:
        table.add_column(header, justify="right")
    for header in ("‖θ‖₂", "sparsity", "epochs", "best epoch", "status", "seconds"):
        table.add_column(header, justify="right" if header != "status" else "left")
    for run, final in zip(runs, finals):
        norm, sparsity = final_weight_stats(run.model)
        cells = [f"{final[key]:.4f}" if key in final else "-" for key, _ in columns]
        table.add_row(
            run.name,
            run.id or "-",
            *cells,
            f"{norm:.3f}",
            f"{sparsity:.3f}",
            str(len(run.history)),
            str(run.summary.get("best_epoch") or "-"),
            run.status,
            f"{run.summary.get('time/total', 0.0):.2f}",
        )
    return table
