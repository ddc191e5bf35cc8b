"""The dashboard's web application (Starlette): pages, the JSON API, static files, run files.

Nothing here writes: the database is opened read-only (see database.py), run files are
only ever opened for reading by `FileResponse`, and every route answers GET (and HEAD).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from reglab.ui.api import api_routes
from reglab.ui.pages import page_routes
from reglab.ui.run_files import resolve_run_file
from reglab.ui.state import UIState, open_state

__all__ = ["create_app", "plotly_bundle", "LOOPBACK_HOSTS"]

STATIC_DIR = Path(__file__).parent / "static"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]

# The pages load scripts and styles from this server only and send requests only to it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'"
)


class SecurityHeaders:
    """ASGI middleware adding the content security policy and no-sniff headers to every response."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def plotly_bundle() -> Path:
    """plotly.js as shipped inside the `plotly` Python package (no CDN)."""
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


def run_file(request: Request) -> Response:
    ui: UIState = request.app.state.ui
    path = resolve_run_file(ui.store_dir, request.path_params["run_id"], request.path_params["path"])
    if path is None:
        return PlainTextResponse("not found", status_code=404)
    text_like = path.suffix in (".yaml", ".yml", ".csv", ".json", ".txt", ".log")
    return FileResponse(path, media_type="text/plain; charset=utf-8" if text_like else None)


def plotly_script(request: Request) -> Response:
    return FileResponse(plotly_bundle(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})


def not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("not found", status_code=404)


def create_app(store_dir: str | Path, trusted_hosts: list[str] | None = None) -> Starlette:
    """The dashboard for the store in `store_dir` (opened read-only).

    Args:
        store_dir: a folder holding `reglab.db` (StoreNotFound when it does not).
        trusted_hosts: the `Host` headers answered; by default only loopback names, which
            keeps pages of other sites from reaching the dashboard through DNS rebinding.
            None of them is checked when the list holds "*".
    """
    state = open_state(store_dir)

    routes = [
        *page_routes(),
        *api_routes(),
        Route("/files/{run_id}/{path:path}", run_file),
        Route("/static/plotly.min.js", plotly_script),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=trusted_hosts or LOOPBACK_HOSTS),
        Middleware(SecurityHeaders),
    ]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found})
    app.state.ui = state
    return app
