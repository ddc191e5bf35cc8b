"""`reglab datasets`: the datasets reglab knows, with their size and shape."""

from __future__ import annotations

from reglab.cli.app import app

__all__ = ["datasets_command"]


@app.command("datasets", short_help="List the datasets: samples, shape, classes, offline or not")
def datasets_command() -> None:
    """List the datasets: name, samples, shape, classes, offline or not."""
    from rich.table import Table

    from reglab.cli.console import make_console
    from reglab.data import dataset_catalog

    table = Table(title="reglab datasets")
    for column in ("name", "samples", "shape", "classes", "offline"):
        table.add_column(column, no_wrap=True)
    table.add_column("description")
    for info in dataset_catalog():
        table.add_row(
            info.name,
            "from files" if info.samples is None else str(info.samples),
            "from files" if info.shape is None else "×".join(str(side) for side in info.shape),
            "from files" if info.classes is None else str(info.classes),
            "yes" if info.offline else "no: data.root",
            info.description,
        )
    make_console().print(table)
