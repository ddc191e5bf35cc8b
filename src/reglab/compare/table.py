"""A side-by-side table of runs, measured on the weights each run kept.

Every figure of a run is the one every other place shows for it: train accuracy of
the last epoch; validation and test metrics, ‖θ‖₂ and sparsity of the weights the run
*kept* (`summary.final_eval`: after restoring the best epoch, weight averaging or
pruning). The table fits the terminal (`reglab.text_table`): columns that are the same
for every run move under it, and it turns into one block per run when it is too wide.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from reglab.text_table import Column, TextTable, shown_names
from reglab.engine.run import Run
from reglab.formatting import MISSING, column_formatter, mean_and_std, mean_std_column

__all__ = ["comparison_table", "grouped_comparison_table", "final_weight_stats", "run_figures", "progress_line"]

# (metric key, header, where it comes from): `last` = the last epoch, `kept` = the kept weights.
COLUMNS = (
    ("train/acc", "train acc", "last"),
    ("val/acc", "val acc", "kept"),
    ("test/acc", "test acc", "kept"),
    ("test/loss", "test loss", "kept"),
)
CAPTION = "train acc: last epoch; val, test, ‖θ‖₂ and sparsity: the weights each run kept"


@torch.no_grad()
def final_weight_stats(model: torch.nn.Module) -> tuple[float, float]:
    """‖θ‖₂ over all parameters (as `param/l2/total`) and the fraction of exact zeros."""
    flat = torch.cat([parameter.detach().reshape(-1) for parameter in model.parameters()])
    return float(flat.norm()), float((flat == 0).float().mean())


def run_figures(run: Run) -> dict[str, float]:
    """The figures of a run every output shows: `train/acc` of the last epoch, the kept
    weights' validation and test metrics (the last epoch's when none were kept)."""
    last = dict(run.history[-1]) if run.history else {}
    kept = run.summary.get("final_eval") or {}
    figures = {}
    for key, _, source in COLUMNS:
        value = kept.get(key) if source == "kept" else None
        if value is None:
            value = last.get(key)
        if value is not None:
            figures[key] = float(value)
    return figures


def progress_line(run: Run) -> str:
    """One line per finished run, labelled with which weights each figure belongs to."""
    figures = run_figures(run)
    last = ", ".join(f"{header} {figures[key]:.4f}" for key, header, source in COLUMNS
                     if source == "last" and key in figures)
    kept = ", ".join(f"{header} {figures[key]:.4f}" for key, header, source in COLUMNS
                     if source == "kept" and key in figures and not key.startswith("val/"))
    parts = [f"last epoch: {last}" if last else "", f"weights kept: {kept}" if kept else ""]
    epochs = f"{len(run.history)} epoch{'' if len(run.history) == 1 else 's'}"
    return f"  {run.name}: {run.status}, {epochs}; " + "; ".join(part for part in parts if part)


def _column(header: str, values: Sequence[Any], **options: Any) -> Column:
    formatter = column_formatter(values)
    return Column(header, [formatter(value) for value in values], **options)


def comparison_table(runs: Sequence[Run], title: str = "comparison") -> TextTable:
    """Rows = runs: the runs' figures (`run_figures`), ‖θ‖₂ and sparsity of the kept
    weights, best epoch, status, seconds. Print it with rich (it fits the console) or
    `reglab.text_table.render_table(table, width)`."""
    figures = [run_figures(run) for run in runs]
    stats = [final_weight_stats(run.model) for run in runs]
    names, legend = shown_names([run.name for run in runs])
    columns = [
        Column("run", names, align="left", wrap=True, identity=True, optional=False),
        Column("id", [(run.id or MISSING)[:8] for run in runs], align="left", identity=True, optional=False),
    ]
    for key, header, _ in COLUMNS:
        if any(key in found for found in figures):
            columns.append(_column(header, [found.get(key) for found in figures], optional=False))
    columns += [
        _column("‖θ‖₂", [norm for norm, _ in stats], optional=False),
        _column("sparsity", [sparsity for _, sparsity in stats]),
        _column("epochs", [len(run.history) for run in runs]),
        _column("best epoch", [run.summary.get("best_epoch") for run in runs]),
        Column("status", [run.status for run in runs], align="left"),
        _column("seconds", [float(run.summary.get("time/total", 0.0)) for run in runs]),
    ]
    return TextTable(columns, title, [CAPTION, *legend])


def grouped_comparison_table(runs: Sequence[Run], title: str = "comparison") -> TextTable:
    """Rows = groups of runs with the same name (one config over several seeds):
    n, then mean ± std (sample, n − 1) of each figure."""
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.name, []).append(run)
    names, legend = shown_names(list(groups))
    columns = [
        Column("run", names, align="left", wrap=True, identity=True, optional=False),
        Column("seeds", [", ".join(str(run.config.seed) for run in members) for members in groups.values()],
               align="left", wrap=True),
        Column("n", [str(len(members)) for members in groups.values()]),
    ]
    measured = {name: [run_figures(run) | {"norm": final_weight_stats(run.model)[0]} for run in members]
                for name, members in groups.items()}
    for key, header in [*((key, header) for key, header, _ in COLUMNS), ("norm", "‖θ‖₂")]:
        stats = [mean_and_std([found.get(key) for found in measured[name]]) for name in groups]
        if any(count for _, _, count in stats):
            columns.append(Column(header, mean_std_column(stats), optional=False))
    return TextTable(columns, title, [CAPTION, "each figure: mean ± sample standard deviation (n − 1) over the seeds", *legend])
