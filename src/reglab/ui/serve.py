"""Run the dashboard with uvicorn, on a loopback address unless told otherwise."""

from __future__ import annotations

import ipaddress
import signal
import socket
from pathlib import Path
from typing import Callable

__all__ = ["BindRefused", "is_loopback", "bind_socket", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class BindRefused(ValueError):
    """The address may not or cannot be bound; the message names it and what is allowed."""


def is_loopback(host: str) -> bool:
    """True for `localhost` and every address of 127.0.0.0/8 and ::1."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int, allow_remote: bool = False) -> socket.socket:
    """A listening socket on (host, port); port 0 picks a free port.

    Refuses (BindRefused) any address that is not loopback unless `allow_remote`, which
    the `reglab ui` command sets only when `--host` is given.
    """
    if not allow_remote and not is_loopback(host):
        raise BindRefused(
            f"--host: got {host!r}; allowed: a loopback address (127.0.0.1, ::1, localhost); another address only when asked for with --host"
        )
    if not 0 <= port <= 65535:
        raise BindRefused(f"--port: got {port}; allowed: 0 (any free port) to 65535")
    address = host.strip("[]")
    try:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((address, port))
        listener.listen(128)
    except OSError as failure:
        raise BindRefused(f"--host/--port: cannot listen on {host}:{port} ({failure.strerror}); allowed: a free port on an address of this machine") from None
    return listener


def serve(
    store_dir: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    allow_remote: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the store's dashboard until interrupted.

    Args:
        store_dir: the run store (read-only).
        host, port: where to listen (port 0: any free port).
        allow_remote: permit an address other than loopback.
        on_ready: called with the dashboard's URL once the socket listens.

    Example:
        >>> serve("reglab-runs", port=8765)   # then open http://127.0.0.1:8765/
    """
    import uvicorn

    from reglab.ui.app import create_app

    listener = bind_socket(host, port, allow_remote)
    from reglab.ui.app import LOOPBACK_HOSTS

    trusted = [*LOOPBACK_HOSTS, host.lower() if ":" not in host.strip("[]") else f"[{host.strip('[]')}]"]
    app = create_app(store_dir, trusted_hosts=trusted if is_loopback(host) else ["*"])
    bound_port = listener.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
    if on_ready is not None:
        on_ready(f"http://{shown}:{bound_port}/")
    class Server(uvicorn.Server):
        interrupted = False

        def handle_exit(self, sig: int, frame) -> None:
            self.interrupted |= sig == signal.SIGINT
            super().handle_exit(sig, frame)

    server = Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    try:
        server.run(sockets=[listener])
    finally:
        app.state.ui.close()
        listener.close()
    if server.interrupted:
        raise KeyboardInterrupt  # the command exits 130 after Ctrl-C, as every reglab command
