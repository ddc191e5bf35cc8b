"""`reglab datasets`: the datasets reglab knows, with their size and shape."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from reglab.cli.app import app

__all__ = ["datasets_command"]


@app.command("datasets")
def datasets_command() -> None:
    """List the datasets: name, samples, shape, classes, offline or not."""
    from reglab.data import dataset_catalog

    table = Table(title="reglab datasets")
    for column in ("name", "samples", "shape", "classes", "offline", "description"):
        table.add_column(column)
    for info in dataset_catalog():
        table.add_row(
            info.name,
            str(info.samples),
            "×".join(str(side) for side in info.shape),
            str(info.classes),
            "yes" if info.offline else "no (data.root or data.download)",
            info.description,
        )
    Console(highlight=False).print(table)
