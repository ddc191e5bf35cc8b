"""The HTML pages: a small shell per page; the data arrives as JSON and app.js draws it.

The runs page and the run page carry their first data inside the HTML (a
`<script type="application/json">` block), so the first response already holds the
first page of the table and the browser draws it without a second round trip.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from reglab.ui.api import QueryError, finite, runs_query
from reglab.ui.filters import FilterError
from reglab.ui.run_detail import run_details
from reglab.ui.run_files import list_run_files, run_folder
from reglab.ui.tables import ColumnError, run_groups, runs_page

__all__ = ["page_routes", "render_page"]

STATIC_DIR = Path(__file__).parent / "static"


def _asset_version() -> str:
    """Changes whenever a static file changes, so browsers never run a stale script."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.iterdir()):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:10]


ASSET_VERSION = _asset_version()
PAGE_SCRIPTS = ("runs", "run", "compare", "sweeps", "sweep")
NAVIGATION = (("runs", "/", "Runs"), ("sweeps", "/sweeps", "Sweeps"), ("compare", "/compare", "Compare"))


def _embedded(data: Any) -> str:
    """JSON that is safe inside a <script> element (no `</script>`, no `<!--`)."""
    text = json.dumps(finite(data), separators=(",", ":"), allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(
    page: str,
    title: str,
    store: str,
    initial: Any = None,
    plots: bool = False,
    status_code: int = 200,
    message: str = "",
) -> Response:
    """One page: header with navigation, an empty main that app.js fills, the initial data."""
    links = "".join(
        f'<a href="{href}"{" class=current" if name == page else ""} id="nav-{name}">{label}</a>'
        for name, href, label in NAVIGATION
    )
    scripts = ["plotly.min.js"] if plots else []
    scripts += ["common.js", "figures.js", f"{page}.js"] if page in PAGE_SCRIPTS else ["common.js"]
    tags = "".join(f'<script src="/static/{name}?v={ASSET_VERSION}" defer></script>' for name in scripts)
    notice = f'<div class="error" role="alert">{html.escape(message)}</div>' if message else ""
    body = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · reglab</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/style.css?v={ASSET_VERSION}">
{tags}
</head>
<body data-page="{page}">
<header><span class="brand">reglab</span><nav>{links}</nav>
<span class="store" title="store (read-only)">{html.escape(store)}</span><span id="live" class="live"></span></header>
<main id="main">{notice}</main>
<script type="application/json" id="initial">{_embedded(initial)}</script>
</body>
</html>
"""
    return HTMLResponse(body, status_code=status_code)


def runs_page_view(request: Request) -> Response:
    ui = request.app.state.ui
    try:
        query = runs_query(request.query_params)
        snapshot = ui.index.snapshot()
        data = run_groups(snapshot, query) if query.group_by else runs_page(snapshot, query)
    except (QueryError, FilterError, ColumnError) as bad:
        data = {"error": str(bad)}
    return render_page("runs", "Runs", str(ui.store_dir), data)


def run_page_view(request: Request) -> Response:
    ui = request.app.state.ui
    run_id = request.path_params["run_id"]
    details = run_details(ui.database, run_id) if run_folder(ui.store_dir, run_id) else None
    if details is None:
        return render_page("missing", "Not found", str(ui.store_dir), None, status_code=404, message=f"No run {run_id!r} in this store.")
    record = ui.index.snapshot().by_id.get(run_id)
    details["stale"] = bool(record and record.stale)
    details["files"] = list_run_files(ui.store_dir, run_id)
    return render_page("run", details["name"], str(ui.store_dir), details, plots=True)


def compare_page_view(request: Request) -> Response:
    ui = request.app.state.ui
    return render_page("compare", "Compare", str(ui.store_dir), {"ids": request.query_params.get("ids", "")}, plots=True)


def sweeps_page_view(request: Request) -> Response:
    ui = request.app.state.ui
    return render_page("sweeps", "Sweeps", str(ui.store_dir), None)


def sweep_page_view(request: Request) -> Response:
    ui = request.app.state.ui
    name = request.path_params["name"]
    return render_page("sweep", f"Sweep {name}", str(ui.store_dir), {"sweep": name}, plots=True)


def page_routes() -> list[Route]:
    return [
        Route("/", runs_page_view),
        Route("/runs/{run_id}", run_page_view),
        Route("/compare", compare_page_view),
        Route("/sweeps", sweeps_page_view),
        Route("/sweeps/{name:path}", sweep_page_view),
    ]
