"""`reglab ui [--store DIR] [--port 8765] [--host ADDRESS]`: the store's dashboard in a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from reglab.cli.app import app, fail
from reglab.cli.options import StoreOption

__all__ = ["ui_command"]


@app.command("ui", short_help="A local, read-only dashboard of the runs")
def ui_command(
    store: Optional[Path] = StoreOption,
    port: int = typer.Option(8765, "--port", help="Port to listen on (0: any free port)."),
    host: Optional[str] = typer.Option(
        None,
        "--host",
        help="Address to listen on (default 127.0.0.1, this machine only). Any other address "
        "shows the store to whoever can reach it, without a password.",
    ),
) -> None:
    """A local, read-only dashboard of the runs: table, run pages, comparisons, sweeps."""
    try:
        import plotly  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as missing:
        fail(f"reglab ui: the web stack is not installed ({missing.name}); allowed: pip install 'reglab[ui]'")
    from reglab.store import default_store_dir
    from reglab.ui.serve import DEFAULT_HOST, BindRefused, is_loopback, serve
    from reglab.ui.state import StoreNotFound

    address = host if host is not None else DEFAULT_HOST
    if host is not None and not is_loopback(host):
        typer.echo(f"warning: listening on {host}: anyone who can reach it can read this store (no password)", err=True)

    def announce(url: str) -> None:
        typer.echo(f"reglab ui: {url}  (store {directory}, read-only; Ctrl-C stops)", err=True)

    directory = store if store is not None else default_store_dir()
    try:
        serve(directory, host=address, port=port, allow_remote=host is not None, on_ready=announce)
    except (StoreNotFound, BindRefused) as problem:
        fail(str(problem))
    except KeyboardInterrupt:
        # exit here: typer turns KeyboardInterrupt into a returned 130 that main() drops
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None
